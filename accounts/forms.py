from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import EqualTo, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from core.calendar import MAX_NOTE
from core.forms import DataRequired, Length, MultipleChoiceField, strip_text

from .enums import Role
from .services import MAX_REASON, MIN_PASSWORD
from .validation import email_error

MAX_PASSWORD_INPUT = 256  # the forms refuse a longer password


def _email_address(form, field) -> None:
    if field.data and (message := email_error(field.data)):
        raise ValidationError(message)


def new_password_field(label=_l("New password"), *, min_length: int | None = MIN_PASSWORD) -> PasswordField:
    """A new password as typed. min_length=None leaves the length to services.check_password_strength alone (its
    message then stands beside the field); otherwise the browser is told the minimum too."""
    length = Length(max=MAX_PASSWORD_INPUT) if min_length is None else Length(min=min_length, max=MAX_PASSWORD_INPUT)
    return PasswordField(label, validators=[DataRequired(), length], render_kw={"autocomplete": "new-password"})


def repeat_password_field(of: str, label=_l("Repeat the new password")) -> PasswordField:
    """The new password typed again, which must equal the field named `of`."""
    return PasswordField(label, validators=[DataRequired(), EqualTo(of, _l("The passwords differ."))],
                         render_kw={"autocomplete": "new-password"})


class UserFilterForm(FlaskForm):
    """The administrators' user list: by name (user name, name or mobile number), role and status."""

    class Meta:
        csrf = False  # a GET filter changes nothing

    NO_ROLE = "none"
    q = SearchField(_l("User name, name or mobile number"), filters=[strip_text],
                    validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Role"), default="", invalid_choice_message=_l("Choose a role from the list."),
                       choices=[])  # (in the language of the page: __init__)
    status = SelectField(_l("Status"), default="", invalid_choice_message=_l("Choose a status from the list."),
                         choices=[SelectChoice("", _l("Active and deactivated")), SelectChoice("active", _l("Active")),
                                  SelectChoice("deactivated", _l("Deactivated"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [SelectChoice("", _l("All roles")),
                             *Role.choices(),
                             SelectChoice(self.NO_ROLE, _l("No role"))]


class LoginForm(FlaskForm):
    username = StringField(_l("User name or mobile number"), validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_INPUT)],
                             render_kw={"autocomplete": "current-password"})


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})
    new_password = new_password_field()
    confirm = repeat_password_field("new_password")


class MultiCheckboxField(MultipleChoiceField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(min=3, max=64)])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=254), _email_address], filters=[strip_text])
    phone = StringField(_l("Mobile phone"), validators=[Optional(), Length(max=20)])
    roles = MultiCheckboxField(_l("Roles"))
    communities = MultiCheckboxField(_l("Communities looked after"), coerce=int)  # (its help: __init__)
    password = new_password_field(_l("Initial password"))

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.roles.choices = Role.choices()
        self.communities.choices = [SelectChoice(c.id, c.full_name) for c in communities]
        self.communities.description = _l(
            "For community staff: the communities whose residents they verify and help. None ticked: every "
            "community of %(street)s.", street=_streets(communities))


def _streets(communities) -> str:
    """The street (街道) whose communities a staff member who ticks none looks after: the communities' own (each,
    should there be several), else the street office's name (PURCHASER_NAME). "The street office" named none."""
    streets = list(dict.fromkeys(c.street for c in communities))
    return "、".join(streets) if streets else current_app.config["PURCHASER_NAME"]


class UserEditForm(UserForm):
    username = None
    password = None


class ResetPasswordForm(FlaskForm):
    password = new_password_field()


class ReasonForm(FlaskForm):
    """An administrator's reason for reactivating a user: optional."""

    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=MAX_REASON)], filters=[strip_text])


class DeactivationForm(ReasonForm):
    """Deactivating a user needs a reason (services.set_active), as returning or rejecting an application does."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(_l("Please give a reason.")), Length(max=MAX_REASON)],
                           filters=[strip_text])


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=100)])


class ConfirmForm(FlaskForm):
    """A bare form: the CSRF token for POST-only buttons (logout, revoke)."""

    confirm = BooleanField(default=True)


class SignupForm(FlaskForm):
    purpose = SelectField(_l("The account is for"), default="resident", choices=[
        SelectChoice("resident", _l("Service vouchers: I live here and ask my community to verify me")),
        SelectChoice("organisation", _l("A social organisation: registering it, proposals and projects"))])
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=100)],
                               render_kw={"autocomplete": "name"})
    phone = StringField(_l("Mobile phone"), validators=[Optional(), Length(max=20)],
                        render_kw={"autocomplete": "tel", "inputmode": "tel"},
                        description=_l("You can log in with it. Optional if you choose a user name."))
    username = StringField(_l("User name"), validators=[Optional(), Length(min=3, max=64)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"},
                           description=_l("Optional with a mobile number: leave it empty to log in with the number."))
    password = new_password_field(_l("Password"))
    confirm = repeat_password_field("password", _l("Repeat the password"))


class CalendarDayForm(FlaskForm):
    day = DateField(_l("Date"), validators=[DataRequired()])
    kind = SelectField(_l("This day is"), choices=[SelectChoice("holiday", _l("a holiday (no work)")),
                                                   SelectChoice("working", _l("an adjusted working day"))])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=MAX_NOTE)], filters=[strip_text])
