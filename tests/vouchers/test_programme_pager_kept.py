"""The programme page's forms (deciding a dispute, raising the budget, issuing, expiring, preparing a statement,
starting or closing the programme) bring the officer back to the pages of its three lists they were on: each went
back to the first page of every list, so an officer working through page 2 of the disputes was thrown back to page 1
after each decision. The form posts to an address carrying the numbers (vouchers.pages_support.back_to_programme
reads them as the page does: anything malformed is the first page; the address is built, never taken from what was
posted); a refused form shown again (422) shows the same pages. The provider page's redeem form does the same."""

import html
import re
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import select

from accounts.residents import ResidentData, register_without_phone
from core.db import db, utcnow
from core.paging import PER_PAGE
from tests.factories import logout
from tests.orgs.helpers import community
from vouchers import redemption
from vouchers.models import IssuanceBatch
from vouchers.programmes import period_of
from vouchers.redemption_models import Dispute, Redemption, Settlement

from .helpers import id_number, world

RUNS_PER_PAGE = 10  # vouchers.pages_support.batches
AT = {"runs_page": "3", "disputes_page": "2", "statements_page": "2"}
OPEN_DISPUTES = PER_PAGE + 5  # page 2 of the disputes holds five open ones, each with its decide form


@pytest.fixture
def crowded(app, session, login_as):
    """world() with three pages of issuance runs, two of open disputes, two of statements, a month ready to settle
    and a resident not yet issued; the officer logged in."""
    with app.test_request_context():
        w = world()
        db.session.add_all(IssuanceBatch(programme_id=w.programme.id, period=f"2020-{n % 12 + 1:02d}", status="done",
                                         started_by_id=w.officer.id) for n in range(2 * RUNS_PER_PAGE + 1))
        start = utcnow() - timedelta(days=3)
        for n in range(OPEN_DISPUTES):
            disputed = Redemption(programme_id=w.programme.id, provider_org_id=w.org.id, resident_id=w.resident.id,
                                  service_id=w.service.id, amount_fen=1000, period=start.strftime("%Y-%m"),
                                  status="disputed", idempotency_key=f"kept-{n}", request_hash="0" * 64,
                                  created_at=start + timedelta(minutes=n))
            db.session.add(disputed)
            db.session.flush()
            db.session.add(Dispute(redemption_id=disputed.id, reason=f"争议理由{n}",
                                   created_at=start + timedelta(minutes=n)))
        for i in range(PER_PAGE + 2):
            db.session.add(Settlement(programme_id=w.programme.id, provider_org_id=w.org.id,
                                      period=f"{2022 + i // 12}-{i % 12 + 1:02d}", seq=1, total_fen=5000,
                                      redemption_count=1, status="paid", created_by_id=w.officer.id))
        ended = utcnow() - timedelta(days=40)
        db.session.add(Redemption(programme_id=w.programme.id, provider_org_id=w.org.id, resident_id=w.resident.id,
                                  service_id=w.service.id, amount_fen=2000, period=period_of(ended),
                                  idempotency_key="kept-settle", request_hash="0" * 64, created_at=ended))
        w.newcomer_number = id_number()
        register_without_phone(ResidentData(real_name="新来居民", id_number=w.newcomer_number,
                                            community_id=community("和平社区").id), actor=w.staff)
        db.session.commit()
    login_as(w.officer)
    w.page = f"/vouchers/programmes/{w.programme.id}"
    return w


def post_forms(page: str) -> dict[str, str]:
    """Each form posting from the page, by its id (or its action's path, for those without one): its action."""
    forms = {}
    for tag in re.findall(r'<form method="post"[^>]*>', page.split("<main", 1)[1]):  # not the layout's (logout)
        action = html.unescape(re.search(r'action="([^"]*)"', tag).group(1))
        named = re.search(r' id="([^"]+)"', tag)
        forms[named.group(1) if named else urlsplit(action).path] = action
    return forms


def where(location: str) -> tuple[str, dict, str]:
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc, location  # on this site, always
    return parts.path, dict(parse_qsl(parts.query)), parts.fragment


