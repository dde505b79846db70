"""Links on the voucher pages lead where the reader may go, the catalogue's provider page, and a refused decision on
a dispute said where the officer is looking.

- A provider's member opening their settlement statement got the programme's name as a link to the programme page,
  which is the officers' and auditors' (403): for them it is the name alone; every link left on the statement, the
  programme page, a run's page and the provider page opens for whoever the page shows it to.
- The catalogue linked each provider to the organisation's registration page (legal representative, credit code, the
  communities it registered for: "服务社区" there contradicted the service's "服务范围：全部社区"), with no way back and
  no prices. It now links to vouchers.catalogue_provider: the provider's services this programme's vouchers pay for,
  with price, coverage, where and when, and the booking phone; its rating and residents' latest comments (none of a
  reversed redemption); and "返回选择服务", back to the catalogue as it was filtered. A provider not allowed in a
  running programme is not found (404). Open to whoever may open the catalogue (logged in).
- A decision on a dispute refused (a reason, neither 支持 nor 驳回) came back at the top of the programme page, the
  error screens below and no banner: the form posts to an address ending in its dispute's anchor (#dispute-<id>),
  and the page answering it sums the errors up at the top, each linking to its field, the reason typed kept."""

import html
import re
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import select

from accounts.enums import Role
from core.db import db, utcnow
from tests.factories import make_user
from tests.orgs.helpers import community
from vouchers import catalogue, disputes, issuance, programmes, redemption
from vouchers.enums import ProgrammeStatus
from vouchers.models import IssuanceBatch, Programme
from vouchers.redemption_models import Dispute, Redemption, Settlement

from .helpers import provider, service, world
from .test_views import phone_resident

EN = {"Accept-Language": "en"}


@pytest.fixture
def scene(app, session):
    """world() with: a resident who logs in and has redeemed twice at the provider, one rated with a comment, the
    other disputed, upheld (reversed) and its comment not to be shown; a statement of the provider; a run; another
    provider offering only a category the programme does not pay for; an auditor and a member of another org."""
    with app.test_request_context():
        w = world()
        catalogue.update_service(w.service, catalogue.ServiceData(
            name=w.service.name, category_id=w.service.category_id, price_fen=w.service.price_fen,
            description="上门送餐", booking_phone="021-62345678", location="上门服务", hours="每天 11:00-12:30"),
            actor=w.manager)
        other = service(w.org, w.manager, category_code="children_youth", price_fen=1000)
        user, profile = phone_resident(w.staff, "王秀兰")
        issuance.issue_to_resident(w.programme, profile, actor=w.officer)
        kept, reversed_ = (redemption.redeem(redemption.issue_code(profile, actor=user)[0], w.service, amount,
                                             key, actor=w.manager).redemption
                           for amount, key in ((3000, "k1"), (2000, "k2")))
        catalogue.rate(kept, 4, "送餐准时，饭菜可口", actor=user)
        catalogue.rate(reversed_, 1, "根本没有来送餐", actor=user)
        dispute = disputes.raise_dispute(reversed_, "没有送餐", actor=user)
        disputes.decide_dispute(dispute, True, "核实属实", actor=w.officer)
        settlement = Settlement(programme_id=w.programme.id, provider_org_id=w.org.id, period="2020-01", seq=1,
                                total_fen=3000, redemption_count=1, status="draft", created_by_id=w.officer.id)
        run = IssuanceBatch(programme_id=w.programme.id, period="2020-01", status="done", started_by_id=w.officer.id)
        db.session.add_all([settlement, run])
        elsewhere, elsewhere_manager = provider(w.officer, categories=("children_youth",))
        service(elsewhere, elsewhere_manager, category_code="children_youth")
        auditor = make_user(Role.AUDITOR)
        db.session.commit()
        # Plain values: the objects are expired and detached once a request has ended.
        return SimpleNamespace(
            officer=w.officer, staff=w.staff, manager=w.manager, user=user, other_member=elsewhere_manager,
            auditor=auditor, org_id=w.org.id, org_name=w.org.name, programme_id=w.programme.id,
            programme_name=w.programme.name, service_name=w.service.name, category_id=w.service.category_id,
            other_service_name=other.name, settlement_id=settlement.id, run_id=run.id, elsewhere_id=elsewhere.id,
            community_id=community("和平社区").id, rating=catalogue.provider_rating(w.org))


def page_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def main_links(page: str) -> set[str]:
    """The site's own links in the page's main part (not the layout's menus)."""
    main = page.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    return {html.unescape(href) for href in re.findall(r'<a [^>]*href="([^"#][^"]*)"', main)
            if href.startswith("/")}


def every_link_opens(client, page: str) -> set[str]:
    links = main_links(page)
    for href in links:
        assert client.get(href, buffered=True).status_code == 200, href  # (buffered: a spreadsheet streams)
    return links


