"""The contract PDF (项目合同, templates/projects/contract_pdf.html): what it shows beyond the contract's own rows, and
its issuance.

Beside the figures, the amounts in financial capitals (大写金额, core.money.fen_in_capitals), as a Chinese contract
states them; under them, who confirmed for each side (the purchaser's officer, 经办人, and the organisation's manager)
and when. A contract changed by approved requests (contract_changes: version 2, 3…) is issued again with its version
and the list of approved changes (date, what changed, who approved), so that the verified copy states the terms in
force; the earlier copy stays verifiable, and its verification page names the newer one (audit.documents
.superseded_by). No state changes here besides the document and the contract's document_code.

Called by contracts (issue_signed_contract, when both sides have confirmed) and contract_changes.transition_change
(after_change_decided).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from accounts.models import User
from audit import documents
from core.db import db
from core.money import fen_in_capitals

from .contract_change_models import ChangeKind, ChangeRequest, ChangeStatus
from .contract_models import Contract

TEMPLATE = "projects/contract_pdf.html"


@dataclass(frozen=True)
class Amendment:
    """One approved change as the document lists it. before and after are the amendment's own records: for a
    budget change {"lines": {item: fen}}, for a schedule change {"milestone": title, "due_on": "YYYY-MM-DD"}."""

    version: int
    approved_at: datetime | None
    approved_by: str
    kind: str
    before: dict
    after: dict

    @property
    def kind_label(self) -> str:
        return ChangeKind(self.kind).label

    @property
    def line_moves(self) -> list[tuple[str, int | None, int | None]]:
        """A budget change's lines: (item, budget before, budget after), in the order recorded."""
        before, after = self.before.get("lines", {}), self.after.get("lines", {})
        return [(item, before.get(item), after.get(item)) for item in dict.fromkeys([*before, *after])]


@dataclass(frozen=True)
class ContractDocument:
    """What the template reads as `contract_document` (besides `contract` and `purchaser_officer`)."""

    org_signer: User | None
    amendments: list[Amendment]

    @staticmethod
    def capitals(fen: int | None) -> str:
        return "" if fen is None else fen_in_capitals(fen)


def _users(ids) -> dict[int, User]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(wanted)))}


def pdf_context(contract: Contract) -> dict:
    """The template's context for this contract as it stands now (its lines, milestones and version)."""
    db.session.flush()  # (an amendment just added gets its time)
    amendments = contract.amendments  # (each written by the officer who approved its change: created_by_id)
    users = _users([contract.officer_confirmed_by_id, contract.org_confirmed_by_id,
                    *(a.created_by_id for a in amendments)])
    listed = [Amendment(version=a.version, approved_at=a.created_at,
                        approved_by=users[a.created_by_id].display_name if a.created_by_id in users else "—",
                        kind=a.kind, before=a.before or {}, after=a.after or {}) for a in amendments]
    extra = ContractDocument(org_signer=users.get(contract.org_confirmed_by_id), amendments=listed)
    return {"contract": contract, "purchaser_officer": users.get(contract.officer_confirmed_by_id),
            "contract_document": extra}


def _issue(contract: Contract, *, actor, issued_by) -> documents.IssuedDocument:
    return documents.issue_document(TEMPLATE, title=f"项目合同：{contract.title}", doc_type="contract", actor=actor,
                                    issued_by=issued_by, target=contract, **pdf_context(contract))


def issue_signed_contract(contract: Contract, *, actor) -> documents.IssuedDocument:
    """The signed contract's PDF, issued by the officer who confirmed for the purchaser, whoever's confirmation
    activated it (a contract is the purchaser's document). The caller keeps its code (contract.document_code)."""
    return _issue(contract, actor=actor, issued_by=db.session.get(User, contract.officer_confirmed_by_id))


def issue_amended_contract(contract: Contract, *, actor) -> documents.IssuedDocument:
    """The contract's PDF issued again at its current version, by the officer who approved the change; the contract
    then points at it."""
    document = _issue(contract, actor=actor, issued_by=None)
    contract.document_code = document.code
    db.session.flush()
    return document


def after_change_decided(contract: Contract, change: ChangeRequest, *, actor) -> documents.IssuedDocument | None:
    """The end of a change's decision: an approved change (the contract's version raised) issues the contract's PDF
    again; a rejected or withdrawn one leaves the document as it was."""
    if change.status != ChangeStatus.APPROVED:
        return None
    return issue_amended_contract(contract, actor=actor)
