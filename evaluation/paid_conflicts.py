"""Fees paid under a contract: whoever a progress report says the organisation paid (a fee or an allowance) is
never an evaluator of that project, nor is an agency employing them. Who was paid and why, who is therefore not
offered (withheld), the refusal of a crafted choice, and the flag beside an evaluator paid after being assigned."""

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from accounts.models import User
from core.db import db
from core.errors import Conflict
from core.i18n import colon, semicolon
from core.money import format_fen
from orgs.models import Organisation
from projects.contract_report_models import FeeKind, FeePayment, ReceiptStatus

from .affiliations import agency_evaluators
from .project_models import EvaluationAgency, ProjectEvaluation


def paid_under(contract_id: int) -> dict[int, list[FeePayment]]:
    """Every fee or allowance the contract's progress reports record as paid to a platform user, by user (linked
    by the report, or by the phone number given for someone who was not a user then): whoever is in it cannot
    evaluate this project, whatever their pool or agency. Every record counts, whatever its receipt and its report
    became: a denied receipt is still the organisation's word that it paid them, and a recipient who contradicts it
    is party to a dispute with it; a returned report still said they were paid. Two queries: look it up once per
    request or service call and pass it down."""
    fees = list(db.session.scalars(select(FeePayment).where(FeePayment.contract_id == contract_id)
                                   .order_by(FeePayment.paid_on, FeePayment.id)))
    phones = {f.recipient_phone for f in fees if f.recipient_user_id is None and f.recipient_phone}
    by_phone = dict(db.session.execute(select(User.phone, User.id).where(User.phone.in_(phones))).all()) \
        if phones else {}
    grouped: dict[int, list[FeePayment]] = {}
    for fee in fees:
        user_id = fee.recipient_user_id or by_phone.get(fee.recipient_phone)
        if user_id is not None:
            grouped.setdefault(user_id, []).append(fee)
    return grouped


def fee_reason(fee: FeePayment) -> str:
    """Why its recipient cannot evaluate the project: 'Expert fee of ¥1,500.00 paid under this contract on …'."""
    return _("%(kind)s of %(amount)s paid under this contract on %(date)s (%(receipt)s)",
             kind=FeeKind(fee.kind).label, amount=format_fen(fee.amount_fen), date=fee.paid_on.isoformat(),
             receipt=ReceiptStatus(fee.status).label)


def paid_reason(fees: list[FeePayment]) -> str:
    """Why someone paid under the contract cannot evaluate it: every payment, listed."""
    return semicolon().join(fee_reason(f) for f in fees)


@dataclass
class Withheld:
    """Who is not offered for the contract's evaluation because the organisation paid them under it, and why:
    evaluators by user id and agencies by organisation id, each (name, reason)."""

    experts: dict[int, tuple[str, str]] = field(default_factory=dict)
    agencies: dict[int, tuple[str, str]] = field(default_factory=dict)


def withheld(paid: dict[int, list[FeePayment]], agencies: list[EvaluationAgency], staff: dict[int, list[User]],
             assigned: set[int] = frozenset()) -> Withheld:
    """For the officer: each evaluator paid under the contract and each of these (active) agencies employing one
    (staff: their evaluators), with the payments ("Expert fee of ¥1,500.00 paid under this contract on 2026-05-01
    (Receipt confirmed)"). Evaluators already assigned are left out here: the evaluation's page flags them beside
    their name (paid_assignees). At most two queries."""
    if not paid:
        return Withheld()
    users = db.session.scalars(select(User).where(User.id.in_(paid), User.active).order_by(User.id))
    experts = {u.id: (u.display_name, paid_reason(paid[u.id])) for u in users if u.has_role("evaluator")}
    shown = {}
    for agency in agencies:
        if paid_staff := [u for u in staff[agency.org_id] if u.id in experts]:
            shown[agency.org_id] = (agency.org.name, _staff_reason(paid_staff, paid))
    return Withheld({i: row for i, row in experts.items() if i not in assigned}, shown)


def _staff_reason(staff: list[User], paid: dict[int, list[FeePayment]]) -> str:
    return semicolon().join(_("its evaluator %(name)s: %(reason)s", name=u.display_name, reason=paid_reason(paid[u.id]))
                            for u in staff)


def paid_message(who: list[tuple[str, str]]) -> str:
    """The refusal of evaluators the organisation paid under the contract: each (name, payments)."""
    return _("Paid by the organisation under this contract, so they cannot evaluate it: %(who)s.",
             who=semicolon().join(f"{name}{colon()}{reason}" for name, reason in who))


def paid_agency_message(reason: str) -> str:
    return _("This agency cannot evaluate the project: %(reason)s.", reason=reason)


def paid_assignees(evaluation: ProjectEvaluation, paid: dict[int, list[FeePayment]]) -> dict[int, str]:
    """Evaluators already assigned whom the organisation has since paid under the contract (paid: paid_under of
    its contract), with the payments: the officer sees them flagged on the evaluation's page."""
    return {a.user_id: paid_reason(paid[a.user_id]) for a in evaluation.assignments if a.user_id in paid}


def refuse_paid(paid: dict[int, list[FeePayment]], agency: Organisation | None, user_ids: list[int]) -> None:
    """Nobody the organisation paid under this contract (paid: paid_under) evaluates it, nor an agency employing
    them."""
    if not paid:
        return
    if agency is not None:
        if staff := [u for u in agency_evaluators(agency.id) if u.id in paid]:
            raise Conflict(paid_agency_message(_staff_reason(staff, paid)),
                           fields={"agency_id": _("An evaluator of this agency was paid under this contract.")})
        return
    if refused := [db.session.get(User, i) for i in dict.fromkeys(user_ids) if i in paid]:
        raise Conflict(paid_message([(u.display_name, paid_reason(paid[u.id])) for u in refused]),
                       fields={"evaluator_ids": _("Paid under this contract.")})
