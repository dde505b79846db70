"""What a resident is told about their dispute and their vouchers, in plain words (a QA walk as an elderly resident,
in Chinese, on a phone): the card of a disputed redemption says the dispute is under review, then whether it was
upheld (and how much went back to their vouchers) or not, with the officer's note, never the accounting word 已冲正;
the officer's decision reaches the resident, and only them, as a notification. A rating of a redemption reversed by
an upheld dispute leaves the provider's average, count and star counts. A resident without vouchers is told why.
The code page's next steps after a code is used or expires are buttons, not 25px links."""

import html
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from accounts.notifications import Notification
from accounts.resident_models import ResidentProfile
from accounts.residents import ResidentData, submit_profile, transition_resident
from core.db import db, utcnow
from tests.factories import login, make_user
from tests.orgs.helpers import community
from vouchers import catalogue, disputes, issuance, ledger, no_balance, programmes, redemption
from vouchers.enums import ProgrammeStatus
from vouchers.models import Voucher
from vouchers.redemption_models import Dispute, RedemptionCode

from .helpers import id_number, running_programme, world
from .test_views import phone_resident

PAGE = "/vouchers/me/redemptions"


def text_of(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def card(page: str, redemption_id: int) -> str:
    found = re.search(rf'<li class="card mb-3 redemption" id="redemption-{redemption_id}">(.*?)</li>', page, re.S)
    assert found, "no card for the redemption"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1)))


@pytest.fixture
def scene(app, session):
    """A resident who logs in (张秀英) with a ¥100.00 redemption she rated 1 star, and another resident's redemption
    at the same provider rated 5 stars: (world, her user, her redemption id, the other resident's user)."""
    with app.test_request_context():
        w = world()
        user, profile = phone_resident(w.staff, "张秀英")
        other_user, other = phone_resident(w.staff, "李桂兰")
        made = {}
        for who, person, stars in ((user, profile, 1), (other_user, other, 5)):
            issuance.issue_to_resident(w.programme, person, actor=w.officer)
            code, _row = redemption.issue_code(person, actor=who)
            made[who.id] = redemption.redeem(code, w.service, 10_000, f"k-{who.id}", actor=w.manager).redemption
            catalogue.rate(made[who.id], stars, "", actor=who)
    db.session.commit()
    return w, user, made[user.id].id, other_user


def dispute_and_decide(app, client, login_as, scene, uphold: bool, note: str):
    """She disputes on her page; the officer decides on his (the real routes)."""
    w, user, rid, _other = scene
    login_as(user)
    assert client.post(f"/vouchers/redemptions/{rid}/dispute", data={"reason": "护理员没有上门"}).status_code == 302
    officer = app.test_client()
    assert login(officer, w.officer.username).status_code == 302
    dispute_id = db.session.scalar(select(Dispute.id).where(Dispute.redemption_id == rid))
    decided = officer.post(f"/vouchers/disputes/{dispute_id}/decide", data={"uphold": "1" if uphold else "0",
                                                                         "note": note})
    assert decided.status_code == 302
    return rid


TO_RESIDENTS = (Notification.code.like("voucher.%"), ~Notification.code.like("%.provider"))  # (the provider's
# members are told with notices of their own: tests.vouchers.test_dispute_notices)


def notes() -> list[tuple[int, str]]:
    return [(n.user_id, n.code) for n in db.session.scalars(
        select(Notification).where(*TO_RESIDENTS).order_by(Notification.id))]


def test_while_open_the_card_says_the_dispute_is_under_review(scene, client, login_as):
    _w, user, rid, _other = scene
    login_as(user)
    client.post(f"/vouchers/redemptions/{rid}/dispute", data={"reason": "护理员没有上门"})
    said = card(text_of(client.get(PAGE)), rid)
    assert "异议处理中" in said and "反映的问题：护理员没有上门" in said
    assert "工作人员会核实处理，结果会通知您。" in said
    assert "有异议" not in said and "异议成立" not in said and "异议未成立" not in said
    assert notes() == []  # nothing decided, nobody told yet


def test_upheld_the_resident_reads_the_money_came_back_and_is_notified(app, scene, client, login_as):
    w, user, _rid, other_user = scene
    rid = dispute_and_decide(app, client, login_as, scene, True, "经核实护理员未上门")
    said = card(text_of(client.get(PAGE)), rid)
    assert "异议成立，¥100.00 已退回您的服务券。" in said
    assert "处理说明：经核实护理员未上门" in said and "反映的问题：护理员没有上门" in said
    assert "已退回服务券" in said  # the status, in plain words
    assert "已冲正" not in said and "冲正" not in said and "异议处理中" not in said
    assert "rate-form" not in said and "dispute-form" not in said
    # Told once, and only her: not the officer, the provider (beyond its own notice), community staff or the other
    # resident.
    assert notes() == [(user.id, "voucher.dispute_upheld")]
    told = text_of(client.get("/notifications"))
    assert "提出的异议成立，¥100.00 已退回您的服务券。处理说明：经核实护理员未上门" in told
    assert w.service.name in told and f'href="{PAGE}#redemption-{rid}"' in told
    for someone in (w.officer, w.manager, w.staff, other_user):
        assert db.session.scalar(select(Notification.id).where(Notification.user_id == someone.id,
                                                               *TO_RESIDENTS)) is None
    # Her balance has the ¥100.00 back (4 × ¥50.00 issued).
    assert [line.balance_fen for line in redemption.balance(profile_of(user))] == [20_000]


