"""A draft for a call whose service category the organisation does not list among its own is warned, not refused."""

import html

from core.db import db
from tests.orgs.helpers import category

ZH = {"Accept-Language": "zh-CN"}


def pages(client, proposal) -> list[str]:
    return [html.unescape(client.get(path, headers=ZH).get_data(as_text=True))
            for path in (f"/proposals/{proposal.id}", f"/proposals/{proposal.id}/edit")]


def test_a_call_within_the_organisations_areas_has_no_warning(client, login_as, draft):
    _officer, manager, _call, proposal = draft
    login_as(manager)
    for page in pages(client, proposal):
        assert 'id="outside-service-areas"' not in page


def test_a_call_outside_the_organisations_areas_is_warned_on_the_draft_pages(client, login_as, draft):
    _officer, manager, call, proposal = draft
    proposal.org.categories = [category("health")]
    db.session.commit()
    login_as(manager)
    for page in pages(client, proposal):
        assert 'id="outside-service-areas"' in page
        assert call.category.name_zh in page.split('id="outside-service-areas"')[1].split("</div>")[0]
    # a warning only: the draft still saves and can be submitted
    assert 'id="submit-proposal"' in pages(client, proposal)[0]
