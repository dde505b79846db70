"""The QA walk's provider page: disputes awaiting the provider's reply are summed up at the top (how many, each linked
to its row, on whichever page of the redemptions it is), and a rating shows its score as text (4/5) with the
resident's comment."""

import html
import re

from core.db import db
from vouchers import catalogue, dispute_replies, disputes, issuance, redemption

from .helpers import world
from .test_codes_and_limits import ZH, committed
from .test_views import phone_resident


def spent(app, n: int):
    """A provider with n redemptions of one resident who logs in (oldest first): (world, user, redemptions)."""
    def build():
        w = world()
        user, profile = phone_resident(w.staff, "吴秀兰")
        issuance.issue_to_resident(w.programme, profile, actor=w.officer)
        done = []
        for i in range(n):
            code, _row = redemption.issue_code(profile, actor=user)
            done.append(redemption.redeem(code, w.service, 100, f"k-{i}", actor=w.manager).redemption)
        return w, user, done
    return committed(app, build)


def summary(page: str) -> str | None:
    found = re.search(r'<div [^>]*id="disputes-awaiting".*?</div>', page, re.S)
    return html.unescape(found.group(0)) if found else None


def test_disputes_awaiting_a_reply_are_summed_up_and_linked_to_their_page(app, session, client, login_as):
    w, user, done = spent(app, 22)  # 20 a page: the two oldest are on page 2
    oldest, newest = done[0], done[-1]
    old_dispute = committed(app, lambda: disputes.raise_dispute(oldest, "没有上门服务", actor=user))
    new_dispute = committed(app, lambda: disputes.raise_dispute(newest, "服务时间太短", actor=user))
    login_as(w.manager)
    page = client.get(f"/vouchers/provider/{w.org.id}", headers=ZH).get_data(as_text=True)
    box = summary(page)
    assert box and "2 项争议等待您回复" in box
    assert box.index(f'id="awaiting-{old_dispute.id}"') < box.index(f'id="awaiting-{new_dispute.id}"')  # oldest first
    link = re.search(rf'href="([^"]+)" id="awaiting-{old_dispute.id}"', box).group(1)
    assert "redemptions_page=2" in link and link.endswith(f"#dispute-{old_dispute.id}")
    assert f'id="dispute-{old_dispute.id}"' in client.get(link).get_data(as_text=True)
    assert "redemptions_page=1" in re.search(rf'href="([^"]+)" id="awaiting-{new_dispute.id}"', box).group(1)
    assert page.index('id="disputes-awaiting"') < page.index('id="redeem-form"')  # at the top

    committed(app, lambda: dispute_replies.reply_to_dispute(old_dispute, "已电话联系家属", actor=w.manager))
    again = summary(client.get(f"/vouchers/provider/{w.org.id}", headers=ZH).get_data(as_text=True))
    assert "1 项争议等待您回复" in again and f"awaiting-{old_dispute.id}" not in again


def test_no_summary_without_disputes_awaiting(app, session, client, login_as):
    w, user, done = spent(app, 1)
    login_as(w.manager)
    assert summary(client.get(f"/vouchers/provider/{w.org.id}").get_data(as_text=True)) is None


def test_a_rating_shows_its_score_as_text_and_the_residents_comment(app, session, client, login_as):
    w, user, done = spent(app, 2)
    committed(app, lambda: catalogue.rate(done[0], 4, "阿姨很耐心，饭菜也热", actor=user))
    committed(app, lambda: catalogue.rate(done[1], 5, actor=user))
    login_as(w.manager)
    page = html.unescape(client.get(f"/vouchers/provider/{w.org.id}", headers=ZH).get_data(as_text=True))
    assert re.search(r'class="rating-score"[^>]*>4/5<', page) and re.search(r'class="rating-score"[^>]*>5/5<', page)
    assert "居民评价：阿姨很耐心，饭菜也热" in page
    assert page.count('class="d-block text-break rating-comment"') == 1  # none for the rating without a comment
    db.session.rollback()
