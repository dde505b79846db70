"""Watching delivery: the officer dashboard (aggregated in SQL, paginated, constant queries whatever the number of
projects), reminders for the people concerned, and each project's timeline."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import aliased

from accounts.models import User
from accounts.notifications import notify
from core.db import db
from core.money import format_fen
from core.timeutil import local_today, to_local
from core.views import path_for
from orgs.models import Membership, Organisation

from .contract_change_models import ChangeRequest, ChangeStatus
from .contract_models import (
    Contract,
    ContractLine,
    ContractStatus,
    Milestone,
    MilestoneReport,
    ReportStatus,
    Tranche,
    TrancheStatus,
)
from .contract_money import two_person_threshold
from .contract_report_models import FeePayment, ReceiptStatus
from .contract_reports import officer_ids
from .fee_receipts import stands

LIST_LIMIT = 10
PER_PAGE = 20


@dataclass
class Dashboard:
    counts: dict
    overdue: list = field(default_factory=list)
    waiting: list = field(default_factory=list)
    payable: list = field(default_factory=list)
    changes: list = field(default_factory=list)
    receipts: list = field(default_factory=list)
    to_confirm: list = field(default_factory=list)
    changes_count: int = 0  # (beside counts, which the officers' digest reads)
    to_confirm_count: int = 0
    two_person_above: int | None = None  # payments above this (fen) need two officers: one approves, another pays
    projects: list = field(default_factory=list)
    page: int = 1
    pages: int = 1


FLAGGED = [ReceiptStatus.UNCONFIRMED.value, ReceiptStatus.DENIED.value]


def overdue_clause(today: date):
    """Past due with no report accepted (Milestone.accepted_at is set on acceptance; indexed with due_on) or awaiting
    review: a report sent late is the officers' to review (listed as waiting), no longer the organisation's to write,
    and its managers are not reminded of it."""
    waiting = exists().where(MilestoneReport.milestone_id == Milestone.id,
                             MilestoneReport.status == ReportStatus.SUBMITTED)
    return and_(Milestone.accepted_at.is_(None), Milestone.due_on < today, Contract.status == ContractStatus.ACTIVE,
                ~waiting)


def awaiting_org_clause():
    """A draft contract the organisation has not confirmed yet (its manager reads and confirms it)."""
    return and_(Contract.status == ContractStatus.DRAFT, Contract.org_confirmed_at.is_(None))


def _scoped(stmt, org_ids):
    return stmt if org_ids is None else stmt.where(Contract.org_id.in_(org_ids))


def _within(stmt, contract_id_column, org_ids):
    """Counts join no contract rows for staff (every project); for members, only their organisations'."""
    if org_ids is None:
        return stmt
    return stmt.where(contract_id_column.in_(select(Contract.id).where(Contract.org_id.in_(org_ids))))


def _counts(today: date, org_ids) -> dict:
    overdue = _scoped(select(func.count(Milestone.id)).join(Contract, Contract.id == Milestone.contract_id)
                      .where(overdue_clause(today)), org_ids)
    waiting = select(func.count(MilestoneReport.id)).where(MilestoneReport.status == ReportStatus.SUBMITTED)
    if org_ids is not None:
        waiting = waiting.where(MilestoneReport.milestone_id.in_(
            _within(select(Milestone.id), Milestone.contract_id, org_ids)))
    payable = _within(select(func.count(Tranche.id)).where(Tranche.status == TrancheStatus.PAYABLE),
                      Tranche.contract_id, org_ids)
    flagged = _within(select(func.count(FeePayment.id)).where(FeePayment.status.in_(FLAGGED), stands()),
                      FeePayment.contract_id, org_ids)
    changes = _within(select(func.count(ChangeRequest.id)).where(ChangeRequest.status == ChangeStatus.REQUESTED),
                      ChangeRequest.contract_id, org_ids)
    total = _scoped(select(func.count(Contract.id)), org_ids)
    statements = {"overdue": overdue, "waiting": waiting, "payable": payable, "changes": changes,
                  "receipts": flagged, "projects": total}
    if org_ids is not None:  # (an organisation's: its contracts awaiting its confirmation)
        statements["to_confirm"] = _scoped(select(func.count(Contract.id)).where(awaiting_org_clause()), org_ids)
    return db.session.execute(select(*(s.scalar_subquery().label(n) for n, s in statements.items()))).one()._asdict()


