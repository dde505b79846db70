from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from core.forms import (
    DataRequired,
    InputRequired,
    Length,
    MultipleChoiceField,
    NumberRange,
    WholeNumberField,
    strip_text,
)

from . import candidates, paid_conflicts, project_report, project_services, project_status, rectification, services
from .enums import Aggregation, SeatType
from .expert_conflicts import MAX_RELATIONSHIP
from .forms import conflict_choice
from .project_enums import EvaluationKind
from .surveys import default_outline


class _AcceptsWithheld:
    """A choice that also accepts what is withheld because the organisation paid them under the contract, or
    because they declared a conflict with it in an earlier evaluation or proposal review (not offered, so not among
    the choices): commission refuses it with the payments or the declaration, which run_service puts beside the
    field, so the refusal is written once, in the service. Anything else not offered is refused here as before."""

    also_accepted: tuple = ()  # the withheld ids

    def pre_validate(self, form):
        offered = self.choices
        self.choices = [*offered, *(SelectChoice(value, "") for value in self.also_accepted)]
        try:
            super().pre_validate(form)
        finally:
            self.choices = offered


class _AgencyField(_AcceptsWithheld, SelectField):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "SelectField"  # drawn as a select (_macros/forms.html goes by the type's name)


class _TemplateField(_AgencyField):
    """A template for proposal review is not offered but accepted here, so that commission refuses it for what it
    is, beside the field (a select's "Not a valid choice." said nothing of why)."""


class _EvaluatorsField(_AcceptsWithheld, MultipleChoiceField):
    """One check box per evaluator offered (a multiple select needs Ctrl-click, which a phone has not)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "MultiCheckboxField"


class CommissionForm(FlaskForm):
    kind = SelectField(_l("Kind of evaluation"))
    template_id = _TemplateField(_l("Indicator template"), coerce=int)
    agency_id = _AgencyField(_l("Evaluation agency"), coerce=lambda v: int(v) if v else None)
    evaluator_ids = _EvaluatorsField(_l("Evaluators"), coerce=int,
                                     description=_l("Tick evaluators from the expert pool, or (with an agency) the "
                                                    "agency's evaluators; with an agency and none ticked, all of "
                                                    "them."))
    aggregation = SelectField(_l("How the final score is computed"))
    due_on = DateField(_l("Due date"), validators=[InputRequired()])

    def __init__(self, *args, templates=(), agencies=(), evaluators=(), withheld=None, conflicted=None,
                 overridable=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.overridable = list(overridable)  # the users commission_form gave an override (check box, reason)
        self.kind.choices = EvaluationKind.choices()
        self.template_id.choices = [SelectChoice(t.id, t.name) for t in templates]
        self.agency_id.choices = [SelectChoice("", _l("None: individual evaluators")),
                                  *(SelectChoice(a.org_id, a.org.name) for a in agencies)]
        self.evaluator_ids.choices = [SelectChoice(u.id, u.display_name) for u in evaluators]
        self.aggregation.choices = Aggregation.choices()
        self.withheld = withheld or paid_conflicts.Withheld()
        self.conflicted = conflicted or {}  # declared_conflicts.conflicted: user id -> (name, what they declared)
        self.agency_id.also_accepted = tuple(self.withheld.agencies)
        self.evaluator_ids.also_accepted = (*self.withheld.experts, *self.conflicted)

    def paid_overrides(self) -> dict[int, str]:
        """The overrides ticked: user id -> the reason typed (required by the service, which says so beside it)."""
        return {u.id: self[project_services.override_field(u.id)].data or "" for u in self.overridable
                if self[f"override_{u.id}"].data}

    def chosen_ids(self) -> list[int]:
        """The evaluators ticked, then those chosen by ticking their override."""
        return list(dict.fromkeys([*(self.evaluator_ids.data or []), *self.paid_overrides()]))


def commission_form(overridable=(), **kwargs) -> CommissionForm:
    """The commission form, with for each pool evaluator left out only because the organisation paid them under the
    contract (Choices.overridable: users) an override: a check box to choose them all the same and the reason."""
    fields = {}
    for user in overridable:
        fields[f"override_{user.id}"] = BooleanField(_l("Choose %(name)s despite the payment",
                                                        name=user.display_name))
        fields[project_services.override_field(user.id)] = TextAreaField(
            _l("Reason for choosing %(name)s despite the payment", name=user.display_name),
            validators=[Optional(), Length(max=project_services.MAX_OVERRIDE_REASON)], filters=[strip_text],
            render_kw={"rows": 2, "maxlength": project_services.MAX_OVERRIDE_REASON})
    form_class = type("CommissionFormWithOverrides", (CommissionForm,), fields) if fields else CommissionForm
    return form_class(overridable=overridable, **kwargs)


def offered_evaluators(found: "candidates.Choices") -> tuple[list, dict[int, dict]]:
    """Whom the commission form offers, pool experts first and then each agency's evaluators, and for each what the
    officer chooses by: name, seat and expertise (pool experts), the agencies they evaluate for, and the group their
    check box is listed under."""
    agencies_of: dict[int, list[str]] = {}
    for agency in found.agencies:
        for user in found.agency_staff(agency.org_id):
            agencies_of.setdefault(user.id, []).append(agency.org.name)
    seats = {p.user_id: p for p in found.experts}
    about: dict[int, dict] = {}
    for profile in found.experts:
        about[profile.user_id] = {"user": profile.user, "group": "pool", "group_label": _l("Expert pool")}
    for agency in found.agencies:
        for user in found.agency_staff(agency.org_id):
            about.setdefault(user.id, {"user": user, "group": f"agency-{agency.org_id}",
                                       "group_label": _l("Evaluators of %(agency)s", agency=agency.org.name)})
    for user_id, row in about.items():
        profile = seats.get(user_id)
        row["seat"] = SeatType(profile.seat_type).label if profile else ""
        row["expertise"] = profile.expertise if profile else ""
        row["agencies"] = agencies_of.get(user_id, [])
    return [row["user"] for row in about.values()], about


class AgencyForm(FlaskForm):
    org_id = WholeNumberField(_l("Organisation number"), validators=[InputRequired(), NumberRange(1, 2**31 - 1)])
    active = SelectField(_l("Status"), choices=[SelectChoice("1", _l("Active")), SelectChoice("0", _l("Inactive"))])


class EvaluatorForm(FlaskForm):
    user_id = SelectField(_l("Evaluator"), coerce=int)


class PaidEvaluatorForm(FlaskForm):
    """Add a pool evaluator the organisation paid under the contract, all the same (the override), with the reason:
    required, checked by add_evaluator, which says so beside it."""

    user_id = SelectField(_l("Evaluator paid by the organisation"), coerce=int)
    reason = TextAreaField(_l("Reason for choosing them despite the payment"),
                           validators=[Optional(), Length(max=project_services.MAX_OVERRIDE_REASON)],
                           filters=[strip_text],
                           render_kw={"rows": 2, "maxlength": project_services.MAX_OVERRIDE_REASON})


class DeclareForm(FlaskForm):
    conflict = conflict_choice()
    relationship = StringField(_l("Relationship (if any)"), validators=[Optional(), Length(max=MAX_RELATIONSHIP)],
                               filters=[strip_text])


class RequestForm(FlaskForm):
    text = TextAreaField(_l("Documents needed"), validators=[DataRequired(), Length(max=rectification.MAX_TEXT)],
                         filters=[strip_text])
    due_on = DateField(_l("Due date"), validators=[InputRequired()])


class TextForm(FlaskForm):
    """A free text with the CSRF token (files come from request.files): a document request's answer, a
    rectification response or review note, as rectification keeps them; the subclasses hold other services'
    limits. Stripped as the services strip, so exactly the limit with spaces around is accepted by both."""

    text = TextAreaField(_l("Text"), validators=[Optional(), Length(max=rectification.MAX_TEXT)],
                         filters=[strip_text])


class CancelForm(TextForm):
    """An officer's reason for cancelling an evaluation (project_status.transition_evaluation)."""

    text = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=project_status.MAX_REASON)],
                         filters=[strip_text])


