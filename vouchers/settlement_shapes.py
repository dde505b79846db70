"""What the voucher API answers about settlement statements 结算单 (vouchers.settlement_api): a statement in a list,
and a statement with its steps, corrections, issued PDF and lines, as its page shows them (residents' names masked,
never their ID numbers); and a redemption as every answer shows one (redemption_line: a statement's line, and the
start of vouchers.api.redemption_json)."""

from datetime import datetime

from audit.documents import display_code, verify_url
from core import personal
from core.openapi import (
    array,
    boolean,
    component,
    fen,
    identifier,
    integer,
    nullable,
    record,
    string,
    timestamp,
)

from . import statement_facts
from .enums import SettlementStatus
from .redemption_models import Redemption, Settlement
from .settlement import PAYMENT_REFERENCE_MAX

PERIOD = string(description="The month settled, `YYYY-MM` (Beijing time).", pattern=r"^[0-9]{4}-[0-9]{2}$")
SUMMARY_FIELDS = dict(
    id=identifier(), programme_id=identifier(), programme_name=string(), provider_org_id=identifier(),
    provider_name=string(), period=PERIOD,
    seq=integer("1 for the month's first statement; 2, 3… for later ones (redemptions whose dispute was rejected, "
                "or given back by a withdrawn statement).", minimum=1),
    status=string(description="`draft` (prepared), `approved`, `paid`, or `withdrawn` (drawn up by mistake, "
                              "before payment: its redemptions went back to be settled again).",
                  enum=SettlementStatus),
    total_fen=fen("The sum of its redemptions."), redemption_count=integer(minimum=0),
    created_at=timestamp("When it was drawn up."), approved_at=nullable(timestamp()), paid_at=nullable(timestamp()),
    payment_reference=string(PAYMENT_REFERENCE_MAX, "The payment's reference (付款凭证号); empty until paid."))
SUMMARY = component("SettlementSummary", record("A provider's settlement statement for one month (结算单).",
                                                **SUMMARY_FIELDS))


def _step(description: str) -> dict:
    return nullable(record(description, by=string(description="Who (an officer's display name)."), at=timestamp()))


LINE = record("A redemption on the statement.", id=identifier(), created_at=timestamp("When it was redeemed."),
              service_id=identifier(), service_name=string(), amount_fen=fen(),
              resident=string(description="The resident's name, masked (张**)."),
              dispute_rejected=boolean("A resident disputed it and the dispute was rejected."))
CORRECTION = record(
    "A payment reference corrected after payment: the old and the new, who, when and why.",
    by=string(), at=timestamp(), reason=string(), old=string(PAYMENT_REFERENCE_MAX), new=string(PAYMENT_REFERENCE_MAX))
STATEMENT = component("Settlement", record(
    "A settlement statement with who took each step, its corrections, its latest issued PDF and its lines.",
    **SUMMARY_FIELDS,
    prepared=_step("Who drew it up, and when."), approved=_step("Who approved it, and when; null until approved."),
    paid=_step("Who recorded its payment, and when; null until paid."),
    withdrawn=nullable(record(
        "Who withdrew it, when and why, and the redemptions it gave back; null unless withdrawn.",
        by=string(), at=timestamp(), reason=string(), redemption_ids=array(identifier()))),
    reference_corrections=array(CORRECTION, "Oldest first."),
    document_code=nullable(string(description="The verification code of its latest issued statement PDF "
                                              "(ABCD-EFGH-JKMN); null when none was issued.")),
    document_url=nullable(string(description="The public page that verifies that PDF.")),
    lines=array(LINE, "Its redemptions, oldest first; none left once withdrawn.")))


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def summary_json(s: Settlement) -> dict:
    return {"id": s.id, "programme_id": s.programme_id, "programme_name": s.programme.name,
            "provider_org_id": s.provider_org_id, "provider_name": s.provider.name, "period": s.period,
            "seq": s.seq, "status": s.status, "total_fen": s.total_fen, "redemption_count": s.redemption_count,
            "created_at": s.created_at.isoformat(), "approved_at": _time(s.approved_at),
            "paid_at": _time(s.paid_at), "payment_reference": s.payment_reference}


def redemption_line(r: Redemption) -> dict:
    """A redemption as the API shows it, on a statement or in full (vouchers.api.redemption_json adds the rest): its
    service, amount and time, and the resident's name masked (its service and resident loaded)."""
    return {"id": r.id, "created_at": r.created_at.isoformat(), "service_id": r.service_id,
            "service_name": r.service.name, "amount_fen": r.amount_fen,
            "resident": personal.mask_name(r.resident.real_name)}


def _by(user) -> str:
    return user.display_name if user is not None else ""


def statement_json(s: Settlement, lines: list[Redemption]) -> dict:
    """The statement (lines: pages_support.statement_lines, their services and residents loaded): a constant
    number of queries whatever its lines (its people, corrections and rejected disputes: one or two each)."""
    people, rejected = statement_facts.people(s), statement_facts.rejected_dispute_lines(s)
    corrections = statement_facts.corrections(s)
    withdrawal = next((c for c in corrections if c.action == "withdrawn"), None)
    return {
        **summary_json(s),
        "prepared": {"by": _by(people["created"]), "at": s.created_at.isoformat()},
        "approved": {"by": _by(people["approved"]), "at": s.approved_at.isoformat()} if s.approved_at else None,
        "paid": {"by": _by(people["paid"]), "at": s.paid_at.isoformat()} if s.paid_at else None,
        "withdrawn": {"by": _by(withdrawal.by), "at": withdrawal.at.isoformat(), "reason": withdrawal.reason,
                      "redemption_ids": list(withdrawal.redemption_ids)} if withdrawal else None,
        "reference_corrections": [{"by": _by(c.by), "at": c.at.isoformat(), "reason": c.reason, "old": c.old,
                                   "new": c.new} for c in corrections if c.action == "reference_corrected"],
        "document_code": display_code(s.document_code) if s.document_code else None,
        "document_url": verify_url(s.document_code) if s.document_code else None,
        "lines": [redemption_line(r) | {"dispute_rejected": r.id in rejected} for r in lines],
    }
