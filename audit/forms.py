from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, StringField
from wtforms.validators import Length, Optional, ValidationError

from core.timeutil import local_day_bounds


def _day_in_range(form, field) -> None:
    """A day whose bounds a datetime can hold (year 1 and 9999 are not: a 500 before this check)."""
    if field.data is None:
        return
    try:
        local_day_bounds(field.data)
    except OverflowError as exc:
        raise ValidationError(_l("This date is out of range.")) from exc


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter form changes nothing

    actor = StringField(_l("Actor (user name)"), validators=[Optional(), Length(max=64)])
    action = StringField(_l("Action"), validators=[Optional(), Length(max=80)])
    target_type = StringField(_l("Target type"), validators=[Optional(), Length(max=60)])
    target_id = StringField(_l("Target id"), validators=[Optional(), Length(max=60)])
    date_from = DateField(_l("From"), validators=[Optional(), _day_in_range])
    date_to = DateField(_l("To"), validators=[Optional(), _day_in_range])

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))


class VerifyFileForm(FlaskForm):
    file = FileField(_l("PDF file"))
    sha256 = StringField(_l("or its SHA-256"), validators=[Optional(), Length(max=80)])
