"""The resident's dispute and rating forms say what is wrong: a text over its limit is refused with the limit named
(the services' words: a dispute's reason 2000 characters, a rating's comment 1000), an empty reason or a missing
star count with their own messages, in the user's language; nothing is saved. The texts are counted as the
services count them, without the spaces around them."""

import html

import pytest
from sqlalchemy import select

from core.db import db
from vouchers import catalogue, disputes
from vouchers.redemption_models import Dispute, Rating

from .test_text_limits_vouchers import EN, counts, text


@pytest.fixture
def scene(voucher_redemption):
    """A resident who logs in and one of their redemptions: (the user, the redemption's path)."""
    user, made = voucher_redemption
    return user, f"/vouchers/redemptions/{made.id}"


def flashed(client, path: str, data: dict, headers=EN) -> str:
    response = client.post(path, headers=headers, data=data, follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == "/vouchers/me/redemptions"
    return html.unescape(response.get_data(as_text=True))


def test_the_limits_are_the_services():
    assert (disputes.MAX_REASON, catalogue.MAX_COMMENT) == (2000, 1000)


@pytest.mark.parametrize(("action", "data", "message"), [
    ("dispute", {"reason": text(2001)}, "A reason has at most 2000 characters."),
    ("dispute", {"reason": "   "}, "Please say what was wrong."),
    ("dispute", {}, "Please say what was wrong."),
    ("rate", {"stars": "4", "comment": text(1001)}, "A comment has at most 1000 characters."),
    ("rate", {"comment": "很好"}, "Choose from 1 to 5 stars."),
    ("rate", {"stars": "6"}, "Choose from 1 to 5 stars."),
    ("rate", {"stars": "0"}, "Choose from 1 to 5 stars."),
])
def test_a_refused_dispute_or_rating_says_why(client, login_as, scene, action, data, message):
    user, base = scene
    login_as(user)
    before = counts()
    page = flashed(client, f"{base}/{action}", data)
    assert message in page
    if "at most" in message:  # the real reason, not the generic one
        assert {"dispute": "Please say what was wrong.", "rate": "Choose from 1 to 5 stars."}[action] not in page
    assert counts() == before


def test_the_limits_are_named_in_chinese_too(client, login_as, scene):
    user, base = scene
    login_as(user)
    assert "原因最多 2000 个字符。" in flashed(client, f"{base}/dispute", {"reason": text(2001)}, headers={})
    assert "评价最多 1000 个字符。" in flashed(client, f"{base}/rate", {"stars": "5", "comment": text(1001)},
                                          headers={})


def test_texts_of_exactly_the_limit_with_spaces_around_are_accepted_and_kept_stripped(client, login_as, scene):
    """The forms count what the services keep: the spaces around a text do not count against its limit."""
    user, base = scene
    login_as(user)
    assert "Thank you for your rating." in flashed(client, f"{base}/rate",
                                                   {"stars": "4", "comment": f"  {text(1000)}\n "})
    assert "Dispute sent." in flashed(client, f"{base}/dispute", {"reason": f" {text(2000)}\n"})
    assert db.session.scalar(select(Rating.comment)) == text(1000)
    assert db.session.scalar(select(Dispute.reason)) == text(2000)
