"""One code on the resident's screen at a time: a new code (on the page or from the API) cancels the earlier one still
live, which the resident no longer sees; the provider who is shown it is told it was replaced. Printed codes (on a
sheet, several live at once) are left alone."""

import html
import json
import re

import pytest
from sqlalchemy import select

from core.db import db
from core.errors import Conflict
from tests.vouchers.helpers import events, world
from tests.vouchers.test_code_status import EN, code_on_show, holder, status  # noqa: F401 (holder: a fixture)
from vouchers import code_status, redemption
from vouchers.redemption_models import Redemption, RedemptionCode


def test_a_new_code_on_the_screen_cancels_the_earlier_one(session):
    w = world()
    old, old_row = redemption.issue_code(w.resident, actor=w.resident.user)
    printed, printed_row = redemption.issue_code(w.resident, actor=w.staff, printed=True)
    new, new_row = redemption.issue_code(w.resident, actor=w.resident.user)
    cancelled = dict(db.session.execute(select(RedemptionCode.id, RedemptionCode.cancelled_at)).all())
    assert cancelled[old_row.id] is not None
    assert cancelled[printed_row.id] is None and cancelled[new_row.id] is None
    issued = events("voucher.code_issued")
    assert json.loads(issued[-1].data)["replaced"] == [old_row.id]
    assert all("replaced" not in json.loads(event.data) for event in issued[:2])

    with pytest.raises(Conflict) as refused:  # (refused before it changes anything)
        redemption.redeem(old, w.service, 1000, "k-old", actor=w.manager)
    assert refused.value.code == "code_cancelled" and "已被新的核销码取代" in refused.value.message
    assert db.session.scalar(select(Redemption.id)) is None
    redemption.redeem(new, w.service, 1000, "k-new", actor=w.manager)
    redemption.redeem(printed, w.service, 1000, "k-printed", actor=w.manager)


def test_the_replaced_codes_page_state_says_so(session):
    w = world()
    _old, old_row = redemption.issue_code(w.resident, actor=w.resident.user)
    redemption.issue_code(w.resident, actor=w.resident.user)
    assert code_status.shown_code(w.resident, old_row.id).state == code_status.REPLACED
    assert code_status.code_status(w.resident.user, old_row.id).state == code_status.REPLACED


def test_a_used_code_is_not_cancelled_by_the_next(session):
    w = world()
    used, used_row = redemption.issue_code(w.resident, actor=w.resident.user)
    redemption.redeem(used, w.service, 1000, "k-1", actor=w.manager)
    redemption.issue_code(w.resident, actor=w.resident.user)
    assert db.session.scalar(select(RedemptionCode.cancelled_at).where(RedemptionCode.id == used_row.id)) is None
    assert json.loads(events("voucher.code_issued")[-1].data).get("replaced") is None
    assert code_status.shown_code(w.resident, used_row.id).state == code_status.USED



def test_the_code_page_of_a_code_replaced_in_the_app_says_a_newer_one_was_got(holder, client, login_as):  # noqa: F811
    """The page shows the code kept in this browser's session; one got since in the resident's app replaced it."""
    w, user, profile, _other = holder
    login_as(user)
    _code, code_id = code_on_show(client, w)
    with client.application.test_request_context():
        redemption.issue_code(db.session.merge(profile), actor=db.session.merge(user))
    db.session.commit()
    assert status(client, code_id).json == {"state": "replaced", "expires_in": 0}
    page = html.unescape(client.get("/vouchers/me/code", headers=EN).get_data(as_text=True))
    replaced = re.search(r'<div[^>]*id="code-replaced".*?</div>', page, re.S).group(0)
    assert "You have a newer code" in replaced and "show the provider the newest code" in replaced
    assert 'id="one-time-code"' not in page and 'id="code-form"' in page  # a new one can be got below
