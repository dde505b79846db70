"""An organisation's supporting documents: which ones its application needs (by its kind and how long it has been
registered), uploading them (and, once registered, newer versions), removing one from an application, and the list
of current and superseded versions. Each operation validates, changes, audits and flushes; callers commit."""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from accounts.models import User
from audit import services as audit
from core.db import db, lock_row
from core.errors import Conflict, Forbidden, invalid
from core.timeutil import local_today, to_local
from core.uploads import store_upload

from . import permissions
from .enums import EDITABLE_STATUSES, VERSIONED_DOCUMENTS, DocumentKind, OrgKind, OrgStatus
from .models import Organisation, OrgDocument
from .standing import _add_years


def annual_report_due_from(registered_on: date) -> date:
    """The rule: an annual report is required once the organisation has been registered (or founded) for a full
    year. Registered on 2025-03-15, its application needs one from 2026-03-15; before that it has had no year to
    report on (annual inspection covers the organisations registered before the year under inspection)."""
    return _add_years(registered_on, 1)


def annual_report_required(org: Organisation, on: date) -> bool:
    return org.registered_on is None or on >= annual_report_due_from(org.registered_on)


def judged_on(org: Organisation) -> date:
    """The day an application's documents are judged: the day it was submitted (in Beijing) while it awaits review,
    so that the officer sees what was asked of it; otherwise today, as the submission will be."""
    if org.status == OrgStatus.SUBMITTED and org.submitted_at is not None:
        return to_local(org.submitted_at).date()
    return local_today()


def required_documents(org: Organisation, on: date | None = None) -> list[DocumentKind]:
    """Every kind: the registration certificate (a community social organisation: its filing record or community
    endorsement) and the charter; the latest annual report once registered for a full year."""
    kinds = [DocumentKind.CERTIFICATE, DocumentKind.CHARTER]
    if annual_report_required(org, on or local_today()):
        kinds.append(DocumentKind.ANNUAL_REPORT)
    return kinds


def missing_documents(org: Organisation, on: date | None = None) -> list[DocumentKind]:
    present = {d.kind for d in org.documents}
    return [kind for kind in required_documents(org, on) if kind.value not in present]


@dataclass(frozen=True)
class Required:
    kind: DocumentKind
    label: str
    document: OrgDocument | None  # the current version uploaded, if any


def checklist(org: Organisation, on: date | None = None) -> list[Required]:
    """The documents required, each with its current version or None: the applicant's list before submitting and the
    officer's while deciding (judged_on: the same day for both)."""
    on = on or judged_on(org)
    current = {d.kind: d for d, is_current in listed_documents(org) if is_current}
    return [Required(kind, kind.label_for(org.kind), current.get(kind.value)) for kind in required_documents(org, on)]


def requirement_notes(org: Organisation, on: date | None = None) -> list[str]:
    """Why the list is what it is, in words: the annual-report rule with this organisation's date, and what a
    community social organisation uploads instead of a certificate."""
    on = on or judged_on(org)
    notes = []
    if org.kind == OrgKind.COMMUNITY:
        notes.append(_("A community social organisation is filed, not registered: instead of a registration "
                       "certificate, upload its filing record if it already has one, otherwise the endorsement of "
                       "its community residents' committee."))
    if org.registered_on is not None:
        due = annual_report_due_from(org.registered_on).isoformat()
        if annual_report_required(org, on):
            notes.append(_("The latest annual report is required: the organisation was registered (or founded) on "
                           "%(date)s, a full year ago or more.", date=org.registered_on.isoformat()))
        else:
            notes.append(_("No annual report is required yet: registered (or founded) less than a year ago, the "
                           "organisation has had no year to report on. It is required from %(date)s.", date=due))
    return notes


def add_document(org: Organisation, kind: str, upload, *, actor: User) -> OrgDocument:
    """A document uploaded by one of the organisation's managers. Once registered, a new version of a kind that has
    one current version supersedes it: the old one is kept, listed as superseded, and the event names both."""
    try:
        doc_kind = DocumentKind(kind)
    except ValueError as exc:
        raise invalid({"kind": _("Choose the kind of document.")}) from exc
    if not permissions.is_manager(actor, org):
        raise Forbidden(_("You do not have permission to do this."))
    lock_row(org, "status")  # (a submission at the same moment: the officer decides on what was sent)
    if OrgStatus(org.status) not in permissions.DOCUMENT_STATUSES:
        raise Conflict(_("Documents can be uploaded while the application is a draft or returned for changes, and "
                         "once the organisation is registered; not while it awaits review or after it is closed."))
    replaced = next((d for d, current in listed_documents(org) if current and d.kind == doc_kind.value), None)
    stored = store_upload(upload, actor=actor)
    document = OrgDocument(org=org, kind=doc_kind.value, file=stored)
    db.session.add(document)
    db.session.flush()
    audit.record("org.document_added", org, actor=actor,
                 data={"kind": doc_kind.value, "sha256": stored.sha256, "size": stored.size,
                       "content_type": stored.content_type,
                       # the current version it replaces, named by its hash ("" when it is the first of its kind)
                       "supersedes": replaced.file.sha256 if replaced is not None else ""})
    return document


def remove_document(document: OrgDocument, *, actor: User) -> None:
    """The organisation's manager removes a document (a wrong file, a version superseded) while the application
    can still be changed: once submitted, the officer decides on what was sent, and a registered organisation's
    documents stay in its history (a newer version supersedes one)."""
    org = document.org
    lock_row(org, "status")  # (a submission at the same moment: the one or the other, not a submission without it)
    if OrgStatus(org.status) not in EDITABLE_STATUSES:
        raise Conflict(_("A document can be removed only while the application is a draft or returned for "
                         "changes."))
    if not permissions.is_manager(actor, org):
        raise Forbidden(_("You do not have permission to do this."))
    data = {"document_id": document.id, "kind": document.kind, "sha256": document.file.sha256,
            "size": document.file.size}
    org.documents.remove(document)  # (the stored file is kept: the audit event names it by its hash)
    db.session.flush()
    audit.record("org.document_removed", org, actor=actor, data=data)


def listed_documents(org: Organisation) -> list[tuple[OrgDocument, bool | None]]:
    """The documents by kind, newest first, each with whether it is the current one of its kind (True) or one a
    newer upload superseded (False); None for other documents, of which there may be several."""
    order = list(DocumentKind)
    documents = sorted(org.documents, key=lambda d: (d.file.uploaded_at, d.id), reverse=True)
    documents.sort(key=lambda d: order.index(DocumentKind(d.kind)))  # (stable: newest first within a kind)
    listed, seen = [], set()
    for document in documents:
        current = document.kind not in seen if DocumentKind(document.kind) in VERSIONED_DOCUMENTS else None
        listed.append((document, current))
        seen.add(document.kind)
    return listed
