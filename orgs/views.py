"""Organisation pages: apply, edit, documents, submit, members, profile, directory."""

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from accounts.residents import communities
from core import cache
from core.db import db
from core.errors import ServiceError
from core.form_checks import say_at_once
from core.forms import Refused
from core.paging import page_arg
from core.permissions import require
from core.uploads import ChosenFiles
from core.views import attempt, form_status, refusal_text, run_and_redirect, run_service, valid_form

from . import changes, directory, permissions, services
from .enums import OrgStatus
from .forms import (
    ChangeRequestForm,
    ContactForm,
    DirectoryForm,
    DocumentForm,
    InviteForm,
    OrgApplicationForm,
    ReasonForm,
    ServicesForm,
)
from .models import ChangeRequest, Membership, Organisation, OrgDocument
from .profile_context import page_context
from .validation import OrgData

bp = Blueprint("orgs", __name__, url_prefix="/orgs")
PER_PAGE = 20


def _locale() -> str:
    return str(get_locale())


def application_form(**kwargs) -> OrgApplicationForm:
    return OrgApplicationForm(categories=services.categories(), communities=communities(), locale=_locale(),
                              **kwargs)


def form_data(form: OrgApplicationForm) -> OrgData:
    return OrgData(
        name=form.name.data or "", kind=form.kind.data or "", uscc=form.uscc.data or "",
        legal_representative=form.legal_representative.data or "",
        registration_authority=form.registration_authority.data or "", registered_on=form.registered_on.data,
        address=form.address.data or "", full_time_staff=form.full_time_staff.data,
        certified_social_workers=form.certified_social_workers.data, volunteers=form.volunteers.data,
        contact_name=form.contact_name.data or "", contact_phone=form.contact_phone.data or "",
        contact_email=form.contact_email.data or "", description=form.description.data or "",
        category_ids=list(form.categories.data or []), community_ids=list(form.communities.data or []))


FORM_FIELDS = {"category_ids": "categories", "community_ids": "communities"}  # the service's names: the form's


def load_org(org_id: int) -> Organisation:
    org = db.get_or_404(Organisation, org_id)
    if not permissions.can_view_org(current_user, org):
        abort(404)  # drafts and rejected applications do not exist for outsiders
    return org


