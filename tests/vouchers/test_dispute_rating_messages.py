"""The resident's dispute and rating forms say what is wrong: a text over its limit is refused with the limit named
(the services' words: a dispute's reason 2000 characters, a rating's comment 1000), an empty reason or a missing
star count with their own messages, in the user's language; nothing is saved. Refused, the redemption is shown
again on a page of its own (422) with what was typed kept and the reason beside its field — a redirect lost it. The
texts are counted as the services count them, without the spaces around them."""

import html
import re

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
    return user, f"/vouchers/redemptions/{made.id}", made.id


def refused(client, path: str, data: dict, headers=EN) -> str:
    response = client.post(path, headers=headers, data=data)
    assert response.status_code == 422
    return response.get_data(as_text=True)


def beside(page: str, field: str, redemption_id: int) -> str:
    """The reason shown beside a field (in its error element, which the field is described by)."""
    if field == "stars":
        fieldset = re.search(rf'<fieldset aria-describedby="stars-{redemption_id}-error">', page)
        assert fieldset, "the star choices are not described by their reason"
    else:
        assert re.search(rf'<textarea[^>]*name="{field}"[^>]*aria-invalid="true"[^>]*'
                         rf'aria-describedby="{field}-{redemption_id}-error"', page)
    found = re.search(rf'<div id="{field}-{redemption_id}-error"[^>]*>(.*?)</div>', page, re.S)
    assert found, f"no reason beside {field}"
    return html.unescape(found.group(1)).strip()


def kept(page: str, field: str) -> str:
    return html.unescape(re.search(rf'<textarea[^>]*name="{field}"[^>]*>(.*?)</textarea>', page, re.S).group(1))


def test_the_limits_are_the_services():
    assert (disputes.MAX_REASON, catalogue.MAX_COMMENT) == (2000, 1000)


@pytest.mark.parametrize(("action", "data", "field", "message"), [
    ("dispute", {"reason": text(2001)}, "reason", "A reason has at most 2000 characters."),
    ("dispute", {"reason": "   "}, "reason", "Please say what was wrong."),
    ("dispute", {}, "reason", "Please say what was wrong."),
    ("rate", {"stars": "4", "comment": text(1001)}, "comment", "A comment has at most 1000 characters."),
    ("rate", {"comment": "很好，就是来晚了"}, "stars", "Choose from 1 to 5 stars."),
    ("rate", {"stars": "6", "comment": "很好"}, "stars", "Choose from 1 to 5 stars."),
    ("rate", {"stars": "0"}, "stars", "Choose from 1 to 5 stars."),
])
def test_a_refused_dispute_or_rating_is_shown_again_with_what_was_typed_and_why(client, login_as, scene, action,
                                                                                data, field, message):
    user, base, redemption_id = scene
    login_as(user)
    before = counts()
    page = refused(client, f"{base}/{action}", data)
    assert beside(page, field, redemption_id) == message
    assert "Please correct the marked fields." in page  # said at the top too
    if "at most" in message:  # the real reason, not the generic one
        assert {"dispute": "Please say what was wrong.", "rate": "Choose from 1 to 5 stars."}[action] not in page
    typed = data.get("reason" if action == "dispute" else "comment", "")
    assert kept(page, "reason" if action == "dispute" else "comment") == typed
    if action == "dispute":  # its folded form is open, to be seen
        assert re.search(r'<details class="mt-2" open>', page)
    elif data.get("stars") == "4":  # the stars chosen stay chosen
        assert re.search(rf'id="stars-{redemption_id}-4" required checked', page)
    assert 'id="back-to-list"' in page and 'href="/vouchers/me/redemptions"' in page
    assert counts() == before


def test_the_limits_are_named_in_chinese_too(client, login_as, scene):
    user, base, redemption_id = scene
    login_as(user)
    page = refused(client, f"{base}/dispute", {"reason": text(2001)}, headers={})
    assert beside(page, "reason", redemption_id) == "原因最多 2000 个字符。"
    page = refused(client, f"{base}/rate", {"stars": "5", "comment": text(1001)}, headers={})
    assert beside(page, "comment", redemption_id) == "评价最多 1000 个字符。"


def test_texts_of_exactly_the_limit_with_spaces_around_are_accepted_and_kept_stripped(client, login_as, scene):
    """The forms count what the services keep: the spaces around a text do not count against its limit."""
    user, base, _id = scene
    login_as(user)
    for path, data, said in ((f"{base}/rate", {"stars": "4", "comment": f"  {text(1000)}\n "},
                              "Thank you for your rating."),
                             (f"{base}/dispute", {"reason": f" {text(2000)}\n"}, "Dispute sent.")):
        response = client.post(path, headers=EN, data=data, follow_redirects=True)
        assert response.status_code == 200 and response.request.path == "/vouchers/me/redemptions"
        assert said in response.get_data(as_text=True)
    assert db.session.scalar(select(Rating.comment)) == text(1000)
    assert db.session.scalar(select(Dispute.reason)) == text(2000)
