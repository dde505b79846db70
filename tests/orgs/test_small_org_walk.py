"""A QA walk as a small social organisation, in Chinese on a phone and a desktop: registration, its page, documents
and the annual report. Each test fails without its fix."""

import html
import io
import re
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict
from core.timeutil import local_today
from orgs import services
from orgs.enums import OrgKind, OrgStatus
from orgs.models import AnnualReport
from tests.factories import make_user
from tests.orgs.helpers import PDF_BYTES, approved_org, org_data, submitted_org

EN = {"Accept-Language": "en"}
REPO = Path(__file__).resolve().parents[2]


def page_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def facts(page: str) -> str:
    """The page's registration facts (their <dl>)."""
    return re.search(r'<dl class="row" id="registration-facts">.*?</dl>', page, re.S).group(0)


# 1. the previous year's annual report: a label that does not say "accepted" of a report not there ---------------

def test_a_new_applications_missing_report_is_not_submitted_yet(client, session, login_as):
    applicant = make_user()
    org = services.create_application(org_data(), actor=applicant)  # registered in 2020: a report is required
    db.session.commit()
    login_as(applicant)
    page = page_of(client.get(f"/orgs/{org.id}"))
    assert '上一年度报告： <span id="last-annual-report">尚未提交</span>' in page
    assert "上一年度报告已通过" not in page and "尚无年度报告" not in page
    # what the page says of whether one is required is unchanged: the list asks for it
    required = re.search(r'<ul class="list-unstyled mb-2" id="required-documents">.*?</ul>', page, re.S).group(0)
    assert re.search(r'data-kind="annual_report">\s*<span class="badge text-bg-warning">尚缺</span> 最新年度报告',
                     required)
    english = page_of(client.get(f"/orgs/{org.id}", headers=EN))
    assert "Last year's annual report: <span id=\"last-annual-report\">Not submitted yet</span>" in english


def test_the_previous_years_report_reads_after_the_new_label(session):
    officer = make_user(Role.OFFICER)
    org = approved_org(make_user(), officer)
    report = AnnualReport(org_id=org.id, year=local_today().year - 1, file=org.documents[0].file,
                          status="accepted")
    db.session.add(report)
    db.session.flush()
    assert services.standing(org).last_annual_report_text == "已通过"


# 2. an application sent again while it is being reviewed ---------------------------------------------------------

def test_sending_an_application_again_says_it_is_being_reviewed(client, session, login_as):
    applicant = make_user()
    org = submitted_org(applicant)
    db.session.commit()
    login_as(applicant)
    page = page_of(client.post(f"/orgs/{org.id}/status", data={"to": "submitted"}, follow_redirects=True))
    assert "申请已提交，正在审核，无需重复提交。" in page
    assert "不能变更为" not in page
    db.session.expire_all()
    assert org.status == OrgStatus.SUBMITTED
    submitted = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "org.submitted",
                                                                    AuditEvent.target_id == str(org.id))
    assert db.session.scalar(submitted) == 1  # the first submission's, nothing recorded again
    english = page_of(client.post(f"/orgs/{org.id}/status", headers=EN, data={"to": "submitted"},
                                  follow_redirects=True))
    assert "The application has been sent and is being reviewed; there is no need to send it again." in english


def test_other_forbidden_moves_keep_the_generic_message(session):
    officer = make_user(Role.OFFICER)
    applicant = make_user()
    org = approved_org(applicant, officer)
    with pytest.raises(Conflict) as refused:
        services.transition_org(org, OrgStatus.SUBMITTED, actor=applicant)
    assert refused.value.message == "状态为“已登记”的申请不能变更为“待审核”。"
    submitted = submitted_org(make_user())
    with pytest.raises(Conflict) as again:
        services.transition_org(submitted, OrgStatus.SUBMITTED, actor=submitted.memberships[0].user)
    assert again.value.message == "申请已提交，正在审核，无需重复提交。"


# 3. the annual report's year as a Chinese IME types it ------------------------------------------------------------

def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def manager_of_org(login_as):
    manager = make_user()
    org = approved_org(manager, make_user(Role.OFFICER))
    db.session.commit()
    login_as(manager)
    return org


