"""The QA walk on a phone, the smaller things: an expired code's page has one button that gets a new code (it had
获取新的核销码 and 获取核销码); the catalogue opens at the resident's own community and lists only the programme's
communities; a code the provider's page refuses is said once, beside the field; a resident and nothing else finds
what they use at the menu's top level and not the calls, organisations, "My work" and "Verify" menus."""

import re
from datetime import timedelta

from sqlalchemy import update

from accounts.enums import Role
from core.db import db, utcnow
from tests.factories import login, logout, make_user
from tests.orgs.helpers import community
from vouchers import issuance, programmes, redemption
from vouchers.enums import ProgrammeStatus
from vouchers.redemption_models import RedemptionCode

from .helpers import running_programme, world
from .test_codes_and_limits import redeem_form
from .test_programme_suspension import committed
from .test_views import phone_resident

ZH = {"Accept-Language": "zh-CN"}

GREEN = re.compile(r'class="btn btn-success[^"]*"')


# --- 3. an expired code: one button for a new one --------------------------------------------------------------------

def expired_code_page(app, client, login_as, w, user) -> str:
    login_as(user)
    assert client.post("/vouchers/me/code", data={"programme_id": str(w.programme.id)}).status_code == 302
    client.get("/vouchers/me/code")
    db.session.execute(update(RedemptionCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    return client.get("/vouchers/me/code", headers=ZH).get_data(as_text=True)


def test_an_expired_code_offers_one_button_for_a_new_code(app, session, client, login_as):
    def build():
        w = world()
        user, profile = phone_resident(w.staff, "冯玉珍")
        issuance.issue_to_resident(w.programme, profile, actor=w.officer)
        return w, user
    w, user = committed(app, build)
    page = expired_code_page(app, client, login_as, w, user)
    main = page.split('<main', 1)[1]
    assert len(GREEN.findall(main)) == 1 and "获取新的核销码" in main and "获取核销码<" not in main
    assert 'id="make-code"' not in main and 'id="code-form"' not in main
    form = re.search(r'<form method="post"[^>]*id="new-code-form">.*?</form>', main, re.S).group(0)
    fields = dict(re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', form))
    assert client.post("/vouchers/me/code", data=fields).status_code == 302  # and it does get one
    assert 'id="one-time-code"' in client.get("/vouchers/me/code").get_data(as_text=True)


def test_with_two_programmes_the_choice_holds_the_one_button(app, session, client, login_as):
    def build():
        w = world()
        second = running_programme(w.officer, name="助浴服务券")
        user, profile = phone_resident(w.staff, "冯玉珍")
        for programme in (w.programme, second):
            issuance.issue_to_resident(programme, profile, actor=w.officer)
        return w, user
    w, user = committed(app, build)
    page = expired_code_page(app, client, login_as, w, user)
    main = page.split('<main', 1)[1]
    assert len(GREEN.findall(main)) == 1 and 'id="make-code"' in main and 'id="code-form"' in main
    assert re.search(r'<a class="btn btn-outline-primary btn-lg" id="code-next" href="#code-form">', main)


# --- 4. the catalogue's community filter -----------------------------------------------------------------------------

def community_options(page: str) -> list[tuple[str, str, bool]]:
    select = re.search(r'<select[^>]*id="filter-community">(.*?)</select>', page, re.S).group(1)
    return [(value, name.strip(), bool(selected)) for value, selected, name in
            re.findall(r'<option value="([^"]*)"\s*(selected)?\s*>([^<]*)</option>', select)]


def test_the_catalogue_opens_at_the_residents_community_among_the_programmes(app, session, client, login_as):
    def build():
        officer, staff = make_user(Role.OFFICER), make_user(Role.COMMUNITY_STAFF)
        served = [community("和平社区"), community("光明社区")]
        community("新华社区")  # not the programme's
        programme = running_programme(officer, community_ids=[c.id for c in served])
        user, profile = phone_resident(staff, "钱桂英")  # of 和平社区
        issuance.issue_to_resident(programme, profile, actor=officer)
        return programme, user, profile
    programme, user, profile = committed(app, build)
    login_as(user)
    page = client.get("/vouchers/catalogue", headers=ZH).get_data(as_text=True)
    options = community_options(page)
    assert [name for _v, name, _s in options] == ["全部社区", "和平社区", "光明社区"]
    assert [value for value, _n, chosen in options if chosen] == [str(profile.community_id)]
    everywhere = client.get(f"/vouchers/catalogue?programme={programme.id}&category=&community=",
                            headers=ZH).get_data(as_text=True)
    assert not any(chosen for _v, _n, chosen in community_options(everywhere))  # 全部: kept as chosen
    link = re.search(r'href="(/vouchers/catalogue/providers/[^"]+)"', everywhere).group(1)
    assert "community=&amp;" in link or link.endswith("community=")  # the way back keeps 全部
    provider_page = client.get(link.replace("&amp;", "&"), headers=ZH).get_data(as_text=True)
    assert re.search(r'href="/vouchers/catalogue\?[^"]*community=(&amp;|")', provider_page)
    xinhua = community("新华社区").id
    outside = client.get(f"/vouchers/catalogue?community={xinhua}", headers=ZH).get_data(as_text=True)
    assert not any(chosen for _v, _n, chosen in community_options(outside))  # not the programme's: every one


def test_a_programme_for_every_community_lists_them_all_and_staff_start_at_all(app, session, client, login_as):
    def build():
        w = world()
        community("新华社区")
        return w
    w = committed(app, build)
    login_as(w.staff)
    names = [name for _v, name, _s in community_options(client.get("/vouchers/catalogue", headers=ZH)
                                                         .get_data(as_text=True))]
    assert "新华社区" in names and "和平社区" in names
    assert not any(chosen for _v, _n, chosen in community_options(
        client.get("/vouchers/catalogue", headers=ZH).get_data(as_text=True)))


# --- 5. a refused code on the provider's page: said once, beside the field -------------------------------------------

def test_a_refused_code_is_said_once_beside_the_field(app, session, client, login_as):
    w = committed(app, world)
    code = committed(app, lambda: redemption.issue_code(w.resident, actor=w.staff)[0])
    committed(app, lambda: redemption.redeem(code, w.service, 1000, "k-first", actor=w.manager))
    login_as(w.manager)
    refused = redeem_form(client, w, code, "10", key="form-again")
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    reason = "该核销码已使用，请居民重新获取。"
    assert page.count(reason) == 1
    beside = re.search(r'<div id="code-error" class="field-errors">(.*?)</div></div>', page, re.S).group(1)
    assert reason in beside and 'alert-danger' not in page.split('id="redeem-form"', 1)[0].split("<main", 1)[1]


def test_too_little_balance_is_said_once_in_full_beside_the_amount(app, session, client, login_as):
    w = committed(app, world)  # ¥200
    code = committed(app, lambda: redemption.issue_code(w.resident, actor=w.staff)[0])
    login_as(w.manager)
    page = redeem_form(client, w, code, "300").get_data(as_text=True)
    beside = re.search(r'<div id="amount_fen-error" class="field-errors">(.*?)</div></div>', page, re.S).group(1)
    assert "居民余额不足：还剩 ¥200.00" in beside and "差额请另行向居民收取" in beside
    assert page.count("居民余额不足") == 1


def test_a_refusal_tied_to_no_field_stays_at_the_top(app, session, client, login_as):
    w = committed(app, world)
    code = committed(app, lambda: redemption.issue_code(w.resident, actor=w.staff)[0])
    committed(app, lambda: programmes.transition_programme(w.programme, ProgrammeStatus.SUSPENDED, actor=w.officer,
                                                           reason="核查"))
    login_as(w.manager)
    page = redeem_form(client, w, code, "10").get_data(as_text=True)
    top = page.split("<main", 1)[1].split('id="redeem-form"', 1)[0]
    assert re.search(r'class="alert alert-danger"[^>]*>[^<]*暂停', top) and 'id="code-error"' not in page


# --- 7. a resident's menu ---------------------------------------------------------------------------------------------

def main_menu(client, user) -> str:
    logout(client)
    assert login(client, user.username).status_code == 302
    page = client.get("/", headers=ZH).get_data(as_text=True)
    return page.split('id="mainnav"', 1)[1].split("</nav>", 1)[0]


def test_a_resident_only_finds_what_they_use_in_the_menu(app, session, client):
    resident = make_user(Role.RESIDENT)
    db.session.commit()
    menu = main_menu(client, resident)
    for href in ("/vouchers/me", "/vouchers/catalogue", "/needs/mine", "/notifications", "/account"):
        assert f'href="{href}' in menu, href
    for gone in ('href="/calls/', 'href="/orgs/"', 'id="workmenu"', 'id="checkmenu"', 'id="managemenu"'):
        assert gone not in menu, gone
    assert 'class="nav-link" href="/vouchers/me"' in menu  # at the top level, not in a dropdown
    for public in ("/calls/", "/orgs/", "/audit/head", "/verify"):  # still reachable by their addresses
        assert client.get(public).status_code == 200, public


def test_other_roles_keep_their_menus(app, session, client):
    users = {"staff": make_user(Role.COMMUNITY_STAFF), "officer": make_user(Role.OFFICER),
             "resident_and_staff": make_user(Role.RESIDENT, Role.COMMUNITY_STAFF), "none": make_user()}
    db.session.commit()
    for name, user in users.items():
        menu = main_menu(client, user)
        for kept in ('href="/calls/', 'id="workmenu"', 'id="checkmenu"'):
            assert kept in menu, (name, kept)
    both = main_menu(client, users["resident_and_staff"])
    assert 'class="dropdown-item" href="/vouchers/me"' in both and 'class="nav-link" href="/vouchers/me"' not in both
    logout(client)
    anonymous = client.get("/", headers=ZH).get_data(as_text=True).split('id="mainnav"', 1)[1]
    assert 'href="/calls/' in anonymous and 'id="checkmenu"' in anonymous
