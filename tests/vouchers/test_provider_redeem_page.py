"""The provider's redeem page (核销) as the server renders it: every service offered says its listed price (the most
that may be redeemed for it) in its option, visible without JavaScript, and carries it for static/js/redeem.js;
a page opened with one service chosen (the only one offered, or ?service_id=) starts with that price as the amount;
the "Scan the code" button and its translated messages are there, hidden until the script finds a camera API,
and the QR reader it loads is served from the app with its licence. In a browser: tests/e2e/test_provider_scan.py."""

import re
from pathlib import Path

import pytest

from core.db import db
from vouchers import catalogue

from .helpers import provider, service

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def w(provider_world):
    return provider_world  # one service offered, at ¥500.00


def redeem_form(client, org_id: int, query: str = "", **headers) -> str:
    html = client.get(f"/vouchers/provider/{org_id}{query}", headers=headers).get_data(as_text=True)
    return re.search(r'<form[^>]*id="redeem-form".*?</form>', html, re.S).group(0)


def options(form: str) -> list[tuple[str, str, bool, str]]:
    """The service select's options: (value, data-price, selected, label)."""
    select = re.search(r'<select[^>]*id="service_id".*?</select>', form, re.S).group(0)
    return [(re.search(r'value="([^"]*)"', attrs).group(1),
             (re.search(r'data-price="([^"]*)"', attrs) or [None, ""])[1], " selected" in attrs, label)
            for attrs, label in re.findall(r"<option([^>]*)>(.*?)</option>", select)]


def chosen(form: str) -> list[str]:
    return [value for value, _price, selected, _label in options(form) if selected]


def amount(form: str) -> str:
    return re.search(r'<input[^>]*id="amount_fen"[^>]*value="([^"]*)"', form).group(1)


def add_service(app, w, price_fen: int, *, active: bool = True):
    with app.test_request_context():
        made = service(w.org, w.manager, price_fen=price_fen)
        if not active:
            catalogue.update_service(made, catalogue.ServiceData(name=made.name, category_id=made.category_id,
                                                                 price_fen=price_fen, active=False), actor=w.manager)
    db.session.commit()
    return made


def test_each_service_offered_shows_its_price_and_the_only_one_starts_chosen_at_its_price(w, client, login_as):
    login_as(w.manager)
    form = redeem_form(client, w.org.id)
    assert options(form) == [("", "", False, "—"), (str(w.service.id), "500.00", True, f"{w.service.name}（¥500.00）")]
    assert amount(form) == "500.00"
    english = redeem_form(client, w.org.id, **{"Accept-Language": "en"})
    assert options(english)[1][3] == f"{w.service.name} (¥500.00)" and amount(english) == "500.00"  # brackets of
    # the language: full-width only in Chinese


def test_with_several_services_none_is_chosen_unless_the_address_names_one(app, w, client, login_as):
    big = add_service(app, w, 123_456)  # ¥1,234.56: typed without the thousands comma
    stopped = add_service(app, w, 2_000, active=False)
    other_org, other_manager = provider(w.officer)
    with app.test_request_context():
        elsewhere = service(other_org, other_manager, price_fen=700)
    db.session.commit()
    login_as(w.manager)
    form = redeem_form(client, w.org.id)
    shown = options(form)
    assert [(value, price) for value, price, _selected, _label in shown] == [
        ("", ""), (str(w.service.id), "500.00"), (str(big.id), "1234.56")]  # not the one no longer offered
    assert f"{big.name}（¥1,234.56）" in form and stopped.name not in form
    assert chosen(form) == [""] and amount(form) == ""  # "—"
    named = redeem_form(client, w.org.id, f"?service_id={big.id}")
    assert chosen(named) == [str(big.id)]
    assert amount(named) == "1234.56"
    for query in (f"?service_id={stopped.id}", f"?service_id={elsewhere.id}", "?service_id=abc",
                  "?service_id=99999999999999999999"):
        form = redeem_form(client, w.org.id, query)
        assert chosen(form) == [""] and amount(form) == "", query


