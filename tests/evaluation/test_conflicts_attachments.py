"""Standing conflicts before any draw, declaring with the applicant's identity (or, in blind review, the list of
applicants), and evaluators' access to proposal attachments."""

import hashlib
import json
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict
from core.uploads import PDF, StoredFile
from evaluation import panels, score_sheets, services
from evaluation.enums import SeatType
from evaluation.models import ConflictDeclaration, Score, StandingConflict
from projects.models import ProposalAttachment
from tests.evaluation.helpers import closed_call_with_proposals, drawn_panel, expert
from tests.factories import make_user

CONTENT = b"%PDF-1.4\n%test attachment\n%%EOF\n"


@pytest.fixture
def officer(session):
    return make_user(Role.OFFICER)


def _last(action: str) -> AuditEvent:
    return db.session.scalar(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq.desc()))


def test_standing_conflict_declared_on_the_profile_page_excludes_the_expert_from_draws(app, client, officer,
                                                                                        login_as):
    call, orgs, _props = closed_call_with_proposals(app, officer)
    conflicted = expert(SeatType.SOCIAL_SERVICE, officer=officer)
    others = [expert(SeatType.SOCIAL_SERVICE, officer=officer) for _ in range(3)]
    db.session.commit()
    login_as(conflicted)
    page = client.get("/evaluation/conflicts").get_data(as_text=True)
    assert orgs[1].name in page
    response = client.post("/evaluation/conflicts", data={"org_id": orgs[1].id, "relationship": "配偶在该机构任职"})
    assert response.status_code == 302
    client.post("/evaluation/conflicts", data={"org_id": orgs[1].id, "relationship": "再次声明"})  # refused
    assert db.session.scalar(select(func.count(StandingConflict.id))) == 1
    event = _last("expert.conflict_declared")
    assert event.actor_id == conflicted.id and json.loads(event.data) == {"org_id": orgs[1].id,
                                                                          "relationship": "配偶在该机构任职"}
    assert "配偶在该机构任职" in client.get("/evaluation/conflicts").get_data(as_text=True)
    with app.test_request_context():
        panel = panels.draw_panel(call, {"social_service": 3}, actor=officer)
    assert conflicted.id not in [c["user_id"] for c in panel.candidates]
    assert sorted(m.user_id for m in panel.members) == sorted(u.id for u in others)
    db.session.commit()
    client.post("/logout")
    login_as(officer)  # the pool page shows officers what each expert declared
    pool = client.get("/evaluation/experts").get_data(as_text=True)
    declared = f'id="conflicts-{conflicted.id}"'
    assert f"{orgs[1].name}（配偶在该机构任职）" in pool.split(declared)[1].split("</div>")[0]
    english = client.get("/evaluation/experts", headers={"Accept-Language": "en"}).get_data(as_text=True)
    in_english = english.split(declared)[1].split("</div>")[0]
    assert f"{orgs[1].name} (配偶在该机构任职)" in in_english  # its own brackets (core.i18n.aside)
    assert "（" not in in_english and "）" not in in_english


def test_only_evaluators_declare_standing_conflicts(app, client, officer, login_as):
    login_as(officer)
    assert client.get("/evaluation/conflicts").status_code == 403


def test_declaration_rows_name_the_applicant_and_its_legal_representative(app, client, officer, login_as):
    _call, orgs, props, panel = drawn_panel(app, officer)
    member = panel.members[0]
    login_as(member.user)
    page = client.get("/evaluation/assignments").get_data(as_text=True)
    row = page.split(f'id="assignment-{props[0].id}"')[1].split("</li>")[0]
    assert orgs[0].name in row and orgs[0].legal_representative in row  # before declaring: whom it is about


def test_blind_review_lists_applicants_for_declaring_without_linking_them(app, client, officer, login_as):
    call, orgs, props, panel = drawn_panel(app, officer, blind=True)
    member = panel.members[0]
    login_as(member.user)
    page = client.get("/evaluation/assignments").get_data(as_text=True)
    listed = page.split(f'id="applicants-{call.id}"')[1].split("</div>")[0]
    assert all(org.name in listed for org in orgs)
    assert not any(org.name in row for org in orgs for row in page.split('id="assignment-')[1:])
    response = client.post(f"/evaluation/members/{member.id}/declare-applicant",
                           data={"org_id": orgs[2].id, "relationship": "本人是该机构理事"})
    assert response.status_code == 302
    declaration = db.session.scalar(select(ConflictDeclaration).where(ConflictDeclaration.member_id == member.id))
    assert declaration.proposal_id == props[2].id and declaration.has_conflict
    event = _last("panel.conflict_declared")
    assert event.target_id == str(props[2].id) and event.actor_id == member.user_id
    for org_id in (999999, 2**63):  # not an applicant; beyond the database's integers
        client.post(f"/evaluation/members/{member.id}/declare-applicant", data={"org_id": org_id, "relationship": "x"})
    assert db.session.scalar(select(func.count(ConflictDeclaration.id))) == 1


