"""Calls (public) and an organisation's proposals (token) — the same services and checks as the pages."""

from flask import abort, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.api import api_blueprint, api_user, json_object, page_args, refuse, text_field
from core.db import db
from core.errors import invalid
from core.money import MAX_FEN
from core.numbers import DB_INT_MAX
from core.openapi import (
    PAGING,
    api_doc,
    array,
    body,
    boolean,
    component,
    fen,
    identifier,
    integer,
    iso_date,
    list_of,
    nullable,
    page_of,
    record,
    string,
    timestamp,
)
from core.paging import count_of
from orgs import services as org_services
from orgs.enums import OrgKind
from orgs.models import Organisation

from . import permissions, proposals, review_outcome
from .api_fields import whole_number
from .calls import close_if_due
from .enums import Aggregation, BudgetCategory, CallStatus, FundingSource, ProposalStatus, PurchasingMode
from .models import Call, Proposal

bp = api_blueprint("projects_api")
PUBLIC_STATUSES = [s.value for s in CallStatus if s is not CallStatus.DRAFT]  # drafts are never listed


PERCENT = integer(minimum=0, maximum=100)
CALL = component("Call", record(
    "A call for proposals (项目征集) with its schedule, review and eligibility rules.",
    id=identifier(), title=string(200), status=string(enum=PUBLIC_STATUSES), mode=string(enum=PurchasingMode),
    category=string(description="Service category code."), funding_source=string(enum=FundingSource),
    total_budget_fen=fen(), max_per_proposal_fen=fen("The most one proposal may ask for."),
    questions_until=timestamp(), submission_deadline=timestamp("A proposal submitted after it is refused."),
    review_planned_on=iso_date(), award_planned_on=iso_date(),
    required_attachments=array(string(), "Documents each proposal must attach."),
    version=integer("Raised by each published amendment.", minimum=1),
    review=record(template_id=nullable(identifier()), blind=boolean("Evaluators never see who wrote a proposal."),
                  aggregation=string(enum=Aggregation)),
    rules=record("Eligibility, checked when the call closes.", allowed_kinds=array(string(enum=OrgKind)),
                 min_grade=nullable(integer(minimum=1, maximum=5)), min_years_registered=integer(minimum=0),
                 min_certified_social_workers=integer(minimum=0), require_annual_report=boolean(),
                 require_clean_credit=boolean(), require_passing_evaluation=boolean(),
                 max_personnel_pct=PERCENT, max_management_pct=PERCENT)))
ROWS = {name: {key: string(limit) for key, limit in columns.items()} for name, columns in proposals.ROW_TEXT.items()}
TARGET = integer("A whole number (or its digits as text).", minimum=0, maximum=10**9)
RESULT = record(
    "How the proposal fared, once the call's results are decided (in publicity, or awarded); null before. The experts "
    "are letters (A, B…), the same throughout one proposal's result, never named.",
    state=string(enum=list(review_outcome.STATES), description="`ranked`; `screened_out` (ineligible: "
                 "`screening_reason` says why); `not_ranked` (no expert's sheet counted)."),
    final=boolean("The call is awarded (else its results are in publicity)."),
    publicity_ends_on=nullable(iso_date("The last day objections are accepted, while in publicity.")),
    rank=nullable(integer(minimum=1)), ranked=nullable(integer("How many proposals were ranked.", minimum=1)),
    final_score=nullable(string(description="As the results page shows it, e.g. \"82.33\".")),
    awarded=boolean(), amount_fen=fen("The amount awarded (0 when not awarded)."),
    criteria=array(record(title=string(200), mean=nullable(string(description="The experts' mean, e.g. \"16.50\".")),
                          max_points=integer(minimum=1))),
    experts=array(record(expert=string(description="A letter: A, B…"),
                         comments=array(record(criterion=string(200), comment=string())))),
    screening_reason=nullable(string()))
