"""What the organisation's page (orgs/profile.html) shows the current user: its record, standing and projects, and
the forms and links each reader may use. Read only; the views in orgs.views render it."""

from datetime import timedelta

from flask_login import current_user
from sqlalchemy import select

from audit.permissions import can_view_audit_log
from core.db import db
from core.forms import Refused
from core.timeutil import local_today

from . import changes, documents, permissions, services, standing, track_record
from .enums import OrgStatus
from .forms import DocumentForm, EndCreditForm, ReasonForm
from .models import AnnualReport, CreditListEntry, GradeRecord, Incubation, Organisation


def page_context(org: Organisation, refused: Refused | None = None, document_form: DocumentForm | None = None,
                 reason_form: ReasonForm | None = None) -> dict:
    """The page's context; a refused form (document_form, reason_form) is shown as sent, with its errors."""
    private = permissions.can_view_private(current_user, org)
    facts = services.standing(org)
    page = {"org": org, "private": private, "standing": facts, "refused": refused or Refused(),
            "projects": track_record.public_projects(org, facts.evaluations)}
    page.update(page_extras(org, private))
    if document_form is not None:
        page["document_form"] = document_form
    if reason_form is not None:
        page["reason_form"] = reason_form
    return page


def page_extras(org: Organisation, private: bool) -> dict:
    """Its standing records, the forms and links the reader may use, and what only its members and staff see."""
    missing = services.missing_documents(org)
    can_review = permissions.can_review(current_user, org)
    extras = {
        "grades": list(db.session.scalars(select(GradeRecord).where(GradeRecord.org_id == org.id)
                                          .order_by(GradeRecord.awarded_on.desc()))),
        "incubated": list(db.session.scalars(select(Incubation).where(Incubation.hub_id == org.id))),
        "hubs": list(db.session.scalars(select(Incubation).where(Incubation.child_id == org.id))),
        "can_edit": permissions.can_edit_application(current_user, org),
        "can_review": can_review,
        "can_manage_members": permissions.can_manage_members(current_user, org),
        # Where its first voucher service is added: the "My work" menu offers voucher redemption only once it has one.
        "can_offer_services": permissions.is_manager(current_user, org) and org.status == OrgStatus.APPROVED,
        "can_report": permissions.can_submit_annual_report(current_user, org),
        "can_record": permissions.can_record_standing(current_user, org),
        "can_open_audit": can_view_audit_log(current_user),
        "group_candidates": standing.group_candidates(org)
        if org.is_hub and permissions.can_record_standing(current_user, org) else [],
        # The upload offers the first document still missing: it offered the certificate, just uploaded, again.
        "document_form": DocumentForm(formdata=None, kind=missing[0].value if missing else None, org_kind=org.kind),
        "can_upload_document": permissions.can_upload_document(current_user, org),
        "reason_form": ReasonForm(formdata=None), "missing": missing,
        "can_update_contact": permissions.can_update_contact(current_user, org),
        "can_request_change": permissions.can_request_change(current_user, org),
        "change_requests": changes.history(org) if private else [],
        "documents": services.listed_documents(org) if private else [],
    }
    # What the application needs, document by document: the applicant's list before submitting, and the same list
    # (as on the day it was submitted) for the officer deciding on it.
    if extras["can_edit"] or (can_review and org.status == OrgStatus.SUBMITTED):
        extras["required"] = documents.checklist(org)
        extras["requirement_notes"] = documents.requirement_notes(org)
    if private:
        extras["reports"] = list(db.session.scalars(select(AnnualReport).where(AnnualReport.org_id == org.id)
                                                    .order_by(AnnualReport.year.desc())))
        extras["credit"] = list(db.session.scalars(select(CreditListEntry).where(CreditListEntry.org_id == org.id)
                                                   .order_by(CreditListEntry.start_on.desc())))
    else:
        extras["reports"], extras["credit"] = [], []
    extras.update(credit_end_forms(extras["credit"], extras["can_record"]))
    return extras


def credit_end_forms(entries: list[CreditListEntry], can_record: bool) -> dict:
    """The "end early" form beside each entry still in force, for those who may record standing: the entries'
    date bounds (the day after the start; the day before a scheduled end) for the date picker."""
    today = local_today()
    endable = {e.id: (e.start_on + timedelta(days=1), e.end_on - timedelta(days=1) if e.end_on else None)
               for e in entries if can_record and not e.ended_by(today)}
    return {"credit_endable": endable, "end_credit_form": EndCreditForm(formdata=None) if endable else None}
