"""What a manager enters in a progress report, and its checks part by part: the outputs against the contract's
targets, the activity rows (dated within the period, with photos), the fee rows (each recipient a platform user or a
name with a mobile number; together within the contract's amount). Every bad row is named with every reason
(ReportRefused). contract_reports.submit_report stores what passes."""

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from accounts.models import User
from core.db import db
from core.errors import INVALID, ServiceError, amount_too_large
from core.money import MAX_FEN, format_fen
from core.phones import is_mobile, typed_mobile
from core.timeutil import local_today
from core.uploads import JPEG, PNG, StoredFile

from .contract_models import Contract
from .contract_report_models import FeeKind, FeePayment
from .contract_report_rules import not_earlier
from .fee_receipts import stands

PHOTO_TYPES = frozenset({PNG, JPEG})
MAX_PHONE = 20  # the width of FeePayment.recipient_phone
MAX_OUTPUT = 10**9  # as for a proposal's output targets
MAX_PARTICIPANTS = 1_000_000  # per activity; far inside the INTEGER column (a larger number overflowed it: a 500)
MAX_PLACE = 200  # the width of ActivityRecord.place
MAX_DESCRIPTION = 1000  # what happened at one activity


@dataclass
class ActivityInput:
    held_on: date | None  # None: the form could not read it (refused, with the row's other reasons)
    place: str
    participants: int | None
    description: str = ""
    photos: list = field(default_factory=list)  # uploads, images only
    row: int = 0  # the row on the page's form, from 1, to name in an error; 0: its position in the list
    reused_photos: list = field(default_factory=list)  # ids of photos stored with the milestone's earlier reports


@dataclass
class FeeInput:
    kind: str
    name: str
    amount_fen: int | None  # None: the form could not read it (refused, with the row's other reasons)
    paid_on: date | None
    phone: str = ""
    username: str = ""  # a platform user; a phone number that belongs to one links them too
    row: int = 0  # the row on the page's form, from 1, to name in an error; 0: its position in the list


@dataclass
class ReportInput:
    narrative: str
    outputs: dict = field(default_factory=dict)  # indicator -> achieved in this period
    activities: list[ActivityInput] = field(default_factory=list)
    evidence: list = field(default_factory=list)  # uploads
    fees: list[FeeInput] = field(default_factory=list)
    # Ids of evidence files stored with the milestone's earlier (returned) reports, referenced again by this one.
    reused_evidence: list = field(default_factory=list)
    # What the form could not read of the outputs, each reason naming its target (left out of outputs above); refused
    # with the service's own reasons, so the manager corrects all at once. (Activity and fee rows arrive whole, an
    # unreadable date, count or amount as None, and are refused with every reason of their row.)
    unread: dict[str, list[str]] = field(default_factory=dict)


def check_outputs(contract: Contract, achieved: dict, errors: dict) -> list[dict]:
    targets = {o.get("indicator"): o for o in contract.outputs or []}
    rows, problems = [], []
    for indicator, value in (achieved or {}).items():
        if indicator not in targets:
            problems.append(_("“%(name)s” is not one of the contract's output targets.", name=indicator))
        elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_OUTPUT:
            problems.append(output_problem(indicator, output_rule()))
        else:
            rows.append({"indicator": indicator, "achieved": value, "unit": targets[indicator].get("unit", "")})
    if problems:
        errors["outputs"] = " ".join(problems)
    return rows


def output_rule() -> str:
    return _("Outputs achieved are whole numbers from 0 to %(max)d.", max=MAX_OUTPUT)


def output_problem(indicator: str, reason: str) -> str:
    """A reason naming the output target (the service's checks and the form's reading alike)."""
    return _("Output “%(name)s”: %(reason)s", name=indicator, reason=reason)


def activity_row_problem(row: int, reason: str) -> str:
    """A reason naming the activity's row on the form (from 1): the service's checks and the form's reading alike."""
    return _("Activity row %(row)d: %(reason)s", row=row, reason=reason)


def fee_row_problem(row: int, reason: str) -> str:
    """A reason naming the fee's row on the form (from 1): the service's checks and the form's reading alike."""
    return _("Fee row %(row)d: %(reason)s", row=row, reason=reason)


def participants_rule() -> str:
    """Why a number of participants is refused: out of range here, or not a number on the form."""
    return _("The number of participants is a whole number from 0 to %(max)d.", max=MAX_PARTICIPANTS)


def _activity_problems(contract: Contract, a: ActivityInput, earlier: dict[int, StoredFile]) -> list[str]:
    """Everything wrong with one activity row (a date or count the form could not read arrives as None)."""
    problems = [] if all(i in earlier and earlier[i].content_type in PHOTO_TYPES for i in a.reused_photos) \
        else [not_earlier()]
    if not (a.place or "").strip():
        problems.append(_("Each activity needs a place."))
    elif len(a.place.strip()) > MAX_PLACE:  # refused, never cut: a place cut short names somewhere else
        problems.append(_("An activity's place has at most %(n)d characters.", n=MAX_PLACE))
    if len((a.description or "").strip()) > MAX_DESCRIPTION:
        problems.append(_("An activity's description has at most %(n)d characters.", n=MAX_DESCRIPTION))
    if isinstance(a.participants, bool) or not isinstance(a.participants, int) \
            or not 0 <= a.participants <= MAX_PARTICIPANTS:
        problems.append(participants_rule())
    problems += _date_problems(contract, a.held_on,
                               _("Activities are dated within the contract period, and not in the future."))
    return problems