PROPOSAL = component("Proposal", record(
    "A proposal (申报书): an organisation's answer to a call.",
    id=identifier(), call_id=identifier(), org_id=identifier(), status=string(enum=ProposalStatus),
    title=string(200), summary=string(proposals.MAX_TEXT), needs_analysis=string(proposals.MAX_TEXT),
    objectives=string(proposals.MAX_TEXT), work_plan=array(record(**ROWS["work_plan"])),
    outputs=array(record(**ROWS["outputs"], target=integer(minimum=0, maximum=10**9))),
    team=array(record(**ROWS["team"])), co_funding_fen=fen("Funding from elsewhere."),
    budget_lines=array(record(category=string(enum=BudgetCategory), item=string(proposals.MAX_ITEM),
                              quantity=integer(minimum=1, maximum=proposals.MAX_QUANTITY), unit_price_fen=fen(),
                              total_fen=fen())),
    requested_fen=fen("The budget lines' total."),
    attachments=array(record(requirement=string(), sha256=string(64))),
    version=integer("Submitted versions so far (0: never submitted).", minimum=0),
    revision=integer("Saves of the draft so far. Send it back with a save (PUT) so that a save over changes made "
                     "since you read the draft is refused.", minimum=0),
    content_hash=nullable(string(description="SHA-256 of the latest submitted version, as frozen.")),
    screening_reason=string(description="Why the proposal was found ineligible, if it was."),
    result=nullable(RESULT)))


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


def proposal_json(p: Proposal, outcome: review_outcome.ReviewOutcome | None = None) -> dict:
    """`outcome`: its review outcome (review_outcome.outcomes, only for those who may see it); null without."""
    latest = p.versions[-1] if p.versions else None
    return {
        "id": p.id, "call_id": p.call_id, "org_id": p.org_id, "status": p.status, "title": p.title,
        "summary": p.summary, "needs_analysis": p.needs_analysis, "objectives": p.objectives,
        "work_plan": p.work_plan, "outputs": p.outputs, "team": p.team, "co_funding_fen": p.co_funding_fen,
        "budget_lines": [{"category": b.category, "item": b.item, "quantity": b.quantity,
                          "unit_price_fen": b.unit_price_fen, "total_fen": b.total_fen} for b in p.budget_lines],
        "requested_fen": p.requested_fen,
        "attachments": [{"requirement": a.requirement, "sha256": a.file.sha256} for a in p.attachments],
        "version": p.current_version, "revision": p.revision, "content_hash": latest.content_hash if latest else None,
        "screening_reason": p.screening_reason, "result": review_outcome.outcome_json(outcome),
    }


def _load_proposal(proposal_id: int) -> Proposal:
    api_user()
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not permissions.can_view_proposal(current_user, proposal):
        abort(404)
    return proposal


@bp.route("/calls")
@api_doc("List calls", tag="Calls and proposals", public=True, response=page_of(CALL),
         description="Published calls and their later states (drafts are never listed), latest deadline first.",
         query={"status": string(enum=PUBLIC_STATUSES), **PAGING})
def list_calls():
    page, per_page = page_args()
    filters = [Call.status != CallStatus.DRAFT]
    if status := request.args.get("status"):
        if status not in PUBLIC_STATUSES:
            raise invalid({
                "status": _("Unknown status: choose one of %(values)s.", values=", ".join(PUBLIC_STATUSES))})
        filters.append(Call.status == status)
    stmt = select(Call).where(*filters).order_by(Call.submission_deadline.desc())
    items = list(db.session.scalars(stmt.offset((page - 1) * per_page).limit(per_page)))
    return jsonify({"items": [call_json(c) for c in items], "page": page, "per_page": per_page,
                    "total": count_of(stmt)})


@bp.route("/calls/<int:call_id>")
@api_doc("A call", tag="Calls and proposals", public=True, response=CALL,
         description="A call past its deadline is closed by this request if nothing closed it yet.")
def get_call(call_id: int):
    call = db.session.get(Call, call_id)
    if call is None or call.status == CallStatus.DRAFT:
        abort(404)
    if close_if_due(call):
        db.session.commit()
    return jsonify(call_json(call))


@bp.route("/proposals")
@api_doc("My organisations' proposals", tag="Calls and proposals", response=list_of(PROPOSAL),
         description="The proposals of every organisation the token's user is an active member of.")
def my_proposals():
    api_user()
    org_ids = [m.org_id for m in org_services.memberships_of(current_user) if m.status == "active"]
    rows = db.session.scalars(select(Proposal).where(Proposal.org_id.in_(org_ids))
                              .options(selectinload(Proposal.budget_lines), selectinload(Proposal.attachments),
                                       selectinload(Proposal.versions), selectinload(Proposal.call))
                              .order_by(Proposal.id)).all()
    found = review_outcome.outcomes(rows)  # (members of each: they may see each result)
    return jsonify({"items": [proposal_json(p, found.get(p.id)) for p in rows]})


@bp.route("/proposals/<int:proposal_id>")
@api_doc("A proposal", tag="Calls and proposals", response=PROPOSAL,
         description="For the organisation's members and the officers; a 404 to anyone else. Once the call's "
                     "results are decided, `result` says how it was scored.")
