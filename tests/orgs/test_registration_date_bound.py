"""A registration date before 1949-10-01 is refused (0001-01-01 was accepted, and satisfied any call's "registered
for N years" rule), by the service that the form and the API share."""

from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from core.db import db
from core.errors import ServiceError
from orgs import services
from orgs.models import Organisation
from tests.factories import make_user
from tests.orgs.helpers import org_data
from tests.orgs.test_api import payload, token_for

EN = {"Accept-Language": "en"}
TOO_EARLY = "The date of registration (or founding) cannot be before 1949-10-01."


def organisations() -> int:
    return db.session.scalar(select(func.count(Organisation.id)))


@pytest.mark.parametrize("registered_on", [date(1, 1, 1), date(1900, 1, 1), date(1949, 9, 30)])
def test_a_registration_before_1949_10_01_is_refused_by_the_service(app, session, registered_on):
    before = organisations()
    with app.test_request_context(), force_locale("en"):
        with pytest.raises(ServiceError) as caught:
            services.create_application(org_data(registered_on=registered_on), actor=make_user())
        assert str(caught.value.fields["registered_on"]) == TOO_EARLY
    assert organisations() == before


def test_a_registration_on_1949_10_01_is_accepted(session):
    org = services.create_application(org_data(registered_on=date(1949, 10, 1)), actor=make_user())
    assert org.registered_on == date(1949, 10, 1)


def test_the_api_refuses_year_one_with_the_field_named(client, session):
    headers = token_for(make_user())
    db.session.commit()
    before = organisations()
    response = client.post("/api/v1/orgs", json=payload(registered_on="0001-01-01"), headers={**headers, **EN})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["registered_on"] == TOO_EARLY
    assert organisations() == before


def test_an_existing_application_cannot_be_moved_to_year_one(session):
    applicant = make_user()
    org = services.create_application(org_data(), actor=applicant)
    with pytest.raises(ServiceError) as caught:
        services.update_application(org, org_data(registered_on=date(1, 1, 1)), actor=applicant)
    assert "registered_on" in caught.value.fields