def _date_problems(contract: Contract, day: date | None, outside: str) -> list[str]:
    if not isinstance(day, date):
        return [_("Dates are YYYY-MM-DD.")]
    return [] if contract.starts_on <= day <= min(contract.ends_on, local_today()) else [outside]


class ReportRefused(ServiceError):
    """A report refused for what was entered: the fields name each section's reasons (as the API answers them), and
    rows each bad row's, by the row's key on the page's form ("activity-0", "fee-3": from 0), for the page to show
    beside the row."""

    def __init__(self, fields: dict, rows: dict[str, str]):
        super().__init__(_(INVALID), fields=fields)
        self.rows = rows


def check_activities(contract: Contract, activities: list[ActivityInput], earlier: dict[int, StoredFile],
                      errors: dict, rows: dict) -> None:
    # Every bad row is named with every reason, not only the last row or its first reason: the manager corrects
    # them all at once (and attaches the photos once more, not once per reason).
    problems = []
    for position, a in enumerate(activities, start=1):
        if found := _activity_problems(contract, a, earlier):
            problems.append(rows.setdefault(f"activity-{(a.row or position) - 1}",
                                            activity_row_problem(a.row or position, " ".join(found))))
    if problems:
        errors["activities"] = " ".join(problems)


def fee_phone(fee: FeeInput) -> str:
    """A recipient's mobile number as typed, read as stored (core.phones.typed_mobile: full-width digits, spaces and
    hyphens between the groups); accounts store theirs so, so the same number finds the same person."""
    return typed_mobile(fee.phone)


def _recipient(fee: FeeInput) -> User | None:
    if (fee.username or "").strip():
        return db.session.scalar(select(User).where(User.username == fee.username.strip(), User.active))
    if is_mobile(phone := fee_phone(fee)):
        return db.session.scalar(select(User).where(User.phone == phone, User.active))
    return None


def _fee_problems(contract: Contract, fee: FeeInput, user: User | None) -> list[str]:
    """Everything wrong with one fee row (an amount or date the form could not read arrives as None)."""
    problems, phone, username = [], fee_phone(fee), (fee.username or "").strip()
    if fee.kind not in FeeKind._value2member_map_:
        problems.append(_("Choose expert fee or volunteer allowance."))
    if username and user is None:
        problems.append(_("No platform user is called “%(name)s”.", name=fee.username))
    if phone and not is_mobile(phone):  # as accounts take them, whether or not the recipient is a platform user
        problems.append(_("A mainland mobile number has 11 digits and starts with 1."))
    elif not username and not ((fee.name or "").strip() and phone):
        # A recipient given by phone is always named as typed, whether or not the phone is a platform user's: the
        # organisation learns nobody's name or account from a phone number.
        problems.append(_("Name each recipient: a platform user, or a name with an 11-digit mobile number."))
    if not username and len((fee.name or "").strip()) > 100:  # the column's width: was silently cut
        problems.append(_("A recipient's name has at most %(n)d characters.", n=100))
    if fee.amount_fen is None:
        problems.append(_("Enter the amount in yuan, e.g. 800 or 800.50."))
    elif isinstance(fee.amount_fen, bool) or not isinstance(fee.amount_fen, int) or fee.amount_fen <= 0:
        problems.append(_("Enter an amount above zero."))
    elif fee.amount_fen > MAX_FEN:
        problems.append(amount_too_large())
    return problems + _date_problems(contract, fee.paid_on,
                                     _("Payments are dated within the contract period, and not in the future."))


def check_fees(contract: Contract, fees: list[FeeInput], errors: dict,
                rows: dict) -> list[tuple[FeeInput, User | None]]:
    checked, problems = [], []
    for position, fee in enumerate(fees, start=1):
        user = _recipient(fee)
        if found := _fee_problems(contract, fee, user):
            problems.append(rows.setdefault(f"fee-{(fee.row or position) - 1}",
                                            fee_row_problem(fee.row or position, " ".join(found))))
        checked.append((fee, user))
    if problems:  # every bad row, not only the last one: the manager corrects them all at once
        errors["fees"] = " ".join(problems)
    elif (total := _fees_reported(contract) + sum(f.amount_fen for f in fees)) > contract.amount_fen:
        errors["fees"] = _("With these, the fees and allowances reported on this contract come to %(total)s, more "
                           "than its amount (%(amount)s).", total=format_fen(total),
                           amount=format_fen(contract.amount_fen))
    return checked


def _fees_reported(contract: Contract) -> int:
    """Fees and allowances in the contract's reports that stand (submitted or accepted; a returned report's fees
    are reported again with its next version)."""
    return int(db.session.scalar(select(func.coalesce(func.sum(FeePayment.amount_fen), 0))
                                 .where(FeePayment.contract_id == contract.id, stands())))
