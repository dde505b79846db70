"""Annual reports and grade evidence can be opened by those who see the organisation's private record (the
officer reviewing a report, its members), from the organisation's page; others get 403."""

from datetime import timedelta

from accounts.enums import Role
from core.db import db
from core.timeutil import local_today
from orgs import standing
from tests.factories import make_user
from tests.orgs.helpers import PDF_BYTES, Upload, approved_org


def test_annual_reports_and_grade_evidence_are_downloadable_by_those_who_see_the_record(client, session, login_as):
    applicant, officer = make_user(), make_user(Role.OFFICER)
    org = approved_org(applicant, officer)
    report = standing.submit_annual_report(org, 2025, Upload(filename="2025年度报告.pdf"), actor=applicant)
    grade = standing.record_grade(org, 4, local_today() - timedelta(days=180), actor=officer,  # a grade in force
                                  evidence=Upload(filename="评估证书.pdf"))
    db.session.commit()
    keys = [report.file.key, grade.evidence.key]
    login_as(officer)
    page = client.get(f"/orgs/{org.id}").get_data(as_text=True)
    assert all(f"/orgs/files/{key}" in page for key in keys)  # linked from the record the officer reviews
    for key in keys:
        response = client.get(f"/orgs/files/{key}")
        assert response.status_code == 200 and response.data == PDF_BYTES  # was a 404: only documents were served
    client.post("/logout")
    login_as(make_user())  # someone without access to the private record
    assert [client.get(f"/orgs/files/{key}").status_code for key in keys] == [403, 403]
    assert client.get("/orgs/files/no-such-key").status_code == 404
