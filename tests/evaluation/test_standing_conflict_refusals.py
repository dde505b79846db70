"""An expert's standing conflict refused (no relationship; one already declared with the organisation) answers 422
with the page again, the organisation chosen and the relationship typed kept and the reason beside its field; it
answered 200 for the first, and the second was a flash after a redirect, what was typed lost."""

import html
import re

from sqlalchemy import func, select

from audit.models import AuditEvent
from core.db import db
from evaluation.enums import SeatType
from evaluation.expert_models import StandingConflict
from tests.evaluation.helpers import closed_call_with_proposals, expert
from tests.factories import make_user

EN = {"Accept-Language": "en"}


def counts():
    return (db.session.scalar(select(func.count(StandingConflict.id))),
            db.session.scalar(select(func.count(AuditEvent.seq))))


def beside(page: str, field: str) -> str:
    found = re.search(rf'id="{field}-error" class="field-errors">(.*?)</div></div>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip() if found else ""


def test_refusals_come_back_beside_the_field_with_what_was_typed(app, client, login_as, session):
    officer = make_user("officer")
    _call, orgs, _props = closed_call_with_proposals(app, officer)
    user = expert(SeatType.SOCIAL_SERVICE, officer=officer)
    db.session.commit()
    login_as(user)
    before = counts()
    empty = client.post("/evaluation/conflicts", data={"org_id": orgs[1].id, "relationship": " "}, headers=EN)
    page = empty.get_data(as_text=True)
    assert empty.status_code == 422 and beside(page, "relationship")
    assert re.search(rf'<option selected value="{orgs[1].id}">', page)  # the organisation chosen, kept
    assert counts() == before

    done = client.post("/evaluation/conflicts", data={"org_id": orgs[1].id, "relationship": "配偶在该机构任职"})
    assert done.status_code == 302
    before = counts()
    again = client.post("/evaluation/conflicts", data={"org_id": orgs[1].id, "relationship": "曾任该机构理事"},
                        headers=EN)
    page = again.get_data(as_text=True)
    assert again.status_code == 422 and counts() == before
    assert beside(page, "org_id") == "Already declared: it is in your list above."
    assert "You have already declared a conflict with this organisation." in page
    assert 'value="曾任该机构理事"' in page  # what was typed, kept
    assert client.get("/evaluation/conflicts").status_code == 200


def test_no_organisation_is_chosen_until_the_expert_chooses_one(app, client, login_as, session):
    officer = make_user("officer")
    closed_call_with_proposals(app, officer)
    user = expert(SeatType.SOCIAL_SERVICE, officer=officer)
    db.session.commit()
    login_as(user)
    page = client.get("/evaluation/conflicts").get_data(as_text=True)
    select_ = re.search(r'<select[^>]*name="org_id".*?</select>', page, re.S).group(0)
    assert re.search(r'<option selected value="">', select_)  # the placeholder, not the first organisation
    before = counts()
    sent = client.post("/evaluation/conflicts", data={"org_id": "", "relationship": "配偶在该机构任职"})
    body = sent.get_data(as_text=True)
    assert sent.status_code == 422 and beside(body, "org_id") == "请选择机构。"
    assert "配偶在该机构任职" in body and counts() == before
