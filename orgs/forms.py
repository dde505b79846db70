import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    EmailField,
    SelectChoice,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import Optional

from accounts.forms import MultiCheckboxField
from core.forms import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    WholeNumberField,
    strip_text,
)
from core.phones import is_mobile, typed_mobile
from core.timeutil import local_today

from .enums import CreditList, DocumentKind, IncubationStage, MemberRole, OrgKind

WHOLE = _l("Enter a whole number, 0 or more.")


class RegisteredItemsForm(FlaskForm):
    """The items registered with the civil-affairs bureau: given in the application, changed afterwards only by a
    change registration (ChangeRequestForm)."""

    name = StringField(_l("Full name of the organisation"), validators=[DataRequired(), Length(max=120)])
    uscc = StringField(_l("Unified social credit code"), validators=[Optional(), Length(max=30)],
                       description=_l("18 characters. Community social organisations without one leave it "
                                      "empty: the platform issues a filing number."))
    legal_representative = StringField(_l("Legal representative"), validators=[DataRequired(), Length(max=60)])
    address = StringField(_l("Address"), validators=[DataRequired(), Length(max=200)])


def label_facts_for(form: FlaskForm, kind: str | None) -> None:
    """Its registration facts' labels as the kind of organisation has them: a community social organisation (filed,
    not registered) names a person in charge, a filing authority and a filing date. Other kinds, or none chosen yet,
    keep the form's own labels."""
    if kind != OrgKind.COMMUNITY:
        return
    labels = OrgKind.COMMUNITY.fact_labels
    if "registered_on" in form:
        labels["registered_on"] = str(_l("Filing date (or founding)"))
    for name, label in labels.items():
        if name in form:
            form[name].label.text = label


class ContactForm(FlaskForm):
    """What a registered organisation keeps up to date itself (and gives in its application)."""

    contact_name = StringField(_l("Contact person"), validators=[DataRequired(), Length(max=60)])
    contact_phone = TelField(_l("Contact phone"), validators=[DataRequired(), Length(max=20)])
    contact_email = EmailField(_l("Contact e-mail"), validators=[Optional(), Length(max=254)])
    # A count left empty is refused saying what it takes (WTForms said only "This field is required.").
    full_time_staff = WholeNumberField(_l("Full-time staff"), default=0, message=WHOLE,
                                       validators=[InputRequired(WHOLE), NumberRange(0, None, WHOLE)])
    certified_social_workers = WholeNumberField(_l("Certified social workers"), default=0, message=WHOLE,
                                                validators=[InputRequired(WHOLE), NumberRange(0, None, WHOLE)])
    volunteers = WholeNumberField(_l("Registered volunteers"), default=0, message=WHOLE,
                                  validators=[InputRequired(WHOLE), NumberRange(0, None, WHOLE)])
    description = TextAreaField(_l("About the organisation"), validators=[Optional(), Length(max=4000)])


class ServicesForm(FlaskForm):
    """What the organisation does and where: given in the application; once registered, its managers change them
    themselves (audited), no officer deciding."""

    # Ticked, like the categories: a multi-select (hold Ctrl or ⌘) was missed by most, and hard on a phone.
    communities = MultiCheckboxField(_l("Communities served"), coerce=int, validators=[DataRequired()])
    categories = MultiCheckboxField(_l("Service categories"), coerce=int, validators=[DataRequired()])

    def __init__(self, *args, categories=(), communities=(), locale="zh_Hans_CN", **kwargs):
        super().__init__(*args, **kwargs)
        self.categories.choices = [SelectChoice(c.id, c.name(locale)) for c in categories]
        self.communities.choices = [SelectChoice(c.id, f"{c.district} {c.street} {c.name}") for c in communities]


class OrgApplicationForm(RegisteredItemsForm, ContactForm, ServicesForm):
    kind = SelectField(_l("Kind"), validators=[DataRequired()])
    registration_authority = StringField(_l("Registration authority"),
                                         validators=[DataRequired(), Length(max=100)])
    registered_on = DateField(_l("Date of registration (or founding)"), validators=[DataRequired()],
                              description=_l("An organisation registered (or founded) less than a year ago has no "
                                             "annual report yet: its application does not need one."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = OrgKind.choices()
        label_facts_for(self, self.kind.data)  # (the kind saved, or as sent when the form comes back refused)


class DocumentForm(FlaskForm):
    kind = SelectField(_l("Document"), validators=[DataRequired()])
    file = FileField(_l("File (PDF, image or Office document)"))

    def __init__(self, *args, org_kind: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = DocumentKind.choices_for(org_kind)  # (a community group's certificate: its filing record)


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)], filters=[strip_text])


def typed_login_name(value):
    """A user name as typed; a mobile number typed with spaces, hyphens or full-width digits is read as its digits
    (someone who signed up with only a number logs in with it: it is their user name)."""
    if isinstance(value, str) and is_mobile(number := typed_mobile(value)):
        return number
    return value


class InviteForm(FlaskForm):
    username = StringField(_l("User name of the person to invite"), validators=[DataRequired(), Length(max=64)],
                           filters=[typed_login_name],
                           description=_l("The name they log in with; if they signed up with only a mobile number, "
                                          "that number."))
    # A member by default: a manager can do everything, including removing the others.
    role = SelectField(_l("Role"), validators=[DataRequired()], default="member")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = MemberRole.choices()


