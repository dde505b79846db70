"""The resident's pages read on a phone by elderly residents (a QA walk, Chinese): each voucher's amounts say which
is what is left and which its face value; a suspended resident asking for a code is told they are suspended and to
contact their community (not that they wait to be verified); the tabs lead to their needs too; the catalogue and a
provider's page say of a service priced above the monthly limit that the vouchers cannot pay it all in a month."""

import re

from accounts.residents import transition_resident
from core.db import db
from vouchers import issuance, redemption

from .helpers import service, world
from .test_views import phone_resident


def text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))


def test_each_voucher_labels_what_is_left_and_its_face_value(app, client, login_as):
    with app.test_request_context():
        w = world()
        user, profile = phone_resident(w.staff, "王淑芬")
        issuance.issue_to_resident(w.programme, profile, actor=w.officer)
        code, _row = redemption.issue_code(profile, actor=user)
        redemption.redeem(code, w.service, 3000, "spend-part", actor=w.manager)
    db.session.commit()
    login_as(user)
    rows = [text(row) for row in re.findall(r'<li class="list-group-item voucher-big">(.*?)</li>',
                                            client.get("/vouchers/me").get_data(as_text=True), re.S)]
    left = sorted(re.search(r"剩余 (¥\S+) · 面值 ¥50\.00", row).group(1) for row in rows)
    assert left == ["¥20.00", "¥50.00", "¥50.00", "¥50.00"]
    assert not any("/ ¥50.00" in row for row in rows)
    english = client.get("/vouchers/me", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Left ¥20.00 · Face value ¥50.00" in text(english)


def test_a_suspended_resident_asking_for_a_code_is_told_they_are_suspended(app, client, login_as):
    with app.test_request_context():
        w = world()
        user, profile = phone_resident(w.staff, "李桂兰")
        transition_resident(profile, "suspended", actor=w.staff, reason="待核实")
    db.session.commit()
    login_as(user)
    response = client.get("/vouchers/me/code")
    assert response.status_code == 302 and response.location.endswith("/vouchers/me")
    page = text(client.get("/vouchers/me").get_data(as_text=True))
    assert "您的居民信息已被暂停，暂时不能使用服务券。请联系您所在的社区居委会。" in page
    assert "社区核实您的信息后" not in page


def test_the_tabs_lead_to_the_residents_needs_and_mark_it_there(app, client, login_as):
    with app.test_request_context():
        w = world()
        user, _profile = phone_resident(w.staff, "赵秀兰")
    db.session.commit()
    login_as(user)
    tabs = client.get("/vouchers/me").get_data(as_text=True).split('class="resident-tabs')[1].split("</nav>")[0]
    assert 'href="/needs/mine"' in tabs and "我的需求" in tabs
    needs_page = client.get("/needs/mine").get_data(as_text=True)
    tabs = needs_page.split('class="resident-tabs')[1].split("</nav>")[0]
    assert re.search(r'href="/needs/mine" aria-current="page"', tabs)


def test_the_catalogue_notes_a_service_priced_above_the_monthly_limit(app, client, login_as):
    with app.test_request_context():
        w = world(resident_cap_fen=20_000)  # ¥200.00 a month; the world's service costs ¥500.00
        cheap = service(w.org, w.manager, price_fen=15_000)
        user, _profile = phone_resident(w.staff, "孙玉兰")
    db.session.commit()
    login_as(user)
    page = client.get(f"/vouchers/catalogue?programme={w.programme.id}").get_data(as_text=True)
    cards = {text(name): text(card) for card, name in re.findall(
        r'(<li class="card mb-3 service">.*?<p class="h5 mb-1 service-name">(.*?)</p>.*?</li>)', page, re.S)}
    note = "此服务价格超过您每月可用服务券支付的上限（¥200.00）。"
    assert note in cards[w.service.name] and note not in cards[cheap.name]
    # The provider's page draws its services with the same macro (vouchers/_service.html), so says it there too.
    provider = client.get(f"/vouchers/catalogue/providers/{w.org.id}?programme={w.programme.id}").get_data(as_text=True)
    card = lambda s: text(provider.split(f'id="service-{s.id}"')[1].split("</li>")[0])  # noqa: E731
    assert note in card(w.service) and note not in card(cheap)