def profile_of(user) -> ResidentProfile:
    return db.session.scalar(select(ResidentProfile).where(ResidentProfile.user_id == user.id))


def test_rejected_the_resident_reads_it_was_not_upheld_and_is_notified(app, scene, client, login_as):
    _w, user, _rid, _other = scene
    rid = dispute_and_decide(app, client, login_as, scene, False, "护理记录和照片显示已上门")
    said = card(text_of(client.get(PAGE)), rid)
    assert "异议未成立，费用不退回。" in said and "处理说明：护理记录和照片显示已上门" in said
    assert "已用服务券支付" in said  # the redemption stands
    assert "异议成立" not in said and "已退回" not in said and "异议处理中" not in said
    assert notes() == [(user.id, "voucher.dispute_rejected")]
    told = text_of(client.get("/notifications"))
    assert "提出的异议未成立，费用不退回。处理说明：护理记录和照片显示已上门" in told


def test_in_english_too(app, scene, client, login_as):
    _w, _user, _rid, _other = scene
    rid = dispute_and_decide(app, client, login_as, scene, True, "Not delivered")
    said = card(text_of(client.get(PAGE, headers={"Accept-Language": "en"})), rid)
    assert "Dispute upheld: ¥100.00 has been returned to your vouchers." in said
    assert "Officer's note: Not delivered" in said and "Money returned to the vouchers" in said
    assert "Reversed" not in said


def test_community_staff_read_it_about_the_resident(app, scene, client, login_as):
    w, user, _rid, _other = scene
    rid = dispute_and_decide(app, client, login_as, scene, True, "经核实护理员未上门")
    staff = app.test_client()
    assert login(staff, w.staff.username).status_code == 302
    said = card(text_of(staff.get(f"/vouchers/residents/{profile_of(user).id}")), rid)
    assert "异议成立，¥100.00 已退回该居民的服务券。" in said and "您的" not in said


def test_value_returned_to_an_expired_voucher_is_said_to_be_lost(app, scene, client, login_as):
    """Upheld after her voucher expired: the ¥100.00 went back to it and lapsed at once; she is told so."""
    w, user, rid, _other = scene
    login_as(user)
    client.post(f"/vouchers/redemptions/{rid}/dispute", data={"reason": "护理员没有上门"})
    with app.test_request_context():
        db.session.execute(update(Voucher).where(Voucher.resident_id == profile_of(user).id)
                           .values(expires_at=utcnow() - timedelta(minutes=1)))
        ledger.expire_due()
        found = db.session.scalar(select(Dispute).where(Dispute.redemption_id == rid))
        disputes.decide_dispute(found, True, "经核实护理员未上门", actor=w.officer)
    db.session.commit()
    said = card(text_of(client.get(PAGE)), rid)
    assert "异议成立，¥100.00 已退回您的服务券。" in said
    assert "其中 ¥100.00 退回到的服务券已过期或已收回，不能再用。" in said
    assert notes() == [(user.id, "voucher.dispute_upheld_lapsed")]
    assert "但其中 ¥100.00 退回到的服务券已过期或已收回，不能再用" in text_of(client.get("/notifications"))


def test_a_reversed_redemptions_rating_leaves_the_providers_average(app, scene, client, login_as):
    w, _user, _rid, _other = scene
    start, end = utcnow() - timedelta(days=1), utcnow() + timedelta(days=1)
    assert catalogue.provider_rating(w.org) == catalogue.ProviderRating(catalogue.Decimal("3.0"), 2)
    assert catalogue.star_counts(org_id=w.org.id, start=start, end=end) == {1: 1, 5: 1}
    dispute_and_decide(app, client, login_as, scene, True, "经核实护理员未上门")
    assert catalogue.provider_rating(w.org) == catalogue.ProviderRating(catalogue.Decimal("5.0"), 1)
    assert catalogue.provider_ratings([w.org.id])[w.org.id].count == 1  # the catalogue's, the same rule
    assert catalogue.star_counts(org_id=w.org.id, start=start, end=end) == {5: 1}  # project evaluations'
    # Her rating is still hers, on her list.
    assert "★☆☆☆☆" in text_of(client.get(PAGE))


def test_a_rejected_disputes_rating_still_counts(app, scene, client, login_as):
    w, _user, _rid, _other = scene
    dispute_and_decide(app, client, login_as, scene, False, "已上门")
    assert catalogue.provider_rating(w.org) == catalogue.ProviderRating(catalogue.Decimal("3.0"), 2)


# --- a resident without vouchers is told why ------------------------------------------------------------------


def resident_page(client, user) -> str:
    client.post("/logout")
    assert login(client, user.username).status_code == 302
    return text_of(client.get("/vouchers/me"))


