"""Officers' registry work: the review queue, standing records, credit lists, incubation, the Excel export."""

import io

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from accounts.residents import communities
from core.db import db
from core.errors import invalid
from core.forms import Refused
from core.paging import PER_PAGE, page_arg, paged
from core.permissions import require
from core.uploads import ChosenFiles
from core.views import attempt, db_int, form_status, refusal_text, run_and_redirect, run_service, valid_form

from . import directory, exports, permissions, reference, services, standing
from .enums import ChangeStatus, OrgStatus
from .forms import (
    AnnualReportForm,
    CategoryForm,
    CommunityForm,
    CreditForm,
    EndCreditForm,
    GradeForm,
    IncubationForm,
    IncubationStageForm,
    ReasonForm,
    ReviewReportForm,
)
from .models import AnnualReport, ChangeRequest, CreditListEntry, Incubation, Organisation, ServiceCategory
from .views import load_org, profile_page

bp = Blueprint("orgs_officer", __name__, url_prefix="/orgs")


def _finish(org_id: int, done_message: str, call):
    return run_and_redirect(call, done_message, url_for("orgs.profile", org_id=org_id))


def _on_profile(org: Organisation, key: str, form, files: list, done: str, call):
    """A form of the organisation's page with a file (ChosenFiles `files`): on success commit, say `done` and go back
    to the page. Refused (by the form or the service), the page again (422) with what was typed, each reason beside
    its field (a reason for another field, or none, at the top) and the files chosen kept for the next attempt (it
    was a flash after a redirect: everything to type, and the file to find and choose, again)."""
    if form.validate_on_submit():
        outcome = attempt(call)
        if outcome:
            flash(done, "success")
            return redirect(url_for("orgs.profile", org_id=org.id))
        refusal = outcome.refusal
    else:
        refusal = invalid({name: " ".join(map(str, errors)) for name, errors in form.errors.items()})
    kept = {chosen.name: chosen.keep(refusal) for chosen in files}
    beside = bool(refusal.fields) and set(refusal.fields) <= set(form.data)
    flash(str(refusal.message) if beside else refusal_text(refusal), "danger")
    page, _status = profile_page(org, Refused(key, refusal.fields if beside else {}, request.form, kept))
    return page, refusal.status  # 422, or 409 when the record changed meanwhile (already reviewed, finished)


REVIEW_PER_PAGE = PER_PAGE
# Each list's page number under its own name ("page" itself cannot travel through the pager macro's arguments).
QUEUE_PAGES = ("applications_page", "reports_page", "changes_page")


@bp.route("/review")
@login_required
def review_queue():
    """Applications, annual reports and changes waiting, oldest first, each list paged apart (all of them on one
    page grew without end); each pager's links keep the other lists' page numbers."""
    require(permissions.can_review(current_user))
    numbers = {name: page_arg(name) for name in QUEUE_PAGES}
    waiting = paged(select(Organisation).where(Organisation.status == OrgStatus.SUBMITTED)
                    .order_by(Organisation.submitted_at, Organisation.id),
                    numbers["applications_page"], REVIEW_PER_PAGE)
    reports = paged(select(AnnualReport).where(AnnualReport.status == "submitted")
                    .order_by(AnnualReport.submitted_at, AnnualReport.id), numbers["reports_page"], REVIEW_PER_PAGE)
    report_orgs = {o.id: o for o in db.session.scalars(
        select(Organisation).where(Organisation.id.in_([r.org_id for r in reports.items])))}
    change_requests = paged(select(ChangeRequest).where(ChangeRequest.status == ChangeStatus.PENDING.value)
                            .options(selectinload(ChangeRequest.org))
                            .order_by(ChangeRequest.requested_at, ChangeRequest.id),
                            numbers["changes_page"], REVIEW_PER_PAGE)
    kept = {name: number for name, number in numbers.items() if number > 1}
    return render_template("orgs/review_queue.html", waiting=waiting, reports=reports, report_orgs=report_orgs,
                           change_requests=change_requests, kept=kept, form=ReviewReportForm(formdata=None))


@bp.route("/<int:org_id>/grades", methods=["POST"])
@login_required
def add_grade(org_id: int):
    org = load_org(org_id)
    require(permissions.can_record_standing(current_user, org))
    form, evidence = GradeForm(), ChosenFiles("evidence")
    return _on_profile(org, "grade", form, [evidence], _("Grade recorded."), lambda: standing.record_grade(
        org, form.grade.data, form.awarded_on.data, valid_until=form.valid_until.data, evidence=evidence.upload(),
        actor=current_user))


@bp.route("/<int:org_id>/annual-reports", methods=["POST"])
@login_required
def submit_report(org_id: int):
    org = load_org(org_id)
    require(permissions.can_submit_annual_report(current_user, org))
    form, report_file = AnnualReportForm(), ChosenFiles("file")
    return _on_profile(org, "annual-report", form, [report_file], _("Annual report submitted."),
                       lambda: standing.submit_annual_report(org, form.year.data, report_file.upload(),
                                                             actor=current_user))


