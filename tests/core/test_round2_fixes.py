"""Second round of foundation fixes (issue 2), each pinned by the test that showed it."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from accounts import services as accounts
from accounts.enums import Role
from accounts.models import ApiToken, User
from accounts.tokens import create_token
from audit import services as audit
from audit.models import AuditEvent
from core.db import db
from core.errors import ServiceError
from core.timeutil import local_today
from tests.factories import make_user


def bearer(plain: str) -> dict:
    return {"Authorization": f"Bearer {plain}"}


def token_for(user) -> str:
    _t, plain = create_token(user, "script", actor=user)
    return plain


def field_errors(response) -> list[str]:
    return re.findall(r'class="invalid-feedback[^"]*">([^<]*)<', response.get_data(as_text=True))


def event_count() -> int:
    return db.session.scalar(select(db.func.count(AuditEvent.seq)))


# --- 1. the audit events API: bad paging and filter values are a 422, not the newest page ----------------------

@pytest.mark.parametrize("query, field", [
    ("before=abc", "before"),
    ("before=-5", "before"),
    ("before=0", "before"),
    ("before=1.5", "before"),
    (f"before={'9' * 30}", "before"),
    (f"before={'9' * 5000}", "before"),  # past Python's int() digit limit
    ("date_from=2025-13-01", "date_from"),
    ("date_from=yesterday", "date_from"),
    ("date_to=0001-01-01", "date_to"),
    ("date_from=2025-03-10&date_to=2025-03-01", "date_to"),
    (f"actor={'a' * 65}", "actor"),
    (f"action={'a' * 81}", "action"),
    (f"target_type={'t' * 61}", "target_type"),
    (f"target_id={'1' * 61}", "target_id"),
])
def test_audit_api_refuses_bad_paging_and_filter_values(client, session, query, field):
    plain = token_for(make_user(Role.AUDITOR))
    db.session.commit()
    before = event_count()
    response = client.get(f"/api/v1/audit/events?{query}", headers=bearer(plain))
    assert response.status_code == 422, query
    error = response.get_json()["error"]
    assert error["code"] and error["message"]
    assert set(error["fields"]) == {field}
    assert re.search(r"[\u4e00-\u9fff]", error["fields"][field]), error  # translated (Chinese by default)
    assert event_count() == before


def test_audit_api_error_is_in_english_when_asked(client, session):
    plain = token_for(make_user(Role.AUDITOR))
    db.session.commit()
    response = client.get("/api/v1/audit/events?before=abc",
                          headers={**bearer(plain), "Accept-Language": "en"})
    assert response.status_code == 422
    assert re.search(r"[a-z]", response.get_json()["error"]["fields"]["before"])


def test_audit_api_pages_with_a_cursor_and_says_where_the_next_page_starts(client, session):
    actor = make_user(username="api-pager")
    seqs = [audit.record("test.api_page", ("things", i), actor=actor).seq for i in range(105)]
    plain = token_for(make_user(Role.AUDITOR))
    db.session.commit()
    first = client.get("/api/v1/audit/events?action=test.api_page", headers=bearer(plain)).get_json()
    assert [e["seq"] for e in first["events"]] == sorted(seqs, reverse=True)[:100]
    assert first["next_before"] == first["events"][-1]["seq"]
    second = client.get(f"/api/v1/audit/events?action=test.api_page&before={first['next_before']}",
                        headers=bearer(plain)).get_json()
    assert [e["seq"] for e in second["events"]] == sorted(seqs, reverse=True)[100:]
    assert second["next_before"] is None  # the last page: a script knows to stop


def test_audit_api_filters_by_date_like_the_page(client, session):
    actor = make_user(username="api-dates")
    event = audit.record("test.api_dates", ("things", 1), actor=actor)
    plain = token_for(make_user(Role.AUDITOR))
    db.session.commit()
    today, tomorrow = local_today(), local_today() + timedelta(days=1)

    def seqs(query):
        response = client.get(f"/api/v1/audit/events?action=test.api_dates&{query}", headers=bearer(plain))
        assert response.status_code == 200, response.get_json()
        return [e["seq"] for e in response.get_json()["events"]]

    assert seqs(f"date_from={today}&date_to={today}") == [event.seq]
    assert seqs(f"date_from={tomorrow}") == []
    assert seqs(f"date_to={today - timedelta(days=1)}") == []
    assert seqs("actor=api-dates&target_type=things&target_id=1&before=") == [event.seq]  # empty = absent


def test_audit_log_page_says_when_its_paging_value_is_malformed(client, session, login_as):
    audit.record("test.page_cursor", ("things", 1), actor=make_user())
    db.session.commit()
    login_as(make_user(Role.AUDITOR))
    for value in ("abc", "-1", "9" * 30):
        response = client.get(f"/audit/?before={value}")
        assert response.status_code == 422
        body = response.get_data(as_text=True)
        assert 'id="paging-error"' in body, value
        table = body.split('id="audit-events"', 1)[1].split("</table>", 1)[0]
        assert not re.findall(r"<tr>\s*<td>(\d+)</td>", table), value  # not silently the newest page
    assert 'id="paging-error"' not in client.get("/audit/?before=5").get_data(as_text=True)


# --- 2. e-mail addresses ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("email", ["notmail", "a@b", "a@@b.cn", "a b@example.cn", "@example.cn", "a@example.",
                                   "a@.example.cn", "a..b@example.cn", "a@exa_mple.cn", "a@example..cn"])
def test_email_validator_refuses_what_is_not_an_address(email):
    from accounts.validation import email_error

    assert email_error(email) is not None


@pytest.mark.parametrize("email", ["zhang.san@example.cn", "li_si+gz@mail.example.com.cn", "12345@qq.com",
                                   "A.B-C@Sub-Domain.Example.ORG"])
def test_email_validator_accepts_addresses(email):
    from accounts.validation import email_error

    assert email_error(email) is None


def test_check_email_raises_a_field_error(app, session):
    from accounts.validation import check_email

    check_email(None)
    check_email("")
    check_email("a@example.cn")
    with pytest.raises(ServiceError) as caught:
        check_email("notmail")
    assert set(caught.value.fields) == {"email"}


def test_admin_new_user_form_refuses_a_malformed_email(client, session, login_as):
    login_as(make_user(Role.ADMIN))
    response = client.post("/admin/users/new", data={"username": "mail-new", "display_name": "邮件",
                                                     "email": "notmail", "password": "correct-horse-1"})
    assert response.status_code == 422
    assert any(re.search(r"[\u4e00-\u9fff]", e) for e in field_errors(response))
    assert db.session.scalar(select(User).where(User.username == "mail-new")) is None


def test_admin_edit_user_form_refuses_a_malformed_email_and_changes_nothing(client, session, login_as):
    user = make_user(Role.OFFICER, email="old@example.cn")
    db.session.commit()
    login_as(make_user(Role.ADMIN))
    before = event_count()
    response = client.post(f"/admin/users/{user.id}", data={"display_name": "新名字", "email": "notmail",
                                                            "roles": ["officer"]})
    assert response.status_code == 422
    assert field_errors(response)
    db.session.expire_all()
    assert (user.display_name, user.email) != ("新名字", "notmail")
    assert user.email == "old@example.cn"
    assert event_count() == before
    ok = client.post(f"/admin/users/{user.id}", data={"display_name": "新名字", "email": " new@example.cn ",
                                                      "roles": ["officer"]})
    assert ok.status_code == 302
    db.session.expire_all()
    assert user.email == "new@example.cn"


def test_the_account_services_refuse_a_malformed_email(app, session):
    user = make_user(Role.OFFICER)
    with pytest.raises(ServiceError) as caught:
        accounts.update_profile(user, actor=user, display_name="x", email="notmail", phone=None)
    assert "email" in caught.value.fields and user.email != "notmail"
    with pytest.raises(ServiceError) as caught:
        accounts.create_user("rf-mail", "王芳", "correct-horse-1", [Role.OFFICER], actor=user, email="a@b")
    assert "email" in caught.value.fields


# --- 3. administrators see and revoke a user's API tokens -----------------------------------------------------------

def test_admin_sees_a_users_tokens_and_revokes_one(client, session, login_as):
    owner = make_user(Role.OFFICER)
    token, plain = create_token(owner, "报表脚本", actor=owner)
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(plain)).status_code == 200
    admin = make_user(Role.ADMIN)
    login_as(admin)
    page = client.get(f"/admin/users/{owner.id}").get_data(as_text=True)
    assert "报表脚本" in page and token.prefix in page
    revoke_url = f"/admin/users/{owner.id}/tokens/{token.id}/revoke"
    assert f'action="{revoke_url}"' in page
    response = client.post(revoke_url)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "token.revoked")
                              .order_by(AuditEvent.seq.desc()))
    assert event.target_id == str(token.id) and event.actor_id == admin.id
    assert client.get("/api/v1/me", headers=bearer(plain)).status_code == 401
    again = client.post(revoke_url, follow_redirects=True)  # already revoked: said, not a 500
    assert again.status_code == 200


def test_non_admins_cannot_revoke_another_users_token(client, session, login_as):
    owner = make_user(Role.OFFICER)
    token, plain = create_token(owner, "t", actor=owner)
    db.session.commit()
    login_as(make_user(Role.OFFICER, Role.AUDITOR))
    assert client.post(f"/admin/users/{owner.id}/tokens/{token.id}/revoke").status_code == 403
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 403
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None
    assert client.get("/api/v1/me", headers=bearer(plain)).status_code == 200


def test_admin_revoke_url_must_name_the_tokens_owner(client, session, login_as):
    owner, other = make_user(Role.OFFICER), make_user(Role.OFFICER)
    token, _plain = create_token(owner, "t", actor=owner)
    db.session.commit()
    login_as(make_user(Role.ADMIN))
    assert client.post(f"/admin/users/{other.id}/tokens/{token.id}/revoke").status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None
