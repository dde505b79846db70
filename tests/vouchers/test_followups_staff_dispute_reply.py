"""Community staff's page of a resident shows the provider's reply to the resident's dispute, as the resident's own
redemptions page does (vouchers.dispute_replies.replies_to): staff answer the resident's questions about it."""

import html
import re

from core.db import db
from vouchers import dispute_replies, disputes

from .test_service_price_input import EN
from .test_views import scene  # noqa: F401  (the fixture)

REASON = "当天服务人员没有上门"
REPLY = "服务人员9:10到达，敲门无人应答，已电话联系家属。"


def outcome_box(page: str, redemption_id: int) -> str:
    found = re.search(rf'<div [^>]*id="dispute-{redemption_id}-outcome".*?</div>', page, re.S)
    assert found, "no dispute box"
    return html.unescape(found.group(0))


def test_staff_read_the_providers_reply_to_the_residents_dispute(scene, client, login_as):  # noqa: F811
    dispute = disputes.raise_dispute(scene.redemption, REASON, actor=scene.resident_user)
    db.session.commit()
    login_as(scene.w.staff)
    before = outcome_box(client.get(f"/vouchers/residents/{scene.resident.id}", headers=EN).get_data(as_text=True),
                         scene.redemption.id)
    assert REASON in before and "The provider's reply" not in before  # not replied yet: nothing said of a reply
    dispute_replies.reply_to_dispute(dispute, REPLY, actor=scene.member)
    db.session.commit()
    page = client.get(f"/vouchers/residents/{scene.resident.id}", headers=EN).get_data(as_text=True)
    box = outcome_box(page, scene.redemption.id)
    assert f"The provider's reply: {REPLY}" in box
    assert "the resident will be notified" in box  # staff's wording (own=false), the reply beside it
    client.post("/logout")
    login_as(scene.resident_user)  # the same reply as the resident's own page shows
    mine = client.get("/vouchers/me/redemptions", headers=EN).get_data(as_text=True)
    assert f"The provider's reply: {REPLY}" in outcome_box(mine, scene.redemption.id)
