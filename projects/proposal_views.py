"""Proposals: writing, attachments, submission and withdrawal (organisations); screening (officers)."""

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from audit.permissions import can_view_audit_log
from core.db import db, utcnow
from core.forms import Refused, apply_service_error
from core.i18n import colon
from core.permissions import require
from core.timeutil import format_local, to_local
from core.views import attempt, db_int, form_status, refusal_text, run_service, valid_form
from orgs import permissions as org_permissions
from orgs import services as org_services
from orgs.models import Organisation

from . import awards, eligibility, permissions, proposals, review_outcome
from .award_models import AwardDecision
from .calls import close_if_due
from .contract_models import Contract
from .contract_views import can_view as can_view_contract
from .enums import CallStatus, ProposalStatus
from .forms import AttachmentForm, ProposalForm, ScreeningForm
from .models import Call, Proposal, ProposalAttachment
from .views import load_call

bp = Blueprint("proposals", __name__)


def load_proposal(proposal_id: int) -> Proposal:
    proposal = db.get_or_404(Proposal, proposal_id)
    if not permissions.can_view_proposal(current_user, proposal):
        abort(404)  # other organisations cannot learn that it exists
    return proposal


def proposal_data(form: ProposalForm) -> proposals.ProposalData:
    return proposals.ProposalData(
        title=form.title.data or "", summary=form.summary.data or "", needs_analysis=form.needs_analysis.data or "",
        objectives=form.objectives.data or "", work_plan=[row.data for row in form.work_plan],
        outputs=[row.data for row in form.outputs],
        team=[{"name": row.data["person"], "role": row.data["role"], "qualification": row.data["qualification"]}
              for row in form.team],
        budget_lines=[row.data for row in form.budget_lines], co_funding_fen=form.co_funding_fen.data or 0)


def _fill_form(form: ProposalForm, proposal: Proposal) -> None:
    """Put a draft's rows into the form's repeating sections, and one empty row after them to type into."""
    team = [{"person": r["name"], "role": r["role"], "qualification": r["qualification"]} for r in proposal.team]
    for name, rows in (("work_plan", proposal.work_plan), ("outputs", proposal.outputs), ("team", team),
                       ("budget_lines", [{"category": b.category, "item": b.item, "quantity": b.quantity,
                                          "unit_price_fen": b.unit_price_fen} for b in proposal.budget_lines])):
        field = getattr(form, name)
        field.entries, field.last_index = [], -1
        for row in rows[:field.max_entries]:
            field.append_entry().form.process(data=row)
    form.with_blank_rows()


@bp.route("/calls/<int:call_id>/proposal", methods=["POST"])
@login_required
def start(call_id: int):
    call = load_call(call_id)
    org = db.get_or_404(Organisation, request.form.get("org_id", type=db_int) or 0)
    started = run_service(lambda: proposals.start_proposal(call, org, actor=current_user))
    if not started:
        return redirect(url_for("calls.show", call_id=call.id))
    return redirect(url_for("proposals.edit", proposal_id=started.value.id))


def closed_reason(call: Call, now) -> str | None:
    """Why proposals to this call can no longer be changed, submitted or withdrawn; None while they can."""
    if now >= call.submission_deadline:
        return _("The submission deadline has passed: this draft can no longer be changed or submitted.")
    if call.status != CallStatus.PUBLISHED:
        return _("This call is not open for proposals.")
    return None


@bp.route("/proposals/<int:proposal_id>")
@login_required
def show(proposal_id: int):
    return proposal_page(load_proposal(proposal_id))