def pager_links(page: str) -> dict[str, dict]:
    """Each pager's links by the list they lead to (their anchor): {anchor: {label: {arg: value}}}."""
    found: dict[str, dict] = {}
    for href, label in re.findall(r'class="page-link" href="([^"]+)">([^<]+)</a>', page):
        parts = urlsplit(html.unescape(href))
        found.setdefault(parts.fragment, {})[label] = dict(parse_qsl(parts.query))
    return found


def shows_the_pages_at(page: str) -> bool:
    """The page shows runs page 3, disputes page 2, statements page 2 (each pager's "Previous" keeps the others)."""
    return pager_links(page) == {
        "batches": {"上一页": {**AT, "runs_page": "2"}},
        "disputes": {"上一页": {**AT, "disputes_page": "1"}},
        "settlements": {"上一页": {**AT, "statements_page": "1"}}}


def forms_at(client, w) -> dict[str, str]:
    page = client.get(w.page, query_string=AT).get_data(as_text=True)
    assert shows_the_pages_at(page)
    return post_forms(page)


def test_every_form_of_the_page_posts_with_the_pages_shown(crowded, client):
    forms = forms_at(client, crowded)
    decide = [name for name in forms if name.startswith("decide-")]
    assert len(decide) == 5  # the open disputes of page 2
    assert {"close-form", "suspend-form", "budget-form", "batch-form", "issue-form", "expire-form",
            f"{crowded.page}/settlements"} | set(decide) == set(forms)
    for name, action in forms.items():
        assert where(action)[1] == AT, name
    first = post_forms(client.get(crowded.page).get_data(as_text=True))
    assert all(not urlsplit(action).query for action in first.values())  # page 1 of each: nothing to keep


def test_deciding_a_dispute_on_page_2_comes_back_to_page_2(crowded, client):
    forms = forms_at(client, crowded)
    action = forms[next(name for name in forms if name.startswith("decide-"))]
    decided = client.post(action, data={"uphold": "0", "note": "已核实"})
    assert decided.status_code == 302
    assert where(decided.headers["Location"]) == (crowded.page, AT, "disputes")
    again = client.post(action, data={"uphold": "0", "note": "已核实"})  # refused with a flash: the same way back
    assert where(again.headers["Location"]) == (crowded.page, AT, "disputes")
    back = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "该异议已裁定。" in back and shows_the_pages_at(back)


def test_a_refused_decision_is_shown_again_over_the_same_pages(crowded, client):
    forms = forms_at(client, crowded)
    name = next(name for name in forms if name.startswith("decide-"))
    refused = client.post(forms[name], data={"uphold": "1", "note": "  "})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert shows_the_pages_at(page)
    # The refused dispute is on page 2: shown at page 1 of the disputes, its form and the reason were not there.
    refused_form = page.split(f'id="{name}"', 1)[1].split("</form>", 1)[0]
    assert 'aria-invalid="true"' in refused_form
    assert all(where(action)[1] == AT for action in post_forms(page).values())


def test_the_other_forms_come_back_to_the_same_pages(crowded, client):
    forms = forms_at(client, crowded)
    done = {
        "budget": client.post(forms["budget-form"], data={"budget_fen": "200000"}),
        "issue": client.post(forms["issue-form"], data={"id_number": crowded.newcomer_number,
                                                        "period": period_of()}),
        "expire": client.post(forms["expire-form"]),
        "start, refused: running already": client.post(
            forms["close-form"].replace("/status/closed", "/status/active")),
        "prepare, refused: nothing to settle": client.post(
            forms[f"{crowded.page}/settlements"], data={"provider_id": crowded.org.id, "period": "2019-01"}),
        "close": client.post(forms["close-form"], data={"reason": "试点期满"}),
    }
    for what, response in done.items():
        assert response.status_code == 302, what
        expected = "settleable" if what.startswith("prepare") else ""
        assert where(response.headers["Location"]) == (crowded.page, AT, expected), what
    db.session.expire_all()
    assert crowded.programme.budget_fen == 20_000_000 and crowded.programme.status == "closed"


