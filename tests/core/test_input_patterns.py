"""Input patterns match the whole value in ASCII: '$' also matched before a trailing newline ('13800000000\\n' was a
valid phone, 'abc\\n' a valid category code) and '\\d' matched any script's digits ('1٣٣٣٣٣٣٣٣٣٣' was a phone)."""

import pytest
from sqlalchemy import func, select

from accounts import services as accounts
from accounts.models import User
from accounts.services import USERNAME_RE
from accounts.validation import EMAIL_RE
from core.db import db
from core.errors import ServiceError
from core.phones import CONTACT_PHONE_RE, MOBILE_RE, PUBLIC_PHONE_RE
from orgs.reference import CODE_RE
from orgs.validation import EMAIL_RE as ORG_EMAIL_RE
from vouchers.redemption import KEY_RE

ARABIC_INDIC = "".join(chr(0x0660 + int(d)) for d in "3333333333")


@pytest.mark.parametrize(("pattern", "good"), [
    (MOBILE_RE, "13800000000"), (CONTACT_PHONE_RE, "13800000000"), (CONTACT_PHONE_RE, "010-12345678"),
    (PUBLIC_PHONE_RE, "0571-87654321-806"),
    (USERNAME_RE, "wang.fang"), (EMAIL_RE, "a@example.com"), (ORG_EMAIL_RE, "a@example.com"),
    (CODE_RE, "elderly_care"), (KEY_RE, "redeem-1"),
])
def test_a_trailing_newline_is_not_part_of_a_valid_value(pattern, good):
    assert pattern.match(good)
    assert not pattern.match(good + "\n")


def test_phones_are_ascii_digits():
    assert not any(p.match("1" + ARABIC_INDIC) for p in (MOBILE_RE, CONTACT_PHONE_RE, PUBLIC_PHONE_RE))


def test_a_user_phone_is_stored_without_the_trailing_newline_it_was_typed_with(session):
    """An account's number is read as typed (core.phones.typed_mobile): the newline goes, never into the column."""
    assert accounts.create_user("li.hua", "李华", "a-long-password-1", phone="13800000000\n", actor=None).phone == \
        "13800000000"


@pytest.mark.parametrize("phone", ["1" + ARABIC_INDIC, "1380000000\x00"])
def test_creating_a_user_with_such_a_phone_is_refused_and_saves_nothing(session, phone):
    before = db.session.scalar(select(func.count(User.id)))
    with pytest.raises(ServiceError) as refused:
        accounts.create_user("li.hua", "李华", "a-long-password-1", phone=phone, actor=None)
    assert "phone" in refused.value.fields
    db.session.rollback()
    assert db.session.scalar(select(func.count(User.id))) == before


def test_the_url_id_pattern_takes_exactly_the_numbers_up_to_the_limit():
    import random
    import re

    from core.views import DB_INT_MAX, at_most_pattern

    for limit in (7, 10, 99, 100, 305, DB_INT_MAX):
        pattern = re.compile(at_most_pattern(limit))
        sample = random.Random(limit).sample(range(limit * 3), min(200, limit * 3))
        numbers = {0, 1, limit - 1, limit, limit + 1, limit * 10, *sample}
        for n in numbers:
            assert bool(pattern.fullmatch(str(n))) == (n <= limit), (limit, n)
            assert bool(pattern.fullmatch("00" + str(n))) == (n <= limit), (limit, n)