def proposal_page(proposal: Proposal, refused_attachment: AttachmentForm | None = None, refused: bool = False,
                  status: int = 422):
    """The proposal's page; after a refusal, again (`status`: 422, or 409 when the proposal changed meanwhile;
    nothing changed): a refused attachment with its form as sent and the reason beside its field, a refused
    submission with what is still missing listed."""
    now = utcnow()
    closed = closed_reason(proposal.call, now)  # then no buttons that could only be refused
    return render_template(
        "projects/proposal.html", proposal=proposal, call=proposal.call, closed=closed,
        checks=eligibility.check(proposal.call, proposal.org, to_local(now).date()),
        problems=proposals.submission_problems(proposal, now)
        if proposal.status == ProposalStatus.DRAFT and not closed else {},
        can_edit=permissions.can_edit_proposal(current_user, proposal) and not closed,
        can_write=permissions.can_write_proposal(current_user, proposal.org),
        is_manager=permissions.can_submit_proposal(current_user, proposal), result=review_result(proposal),
        form=ScreeningForm(formdata=None), attachment_form=refused_attachment or _attachment_form(proposal),
        outside_areas=outside_service_areas(proposal), can_open_audit=can_view_audit_log(current_user)), \
        status if refused_attachment or refused else 200


def outside_service_areas(proposal: Proposal) -> bool:
    """A draft for a call whose service category the organisation does not list among its own: said on the draft's
    pages (it may still apply; a reviewer will ask how it fits)."""
    return proposal.status == ProposalStatus.DRAFT and \
        proposal.call.category_id not in {c.id for c in proposal.org.categories}


def review_result(proposal: Proposal) -> dict | None:
    """How the proposal fared once the results are decided (projects.review_outcome: its rank, final score, each
    criterion's mean and the experts' comments under letters, or why it was screened out), and its contract if one is
    drawn up and the viewer may open it: the organisation learns the outcome and its reasons on its own proposal's
    page, not only by finding the call's results."""
    if not permissions.can_view_review_result(current_user, proposal):
        return None
    outcome = review_outcome.outcomes([proposal]).get(proposal.id)
    if outcome is None:
        return None
    decision = outcome.decision
    contract = db.session.scalar(select(Contract).where(Contract.proposal_id == proposal.id)) \
        if decision is not None and decision.awarded else None
    return {"outcome": outcome, "decision": decision, "publicity": outcome.publicity, "ranked": outcome.ranked,
            "contract": contract if contract is not None and can_view_contract(contract) else None}


def _attachment_form(proposal: Proposal, formdata=None) -> AttachmentForm:
    form = AttachmentForm(formdata=formdata)
    form.requirement.choices = [SelectChoice(name, name) for name in proposal.call.required_attachments] + \
        [SelectChoice("other", _("Other attachment"))]
    return form


