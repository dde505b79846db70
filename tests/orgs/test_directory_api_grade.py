"""GET /api/v1/orgs?grade= takes a grade from 1 to 5; anything else is a 422 naming `grade`. A larger number (up to
nine digits passed) overflowed PostgreSQL's smallint grade column: a 500. Found by the OpenAPI fuzz
(tests/test_openapi.py) on PostgreSQL."""

import pytest

from core.db import db
from tests.factories import make_user
from tests.orgs.helpers import approved_org


@pytest.mark.parametrize("grade", ["0", "6", "32768", "7217053", "999999999"])
def test_a_grade_outside_1_to_5_is_refused(client, session, grade):
    response = client.get(f"/api/v1/orgs?grade={grade}", headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"grade": "A grade is 1A to 5A."}


def test_a_grade_from_1_to_5_filters(client, session):
    approved_org(make_user(), make_user("officer"), name="没有等级的服务中心")
    db.session.commit()
    for grade in range(1, 6):
        response = client.get(f"/api/v1/orgs?grade={grade}")
        assert response.status_code == 200
        assert all(item["grade"] == grade for item in response.get_json()["items"])
    assert client.get("/api/v1/orgs?grade=").status_code == 200  # empty: no filter