def get_proposal(proposal_id: int):
    proposal = _load_proposal(proposal_id)
    outcome = review_outcome.outcomes([proposal]).get(proposal.id) \
        if permissions.can_view_review_result(current_user, proposal) else None
    return jsonify(proposal_json(proposal, outcome))


@bp.route("/calls/<int:call_id>/proposals", methods=["POST"])
@api_doc("Start a proposal", tag="Calls and proposals", status=201, response=PROPOSAL, errors=[403, 409],
         description="A draft for an open call, by a member of the organisation (one proposal per organisation "
                     "and call). Fill it with PUT, then submit it.",
         request=body(required=["org_id"], org_id=identifier("Your organisation.")))
def start_proposal(call_id: int):
    api_user()
    call = db.session.get(Call, call_id)
    if call is None or call.status == CallStatus.DRAFT:
        abort(404)
    body = json_object()
    org_id = body.get("org_id")
    org = db.session.get(Organisation, org_id) if type(org_id) is int and 0 < org_id < 2**31 else None
    if org is None:
        raise invalid({"org_id": _("Choose your organisation.")})
    proposal = proposals.start_proposal(call, org, actor=current_user)
    db.session.commit()
    return jsonify(proposal_json(proposal)), 201


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
@api_doc("Save a draft proposal", tag="Calls and proposals", response=PROPOSAL, errors=[403, 409],
         description="Replaces the draft's content (partial data is fine for a draft; submitting checks "
                     "everything). Rows with nothing in them are dropped; texts are stripped before their length "
                     "is checked. Any member of the organisation may save its draft; a manager submits it.",
         request=body(
             revision=integer("The draft's `revision` as you read it: if the draft was saved since (elsewhere), the "
                              "save is refused with a 409, code `stale_draft`, and nothing changes. Without it the "
                              "save replaces whatever is there.", minimum=0, maximum=DB_INT_MAX),
             title=string(200), summary=string(proposals.MAX_TEXT), needs_analysis=string(proposals.MAX_TEXT),
             objectives=string(proposals.MAX_TEXT),
             work_plan=array(body(**ROWS["work_plan"]), max_items=proposals.ROW_LIMITS["work_plan"]),
             outputs=array(body(**ROWS["outputs"], target={"oneOf": [TARGET, string(pattern="^[0-9]*$")]}),
                           max_items=proposals.ROW_LIMITS["outputs"]),
             team=array(body(**ROWS["team"]), max_items=proposals.ROW_LIMITS["team"]),
             budget_lines=array(body(required=["category", "item", "quantity", "unit_price_fen"],
                                     category=string(enum=BudgetCategory), item=string(proposals.MAX_ITEM),
                                     quantity=integer(minimum=1, maximum=proposals.MAX_QUANTITY),
                                     unit_price_fen=fen("Quantity × unit price is at most the maximum amount.")),
                                max_items=proposals.ROW_LIMITS["budget_lines"]),
             co_funding_fen=fen(maximum=MAX_FEN)))
def save_proposal(proposal_id: int):
    proposal = _load_proposal(proposal_id)
    body = json_object()
    lists = {name: _rows(body, name) for name in ROW_TEXT}
    data = proposals.ProposalData(**{k: text_field(body, k) for k in proposals.TEXT_FIELDS}, **lists,
                                  co_funding_fen=whole_number(body, "co_funding_fen", default=0,
                                                             amount=True))
    revision = None if body.get("revision") is None else whole_number(body, "revision")
    if revision is not None and not 0 <= revision <= DB_INT_MAX:
        refuse("revision", _("Send the revision as you read it."))
    proposals.save_draft(proposal, data, actor=current_user, revision=revision)
    db.session.commit()
    return jsonify(proposal_json(proposal))


@bp.route("/proposals/<int:proposal_id>/<any(submit, withdraw):action>", methods=["POST"])
@api_doc("Submit or withdraw a proposal", tag="Calls and proposals", response=PROPOSAL, errors=[403, 409, 422],
         params={"action": "`submit` checks everything and freezes a version (its content hash); `withdraw` "
                           "takes a submitted proposal back to draft. Both only before the call's deadline."})
def submit_or_withdraw(proposal_id: int, action: str):
    proposal = _load_proposal(proposal_id)
    if close_if_due(proposal.call):  # a late request still closes the call for everyone
        db.session.commit()
    target = ProposalStatus.SUBMITTED if action == "submit" else ProposalStatus.DRAFT
    proposals.transition_proposal(proposal, target, actor=current_user)
    db.session.commit()
    return jsonify(proposal_json(proposal))
