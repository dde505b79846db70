"""Review fixes: credit codes written with separators, field lengths through the API, grade dates out of range,
demoting an invited manager, formulas in the Excel export."""

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from accounts.enums import Role
from core.db import db
from core.errors import ServiceError
from core.timeutil import local_today
from orgs import services, standing
from orgs.enums import MemberRole, MembershipStatus
from orgs.models import Organisation
from tests.factories import login, make_user
from tests.orgs.helpers import approved_org, make_uscc, org_data, submitted_org
from tests.orgs.test_api import payload, token_for


def test_a_code_written_with_hyphens_is_stored_compact_and_counts_as_taken(session):
    officer = make_user(Role.OFFICER)
    org = approved_org(make_user(), officer)
    spaced = f"{org.uscc[:8]}-{org.uscc[8:]}"
    with pytest.raises(ServiceError) as caught:
        services.create_application(org_data(uscc=spaced), actor=make_user())
    assert "uscc" in caught.value.fields
    code = make_uscc("2", 9876)
    other = services.create_application(org_data(uscc=f"{code[:8]}-{code[8:]}"), actor=make_user())
    assert other.uscc == code


def test_kind_digit_is_checked_on_the_compact_code(session):
    code = make_uscc("2", 9877)  # an agency's code, written with a hyphen after the 5
    org = services.create_application(org_data(kind="agency", uscc=f"{code[0]}-{code[1:]}"), actor=make_user())
    assert org.uscc == code


@pytest.mark.parametrize("field, limit", [("legal_representative", 60), ("registration_authority", 100),
                                          ("address", 200), ("contact_name", 60), ("name", 120)])
def test_api_refuses_values_too_long_for_their_column(client, session, field, limit):
    user = make_user()
    db.session.commit()
    response = client.post("/api/v1/orgs", json=payload(**{field: "长" * (limit + 1)}), headers=token_for(user))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert db.session.query(Organisation).filter_by(created_by_id=user.id).count() == 0


def test_api_refuses_an_email_too_long_for_its_column(client, session):
    user = make_user()
    db.session.commit()
    response = client.post("/api/v1/orgs", json=payload(contact_email="a" * 250 + "@x.cn"), headers=token_for(user))
    assert response.status_code == 422
    assert "contact_email" in response.get_json()["error"]["fields"]


def test_a_grade_awarded_in_year_9999_is_a_field_error(session):
    officer = make_user(Role.OFFICER)
    org = approved_org(make_user(), officer)
    with pytest.raises(ServiceError) as caught:
        standing.record_grade(org, 3, date(9999, 1, 1), actor=officer)
    assert "awarded_on" in caught.value.fields


def test_the_grade_form_with_a_date_in_year_9999_does_not_fail(client, session):
    officer = make_user(Role.OFFICER)
    org = approved_org(make_user(), officer)
    db.session.commit()
    login(client, officer.username)
    response = client.post(f"/orgs/{org.id}/grades", data={"grade": "3", "awarded_on": "9999-12-31"})
    assert response.status_code == 422  # refused beside the date, the form as typed (it was a redirect)


def test_an_invited_manager_can_be_demoted_while_one_manager_is_active(session):
    manager = make_user()
    org = submitted_org(manager)
    invited = services.invite_member(org, make_user().username, MemberRole.MANAGER.value, actor=manager)
    services.set_member_role(invited, MemberRole.MEMBER.value, actor=manager)
    assert invited.role == MemberRole.MEMBER and invited.status == MembershipStatus.INVITED


def test_export_does_not_turn_names_into_formulas(client, session):
    officer = make_user(Role.OFFICER)
    org = approved_org(make_user(), officer, name="=HYPERLINK(\"http://x\",\"y\")")
    org.legal_representative = "=1+1"
    db.session.commit()
    login(client, officer.username)
    response = client.get("/orgs/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [row for row in sheet.iter_rows(values_only=True) if row[0] == org.id]
    assert rows[0][1] == "=HYPERLINK(\"http://x\",\"y\")" and rows[0][5] == "=1+1"  # kept as typed, as text
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


@pytest.mark.parametrize("field", ["category_ids", "community_ids"])
def test_api_refuses_an_id_beyond_the_integer_column(client, session, field):
    user = make_user()
    db.session.commit()
    response = client.post("/api/v1/orgs", json=payload(**{field: [2**40]}), headers=token_for(user))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_a_filing_number_carries_the_year_in_beijing(session, monkeypatch):
    officer = make_user(Role.OFFICER)
    org = submitted_org(make_user(), kind="community")
    new_year_in_beijing = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)  # 2027-01-01 01:00 in Beijing
    monkeypatch.setattr(services, "utcnow", lambda: new_year_in_beijing)
    services.transition_org(org, "approved", actor=officer)
    assert org.filing_number.startswith("SQBA2027")


def test_directory_shows_and_filters_the_newest_valid_grade_like_standing(client, session):
    officer = make_user(Role.OFFICER)
    org = approved_org(make_user(), officer, name="重新评级的服务中心")
    today = local_today()
    standing.record_grade(org, 5, today - timedelta(days=700), actor=officer)
    standing.record_grade(org, 3, today - timedelta(days=10), actor=officer)  # re-graded lower
    db.session.commit()
    assert services.standing(org).grade == 3
    found = client.get("/api/v1/orgs?q=重新评级").get_json()["items"]
    assert [o["grade"] for o in found] == [3]
    assert client.get(f"/api/v1/orgs/{org.id}").get_json()["grade"] == 3
    assert client.get("/api/v1/orgs?q=重新评级&grade=5").get_json()["total"] == 0
    assert client.get("/api/v1/orgs?q=重新评级&grade=3").get_json()["total"] == 1


@pytest.mark.parametrize("ended_on", [date(2020, 1, 1), date(2999, 1, 1)])
def test_an_incubation_cannot_end_before_it_started_or_in_the_future(session, ended_on):
    officer = make_user(Role.OFFICER)
    hub = approved_org(make_user(), officer)
    standing.designate_hub(hub, True, actor=officer)
    child = approved_org(make_user(), officer, kind="community")
    link = standing.link_incubation(hub, child, date(2024, 3, 1), actor=officer)
    with pytest.raises(ServiceError) as caught:
        standing.set_incubation_stage(link, "graduated", ended_on, actor=officer)
    assert "ended_on" in caught.value.fields and link.stage == "incubating" and link.ended_on is None
