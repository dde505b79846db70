"""Forms of the voucher pages (officers, community staff, providers, residents)."""

import re
import uuid
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import AnyOf, EqualTo, Optional, Regexp, ValidationError

from accounts.forms import MAX_PASSWORD_INPUT, MultiCheckboxField
from accounts.resident_models import HardshipTag
from core.forms import (
    DataRequired,
    InputRequired,
    Length,
    MoneyField,
    NumberRange,
    WholeNumberField,
    strip_text,
)
from core.i18n import aside
from core.money import format_fen, input_text
from core.numbers import half_width
from core.timeutil import local_today

from .catalogue import MAX_COMMENT
from .dispute_replies import MAX_REPLY
from .disputes import MAX_REASON
from .enums import ProviderMode, TagsMode
from .printed_codes import MAX_CODES_ON_SHEET
from .programmes import MAX_VALIDITY_DAYS


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


def within_validity_limit(form, field) -> None:
    """An end date no further off than the longest validity in days (MAX_VALIDITY_DAYS): a date near the calendar's
    end overflowed when a voucher's expiry was computed from it."""
    if field.data is not None and field.data > local_today() + timedelta(days=MAX_VALIDITY_DAYS):
        raise ValidationError(_l("At most 3660 days from today."))


def community_choices(communities) -> list[SelectChoice]:
    return [SelectChoice(c.id, f"{c.street} {c.name}") for c in communities]


def category_choices(categories, locale: str) -> list[SelectChoice]:
    return [SelectChoice(c.id, c.name(locale)) for c in categories]


class ProgrammeForm(FlaskForm):
    name = StringField(_l("Programme name"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)], render_kw={"rows": 3})
    budget_fen = MoneyField(_l("Budget (yuan)"), validators=[InputRequired()])
    face_value_fen = MoneyField(_l("Face value per voucher (yuan)"), validators=[InputRequired()])
    vouchers_per_period = WholeNumberField(_l("Vouchers per resident per month"), default=1,
                                           validators=[InputRequired(), NumberRange(min=1, max=31)])
    category_ids = MultiCheckboxField(_l("Eligible service categories"), coerce=int)
    # Ticked, as a service's area is (ServiceForm): a multi-select (hold Ctrl or ⌘) was missed by most and hard on
    # a phone; each box is a row of 44 px (.big-choices).
    community_ids = MultiCheckboxField(_l("Communities (none ticked: every community)"), coerce=int,
                                       validators=[Optional()])
    min_age = WholeNumberField(_l("Minimum age"), validators=[Optional(), NumberRange(min=0, max=150)])
    required_tags = MultiCheckboxField(_l("Hardship tags"))
    tags_mode = RadioField(_l("Tags needed"), default=TagsMode.ANY.value)
    validity_days = WholeNumberField(_l("Vouchers valid for (days)"),
                                     validators=[Optional(), NumberRange(min=1, max=MAX_VALIDITY_DAYS)])
    valid_until = DateField(_l("Or valid until (date)"), validators=[Optional(), within_validity_limit])
    provider_mode = RadioField(_l("Providers"), default=ProviderMode.OPEN.value)
    contract_call_id = SelectField(_l("Call whose contracted organisations may provide"), coerce=_optional_int,
                                   validators=[Optional()])
    resident_cap_fen = MoneyField(_l("Most a resident may spend per month (yuan, optional)"), validators=[Optional()])
    provider_cap_fen = MoneyField(_l("Most a provider may redeem per month (yuan, optional)"), validators=[Optional()])

    def __init__(self, *args, categories=(), communities=(), calls=(), locale="zh_Hans_CN", **kwargs):
        super().__init__(*args, **kwargs)
        self.category_ids.choices = category_choices(categories, locale)
        self.community_ids.choices = community_choices(communities)
        self.required_tags.choices = HardshipTag.choices()
        self.tags_mode.choices = TagsMode.choices()
        self.provider_mode.choices = ProviderMode.choices()
        self.contract_call_id.choices = [SelectChoice("", "—"), *(SelectChoice(c.id, c.title) for c in calls)]


class StatusForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)], filters=[strip_text],
                           render_kw={"rows": 2})


def _count_choice(value):
    """A choice of how many codes; anything else typed (not a number) is refused as a choice not offered, in our
    words (WTForms said "Invalid Choice: could not coerce")."""
    try:
        return _optional_int(value)
    except ValueError:
        return -1


class PrintForm(FlaskForm):
    """Printing a sheet of vouchers (community staff): how many one-time codes it carries, empty for as many as the
    resident can use in the codes' week (printed_codes.suggested_counts, said in the first choice's label)."""
    count = SelectField(_l("One-time codes on the sheet"), coerce=_count_choice, validators=[Optional()],
                        invalid_choice_message=_l("Choose how many codes to print, from 1 to %(n)d.",
                                                  n=MAX_CODES_ON_SHEET))

    def __init__(self, *args, suggested: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        counts = sorted(set((suggested or {}).values()))
        # (short: a select cut its text at large text sizes on a phone; the help says what it means)
        auto = _l("Automatic (%(n)s)", n=counts[0]) if len(counts) == 1 else _l("Automatic")
        self.count.choices = [SelectChoice(None, auto)] + [SelectChoice(n, str(n))
                                                             for n in range(1, MAX_CODES_ON_SHEET + 1)]


class BudgetForm(FlaskForm):
    """A running programme's budget raised (its rules are fixed once it runs; its money may grow)."""
    budget_fen = MoneyField(_l("New budget (yuan)"), validators=[InputRequired(message=_l("Enter the new budget."))])


class CloseProgrammeForm(FlaskForm):
    """Closing a running programme revokes every voucher not yet spent and cannot be undone: it is closed for a
    reason, recorded with it (a blank one was taken, and the trail said only 'programme closed')."""
    reason = StringField(_l("Reason"), validators=[
        DataRequired(message=_l("Give the reason for closing the programme.")), Length(max=2000)],
        filters=[strip_text])


def card_number_field() -> StringField:
    """The ID number read off the resident's card, which the service compares with the one on record."""
    return StringField(_l("ID number on the card"), validators=[Optional(), Length(max=40)],
                       render_kw={"autocomplete": "off", "spellcheck": "false"})


class ResidentStatusForm(StatusForm):
    """Verify (with the ID number read off the resident's card) or suspend."""
    card_number = card_number_field()


# (not '$', which also matches before a trailing newline)
MONTH = Regexp(r"^[0-9]{4}-[0-9]{2}\Z", message=_l("Write the month as year-month, for example 2026-12."))
MONTH_LABEL = _l("Month (year-month, for example 2026-12)")


class ResidentPasswordForm(FlaskForm):
    """Community staff set a new password for a resident who forgot theirs (the resident types it), with the ID
    number read off the card."""
    # Each says what is missing (WTForms' 'This field is required.' twice, and nothing beside the card's number, was
    # the answer to the form sent empty). The length is the service's to refuse: its 'Too short.' stands beside it.
    card_number = StringField(_l("ID number on the card"), validators=[
        DataRequired(message=_l("Type the ID number from the resident's card.")), Length(max=40)],
        render_kw={"autocomplete": "off", "spellcheck": "false"})
    password = PasswordField(_l("New password"), validators=[
        DataRequired(message=_l("Let the resident type their new password.")), Length(max=MAX_PASSWORD_INPUT)],
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(message=_l("Let the resident type their new password again.")),
        EqualTo("password", _l("The passwords differ."))], render_kw={"autocomplete": "new-password"})


class BatchForm(FlaskForm):
    period = StringField(MONTH_LABEL, validators=[DataRequired(message=_l("Enter the month.")), MONTH])


class IssueOneForm(FlaskForm):
    id_number = StringField(_l("Resident ID number"), validators=[
        DataRequired(message=_l("Enter the resident's ID number.")), Length(max=30)])
    # Its own id: the batch form beside it on the programme page has a "period" too.
    period = StringField(MONTH_LABEL, validators=[DataRequired(message=_l("Enter the month.")), MONTH],
                         id="issue-period")


