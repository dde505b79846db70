"""The programme page states what was decided and where the money stands (a QA walk of an officer running a
programme): its rules in plain words (who is eligible, the monthly allowance and its split, validity, services,
providers, monthly limits); the budget by where it went (paid to providers, owed to them by why, still on residents'
vouchers, left), adding up to the fen with the ledger, and a forecast against a month's vouchers for every eligible
resident; in a constant number of queries. The programme list names and figures its money as the page does."""

import html
import re
from datetime import date, timedelta

import pytest

from core.db import db, utcnow
from tests.factories import statements_during
from tests.orgs.helpers import category, community
from vouchers import disputes, issuance, ledger, programmes, redemption, settlement
from vouchers import programme_figures as figures
from vouchers.enums import SettlementStatus
from vouchers.programmes import period_of, shift_period

from .helpers import programme_data, provider, resident, service, world
from .test_views import phone_resident


def fen_of(text: str) -> int:
    """'¥1,234.56' as fen."""
    yuan, _dot, cents = text.replace("¥", "").replace(",", "").strip().partition(".")
    sign = -1 if yuan.startswith("-") else 1
    return sign * (abs(int(yuan)) * 100 + int(cents or 0))


def figure(page: str, figure_id: str) -> int:
    found = re.search(rf'id="{figure_id}">([^<]+)<', page)
    assert found, figure_id
    return fen_of(html.unescape(found.group(1)))


def text_of(page: str, element_id: str) -> str:
    found = re.search(rf'<(dd|li|p)[^>]* id="{element_id}"[^>]*>(.*?)</\1>', page, re.S)
    assert found, element_id
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", found.group(2)))).strip()


def money_scene(w, tag: str = "a") -> dict:
    """On w's programme: a resident who redeemed last month ¥30.00 and ¥12.34 (on a statement paid), ¥5.00 (disputed,
    open) and ¥7.00 (disputed, upheld: reversed); a second provider's ¥20.00 last month on a statement drawn up, not
    paid; ¥8.00 this month, on no statement yet; one of w's resident's vouchers revoked; last month's vouchers past
    their date, expired."""
    user, person = phone_resident(w.staff, f"张秀英{tag}")
    start = utcnow() - timedelta(days=40)
    issuance.issue_to_resident(w.programme, person, actor=w.officer, period=period_of(start), now=start)
    org2, manager2 = provider(w.officer)
    service2 = service(org2, manager2)
    made = {}
    for i, (name, amount, svc, by) in enumerate(
        (
            ("paid1", 3000, w.service, w.manager),
            ("paid2", 1234, w.service, w.manager),
            ("open", 500, w.service, w.manager),
            ("upheld", 700, w.service, w.manager),
            ("draft", 2000, service2, manager2),
        )
    ):
        at = start + timedelta(minutes=i + 1)
        code, _row = redemption.issue_code(person, actor=user, now=at)
        made[name] = redemption.redeem(code, svc, amount, f"{tag}-{name}", actor=by, now=at).redemption
    disputes.raise_dispute(made["open"], "没有上门", actor=user, now=start + timedelta(hours=1))
    upheld = disputes.raise_dispute(made["upheld"], "收费不对", actor=user, now=start + timedelta(hours=1))
    disputes.decide_dispute(upheld, True, "核实属实", actor=w.officer)
    paid = settlement.prepare_settlement(w.programme, w.org, period_of(start), actor=w.officer)
    settlement.transition_settlement(paid, SettlementStatus.APPROVED, actor=w.officer)
    settlement.transition_settlement(paid, SettlementStatus.PAID, actor=w.officer, payment_reference=f"BOC-{tag}")
    settlement.prepare_settlement(w.programme, org2, period_of(start), actor=w.officer)
    issuance.issue_to_resident(w.programme, person, actor=w.officer)
    code, _row = redemption.issue_code(person, actor=user)
    redemption.redeem(code, w.service, 800, f"{tag}-now", actor=w.manager)
    ledger.revoke_voucher(
        issuance.issue_to_resident(w.programme, resident(w.staff), actor=w.officer)[0], actor=w.officer, reason="发错"
    )
    ledger.expire_due(now=utcnow() + timedelta(days=25), programme=w.programme)
    return made


@pytest.fixture
def scene(app):
    with app.test_request_context():
        w = world()
        money_scene(w)
        db.session.commit()
    return w