@bp.route("/")
@cache.public_page("directory")
def directory_page():
    form = DirectoryForm(request.args, categories=services.categories(), communities=communities(),
                         locale=_locale())
    flt = directory.DirectoryFilter()
    if form.validate():
        flt = directory.DirectoryFilter(q=form.q.data or "", kind=form.kind.data or "",
                                        category_id=form.category.data, grade=form.grade.data,
                                        community_id=form.community.data)
    page = page_arg()
    items, total, grades = directory.search(flt, page, PER_PAGE)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("orgs/directory.html", form=form, items=items, total=total, grades=grades, page=page,
                           pages=max(1, -(-total // PER_PAGE)), args=args,
                           can_export=permissions.can_export(current_user))


@bp.route("/apply", methods=["GET", "POST"])
@login_required
def apply():
    form = application_form()
    if form.validate_on_submit() and (made := run_service(
            lambda: services.create_application(form_data(form), actor=current_user), form, FORM_FIELDS)):
        flash(_("Application saved as a draft. Upload the documents, then submit it."), "success")
        return redirect(url_for("orgs.profile", org_id=made.value.id))
    if form.is_submitted() and form.errors:
        say_at_once(form, form_data(form).normalised().errors(), FORM_FIELDS)
    return render_template("orgs/apply.html", form=form, org=None), 422 if form.is_submitted() else 200


@bp.route("/<int:org_id>/edit", methods=["GET", "POST"])
@login_required
def edit(org_id: int):
    org = load_org(org_id)
    require(permissions.can_edit_application(current_user, org))
    form = application_form(obj=org)
    if request.method != "POST":
        form.categories.data = [c.id for c in org.categories]
        form.communities.data = [c.id for c in org.communities]
    if form.validate_on_submit() and run_service(
            lambda: services.update_application(org, form_data(form), actor=current_user), form, FORM_FIELDS):
        flash(_("Changes saved."), "success")
        return redirect(url_for("orgs.profile", org_id=org.id))
    if form.is_submitted() and form.errors:
        say_at_once(form, form_data(form).normalised().errors(), FORM_FIELDS)
    return render_template("orgs/apply.html", form=form, org=org), 422 if form.is_submitted() else 200


@bp.route("/<int:org_id>")
def profile(org_id: int):
    return profile_page(load_org(org_id))


def profile_page(org: Organisation, refused: Refused | None = None, document_form: DocumentForm | None = None,
                 reason_form: ReasonForm | None = None):
    """The organisation's page; after a refusal, again (422, nothing changed) with the refused form as typed (the
    application's document form, the officer's decision: as sent, with its errors)."""
    return render_template("orgs/profile.html", **page_context(org, refused, document_form, reason_form)), \
        422 if refused or document_form or reason_form else 200


@bp.route("/<int:org_id>/documents", methods=["POST"])
@login_required
def upload_document(org_id: int):
    org = load_org(org_id)
    require(permissions.can_upload_document(current_user, org))  # (and once registered: a newer version)
    form = DocumentForm(org_kind=org.kind)
    # Refused (no file, a kind of file not taken), the page again with the reason beside its field and the kind of
    # document chosen kept: it was one flash after a redirect for every reason, the choice lost.
    if not form.validate_on_submit():
        flash(_("Please correct the marked fields."), "danger")
    elif run_service(lambda: services.add_document(org, form.kind.data, form.file.data, actor=current_user), form):
        flash(_("Document uploaded."), "success")
        return redirect(url_for("orgs.profile", org_id=org.id))
    return profile_page(org, document_form=form)


@bp.route("/documents/<int:document_id>/remove", methods=["POST"])
@login_required
def remove_document(document_id: int):
    document = db.get_or_404(OrgDocument, document_id)
    org = load_org(document.org_id)
    require(permissions.can_remove_document(current_user, document))
    valid_form(ReasonForm())
    outcome = attempt(lambda: services.remove_document(document, actor=current_user))
    if outcome:
        flash(_("Document removed."), "success")
        return redirect(url_for("orgs.profile", org_id=org.id, _anchor="documents"))
    # refused (the application went in meanwhile, from another tab): its page as it is now, saying why (409)
    flash(refusal_text(outcome.refusal), "danger")
    return profile_page(load_org(org.id))[0], outcome.refusal.status


@bp.route("/<int:org_id>/status", methods=["POST"])
@login_required
def change_status(org_id: int):
    """Submit (applicants) or decide (officers): one endpoint in front of the one transition function."""
    org = load_org(org_id)
    # Only its managers (submitting) and officers (deciding) move an application: anyone else is refused before
    # what they sent is read (a 403, not a 400 for a form they may not send at all, nor a flashed refusal).
    require(permissions.is_manager(current_user, org) or permissions.can_review(current_user, org))
    target = request.form.get("to", "")
    if target not in {s.value for s in OrgStatus}:
        abort(400)
    # An officer's decision refused (returned or rejected without a reason, a reason too long, a credit code taken
    # meanwhile) comes back on the page, 422 (409 when the record changed), the reason typed kept and why beside
    # it: it was a flash after a redirect, the field unmarked and what was typed lost.
    deciding = target != OrgStatus.SUBMITTED and permissions.can_review(current_user, org)
    form = ReasonForm()
    if deciding and not form.validate_on_submit():
        return profile_page(org, reason_form=form)
    form = valid_form(form)
    submitting = target == OrgStatus.SUBMITTED and permissions.can_edit_application(current_user, org)
    outcome = run_service(lambda: services.transition_org(org, target, actor=current_user, reason=form.reason.data),
                          form if deciding else None)
    if outcome and submitting:
        flash(_("Your application for %(org)s was submitted for review. A registration officer will check it and "
                "either approve it or return it to you with what to change; you will be told either way.",
                org=org.name), "success")
    elif outcome:
        flash(_("Status changed to “%(status)s”.", status=org.status_label), "success")
    elif deciding:
        return profile_page(org, reason_form=form)[0], outcome.refusal.status
    elif submitting:  # (refused, documents still missing: the page again, 422, what is missing said on it)
        return profile_page(org, Refused("application"))
    return redirect(url_for("orgs.profile", org_id=org.id))


@bp.route("/files/<key>")
@login_required
def download(key: str):
    found = services.document_file(key)
    if found is None:
        abort(404)
    stored, org = found
    require(permissions.can_view_private(current_user, org))
    return send_file(io.BytesIO(stored.content), mimetype=stored.content_type,
                     as_attachment=True, download_name=stored.download_name)


@bp.route("/mine")
@login_required
def mine():
    memberships = services.memberships_of(current_user)
    if not permissions.has_my_organisations(current_user, memberships):  # a page for organisations: it says so
        return render_template("orgs/mine.html", memberships=[], for_members_only=True), 403
    return render_template("orgs/mine.html", memberships=memberships, form=ReasonForm(formdata=None))


@bp.route("/<int:org_id>/members", methods=["GET", "POST"])
@login_required
def members(org_id: int):
    org = load_org(org_id)
    require(permissions.can_view_private(current_user, org))
    form = InviteForm()
    if request.method == "POST":
        require(permissions.can_manage_members(current_user, org))
        if form.validate_on_submit() and run_service(
                lambda: services.invite_member(org, form.username.data, form.role.data, actor=current_user), form):
            flash(_("Invitation sent."), "success")
            return redirect(url_for("orgs.members", org_id=org.id))
    return render_template("orgs/members.html", org=org, form=form, confirm=ReasonForm(formdata=None),
                           can_manage=permissions.can_manage_members(current_user, org)), \
        422 if request.method == "POST" else 200  # (refused: the form again, the reason beside its field)


@bp.route("/memberships/<int:membership_id>/<any(accept, decline, remove, promote, demote):action>",
          methods=["POST"])
@login_required
def membership_action(membership_id: int, action: str):
    membership = db.get_or_404(Membership, membership_id)
    org = membership.org
    own = membership.user_id == current_user.id
    if action in ("accept", "decline"):
        require(own)
    else:
        require(permissions.can_manage_members(current_user, org) or (own and action == "remove"))
    valid_form(ReasonForm())

    def act():
        if action in ("accept", "decline"):
            services.answer_invitation(membership, action == "accept", actor=current_user)
        elif action == "remove":
            services.remove_member(membership, actor=current_user)
        else:
            services.set_member_role(membership, "manager" if action == "promote" else "member", actor=current_user)

    mine = action in ("accept", "decline") or (own and action == "remove")
    done = {"accept": _("You are now a member of %(org)s.", org=org.name),
            "decline": _("You declined the invitation to join %(org)s.", org=org.name)}.get(action, _("Done."))
    return run_and_redirect(act, done, url_for("orgs.mine") if mine else url_for("orgs.members", org_id=org.id))


# --- a registered organisation's own updates ------------------------------------------------------------------

@bp.route("/<int:org_id>/details", methods=["GET", "POST"])
@login_required
def edit_details(org_id: int):
    """Contact details, staff numbers and description: the manager of a registered organisation keeps them
    current; the registered items change by a change request."""
    org = load_org(org_id)
    require(permissions.can_update_contact(current_user, org))
    form = ContactForm(obj=org)
    if form.validate_on_submit() and run_service(
            lambda: changes.update_contact(org, contact_data(form), actor=current_user), form):
        flash(_("Changes saved."), "success")
        return redirect(url_for("orgs.profile", org_id=org.id))
    if form.is_submitted() and form.errors:
        say_at_once(form, contact_data(form).normalised().errors())
    return render_template("orgs/details.html", form=form, org=org), 422 if form.is_submitted() else 200


@bp.route("/<int:org_id>/services", methods=["GET", "POST"])
@login_required
def edit_services(org_id: int):
    """Service categories and communities served: the manager of a registered organisation changes them directly
    (audited); "Open calls in our service categories" and the directory follow at once."""
    org = load_org(org_id)
    require(permissions.can_update_contact(current_user, org))
    # (a category since disabled that it already has stays on offer, ticked, rather than dropped unseen)
    offered = services.categories() + [c for c in org.categories if not c.active]
    form = ServicesForm(categories=offered, communities=communities(), locale=_locale())
    if request.method != "POST":
        form.categories.data = [c.id for c in org.categories]
        form.communities.data = [c.id for c in org.communities]
    if form.validate_on_submit() and run_service(lambda: changes.update_services(
            org, list(form.categories.data or []), list(form.communities.data or []), actor=current_user),
            form, FORM_FIELDS):
        flash(_("Service categories and communities saved."), "success")
        return redirect(url_for("orgs.profile", org_id=org.id))
    return render_template("orgs/services.html", form=form, org=org), form_status()


def contact_data(form: ContactForm) -> changes.ContactData:
    """The contact form as typed (a field the form could not read: its default, for the service to judge)."""
    typed = {name: form[name].data for name in changes.CONTACT_FIELDS}
    return changes.ContactData(**{name: getattr(changes.ContactData, name) if value is None else value
                                  for name, value in typed.items()})


@bp.route("/<int:org_id>/changes/new", methods=["GET", "POST"])
@login_required
def request_change(org_id: int):
    org = load_org(org_id)
    require(permissions.can_request_change(current_user, org))
    form, document = ChangeRequestForm(obj=org, org_kind=org.kind), ChosenFiles("document")
    if request.method != "POST":
        return render_template("orgs/change_request.html", form=form, org=org, kept=[])
    outcome = run_service(lambda: changes.request_change(org, changes.RegisteredItems(
        name=form.name.data or "", uscc=form.uscc.data or "", legal_representative=form.legal_representative.data
        or "", address=form.address.data or ""), form.reason.data, document.upload(), actor=current_user),
        form) if form.validate_on_submit() else None
    if outcome:
        flash(_("Change request sent. An officer will review it."), "success")
        return redirect(url_for("orgs.profile", org_id=org.id))
    refusal = outcome.refusal if outcome is not None else ServiceError(_("Please correct the marked fields."))
    kept = document.keep(refusal)  # (a browser never fills a file input again: the file chosen is kept)
    if refusal.fields.get("document"):
        form.document.errors = [str(refusal.fields["document"])]
    return render_template("orgs/change_request.html", form=form, org=org, kept=kept), 422


@bp.route("/changes/<int:change_id>/<any(approve, reject, withdraw):action>", methods=["POST"])
@login_required
def decide_change(change_id: int, action: str):
    change = db.get_or_404(ChangeRequest, change_id)
    org = load_org(change.org_id)
    require(permissions.can_review(current_user, org) if action != "withdraw"
            else permissions.is_manager(current_user, org))
    form, key = ReasonForm(), f"change-{change.id}"
    if not form.validate_on_submit():  # a reason too long: the page again with it as typed, why beside it
        flash(_("Please correct the marked fields."), "danger")
        reasons = {name: " ".join(map(str, errors)) for name, errors in form.errors.items()}
        return profile_page(org, Refused(key, reasons, request.form))
    to = {"approve": "approved", "reject": "rejected", "withdraw": "withdrawn"}[action]
    done = {"approve": _("The change is approved: the registered items are changed."),
            "reject": _("The change request is rejected."), "withdraw": _("The change request is withdrawn.")}[action]
    outcome = attempt(lambda: changes.transition_change(change, to, actor=current_user, reason=form.reason.data))
    if outcome:
        flash(done, "success")
        return redirect(url_for("orgs.profile", org_id=org.id) + "#change-requests")
    # refused: the organisation's page as it is now, saying why (409 when another decision came first, a second
    # tab, say; 422 for a rejection without its reason), not a redirect that read as if it had gone through; the
    # reason typed kept in its box, why beside it
    flash(refusal_text(outcome.refusal), "danger")
    return profile_page(load_org(change.org_id), Refused(key, outcome.refusal.fields, request.form))[0], \
        outcome.refusal.status
