"""A dispute community staff raised for a resident without a phone: the officer's decision reaches the staff member
too (the resident never logs in to read theirs), naming the resident and linking to their record; a dispute the
resident raised themselves is told to them alone (tests.vouchers.test_resident_dispute_outcome)."""

import html

import pytest
from sqlalchemy import select

from accounts.notifications import Notification
from core.db import db
from vouchers import disputes, redemption

from .helpers import world


def notices() -> list[tuple[int, str, str]]:
    """The resident's and staff's notices (the provider's members get theirs: test_dispute_notices)."""
    return [(n.user_id, n.code, n.link) for n in db.session.scalars(
        select(Notification).where(Notification.code.like("voucher.%"), ~Notification.code.like("%.provider"))
        .order_by(Notification.id))]


@pytest.mark.parametrize(("uphold", "code", "words"), [
    (True, "voucher.dispute_upheld", "提出的异议成立，¥40.00 已退回其服务券。处理说明：护理员未上门"),
    (False, "voucher.dispute_rejected", "提出的异议未成立，费用不退回。处理说明：护理员未上门"),
])
def test_the_staff_member_who_raised_it_is_told_the_outcome(app, session, client, login_as, uphold, code, words):
    with app.test_request_context():
        w = world()
        code_text, _row = redemption.issue_code(w.resident, actor=w.staff)
        made = redemption.redeem(code_text, w.service, 4000, "k-staff", actor=w.manager).redemption
        dispute = disputes.raise_dispute(made, "居民说没有上门", actor=w.staff)
        disputes.decide_dispute(dispute, uphold, "护理员未上门", actor=w.officer)
    db.session.commit()
    record = f"/vouchers/residents/{w.resident.id}#redemption-{made.id}"
    assert notices() == [(w.resident.user_id, code, f"/vouchers/me/redemptions#redemption-{made.id}"),
                         (w.staff.id, f"{code}.staff", record)]
    login_as(w.staff)
    told = html.unescape(client.get("/notifications").get_data(as_text=True))
    assert f"您为{w.resident.real_name}对 " in told and w.service.name in told and words in told
    assert f'href="{record}"' in told
    english = html.unescape(client.get("/notifications", headers={"Accept-Language": "en"}).get_data(as_text=True))
    assert f"The dispute you raised for {w.resident.real_name} about {w.service.name}" in english
