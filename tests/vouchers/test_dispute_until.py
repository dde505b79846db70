"""The offer to dispute a redemption says until when (Beijing time), on the resident's list and on community staff's
record of the resident: it said "within 7 days", leaving an elderly resident to count from a date further up."""

import re

from core.db import db
from core.timeutil import format_local
from vouchers import disputes
from vouchers.redemption_models import Redemption

from .test_redemption_refusals import page_of, scene  # noqa: F401 (a fixture)
from .test_text_limits_vouchers import EN


def summary(page: str, rid: int) -> str:
    item = page.split(f'id="redemption-{rid}"')[1].split("</li>")[0]
    return re.sub(r"<[^>]+>", "", re.search(r"<summary>(.*?)</summary>", item, re.S).group(1))


def test_the_resident_and_staff_are_told_until_when(scene, client, login_as):  # noqa: F811
    w, user, rid, _base = scene
    until = format_local(disputes.dispute_deadline(db.session.get(Redemption, rid)))
    login_as(user)
    assert summary(page_of(client.get("/vouchers/me/redemptions")), rid) == f"有问题？{until} 前可提出异议"
    english = page_of(client.get("/vouchers/me/redemptions", headers=EN))
    assert summary(english, rid) == f"Something wrong? You can dispute it until {until}"
    assert f'<span class="keep-together">{until}</span>' in english  # the time on one line
    client.post("/logout")
    login_as(w.staff)
    resident_id = db.session.get(Redemption, rid).resident_id
    assert summary(page_of(client.get(f"/vouchers/residents/{resident_id}")), rid) == f"有问题？{until} 前可提出异议"