def test_the_budget_figures_add_up_with_the_ledger_to_the_fen(scene, client, login_as):
    money = figures.budget_figures(scene.programme)
    r = money.recon
    assert ledger.check() == [] and r.balanced and money.adds_up
    assert (r.settled_fen, money.owed.on_statements_fen, money.owed.disputed_fen, money.owed.not_on_statement_fen) == (
        4234,
        2000,
        500,
        800,
    )
    assert r.redeemed_fen == 4234 + 2000 + 500 + 800 and money.owed_fen == 3300
    assert r.expired_fen > 0 and r.revoked_fen == 5000
    login_as(scene.officer)
    page = client.get(f"/vouchers/programmes/{scene.programme.id}").get_data(as_text=True)
    shown = {
        name: figure(page, f"fig-{name}")
        for name in (
            "budget",
            "settled",
            "owed",
            "owed-statements",
            "owed-disputed",
            "owed-unstated",
            "outstanding",
            "remaining",
        )
    }
    assert shown == {
        "budget": r.budget_fen,
        "settled": 4234,
        "owed": 3300,
        "owed-statements": 2000,
        "owed-disputed": 500,
        "owed-unstated": 800,
        "outstanding": r.outstanding_fen,
        "remaining": r.unallocated_fen,
    }
    # The page's own sums: budget − paid − owed − outstanding = remaining; owed = its three parts.
    assert shown["budget"] - shown["settled"] - shown["owed"] - shown["outstanding"] == shown["remaining"]
    assert shown["owed"] == shown["owed-statements"] + shown["owed-disputed"] + shown["owed-unstated"]
    recon = {
        name: figure(page, f"recon-{name}")
        for name in ("issued", "redeemed", "expired", "revoked", "outstanding", "allocated", "unallocated")
    }
    assert recon["issued"] == recon["redeemed"] + recon["expired"] + recon["revoked"] + recon["outstanding"]
    assert recon["allocated"] == recon["redeemed"] + recon["outstanding"] == r.allocated_fen
    assert recon["unallocated"] == shown["budget"] - recon["allocated"] == shown["remaining"]
    assert 'id="recon-ok"' in page and 'id="recon-bad"' not in page
    assert "已核销、尚未支付（应付服务机构）" in page and "其中：争议处理中（暂不结算）" in page


def test_the_page_runs_as_many_queries_for_a_bigger_programme(app, client, login_as):
    with app.test_request_context():
        w = world()
        money_scene(w, "a")
        money_scene(w, "b")  # (four disputes of one provider: the fraud signal and its evidence, shown either way)
        db.session.commit()
    login_as(w.officer)
    page = f"/vouchers/programmes/{w.programme.id}"
    client.get(page)  # (the first request of a client loads what every later one finds ready)
    small, response = statements_during(lambda: client.get(page))
    assert response.status_code == 200
    with app.test_request_context():
        money_scene(w, "c")
        for _ in range(3):
            issuance.issue_to_resident(w.programme, resident(w.staff), actor=w.officer)
        db.session.commit()
    big, response = statements_during(lambda: client.get(page))
    assert response.status_code == 200 and figure(response.get_data(as_text=True), "fig-settled") == 3 * 4234
    assert len(big) == len(small), "\n".join(big)


def test_the_rules_are_stated_plainly(app, client, login_as):
    with app.test_request_context():
        w = world()
        places = [community("和平社区"), community("平安社区")]
        draft = programmes.create_programme(
            programme_data(
                name="困难老人助餐券",
                community_ids=[c.id for c in places],
                min_age=70,
                required_tags=["low_income", "living_alone"],
                tags_mode="all",
                validity_days=30,
                valid_until=date.today() + timedelta(days=200),
                resident_cap_fen=15_000,
                provider_cap_fen=500_000,
                category_ids=[category("elderly").id],
            ),
            actor=w.officer,
        )
        db.session.commit()
    login_as(w.officer)
    page = client.get(f"/vouchers/programmes/{draft.id}").get_data(as_text=True)
    eligible = text_of(page, "rule-eligible")
    assert all(c.full_name in eligible for c in places)
    assert "70 岁及以上" in eligible and "低保" in eligible and "独居" in eligible and "满足全部标签" in eligible
    assert text_of(page, "rule-allowance").startswith("每位居民每月 4 张，每张面值 ¥50.00，合计 ¥200.00。")
    validity = text_of(page, "rule-validity")
    assert "自可使用之日起 30 天" in validity and f"最迟至 {date.today() + timedelta(days=200)}" in validity
    assert text_of(page, "rule-categories") == category("elderly").name("zh_Hans_CN")
    limits = text_of(page, "rule-limits")
    assert "每位居民每月最多使用 ¥150.00" in limits and "每家服务机构每月最多核销 ¥5,000.00" in limits
    # The running programme of the world: every community, any age, no tags, no limits.
    page = client.get(f"/vouchers/programmes/{w.programme.id}").get_data(as_text=True)
    assert "全部社区" in text_of(page, "rule-eligible") and "年龄：不限" in text_of(page, "rule-eligible")
    assert text_of(page, "rule-limits").startswith("无")
    assert "Who is eligible" not in page and "Each month" not in page


