"""An activity's place is at most 200 characters (its column's width): a longer one is refused with the limit in
the message — by the service, the report page and the API — and is never cut short; 200 exactly is kept whole."""

import html

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from core.db import db
from core.errors import ServiceError
from core.timeutil import local_today
from projects import contract_reports
from projects.contract_report_input import ActivityInput, ReportInput
from projects.contract_report_models import ActivityRecord
from tests.projects.contract_helpers import bearer, counts, last_event

EN = {"Accept-Language": "en"}
TOO_LONG = "An activity's place has at most 200 characters."
NARRATIVE = "第一阶段：开展健康讲座，记录活动地点。"
PLACE_200 = "和平社区活动室" * 28 + "四楼东侧"  # 196 + 4 characters
PLACE_201 = PLACE_200 + "旁"


@pytest.fixture
def world(contract_world):
    return contract_world


def test_the_fixtures_are_the_lengths_they_claim():
    assert (len(PLACE_200), len(PLACE_201)) == (200, 201)


@pytest.mark.parametrize("place", [PLACE_201, PLACE_200 + "x" * 300, "  " + PLACE_201 + "  "])
def test_the_service_refuses_a_longer_place_and_changes_nothing(app, world, place):
    officer, manager, contract = world
    before = counts()
    data = ReportInput(NARRATIVE, activities=[ActivityInput(local_today(), place, 20)])
    with app.test_request_context(), force_locale("en"), pytest.raises(ServiceError) as caught:
        contract_reports.submit_report(contract.milestones[0], data, actor=manager)
    assert str(caught.value.fields["activities"]) == f"Activity row 1: {TOO_LONG}"
    db.session.rollback()
    assert counts() == before


def test_a_place_of_exactly_200_characters_is_kept_whole(app, world):
    officer, manager, contract = world
    data = ReportInput(NARRATIVE, activities=[ActivityInput(
        local_today(), f"  {PLACE_200} ", 20)])
    with app.test_request_context():
        report = contract_reports.submit_report(contract.milestones[0], data, actor=manager)
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalar(select(ActivityRecord.place)) == PLACE_200
    assert last_event("contract.report_submitted").target_id == str(contract.id) and report.id


def test_the_report_page_refuses_a_longer_place(client, login_as, world):
    officer, manager, contract = world
    login_as(manager)
    before = counts()
    response = client.post(f"/contracts/milestones/{contract.milestones[0].id}/report", headers=EN, data={
        "narrative": NARRATIVE, "activity-0-date": local_today().isoformat(), "activity-0-place": PLACE_201,
        "activity-0-participants": "20"})
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert TOO_LONG in page
    assert f'value="{PLACE_201}"' in page  # the place typed is given back whole, to shorten
    assert counts() == before


def test_the_api_refuses_a_longer_place(client, world):
    officer, manager, contract = world
    headers = bearer(manager)
    path = f"/api/v1/milestones/{contract.milestones[0].id}/reports"
    before = counts()
    response = client.post(path, headers=headers, json={"narrative": NARRATIVE, "activities": [
        {"held_on": local_today().isoformat(), "place": PLACE_201, "participants": 20}]})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and error["fields"]["activities"] == f"Activity row 1: {TOO_LONG}"
    assert counts() == before
    ok = client.post(path, headers=headers, json={"narrative": NARRATIVE, "activities": [
        {"held_on": local_today().isoformat(), "place": PLACE_200, "participants": 20}]})
    assert ok.status_code == 201, ok.get_json()
    assert ok.get_json()["activities"][0]["place"] == PLACE_200
