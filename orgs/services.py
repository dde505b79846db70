"""The registry's operations. Each validates, changes, writes its audit event and flushes; callers commit."""

from contextlib import contextmanager

from flask_babel import gettext as _
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from accounts.models import Community, User
from accounts.notifications import notify
from audit import services as audit
from core import cache
from core.db import db, lock_row, utcnow
from core.errors import Conflict, Forbidden, ServiceError, invalid
from core.i18n import joined
from core.timeutil import to_local
from core.uploads import StoredFile
from core.views import DB_INT_MAX, path_for

from . import permissions

# The documents' operations live in orgs.documents; callers of the registry's services find them here too.
from .documents import add_document, listed_documents, missing_documents, remove_document  # noqa: F401
from .enums import (
    APPLICANT_MOVES,
    EDITABLE_STATUSES,
    REASON_REQUIRED,
    TRANSITIONS,
    MemberRole,
    MembershipStatus,
    OrgKind,
    OrgStatus,
)
from .models import AnnualReport, ChangeRequest, GradeRecord, Membership, Organisation, OrgDocument, ServiceCategory
from .validation import OrgData, name_initials

AUDITED_FIELDS = ("name", "kind", "uscc", "legal_representative", "registration_authority", "registered_on",
                  "address", "full_time_staff", "certified_social_workers", "volunteers", "contact_name",
                  "contact_email", "description")


def _snapshot(org: Organisation) -> dict:
    snap = {name: getattr(org, name) for name in AUDITED_FIELDS}
    snap["categories"] = sorted(c.code for c in org.categories)
    snap["communities"] = sorted(c.id for c in org.communities)
    return snap


def code_clash() -> Conflict:
    message = _("An organisation with this credit code is already on the platform.")
    return Conflict(message, fields={"uscc": message})


@contextmanager
def code_guard():
    """Writes that give a record a credit code, flushed in a savepoint. code_taken cannot see a record that took the
    code in a transaction not yet committed (a concurrent submission, approval or change); the live-code index can,
    and its refusal here becomes the same Conflict, changing nothing, instead of a failed transaction (a 500)."""
    try:
        with db.session.begin_nested():
            yield
            db.session.flush()
    except IntegrityError as exc:
        text = str(exc.orig)  # (PostgreSQL names the index, SQLite the column)
        if "uq_organisations_uscc_live" not in text and "organisations.uscc" not in text:
            raise
        raise code_clash() from exc


def code_taken(uscc: str, org: Organisation) -> bool:
    """Whether another live record (not a draft, not rejected) holds this credit code."""
    stmt = select(Organisation.id).where(Organisation.uscc == uscc,
                                         Organisation.status.not_in([OrgStatus.DRAFT, OrgStatus.REJECTED]))
    if org.id is not None:
        stmt = stmt.where(Organisation.id != org.id)
    return db.session.scalar(stmt.limit(1)) is not None


def _apply(org: Organisation, data: OrgData) -> None:
    with db.session.no_autoflush:
        _validate_and_set(org, data)


def chosen_services(category_ids: list[int], community_ids: list[int], errors: dict[str, str],
                    held: tuple = ()) -> tuple[list[ServiceCategory], list[Community]]:
    """The service categories (active ones, or one of `held`, those the organisation has already) and communities
    chosen by id; an id that names none of them puts its field's reason in `errors`."""
    # An id beyond the integer column (the API takes any JSON number) matches nothing instead of failing the query.
    wanted = [i for i in category_ids if abs(i) <= DB_INT_MAX]
    community_wanted = [i for i in community_ids if abs(i) <= DB_INT_MAX]
    offered = ServiceCategory.active
    if held:
        offered = offered | ServiceCategory.id.in_([c.id for c in held])
    categories = list(db.session.scalars(select(ServiceCategory).where(ServiceCategory.id.in_(wanted), offered)))
    communities = list(db.session.scalars(select(Community).where(Community.id.in_(community_wanted))))
    if category_ids and len(categories) != len(set(category_ids)):
        errors["category_ids"] = _("Choose service categories from the list.")
    if community_ids and len(communities) != len(set(community_ids)):
        errors["community_ids"] = _("Choose communities from the list.")
    return categories, communities


def _validate_and_set(org: Organisation, data: OrgData) -> None:
    errors = data.errors()
    categories, communities = chosen_services(data.category_ids, data.community_ids, errors)
    if data.uscc and "uscc" not in errors and code_taken(data.uscc, org):
        errors["uscc"] = _("An organisation with this credit code is already on the platform.")
    if errors:
        raise invalid(errors)
    for name in AUDITED_FIELDS:
        setattr(org, name, getattr(data, name))
    org.uscc = data.uscc or None
    org.contact_phone = data.contact_phone
    org.name_initials = name_initials(data.name)
    org.categories = categories
    org.communities = communities


