import hashlib

from weasyprint import HTML

from accounts.enums import Role
from core.db import db
from core.uploads import PDF, StoredFile
from evaluation import blind, panels, services
from evaluation.enums import SeatType
from projects.models import ProposalAttachment
from tests.evaluation.helpers import closed_call_with_proposals, expert
from tests.factories import make_user


def named_pdf(text: str) -> bytes:
    return HTML(string=f"<p>申报单位：{text}</p>").write_pdf()


def test_blind_review_redacts_names_and_warns_about_attachments(app, client, session, login_as):
    officer = make_user(Role.OFFICER)
    call, orgs, props = closed_call_with_proposals(app, officer, blind=True)
    content = named_pdf(orgs[0].name)
    stored = StoredFile(original_name="盖章申报书.pdf", content_type=PDF, size=len(content), content=content,
                        sha256=hashlib.sha256(content).hexdigest())
    db.session.add(ProposalAttachment(proposal=props[0], requirement="申报书盖章扫描件", file=stored))
    for _ in range(3):
        expert(SeatType.SOCIAL_SERVICE, officer=officer)
    with app.test_request_context():
        panel = panels.draw_panel(call, {"social_service": 3}, actor=officer)
    warnings = blind.attachment_warnings(services.reviewable(call.id))
    assert [(w.proposal_id, w.term) for w in warnings] == [(props[0].id, orgs[0].name)]
    member = panel.members[0]
    services.declare(member, props[0], False, "", actor=member.user)
    db.session.commit()
    login_as(officer)
    assert "identity-warnings" in client.get(f"/evaluation/calls/{call.id}/panel").get_data(as_text=True)
    client.post("/logout")
    login_as(member.user)
    page = client.get(f"/evaluation/members/{member.id}/proposals/{props[0].id}").get_data(as_text=True)
    assert orgs[0].name not in page and "张明" not in page  # the team member's name from the proposal


def test_redaction_masks_longest_terms_first():
    assert blind.redact("幸福家园社会工作服务中心的张明", ["幸福家园社会工作服务中心", "幸福家园", "张明"]) == "■■的■■"
