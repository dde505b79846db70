"""A provider's page shows a dispute of its redemption: the resident's reason, when it was raised, where it stands and,
decided, the outcome and the officer's note; a member replies once (kept in the reply's audit event, no column) and
the officer deciding the dispute reads the reply beside the resident's reason. The page said only "Disputed"."""

import html
import re

from sqlalchemy import func, select

from audit.models import AuditEvent
from core.db import db
from core.timeutil import format_local
from orgs.models import Membership
from tests.factories import make_user, statements_during
from vouchers import dispute_replies, disputes, redemption

from .test_service_price_input import EN
from .test_views import scene  # noqa: F401  (the fixture)

REASON = "当天服务人员没有上门"
REPLY = "服务人员9:10到达，敲门无人应答，已电话联系家属。"


def detail(page: str, dispute_id: int) -> str:
    """The dispute's box on the provider's page, unescaped."""
    found = re.search(rf'<div [^>]*id="dispute-{dispute_id}".*?</div></td></tr>', page, re.S)
    assert found, "no dispute box"
    return html.unescape(found.group(0))


def officer_entry(page: str, dispute_id: int) -> str:
    return html.unescape(page.split(f'id="dispute-{dispute_id}"', 1)[1].split("</li>", 1)[0])


def replies() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == dispute_replies.REPLIED))


def reply_url(dispute) -> str:
    return f"/vouchers/provider/disputes/{dispute.id}/reply"


def raised(scene):  # noqa: F811
    dispute = disputes.raise_dispute(scene.redemption, REASON, actor=scene.resident_user)
    db.session.commit()
    return dispute


def test_the_provider_sees_the_reason_and_replies_once_and_the_officer_reads_it(scene, client, login_as):  # noqa: F811
    dispute = raised(scene)
    login_as(scene.member)
    page = client.get(f"/vouchers/provider/{scene.w.org.id}", headers=EN).get_data(as_text=True)
    box = detail(page, dispute.id)
    assert f"The resident's reason: {REASON}" in box
    assert f"dispute raised {format_local(dispute.created_at)}" in box
    assert "Awaiting ruling" in box and 'data-state="open"' in box
    assert f'action="/vouchers/provider/disputes/{dispute.id}/reply#dispute-{dispute.id}"' in box

    response = client.post(reply_url(dispute), data={"reply": f"  {REPLY} "})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/vouchers/provider/{scene.w.org.id}#dispute-{dispute.id}")
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == dispute_replies.REPLIED)).all()
    assert (event.target_type, event.target_id, event.actor_id) == (
        "voucher_redemptions", str(scene.redemption.id), scene.member.id)
    assert '"reply":"' + REPLY + '"' in event.data and f'"dispute_id":{dispute.id}' in event.data
    db.session.refresh(dispute)
    assert dispute.status == "open"  # a reply moves nothing on: the officer still decides

    box = detail(client.get(f"/vouchers/provider/{scene.w.org.id}", headers=EN).get_data(as_text=True), dispute.id)
    assert f"Our reply: {REPLY}" in box and scene.member.display_name in box
    assert "dispute-reply-form" not in box  # once

    # A second member of the provider, from a page opened before the reply: refused, nothing recorded.
    second = make_user()
    db.session.add(Membership(org_id=scene.w.org.id, user_id=second.id, role="member"))
    db.session.commit()
    client.post("/logout")
    login_as(second)
    response = client.post(reply_url(dispute), headers=EN, data={"reply": "另一种说法"})
    assert response.status_code == 409
    assert "Your organisation has already replied to this dispute." in response.get_data(as_text=True)
    assert replies() == 1

    # The officer deciding it reads the provider's side beside the resident's.
    client.post("/logout")
    login_as(scene.w.officer)
    page = client.get(f"/vouchers/programmes/{scene.w.programme.id}", headers=EN).get_data(as_text=True)
    entry = officer_entry(page, dispute.id)
    assert f"Reason: {REASON}" in entry and f"Provider's reply: {REPLY}" in entry
    assert entry.index(REASON) < entry.index(REPLY) < entry.index('class="mt-2 decide-form"')


def test_the_officer_is_told_when_the_provider_has_not_replied(scene, client, login_as):  # noqa: F811
    dispute = raised(scene)
    login_as(scene.w.officer)
    page = client.get(f"/vouchers/programmes/{scene.w.programme.id}", headers=EN).get_data(as_text=True)
    assert "The provider has not replied." in officer_entry(page, dispute.id)
    # On the provider's page an officer reads the dispute, with no form to reply.
    box = detail(client.get(f"/vouchers/provider/{scene.w.org.id}", headers=EN).get_data(as_text=True), dispute.id)
    assert REASON in box and "dispute-reply-form" not in box and "The provider has not replied." in box


