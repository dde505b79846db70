"""A registered organisation's own updates: its contact details directly, its registered items by a change
registration (变更登记) an officer decides. Each validates, changes, audits and flushes; callers commit."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from stdnum.cn import uscc as uscc_std

from accounts.models import User
from accounts.notifications import notify
from audit import services as audit
from core import cache
from core.db import db, lock_row, utcnow
from core.errors import Conflict, Forbidden, ServiceError, invalid
from core.phones import is_contact_phone
from core.uploads import store_upload
from core.views import path_for

from . import permissions
from .enums import (
    CHANGE_TRANSITIONS,
    CONTACT_FIELDS,
    PERSONAL_FIELDS,
    REGISTERED_ITEMS,
    ChangeStatus,
    MemberRole,
    MembershipStatus,
    OrgKind,
    OrgStatus,
)
from .models import ChangeRequest, Organisation
from .services import chosen_services, code_clash, code_guard, code_taken
from .validation import EMAIL_RE, MAX_LENGTHS, name_initials, typed_contact_phone, uscc_error

MASK = "***"
MAX_REASON = 2000  # the request's reason and the decision's: the forms' limit, and the API's


@dataclass
class ContactData:
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    full_time_staff: int | None = 0
    certified_social_workers: int | None = 0
    volunteers: int | None = 0
    description: str = ""

    def normalised(self) -> "ContactData":
        data = ContactData(**{k: (v.strip() if isinstance(v, str) else v) for k, v in self.__dict__.items()})
        data.contact_phone = typed_contact_phone(data.contact_phone)
        return data

    def errors(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        if not self.contact_name:
            errors["contact_name"] = _("Required.")
        for name in ("contact_name", "contact_email", "description"):
            if name not in errors and len(getattr(self, name)) > MAX_LENGTHS[name]:
                errors[name] = _("At most %(n)d characters.", n=MAX_LENGTHS[name])
        if not is_contact_phone(self.contact_phone):
            errors["contact_phone"] = _("Enter a mobile number (11 digits) or a landline with area code.")
        if self.contact_email and "contact_email" not in errors and not EMAIL_RE.match(self.contact_email):
            errors["contact_email"] = _("Enter a valid e-mail address.")
        for name in ("full_time_staff", "certified_social_workers", "volunteers"):
            value = getattr(self, name)
            if value is None or value < 0 or value > 1_000_000:
                errors[name] = _("Enter a whole number, 0 or more.")
        return errors


def _refuse(errors: dict) -> None:
    if errors:
        raise invalid(errors)


def update_contact(org: Organisation, data: ContactData, *, actor: User) -> dict:
    """A registered (or suspended) organisation's manager updates its contact details, staff numbers and
    description; the changed fields are audited before and after, the contact person's own data masked."""
    if not permissions.can_update_contact(actor, org):
        raise Forbidden(_("You do not have permission to do this."))
    data = data.normalised()
    _refuse(data.errors())
    changes = {}
    for name in CONTACT_FIELDS:
        old, new = getattr(org, name), getattr(data, name)
        if old != new:
            changes[name] = [MASK, MASK] if name in PERSONAL_FIELDS else [old, new]
            setattr(org, name, new)
    db.session.flush()
    if changes:
        audit.record("org.contact_updated", org, actor=actor, changes=changes)
    return changes


def update_services(org: Organisation, category_ids: list[int], community_ids: list[int], *, actor: User) -> dict:
    """A registered (or suspended) organisation's manager changes its service categories and the communities it
    serves: what it does, not what it is registered as, so no officer decides; the audit trail keeps them before and
    after (categories by code, communities by id, as the application's events do). Calls and voucher programmes
    matched on the categories see the new ones at once."""
    if not permissions.can_update_contact(actor, org):
        raise Forbidden(_("You do not have permission to do this."))
    errors: dict[str, str] = {}
    if not category_ids:
        errors["category_ids"] = _("Choose at least one service category.")
    if not community_ids:
        errors["community_ids"] = _("Choose at least one community served.")
    # (a category since disabled that it already has may stay ticked; a new one must be in the current list)
    categories, communities = chosen_services(category_ids, community_ids, errors, held=tuple(org.categories))
    _refuse(errors)
    changes = audit.diff(_services_of(org.categories, org.communities), _services_of(categories, communities))
    if changes:
        org.categories, org.communities = categories, communities
        db.session.flush()
        cache.bump("directory")  # the directory is searched by category and community
        audit.record("org.services_updated", org, actor=actor, changes=changes)
    return changes


def _services_of(categories, communities) -> dict:
    return {"categories": sorted(c.code for c in categories), "communities": sorted(c.id for c in communities)}


@dataclass
class RegisteredItems:
    name: str = ""
    uscc: str = ""
    legal_representative: str = ""
    address: str = ""


def _item_errors(org: Organisation, items: RegisteredItems) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not 2 <= len(items.name) <= 120:
        errors["name"] = _("Enter the organisation's full name (2–120 characters).")
    kind = OrgKind(org.kind)
    if items.uscc:
        if message := uscc_error(items.uscc, kind):
            errors["uscc"] = message
        elif code_taken(items.uscc, org):
            errors["uscc"] = _("An organisation with this credit code is already on the platform.")
    elif kind.needs_uscc:
        errors["uscc"] = _("Required for this kind of organisation.")
    for name in ("legal_representative", "address"):
        value = getattr(items, name)
        if not value:
            errors[name] = _("Required.")
        elif len(value) > MAX_LENGTHS[name]:
            errors[name] = _("At most %(n)d characters.", n=MAX_LENGTHS[name])
    return errors


def _current_items(org: Organisation) -> dict:
    return {name: getattr(org, name) or "" for name in REGISTERED_ITEMS}


