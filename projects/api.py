"""Calls (public) and an organisation's proposals (token) — the same services and checks as the pages."""

from flask import abort, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.api import api_blueprint, json_object, page_args, refuse, text_field
from core.db import db
from core.errors import ServiceError
from orgs import services as org_services
from orgs.models import Organisation

from . import permissions, proposals
from .calls import close_if_due
from .enums import CallStatus, ProposalStatus
from .models import Call, Proposal

bp = api_blueprint("projects_api")
PUBLIC_STATUSES = [s.value for s in CallStatus if s is not CallStatus.DRAFT]  # drafts are never listed


def call_json(call: Call) -> dict:
    return {
        "id": call.id, "title": call.title, "status": call.status, "mode": call.mode,
        "category": call.category.code, "funding_source": call.funding_source,
        "total_budget_fen": call.total_budget_fen, "max_per_proposal_fen": call.max_per_proposal_fen,
        "questions_until": call.questions_until.isoformat(),
        "submission_deadline": call.submission_deadline.isoformat(),
        "review_planned_on": call.review_planned_on.isoformat(), "award_planned_on": call.award_planned_on.isoformat(),
        "required_attachments": call.required_attachments, "version": call.version,
        "review": {"template_id": call.template_id, "blind": call.blind, "aggregation": call.aggregation},
        "rules": {"allowed_kinds": call.allowed_kinds, "min_grade": call.min_grade,
                  "min_years_registered": call.min_years_registered,
                  "min_certified_social_workers": call.min_certified_social_workers,
                  "require_annual_report": call.require_annual_report,
                  "require_clean_credit": call.require_clean_credit,
                  "require_passing_evaluation": call.require_passing_evaluation,
                  "max_personnel_pct": call.max_personnel_pct, "max_management_pct": call.max_management_pct},
    }


def proposal_json(p: Proposal) -> dict:
    latest = p.versions[-1] if p.versions else None
    return {
        "id": p.id, "call_id": p.call_id, "org_id": p.org_id, "status": p.status, "title": p.title,
        "summary": p.summary, "needs_analysis": p.needs_analysis, "objectives": p.objectives,
        "work_plan": p.work_plan, "outputs": p.outputs, "team": p.team, "co_funding_fen": p.co_funding_fen,
        "budget_lines": [{"category": b.category, "item": b.item, "quantity": b.quantity,
                          "unit_price_fen": b.unit_price_fen, "total_fen": b.total_fen} for b in p.budget_lines],
        "requested_fen": p.requested_fen,
        "attachments": [{"requirement": a.requirement, "sha256": a.file.sha256} for a in p.attachments],
        "version": p.current_version, "content_hash": latest.content_hash if latest else None,
        "screening_reason": p.screening_reason,
    }


def _require_user():
    if not current_user.is_authenticated:
        abort(401)


def _load_proposal(proposal_id: int) -> Proposal:
    _require_user()
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not permissions.can_view_proposal(current_user, proposal):
        abort(404)
    return proposal


@bp.route("/calls")
def list_calls():
    page, per_page = page_args()
    filters = [Call.status != CallStatus.DRAFT]
    if status := request.args.get("status"):
        if status not in PUBLIC_STATUSES:
            raise ServiceError(_("Please correct the marked fields."), fields={
                "status": _("Unknown status: choose one of %(values)s.", values=", ".join(PUBLIC_STATUSES))})
        filters.append(Call.status == status)
    stmt = select(Call).where(*filters).order_by(Call.submission_deadline.desc())
    items = list(db.session.scalars(stmt.offset((page - 1) * per_page).limit(per_page)))
    total = db.session.scalar(select(func.count(Call.id)).where(*filters))
    return jsonify({"items": [call_json(c) for c in items], "page": page, "per_page": per_page, "total": total})


@bp.route("/calls/<int:call_id>")
def get_call(call_id: int):
    call = db.session.get(Call, call_id)
    if call is None or call.status == CallStatus.DRAFT:
        abort(404)
    if close_if_due(call):
        db.session.commit()
    return jsonify(call_json(call))


@bp.route("/proposals")
def my_proposals():
    _require_user()
    org_ids = [m.org_id for m in org_services.memberships_of(current_user) if m.status == "active"]
    rows = db.session.scalars(select(Proposal).where(Proposal.org_id.in_(org_ids))
                              .options(selectinload(Proposal.budget_lines), selectinload(Proposal.attachments),
                                       selectinload(Proposal.versions)).order_by(Proposal.id))
    return jsonify({"items": [proposal_json(p) for p in rows]})


@bp.route("/proposals/<int:proposal_id>")
def get_proposal(proposal_id: int):
    return jsonify(proposal_json(_load_proposal(proposal_id)))


@bp.route("/calls/<int:call_id>/proposals", methods=["POST"])
def start_proposal(call_id: int):
    _require_user()
    call = db.session.get(Call, call_id)
    if call is None or call.status == CallStatus.DRAFT:
        abort(404)
    body = json_object()
    org_id = body.get("org_id")
    org = db.session.get(Organisation, org_id) if type(org_id) is int and 0 < org_id < 2**31 else None
    if org is None:
        raise ServiceError(_("Please correct the marked fields."), fields={"org_id": _("Choose your organisation.")})
    proposal = proposals.start_proposal(call, org, actor=current_user)
    db.session.commit()
    return jsonify(proposal_json(proposal)), 201


def _int_field(body: dict, name: str, default=0) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ServiceError(_("Please correct the marked fields."), fields={name: _("Enter a whole number.")})
    return value


# The text of a proposal's rows and the longest each may be (as on the proposal form, projects.forms); the numbers
# (quantity, unit price, output target) are checked by proposals.save_draft.
ROW_TEXT = {**proposals.ROW_TEXT,
            "budget_lines": {"category": None, "item": proposals.MAX_ITEM}}  # (category: one of the list)


def _rows(body: dict, name: str) -> list[dict]:
    value = body.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        refuse(name, _("A list of objects."))
    for row in value:
        for key, limit in ROW_TEXT[name].items():
            text_field(row, key, max_length=limit, field=name)
        target = row.get("target")  # a number, or its digits as the form sends them
        if name == "outputs" and target is not None and (isinstance(target, bool) or not isinstance(target, int | str)):
            refuse(name, _("Output targets are whole numbers, 0 or more."))
    return value


@bp.route("/proposals/<int:proposal_id>", methods=["PUT"])
def save_proposal(proposal_id: int):
    proposal = _load_proposal(proposal_id)
    body = json_object()
    lists = {name: _rows(body, name) for name in ROW_TEXT}
    data = proposals.ProposalData(**{k: text_field(body, k) for k in proposals.TEXT_FIELDS}, **lists,
                                  co_funding_fen=_int_field(body, "co_funding_fen"))
    proposals.save_draft(proposal, data, actor=current_user)
    db.session.commit()
    return jsonify(proposal_json(proposal))


@bp.route("/proposals/<int:proposal_id>/<any(submit, withdraw):action>", methods=["POST"])
def submit_or_withdraw(proposal_id: int, action: str):
    proposal = _load_proposal(proposal_id)
    if close_if_due(proposal.call):  # a late request still closes the call for everyone
        db.session.commit()
    target = ProposalStatus.SUBMITTED if action == "submit" else ProposalStatus.DRAFT
    proposals.transition_proposal(proposal, target, actor=current_user)
    db.session.commit()
    return jsonify(proposal_json(proposal))