class WithdrawForm(TextForm):
    """An officer's reason for withdrawing an evaluator (project_services.withdraw_evaluator, which requires it)."""

    text = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=project_status.MAX_REASON)],
                         filters=[strip_text])


class ReopenForm(TextForm):
    """The reason for reopening an evaluator's submitted sheet (score_sheets.transition_sheet)."""

    text = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=services.MAX_REASON)],
                         filters=[strip_text])


class SummaryForm(TextForm):
    """The report's summary for the public (project_report.issue_report)."""

    text = TextAreaField(_l("Summary for the public"),
                         validators=[Optional(), Length(max=project_report.MAX_SUMMARY)], filters=[strip_text])


TEXT_LIMITS = {"text": rectification.MAX_TEXT, "cancel": project_status.MAX_REASON,
               "withdraw": project_status.MAX_REASON,
               "reopen": services.MAX_REASON, "summary": project_report.MAX_SUMMARY}  # the inputs' maxlength


class SurveyForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)],
                        default=lambda: str(_l("Resident satisfaction survey")))
    outline = TextAreaField(_l("Questions"), validators=[DataRequired()], default=default_outline,
                            render_kw={"rows": 8},
                            description=_l("One question a line: 'rating: question' (1–5), 'choice: question | "
                                           "option / option', and exactly one 'text: question'."))


class CodesForm(FlaskForm):
    count = WholeNumberField(_l("Number of codes"), default=30, validators=[InputRequired(), NumberRange(1, 500)])