def dashboard(page: int = 1, org_ids: list[int] | None = None, today: date | None = None) -> Dashboard:
    """Org_ids None: every project (staff); otherwise only those organisations' projects."""
    today = today or local_today()
    counts = _counts(today, org_ids)
    board = Dashboard(counts=counts, page=page, pages=max(1, -(-counts["projects"] // PER_PAGE)),
                      changes_count=counts.pop("changes"), to_confirm_count=counts.pop("to_confirm", 0))
    board.page = min(max(1, page), board.pages)
    head = (Contract.id.label("contract_id"), Contract.title.label("project"), Organisation.name.label("org"))

    def listed(stmt, order):
        stmt = _scoped(stmt.join(Organisation, Organisation.id == Contract.org_id), org_ids)
        return db.session.execute(stmt.order_by(*order).limit(LIST_LIMIT)).all()

    board.overdue = listed(select(*head, Milestone.title.label("milestone"), Milestone.due_on)
                           .select_from(Milestone).join(Contract, Contract.id == Milestone.contract_id)
                           .where(overdue_clause(today)), [Milestone.due_on, Milestone.id])
    board.waiting = listed(select(*head, Milestone.title.label("milestone"), MilestoneReport.submitted_at)
                           .select_from(MilestoneReport).join(Milestone)
                           .join(Contract, Contract.id == Milestone.contract_id)
                           .where(MilestoneReport.status == ReportStatus.SUBMITTED), [MilestoneReport.id])
    # Above the two-person threshold a payment is approved by one officer and recorded by another: each row says
    # which step it waits for, and who approved it and when.
    approver, requester = aliased(User), aliased(User)
    board.two_person_above = two_person_threshold()
    board.payable = listed(select(*head, (Tranche.amount_fen - Tranche.deducted_fen).label("amount_fen"),
                                  Tranche.approved_by_id, Tranche.approved_at, Tranche.kind,
                                  approver.display_name.label("approved_by")).select_from(Tranche)
                           .join(Contract, Contract.id == Tranche.contract_id)
                           .outerjoin(approver, approver.id == Tranche.approved_by_id)
                           .where(Tranche.status == TrancheStatus.PAYABLE), [Tranche.id])
    board.changes = listed(select(*head, ChangeRequest.id.label("change_id"), ChangeRequest.kind,
                                  ChangeRequest.requested_at, requester.display_name.label("requested_by"))
                           .select_from(ChangeRequest).join(Contract, Contract.id == ChangeRequest.contract_id)
                           .outerjoin(requester, requester.id == ChangeRequest.requested_by_id)
                           .where(ChangeRequest.status == ChangeStatus.REQUESTED),
                           [ChangeRequest.requested_at, ChangeRequest.id])
    if org_ids is not None:
        board.to_confirm = listed(select(*head, Contract.org_id, Contract.amount_fen).select_from(Contract)
                                  .where(awaiting_org_clause()), [Contract.id])
    receipts = select(*head, FeePayment.recipient_name, FeePayment.amount_fen, FeePayment.status) \
        .select_from(FeePayment).join(Contract, Contract.id == FeePayment.contract_id).where(stands())
    board.receipts = [*listed(receipts.where(FeePayment.status == ReceiptStatus.DENIED), [FeePayment.id]),
                      *listed(receipts.where(FeePayment.status == ReceiptStatus.UNCONFIRMED), [FeePayment.id])]
    board.receipts = board.receipts[:LIST_LIMIT]  # denied first, each list through the status index
    # Correlated: summed for the page's rows only, never for every project.
    spent = select(func.coalesce(func.sum(ContractLine.spent_fen), 0)).where(ContractLine.contract_id == Contract.id) \
        .correlate(Contract).scalar_subquery()
    projects = _scoped(select(Contract.id, Contract.title, Contract.status, Contract.amount_fen, Contract.paid_fen,
                              Organisation.name.label("org"), spent.label("spent"))
                       .join(Organisation, Organisation.id == Contract.org_id), org_ids)
    board.projects = db.session.execute(projects.order_by(Contract.id.desc()).offset((board.page - 1) * PER_PAGE)
                                        .limit(PER_PAGE)).all()
    return board


def timeline(contract: Contract) -> list[dict]:
    """Milestones, reports, payments and changes in date order (from the relations the page already loaded)."""
    items = []
    for m in contract.milestones:
        items.append({"on": m.due_on, "kind": "milestone", "title": m.title})
        for r in m.reports:
            items.append({"on": to_local(r.submitted_at).date(), "kind": "report", "title": m.title,
                          "status": r.status_label})
    for i, t in enumerate(contract.tranches, start=1):
        if t.paid_on:
            items.append({"on": t.paid_on, "kind": "payment", "title": str(i), "amount_fen": t.due_fen})
    for c in contract.changes:
        items.append({"on": to_local(c.requested_at).date(), "kind": "change", "title": c.kind_label,
                      "status": c.status_label})
    return sorted(items, key=lambda item: item["on"])


def remind(today: date | None = None, grace_days: int = 7) -> dict:
    """Notify managers of overdue milestones, recipients of fee payments still unconfirmed after `grace_days`, and
    every officer with a digest. Meant for a daily cron run (`flask contracts remind`)."""
    today = today or local_today()
    overdue = db.session.execute(
        select(Milestone.title, Contract.id, Contract.title, Membership.user_id)
        .join(Contract, Contract.id == Milestone.contract_id)
        .join(Membership, and_(Membership.org_id == Contract.org_id, Membership.role == "manager",
                               Membership.status == "active"))
        .where(overdue_clause(today))).all()
    for title, contract_id, project, user_id in overdue:
        notify(user_id, "contract.milestone_overdue", link=path_for("contracts.show", contract_id=contract_id),
               milestone=title, project=project)
    cutoff = today - timedelta(days=grace_days)
    stale = db.session.execute(
        select(FeePayment.recipient_user_id, FeePayment.amount_fen, Organisation.name)
        .join(Contract, Contract.id == FeePayment.contract_id).join(Organisation, Organisation.id == Contract.org_id)
        .where(FeePayment.status == ReceiptStatus.UNCONFIRMED, FeePayment.recipient_user_id.is_not(None),
               FeePayment.paid_on <= cutoff, stands())).all()
    for user_id, amount, org in stale:
        notify(user_id, "contract.fee_reminder", link=path_for("contracts.receipts"), amount=format_fen(amount),
               org=org)
    counts = dashboard(today=today).counts
    if any(counts[k] for k in ("overdue", "waiting", "payable", "receipts")):
        for user_id in officer_ids():
            notify(user_id, "contract.officer_digest", link=path_for("contracts.index"), overdue=counts["overdue"],
                   reports=counts["waiting"], payments=counts["payable"], receipts=counts["receipts"])
    return {**counts, "overdue_notices": len(overdue), "fee_reminders": len(stale)}
