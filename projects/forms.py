from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, Optional, ValidationError

from accounts.forms import MultiCheckboxField
from core.forms import (
    DataRequired,
    InputRequired,
    Length,
    LocalDateTimeField,
    MoneyField,
    NumberRange,
    WholeNumberField,
    strip_text,
)
from orgs.enums import OrgKind

from .contract_reports import MAX_NOTE
from .enums import Aggregation, BudgetCategory, FundingSource, PurchasingMode
from .proposals import ROW_LIMITS


class CallForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description (Markdown)"), validators=[Optional(), Length(max=20000)],
                                render_kw={"rows": 8})
    mode = SelectField(_l("Purchasing mode"))
    category_id = SelectField(_l("Service category"), coerce=int)
    communities = MultiCheckboxField(_l("Target communities"), coerce=int, validators=[Optional()])
    funding_source = SelectField(_l("Funding source"))
    total_budget_fen = MoneyField(_l("Total budget (yuan)"), validators=[InputRequired()])
    max_per_proposal_fen = MoneyField(_l("Maximum per proposal (yuan)"), validators=[InputRequired()])
    questions_until = LocalDateTimeField(_l("Questions until (Beijing time)"), validators=[InputRequired()])
    submission_deadline = LocalDateTimeField(_l("Submission deadline (Beijing time)"), validators=[InputRequired()])
    review_planned_on = DateField(_l("Planned review date"), validators=[InputRequired()])
    award_planned_on = DateField(_l("Planned award date"), validators=[InputRequired()])
    min_eligible_proposals = WholeNumberField(_l("Minimum eligible proposals"), default=3,
                                              validators=[InputRequired(), NumberRange(min=1, max=50)])
    template_id = SelectField(_l("Indicator template"), coerce=lambda v: int(v) if v else None,
                              description=_l("Frozen when the call is published: later edits never change it."))
    aggregation = SelectField(_l("How the final score is computed"))
    blind = BooleanField(_l("Blind review (evaluators do not see who applied)"))
    required_attachments = TextAreaField(_l("Required attachments (one per line)"), validators=[Optional()])
    allowed_kinds = MultiCheckboxField(_l("Kinds of organisation allowed (none ticked: all)"))
    min_grade = SelectField(_l("Minimum grade"), coerce=lambda v: int(v) if v else None)
    min_years_registered = WholeNumberField(_l("Minimum years registered"), default=0,
                                            validators=[InputRequired(), NumberRange(min=0, max=100)])
    min_certified_social_workers = WholeNumberField(_l("Minimum certified social workers"), default=0,
                                                    validators=[InputRequired(), NumberRange(min=0, max=100)])
    require_annual_report = BooleanField(_l("Last year's annual report must be accepted"), default=True)
    require_clean_credit = BooleanField(_l("No active credit-list entry"), default=True)
    require_passing_evaluation = BooleanField(_l("Last project evaluation at least Pass (if evaluated)"))
    max_personnel_pct = WholeNumberField(_l("Maximum personnel share (%)"), default=60,
                                         validators=[InputRequired(), NumberRange(min=0, max=100)])
    max_management_pct = WholeNumberField(_l("Maximum management-fee share (%)"), default=10,
                                          validators=[InputRequired(), NumberRange(min=0, max=100)])

    def __init__(self, *args, categories=(), communities=(), templates=(), locale="zh_Hans_CN", **kwargs):
        super().__init__(*args, **kwargs)
        self.template_id.choices = [SelectChoice("", _l("The platform's default proposal-review template")),
                                    *(SelectChoice(template_id, name) for template_id, name in templates)]
        self.aggregation.choices = Aggregation.choices()
        self.mode.choices = PurchasingMode.choices()
        self.funding_source.choices = FundingSource.choices()
        self.category_id.choices = [SelectChoice(c.id, c.name(locale)) for c in categories]
        self.communities.choices = [SelectChoice(c.id, f"{c.street} {c.name}") for c in communities]
        self.allowed_kinds.choices = OrgKind.choices()
        self.min_grade.choices = [SelectChoice("", _l("No minimum")), *(SelectChoice(g, f"{g}A") for g in range(1, 6))]