def test_a_refused_redemption_keeps_what_was_typed(w, client, login_as):
    login_as(w.manager)
    response = client.post(f"/vouchers/provider/{w.org.id}/redeem", headers={"Accept-Language": "en"}, data={
        "code": "00000000", "service_id": str(w.service.id), "amount_fen": "12.5", "idempotency_key": "typed-1"})
    assert response.status_code == 409  # an unknown code (as the API answers)
    form = re.search(r'<form[^>]*id="redeem-form".*?</form>', response.get_data(as_text=True), re.S).group(0)
    assert amount(form) == "12.5"  # not replaced by the service's price


def test_the_scan_button_and_its_messages_wait_for_the_script(w, client, login_as):
    login_as(w.manager)
    form = redeem_form(client, w.org.id)
    assert re.search(r'<button type="button"[^>]*id="scan-code" hidden>扫码</button>', form)
    assert 'data-msg-denied="无权使用摄像头' in form and 'data-msg-read="已读取核销码：%(code)s"' in form
    english = redeem_form(client, w.org.id, **{"Accept-Language": "en"})
    assert ">Scan the code</button>" in english and 'data-msg-no-camera="No camera was found' in english
    page = client.get(f"/vouchers/provider/{w.org.id}").get_data(as_text=True)
    assert '<script src="/static/js/redeem.js" defer></script>' in page
    reader = re.search(r'data-jsqr="([^"]+)"', form).group(1)
    assert reader == "/static/vendor/jsqr/jsQR.js"
    for url in ("/static/js/redeem.js", reader):
        response = client.get(url)
        assert response.status_code == 200 and b"jsQR" in response.data, url
        response.close()
    assert "Apache License" in (ROOT / "static/vendor/jsqr/LICENSE").read_text()


def test_who_may_not_redeem_sees_no_redeem_form(w, client, login_as):
    login_as(w.officer)
    page = client.get(f"/vouchers/provider/{w.org.id}").get_data(as_text=True)
    assert 'id="redeem-form"' not in page and "redeem.js" not in page


@pytest.mark.parametrize("typed", ["{a} {b}", "{a}-{b}", " {a}　{b} ", "{fa}{fb}"])
def test_a_code_typed_as_the_resident_page_shows_it_is_redeemed(app, w, client, login_as, typed):
    """The resident's page shows the code in two groups of four ('1234 5678'): typed so, or with a hyphen, an
    ideographic space or a Chinese keyboard's full-width digits, it is the code (it was 'The code has 8 digits.',
    and the input's maxlength of 8 cut the second group short)."""
    from sqlalchemy import select

    from vouchers import redemption
    from vouchers.redemption_models import Redemption

    with app.test_request_context():
        code, _row = redemption.issue_code(w.resident, actor=w.staff)
    db.session.commit()
    full_width = code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    text = typed.format(a=code[:4], b=code[4:], fa=full_width[:4], fb=full_width[4:])
    login_as(w.manager)
    assert 'maxlength="12"' in redeem_form(client, w.org.id)
    response = client.post(f"/vouchers/provider/{w.org.id}/redeem", data={
        "code": text, "service_id": str(w.service.id), "amount_fen": "30", "idempotency_key": "typed-code-1"})
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    redeemed = select(Redemption.amount_fen).where(Redemption.service_id == w.service.id)
    assert db.session.scalars(redeemed).all() == [3000]


def test_with_no_service_offered_the_page_says_to_add_one_instead_of_a_form_that_cannot_work(app, w, client,
                                                                                             login_as):
    """The form's service list was empty ('—') and every attempt refused, with nothing saying what to do."""
    with app.test_request_context():
        catalogue.update_service(w.service, catalogue.ServiceData(
            name=w.service.name, category_id=w.service.category_id, price_fen=w.service.price_fen, active=False),
            actor=w.manager)
    db.session.commit()
    login_as(w.manager)
    page = client.get(f"/vouchers/provider/{w.org.id}").get_data(as_text=True)
    assert 'id="redeem-form"' not in page and "redeem.js" not in page
    assert '<p id="no-services">目前没有正在提供的服务。请先添加服务' in page
    assert f'<a class="btn btn-primary" href="/vouchers/provider/{w.org.id}/services/new">添加服务</a>' in page