def _attach(proposal, name="幸福家园盖章申报书.pdf") -> ProposalAttachment:
    stored = StoredFile(original_name=name, content_type=PDF, size=len(CONTENT), content=CONTENT,
                        sha256=hashlib.sha256(CONTENT).hexdigest())
    row = ProposalAttachment(proposal=proposal, requirement="申报书盖章扫描件", file=stored)
    db.session.add(row)
    db.session.commit()
    return row


def _filename(response) -> str:
    return unquote(response.headers["Content-Disposition"])


@pytest.mark.parametrize("blind", [True, False])
def test_attachments_for_members_who_declared_no_conflict(app, client, officer, login_as, blind):
    _call, _orgs, props, panel = drawn_panel(app, officer, blind=blind)
    member, other = panel.members[0], panel.members[1]
    services.declare(member, props[0], False, "", actor=member.user)
    services.declare(member, props[1], True, "曾任该机构顾问", actor=member.user)
    services.declare(other, props[0], True, "亲属在该机构任职", actor=other.user)
    db.session.commit()
    first, conflicted, undeclared = _attach(props[0]), _attach(props[1]), _attach(props[2])
    second = _attach(props[0], "预算表.pdf")
    login_as(member.user)
    url = f"/evaluation/members/{member.id}/attachments/"
    response = client.get(url + str(second.id))
    assert response.status_code == 200 and response.data == CONTENT
    name = _filename(response)
    db.session.refresh(props[0])
    n = [a.id for a in props[0].attachments].index(second.id) + 1  # after the one required at submission
    if blind:
        assert "预算表" not in name and (f"附件{n}.pdf" in name or f"Attachment {n}.pdf" in name)
    else:
        assert "预算表.pdf" in name
    sheet = client.get(f"/evaluation/members/{member.id}/proposals/{props[0].id}").get_data(as_text=True)
    assert url + str(first.id) in sheet and ("幸福家园盖章申报书" not in sheet) is blind
    assert client.get(url + str(conflicted.id)).status_code == 404  # declared a conflict
    assert client.get(url + str(undeclared.id)).status_code == 404  # not declared yet
    client.post("/logout")
    login_as(other.user)  # conflicted with that proposal, and not this member
    assert client.get(url + str(first.id)).status_code == 404
    assert client.get(f"/evaluation/members/{other.id}/attachments/{first.id}").status_code == 404


def test_a_conflict_found_after_declaring_none_replaces_it_and_tells_nothing_in_blind_review(app, client, officer,
                                                                                              login_as):
    """A member who declared no conflict on an anonymous proposal, then finds a conflict with its applicant, can
    declare it; the answer is the same as for any other applicant (it used to be 'already declared' for the one
    whose proposal it was, which named the author), and the member's submitted sheet for it no longer counts."""
    call, orgs, props, panel = drawn_panel(app, officer, blind=True)
    member = panel.members[0]
    with app.test_request_context():
        services.declare(member, props[0], False, "", actor=member.user)
        sheet = score_sheets.sheet_for(member, props[0])
        sheet.status = "submitted"
        db.session.add(Score(sheet_id=sheet.id, indicator_id=panel.template.criteria[0].id, half_points=2))
        db.session.commit()
        assert any(r.proposal_id == props[0].id for r in services.results(panel))
    login_as(member.user)

    def declare_with(org) -> str:
        page = client.post(f"/evaluation/members/{member.id}/declare-applicant", follow_redirects=True,
                           data={"org_id": org.id, "relationship": "本人曾在该机构任职"}).get_data(as_text=True)
        return page.split('class="alert')[1].split("</div>")[0]

    answers = [declare_with(orgs[0]), declare_with(orgs[1]), declare_with(orgs[0])]  # the author's twice
    assert answers[0] == answers[1] == answers[2] and "alert-success" in 'class="alert' + answers[0]
    declared = {d.proposal_id: d.has_conflict for d in db.session.scalars(
        select(ConflictDeclaration).where(ConflictDeclaration.member_id == member.id))}
    assert declared == {props[0].id: True, props[1].id: True}
    replaced = [e for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "panel.conflict_declared"))
                if '"replaces":"no_conflict"' in e.data]
    assert [e.target_id for e in replaced] == [str(props[0].id)]
    with app.test_request_context():
        assert not services.can_see_proposal(member, props[0])
        assert all(r.proposal_id != props[0].id for r in services.results(panel))  # its sheet no longer counts
        with pytest.raises(Conflict):  # and a conflict is never taken back
            services.declare(member, props[0], False, "", actor=member.user)
