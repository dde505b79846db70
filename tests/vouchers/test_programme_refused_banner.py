"""Every refused form of the programme page comes back as a refused decision on a dispute does.

Raising the budget, issuing the month, issuing to one resident and closing the programme, refused, came back at the
top of the page with no banner, the reason screens below beside its field (or, for a refusal of the service naming
no field, in a flash at the top while the form was out of sight). Now each form posts to an address ending in its
anchor, so the page opens at it; the reasons are beside its fields, what was typed kept, and summed up in a banner at
the top, each linking to its field (officer_views.refused_form, the one mechanism the dispute decision uses too)."""

import html
import re
from urllib.parse import urlsplit

import pytest

from accounts.residents import ResidentData, register_without_phone
from core.db import db
from tests.orgs.helpers import community
from vouchers.programmes import period_of

from .helpers import id_number, world
from .test_programme_pager_kept import post_forms

BANNERS = ("decide-refused", "close-refused", "budget-refused", "batch-refused", "issue-refused")


@pytest.fixture
def programme(app, session, login_as):
    """world() (its resident issued this month) and a resident not yet issued; the officer logged in."""
    with app.test_request_context():
        w = world()
        w.newcomer_number = id_number()
        register_without_phone(ResidentData(real_name="新来居民", id_number=w.newcomer_number,
                                            community_id=community("和平社区").id), actor=w.staff)
        db.session.commit()
    login_as(w.officer)
    w.page = f"/vouchers/programmes/{w.programme.id}"
    return w


def banner(page: str, banner_id: str) -> str:
    """The banner, which comes before the programme's heading (at the top), and no other form's."""
    top = page.split('<h1 class="h3 mb-0">', 1)[0]
    assert f'id="{banner_id}"' in top, "the banner is at the top of the page"
    assert [b for b in BANNERS if f'id="{b}"' in page] == [banner_id]
    return top.split(f'id="{banner_id}"', 1)[1].split("</div>", 1)[0]


CASES = [  # form, what is typed, its banner, the field each reason links to, the reason (part of it), a value kept
    ("budget-form", {"budget_fen": "1"}, "budget-refused", "budget_fen", "预算只能追加", 'value="1"'),
    ("batch-form", {"period": "2026/12"}, "batch-refused", "period", "", 'value="2026/12"'),
    ("issue-form", {"id_number": "110105195003010000", "period": "2026-12"}, "issue-refused", "id_number", "",
     'value="110105195003010000"'),
    ("close-form", {"reason": " "}, "close-refused", "close-reason", "请填写关闭项目的原因", ""),
]


@pytest.mark.parametrize(("form", "data", "banner_id", "field", "reason", "kept"), CASES)
def test_a_refused_form_opens_at_itself_with_a_banner_at_the_top(programme, client, form, data, banner_id, field,
                                                                  reason, kept):
    action = post_forms(client.get(programme.page).get_data(as_text=True))[form]
    assert urlsplit(action).fragment == form  # the page answering it opens at the form
    response = client.post(action, data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    links = re.findall(r'<a class="alert-link[^"]*" href="#([^"]+)">([^<]+)</a>', banner(page, banner_id))
    assert links and {target for target, _text in links} == {field}
    assert reason in html.unescape(links[0][1])
    refused = page.split(f'id="{form}"', 1)[1].split("</form>", 1)[0]
    assert f'id="{field}"' in refused and 'aria-invalid="true"' in refused  # the reason beside the field
    assert html.unescape(links[0][1]) in html.unescape(refused)
    assert kept in refused  # what was typed


def test_a_refusal_of_the_service_naming_no_field_is_said_beside_the_form_too(programme, client):
    """Issuing to a resident twice in a month: the service refuses with no field; the page opens at the form, so the
    reason is said there (and in the banner), not only in a flash at the top."""
    action = post_forms(client.get(programme.page).get_data(as_text=True))["issue-form"]
    data = {"id_number": programme.newcomer_number, "period": period_of()}
    assert client.post(action, data=data).status_code == 302
    again = client.post(action, data=data)
    assert again.status_code == 422
    page = again.get_data(as_text=True)
    [(target, text)] = re.findall(r'href="#([^"]+)">([^<]+)</a>', banner(page, "issue-refused"))
    assert target == "id_number" and "该居民已领取" in text
    refused = page.split('id="issue-form"', 1)[1].split("</form>", 1)[0]
    assert text in refused and f'value="{programme.newcomer_number}"' in refused


def test_every_month_already_issued_is_said_beside_the_batch_forms_month(programme, client):
    forms = post_forms(client.get(programme.page).get_data(as_text=True))
    data = {"id_number": programme.newcomer_number, "period": period_of()}
    assert client.post(forms["issue-form"], data=data).status_code == 302  # every eligible resident has it now
    action = forms["batch-form"]
    refused = client.post(action, data={"period": period_of()})
    assert refused.status_code == 422
    [(target, text)] = re.findall(r'href="#([^"]+)">([^<]+)</a>', banner(refused.get_data(as_text=True),
                                                                          "batch-refused"))
    assert target == "period" and "已向所有符合条件的居民发放" in text
