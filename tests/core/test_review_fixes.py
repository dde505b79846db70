"""Bugs found in a review of the foundation (issue 2), each pinned by the test that showed it."""

import re

from accounts.enums import Role
from audit import services as audit
from core.db import db
from tests.factories import make_user


def field_errors(response) -> list[str]:
    return re.findall(r'class="invalid-feedback[^"]*">([^<]*)<', response.get_data(as_text=True))


def shown_seqs(response) -> list[int]:
    table = response.get_data(as_text=True).split('id="audit-events"', 1)[1].split("</table>", 1)[0]
    return [int(n) for n in re.findall(r"<tr>\s*<td>(\d+)</td>", table)]


# --- the audit log's filters ------------------------------------------------------------------------------------

def test_audit_log_dates_a_datetime_cannot_hold_are_a_field_error_not_a_500(client, session, login_as):
    login_as(make_user(Role.AUDITOR))
    for query in ("date_from=0001-01-01", "date_to=0001-01-01", "date_from=9999-12-31", "date_to=9999-12-31"):
        response = client.get(f"/audit/?{query}")
        assert response.status_code == 422, query
        assert field_errors(response), query


def test_audit_log_end_date_before_start_date_is_a_field_error(client, session, login_as):
    login_as(make_user(Role.AUDITOR))
    response = client.get("/audit/?date_from=2025-03-10&date_to=2025-03-01")
    assert response.status_code == 422
    assert field_errors(response)


def test_audit_log_with_a_bad_filter_lists_nothing_rather_than_everything(client, session, login_as):
    alice, bob = make_user(username="alice-rf"), make_user(username="bob-rf")
    audit.record("test.review", ("things", 1), actor=alice)
    audit.record("test.review", ("things", 2), actor=bob)
    db.session.commit()
    login_as(make_user(Role.AUDITOR))
    response = client.get("/audit/?actor=alice-rf&date_from=not-a-date")
    assert field_errors(response)
    assert shown_seqs(response) == []  # was: every event, bob's too, under a form saying actor=alice-rf


# --- admin user pages --------------------------------------------------------------------------------------------

def test_admin_user_list_with_a_huge_or_bad_page_number_is_not_a_500(client, session, login_as):
    login_as(make_user(Role.ADMIN))
    for page in ("99999999999999999999", "abc", "-3", "0", "2147483647"):
        assert client.get(f"/admin/users?page={page}").status_code == 200, page


def test_deactivation_with_an_over_long_reason_says_why_and_changes_nothing(client, session, login_as):
    officer = make_user(Role.OFFICER)
    db.session.commit()
    login_as(make_user(Role.ADMIN))
    response = client.post(f"/admin/users/{officer.id}/deactivate", data={"reason": "x" * 501})
    assert response.status_code == 422  # was a bare 400 page, then a message at the top of the page
    assert re.search(r'id="reason-error".*500', response.get_data(as_text=True))  # the limit, beside the reason
    db.session.refresh(officer)
    assert officer.active


# --- throttling -------------------------------------------------------------------------------------------------

def test_a_throttled_signup_gets_a_translated_message_not_the_login_page_with_the_raw_limit(client, session):
    for n in range(21):
        response = client.post("/signup", data={"username": f"rf-signup{n}", "display_name": "x",
                                                "password": "short", "confirm": "short"})
    assert response.status_code == 429
    body = response.get_data(as_text=True)
    assert "per 1 hour" not in body  # was Flask-Limiter's own description, in English
    assert 'id="lockout"' not in body  # and the login form, on the signup page
    assert "请求过于频繁，请稍后再试。" in body


def test_a_rate_limit_without_a_message_of_its_own_answers_in_the_users_language(app):
    from flask_limiter.errors import RateLimitExceeded

    from core.errors import http_error

    class Limit:  # the one attribute http_error reads of Flask-Limiter's RuntimeLimit
        error_message = None

    exc = RateLimitExceeded.__new__(RateLimitExceeded)
    exc.limit, exc.description, exc.response = Limit(), "30 per 1 minute", None
    with app.test_request_context("/s/survey", headers={"Accept-Language": "en"}):
        body, status = http_error(exc)
    assert status == 429 and "30 per 1 minute" not in body and "Too many requests" in body


# --- the users CLI ----------------------------------------------------------------------------------------------

