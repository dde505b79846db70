"""Follow-up fixes to evaluation: blind redaction of contact details and PDF metadata, emptied draft scores, evidence
required for a rectification reply, overdue evaluations, requests and tasks."""

import hashlib
import io
import json
from datetime import timedelta

import pytest
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select
from weasyprint import HTML

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from core.errors import ServiceError
from core.timeutil import local_today
from core.uploads import PDF, StoredFile
from evaluation import blind, project_report, project_sheets, rectification, services
from evaluation.enums import SeatType, SheetStatus
from evaluation.project_enums import TaskStatus
from evaluation.sheet_forms import save_from_form
from projects.models import ProposalAttachment
from tests.evaluation.helpers import closed_call_with_proposals, expert
from tests.evaluation.project_helpers import commissioned, score_all
from tests.factories import make_user
from tests.orgs.helpers import Upload

OVERDUE = 'class="badge text-bg-danger overdue"'


def last_event(action: str) -> dict:
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                               .order_by(AuditEvent.seq.desc())).first()
    return json.loads(event.data)


# 1. Blind review

def test_blind_redaction_masks_the_applicants_contact_details_and_identifiers(app, session):
    officer = make_user(Role.OFFICER)
    call, orgs, props = closed_call_with_proposals(app, officer, blind=True)
    org = orgs[0]
    org.contact_phone, org.contact_email = "13912345678", "office@xingfu-jiayuan.org.cn"
    org.address, org.legal_representative = "北京市朝阳区幸福路88号", "李文华"
    org.uscc = org.uscc or "51110105MJ0000001X"
    db.session.flush()
    text = (f"联系电话 {org.contact_phone}，邮箱 {org.contact_email}，地址 {org.address}，"
            f"法定代表人 {org.legal_representative}，代码 {org.uscc}")
    redacted = blind.redact(text, blind.identifying_terms(props[0]))
    for value in (org.contact_phone, org.contact_email, org.address, org.legal_representative, org.uscc):
        assert value not in redacted, value
    assert redacted.count(blind.MASK) == 5


def test_a_pdf_whose_author_or_creator_names_the_applicant_is_warned_about(app, session):
    officer = make_user(Role.OFFICER)
    call, orgs, props = closed_call_with_proposals(app, officer, blind=True)
    for proposal, org, key in ((props[0], orgs[0], "/Author"), (props[1], orgs[1], "/Creator")):
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(HTML(string="<p>项目方案</p>").write_pdf())))
        writer.add_metadata({key: org.name})
        out = io.BytesIO()
        writer.write(out)
        content = out.getvalue()
        assert org.name not in PdfReader(io.BytesIO(content)).pages[0].extract_text()  # only in the metadata
        stored = StoredFile(original_name="方案.pdf", content_type=PDF, size=len(content), content=content,
                            sha256=hashlib.sha256(content).hexdigest())
        db.session.add(ProposalAttachment(proposal=proposal, requirement="项目方案", file=stored))
    db.session.flush()
    for _ in range(3):
        expert(SeatType.SOCIAL_SERVICE, officer=officer)
    with app.test_request_context():
        services.draw_panel(call, {"social_service": 3}, actor=officer)
    warnings = blind.attachment_warnings(services.reviewable(call.id))
    assert sorted((w.proposal_id, w.term) for w in warnings) == sorted([(props[0].id, orgs[0].name),
                                                                         (props[1].id, orgs[1].name)])


# 2. An emptied score field

def test_an_emptied_score_field_removes_the_draft_score_and_blocks_submission(app, session):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    criteria = evaluation.template.criteria
    with app.test_request_context():
        sheet = project_sheets.sheet_for(evaluation.assignments[0])
        full = {f"c{c.id}": str(c.max_points * 3 // 4) for c in criteria}
        save_from_form(sheet, criteria, full, actor=ev)
        assert len(sheet.scores) == len(criteria)
        save_from_form(sheet, criteria, full | {f"c{criteria[0].id}": " "}, actor=ev)
        assert {s.indicator_id for s in sheet.scores} == {c.id for c in criteria[1:]}
        assert last_event("sheet.saved")["scores"][str(criteria[0].id)] is None
        with pytest.raises(ServiceError):
            save_from_form(sheet, criteria, full | {f"c{criteria[0].id}": "", "action": "submit"}, actor=ev)
        assert sheet.status == SheetStatus.DRAFT
        save_from_form(sheet, criteria, full | {"action": "submit"}, actor=ev)
    assert sheet.status == SheetStatus.SUBMITTED