def test_a_provider_member_reads_the_programme_name_unlinked_and_every_link_opens(scene, client, login_as):
    login_as(scene.manager)
    page = page_of(client.get(f"/vouchers/settlements/{scene.settlement_id}"))
    programme_page = f"/vouchers/programmes/{scene.programme_id}"
    assert f'<span id="statement-programme">{scene.programme_name}</span>' in page
    assert programme_page not in page and client.get(programme_page).status_code == 403
    links = every_link_opens(client, page)
    assert f"/vouchers/provider/{scene.org_id}" in links  # their own provider page: theirs to open
    provider_page = page_of(client.get(f"/vouchers/provider/{scene.org_id}"))
    assert f"/vouchers/settlements/{scene.settlement_id}" in every_link_opens(client, provider_page)


@pytest.mark.parametrize("who", ["officer", "auditor"])
def test_officers_and_auditors_get_the_programme_link_and_every_link_opens(scene, client, login_as, who):
    login_as(getattr(scene, who))
    page = page_of(client.get(f"/vouchers/settlements/{scene.settlement_id}"))
    programme_page = f"/vouchers/programmes/{scene.programme_id}"
    assert f'href="{programme_page}" id="statement-programme"' in page
    every_link_opens(client, page)
    links = every_link_opens(client, page_of(client.get(programme_page)))
    assert {f"/vouchers/batches/{scene.run_id}", f"/vouchers/provider/{scene.org_id}",
            f"/vouchers/settlements/{scene.settlement_id}"} <= links
    every_link_opens(client, page_of(client.get(f"/vouchers/batches/{scene.run_id}")))


# --- the catalogue's provider page ---------------------------------------------------------------------------

def provider_link(page: str, org_id: int) -> str:
    found = re.search(rf'href="(/vouchers/catalogue/providers/{org_id}\?[^"]*)" class="provider-name', page)
    assert found, "the catalogue links the provider to its page for residents"
    return html.unescape(found.group(1))


def query(url: str) -> tuple[str, dict]:
    parts = urlsplit(url)
    return parts.path, dict(parse_qsl(parts.query))


def test_the_catalogue_opens_the_providers_page_for_residents_and_comes_back_as_filtered(scene, client, login_as):
    login_as(scene.user)
    filters = {"programme": str(scene.programme_id), "category": str(scene.category_id),
               "community": str(scene.community_id)}
    link = provider_link(page_of(client.get("/vouchers/catalogue", query_string=filters)), scene.org_id)
    assert query(link) == (f"/vouchers/catalogue/providers/{scene.org_id}", filters)
    page = page_of(client.get(link))
    assert f'<h1 class="h3 mb-1" id="provider-name">{scene.org_name}</h1>' in page
    services = page.split('id="provider-services"', 1)[1].split("</ul>", 1)[0]
    assert scene.service_name in services and "¥500.00" in services
    assert scene.other_service_name not in services  # a category this programme's vouchers do not pay for
    assert "服务范围：全部社区" in services and "上门服务" in services and "每天 11:00-12:30" in services
    assert 'href="tel:02162345678"' in services and "021-62345678" in services
    assert f"★ {scene.rating.average}" in page and f"（{scene.rating.count} 条评分）" in page  # as the catalogue
    comments = page.split('id="provider-comments"', 1)[1].split("</ul>", 1)[0]
    assert "送餐准时，饭菜可口" in comments and "根本没有来送餐" not in comments
    assert "王秀兰" not in page  # nothing of who wrote it
    backs = re.findall(r'<a class="btn btn-outline-secondary btn-lg" href="([^"]+)" id="back-to-catalogue[^"]*">'
                       r'(?:← )?返回选择服务</a>', page)
    assert len(backs) == 2 and all(query(html.unescape(b)) == ("/vouchers/catalogue", filters) for b in backs)
    assert 'aria-current="page">选择服务</a>' in page  # the resident's tabs, "choose a service" the current one
    later = page_of(client.get(link + "&page=2"))  # from the catalogue's page 2: back to page 2
    assert query(html.unescape(re.search(r'href="([^"]+)" id="back-to-catalogue"', later).group(1)))[1] == {
        **filters, "page": "2"}


def test_in_english(scene, client, login_as):
    login_as(scene.user)
    page = page_of(client.get(f"/vouchers/catalogue/providers/{scene.org_id}", headers=EN))
    assert "Back to choosing a service" in page and "Services you can use your vouchers for" in page
    assert "What residents said" in page and "Call to book" in page
    back = html.unescape(re.search(r'href="([^"]+)" id="back-to-catalogue"', page).group(1))
    assert query(back) == ("/vouchers/catalogue", {"programme": str(scene.programme_id)})  # the programme it chose


