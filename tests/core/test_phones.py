"""Which phone numbers each field takes (core.phones), and how a public one is read and dialled."""

import pytest

from core.phones import is_contact_phone, is_mobile, public_phone, tel_uri

ARABIC_INDIC_1 = "1" + "".join(chr(0x0660 + 3) for _ in range(10))


@pytest.mark.parametrize(("typed", "stored", "tel"), [
    ("021-62345678", "021-62345678", "tel:02162345678"),
    ("０２１－６２３４５６７８", "021-62345678", "tel:02162345678"),  # typed with a Chinese IME
    ("138 0000 1234", "13800001234", "tel:13800001234"),
    ("0571-87654321-806", "0571-87654321-806", "tel:057187654321,806"),  # an extension, dialled after a pause
    ("400-820-8820", "400-820-8820", "tel:4008208820"),
    ("", "", None),
])
def test_public_phones_as_people_write_them(typed, stored, tel):
    assert public_phone(typed) == stored
    if tel:
        assert tel_uri(stored) == tel


# phone, is_mobile (an account's phone, a fee recipient's), is_contact_phone (an organisation's), public_phone ok
@pytest.mark.parametrize(("phone", "mobile", "contact", "public"), [
    ("13800001234", True, True, True),
    ("02162345678", False, True, True),
    ("021-62345678", False, True, True),
    ("0571-87654321-806", False, False, True),  # an extension: only a public booking phone
    ("400-820-8820", False, False, True),  # a service number: only a public booking phone
    ("138 0000 1234", False, False, True),  # spaces are dropped only from a public booking phone
    ("１３８００００１２３４", False, False, True),  # full-width digits are read only in a public booking phone
    ("12345", False, False, False),
    ("1380000123", False, False, False),
    ("138000012345", False, False, False),
    ("021-6234567x", False, False, False),
    ("13800001234\n", False, False, True),  # whitespace again
    (ARABIC_INDIC_1, False, False, False),
])
def test_each_field_takes_its_kinds_of_phone(phone, mobile, contact, public):
    assert is_mobile(phone) is mobile
    assert is_contact_phone(phone) is contact
    assert (public_phone(phone) is not None) is public
