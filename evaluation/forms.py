from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, Optional

from core.forms import DataRequired, InputRequired, Length, NumberRange, WholeNumberField, read_amount, strip_text
from core.numbers import NumberError, parse_whole

from .enums import SeatType, TemplatePurpose
from .expert_conflicts import MAX_RELATIONSHIP
from .services import MAX_REASON


class TemplateForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    purpose = SelectField(_l("Used for"), default=TemplatePurpose.PROPOSAL_REVIEW.value,
                          description=_l("Calls offer proposal-review templates; commissioning a project evaluation "
                                         "offers project-evaluation ones."))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    outline = TextAreaField(_l("Sections and criteria"), validators=[DataRequired()], render_kw={"rows": 18},
                            description=_l("One section per line; under it, one criterion per line as "
                                           "'- criterion | maximum points | guidance'. The maxima add up to 100."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.purpose.choices = TemplatePurpose.choices()


class ExpertForm(FlaskForm):
    seat_type = SelectField(_l("Seat type"))
    expertise = StringField(_l("Fields of expertise"), validators=[Optional(), Length(max=300)])
    affiliations = StringField(_l("Affiliated organisations (numbers, comma-separated)"),
                               validators=[Optional(), Length(max=300)])
    active = BooleanField(_l("Active in the pool"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seat_type.choices = SeatType.choices()


class SeatGroup:
    """The seats taken together: where a service's reason about them all (an even panel) is shown."""

    def __init__(self):
        self.errors = []


SEATS = ("social_service", "finance", "service_user", "community_staff")


class DrawForm(FlaskForm):
    """The template, blind mode and aggregation were stated by the call; the seed is the server's."""

    social_service = WholeNumberField(_l("Social-service experts"), default=3,
                                      validators=[InputRequired(), NumberRange(0, 15)])
    finance = WholeNumberField(_l("Finance/audit experts"), default=1,
                               validators=[InputRequired(), NumberRange(0, 15)])
    service_user = WholeNumberField(_l("Service-user representatives"), default=1,
                                    validators=[InputRequired(), NumberRange(0, 15)])
    community_staff = WholeNumberField(_l("Host-community staff members"), default=0,
                                       validators=[InputRequired(), NumberRange(0, 15)])
    outlier_points = WholeNumberField(
        _l("Flag a member whose total is more than this many points from the median of all totals"), default=15,
        validators=[InputRequired(), NumberRange(1, 100)])
    max_panels_per_year = WholeNumberField(_l("At most this many panels per expert in 12 months"), default=6,
                                           validators=[InputRequired(), NumberRange(1, 100)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seats = SeatGroup()

    def seat_counts(self) -> dict[str, int]:
        return {name: self[name].data for name in SEATS}

    def suggest(self, available: dict[str, int]) -> None:
        """The default seats, each cut to what the pool has; then, if that made the panel even, one more from a
        seat type with experts to spare (else one fewer), so the suggestion can be drawn as it stands."""
        counts = {name: min(self[name].default, available.get(name, 0)) for name in SEATS}
        if sum(counts.values()) % 2 == 0:
            if spare := next((n for n in SEATS if counts[n] < available.get(n, 0)), None):
                counts[spare] += 1
            elif taken := next((n for n in reversed(SEATS) if counts[n]), None):
                counts[taken] -= 1
        for name, count in counts.items():
            self[name].data = count


class ReplaceForm(FlaskForm):
    status = SelectField(_l("Reason for replacement"), choices=[SelectChoice("recused", _l("Recused")),
                                                                        SelectChoice("absent", _l("Absent"))])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=MAX_REASON)], filters=[strip_text])


def conflict_choice() -> SelectField:
    """A conflict-of-interest declaration. No answer is preselected: the expert chooses one (a default of 'no
    conflict' was declared by a careless click)."""
    return SelectField(_l("Declaration"), default="", validate_choice=False,
                       choices=[SelectChoice("", _l("Choose…")), SelectChoice("no", _l("No conflict")),
                                SelectChoice("yes", _l("I have a conflict"))],
                       validators=[AnyOf(("no", "yes"), message=_l("Choose whether you have a conflict of interest."))])


class DeclareForm(FlaskForm):
    proposal_id = IntegerField(validators=[InputRequired(), NumberRange(1, 2**31 - 1)])
    conflict = conflict_choice()
    relationship = StringField(_l("Relationship (required if you declare a conflict)"),
                               validators=[Optional(), Length(max=MAX_RELATIONSHIP)],
                               filters=[strip_text])


def _organisation_id(value) -> int | None:
    return None if value in ("", None) else int(value)


class StandingConflictForm(FlaskForm):
    # Nothing chosen at first: an expert sending the form at once declared a conflict with the first organisation
    # of the list, which they had not chosen.
    org_id = SelectField(_l("Organisation"), coerce=_organisation_id,
                         validators=[InputRequired(_l("Choose the organisation."))])
    relationship = StringField(_l("Relationship"), validators=[DataRequired(), Length(min=2, max=MAX_RELATIONSHIP)],
                               filters=[strip_text])

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.org_id.choices = [SelectChoice("", _l("Choose the organisation…")),
                               *(SelectChoice(org_id, name) for org_id, name in organisations)]


class ApplicantConflictForm(FlaskForm):
    """Blind review: a conflict with an applicant named in the list (not linked to a proposal on the page)."""

    org_id = IntegerField(validators=[InputRequired(), NumberRange(1, 2**31 - 1)])
    relationship = StringField(_l("Relationship"), validators=[DataRequired(), Length(max=MAX_RELATIONSHIP)],
                               filters=[strip_text])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=MAX_REASON)], filters=[strip_text])


def read_decision(formdata, proposal_ids) -> tuple[dict[int, int], int, dict[str, str]]:
    """The award decision form (results page): the ticked proposals' amounts in fen, the publicity days, and each
    entry that cannot be read, with why. An unreadable entry is passed on as a value the service refuses (0), so
    the service still checks everything else and each field says its own problem at once."""
    amounts, errors = {}, {}
    for proposal_id in proposal_ids:
        if not formdata.get(f"award_{proposal_id}"):
            continue
        amount, why = read_amount(formdata.get(f"amount_{proposal_id}", ""))  # as MoneyField says it
        amounts[proposal_id] = amount or 0
        if why:
            errors[f"amount_{proposal_id}"] = why
    try:
        working_days = parse_whole(formdata.get("working_days", ""))
    except NumberError:
        working_days = 0
        errors["working_days"] = _("Enter the number of working days in digits, from 1 to 30.")
    return amounts, working_days, errors