@pytest.mark.parametrize(("form", "data"), [
    ("budget-form", {"budget_fen": "1"}),
    ("issue-form", {"id_number": "110105195003010000", "period": "2026-12"}),
    ("batch-form", {"period": "2026/12"}),
    ("close-form", {"reason": " "}),
])
def test_a_refused_form_is_shown_again_over_the_same_pages(crowded, client, form, data):
    response = client.post(forms_at(client, crowded)[form], data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert shows_the_pages_at(page) and 'aria-invalid="true"' in page.split(f'id="{form}"', 1)[1]


def test_a_started_run_links_back_to_the_same_pages(crowded, client):
    started = client.post(forms_at(client, crowded)["batch-form"], data={"period": period_of()})
    assert started.status_code == 302
    path, query, _anchor = where(started.headers["Location"])
    assert path.startswith("/vouchers/batches/") and query == AT
    run = client.get(started.headers["Location"]).get_data(as_text=True)
    back = html.unescape(re.search(r'href="([^"]+)" id="batch-back"', run).group(1))
    assert where(back) == (crowded.page, AT, "")


@pytest.mark.parametrize("typed", ["abc", "-1", "0", "+2", "２", "1.5", "", "10001", "9" * 40, "//evil.example"])
def test_a_tampered_number_is_the_first_page(crowded, client, typed):
    """Whatever the address says, the way back is built from valid numbers only: that list's first page."""
    dispute_id = db.session.scalars(select(Dispute.id).where(Dispute.status == "open")).first()
    action = f"/vouchers/disputes/{dispute_id}/decide"
    tampered = {**AT, "disputes_page": typed}
    refused = client.post(action, query_string=tampered, data={"uphold": "1"})
    assert refused.status_code == 422  # shown again: the disputes at their first page, the others kept
    assert pager_links(refused.get_data(as_text=True))["disputes"] == {
        "下一页": {"runs_page": "3", "statements_page": "2", "disputes_page": "2"}}
    decided = client.post(action, query_string=tampered, data={"uphold": "0", "note": "已核实", "next": "//evil"})
    kept = {"runs_page": "3", "statements_page": "2"}
    assert where(decided.headers["Location"]) == (f"/vouchers/programmes/{crowded.programme.id}", kept, "disputes")
    everything = {name: typed for name in AT}
    expired = client.post(f"{crowded.page}/expire", query_string=everything)
    assert expired.headers["Location"] == crowded.page


def test_redeeming_on_the_provider_page_comes_back_to_the_same_pages(app, crowded, client, login_as):
    w = crowded
    logout(client)
    login_as(w.manager)
    provider_page = f"/vouchers/provider/{w.org.id}"
    at = {"redemptions_page": "2", "statements_page": "2"}
    page = client.get(provider_page, query_string=at).get_data(as_text=True)
    action = post_forms(page)["redeem-form"]
    assert where(action)[1] == at
    refused = client.post(action, data={"code": "00000000", "service_id": str(w.service.id), "amount_fen": "10",
                                        "idempotency_key": "kept-refused"})
    assert refused.status_code == 409  # an unknown code, shown again over the same pages
    assert pager_links(refused.get_data(as_text=True)) == {
        "provider-redemptions": {"上一页": {"redemptions_page": "1", "statements_page": "2"}},
        "provider-settlements": {"上一页": {"redemptions_page": "2", "statements_page": "1"}}}
    with app.test_request_context():
        code, _row = redemption.issue_code(w.resident, actor=w.staff)
    db.session.commit()
    redeemed = client.post(action, data={"code": code, "service_id": str(w.service.id), "amount_fen": "10",
                                         "idempotency_key": "kept-done"})
    assert redeemed.status_code == 302
    assert where(redeemed.headers["Location"]) == (provider_page, at, "")
    with app.test_request_context():
        code, _row = redemption.issue_code(w.resident, actor=w.staff)
    db.session.commit()
    tampered = client.post(provider_page + "/redeem", query_string={"redemptions_page": "-3", "statements_page": "2"},
                           data={"code": code, "service_id": str(w.service.id), "amount_fen": "10",
                                 "idempotency_key": "kept-tampered"})
    assert where(tampered.headers["Location"]) == (provider_page, {"statements_page": "2"}, "")