@pytest.mark.parametrize("typed", ["{y}年", "{fw}年", "{fw}", " {y} 年 "])
def test_a_year_typed_with_nian_or_full_width_digits_is_taken(client, session, login_as, typed):
    org = manager_of_org(login_as)
    year = local_today().year - 1
    response = client.post(f"/orgs/{org.id}/annual-reports", content_type="multipart/form-data",
                           data={"year": typed.format(y=year, fw=full_width(str(year))),
                                 "file": (io.BytesIO(PDF_BYTES), "年报.pdf")})
    assert response.status_code == 302
    report = db.session.scalar(select(AnnualReport).where(AnnualReport.org_id == org.id))
    assert report.year == year and report.status == "submitted"


@pytest.mark.parametrize("typed", ["二〇二五年", "25年", "2025年度", "2025.5", "abc", ""])
def test_anything_else_is_asked_for_as_a_four_digit_year(client, session, login_as, typed):
    org = manager_of_org(login_as)
    response = client.post(f"/orgs/{org.id}/annual-reports", content_type="multipart/form-data",
                           data={"year": typed, "file": (io.BytesIO(PDF_BYTES), "年报.pdf")})
    assert response.status_code == 422
    page = page_of(response)
    assert re.search(r'id="report-year-error">请填写四位年份，如 2025。<', page)
    assert "请填写整数。" not in page
    assert db.session.scalar(select(AnnualReport).where(AnnualReport.org_id == org.id)) is None


def test_the_year_message_in_english(client, session, login_as):
    org = manager_of_org(login_as)
    response = client.post(f"/orgs/{org.id}/annual-reports", headers=EN, content_type="multipart/form-data",
                           data={"year": "twenty", "file": (io.BytesIO(PDF_BYTES), "report.pdf")})
    assert response.status_code == 422
    assert 'id="report-year-error">Enter a four-digit year, e.g. 2025.<' in page_of(response)


# 4. "撤回修改" reads as "withdraw in order to change" ----------------------------------------------------------------

def test_the_withdraw_button_says_what_it_is_for(app):
    button = (REPO / "templates/projects/proposal.html").read_text(encoding="utf-8")
    assert '{{ _("Withdraw to change it") }}' in button
    with app.test_request_context():
        with force_locale("zh_Hans_CN"):
            assert gettext("Withdraw to change it") == "撤回以便修改"
        with force_locale("en"):
            assert gettext("Withdraw to change it") == "Withdraw to change it"


# 5. a community social organisation is filed, not registered ------------------------------------------------------

def test_a_community_organisations_page_names_its_filing_facts(client, session):
    org = approved_org(make_user(), make_user(Role.OFFICER), kind=OrgKind.COMMUNITY.value)
    db.session.commit()
    page = page_of(client.get(f"/orgs/{org.id}"))
    shown = facts(page)
    for label in ("负责人", "备案机关", "备案日期"):
        assert f'<dt class="col-sm-4">{label}</dt>' in shown
    for label in ("法定代表人", "登记管理机关", "登记日期"):
        assert label not in shown
    assert '<h2 class="h5">备案信息</h2>' in page and "登记信息" not in page
    english = facts(page_of(client.get(f"/orgs/{org.id}", headers=EN)))
    for label in ("Person in charge", "Filing authority", "Filing date"):
        assert f'<dt class="col-sm-4">{label}</dt>' in english


def test_a_registered_organisation_keeps_its_labels(client, session):
    org = approved_org(make_user(), make_user(Role.OFFICER))
    db.session.commit()
    shown = facts(page_of(client.get(f"/orgs/{org.id}")))
    for label in ("法定代表人", "登记管理机关", "登记日期"):
        assert f'<dt class="col-sm-4">{label}</dt>' in shown
    assert "负责人" not in shown and "备案" not in shown
    assert '<h2 class="h5">登记信息</h2>' in page_of(client.get(f"/orgs/{org.id}"))