def reasons_in(page: str) -> list[str]:
    found = re.search(r'<ul class="mb-3" id="no-balance-reasons">(.*?)</ul>', page, re.S)
    return [re.sub(r"<[^>]+>", "", li).strip() for li in re.findall(r"<li>(.*?)</li>", found.group(1), re.S)] \
        if found else []


@pytest.fixture
def young(app, session):
    """A running programme for residents aged 70 and over, and a verified 65-year-old who logs in."""
    with app.test_request_context():
        w = world(min_age=70, name="高龄助餐券")
        user = make_user("resident", phone="13900001111")
        today = date.today()
        number = id_number(date(today.year - 65, 1, 1))
        profile = submit_profile(user, ResidentData("赵小红", number, community("和平社区").id), actor=user)
        transition_resident(profile, "verified", actor=w.staff, card_number=number)
    db.session.commit()
    return w, user, profile


def test_a_resident_under_the_programmes_age_is_told_so(young, client):
    w, user, _profile_ = young
    page = resident_page(client, user)
    assert "您目前没有可用的服务券余额。" in page
    assert reasons_in(page) == ["“高龄助餐券”只发给 70 周岁及以上的居民。"]
    assert w.resident.real_name not in page  # nothing about anyone else
    code_page = text_of(client.get("/vouchers/me/code"))
    assert "“高龄助餐券”只发给 70 周岁及以上的居民。" in code_page


def test_used_up_and_expired_vouchers_are_said(app, scene, client):
    w, user, _rid, _other = scene
    with app.test_request_context():
        profile = profile_of(user)
        assert no_balance.reasons(profile) == []  # ¥100.00 left: nothing to explain
        code, _row = redemption.issue_code(profile, actor=user)
        redemption.redeem(code, w.service, 10_000, "k-rest", actor=w.manager)
    db.session.commit()
    page = resident_page(client, user)
    assert reasons_in(page) == ["您“高龄老人助餐服务券”本月的服务券已经用完了。"]
    db.session.execute(update(Voucher).where(Voucher.resident_id == profile_of(user).id)
                       .values(expires_at=utcnow() - timedelta(days=1)))
    with app.test_request_context():
        ledger.expire_due()
    db.session.commit()
    with app.test_request_context():
        assert no_balance.reasons(profile_of(user)) == ["您“高龄老人助餐服务券”本月的服务券已过期。"]


def test_not_yet_issued_other_community_and_no_programme(app, session):
    with app.test_request_context():
        w = world()
        waiting = phone_resident(w.staff, "钱秀兰")[1]
        elsewhere_programme = running_programme(w.officer, name="阳光社区助餐券",
                                                community_ids=[community("阳光社区").id])
        said = no_balance.reasons(waiting)
        assert said == ["您符合“高龄老人助餐服务券”的条件，但服务券还没有发给您。",
                        "“阳光社区助餐券”不在您的社区开展。"]
        for programme in (w.programme, elsewhere_programme):
            programmes.transition_programme(programme, ProgrammeStatus.CLOSED, actor=w.officer, reason="结束")
        assert no_balance.reasons(waiting) == ["目前没有正在开展的服务券项目。"]
        assert no_balance.reasons(w.resident) == ["目前没有正在开展的服务券项目。",
                                                  "“高龄老人助餐服务券”已经结束，它的服务券不能再用了。"]


# --- the code page's next steps ---------------------------------------------------------------------------------


def test_after_a_code_is_used_the_next_step_is_a_button(app, scene, client, login_as):
    w, user, _rid, _other = scene
    login_as(user)
    assert client.post("/vouchers/me/code", data={"programme_id": str(w.programme.id)}).status_code == 302
    shown = client.get("/vouchers/me/code").get_data(as_text=True)
    number = re.search(r'<p class="voucher-code mb-2" id="one-time-code"><span>(\d{4})</span><span>(\d{4})</span>',
                       shown)
    with app.test_request_context():
        redemption.redeem("".join(number.groups()), w.service, 1000, "k-next", actor=w.manager)
    db.session.commit()
    page = client.get("/vouchers/me/code").get_data(as_text=True)
    assert 'id="code-used"' in page
    assert re.search(r'<div class="d-grid"><a class="btn btn-success btn-lg" id="code-next" '
                     r'href="/vouchers/me/redemptions">查看我的服务记录</a></div>', page)
    assert "alert-link" not in page


def test_after_a_code_expires_the_next_step_is_a_button(app, scene, client, login_as):
    w, user, _rid, _other = scene
    login_as(user)
    client.post("/vouchers/me/code", data={"programme_id": str(w.programme.id)})
    db.session.execute(update(RedemptionCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    page = client.get("/vouchers/me/code").get_data(as_text=True)
    assert 'id="code-expired"' in page
    # (the main button gets a new code: the QA walk; back to the vouchers is the second)
    assert re.search(r'<button class="btn btn-success btn-lg" id="code-next">获取新的核销码</button>', page)
    assert re.search(r'<a class="btn btn-outline-primary btn-lg" id="code-back-to-vouchers" '
                     r'href="/vouchers/me">返回我的服务券</a>', page)
