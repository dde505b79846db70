"""A form refused by the generic check (an expired or missing CSRF token, caught before the view; a form that does
not validate, caught by the safety net) gets an error page with "Back to the form" to the page it came from (its
Referer, on this site), not only the home page; and nothing changes."""

from sqlalchemy import func, select

from core.db import db
from vouchers.redemption_models import Settlement

from .test_views import scene  # noqa: F401  (fixture)


def back_link(page: str) -> str | None:
    if ">返回表单</a>" not in page:
        return None
    return page.split('<a class="btn btn-primary" href="')[1].split('"')[0]


def test_an_expired_token_offers_the_way_back_to_the_form(app, scene, client, login_as, monkeypatch):  # noqa: F811
    login_as(scene.w.officer)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # as in production
    form_page = f"/vouchers/settlements/{scene.settlement.id}"
    response = client.post(f"{form_page}/approved", data={"csrf_token": "stale"},
                           headers={"Referer": f"http://localhost{form_page}"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "表单已过期，请刷新页面后重试。" in page
    assert back_link(page) == form_page
    assert 'href="/">返回首页' in page  # the home page still beside it
    db.session.expire_all()
    assert db.session.get(Settlement, scene.settlement.id).status == "draft"


def test_no_way_back_to_another_site(app, scene, client, login_as, monkeypatch):  # noqa: F811
    login_as(scene.w.officer)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post(f"/vouchers/settlements/{scene.settlement.id}/approved",
                           headers={"Referer": "https://evil.example/vouchers"})
    assert response.status_code == 400 and back_link(response.get_data(as_text=True)) is None


def test_an_invalid_form_caught_generically_offers_the_way_back(scene, client, login_as):  # noqa: F811
    login_as(scene.w.officer)
    programme_page = f"/vouchers/programmes/{scene.w.programme.id}"
    before = db.session.scalar(select(func.count(Settlement.id)))
    response = client.post(f"{programme_page}/settlements", data={"provider_id": scene.w.org.id, "period": "May"},
                           headers={"Referer": f"http://localhost{programme_page}?page=2"})
    assert response.status_code == 422
    assert back_link(response.get_data(as_text=True)) == f"{programme_page}?page=2"
    assert db.session.scalar(select(func.count(Settlement.id))) == before