def test_an_empty_or_too_long_reply_is_refused_beside_the_box_as_typed(scene, client, login_as):  # noqa: F811
    dispute = raised(scene)
    login_as(scene.member)
    response = client.post(reply_url(dispute), headers=EN, data={"reply": "   "})
    assert response.status_code == 422
    box = detail(response.get_data(as_text=True), dispute.id)
    assert f'<div class="invalid-feedback d-block" id="reply-{dispute.id}-error">Please write your reply.</div>' in box
    assert 'aria-invalid="true" autofocus' in box

    long = "长" * (dispute_replies.MAX_REPLY + 1)
    response = client.post(reply_url(dispute), headers=EN, data={"reply": long})
    assert response.status_code == 422
    box = detail(response.get_data(as_text=True), dispute.id)
    assert f"A reply has at most {dispute_replies.MAX_REPLY} characters." in box and long in box
    assert replies() == 0


def test_a_decided_dispute_shows_its_outcome_and_takes_no_reply(scene, client, login_as):  # noqa: F811
    dispute = raised(scene)
    disputes.decide_dispute(dispute, True, "核实未上门，退回", actor=scene.w.officer)
    db.session.commit()
    login_as(scene.member)
    box = detail(client.get(f"/vouchers/provider/{scene.w.org.id}", headers=EN).get_data(as_text=True), dispute.id)
    assert 'data-state="upheld"' in box and "Upheld: the redemption was reversed and ¥20.00 returned" in box
    assert f"decided {format_local(dispute.decided_at)}" in box and "Officer's note: 核实未上门，退回" in box
    assert "dispute-reply-form" not in box
    response = client.post(reply_url(dispute), headers=EN, data={"reply": REPLY})
    assert response.status_code == 409
    assert "This dispute has already been decided." in response.get_data(as_text=True)
    assert replies() == 0


def test_the_page_in_chinese(scene, client, login_as):  # noqa: F811
    dispute = raised(scene)
    login_as(scene.member)
    box = detail(client.get(f"/vouchers/provider/{scene.w.org.id}").get_data(as_text=True), dispute.id)
    assert f"居民的理由：{REASON}" in box and "居民异议：待裁定" in box


def test_who_may_reply(scene, client, login_as):  # noqa: F811
    """Another provider's member: 404 (that dispute does not exist for them); an officer or auditor, who may read
    the provider's page: 403; nobody logged in: to the log-in page. Nothing recorded."""
    dispute = raised(scene)
    assert client.post(reply_url(dispute), data={"reply": REPLY}).status_code == 302  # to log in
    for user, status in ((scene.other_member, 404), (scene.w.officer, 403), (scene.auditor, 403),
                         (scene.resident_user, 404)):
        login_as(user)
        assert client.post(reply_url(dispute), data={"reply": REPLY}).status_code == status, user
        client.post("/logout")
    assert client.post("/vouchers/provider/disputes/999999/reply", data={"reply": REPLY}).status_code in (302, 404)
    assert replies() == 0


def test_the_provider_page_reads_replies_in_constant_queries(scene, app, client, login_as):  # noqa: F811
    """The page's replies are read in one query (and who wrote them in one more), however many disputes it lists."""
    def disputed_and_replied():
        with app.test_request_context():
            code, _row = redemption.issue_code(scene.resident, actor=scene.resident_user)
            made = redemption.redeem(code, scene.w.service, 1000, f"k-{replies()}", actor=scene.member).redemption
            dispute = disputes.raise_dispute(made, REASON, actor=scene.resident_user)
            dispute_replies.reply_to_dispute(dispute, f"{REPLY}{dispute.id}", actor=scene.member)
        db.session.commit()
        return dispute

    first = disputed_and_replied()
    login_as(scene.member)
    page = f"/vouchers/provider/{scene.w.org.id}"
    one, response = statements_during(lambda: client.get(page))
    assert f"{REPLY}{first.id}" in html.unescape(response.get_data(as_text=True))
    more = [disputed_and_replied(), disputed_and_replied()]
    three, response = statements_during(lambda: client.get(page))
    shown = html.unescape(response.get_data(as_text=True))
    assert all(f"{REPLY}{d.id}" in shown for d in [first, *more])
    assert len(three) == len(one)
    assert dispute_replies.replies_to([]) == {}