@bp.route("/annual-reports/<int:report_id>/<any(accept, return):decision>", methods=["POST"])
@login_required
def review_report(report_id: int, decision: str):
    report = db.get_or_404(AnnualReport, report_id)
    require(permissions.can_review(current_user))
    form = ReviewReportForm()
    return _on_profile(load_org(report.org_id), f"report-{report.id}", form, [], _("Annual report reviewed."),
                       lambda: standing.review_annual_report(report, decision == "accept", form.note.data,
                                                             actor=current_user))


@bp.route("/<int:org_id>/credit", methods=["POST"])
@login_required
def add_credit(org_id: int):
    org = load_org(org_id)
    require(permissions.can_record_standing(current_user, org))
    form = CreditForm()
    return _on_profile(org, "credit", form, [], _("Credit-list entry recorded."), lambda: standing.add_credit_entry(
        org, form.list_type.data, form.reason.data, form.source.data, form.start_on.data, form.end_on.data,
        actor=current_user))


@bp.route("/credit/<int:entry_id>/end", methods=["POST"])
@login_required
def end_credit(entry_id: int):
    entry = db.get_or_404(CreditListEntry, entry_id)
    require(permissions.can_record_standing(current_user, load_org(entry.org_id)))
    form = valid_form(EndCreditForm())
    return _finish(entry.org_id, _("Credit-list entry ended."), lambda: standing.end_credit_entry(
        entry, form.end_on.data, actor=current_user))


@bp.route("/<int:org_id>/incubations", methods=["POST"])
@login_required
def add_incubation(org_id: int):
    hub = load_org(org_id)
    require(permissions.can_record_standing(current_user, hub))
    form = IncubationForm()

    def link():
        typed = form.child_id.data
        child = standing.find_group(typed)
        if child is None:
            raise invalid({"child_id": _("No organisation with this number.")
                                                   if typed.isascii() and typed.isdigit() else
                                                   _("No registered organisation has this name, credit code or "
                                                     "filing number.")})
        standing.link_incubation(hub, child, form.started_on.data, actor=current_user)

    return _on_profile(hub, "incubation", form, [], _("Incubation recorded."), link)


@bp.route("/<int:org_id>/hub", methods=["POST"])
@login_required
def designate_hub(org_id: int):
    org = load_org(org_id)
    require(permissions.can_record_standing(current_user, org))
    valid_form(ReasonForm())
    is_hub = request.form.get("is_hub") == "1"
    return _finish(org.id, _("Hub designation updated."), lambda: standing.designate_hub(
        org, is_hub, actor=current_user))


@bp.route("/incubations/<int:link_id>/stage", methods=["POST"])
@login_required
def incubation_stage(link_id: int):
    link = db.get_or_404(Incubation, link_id)
    require(permissions.can_record_standing(current_user))
    form = IncubationStageForm()
    return _on_profile(load_org(link.hub_id), f"stage-{link.id}", form, [], _("Incubation updated."),
                       lambda: standing.set_incubation_stage(link, form.stage.data, form.ended_on.data,
                                                             actor=current_user))


@bp.route("/export.xlsx")
@login_required
def export():
    require(permissions.can_export(current_user))
    flt = directory.DirectoryFilter(
        q=request.args.get("q", ""), kind=request.args.get("kind", ""),
        category_id=request.args.get("category", type=db_int), grade=request.args.get("grade", type=db_int),
        community_id=request.args.get("community", type=db_int))
    data = exports.directory_workbook(flt)
    return send_file(io.BytesIO(data), as_attachment=True, download_name="organisations.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/reference", methods=["GET", "POST"])
@login_required
def reference_lists():
    require(permissions.can_record_standing(current_user))
    category_form, community_form = CategoryForm(prefix="cat"), CommunityForm(prefix="com")
    submitted = request.form.get("list")
    form = category_form if submitted == "category" else community_form
    if request.method == "POST" and form.validate_on_submit() and run_service(
            lambda: reference.add_category(form.code.data, form.name_zh.data, form.name_en.data, actor=current_user)
            if submitted == "category" else
            reference.add_community(form.name.data, form.street.data, form.district.data, actor=current_user), form):
        flash(_("Added."), "success")
        return redirect(url_for("orgs_officer.reference_lists"))
    return render_template("orgs/reference.html", category_form=category_form, community_form=community_form,
                           categories=services.categories(active_only=False),
                           communities=communities(), toggle=ReviewReportForm(formdata=None)), form_status()


@bp.route("/reference/categories/<int:category_id>/<any(enable, disable):action>", methods=["POST"])
@login_required
def toggle_category(category_id: int, action: str):
    require(permissions.can_record_standing(current_user))
    category = db.get_or_404(ServiceCategory, category_id)
    valid_form(ReviewReportForm())
    run_service(lambda: reference.set_category_active(category, action == "enable", actor=current_user))
    return redirect(url_for("orgs_officer.reference_lists"))
