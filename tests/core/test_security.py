import io

from accounts.enums import Role
from tests.factories import PASSWORD, make_user


def test_security_headers_on_every_response(client, session):
    for path in ("/", "/login", "/no-such-page", "/api/v1/audit/head"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["X-Request-ID"]


def test_pages_have_no_inline_script(client, session, login_as):
    login_as(make_user(Role.ADMIN))
    for path in ("/", "/account", "/admin/users", "/audit/", "/audit/head", "/verify"):
        html = client.get(path).get_data(as_text=True)
        for chunk in html.split("<script")[1:]:
            assert "src=" in chunk.split(">")[0], f"inline script on {path}"
        assert " onclick=" not in html and ' style="' not in html


def test_csrf_is_enforced_on_forms(app, client, session):
    make_user(username="csrf-user")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/login", data={"username": "csrf-user", "password": PASSWORD})
        assert response.status_code in (200, 400)
        assert client.get("/account").status_code == 302  # not logged in
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        ok = client.post("/login", data={"username": "csrf-user", "password": PASSWORD, "csrf_token": token})
        assert ok.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_upload_size_is_capped(app, client, session):
    cap, app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_CONTENT_LENGTH"], 1024
    try:
        response = client.post("/verify", data={"file": (io.BytesIO(b"x" * 4096), "big.pdf")},
                               content_type="multipart/form-data")
        assert response.status_code == 413
    finally:
        app.config["MAX_CONTENT_LENGTH"] = cap


def test_error_pages_are_translated_and_json_on_the_api(client, session):
    page = client.get("/no-such-page")
    assert page.status_code == 404 and "您要访问的页面不存在" in page.get_data(as_text=True)
    english = client.get("/no-such-page", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "does not exist" in english
    api = client.get("/api/v1/nothing-here")
    assert api.is_json and api.get_json()["error"]["code"] == "not_found"


def test_api_writes_work_with_csrf_enabled_and_forms_still_need_it(app, client, session):
    """The API is authenticated by tokens only, so it is exempt from CSRF; the forms are not."""
    from accounts.tokens import create_token
    from core.db import db

    user = make_user(Role.OFFICER)
    _token, plain = create_token(user, "t", actor=user)
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/api/v1/orgs", json={"name": "x"}, headers={"Authorization": f"Bearer {plain}"})
        assert response.status_code == 422  # validated, not refused for lack of a CSRF token
        assert client.post("/api/v1/orgs", json={}, headers={"Authorization": "Bearer gz_wrong"}).status_code == 401
        assert client.post("/account/tokens", data={"name": "no csrf"}).status_code in (302, 400)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_signed_csrf_token_is_reused_briefly_per_session(app, client, session, login_as, monkeypatch):
    """csrf_token() reuses a session's signed token for CSRF_REUSE_SECONDS; other sessions never get it, and a
    reused token is accepted."""
    from core import security

    def token_of(page_client) -> str:
        page = page_client.get("/").get_data(as_text=True)
        return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]

    signings = []
    real_generate = security.generate_csrf
    monkeypatch.setattr(security, "generate_csrf", lambda: signings.append(1) or real_generate())
    login_as(make_user(Role.OFFICER))
    first = token_of(client)
    assert token_of(client) == first and len(signings) == 1  # reused, not signed again
    other = app.test_client()
    other.post("/login", data={"username": make_user(Role.OFFICER).username, "password": PASSWORD})
    assert token_of(other) != first
    clock = [security.time.monotonic()]
    monkeypatch.setattr(security.time, "monotonic", lambda: clock[0])
    before = len(signings)
    token_of(client)
    clock[0] += security.CSRF_REUSE_SECONDS + 1
    token_of(client)
    assert len(signings) == before + 1  # signed afresh once the reuse window is over
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post("/logout", data={"csrf_token": first}).status_code == 302  # the reused one still works
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_no_page_template_relies_on_what_the_csp_blocks():
    """The policy (style-src/script-src 'self', no 'unsafe-inline') makes the browser ignore inline styles, handlers
    and scripts, silently: every page template is checked, not only the pages above. PDF templates (*_pdf.html) are
    rendered by WeasyPrint, which no policy governs."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    offenders = [str(path.relative_to(root)) for path in sorted(root.rglob("*.html"))
                 if not path.name.endswith("_pdf.html")
                 and re.search(r'\sstyle=|\son[a-z]+=|<script(?![^>]*\ssrc=)', path.read_text(encoding="utf-8"))]
    assert offenders == []