def test_only_a_provider_allowed_in_a_running_programme_has_the_page(scene, client, login_as):
    login_as(scene.user)
    assert client.get(f"/vouchers/catalogue/providers/{scene.elsewhere_id}").status_code == 404
    assert client.get(f"/vouchers/catalogue/providers/{scene.elsewhere_id}",
                      query_string={"programme": scene.programme_id}).status_code == 404
    assert client.get("/vouchers/catalogue/providers/999999").status_code == 404
    assert client.get(f"/vouchers/catalogue/providers/{scene.org_id}?programme=abc").status_code == 200
    with client.application.test_request_context():
        programmes.transition_programme(db.session.get(Programme, scene.programme_id), ProgrammeStatus.CLOSED,
                                        actor=scene.officer, reason="试点期满")
        db.session.commit()
    assert client.get(f"/vouchers/catalogue/providers/{scene.org_id}").status_code == 404
    assert client.get(f"/vouchers/catalogue/providers/{scene.org_id}",
                      query_string={"programme": scene.programme_id}).status_code == 404


@pytest.mark.parametrize("who", ["officer", "staff", "manager", "other_member", "auditor"])
def test_open_to_whoever_may_open_the_catalogue(scene, client, login_as, who):
    login_as(getattr(scene, who))
    assert client.get("/vouchers/catalogue").status_code == 200
    page = page_of(client.get(f"/vouchers/catalogue/providers/{scene.org_id}"))
    assert scene.service_name in page and "resident-tabs" not in page  # the tabs are a resident's


def test_anonymous_is_asked_to_log_in_as_at_the_catalogue(scene, client):
    for path in ("/vouchers/catalogue", f"/vouchers/catalogue/providers/{scene.org_id}"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- a refused decision on a dispute --------------------------------------------------------------------------

@pytest.fixture
def open_dispute(app, session):
    with app.test_request_context():
        w = world()
        user, profile = phone_resident(w.staff, "赵桂芳")
        issuance.issue_to_resident(w.programme, profile, actor=w.officer)
        done = redemption.redeem(redemption.issue_code(profile, actor=user)[0], w.service, 3000, "d1",
                                 actor=w.manager).redemption
        dispute = disputes.raise_dispute(done, "服务没有完成", actor=user, now=utcnow() - timedelta(minutes=1))
        db.session.commit()
        return SimpleNamespace(officer=w.officer, programme_id=w.programme.id, dispute_id=dispute.id,
                               redemption_id=done.id)


def test_a_refused_decision_opens_at_its_dispute_with_a_banner_and_the_reason_kept(open_dispute, client, login_as):
    w = open_dispute
    login_as(w.officer)
    page = page_of(client.get(f"/vouchers/programmes/{w.programme_id}"))
    action = html.unescape(re.search(rf'<form method="post" action="([^"]+)"[^>]* id="decide-{w.dispute_id}"',
                                     page).group(1))
    assert urlsplit(action).path == f"/vouchers/disputes/{w.dispute_id}/decide"
    assert urlsplit(action).fragment == f"dispute-{w.dispute_id}"  # where the answer opens
    assert f'<li class="list-group-item" id="dispute-{w.dispute_id}">' in page
    assert 'id="decide-refused"' not in page

    refused = client.post(action, data={"note": "已电话核实情况"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert f'<li class="list-group-item" id="dispute-{w.dispute_id}">' in page  # the anchor it opens at
    banner = page.split('id="decide-refused"', 1)[1].split("</div>", 1)[0]
    assert "该异议的处理决定未保存。" in banner
    assert f'href="#uphold-{w.dispute_id}-1">请选择支持或驳回。</a>' in banner  # each reason links to its field
    assert page.index('id="decide-refused"') < page.index('id="programme-status"')  # at the top
    form = page.split(f'id="decide-{w.dispute_id}"', 1)[1].split("</form>", 1)[0]
    assert f'<div class="invalid-feedback d-block" id="uphold-{w.dispute_id}-error">请选择支持或驳回。</div>' in form
    assert f'aria-describedby="uphold-{w.dispute_id}-error"' in form
    assert ">已电话核实情况</textarea>" in form  # the reason as typed
    assert db.session.scalar(select(Dispute.status).where(Dispute.id == w.dispute_id)) == "open"

    no_reason = client.post(action, data={"uphold": "0"}).get_data(as_text=True)
    banner = no_reason.split('id="decide-refused"', 1)[1].split("</div>", 1)[0]
    assert f'href="#note-{w.dispute_id}">请填写处理理由。</a>' in banner
    english = client.post(action, data={"note": "checked"}, headers=EN).get_data(as_text=True)
    assert "Your decision on the dispute was not recorded." in english

    decided = client.post(action, data={"uphold": "0", "note": "已电话核实情况"})
    assert decided.status_code == 302 and urlsplit(decided.headers["Location"]).fragment == "disputes"
    assert db.session.scalar(select(Redemption.status).where(Redemption.id == w.redemption_id)) == \
        "completed"