def create_application(data: OrgData, *, actor: User) -> Organisation:
    """A new draft application; the applicant becomes its manager."""
    data = data.normalised()
    org = Organisation(status=OrgStatus.DRAFT.value, created_by_id=actor.id)
    _apply(org, data)
    db.session.add(org)
    org.memberships.append(Membership(user_id=actor.id, role=MemberRole.MANAGER.value,
                                      status=MembershipStatus.ACTIVE.value))
    db.session.flush()
    audit.record("org.created", org, actor=actor, data=_snapshot(org))
    return org


def update_application(org: Organisation, data: OrgData, *, actor: User) -> None:
    if OrgStatus(org.status) not in EDITABLE_STATUSES:
        raise Conflict(_("Only a draft or a returned application can be edited."))
    before = _snapshot(org)
    with code_guard():  # (a returned application holds its code: an edit may give it one)
        _apply(org, data.normalised())
    changes = audit.diff(before, _snapshot(org))
    if changes:
        audit.record("org.updated", org, actor=actor, changes=changes)


def _next_filing_number() -> str:
    # Two approvals at once must not draw the same number: PostgreSQL serialises them here (SQLite already
    # serialises every write transaction).
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext('gongzhi.filing_number'))"))
    year = to_local(utcnow()).year  # the year in Beijing: a filing at 01:00 on 1 January belongs to the new year
    prefix = f"SQBA{year}"
    last = db.session.scalar(select(func.max(Organisation.filing_number))
                             .where(Organisation.filing_number.like(f"{prefix}%")))
    number = int(last[len(prefix):]) + 1 if last else 1
    return f"{prefix}{number:05d}"


def _check_move_allowed(org: Organisation, to: OrgStatus, actor: User) -> None:
    current = OrgStatus(org.status)
    if current is OrgStatus.SUBMITTED and to is OrgStatus.SUBMITTED:  # sent again (another tab, a second tap)
        raise Conflict(_("The application has been sent and is being reviewed; there is no need to send it again."))
    if to not in TRANSITIONS[current]:
        raise Conflict(_("An application that is “%(from)s” cannot become “%(to)s”.",
                         **{"from": current.label, "to": to.label}))
    if (current, to) in APPLICANT_MOVES:
        allowed = permissions.is_manager(actor, org)
    else:
        allowed = permissions.can_review(actor, org)
    if not allowed:
        raise Forbidden(_("You do not have permission to do this."))


def transition_org(org: Organisation, to: OrgStatus | str, *, actor: User, reason: str | None = None) -> None:
    """The one way an organisation's status changes: checks the table, the actor, the preconditions;
    records the event and tells the people concerned."""
    to = OrgStatus(to)
    lock_row(org, "status")
    current = OrgStatus(org.status)
    _check_move_allowed(org, to, actor)
    reason = (reason or "").strip()
    if to in REASON_REQUIRED and not reason:
        raise ServiceError(_("Please give a reason."), fields={"reason": _("Please give a reason.")})
    if to is OrgStatus.SUBMITTED:
        # The facts were validated when saved; what can still be missing is the paperwork.
        if missing := missing_documents(org):
            # The field's reason is the message itself (said once), not the list again after it.
            message = _("Upload the required documents first: %(names)s.",
                        names=joined(kind.label_for(org.kind) for kind in missing))
            raise ServiceError(message, fields={"documents": message}, code="documents_missing")
        if org.uscc and code_taken(org.uscc, org):  # another application with the code went in first
            raise code_clash()
        org.submitted_at = utcnow()
    if to is OrgStatus.APPROVED and current is OrgStatus.SUBMITTED:
        org.approved_at = utcnow()
        if org.kind == OrgKind.COMMUNITY and not org.filing_number:
            org.filing_number = _next_filing_number()
    with code_guard():  # (a submission makes the code live)
        org.status = to.value
        org.status_reason = reason
    cache.bump("directory")  # public pages listing organisations are out of date
    audit.record(f"org.{_event_name(current, to)}", org, actor=actor,
                 data={"from": current.value, "to": to.value, "reason": reason,
                       "filing_number": org.filing_number or ""})
    _tell(org, current, to, reason)


def _event_name(current: OrgStatus, to: OrgStatus) -> str:
    if to is OrgStatus.APPROVED and current is OrgStatus.SUSPENDED:
        return "reinstated"
    if to is OrgStatus.SUBMITTED and current is OrgStatus.RETURNED:
        return "resubmitted"
    return to.value