def test_a_community_organisations_details_and_change_pages_name_its_person_in_charge(client, session, login_as):
    manager = make_user()
    org = approved_org(manager, make_user(Role.OFFICER), kind=OrgKind.COMMUNITY.value)
    db.session.commit()
    login_as(manager)
    details = page_of(client.get(f"/orgs/{org.id}/details"))
    assert "名称、统一社会信用代码、负责人和地址是登记事项" in details and "法定代表人" not in details
    change = page_of(client.get(f"/orgs/{org.id}/changes/new"))
    assert re.search(r'<label[^>]*for="legal_representative"[^>]*>负责人', change)
    profile = page_of(client.get(f"/orgs/{org.id}"))
    assert "负责人或地址的变更" in profile and "法定代表人" not in profile


def test_a_community_applications_form_is_labelled_for_filing(client, session, login_as):
    applicant = make_user()
    org = services.create_application(org_data(kind=OrgKind.COMMUNITY.value), actor=applicant)
    db.session.commit()
    login_as(applicant)
    form = page_of(client.get(f"/orgs/{org.id}/edit"))
    assert re.search(r'<label[^>]*for="legal_representative"[^>]*>负责人', form)
    assert re.search(r'<label[^>]*for="registration_authority"[^>]*>备案机关', form)
    assert re.search(r'<label[^>]*for="registered_on"[^>]*>备案日期（或成立日期）', form)
    assert "法定代表人" not in form and 'id="filed-facts-hint"' not in form
    english = page_of(client.get(f"/orgs/{org.id}/edit", headers=EN))
    assert re.search(r'<label[^>]*for="legal_representative"[^>]*>Person in charge', english)


def test_a_new_application_keeps_the_registered_labels_and_says_what_a_community_group_gives(client, session,
                                                                                             login_as):
    login_as(make_user())
    form = page_of(client.get("/orgs/apply"))
    assert re.search(r'<label[^>]*for="legal_representative"[^>]*>法定代表人', form)
    assert re.search(r'<label[^>]*for="registration_authority"[^>]*>登记管理机关', form)
    assert "社区社会组织（备案而非登记）在以上三项中分别填写负责人、备案机关和备案日期。" in form
    refused = page_of(client.post("/orgs/apply", data={"kind": "community", "name": ""}))
    assert re.search(r'<label[^>]*for="legal_representative"[^>]*>负责人', refused)


# 6. 地址, as everywhere else ---------------------------------------------------------------------------------------

def test_the_details_page_says_address_as_elsewhere(client, session, login_as):
    manager = make_user()
    org = approved_org(manager, make_user(Role.OFFICER))
    db.session.commit()
    login_as(manager)
    page = page_of(client.get(f"/orgs/{org.id}/details"))
    assert "名称、统一社会信用代码、法定代表人和地址是登记事项" in page and "住所" not in page


# 7. the missing documents listed once -----------------------------------------------------------------------------

def test_the_missing_documents_are_listed_once_with_a_count(client, session, login_as):
    applicant = make_user()
    org = services.create_application(org_data(), actor=applicant)
    db.session.commit()
    login_as(applicant)
    page = page_of(client.get(f"/orgs/{org.id}"))
    assert "尚缺材料" not in page
    assert re.search(r'必需材料 <span class="badge text-bg-warning" id="missing-count">尚缺 3 项</span></h3>', page)
    without_the_upload_choice = re.sub(r"<select.*?</select>", "", page, flags=re.S)
    for label in ("登记证书", "章程", "最新年度报告"):
        assert without_the_upload_choice.count(f"</span> {label}") == 1, label


# 8. a phone: the header's buttons do not sit on the facts' heading --------------------------------------------------

def test_the_header_keeps_the_pages_spacing(client, session, login_as):
    manager = make_user()
    org = approved_org(manager, make_user(Role.OFFICER))
    db.session.commit()
    login_as(manager)
    page = page_of(client.get(f"/orgs/{org.id}"))
    header = re.search(r'<div class="([^"]*)" id="org-header">', page)
    assert header and "mb-4" in header.group(1).split() and "mb-2" not in header.group(1).split()
    assert " style=" not in page.split('id="org-header"')[1].split("</h2>")[0]
