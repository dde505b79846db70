"""Pages with one small form per row (a receipt's confirm and deny, a member's promote and remove, a report's
accept and return, a redemption's rating and dispute) give each form its CSRF token without an HTML id: the same
id on every row made the page invalid HTML (ids are unique in a document). Rendered as in production, with CSRF
on, so the tokens are there."""

from collections import Counter
from html.parser import HTMLParser

import pytest

from accounts.enums import Role
from core.db import db
from core.timeutil import local_today
from orgs import services as org_services
from projects import contract_reports
from projects.contract_report_input import FeeInput, ReportInput
from tests.factories import make_user
from tests.projects.contract_helpers import active_contract
from tests.vouchers.helpers import world as voucher_world
from tests.vouchers.test_views import phone_resident
from vouchers import disputes, issuance, redemption

EN = {"Accept-Language": "en"}
NARRATIVE = "第一阶段：开展健康讲座，发放专家费。"


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = Counter()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id":
                self.ids[value] += 1


def repeated_ids(page: str) -> dict:
    parser = _Ids()
    parser.feed(page)
    return {value: n for value, n in parser.ids.items() if n > 1}


def rendered(app, client, monkeypatch, path: str) -> str:
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # as in production: every form carries its token
    response = client.get(path, headers=EN)
    assert response.status_code == 200, path
    page = response.get_data(as_text=True)
    assert page.count('name="csrf_token"') >= 2  # the forms are there, each with its token
    return page


def report_with_fees(app, contract, manager, recipient, n: int = 2):
    fees = [FeeInput("expert_fee", "", 80_000 + i, local_today(), username=recipient.username)
            for i in range(n)]
    with app.test_request_context():
        report = contract_reports.submit_report(contract.milestones[0], ReportInput(
            NARRATIVE, fees=fees), actor=manager)
    db.session.commit()
    return report


def test_the_receipts_page_with_two_payments_to_confirm(app, client, session, login_as, monkeypatch):
    officer, manager, contract = active_contract(app)
    recipient = make_user(Role.EVALUATOR)
    db.session.commit()
    report_with_fees(app, contract, manager, recipient)
    login_as(recipient)
    page = rendered(app, client, monkeypatch, "/contracts/receipts")
    assert page.count("/confirm") >= 2
    assert repeated_ids(page) == {}


def test_the_contract_page_with_a_report_to_review(app, client, session, login_as, monkeypatch):
    officer, manager, contract = active_contract(app)
    report = report_with_fees(app, contract, manager, make_user(Role.EVALUATOR))
    login_as(officer)
    page = rendered(app, client, monkeypatch, f"/contracts/{contract.id}")
    assert page.count(f"/contracts/reports/{report.id}/") == 2  # the report's accept and return forms
    assert repeated_ids(page) == {}


def test_an_organisations_members_page(app, client, session, login_as, monkeypatch):
    officer, manager, contract = active_contract(app)
    org = contract.org
    with app.test_request_context():
        for _i in range(2):
            member = make_user()
            membership = org_services.invite_member(org, member.username, "member", actor=manager)
            org_services.answer_invitation(membership, True, actor=member)
    db.session.commit()
    login_as(manager)
    page = rendered(app, client, monkeypatch, f"/orgs/{org.id}/members")
    assert page.count("/promote") == 2
    assert repeated_ids(page) == {}


@pytest.fixture
def voucher_scene(app, session):
    """A resident with two redemptions, one of them disputed: (world, the resident's user)."""
    with app.test_request_context():
        w = voucher_world()
        user, profile = phone_resident(w.staff, "张秀英")
        issuance.issue_to_resident(w.programme, profile, actor=w.officer)
        made = []
        for key in ("k-1", "k-2", "k-3"):
            code, _row = redemption.issue_code(profile, actor=user)
            made.append(redemption.redeem(code, w.service, 1000, key, actor=w.manager).redemption)
        for r in made[:2]:
            disputes.raise_dispute(r, "送餐没有按时到达", actor=user)
    db.session.commit()
    return w, user


def test_the_programme_page_with_disputes(app, client, login_as, monkeypatch, voucher_scene):
    w, user = voucher_scene
    login_as(w.officer)
    page = rendered(app, client, monkeypatch, f"/vouchers/programmes/{w.programme.id}")
    assert page.count("送餐没有按时到达") == 2
    assert repeated_ids(page) == {}  # (the two issuance forms' month fields were both id="period")


def test_the_residents_redemptions_page(app, client, login_as, monkeypatch, voucher_scene):
    w, user = voucher_scene
    login_as(user)
    page = rendered(app, client, monkeypatch, "/vouchers/me/redemptions")
    assert repeated_ids(page) == {}