def open_request(org: Organisation) -> ChangeRequest | None:
    return db.session.scalar(select(ChangeRequest).where(ChangeRequest.org_id == org.id,
                                                         ChangeRequest.status == ChangeStatus.PENDING.value))


def request_change(org: Organisation, items: RegisteredItems, reason: str, document=None, *,
                   actor: User) -> ChangeRequest:
    """The manager asks for a change of the registered items, with a reason and optionally a supporting document
    (the decision, the new certificate); the officers are told."""
    if not permissions.can_request_change(actor, org):
        raise Forbidden(_("You do not have permission to do this."))
    lock_row(org, "status")  # two requests at once: the second waits and then finds the first open
    if open_request(org) is not None:
        raise Conflict(_("A change request is already awaiting review. Wait for its decision or withdraw it."))
    items = RegisteredItems(name=items.name.strip(), uscc=uscc_std.compact(items.uscc or ""),
                            legal_representative=items.legal_representative.strip(), address=items.address.strip())
    reason = (reason or "").strip()
    errors = _item_errors(org, items)
    if not reason:
        errors["reason"] = _("Please give a reason.")
    elif len(reason) > MAX_REASON:
        errors["reason"] = _("At most %(n)d characters.", n=MAX_REASON)
    changes = audit.diff(_current_items(org), items.__dict__)
    if not changes and not errors:
        errors["name"] = _("Change at least one registered item.")
    _refuse(errors)
    stored = store_upload(document, actor=actor, field="document") if document is not None else None
    change = ChangeRequest(org=org, status=ChangeStatus.PENDING.value, name=items.name, uscc=items.uscc or None,
                           legal_representative=items.legal_representative, address=items.address,
                           changes=changes, reason=reason, document=stored, requested_by_id=actor.id)
    db.session.add(change)
    db.session.flush()
    audit.record("org.change_requested", org, actor=actor,
                 data={"request_id": change.id, "changes": changes, "reason": reason,
                       "document_sha256": stored.sha256 if stored else ""})
    link = path_for("orgs.profile", org_id=org.id)
    officers = db.session.scalars(select(User.id).where(User.active, User.roles.any(role="officer")))
    for officer_id in set(officers):
        notify(officer_id, "org.change_requested", link=link, org=org.name)
    return change


def transition_change(change: ChangeRequest, to: ChangeStatus | str, *, actor: User,
                      reason: str | None = None) -> None:
    """The one way a change request's status moves: an officer approves (the items become the organisation's) or
    rejects it with a reason; the manager may withdraw it while it waits."""
    to = ChangeStatus(to)
    lock_row(change, "status")
    current = ChangeStatus(change.status)
    org = change.org
    allowed = (permissions.is_manager(actor, org) if to is ChangeStatus.WITHDRAWN
               else permissions.can_review(actor, org))
    if not allowed:
        raise Forbidden(_("You do not have permission to do this."))
    if to not in CHANGE_TRANSITIONS[current]:
        raise Conflict(_("A change request that is “%(from)s” cannot become “%(to)s”.",
                         **{"from": current.label, "to": to.label}))
    reason = (reason or "").strip()
    if to is ChangeStatus.REJECTED and not reason:
        raise ServiceError(_("Please give a reason."), fields={"reason": _("Please give a reason.")})
    if len(reason) > MAX_REASON:  # (the form refused it; the API reaches here without a form)
        _refuse({"reason": _("At most %(n)d characters.", n=MAX_REASON)})
    applied = {}
    if to is ChangeStatus.APPROVED:
        applied = _apply_items(change, org)
    change.status = to.value
    change.decided_by_id = actor.id
    change.decided_at = utcnow()
    change.decision_reason = reason
    db.session.flush()
    if applied:
        cache.bump("directory")  # the public directory shows the registered items
    audit.record(f"org.change_{to.value}", org, actor=actor,
                 data={"request_id": change.id, "from": current.value, "to": to.value, "reason": reason},
                 changes=applied or None)
    if to is not ChangeStatus.WITHDRAWN:
        link = path_for("orgs.profile", org_id=org.id)
        for m in org.memberships:
            if m.role == MemberRole.MANAGER and m.status == MembershipStatus.ACTIVE:
                notify(m.user_id, f"org.change_{to.value}", link=link, org=org.name, reason=reason)


def _apply_items(change: ChangeRequest, org: Organisation) -> dict:
    """The approved items become the organisation's; returns the audited before/after. Its status and the code are
    checked after the lock (a decision that waited on it sees what the other committed). A record that takes the code
    after the check (a concurrent approval or registration, uncommitted when this one looked) is caught by the
    live-code index at the flush, in a savepoint: a Conflict that changes nothing, not a failed transaction."""
    lock_row(org)
    if org.status not in (OrgStatus.APPROVED, OrgStatus.SUSPENDED):
        raise Conflict(_("A deregistered organisation's registered items no longer change."))
    if change.uscc and code_taken(change.uscc, org):  # another record took the code since the request
        raise code_clash()
    applied = audit.diff(_current_items(org), {name: getattr(change, name) or "" for name in REGISTERED_ITEMS})
    with code_guard():
        for name in REGISTERED_ITEMS:
            setattr(org, name, getattr(change, name))
        org.name_initials = name_initials(org.name)
    return applied


def history(org: Organisation) -> list[ChangeRequest]:
    return list(db.session.scalars(select(ChangeRequest).where(ChangeRequest.org_id == org.id)
                                   .options(selectinload(ChangeRequest.document))  # (shown with each: one query)
                                   .order_by(ChangeRequest.requested_at.desc(), ChangeRequest.id.desc())))
