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
from evaluation import blind, panels, project_report, project_sheets, rectification, services
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
        panels.draw_panel(call, {"social_service": 3}, actor=officer)
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


# 3. and 4. Rectification and due dates

def failed_with_task(app):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    with app.test_request_context():
        score_all(evaluation, {ev.id: 50})
        project_report.issue_report(evaluation, "不合格，需要整改。", [], actor=ev)
    return officer, manager, evaluation, ev, evaluation.tasks[0]


def test_a_rectification_reply_without_evidence_is_refused_and_changes_nothing(app, session):
    officer, manager, evaluation, ev, task = failed_with_task(app)
    with app.test_request_context():
        with pytest.raises(ServiceError) as refused:
            rectification.transition_task(task, TaskStatus.RESPONDED, actor=manager, text="已整改完毕并补齐档案。")
        assert "evidence" in refused.value.fields
        assert (task.status, task.response, task.evidence_id) == (TaskStatus.OPEN.value, "", None)
        rectification.transition_task(task, TaskStatus.RESPONDED, actor=manager, text="已整改完毕并补齐档案。",
                                      evidence=Upload())
    assert task.status == TaskStatus.RESPONDED.value and task.evidence is not None
    assert last_event("rectification.responded")["late_by_days"] == 0


def test_a_late_rectification_reply_is_accepted_and_its_lateness_recorded(app, session):
    officer, manager, evaluation, ev, task = failed_with_task(app)
    task.due_on = local_today() - timedelta(days=3)
    db.session.flush()
    with app.test_request_context():
        rectification.transition_task(task, TaskStatus.RESPONDED, actor=manager, text="逾期完成整改。",
                                      evidence=Upload())
    assert task.status == TaskStatus.RESPONDED.value
    data = last_event("rectification.responded")
    assert data["late_by_days"] == 3 and data["due_on"] == task.due_on.isoformat()


def test_overdue_evaluations_requests_and_tasks_are_marked(app, client, login_as, session):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    with app.test_request_context():
        request = rectification.request_documents(evaluation, "请提供全部活动签到表", local_today() + timedelta(days=5),
                                                  actor=ev)
    db.session.commit()
    for user, path in ((officer, "/evaluations/"), (ev, "/evaluations/mine"),
                       (manager, f"/evaluations/{evaluation.id}"), (ev, f"/evaluations/{evaluation.id}/workspace")):
        login_as(user)
        assert OVERDUE not in client.get(path).get_data(as_text=True), path
        client.post("/logout")
    evaluation.due_on = local_today() - timedelta(days=1)
    request.due_on = local_today() - timedelta(days=1)
    db.session.commit()
    login_as(officer)
    assert OVERDUE in client.get("/evaluations/").get_data(as_text=True)
    client.post("/logout")
    login_as(ev)
    assert OVERDUE in client.get("/evaluations/mine").get_data(as_text=True)
    assert OVERDUE in client.get(f"/evaluations/{evaluation.id}/workspace").get_data(as_text=True)
    client.post("/logout")
    login_as(manager)
    page = client.get(f"/evaluations/{evaluation.id}").get_data(as_text=True)
    assert page.count(OVERDUE) == 2 and "逾期" in page  # the evaluation and the unanswered request


def test_an_overdue_open_task_is_marked_until_it_is_answered(app, client, login_as, session):
    officer, manager, evaluation, ev, task = failed_with_task(app)
    task.due_on = local_today() - timedelta(days=2)
    db.session.commit()
    login_as(manager)
    page = client.get(f"/evaluations/{evaluation.id}").get_data(as_text=True)
    assert OVERDUE in page.split('id="tasks"')[1]
    with app.test_request_context():
        rectification.transition_task(task, TaskStatus.RESPONDED, actor=manager, text="逾期完成整改。",
                                      evidence=Upload())
    db.session.commit()
    page = client.get(f"/evaluations/{evaluation.id}").get_data(as_text=True)
    assert OVERDUE not in page.split('id="tasks"')[1]
