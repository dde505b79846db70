"""Evaluators' assignments, declarations and score sheets; a call's published results."""

import math
import re

from flask import abort, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core.api import api_blueprint, api_user, bool_field, json_object, text_field
from core.db import db
from core.errors import ServiceError, invalid
from core.openapi import (
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
    mapping,
    nullable,
    number,
    record,
    string,
)
from core.views import DB_INT_MAX
from projects import awards
from projects.award_models import AwardDecision
from projects.enums import CallStatus
from projects.models import Call, Proposal

from . import expert_conflicts, score_sheets, services
from .enums import SheetStatus
from .models import PanelMember

bp = api_blueprint("evaluation_api")


CRITERION = record(id=identifier(), title=string(), max_points=integer(minimum=0))
SHEET = component("ScoreSheet", record(
    "An evaluator's score sheet: points by criterion id.",
    sheet_id=nullable(identifier("Null until the first save (PUT): reading a sheet creates nothing.")),
    status=string(enum=SheetStatus),
    fingerprint=string(description="The saved scores as read: send it back with a save (PUT) so that a save over "
                                   "scores saved since (elsewhere) is refused rather than wiping them."),
    scores=mapping(record(points=number("In half points."), comment=string()), "By criterion id.")))
SHEET_IN = body(
    scores=mapping(body(required=["points"],
                        points={"type": "number", "minimum": 0, "maximum": 1000, "multipleOf": 0.5,
                                "description": "Half points allowed (7 or 7.5), at most the criterion's maximum."},
                        comment=string(score_sheets.MAX_COMMENT)),
                   "By criterion id (digits), e.g. `{\"12\": {\"points\": 7.5, \"comment\": \"…\"}}`."),
    submit=boolean("Submit the sheet after saving (default false). A submitted sheet is final; a comment may be "
                   "required for extreme scores (on submitting; a draft may be saved without it)."),
    fingerprint=string(64, "The sheet's `fingerprint` as you read it: if its scores were saved since (elsewhere), "
                           "the save is refused with a 409, code `stale_sheet`, and nothing changes. Without it the "
                           "save is not checked."))
SHEET_DOC = dict(tag="Evaluation", response=SHEET)
SHEET_PUT_DOC = dict(SHEET_DOC, method="PUT", request=SHEET_IN, errors=[403, 409])


def _own_member(member_id: int) -> PanelMember:
    api_user()
    member = db.session.get(PanelMember, member_id)
    if member is None or member.user_id != current_user.id or member.status != "active":
        abort(404)
    return member


@bp.route("/evaluation/assignments")
@api_doc("My review panels", tag="Evaluation",
         description="For each panel the token's user sits on: the criteria and the proposals to review, whether "
                     "a conflict of interest has been declared for each, and the organisation's name once it may be "
                     "seen (never in blind review).",
         response=list_of(record(member_id=identifier(), call_id=identifier(), blind=boolean(),
                                 criteria=array(CRITERION),
                                 proposals=array(record(proposal_id=identifier(), declared=boolean(),
                                                        conflict=nullable(boolean()),
                                                        organisation=nullable(string()))))))
def assignments():
    api_user()
    members = db.session.scalars(select(PanelMember).where(PanelMember.user_id == current_user.id,
                                                           PanelMember.status == "active"))
    body = []
    for member in members:
        declared = services.declarations(member)
        body.append({
            "member_id": member.id, "call_id": member.panel.call_id, "blind": member.panel.blind,
            "criteria": [{"id": c.id, "title": c.title, "max_points": c.max_points} for c in
                         member.panel.template.criteria],
            "proposals": [{
                "proposal_id": p.id, "declared": p.id in declared,
                "conflict": declared[p.id].has_conflict if p.id in declared else None,
                # identities only once visible, and never in blind review
                "organisation": p.org.name if services.can_see_proposal(member, p) and not member.panel.blind
                else None,
            } for p in services.reviewable(member.panel.call_id)],
        })
    return jsonify({"items": body})


@bp.route("/evaluation/members/<int:member_id>/declarations", methods=["POST"])
@api_doc("Declare a conflict of interest, or none", tag="Evaluation", status=201, errors=[403, 409],
         params={"member_id": "Your seat on the panel (`member_id` in the assignments)."},
         description="Before a proposal can be seen or scored, its evaluator declares whether they have a "
                     "conflict with it; a conflict recuses them from it.",
         response=record(ok=boolean()),
         request=body(required=["proposal_id", "conflict"], proposal_id=identifier(), conflict=boolean(),
                      relationship=string(expert_conflicts.MAX_RELATIONSHIP, "The relationship, if any.")))
def declare(member_id: int):
    member = _own_member(member_id)
    body = json_object()
    proposal_id = body.get("proposal_id")
    valid_id = isinstance(proposal_id, int) and not isinstance(proposal_id, bool) and 0 < proposal_id <= DB_INT_MAX
    proposal = db.session.get(Proposal, proposal_id) if valid_id else None
    if proposal is None or not isinstance(body.get("conflict"), bool):
        raise invalid({"proposal_id": _("Required."), "conflict": _("true or false")})
    relationship = text_field(body, "relationship", max_length=expert_conflicts.MAX_RELATIONSHIP)
    services.declare(member, proposal, body["conflict"], relationship, actor=current_user)
    db.session.commit()
    return jsonify({"ok": True}), 201