class AmendForm(FlaskForm):
    description = TextAreaField(_l("Description (Markdown)"), validators=[Optional(), Length(max=20000)],
                                render_kw={"rows": 6})
    questions_until = LocalDateTimeField(_l("Questions until (Beijing time)"), validators=[InputRequired()])
    submission_deadline = LocalDateTimeField(_l("Submission deadline (Beijing time)"), validators=[InputRequired()])
    review_planned_on = DateField(_l("Planned review date"), validators=[InputRequired()])
    award_planned_on = DateField(_l("Planned award date"), validators=[InputRequired()])
    reason = TextAreaField(_l("Reason for the amendment"), validators=[DataRequired(), Length(max=2000)])


class ContractDraftForm(FlaskForm):
    """Drawing up a contract from an award: the period and the clauses. The milestones and tranches are rows of
    inputs named milestone-<n>-<field> and tranche-<n>-<field>, read by contract_forms.plan_rows and read_plan; the
    service checks the period, the milestones and the shares again, and names the field it refuses."""

    starts_on = DateField(_l("Starts on"), validators=[InputRequired()])
    ends_on = DateField(_l("Ends on"), validators=[InputRequired()])
    clauses = TextAreaField(_l("Clauses"), filters=[strip_text], render_kw={"rows": 3})


class ContractConfirmForm(FlaskForm):
    """Signing a contract: the signer says they have read it, and `terms` (a digest of the terms shown) tells
    whether it changed while they read."""

    terms = HiddenField()
    acknowledged = BooleanField(_l("I have read the clauses and all the terms above, and agree to them."),
                                validators=[DataRequired(message=_l("Tick the box to say you have read the clauses "
                                                                    "and the terms."))])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)], filters=[strip_text])


class ReceiptAnswerForm(FlaskForm):
    """A recipient's answer about a fee, with the service's limit on the reason."""

    reason = StringField(_l("What happened?"), validators=[Optional(), Length(max=MAX_NOTE)])


class QuestionForm(FlaskForm):
    question = TextAreaField(_l("Your question"), validators=[DataRequired(), Length(max=2000)])


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("Answer"), validators=[DataRequired(), Length(max=4000)])


class ObjectionAnswerForm(AnswerForm):
    """An officer's published answer to an objection; the button pressed says whether it is upheld."""

    decision = StringField(validators=[AnyOf(("upheld", "rejected"),
                                             message=_l("Choose whether the objection is upheld or not."))])


class ObjectionForm(FlaskForm):
    """An objection during publicity: the service checks the reasons (at least 10 characters) and the file."""

    reasons = TextAreaField(_l("Lodge an objection (with reasons)"), validators=[Optional()], render_kw={"rows": 3})
    file = FileField(_l("Supporting file"))


# What a target or a quantity takes, said once whatever was wrong with it (WTForms' Chinese for its own "Number must
# be at least 0" says "greater than 0").
WHOLE = _l("Enter a whole number, 0 or more.")
POSITIVE = _l("Enter a whole number, 1 or more.")


class WorkPlanRow(Form):
    month = StringField(_l("Month"), validators=[Optional(), Length(max=20)])
    activity = StringField(_l("Activity"), validators=[Optional(), Length(max=300)])


class OutputRow(Form):
    indicator = StringField(_l("Output or outcome"), validators=[Optional(), Length(max=200)])
    target = WholeNumberField(_l("Target value"), message=WHOLE,
                              validators=[Optional(), NumberRange(min=0, message=WHOLE)])
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=20)])


class TeamRow(Form):
    # "person", not "name": a FormField already has a .name attribute
    person = StringField(_l("Name"), validators=[Optional(), Length(max=60)])
    role = StringField(_l("Role"), validators=[Optional(), Length(max=60)])
    qualification = StringField(_l("Qualification"), validators=[Optional(), Length(max=100)])


