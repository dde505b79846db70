"""Residents: ID validation, encryption, masking, one person one profile, verification, personal data kept out of
the audit trail."""

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from accounts import residents
from accounts import services as accounts
from accounts.enums import Role
from accounts.resident_models import HardshipTag, ResidentProfile, ResidentStatus
from audit.models import AuditEvent
from core import personal
from core.db import db
from core.errors import Conflict, Forbidden, ServiceError
from tests.factories import make_user
from tests.orgs.helpers import community
from tests.vouchers.helpers import events, id_number


def data(number: str, **overrides) -> residents.ResidentData:
    values = dict(real_name="张秀英", id_number=number, community_id=community().id, tags=["living_alone"])
    values.update(overrides)
    return residents.ResidentData(**values)


@pytest.fixture
def staff(session):
    return make_user(Role.COMMUNITY_STAFF)


@pytest.mark.parametrize("bad", ["", "110105194912310021", "11010519491231002", "11010519491331002X", "abc",
                                 "440305193003010015"])
def test_invalid_id_numbers_are_refused_with_a_field_error(staff, bad):
    with pytest.raises(ServiceError) as exc:
        residents.register_without_phone(data(bad), actor=staff)
    assert "id_number" in exc.value.fields
    assert db.session.scalar(select(sa.func.count(ResidentProfile.id))) == 0


def test_id_number_is_encrypted_hashed_masked_and_gives_the_birth_date(staff):
    number = "11010519491231002x"  # lower-case x is normalised
    profile = residents.register_without_phone(data(number), actor=staff)
    assert profile.status == ResidentStatus.VERIFIED and profile.registered_by_id == staff.id
    assert profile.birth_date == date(1949, 12, 31)
    assert profile.id_masked == "110105********002X"
    assert "19491231" not in profile.id_number_enc and number.upper() not in profile.id_number_enc
    assert personal.decrypt(profile.id_number_enc) == number.upper()
    assert profile.id_hash == personal.id_number_hash(number) != personal.keyed_hash(number.upper(), "voucher-code")
    assert residents.find_by_id_number("11010519491231002X").id == profile.id
    assert profile.user.phone is None and not profile.has_phone


def test_the_same_person_cannot_hold_two_profiles(staff):
    number = id_number(date(1950, 5, 5))
    residents.register_without_phone(data(number), actor=staff)
    with pytest.raises(Conflict) as exc:
        residents.register_without_phone(data(number, real_name="别人"), actor=staff)
    assert exc.value.code == "duplicate_id" and "id_number" in exc.value.fields
    user = make_user(Role.RESIDENT)
    with pytest.raises(Conflict):
        residents.submit_profile(user, data(number), actor=user)


def test_the_database_refuses_a_second_profile_with_the_same_hash(staff):
    first = residents.register_without_phone(data(id_number()), actor=staff)
    other = make_user(Role.RESIDENT)
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.add(ResidentProfile(user_id=other.id, real_name="x", id_number_enc="v1:x", id_hash=first.id_hash,
                                       id_masked="x", birth_date=date(1950, 1, 1), community_id=first.community_id))
        db.session.flush()


def test_the_audit_trail_never_holds_the_id_number_or_its_hash(staff):
    number = id_number(date(1941, 2, 3))
    profile = residents.register_without_phone(data(number), actor=staff)
    residents.update_profile(profile, data(number, real_name="张秀兰", tags=["low_income"]), actor=staff)
    assert residents.reveal_id_number(profile, actor=staff) == number
    texts = [e.data for e in db.session.scalars(select(AuditEvent))]
    assert texts and all(number not in t and profile.id_hash not in t and number[6:14] not in t for t in texts)
    assert [e.action for e in events("resident.id_viewed")] == ["resident.id_viewed"]
    assert '"id_masked":"' + profile.id_masked + '"' in events("resident.registered")[0].data