@bp.route("/evaluation/members/<int:member_id>/sheets/<int:proposal_id>", methods=["GET", "PUT"])
@api_doc("My score sheet for a proposal", method="GET", **SHEET_DOC,
         params={"member_id": "Your seat on the panel."})
@api_doc("Save (and submit) my scores for a proposal", **SHEET_PUT_DOC,
         params={"member_id": "Your seat on the panel."})
def sheet(member_id: int, proposal_id: int):
    member = _own_member(member_id)
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not services.can_see_proposal(member, proposal):
        abort(404)
    return sheet_exchange(lambda: score_sheets.sheet_to_show(member, proposal),
                          lambda: score_sheets.sheet_for(member, proposal))


def entries_from_json(body: dict) -> dict[int, tuple[int, str]]:
    """{"scores": {"<criterion id>": {"points": 7.5, "comment": "…"}}} -> criterion id -> (half points, comment)."""
    scores = body.get("scores", {})
    if not isinstance(scores, dict):
        raise invalid({"scores": _("An object.")})
    entries = {}
    for key, value in scores.items():
        points, comment = (value.get("points"), value.get("comment")) if isinstance(value, dict) else (None, "")
        criterion = key.isascii() and key.isdigit() and len(key) < 10
        field = key if criterion else "scores"  # a refusal names a criterion id, or the scores ("" named nothing)
        if comment is not None and not isinstance(comment, str):  # never stored as "7" or "['x']"
            message = _("Enter text.")
            raise invalid({field: message})
        valid = (criterion and not isinstance(points, bool)
                 and isinstance(points, int | float) and math.isfinite(points) and 0 <= points <= 1000
                 and points * 2 == int(points * 2))
        if not valid:
            message = _("Scores are numbers in half points, such as 7 or 7.5.")
            raise ServiceError(message, fields={field: message})
        entries[int(key)] = (int(points * 2), comment or "")
    return entries


def _by_criterion(fields: dict) -> dict:
    """The services name a criterion's fields as the score form does (c12 its points, comment12 its comment); the
    API names them as the request does: the criterion's id, the key of `scores` (both reasons when both are)."""
    named: dict = {}
    for name, message in fields.items():
        key = match[1] if (match := re.fullmatch(r"(?:c|comment)(\d+)", name)) else name
        named[key] = f"{named[key]} {message}" if key in named else message
    return named


def sheet_exchange(shown, created):
    """GET shows a sheet (shown(): before the first save an empty one, not stored; a GET writes nothing); PUT saves
    scores (and submits with "submit": true) through the engine, on the sheet created at the first save
    (created())."""
    if request.method != "PUT":
        score_sheet = shown()
    else:
        body = json_object()
        submit = bool_field(body, "submit")  # "yes" or 1 is refused, not read as 'save without submitting'
        entries = entries_from_json(body)
        # absent or null: not checked (clients from before the fingerprint)
        sent = text_field(body, "fingerprint", max_length=64) if body.get("fingerprint") is not None else None
        score_sheet = created()
        try:
            score_sheets.save_scores(score_sheet, entries, actor=current_user, fingerprint=sent, submitting=submit)
            if submit:
                score_sheets.transition_sheet(score_sheet, SheetStatus.SUBMITTED, actor=current_user)
        except ServiceError as refused:
            refused.fields = _by_criterion(refused.fields)
            raise
        db.session.commit()
    return jsonify({"sheet_id": score_sheet.id, "status": score_sheet.status,
                    "fingerprint": score_sheets.sheet_fingerprint(score_sheet),
                    "scores": {str(s.indicator_id): {"points": s.half_points / 2, "comment": s.comment}
                               for s in score_sheet.scores}})


@bp.route("/calls/<int:call_id>/results")
@api_doc("A call's results", tag="Calls and proposals", public=True,
         description="Ranked results during publicity (公示) and after the award; a 404 before.",
         response=record(call_id=identifier(), status=string(enum=[CallStatus.PUBLICITY, CallStatus.AWARDED]),
                         publicity_ends_on=nullable(iso_date()),
                         results=array(record(rank=integer(minimum=1), organisation=string(),
                                              final_score=string(description="Exact, as a decimal text."),
                                              awarded=boolean(), amount_fen=nullable(fen())))))
def results(call_id: int):
    call = db.session.get(Call, call_id)
    if call is None or call.status not in (CallStatus.PUBLICITY, CallStatus.AWARDED):
        abort(404)
    publicity = awards.active_publicity(call)
    decisions = db.session.scalars(select(AwardDecision).where(AwardDecision.call_id == call.id)
                                   .options(joinedload(AwardDecision.proposal).joinedload(Proposal.org))
                                   .order_by(AwardDecision.rank))
    return jsonify({"call_id": call.id, "status": call.status,
                    "publicity_ends_on": publicity.ends_on.isoformat() if publicity else None,
                    "results": [{"rank": d.rank, "organisation": d.proposal.org.name, "final_score": d.final_score,
                                 "awarded": d.awarded, "amount_fen": d.amount_fen} for d in decisions]})