class BudgetRow(Form):
    category = SelectField(_l("Category"), validators=[Optional()])
    item = StringField(_l("Item"), validators=[Optional(), Length(max=200)])
    quantity = WholeNumberField(_l("Quantity"), message=POSITIVE,
                                validators=[Optional(), NumberRange(min=1, message=POSITIVE)])
    unit_price_fen = MoneyField(_l("Unit price (yuan)"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Set per form, not at import: BudgetCategory.choices() translates its labels when called, and at import
        # there is no request, so they were always English.
        self.category.choices = [SelectChoice("", "—"), *BudgetCategory.choices()]


class RowList(FieldList):
    """A repeating section of the proposal form: the rows sent, and no empty rows added to them (the page adds one to
    type into, and an "Add a row" button more). More than `limit` rows with something typed in them are refused with
    a reason beside the section (FieldList's max_entries dropped the rows over it without a word; empty rows do not
    count, so that a draft with more rows, saved through the API, is saved here once some are cleared); up to twice
    the limit are read, so that the refusal shows them again as typed."""

    def __init__(self, unbound_field, limit: int, **kwargs):
        super().__init__(unbound_field, min_entries=0, max_entries=2 * limit,
                         validators=[self.at_most_limit], **kwargs)
        self.limit = limit

    @staticmethod
    def at_most_limit(form, field) -> None:
        typed = [row for row in field.entries if any((cell.raw_data or [""])[0].strip() for cell in row)]
        if len(typed) > field.limit:
            raise ValidationError(_l("At most %(n)d rows in this section.") % {"n": field.limit})

    def add_blank_row(self):
        """One more empty row at the end, unless the section is full: the new row's form, or None."""
        return self.append_entry() if len(self.entries) < self.limit else None

    def remove_sent_row(self, number: int, formdata) -> tuple[bool, int]:
        """Take out the row the page sent as `number` (the numbers sent may have gaps once rows were removed in the
        browser), the others renumbered as read (0, 1, 2…); a section left empty gets one empty row. Answers
        (whether that row was sent, the position now holding the row after it)."""
        numbers = sorted(set(self._extract_indices(self.name, formdata)))[:self.max_entries]
        if number not in numbers:
            return False, 0
        position = numbers.index(number)
        del self.entries[position]
        self._compact_indices()
        if not self.entries:
            self.add_blank_row()  # a section always shows a row to type into
        return True, position


class ProposalForm(FlaskForm):
    title = StringField(_l("Project title"), validators=[Optional(), Length(max=200)])
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=4000)], render_kw={"rows": 3})
    needs_analysis = TextAreaField(_l("Needs analysis"), validators=[Optional(), Length(max=8000)],
                                   render_kw={"rows": 4})
    objectives = TextAreaField(_l("Objectives"), validators=[Optional(), Length(max=4000)], render_kw={"rows": 3})
    work_plan = RowList(FormField(WorkPlanRow), limit=ROW_LIMITS["work_plan"])
    outputs = RowList(FormField(OutputRow), limit=ROW_LIMITS["outputs"])
    team = RowList(FormField(TeamRow), limit=ROW_LIMITS["team"])
    budget_lines = RowList(FormField(BudgetRow), limit=ROW_LIMITS["budget_lines"])
    co_funding_fen = MoneyField(_l("Co-funding (yuan)"), validators=[Optional()])

    ROW_SECTIONS = {"work_plan": WorkPlanRow, "outputs": OutputRow, "team": TeamRow, "budget_lines": BudgetRow}

    def with_blank_rows(self) -> None:
        """The rows filled in and one empty row after them in each section (on a phone, thirty-odd empty rows were
        pages of scrolling)."""
        for name in self.ROW_SECTIONS:
            getattr(self, name).add_blank_row()

    def row_templates(self) -> dict:
        """An empty row of each section named with the placeholder __i__, which static/js/proposal_rows.js replaces by
        the next free number when "Add a row" is pressed."""
        return {name: row(prefix=f"{name}-__i__-") for name, row in self.ROW_SECTIONS.items()}


class AttachmentForm(FlaskForm):
    requirement = SelectField(_l("Attachment"))
    file = FileField(_l("File"))


class ScreeningForm(FlaskForm):
    reason = TextAreaField(_l("Reason (required when ineligible)"), validators=[Optional(), Length(max=2000)])
