"""The reason forms' limits are the services' too (accounts.services.MAX_REASON 500 for (de)activating a user;
evaluation.services.MAX_REASON 1000 for reopening a review sheet or replacing a panel member): exactly the limit
with spaces around it is accepted and kept without them; one more is refused on the page and by the service (the
reason's field named), and nothing changes."""

import json

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from accounts import services as accounts
from accounts.enums import Role
from accounts.models import User
from audit.models import AuditEvent
from core.db import db
from core.errors import ServiceError
from evaluation import panels, score_sheets
from evaluation.enums import SheetStatus
from evaluation.models import PanelMember, ScoreSheet
from tests.evaluation.helpers import drawn_panel, expert, fully_scored
from tests.factories import make_user

EN = {"Accept-Language": "en"}


def text(n: int) -> str:
    return ("停用账户的理由" * (n // 7 + 1))[: n - 1] + "终"


def events() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def refused_by_service(app, call, message):
    db.session.commit()
    before = events()
    with app.test_request_context(), force_locale("en"), pytest.raises(ServiceError) as exc:
        call()
    db.session.rollback()
    assert str(exc.value.fields["reason"]) == message
    assert events() == before


def flashed(client, response) -> str:
    assert response.status_code == 302
    return client.get(response.headers["Location"], headers=EN).get_data(as_text=True)


def test_deactivating_a_user(app, client, login_as, session):
    admin, user = make_user(Role.ADMIN), make_user(Role.RESIDENT)
    db.session.commit()
    login_as(admin)
    db.session.commit()
    before = events()
    response = client.post(f"/admin/users/{user.id}/deactivate", data={"reason": f" {text(501)} "}, headers=EN)
    assert response.status_code == 422  # the user's page again, the reason beside the field as typed
    body = response.get_data(as_text=True)
    error = body.split('id="reason-error"', 1)[1].split("</div></div>", 1)[0]
    assert "Field cannot be longer than 500 characters." in error and text(501) in body
    db.session.expire_all()
    assert db.session.get(User, user.id).active and events() == before
    refused_by_service(app, lambda: accounts.set_active(user, False, actor=admin, reason=text(501)),
                       "A reason has at most 500 characters.")
    assert db.session.get(User, user.id).active
    response = client.post(f"/admin/users/{user.id}/deactivate", data={"reason": f" {text(500)}\n"}, headers=EN)
    assert response.status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, user.id).active
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.deactivated")).one()
    assert json.loads(event.data)["reason"] == text(500)


@pytest.fixture
def officer(session):
    user = make_user(Role.OFFICER)
    db.session.commit()
    return user


def test_reopening_a_review_sheet(app, client, login_as, officer):
    _call, _orgs, props, _ranking = fully_scored(app, officer)
    sheet = db.session.scalar(select(ScoreSheet).where(ScoreSheet.proposal_id == props[0].id).limit(1))
    db.session.commit()
    login_as(officer)
    db.session.commit()
    before = events()
    response = client.post(f"/evaluation/sheets/{sheet.id}/reopen", data={"reason": f" {text(1001)} "}, headers=EN)
    assert "Field cannot be longer than 1000 characters." in flashed(client, response)
    db.session.expire_all()
    assert db.session.get(ScoreSheet, sheet.id).status == SheetStatus.SUBMITTED and events() == before
    refused_by_service(app, lambda: score_sheets.transition_sheet(sheet, SheetStatus.DRAFT, actor=officer,
                                                                  reason=text(1001)),
                       "A reason has at most 1000 characters.")
    assert db.session.get(ScoreSheet, sheet.id).status == SheetStatus.SUBMITTED
    response = client.post(f"/evaluation/sheets/{sheet.id}/reopen", data={"reason": f" {text(1000)} "})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ScoreSheet, sheet.id).status == SheetStatus.DRAFT
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "sheet.reopened")).one()
    assert json.loads(event.data)["reason"] == text(1000)


def test_replacing_a_panel_member(app, client, login_as, officer):
    expert(officer=officer)  # someone left to draw
    _call, _orgs, _props, panel = drawn_panel(app, officer)
    member = panel.members[0]
    db.session.commit()
    login_as(officer)
    db.session.commit()
    members = db.session.scalar(select(func.count()).select_from(PanelMember))
    before = events()
    response = client.post(f"/evaluation/members/{member.id}/replace",
                           data={"status": "recused", "reason": text(1001)}, headers=EN)
    assert "Field cannot be longer than 1000 characters." in flashed(client, response)
    refused_by_service(app, lambda: panels.replace_member(member, "recused", f" {text(1001)} ", actor=officer),
                       "A reason has at most 1000 characters.")
    assert events() == before
    assert db.session.scalar(select(func.count()).select_from(PanelMember)) == members
    assert db.session.get(PanelMember, member.id).status == "active"
    response = client.post(f"/evaluation/members/{member.id}/replace",
                           data={"status": "recused", "reason": f" {text(1000)} "})
    assert response.status_code == 302
    db.session.expire_all()
    member = db.session.get(PanelMember, member.id)
    assert member.status == "recused" and member.status_reason == text(1000)