def test_the_forecast_says_when_the_budget_runs_short(app, client, login_as):
    with app.test_request_context():
        w = world(budget_fen=100_000)  # ¥1,000.00; ¥200.00 a resident a month, ¥200.00 issued to w's resident
        for _ in range(2):
            resident(w.staff)
        db.session.commit()
    found = figures.forecast(w.programme, figures.budget_figures(w.programme).recon.unallocated_fen)
    this = period_of()
    assert (found.eligible, found.not_issued, found.month_cost_fen, found.rest_of_month_fen) == (3, 2, 60_000, 40_000)
    assert (found.after_this_month_fen, found.next_month_short_fen, found.months_covered) == (40_000, 20_000, 0)
    assert (found.last_covered, found.runs_short, found.issued_this_month_fen) == (this, shift_period(this, 1), 20_000)
    login_as(w.officer)
    page = client.get(f"/vouchers/programmes/{w.programme.id}").get_data(as_text=True)
    assert "缺口 ¥200.00。请在此之前追加预算。" in text_of(page, "forecast-next-month")
    assert f"发放至 {this}，{shift_period(this, 1)} 将出现缺口" in text_of(page, "forecast-runs-out")
    assert "目前符合条件的居民 3 人" in text_of(page, "forecast-month-cost")
    assert text_of(page, "forecast-this-month").startswith(f"本月（{this}）至今：发放 ¥200.00，核销 ¥0.00（")
    # Raised to ¥2,000.00: ¥1,400.00 once this month is issued to all, two more months, short in the third.
    with app.test_request_context():
        programmes.raise_budget(w.programme, 200_000, actor=w.officer)
        db.session.commit()
    found = figures.forecast(w.programme, figures.budget_figures(w.programme).recon.unallocated_fen)
    assert (found.months_covered, found.last_covered, found.next_month_short_fen) == (2, shift_period(this, 2), 0)
    page = client.get(f"/vouchers/programmes/{w.programme.id}").get_data(as_text=True)
    assert "足够发放" in text_of(page, "forecast-next-month")


def test_a_budget_short_of_this_month(app):
    found = figures.Forecast(
        period="2026-12",
        issued_this_month_fen=0,
        redeemed_this_month_fen=0,
        returned_this_month_fen=0,
        eligible=5,
        not_issued=5,
        per_resident_fen=100,
        remaining_fen=300,
    )
    assert (found.after_this_month_fen, found.last_covered, found.runs_short) == (-200, None, "2026-12")
    assert found.next_month_short_fen == 500
    nobody = figures.Forecast(
        period="2026-12",
        issued_this_month_fen=0,
        redeemed_this_month_fen=0,
        returned_this_month_fen=0,
        eligible=0,
        not_issued=0,
        per_resident_fen=100,
        remaining_fen=300,
    )
    assert (nobody.months_covered, nobody.last_covered, nobody.runs_short) == (None, None, None)


def test_the_list_names_and_figures_the_money_as_the_programme_page(scene, app, client, login_as):
    login_as(scene.officer)
    listing = client.get("/vouchers/programmes").get_data(as_text=True)
    row = re.search(
        rf'<tr>\s*<td class="stack-title"><a [^>]*href="/vouchers/programmes/{scene.programme.id}"'
        r".*?</tr>",
        listing,
        re.S,
    ).group(0)
    cells = dict(re.findall(r'data-label="([^"]+)">([^<]*)<', row))
    page = client.get(f"/vouchers/programmes/{scene.programme.id}").get_data(as_text=True)
    assert fen_of(cells["已发放"]) == figure(page, "recon-issued")
    assert fen_of(cells["已分配"]) == figure(page, "recon-allocated")
    assert fen_of(cells["未分配预算"]) == figure(page, "fig-remaining") == figure(page, "recon-unallocated")
    assert fen_of(cells["预算"]) == figure(page, "fig-budget")
    for label in ("已发放", "已分配", "未分配预算"):
        assert f"<th>{label}" in page or f"<th>{label}（" in page, label
    assert int(cells["服务券张数"]) > 0


def test_the_list_runs_as_many_queries_for_more_programmes(app, client, login_as):
    with app.test_request_context():
        w = world()
        db.session.commit()
    login_as(w.officer)
    client.get("/vouchers/programmes")
    one, _response = statements_during(lambda: client.get("/vouchers/programmes"))
    with app.test_request_context():
        from .helpers import running_programme

        for n in range(3):
            other = running_programme(w.officer, name=f"项目{n}")
            issuance.issue_to_resident(other, resident(w.staff), actor=w.officer)
        db.session.commit()
    four, response = statements_during(lambda: client.get("/vouchers/programmes"))
    assert response.get_data(as_text=True).count('class="stack-title"') == 4
    assert len(four) == len(one)