class DecideForm(FlaskForm):
    uphold = RadioField(_l("Decision"), choices=[SelectChoice("1", _l("Uphold: reverse the redemption")),
                                                 SelectChoice("0", _l("Reject: the redemption stands"))],
                        validators=[InputRequired(message=_l("Choose uphold or reject."))])
    note = TextAreaField(_l("Reason for the decision"), validators=[
        DataRequired(message=_l("Give the reason for the decision.")), Length(max=2000)],
                         render_kw={"rows": 2})


class PrepareSettlementForm(FlaskForm):
    provider_id = HiddenField(validators=[DataRequired()])
    period = HiddenField(validators=[DataRequired(), Regexp(r"^\d{4}-\d{2}$")])


class PaymentForm(FlaskForm):
    payment_reference = StringField(_l("Payment reference"), validators=[
        DataRequired(message=_l("Enter the payment reference.")), Length(max=100)])


class ResidentForm(FlaskForm):
    # Each says what is missing, not WTForms' "This field is required."
    real_name = StringField(_l("Real name"), validators=[
        DataRequired(message=_l("Enter the real name, as on the ID card.")), Length(max=60)])
    id_number = StringField(_l("Resident ID number"), validators=[
        DataRequired(message=_l("Enter the number on the ID card.")), Length(max=30)],
                            render_kw={"autocomplete": "off"})
    community_id = SelectField(_l("Community"), coerce=_optional_int,
                               validators=[InputRequired(message=_l("Choose the community."))])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])
    tags = MultiCheckboxField(_l("Hardship tags"))
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})

    def __init__(self, *args, communities=(), with_tags=True, id_masked: str | None = None, **kwargs):
        """id_masked: correcting a record whose ID number is this; left empty, the number stays as it is."""
        super().__init__(*args, **kwargs)
        # All on one street (the communities a staff member looks after, as a rule): their names alone, which fit the
        # drop-down on a phone with large text (幸福街道 和平社区 was cut short to 幸福街道 和平社 at 200 %).
        one_street = len({c.street for c in communities}) == 1
        self.community_id.choices = [SelectChoice("", "—"), *([SelectChoice(c.id, c.name) for c in communities]
                                                              if one_street else community_choices(communities))]
        if id_masked:
            self.id_number.validators = [Optional(), Length(max=30)]
            self.id_number.flags.required = False
            self.id_number.description = _l("Leave empty to keep %(masked)s.", masked=id_masked)
            self.id_number.render_kw = {"placeholder": id_masked, "autocomplete": "off"}
        self.tags.choices = [SelectChoice(t.value, t.label) for t in HardshipTag.stored()]
        if not with_tags:  # the resident's own details (staff set the tags): the browser may fill them in
            del self.tags
            self.real_name.render_kw = {"autocomplete": "name"}
            self.address.render_kw = {"autocomplete": "street-address"}


class ServiceForm(FlaskForm):
    # What an empty field needs, said beside it (WTForms said only "This field is required.").
    name = StringField(_l("Service name"), validators=[
        DataRequired(_l("Give the service a name of up to 120 characters.")), Length(max=120)])
    category_id = SelectField(_l("Service category"), coerce=_optional_int,
                              validators=[InputRequired(_l("Choose a service category."))])
    price_fen = MoneyField(_l("Price (yuan)"), validators=[InputRequired(_l("Enter a positive amount."))])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)], render_kw={"rows": 3})
    # Ticked, as an organisation's communities are (orgs.forms): a multi-select (hold Ctrl or ⌘) was missed by most
    # and hard on a phone; each box is a row of 44 px (.big-choices).
    community_ids = MultiCheckboxField(_l("Service area (none ticked: anywhere)"), coerce=int,
                                       validators=[Optional()])
    # How residents get the service (the catalogue shows them); the service checks the phone and the lengths.
    booking_phone = TelField(_l("Phone to book it"), validators=[Optional()],
                             description=_l("Shown to residents. A mobile number or a landline with its area code."))
    location = StringField(_l("Where"), validators=[Optional()],
                           description=_l("An address, or “at the resident's home”."))
    hours = StringField(_l("When"), validators=[Optional()], description=_l("For example: weekdays 9:00–17:00."))
    active = BooleanField(_l("Offered now"), default=True)

    def __init__(self, *args, categories=(), communities=(), locale="zh_Hans_CN", **kwargs):
        super().__init__(*args, **kwargs)
        self.category_id.choices = [SelectChoice("", "—"), *category_choices(categories, locale)]
        self.community_ids.choices = community_choices(communities)


