"""Dispute notices: the provider's active members are notified when a resident's dispute of its redemption is opened
and when an officer decides it (linked to the dispute on their page, the resident not named; an invited member who
has not accepted is told nothing); the resident reads the provider's reply on their own redemptions page."""

import html
import json
import re

import pytest
from sqlalchemy import select

from accounts.enums import Role
from accounts.notifications import Notification
from core.db import db
from orgs import services as org_services
from tests.factories import make_user
from vouchers import dispute_replies, disputes

REPLY = "工作人员9点10分上门，敲门无人应答"


def notices(user_id: int) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user_id)
                                   .order_by(Notification.id)))


def provider_notices(user_id: int) -> list[Notification]:
    return [n for n in notices(user_id) if n.code.endswith(".provider")]


@pytest.fixture
def members(app, voucher_redemption):
    """The provider's manager, another active member and an invited one who has not accepted."""
    user, made = voucher_redemption
    with app.test_request_context():
        org = made.provider
        manager = next(m.user for m in org.memberships if m.role == "manager")
        joined, invited = make_user(), make_user()
        org_services.answer_invitation(org_services.invite_member(org, joined.username, "member", actor=manager),
                                       True, actor=joined)
        org_services.invite_member(org, invited.username, "member", actor=manager)
    db.session.commit()
    return user, made, manager, joined, invited


@pytest.mark.parametrize("uphold", [True, False])
def test_the_provider_s_members_are_told_of_a_dispute_and_its_decision(app, members, uphold):
    user, made, manager, joined, invited = members
    with app.test_request_context():
        dispute = disputes.raise_dispute(made, "没有上门服务", actor=user)
        opened = {who.id: provider_notices(who.id) for who in (manager, joined, invited)}
        assert [n.code for n in opened[manager.id]] == ["voucher.dispute_opened.provider"]
        assert [n.code for n in opened[joined.id]] == ["voucher.dispute_opened.provider"]
        assert opened[invited.id] == [] and provider_notices(user.id) == []
        note = opened[manager.id][0]
        assert note.link == f"/vouchers/provider/{made.provider_org_id}#dispute-{dispute.id}"
        assert made.service.name in note.text and "¥40.00" in note.text and "答复" in note.text
        assert made.resident.real_name not in note.text + note.data  # not who disputed it
        officer = make_user(Role.OFFICER)
        disputes.decide_dispute(dispute, uphold, "核实后处理", actor=officer)
        code = "voucher.dispute_upheld.provider" if uphold else "voucher.dispute_rejected.provider"
        for who in (manager, joined):
            decided = provider_notices(who.id)[-1]
            assert decided.code == code and "核实后处理" in decided.text
            assert ("不向贵机构支付" in decided.text) is uphold and ("照常结算" in decided.text) is not uphold
        assert provider_notices(invited.id) == []
        assert json.loads(decided.data)["note"] == "核实后处理"


def card(page: str, redemption_id: int) -> str:
    found = re.search(rf'<li class="card mb-3 redemption" id="redemption-{redemption_id}">(.*?)</li>', page, re.S)
    assert found, "no card for the redemption"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.unescape(found.group(1))))


def test_the_resident_reads_the_provider_s_reply_on_their_page(app, client, login_as, members):
    user, made, manager, joined, _invited = members
    with app.test_request_context():
        dispute = disputes.raise_dispute(made, "没有上门服务", actor=user)
    db.session.commit()
    login_as(user)
    before = card(client.get("/vouchers/me/redemptions").get_data(as_text=True), made.id)
    assert "服务机构的答复" not in before and "没有上门服务" in before
    with app.test_request_context():
        dispute_replies.reply_to_dispute(dispute, REPLY, actor=joined)
    db.session.commit()
    response = client.get("/vouchers/me/redemptions")
    assert response.status_code == 200
    shown = card(response.get_data(as_text=True), made.id)
    assert f"服务机构的答复：{REPLY}" in shown
    assert joined.display_name not in shown  # what the provider said, not which of its staff wrote it
