"""The last tranche of a contract (the one tied to no milestone) waits for the final evaluation.

The evaluation package decides when a final evaluation has passed (at least 合格, rectification closed) and calls
`release_final_tranche`; this package never imports the evaluation package."""

from sqlalchemy import select, update

from audit import services as audit
from core.db import db

from .contract_models import Contract, Tranche, TrancheStatus


def final_tranche(contract: Contract) -> Tranche | None:
    return db.session.scalar(select(Tranche).where(Tranche.contract_id == contract.id, Tranche.milestone_id.is_(None))
                             .order_by(Tranche.position.desc()).limit(1))


def release_final_tranche(contract: Contract, *, actor, evaluation_id: int | None = None) -> Tranche | None:
    """Make the pending last tranche payable (once; a guarded statement, so a concurrent release cannot repeat it).
    Returns the tranche released, or None when there is nothing pending (already released, paid or cancelled)."""
    tranche = final_tranche(contract)
    if tranche is None:
        return None
    released = db.session.execute(update(Tranche).where(Tranche.id == tranche.id,
                                                        Tranche.status == TrancheStatus.PENDING)
                                  .values(status=TrancheStatus.PAYABLE.value))
    if released.rowcount != 1:
        return None
    db.session.refresh(tranche)
    audit.record("contract.final_tranche_released", contract, actor=actor,
                 data={"tranche_id": tranche.id, "amount_fen": tranche.amount_fen, "evaluation_id": evaluation_id})
    return tranche
