import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import exists, select
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import Optional, ValidationError

from core.db import db
from core.forms import DataRequired, Length
from core.timeutil import local_day_bounds

from . import documents
from . import services as audit
from .labels import ACTION_LABELS, TARGET_LABELS, action_choices, target_choices
from .models import AuditEvent

MAX_SEQ = 2**63 - 1  # the seq column is a BIGINT
# What the action filter took as free text before it was a select ('voucher.', 'test.alpha'): links to the log
# made then still work.
ACTION_PREFIX = re.compile(r"[a-z][a-z_]*(\.[a-z_]*)?\Z")


def _day_in_range(form, field) -> None:
    """A day whose bounds a datetime can hold (year 1 and 9999 are not: a 500 before this check)."""
    if field.data is None:
        return
    try:
        local_day_bounds(field.data)
    except OverflowError as exc:
        raise ValidationError(_l("This date is out of range.")) from exc


def _seq_cursor(form, field) -> None:
    """The paging cursor: an event's sequence number. Anything else was silently the newest page, so a script paging
    with a bad cursor went round for ever."""
    value = field.data or ""
    if not (value.isascii() and value.isdigit() and len(value) <= 19 and 1 <= int(value) <= MAX_SEQ):
        raise ValidationError(_l("The paging position is not valid: it must be an event's sequence number "
                                 "(a whole number from 1)."))


def _sequence_number(form, field) -> None:
    """A sequence number as written down from the head page: a whole number from 1."""
    value = (field.data or "").strip()
    if not (value.isascii() and value.isdigit() and len(value) <= 19 and 1 <= int(value) <= MAX_SEQ):
        raise ValidationError(_l("A sequence number is a whole number from 1."))


def _recorded_target_type(name: str) -> bool:
    """Whether some event is about a target of this type (one look-up in the target index)."""
    if len(name) > 60:  # the column's width: no event has it
        return False
    return bool(db.session.scalar(select(exists().where(AuditEvent.target_type == name))))


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter form changes nothing

    actor = StringField(_l("Actor (user name)"), validators=[Optional(), Length(max=64)])
    action = SelectField(_l("Action"), default="", filters=[lambda value: (value or "").strip().lower()],
                         invalid_choice_message=_l("Choose an action from the list."))
    # a select of the labelled types (labels.TARGET_LABELS), matched as stored ('contracts'): as free text it needed
    # the table's name, and 合同 found nothing
    target_type = SelectField(_l("Target type"), default="", filters=[lambda value: (value or "").strip()],
                              invalid_choice_message=_l("Choose a target type from the list."))
    target_id = StringField(_l("Target ID"), validators=[Optional(), Length(max=60)])
    date_from = DateField(_l("From"), validators=[Optional(), _day_in_range])
    date_to = DateField(_l("To"), validators=[Optional(), _day_in_range])
    before = StringField(validators=[Optional(), _seq_cursor])  # set by the 'older events' link, not shown

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.action.choices = action_choices()
        asked = self.action.data
        if asked and asked not in {choice.value for choice in self.action.choices} and len(asked) <= 80 \
                and ACTION_PREFIX.match(asked):  # shown as chosen, not as 'all actions' above a filtered list
            self.action.choices.insert(1, SelectChoice(asked, _("Starting with “%(prefix)s”", prefix=asked)))
        self.target_type.choices = target_choices()
        asked = self.target_type.data
        if asked and asked not in TARGET_LABELS and _recorded_target_type(asked):  # a link from the page (a type
            # without a label) or typed before this was a select: shown as stored, chosen; anything else is an error
            self.target_type.choices.insert(1, SelectChoice(asked, asked))

    def event_filter(self) -> "audit.EventFilter":
        """The filter the (validated) form asks for, dates as the UTC bounds of Shanghai days; a registered action
        code is matched exactly, anything else chosen (a group, 'voucher.', or an old link's prefix) as a prefix.
        (The packages' codes are all registered by the time anyone searches.)"""
        start = local_day_bounds(self.date_from.data)[0] if self.date_from.data else None
        end = local_day_bounds(self.date_to.data)[1] if self.date_to.data else None
        action = self.action.data or ""
        return audit.EventFilter(self.actor.data or "", action, self.target_type.data or "",
                                 self.target_id.data or "", start, end, exact=action in ACTION_LABELS)

    @property
    def cursor(self) -> int | None:
        value = (self.before.data or "").strip()
        return int(value) if value else None

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))


class VerifyCodeForm(FlaskForm):
    """The verification code typed from a paper copy (a look-up by GET, so its answer can be bookmarked)."""

    class Meta:
        csrf = False  # a look-up changes nothing

    code = StringField(_l("Verification code"),
                       validators=[DataRequired(_l("Type the verification code printed on the document."))],
                       render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"})

    @property
    def normalised(self) -> str:
        return documents.normalise_code(self.code.data or "")

    def validate_code(self, field) -> None:
        if not documents.is_well_formed(self.normalised):
            raise ValidationError(_l("A verification code has 12 letters and digits, printed like ABCD-EFGH-JKMN "
                                     "beside the QR code. It has no 0, 1, I, L or O."))


class VerifyFileForm(FlaskForm):
    file = FileField(_l("PDF file"))
    # room for a digest pasted in byte pairs or with its file name (audit.views.pasted_digest)
    sha256 = StringField(_l("or its SHA-256"), validators=[Optional(), Length(max=400)])


def _whole_hash(text: str | None) -> str:
    """A hash as copied down: spaces and line breaks dropped, either case."""
    return "".join((text or "").split()).lower()


class HeadCheckForm(FlaskForm):
    """A head written down earlier (its sequence number and hash), checked against the chain as it stands now: the
    one thing an outsider, who cannot read the events, can hold the platform to."""

    class Meta:
        csrf = False  # a look-up changes nothing

    seq = StringField(_l("Sequence"), validators=[DataRequired(_l("Type the sequence number you wrote down.")),
                                                  _sequence_number],
                      render_kw={"inputmode": "numeric", "autocomplete": "off"})
    hash = StringField(_l("Hash"), filters=[_whole_hash],
                       validators=[DataRequired(_l("Type the hash you wrote down."))],
                       render_kw={"autocomplete": "off", "spellcheck": "false"})

    def validate_hash(self, field) -> None:
        if not re.fullmatch(r"[0-9a-f]{64}", field.data or ""):
            raise ValidationError(_l("A hash has 64 characters, the digits 0–9 and the letters a–f."))
