from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, StringField
from wtforms.validators import Length, Optional


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter form changes nothing

    actor = StringField(_l("Actor (user name)"), validators=[Optional(), Length(max=64)])
    action = StringField(_l("Action"), validators=[Optional(), Length(max=80)])
    target_type = StringField(_l("Target type"), validators=[Optional(), Length(max=60)])
    target_id = StringField(_l("Target id"), validators=[Optional(), Length(max=60)])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])


class VerifyFileForm(FlaskForm):
    file = FileField(_l("PDF file"))
    sha256 = StringField(_l("or its SHA-256"), validators=[Optional(), Length(max=80)])