class GradeForm(FlaskForm):
    grade = SelectField(_l("Grade"), coerce=int, choices=[SelectChoice(g, f"{g}A") for g in range(5, 0, -1)])
    awarded_on = DateField(_l("Awarded on"), validators=[DataRequired()])
    valid_until = DateField(_l("Valid until"), validators=[Optional()],
                            description=_l("Leave empty for the usual five years."))
    evidence = FileField(_l("Evidence (certificate)"))


YEAR = _l("Enter a four-digit year, e.g. 2025.")
YEAR_UNIT = re.compile(r"\s*年\s*\Z")  # what a Chinese IME types after a year ('2025年', '２０２５ 年')


class YearField(WholeNumberField):
    """A year as typed: '2025', '２０２５', '2025年', '２０２５年' (the 年 read as the unit it is, once, at the end). It
    was refused "Enter a whole number." for the 年; refused, it says what it takes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, message=YEAR, validators=[InputRequired(YEAR), NumberRange(2000, 2100)], **kwargs)

    def process_formdata(self, valuelist):
        if valuelist and isinstance(valuelist[0], str):
            valuelist = [YEAR_UNIT.sub("", valuelist[0].strip()), *valuelist[1:]]
        super().process_formdata(valuelist)
        if self.data is not None and not 1000 <= self.data <= 9999:  # ('25年'): no year; a year out of range
            self.data = None  # is told the range (NumberRange)
            raise ValueError(YEAR)


class AnnualReportForm(FlaskForm):
    year = YearField(_l("Year"))
    file = FileField(_l("Annual report (PDF or Office document)"))


class ReviewReportForm(FlaskForm):
    note = TextAreaField(_l("Note (required when returning)"), validators=[Optional(), Length(max=2000)])


class CreditForm(FlaskForm):
    list_type = SelectField(_l("List"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
    source = StringField(_l("Source (decision, document number)"), validators=[DataRequired(), Length(max=200)])
    start_on = DateField(_l("From"), validators=[DataRequired()])
    end_on = DateField(_l("Until"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.list_type.choices = CreditList.choices()


class EndCreditForm(FlaskForm):
    # The first day the entry no longer counts; today (in China) unless the officer picks another day.
    end_on = DateField(_l("Ends on"), validators=[DataRequired()], default=local_today)


class IncubationForm(FlaskForm):
    # The group as an officer knows it: its full name (offered as it is typed), credit code or filing number; an
    # organisation's number (in its page's address) still works. It took the number only, shown nowhere on a page.
    child_id = StringField(_l("Incubated group"), validators=[
        DataRequired(message=_l("Name the group: its full name, credit code or filing number.")), Length(max=200)],
        filters=[lambda value: (value or "").strip()])
    started_on = DateField(_l("Started on"), validators=[DataRequired()])


class IncubationStageForm(FlaskForm):
    stage = SelectField(_l("Stage"), validators=[DataRequired()])
    ended_on = DateField(_l("Ended on"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stage.choices = [c for c in IncubationStage.choices() if c.value != IncubationStage.INCUBATING]


class DirectoryForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Name or pinyin initials"), validators=[Optional(), Length(max=60)])
    kind = SelectField(_l("Kind"), validators=[Optional()])
    category = SelectField(_l("Service category"), coerce=lambda v: int(v) if v else None, validators=[Optional()])
    grade = SelectField(_l("Grade"), coerce=lambda v: int(v) if v else None, validators=[Optional()])
    community = SelectField(_l("Community"), coerce=lambda v: int(v) if v else None, validators=[Optional()])

    def __init__(self, *args, categories=(), communities=(), locale="zh_Hans_CN", **kwargs):
        super().__init__(*args, **kwargs)
        every = str(_l("All"))
        self.kind.choices = [SelectChoice("", every), *OrgKind.choices()]
        self.category.choices = [SelectChoice("", every), *(SelectChoice(c.id, c.name(locale)) for c in categories)]
        self.grade.choices = [SelectChoice("", every), *(SelectChoice(g, f"{g}A") for g in range(5, 0, -1))]
        self.community.choices = [SelectChoice("", every),
                                  *(SelectChoice(c.id, f"{c.street} {c.name}") for c in communities)]


class CategoryForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name_zh = StringField(_l("Chinese name"), validators=[DataRequired(), Length(max=60)])
    name_en = StringField(_l("English name"), validators=[DataRequired(), Length(max=80)])


class CommunityForm(FlaskForm):
    district = StringField(_l("District"), validators=[DataRequired(), Length(max=100)])
    street = StringField(_l("Street"), validators=[DataRequired(), Length(max=100)])
    name = StringField(_l("Community"), validators=[DataRequired(), Length(max=100)])


class ChangeRequestForm(RegisteredItemsForm):
    """A change registration (变更登记): the registered items as they are to be, why, and the decision or
    certificate that shows it."""

    reason = TextAreaField(_l("Reason for the change"), validators=[DataRequired(), Length(max=2000)],
                           filters=[strip_text])
    document = FileField(_l("Supporting document (optional)"),
                         description=_l("For example the members' meeting's decision or the new certificate."))

    def __init__(self, *args, org_kind: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        label_facts_for(self, org_kind)