@bp.route("/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@login_required
def edit(proposal_id: int):
    proposal = load_proposal(proposal_id)
    require(org_permissions.is_member(current_user, proposal.org))  # staff who are not members: 403, as before
    if reason := not_editable_reason(proposal, utcnow()):  # a bookmark, a second tab: the page, saying why
        if request.method == "POST":
            reason = _("%(reason)s The changes you typed were not saved.", reason=reason)
        flash(reason, "warning")
        return redirect(url_for("proposals.show", proposal_id=proposal.id))
    require(permissions.can_edit_proposal(current_user, proposal))
    form = ProposalForm(obj=proposal if request.method != "POST" else None)
    # The revision the form was opened at travels with it (also through "Add a row" without JavaScript), so that a
    # save from a page opened before another save is refused rather than overwriting that save.
    revision = sent_revision() if request.method == "POST" else proposal.revision
    if request.method != "POST":
        _fill_form(form, proposal)
    elif (section := request.form.get("add_row")) in ProposalForm.ROW_SECTIONS:
        # "Add a row" without JavaScript: the form again as typed, with one more empty row in that section, focused.
        added = getattr(form, section).add_blank_row()
        return proposal_form_page(form, proposal, revision, focus=added and next(iter(added)).id), 200
    elif "remove_row" in request.form:  # "Remove this row" without JavaScript: as typed without it, nothing saved
        return proposal_form_page(form, proposal, revision,
                                  focus=remove_sent_row(form, request.form["remove_row"])), 200
    elif form.validate_on_submit():
        outcome = attempt(lambda: proposals.save_draft(proposal, proposal_data(form), actor=current_user,
                                                       revision=revision))
        if outcome:
            flash(_("Draft saved."), "success")
            return redirect(url_for("proposals.show", proposal_id=proposal.id))
        if outcome.refusal.code == "stale_draft":  # what was typed stays on the page to copy; nothing changed
            return proposal_form_page(form, proposal, revision, stale=True), 409
        apply_service_error(form, outcome.refusal)
    return proposal_form_page(form, proposal, revision), form_status()


def sent_revision() -> int | None:
    """The draft's revision its form was opened at (a hidden field); None from a form that does not send one."""
    if "revision" not in request.form:
        return None
    revision = request.form.get("revision", type=db_int)
    if revision is None:
        abort(400)  # not something the page sends
    return revision


def not_editable_reason(proposal: Proposal, now) -> str | None:
    """Why a member of the proposal's organisation cannot change it on its form now, or None: the form opened from a
    bookmark or a second tab once it was submitted, screened or decided was a bare 403 with only a link home."""
    call, manager = proposal.call, org_permissions.is_manager(current_user, proposal.org)
    if proposal.status == ProposalStatus.DRAFT:  # (any member writes the draft; a manager submits it)
        return closed_reason(call, now)
    if call.status in (CallStatus.PUBLICITY, CallStatus.AWARDED):
        return _("The results of this call are decided: the proposal can no longer be changed.")
    if proposal.status != ProposalStatus.SUBMITTED:
        return _("The proposal has been screened (%(status)s): it can no longer be changed.",
                 status=proposal.status_enum.label)
    if now >= call.submission_deadline:
        return _("The submission deadline has passed: the proposal as submitted can no longer be changed.")
    if call.status != CallStatus.PUBLISHED:
        return _("This call is not open for proposals.")
    return _("Submitted. To change it, withdraw it first.") if manager else \
        _("Submitted. To change it, a manager of the organisation withdraws it first.")


def remove_sent_row(form: ProposalForm, sent: str) -> str | None:
    """Take out of the form the row named by a "Remove this row" button (`sent`: "<section>-<number>", the number as
    the page sent it, which may leave gaps once rows were removed in the browser), the others renumbered; a section
    left empty gets one empty row. Answers the id of what should take the cursor: the first field of the row now in
    its place (or of the empty row), or the section's "Add a row" after its last row."""
    section, _sep, number = sent.rpartition("-")
    if section not in ProposalForm.ROW_SECTIONS or not number.isdigit():
        abort(400)  # not something the page sends
    field = getattr(form, section)
    removed, position = field.remove_sent_row(int(number), request.form)
    if not removed:
        return None  # nothing of that row was sent: the form again as it came
    if position < len(field.entries):
        return next(iter(field.entries[position])).id
    return f"{section}-add"


def proposal_form_page(form: ProposalForm, proposal: Proposal, revision: int | None, focus: str | None = None,
                       stale: bool = False) -> str:
    """The proposal form; after a refusal, with what was typed, each refused cell marked and the refusals listed at
    the top. `focus`: the id of the field to put the cursor in (the first cell of a row just added). `revision`: the
    draft's revision the form was opened at, sent back with it. `stale`: the draft was saved elsewhere since then
    (the page says so, keeps what was typed to copy and offers the current draft)."""
    return render_template("projects/proposal_form.html", form=form, proposal=proposal, call=proposal.call,
                           errors=error_summary(form), outside_areas=outside_service_areas(proposal), focus=focus,
                           row_templates=form.row_templates(),
                           revision=proposal.revision if revision is None else revision, stale=stale,
                           unsaved=request.method == "POST", is_manager=permissions.can_submit_proposal(
                               current_user, proposal))


def error_summary(form: ProposalForm) -> list[tuple[str, str]]:
    """Every refusal on the long proposal form as (the id to jump to, a sentence naming the field and the row), for
    the list at its top. A repeating section's errors are a dict per row (from the form) or sentences about the
    whole section (from the service)."""
    sections = {"work_plan": _("Work plan"), "outputs": _("Outputs and outcomes"), "team": _("Team"),
                "budget_lines": _("Budget")}
    summary = []
    for field in form:
        if field.name not in sections:
            summary += [(field.id, f"{field.label.text}{colon()}{message}") for message in field.errors]
            continue
        section = sections[field.name]
        for number, row in enumerate(field, start=1):
            summary += [(cell.id, section + colon() + _("Row %(row)d, %(field)s: %(message)s", row=number,
                                                           field=cell.label.text, message=message))
                        for cell in row for message in cell.errors]
        summary += [(f"{field.id}-error", f"{section}{colon()}{message}")
                    for message in field.errors if isinstance(message, str)]
    return summary


@bp.route("/proposals/<int:proposal_id>/attachments", methods=["POST"])
@login_required
def upload(proposal_id: int):
    proposal = load_proposal(proposal_id)
    require(permissions.can_edit_proposal(current_user, proposal))
    form = _attachment_form(proposal, request.form)
    form.file.data = request.files.get("file")
    # Refused (no file, a file of a kind not taken, an attachment not asked for), the page again with the reason
    # beside its field and the attachment chosen kept: it was a flash after a redirect, the choice lost.
    if not form.validate():
        flash(_("Please correct the marked fields."), "danger")
    elif run_service(lambda: proposals.add_attachment(proposal, form.requirement.data, form.file.data,
                                                      actor=current_user), form):
        flash(_("Attachment uploaded."), "success")
        return redirect(url_for("proposals.show", proposal_id=proposal.id))
    return proposal_page(proposal, form)


@bp.route("/proposals/attachments/<int:attachment_id>/remove", methods=["POST"])
@login_required
def remove_attachment(attachment_id: int):
    attachment = db.get_or_404(ProposalAttachment, attachment_id)
    proposal = load_proposal(attachment.proposal_id)
    require(permissions.can_edit_proposal(current_user, proposal))
    valid_form(ScreeningForm())
    run_service(lambda: proposals.remove_attachment(attachment, actor=current_user))
    return redirect(url_for("proposals.show", proposal_id=proposal.id))


@bp.route("/proposals/<int:proposal_id>/status", methods=["POST"])
@login_required
def change_status(proposal_id: int):
    proposal = load_proposal(proposal_id)
    # Its organisation's managers submit or withdraw it, officers screen it: anyone else is refused before the form
    # is read (an auditor's empty form was a 400); transition_proposal checks which change each may make.
    require(permissions.can_submit_proposal(current_user, proposal) or permissions.can_manage_calls(current_user))
    if close_if_due(proposal.call):  # a late request still closes the call for everyone
        db.session.commit()
    form = valid_form(ScreeningForm())
    target = request.form.get("to", "")
    if target not in {s.value for s in ProposalStatus}:
        abort(400)
    def change():
        proposals.transition_proposal(proposal, target, actor=current_user, reason=form.reason.data)

    if request.form.get("back") == "screening":
        return screened(proposal, attempt(change))
    if not (outcome := run_service(change)):  # (the organisation's submission or withdrawal: the page again, 422;
        return proposal_page(proposal, refused=True, status=outcome.refusal.status)  # 409: submitted in another tab)
    flash(*changed_message(proposal))
    return redirect(url_for("proposals.show", proposal_id=proposal.id))


def changed_message(proposal: Proposal) -> tuple[str, str]:
    """What a status change says, and how (a flash category): a submission and a withdrawal each say what follows
    (after a withdrawal, the generic "Status changed to “Draft”." did not say the proposal was out of the running)."""
    if proposal.status == ProposalStatus.SUBMITTED:
        return _("Proposal submitted as version %(v)d. It can no longer be changed; to change it, withdraw it before "
                 "the deadline.", v=proposal.current_version), "success"
    if proposal.status == ProposalStatus.DRAFT:
        return _("Proposal withdrawn. It is a draft again and no longer in the running: it is considered only if it "
                 "is submitted again before the deadline, %(deadline)s (Beijing time).",
                 deadline=format_local(proposal.call.submission_deadline)), "warning"
    return _("Status changed to “%(status)s”.", status=proposal.status_enum.label), "success"


def screened(proposal: Proposal, outcome):
    """After an officer's screening of one proposal: the list again, saying which one changed; refused (no reason
    for an ineligible one; screened meanwhile in another tab, 409), the list again with the reason typed kept and
    why beside it, on that proposal's card (it was a flash after a redirect, the reason typed lost)."""
    if outcome:
        flash(_("“%(title)s” (%(org)s): status changed to “%(status)s”.", title=proposal.title or
                proposal.call.title, org=proposal.org.name, status=proposal.status_enum.label), "success")
        return redirect(url_for("proposals.screening", call_id=proposal.call_id))
    refused = Refused(f"screen-{proposal.id}", {"reason": refusal_text(outcome.refusal)}, request.form)
    return screening_page(load_call(proposal.call_id), refused), outcome.refusal.status


@bp.route("/proposals/files/<key>")
@login_required
def download(key: str):
    """A proposal's attachment, or the evidence lodged with an objection to a call's results (质疑材料)."""
    row = db.session.execute(select(ProposalAttachment).join(ProposalAttachment.file)
                             .where(ProposalAttachment.file.has(key=key))).scalar_one_or_none()
    if row is not None:
        require(permissions.can_view_proposal(current_user, load_proposal(row.proposal_id)))
        stored = row.file
    elif (objection := awards.objection_with_file(key)) and awards.can_open_objection_file(current_user, objection):
        stored = objection.file
    else:
        abort(404)  # (another organisation's evidence: as if there were none)
    return send_file(io.BytesIO(stored.content), mimetype=stored.content_type, as_attachment=True,
                     download_name=stored.download_name)


@bp.route("/calls/<int:call_id>/screening")
@login_required
def screening(call_id: int):
    call = load_call(call_id)
    require(permissions.can_manage_calls(current_user))
    return screening_page(call)


def screening_page(call: Call, refused: Refused | None = None) -> str:
    rows = list(db.session.scalars(select(Proposal).where(Proposal.call_id == call.id,
                                                          Proposal.status != ProposalStatus.DRAFT)
                                   .options(selectinload(Proposal.org), selectinload(Proposal.budget_lines),
                                            selectinload(Proposal.attachments), selectinload(Proposal.versions))
                                   .order_by(Proposal.submitted_at)))
    on = to_local(call.submission_deadline).date()
    reports = {p.id: eligibility.check(call, p.org, on) for p in rows}
    screened = {status: sum(p.status == status for p in rows) for status in ProposalStatus}
    return render_template("projects/screening.html", call=call, rows=rows, reports=reports,
                           form=ScreeningForm(formdata=None), can_screen=call.status == CallStatus.CLOSED,
                           screened=screened, done=bool(rows) and not screened[ProposalStatus.SUBMITTED],
                           refused=refused or Refused())


@bp.route("/proposals/mine")
@login_required
def mine():
    memberships = org_services.memberships_of(current_user)
    if not org_permissions.has_my_organisations(current_user, memberships):  # for organisations' members: says so
        return render_template("projects/mine.html", proposals=[], open_calls=[], decisions={},
                               for_members_only=True), 403
    orgs = [m.org for m in memberships if m.status == "active"]
    org_ids = [o.id for o in orgs]
    my_proposals = list(db.session.scalars(select(Proposal).where(Proposal.org_id.in_(org_ids))
                                           .options(selectinload(Proposal.call), selectinload(Proposal.org))
                                           .order_by(Proposal.id.desc()))) if org_ids else []
    category_ids = {c.id for o in orgs for c in o.categories}
    open_calls = list(db.session.scalars(select(Call).where(Call.status == CallStatus.PUBLISHED,
                                                            Call.category_id.in_(category_ids))
                                         .order_by(Call.submission_deadline))) if category_ids else []
    published = [p.id for p in my_proposals if p.call.status in (CallStatus.PUBLICITY, CallStatus.AWARDED)]
    decisions = {d.proposal_id: d for d in db.session.scalars(
        select(AwardDecision).where(AwardDecision.proposal_id.in_(published)))} if published else {}
    return render_template("projects/mine.html", proposals=my_proposals, open_calls=open_calls, decisions=decisions)
