from datetime import date, timedelta

import pytest

from accounts.enums import Role
from core.errors import Conflict, ServiceError
from core.timeutil import local_today
from orgs import services, standing
from orgs.enums import OrgStatus
from tests.factories import make_user
from tests.orgs.helpers import Upload, approved_org, submitted_org


@pytest.fixture
def parties(session):
    return make_user(), make_user(Role.OFFICER)


AWARDED = local_today() - timedelta(days=100)  # a grade is recorded while in force (five years from the award)
EXPIRES = standing._add_years(AWARDED, standing.GRADE_VALIDITY_YEARS)


@pytest.mark.parametrize("day, expected", [
    (AWARDED - timedelta(days=1), None),  # before the award
    (AWARDED, 4),
    (EXPIRES - timedelta(days=1), 4),
    (EXPIRES, 4),  # the last valid day
    (EXPIRES + timedelta(days=1), None),  # expired
])
def test_grade_around_its_expiry(parties, day, expected):
    applicant, officer = parties
    org = approved_org(applicant, officer)
    record = standing.record_grade(org, 4, AWARDED, actor=officer)
    assert record.valid_until == EXPIRES
    assert services.standing(org, on=day).grade == expected


def test_a_newer_grade_wins(parties):
    applicant, officer = parties
    org = approved_org(applicant, officer)
    today = local_today()
    standing.record_grade(org, 3, today - timedelta(days=700), actor=officer)
    standing.record_grade(org, 5, today - timedelta(days=100), actor=officer)
    assert services.standing(org, on=today - timedelta(days=50)).grade == 5
    assert services.standing(org, on=today - timedelta(days=150)).grade == 3


@pytest.mark.parametrize("grade, awarded, valid_until, field", [
    (6, AWARDED, None, "grade"), (0, AWARDED, None, "grade"),
    (3, date(2999, 1, 1), None, "awarded_on"), (3, AWARDED, AWARDED - timedelta(days=365), "valid_until"),
])
def test_bad_grades_are_refused(parties, grade, awarded, valid_until, field):
    applicant, officer = parties
    org = approved_org(applicant, officer)
    with pytest.raises(ServiceError) as caught:
        standing.record_grade(org, grade, awarded, valid_until=valid_until, actor=officer)
    assert field in caught.value.fields


def test_no_standing_records_before_registration(parties):
    applicant, officer = parties
    org = submitted_org(applicant)
    with pytest.raises(Conflict):
        standing.record_grade(org, 3, AWARDED, actor=officer)


def test_annual_report_accept_return_and_resubmit(parties):
    applicant, officer = parties
    org = approved_org(applicant, officer)
    on = date(2026, 11, 23)
    assert not services.standing(org, on=on).last_annual_report_accepted
    report = standing.submit_annual_report(org, 2025, Upload(), actor=applicant)
    with pytest.raises(Conflict):
        standing.submit_annual_report(org, 2025, Upload(), actor=applicant)
    with pytest.raises(ServiceError):
        standing.review_annual_report(report, False, "", actor=officer)  # a return needs a reason
    standing.review_annual_report(report, False, "缺少审计报告", actor=officer)
    assert not services.standing(org, on=on).last_annual_report_accepted
    standing.submit_annual_report(org, 2025, Upload(), actor=applicant)
    standing.review_annual_report(report, True, "", actor=officer)
    assert services.standing(org, on=on).last_annual_report_accepted
    with pytest.raises(Conflict):
        standing.review_annual_report(report, True, "", actor=officer)
    with pytest.raises(ServiceError):
        standing.submit_annual_report(org, 2999, Upload(), actor=applicant)


def test_credit_list_entries_count_while_active(parties):
    applicant, officer = parties
    org = approved_org(applicant, officer)
    entry = standing.add_credit_entry(org, "serious", "虚假宣传", "东民社〔2026〕3号", date(2026, 1, 1), None,
                                      actor=officer)
    assert services.standing(org, on=date(2025, 12, 31)).credit_entries == ()
    now = services.standing(org, on=date(2026, 3, 1))
    assert now.credit_entries == ("serious",) and not now.in_good_standing
    standing.end_credit_entry(entry, date(2026, 6, 1), actor=officer)
    assert services.standing(org, on=date(2026, 6, 1)).in_good_standing
    with pytest.raises(ServiceError):
        standing.add_credit_entry(org, "gossip", "", "", date(2026, 1, 1), date(2025, 1, 1), actor=officer)


def test_years_registered_and_status(parties):
    applicant, officer = parties
    org = approved_org(applicant, officer)  # registered 2020-05-01
    assert services.standing(org, on=date(2023, 4, 30)).years_registered == 2
    assert services.standing(org, on=date(2023, 5, 1)).years_registered == 3
    services.transition_org(org, OrgStatus.SUSPENDED, actor=officer, reason="整改")
    assert not services.standing(org, on=date(2023, 5, 1)).in_good_standing


def test_incubation_links_show_on_both_profiles(client, parties):
    applicant, officer = parties
    hub = approved_org(applicant, officer, name="枢纽型社会组织服务中心")
    child = approved_org(make_user(), officer, kind="community", uscc="", name="和平社区合唱团")
    with pytest.raises(Conflict):  # not (yet) designated a hub
        standing.link_incubation(hub, child, date(2025, 3, 1), actor=officer)
    standing.designate_hub(hub, True, actor=officer)
    link = standing.link_incubation(hub, child, date(2025, 3, 1), actor=officer)
    with pytest.raises(Conflict):
        standing.link_incubation(hub, child, date(2025, 3, 1), actor=officer)
    from core.db import db

    db.session.commit()
    assert child.name in client.get(f"/orgs/{hub.id}").get_data(as_text=True)
    assert hub.name in client.get(f"/orgs/{child.id}").get_data(as_text=True)
    standing.set_incubation_stage(link, "graduated", date(2026, 3, 1), actor=officer)
    assert link.stage == "graduated"
    with pytest.raises(Conflict):
        standing.set_incubation_stage(link, "ended", None, actor=officer)