def test_cli_token_with_a_bad_name_is_a_clear_error_not_a_traceback(app, session):
    make_user(username="rf-cli-a")
    db.session.commit()
    for name in ("", "x" * 101):
        result = app.test_cli_runner().invoke(args=["users", "token", "rf-cli-a", "--name", name])
        assert result.exit_code == 1
        assert result.exception is None or isinstance(result.exception, SystemExit)  # was a ServiceError
        assert "Error:" in result.output


def test_cli_token_for_a_deactivated_user_is_refused(app, session):
    from accounts import services as accounts

    user = make_user(username="rf-cli-gone")
    accounts.set_active(user, False, actor=None, reason="离职")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["users", "token", "rf-cli-gone"])
    assert result.exit_code == 1 and "deactivated" in result.output
    assert "gz_" not in result.output  # was a token that every request would refuse



# --- error pages ------------------------------------------------------------------------------------------------

def test_an_http_error_without_a_message_of_its_own_is_not_shown_in_english_on_a_chinese_page(client, session):
    response = client.get("/static/favicon.svg", headers={"Range": "bytes=999999-"})
    assert response.status_code == 416
    body = response.get_data(as_text=True)
    assert "requested range" not in body  # Werkzeug's English description
    assert "无法识别该请求。" in body


def test_a_failed_csrf_check_says_the_form_expired(app):
    from flask_wtf.csrf import CSRFError

    from core.errors import http_error

    with app.test_request_context("/account/password", method="POST"):
        body, status = http_error(CSRFError("The CSRF token is missing."))
    assert status == 400 and "表单已过期" in body


# --- /verify ----------------------------------------------------------------------------------------------------

def test_verify_says_an_uploaded_file_that_is_not_a_pdf_is_not_a_pdf(client, session):
    import io

    response = client.post("/verify", data={"file": (io.BytesIO(b"hello, not a pdf"), "note.txt")},
                           content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 422  # refused, as every form is
    assert 'id="check-result"' not in body  # was 'No match ... it may have been altered'
    assert field_errors(response) == ["该文件不是 PDF 文件，请上传您收到的 PDF。"]


def test_verify_still_checks_a_pdf_with_junk_before_its_header(client, session):
    import io

    response = client.post("/verify", data={"file": (io.BytesIO(b"\r\n%PDF-1.7\n..."), "x.pdf")},
                           content_type="multipart/form-data")
    assert 'data-matched="no"' in response.get_data(as_text=True)


# --- login's next page ------------------------------------------------------------------------------------------

def test_login_next_never_leads_off_site_nor_to_a_500(app, session):
    make_user(username="rf-next")
    db.session.commit()
    for target in ("/\t/evil.example", "/\r/evil.example", "/\n/evil.example", "/\\evil.example",
                   "//evil.example"):
        client = app.test_client()
        response = client.post("/login", query_string={"next": target},
                               data={"username": "rf-next", "password": "correct-horse-1"})
        assert response.status_code == 302, repr(target)  # a newline was a 500
        assert response.headers["Location"] == "/", repr(target)  # '/\t/evil.example' went to //evil.example
    client = app.test_client()
    response = client.post("/login", query_string={"next": "/account?tab=tokens"},
                           data={"username": "rf-next", "password": "correct-horse-1"})
    assert response.headers["Location"] == "/account?tab=tokens"


def test_the_language_switchs_next_never_leads_off_site_nor_to_a_500(client, session):
    for target in ("/\t/evil.example", "/\n/evil.example", "/\\evil.example", "//evil.example", "https://evil.example"):
        response = client.get("/lang/en", query_string={"next": target})
        assert response.status_code == 302, repr(target)  # a newline was a 500
        assert response.headers["Location"] == "/", repr(target)  # '/\t/evil.example' went to //evil.example
    assert client.get("/lang/en", query_string={"next": "/calls/?page=2"}).headers["Location"] == "/calls/?page=2"


def test_a_request_refused_for_a_nul_character_still_carries_its_request_id(client, session):
    response = client.get("/calls/", query_string={"q": "a\x00b"})
    assert response.status_code == 400
    assert response.headers["X-Request-ID"].isalnum() and len(response.headers["X-Request-ID"]) == 32  # was empty


def test_audit_log_links_carry_only_its_own_filters(client, session, login_as):
    """The page's own links (the newest events, the next page) keep its filters and nothing else from the query."""
    login_as(make_user(Role.AUDITOR))
    page = client.get("/audit/", query_string={"junk": "x", "action": "auth.login", "before": "abc"})
    assert page.status_code == 422  # the bad cursor, said above the list
    text = page.get_data(as_text=True)
    assert 'href="/audit/?action=auth.login"' in text  # the newest events, filtered as asked (junk=x was carried)
