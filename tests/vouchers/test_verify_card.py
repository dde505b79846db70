"""Verifying a resident who signed up: community staff saw the ID number only masked (110105********0021), so
"verify" checked nothing against the card the resident showed. Verifying now needs the number read off the card;
the service compares it with the record (by keyed hash) and refuses a missing, malformed or different number,
changing nothing. The page shows the refusal beside the field."""

import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from accounts.resident_models import ResidentStatus
from accounts.residents import ResidentData, submit_profile, transition_resident
from audit.models import AuditEvent
from core.db import db
from core.errors import ServiceError
from tests.factories import make_user
from tests.orgs.helpers import community

from .helpers import id_number

EN = {"Accept-Language": "en"}


@pytest.fixture
def pending(app, session):
    with app.test_request_context():
        staff = make_user(Role.COMMUNITY_STAFF)
        user = make_user(Role.RESIDENT)
        number = id_number()
        profile = submit_profile(user, ResidentData("孙玉兰", number, community("和平社区").id), actor=user)
    db.session.commit()
    return staff, profile, number


def verified_events() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "resident.verified"))


def spaced_full_width(number: str) -> str:
    """As typed with a Chinese IME, in groups: '１１０１０５ １９５００３０１ ００１Ｘ'."""
    wide = "".join(chr(ord(c) + 0xFEE0) for c in number)
    return f"{wide[:6]} {wide[6:14]} {wide[14:]}"


@pytest.mark.parametrize(("card", "code"), [
    (None, "invalid"), ("", "invalid"), ("   ", "invalid"),
    ("110105", "invalid"),  # not an ID number
    ("other", "card_mismatch"),  # a valid number, but not this resident's
])
def test_verifying_without_the_right_number_is_refused_and_changes_nothing(app, pending, card, code):
    staff, profile, _number = pending
    card = id_number() if card == "other" else card
    with app.test_request_context(), pytest.raises(ServiceError) as refused:
        transition_resident(profile, ResidentStatus.VERIFIED, actor=staff, card_number=card)
    assert "card_number" in refused.value.fields
    if code == "card_mismatch":
        assert refused.value.code == "card_mismatch"
    db.session.rollback()
    assert db.session.get(type(profile), profile.id).status == "pending" and verified_events() == 0


@pytest.mark.parametrize("typed", ["exact", "lower", "spaced full-width"])
def test_the_number_as_read_off_the_card_verifies(app, pending, typed):
    staff, profile, number = pending
    card = {"exact": number, "lower": number.lower(), "spaced full-width": spaced_full_width(number)}[typed]
    with app.test_request_context():
        transition_resident(profile, ResidentStatus.VERIFIED, actor=staff, card_number=card)
    db.session.commit()
    assert profile.status == "verified" and profile.verified_by_id == staff.id and verified_events() == 1


def test_the_page_asks_for_the_card_number_and_shows_a_refusal_beside_it(client, login_as, pending):
    staff, profile, number = pending
    login_as(staff)
    page = client.get(f"/vouchers/residents/{profile.id}", headers=EN).get_data(as_text=True)
    assert 'name="card_number"' in page and profile.id_masked in page
    assert number not in page  # the record's number is never shown in full

    refused = client.post(f"/vouchers/residents/{profile.id}/status/verified", headers=EN,
                          data={"card_number": id_number()})
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert 'id="card_number-error"' in body and "Not the number on record." in body
    db.session.expire_all()
    assert profile.status == "pending" and verified_events() == 0

    done = client.post(f"/vouchers/residents/{profile.id}/status/verified", headers=EN, data={"card_number": number})
    assert done.status_code == 302
    db.session.expire_all()
    assert profile.status == "verified" and verified_events() == 1


def test_suspending_without_a_reason_is_refused_beside_the_field(client, login_as, pending):
    staff, profile, _number = pending
    login_as(staff)
    refused = client.post(f"/vouchers/residents/{profile.id}/status/suspended", headers=EN, data={"reason": " "})
    assert refused.status_code == 422 and 'id="reason-error"' in refused.get_data(as_text=True)
    db.session.expire_all()
    assert profile.status == "pending"