def code_as_typed(value):
    """A resident's code as a provider types it off the screen: the code page shows it in two groups of four
    ('1234 5678'), and a Chinese keyboard may give full-width digits or a hyphen; only the digits count."""
    return re.sub(r"[\s-]", "", half_width(value)) if isinstance(value, str) else value


class RedeemForm(FlaskForm):
    code = StringField(_l("Resident's code"), filters=[code_as_typed],
                       validators=[DataRequired(), Regexp(r"^\d{8}$", message=_l("The code has 8 digits."))],
                       render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 12})
    service_id = SelectField(_l("Service"), coerce=_optional_int, validators=[InputRequired()])
    amount_fen = MoneyField(_l("Amount (yuan)"), validators=[InputRequired()])
    idempotency_key = HiddenField(default=lambda: uuid.uuid4().hex,
                                  validators=[DataRequired(), Length(max=100)])

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Each service says its listed price, the most that may be redeemed for it; static/js/redeem.js reads
        # data-price (in yuan, as the amount is typed) to fill the amount when the service is chosen.
        self.service_id.choices = [SelectChoice("", "—"), *(
            SelectChoice(s.id, aside(s.name, format_fen(s.price_fen)), {"data-price": input_text(s.price_fen)})
            for s in services)]

    def preselect(self, service) -> None:
        """The page opens with this service chosen and the amount at its listed price."""
        self.service_id.data = service.id
        self.amount_fen.data = service.price_fen


class CodeForm(FlaskForm):
    programme_id = SelectField(_l("Programme"), coerce=_optional_int, validators=[Optional()],
                               invalid_choice_message=_l("Choose one of the programmes you have vouchers of."))

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.programme_id.choices = [SelectChoice(line.programme_id, line.programme_name) for line in lines]


# A refused dispute or rating is shown again with these messages beside its fields
# (resident_views.posted_on_redemption): each says what is wrong, the limit too, in the services' words.
class DisputeForm(FlaskForm):
    reason = TextAreaField(_l("What was wrong?"), filters=[strip_text], render_kw={"rows": 2}, validators=[
        DataRequired(message=_l("Please say what was wrong.")),
        Length(max=MAX_REASON, message=_l("A reason has at most %(n)d characters.", n=MAX_REASON))])


class DisputeReplyForm(FlaskForm):
    """The provider's reply to a dispute of its redemption (vouchers.dispute_replies), sent once."""
    reply = TextAreaField(_l("Your reply"), filters=[strip_text], render_kw={"rows": 3}, validators=[
        DataRequired(message=_l("Please write your reply.")),
        Length(max=MAX_REPLY, message=_l("A reply has at most %(n)d characters.", n=MAX_REPLY))])


STARS = [str(n) for n in range(5, 0, -1)]


class RatingForm(FlaskForm):
    stars = RadioField(_l("Stars"), choices=[SelectChoice(n, "★" * int(n)) for n in STARS], validate_choice=False,
                       validators=[InputRequired(message=_l("Choose from 1 to 5 stars.")),
                                   AnyOf(STARS, message=_l("Choose from 1 to 5 stars."))])
    comment = TextAreaField(_l("Comment (optional)"), filters=[strip_text], render_kw={"rows": 2}, validators=[
        Optional(), Length(max=MAX_COMMENT, message=_l("A comment has at most %(n)d characters.", n=MAX_COMMENT))])