def _tell(org: Organisation, current: OrgStatus, to: OrgStatus, reason: str) -> None:
    link = path_for("orgs.profile", org_id=org.id)
    if to is OrgStatus.SUBMITTED:
        officers = db.session.scalars(select(User.id).join(User.roles).where(
            User.active, User.roles.any(role="officer")))
        for officer_id in set(officers):
            notify(officer_id, "org.submitted", link=path_for("orgs_officer.review_queue"), org=org.name)
        return
    for membership in org.memberships:
        if membership.role == MemberRole.MANAGER and membership.status == MembershipStatus.ACTIVE:
            notify(membership.user_id, f"org.{_event_name(current, to)}", link=link, org=org.name, reason=reason)


# --- members -----------------------------------------------------------------------------------

def active_managers(org: Organisation) -> list[Membership]:
    return [m for m in org.memberships
            if m.role == MemberRole.MANAGER and m.status == MembershipStatus.ACTIVE]


def invite_member(org: Organisation, username: str, role: str, *, actor: User) -> Membership:
    user = db.session.scalar(select(User).where(User.username == (username or "").strip().lower(), User.active))
    if user is None:
        raise ServiceError(_("No active user with this user name."),
                           fields={"username": _("No active user with this user name.")})
    try:
        member_role = MemberRole(role)
    except ValueError as exc:
        raise invalid({"role": _("Choose a role.")}) from exc
    if any(m.user_id == user.id for m in org.memberships):
        raise Conflict(_("This person is already a member or has been invited."),
                       fields={"username": _("Already a member or invited.")})
    membership = Membership(org=org, user_id=user.id, role=member_role.value, status=MembershipStatus.INVITED.value)
    db.session.add(membership)
    db.session.flush()
    audit.record("org.member_invited", org, actor=actor, data={"user_id": user.id, "role": member_role.value})
    notify(user.id, "org.invited", link=path_for("orgs.mine"), org=org.name, role=member_role.value)
    return membership


def answer_invitation(membership: Membership, accept: bool, *, actor: User) -> None:
    if membership.user_id != actor.id or membership.status != MembershipStatus.INVITED:
        raise Conflict(_("There is no open invitation to answer."))
    org = membership.org
    if accept:
        membership.status = MembershipStatus.ACTIVE.value
    else:
        db.session.delete(membership)
    db.session.flush()
    audit.record("org.invitation_accepted" if accept else "org.invitation_declined", org, actor=actor,
                 data={"user_id": actor.id})


def remove_member(membership: Membership, *, actor: User) -> None:
    """A manager removes someone, or a member leaves; the last manager can do neither."""
    org = membership.org
    if membership.role == MemberRole.MANAGER and membership.status == MembershipStatus.ACTIVE \
            and len(active_managers(org)) <= 1:
        raise Conflict(_("The last manager cannot leave or be removed. Make someone else a manager first."))
    user_id = membership.user_id
    org.memberships.remove(membership)
    db.session.flush()
    audit.record("org.member_left" if user_id == actor.id else "org.member_removed", org, actor=actor,
                 data={"user_id": user_id})


def set_member_role(membership: Membership, role: str, *, actor: User) -> None:
    new_role = MemberRole(role)
    if membership.role == new_role:
        return
    if membership.role == MemberRole.MANAGER and membership.status == MembershipStatus.ACTIVE \
            and len(active_managers(membership.org)) <= 1:
        raise Conflict(_("The last manager cannot leave or be removed. Make someone else a manager first."))
    old = membership.role
    membership.role = new_role.value
    db.session.flush()
    audit.record("org.member_role_changed", membership.org, actor=actor,
                 data={"user_id": membership.user_id, "from": old, "to": new_role.value})


def memberships_of(user: User) -> list[Membership]:
    return list(db.session.scalars(select(Membership).where(Membership.user_id == user.id)
                                   .order_by(Membership.id)))


def document_file(key: str) -> tuple[StoredFile, Organisation] | None:
    """A file of an organisation's record (registration documents, annual reports, grade evidence) with the
    organisation it belongs to; None if no record holds it."""
    for holder, file_id in ((OrgDocument, OrgDocument.file_id), (AnnualReport, AnnualReport.file_id),
                            (GradeRecord, GradeRecord.evidence_id), (ChangeRequest, ChangeRequest.document_id)):
        row = db.session.execute(select(StoredFile, Organisation).join(holder, file_id == StoredFile.id)
                                 .join(Organisation, Organisation.id == holder.org_id)
                                 .where(StoredFile.key == key)).first()
        if row is not None:
            return row[0], row[1]
    return None


def categories(active_only: bool = True) -> list[ServiceCategory]:
    stmt = select(ServiceCategory).order_by(ServiceCategory.sort_order, ServiceCategory.id)
    if active_only:
        stmt = stmt.where(ServiceCategory.active)
    return list(db.session.scalars(stmt))



# Other packages ask `orgs.services.standing(org, on=day)`; it lives beside the records it reads.
from .standing import Standing, standing  # noqa: E402,F401