def test_a_different_personal_data_key_cannot_read_or_match(app, staff):
    number = id_number()
    profile = residents.register_without_phone(data(number), actor=staff)
    app.config["PERSONAL_DATA_KEY"] = "another-key"
    try:
        with pytest.raises(personal.PersonalDataError):
            personal.decrypt(profile.id_number_enc)
        assert personal.id_number_hash(number) != profile.id_hash
    finally:
        app.config["PERSONAL_DATA_KEY"] = None
    assert personal.decrypt(profile.id_number_enc) == number


def test_masking_helpers():
    assert personal.mask_id_number("110105194912311234") == "110105********1234"
    assert personal.mask_name("张三丰") == "张**"
    assert personal.mask_phone("13800001234") == "138****1234"


def test_sign_up_with_phone_then_staff_verify(staff):
    user = accounts.sign_up(username=None, phone="13912345678", display_name="李大爷", password="correct-horse-1",
                            resident=True)
    assert user.username == "13912345678" and user.has_role(Role.RESIDENT)
    number = id_number()
    profile = residents.submit_profile(user, data(number, tags=["low_income"]), actor=user)
    assert profile.status == ResidentStatus.PENDING and profile.tags_on(date.today()) == set()  # staff set tags
    residents.transition_resident(profile, ResidentStatus.VERIFIED, actor=staff, card_number=number)
    assert profile.status == ResidentStatus.VERIFIED and profile.verified_by_id == staff.id
    assert events("resident.verified")[-1].actor_id == staff.id
    residents.set_tags(profile, ["low_income", "aged_80"], actor=staff)
    assert [r.tag for r in profile.tag_rows] == ["low_income"]  # aged 80+ is computed, never stored


def test_aged_80_is_computed_from_the_birth_date(staff):
    today = date.today()
    old = residents.register_without_phone(data(id_number(date(today.year - 81, 1, 1))), actor=staff)
    young = residents.register_without_phone(data(id_number(date(today.year - 79, 1, 1))), actor=staff)
    assert HardshipTag.AGED_80.value in old.tags_on(today)
    assert HardshipTag.AGED_80.value not in young.tags_on(today)


TRANSITIONS = [
    ("pending", "verified", True), ("pending", "suspended", True), ("verified", "suspended", True),
    ("suspended", "verified", True), ("verified", "pending", False), ("suspended", "pending", False),
    ("verified", "verified", False),
]


@pytest.mark.parametrize(("start", "to", "allowed"), TRANSITIONS)
def test_resident_transitions(staff, start, to, allowed):
    user = make_user(Role.RESIDENT)
    number = id_number()
    profile = residents.submit_profile(user, data(number), actor=user)
    profile.status = start  # test set-up only
    before = len(events(f"resident.{to}"))
    if allowed:
        residents.transition_resident(profile, to, actor=staff, reason="搬离本社区", card_number=number)
        assert profile.status == to and len(events(f"resident.{to}")) == before + 1
    else:
        with pytest.raises(Conflict):
            residents.transition_resident(profile, to, actor=staff, reason="x")
        assert profile.status == start


def test_only_staff_verify_and_register(staff):
    resident_user = make_user(Role.RESIDENT)
    officer = make_user(Role.OFFICER)
    with pytest.raises(Forbidden):
        residents.register_without_phone(data(id_number()), actor=officer)
    profile = residents.submit_profile(resident_user, data(id_number()), actor=resident_user)
    with pytest.raises(Forbidden):
        residents.transition_resident(profile, ResidentStatus.VERIFIED, actor=resident_user)
    with pytest.raises(Forbidden):
        residents.reveal_id_number(profile, actor=officer)
    assert residents.can_view_resident(resident_user, profile) and not residents.can_view_resident(
        make_user(Role.RESIDENT), profile)


def test_suspension_needs_a_reason(staff):
    profile = residents.register_without_phone(data(id_number()), actor=staff)
    with pytest.raises(ServiceError) as exc:
        residents.transition_resident(profile, ResidentStatus.SUSPENDED, actor=staff)
    assert "reason" in exc.value.fields
