"""A grade awarded before the organisation's registration, or so long ago that it expired the moment it was
recorded (1900-01-01 was accepted), is refused; so is an end of validity beyond five years or already past."""

from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from accounts.enums import Role
from core.db import db
from core.errors import ServiceError
from core.timeutil import local_today
from orgs import services, standing
from orgs.models import GradeRecord
from tests.factories import login, make_user
from tests.orgs.helpers import approved_org

EN = {"Accept-Language": "en"}


@pytest.fixture
def graded(session):
    officer = make_user(Role.OFFICER)
    return officer, approved_org(make_user(), officer, registered_on=local_today() - timedelta(days=400))


def grades() -> int:
    return db.session.scalar(select(func.count(GradeRecord.id)))


def refusal(app, org, officer, awarded_on, valid_until=None) -> dict:
    with app.test_request_context(), force_locale("en"):
        with pytest.raises(ServiceError) as caught:
            standing.record_grade(org, 4, awarded_on, valid_until=valid_until, actor=officer)
        return {k: str(v) for k, v in caught.value.fields.items()}


def test_a_grade_awarded_before_the_registration_is_refused(app, graded):
    officer, org = graded
    before = grades()
    fields = refusal(app, org, officer, org.registered_on - timedelta(days=1))
    assert fields == {"awarded_on": "A grade cannot be awarded before the organisation was registered "
                                    f"({org.registered_on.isoformat()})."}
    assert grades() == before
    assert standing.record_grade(org, 4, org.registered_on, actor=officer).awarded_on == org.registered_on


@pytest.mark.parametrize(("registered_on", "awarded_on"), [
    (None, date(1900, 1, 1)),  # an older record without a registration date: the five years still hold
    (date(1950, 1, 1), standing.earliest_live_award(local_today()) - timedelta(days=1)),
])
def test_a_grade_that_has_already_expired_is_refused(app, session, registered_on, awarded_on):
    officer = make_user(Role.OFFICER)
    org = approved_org(make_user(), officer, registered_on=date(1950, 1, 1))
    org.registered_on = registered_on  # arranged directly, as a fixture
    before = grades()
    earliest = standing.earliest_live_award(local_today())
    assert refusal(app, org, officer, awarded_on) == {
        "awarded_on": f"A grade is valid for 5 years: one awarded before {earliest.isoformat()} has already expired."}
    assert grades() == before


def test_the_oldest_award_still_in_force_is_accepted(session):
    officer = make_user(Role.OFFICER)
    org = approved_org(make_user(), officer, registered_on=date(1950, 1, 1))
    today = local_today()
    record = standing.record_grade(org, 4, standing.earliest_live_award(today), actor=officer)
    assert record.valid_until >= today
    assert services.standing(org, on=today).grade == 4


@pytest.mark.parametrize(("today", "earliest"), [
    (date(2026, 12, 6), date(2021, 12, 6)),
    (date(2029, 2, 28), date(2024, 2, 28)),  # 2024-02-29 is valid until 2029-02-28 as well
    (date(2028, 2, 29), date(2023, 3, 1)),  # 2023-02-28 ran out on 2028-02-28
])
def test_the_earliest_award_in_force(today, earliest):
    assert standing.earliest_live_award(today) == earliest


def test_an_end_of_validity_beyond_five_years_or_already_past_is_refused(app, graded):
    officer, org = graded
    awarded = local_today() - timedelta(days=30)
    five_years = standing._add_years(awarded, 5)
    assert refusal(app, org, officer, awarded, date(9999, 12, 31)) == {
        "valid_until": f"A grade is valid for at most 5 years: until {five_years.isoformat()} at the latest."}
    assert refusal(app, org, officer, awarded, local_today() - timedelta(days=1)) == {
        "valid_until": "The end of validity has passed: this grade has already expired."}
    assert standing.record_grade(org, 4, awarded, valid_until=five_years, actor=officer).valid_until == five_years


def test_the_grade_form_refuses_a_grade_awarded_in_1900_and_saves_nothing(client, graded):
    officer, org = graded
    db.session.commit()
    before = grades()
    login(client, officer.username)
    response = client.post(f"/orgs/{org.id}/grades", data={"grade": "3", "awarded_on": "1900-01-01"},
                           headers=EN, follow_redirects=True)
    assert "A grade cannot be awarded before the organisation was registered" in response.get_data(as_text=True)
    db.session.expire_all()
    assert grades() == before
