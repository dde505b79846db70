"""Settlement statements over the API: who sees which (the pages' rule), the filters, a statement with its lines
(residents' names masked), constant queries, refusals of malformed arguments, and approving and paying through the
statement page's service (its two-person rule; a refusal changes nothing, an accepted step is audited)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from accounts.enums import Role
from core.db import db
from core.personal import mask_name
from tests.factories import make_user, statements_during
from tests.vouchers.helpers import events, provider, resident, service, world
from tests.vouchers.test_api import bearer
from vouchers import issuance, redemption, settlement, settlement_corrections
from vouchers.enums import SettlementStatus
from vouchers.programmes import period_bounds, period_of
from vouchers.redemption_models import LedgerEntry, Settlement

API = "/api/v1/vouchers/settlements"


def redeem(w, svc, manager, person, amount: int, key: str, at):
    code = redemption.issue_code(person, actor=person.user, now=at)[0]
    return redemption.redeem(code, svc, amount, key, actor=manager, now=at).redemption


class Month:
    """A programme's month, redeemed early at two providers and looked at from the 8th of the next month (their
    dispute window closed): w.org's statement holds `lines` redemptions, the second provider's one."""

    def __init__(self, lines: int = 2):
        self.w = w = world()
        start, end = period_bounds(period_of())
        self.at, self.later, self.period = start + timedelta(hours=1), end + timedelta(days=8), period_of()
        second = resident(w.staff)
        issuance.issue_to_resident(w.programme, second, actor=w.officer)
        self.people = [w.resident, second]
        self.org2, self.manager2 = provider(w.officer)
        self.service2 = service(self.org2, self.manager2)
        for n in range(lines):
            redeem(w, w.service, w.manager, self.people[n % 2], 1000 + n, f"a{n}", self.at)
        redeem(w, self.service2, self.manager2, w.resident, 700, "b0", self.at)

    def statement(self, org) -> Settlement:
        return settlement.prepare_settlement(self.w.programme, org, self.period, actor=self.w.officer, now=self.later)


@pytest.fixture
def month(session):
    return Month()


def listed(client, user, **args) -> list[int]:
    response = client.get(API, headers=bearer(user), query_string=args)
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


# --- who sees what -------------------------------------------------------------------------------------------------

WHO = ["officer", "admin", "auditor", "member", "other_member", "resident", "no_role"]


def user_of(m: Month, who: str):
    other_org, other_manager = provider(m.w.officer)  # a provider with no statement
    return {"officer": m.w.officer, "admin": make_user(Role.ADMIN), "auditor": make_user(Role.AUDITOR),
            "member": m.w.manager, "other_member": other_manager, "resident": m.w.resident.user,
            "no_role": make_user()}[who]


@pytest.mark.parametrize(("who", "status", "sees"), [
    ("officer", 200, "all"), ("admin", 200, "all"), ("auditor", 200, "all"), ("member", 200, "own"),
    ("other_member", 200, "none"), ("resident", 403, None), ("no_role", 403, None)])
def test_the_list_shows_each_caller_what_the_pages_show(client, month, who, status, sees):
    mine, theirs = month.statement(month.w.org), month.statement(month.org2)
    response = client.get(API, headers=bearer(user_of(month, who)))
    assert response.status_code == status, response.get_json()
    if status == 403:
        assert response.get_json()["error"]["code"] == "forbidden"
        return
    ids = {item["id"] for item in response.get_json()["items"]}
    assert ids == {"all": {mine.id, theirs.id}, "own": {mine.id}, "none": set()}[sees]
    assert response.get_json()["total"] == len(ids)


@pytest.mark.parametrize(("who", "status"), [
    ("officer", 200), ("admin", 200), ("auditor", 200), ("member", 200), ("other_member", 404), ("resident", 404),
    ("no_role", 404)])
def test_a_statement_is_a_404_to_whoever_may_not_see_its_page(client, month, who, status):
    found = month.statement(month.w.org)
    response = client.get(f"{API}/{found.id}", headers=bearer(user_of(month, who)))
    assert response.status_code == status
    if status == 404:
        assert response.get_json()["error"]["code"] == "not_found"


def test_no_token_is_a_401_and_a_missing_statement_a_404(client, month):
    found = month.statement(month.w.org)
    assert client.get(API).status_code == 401 and client.get(f"{API}/{found.id}").status_code == 401
    assert client.get(f"{API}/2000000000", headers=bearer(month.w.officer)).status_code == 404
    assert client.get(f"{API}/99999999999", headers=bearer(month.w.officer)).status_code == 404  # beyond an id
    assert client.get(f"{API}/abc", headers=bearer(month.w.officer)).status_code == 404


# --- filters and paging --------------------------------------------------------------------------------------------

def test_filters_by_programme_provider_status_and_period(client, month):
    w = month.w
    mine, theirs = month.statement(w.org), month.statement(month.org2)
    settlement.transition_settlement(theirs, SettlementStatus.APPROVED, actor=w.officer)
    assert set(listed(client, w.officer, programme_id=w.programme.id)) == {mine.id, theirs.id}
    assert listed(client, w.officer, programme_id=2_000_000_000) == []
    assert listed(client, w.officer, provider=month.org2.id) == [theirs.id]
    assert listed(client, w.officer, status="approved") == [theirs.id]
    assert listed(client, w.officer, status="draft", provider=w.org.id) == [mine.id]
    assert listed(client, w.officer, status="paid") == []
    assert set(listed(client, w.officer, period=month.period)) == {mine.id, theirs.id}
    assert listed(client, w.officer, period="2001-01") == []
    # A member's filters narrow their own organisation's statements; never widen them to another's.
    assert listed(client, w.manager, provider=month.org2.id) == []
    assert listed(client, w.manager, status="draft") == [mine.id]


def test_pages(client, month):
    w = month.w
    mine, theirs = month.statement(w.org), month.statement(month.org2)
    first = client.get(API, headers=bearer(w.officer), query_string={"per_page": 1}).get_json()
    second = client.get(API, headers=bearer(w.officer), query_string={"per_page": 1, "page": 2}).get_json()
    assert (first["total"], first["page"], first["per_page"], second["page"]) == (2, 1, 1, 2)
    assert [first["items"][0]["id"], second["items"][0]["id"]] == sorted([mine.id, theirs.id], key=lambda i: (
        db.session.get(Settlement, i).provider_org_id))


@pytest.mark.parametrize(("name", "value"), [
    ("programme_id", "abc"), ("programme_id", "-1"), ("programme_id", "0"), ("programme_id", "99999999999"),
    ("provider", "1.5"), ("provider", "２"), ("status", "settled"), ("status", "DRAFT"), ("period", "2026-1"),
    ("period", "２０２６-１２"), ("period", "2026-13"), ("period", "1999-12"), ("period", "2026-12-01"),
    ("page", "0"), ("per_page", "500")])
def test_malformed_filters_are_a_422_naming_the_argument(client, month, name, value):
    month.statement(month.w.org)
    response = client.get(API, headers=bearer(month.w.officer), query_string={name: value})
    assert response.status_code == 422, (name, value)
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and list(error["fields"]) == [name]


def test_a_malformed_status_is_said_in_chinese_and_in_english(client, month):
    zh = client.get(API, headers=bearer(month.w.officer), query_string={"status": "x"}).get_json()["error"]
    en = client.get(API, headers={**bearer(month.w.officer), "Accept-Language": "en"},
                    query_string={"status": "x"}).get_json()["error"]
    assert zh["fields"]["status"].startswith("未知的状态")
    assert "draft, approved, paid, withdrawn" in zh["fields"]["status"]
    assert en["fields"]["status"].startswith("Unknown status")


def test_a_resident_is_refused_in_both_languages(client, month):
    user = month.w.resident.user
    zh = client.get(API, headers=bearer(user)).get_json()["error"]["message"]
    en = client.get(API, headers={**bearer(user), "Accept-Language": "en"}).get_json()["error"]["message"]
    assert "结算单" in zh and en == "Settlement statements are for officers, auditors and the providers' members."


# --- the statement -------------------------------------------------------------------------------------------------

def test_the_statement_with_its_lines_and_masked_names(client, month):
    w = month.w
    found = month.statement(w.org)
    settlement.transition_settlement(found, SettlementStatus.APPROVED, actor=w.officer)
    settlement.transition_settlement(found, SettlementStatus.PAID, actor=w.officer, payment_reference="财付-2026-01")
    response = client.get(f"{API}/{found.id}", headers=bearer(w.manager))
    assert response.status_code == 200
    data = response.get_json()
    assert (data["status"], data["total_fen"], data["redemption_count"], data["period"], data["seq"]) == (
        "paid", 2001, 2, month.period, 1)
    assert data["payment_reference"] == "财付-2026-01" and data["provider_org_id"] == w.org.id
    assert data["approved"]["by"] == w.officer.display_name and data["paid"]["by"] == w.officer.display_name
    assert data["approved"]["at"] and data["paid"]["at"] == data["paid_at"] and data["withdrawn"] is None
    assert data["document_code"] is None and data["reference_corrections"] == []
    assert sorted(line["amount_fen"] for line in data["lines"]) == [1000, 1001]
    assert sorted(line["resident"] for line in data["lines"]) == sorted(mask_name(p.real_name) for p in month.people)
    assert all(line["service_name"] == w.service.name and not line["dispute_rejected"] for line in data["lines"])
    text = response.get_data(as_text=True)
    assert all(p.real_name not in text for p in month.people) and "id_number" not in text


def test_a_withdrawn_statement_says_who_withdrew_it_and_what_it_gave_back(client, month):
    w = month.w
    found = month.statement(w.org)
    lines = [line["id"] for line in client.get(f"{API}/{found.id}", headers=bearer(w.officer)).get_json()["lines"]]
    settlement_corrections.withdraw_settlement(found, "月份汇总错误", actor=w.officer)
    data = client.get(f"{API}/{found.id}", headers=bearer(w.manager)).get_json()
    assert data["status"] == "withdrawn" and data["lines"] == []
    assert data["withdrawn"]["reason"] == "月份汇总错误" and data["withdrawn"]["by"] == w.officer.display_name
    assert sorted(data["withdrawn"]["redemption_ids"]) == sorted(lines)


def test_a_corrected_reference_and_the_issued_pdf_are_shown(client, month):
    w = month.w
    found = month.statement(w.org)
    settlement.transition_settlement(found, SettlementStatus.APPROVED, actor=w.officer)
    settlement.transition_settlement(found, SettlementStatus.PAID, actor=w.officer, payment_reference="OLD-1")
    settlement_corrections.correct_payment_reference(found, "NEW-1", "输错了", actor=w.officer)
    from vouchers import documents
    issued = documents.issue_statement(found, actor=w.manager)
    data = client.get(f"{API}/{found.id}", headers=bearer(w.officer)).get_json()
    assert data["payment_reference"] == "NEW-1"
    assert [(c["old"], c["new"], c["reason"]) for c in data["reference_corrections"]] == [("OLD-1", "NEW-1", "输错了")]
    assert data["document_code"] == issued.display_code and data["document_url"].endswith(issued.code)


# --- constant queries ----------------------------------------------------------------------------------------------

def _queries(client, user, url) -> int:
    headers = bearer(user)
    db.session.expire_all()
    statements, response = statements_during(lambda: client.get(url, headers=headers))
    assert response.status_code == 200
    return len(statements)


def test_queries_do_not_grow_with_the_lines_nor_the_statements(client, session):
    month = Month(lines=6)  # w.org: six lines; the second provider: one
    w = month.w
    big, small = month.statement(w.org), month.statement(month.org2)
    assert big.redemption_count == 6 and small.redemption_count == 1
    officer = w.officer
    assert _queries(client, officer, f"{API}/{big.id}") == _queries(client, officer, f"{API}/{small.id}")
    one = _queries(client, officer, f"{API}?provider={month.org2.id}")
    assert _queries(client, officer, API) == one


# --- approving and paying ------------------------------------------------------------------------------------------

def _state(found: Settlement) -> tuple:
    db.session.expire_all()
    row = db.session.get(Settlement, found.id)
    settle_rows = list(db.session.scalars(select(LedgerEntry.id).where(LedgerEntry.settlement_id == found.id)))
    return row.status, row.approved_by_id, row.paid_by_id, row.payment_reference, settle_rows


@pytest.mark.parametrize("who", ["auditor", "member", "other_member", "resident"])
def test_only_officers_approve_and_pay_and_a_refusal_changes_nothing(client, month, who):
    found = month.statement(month.w.org)
    user = user_of(month, who)
    before = _state(found)
    approve = client.post(f"{API}/{found.id}/approve", headers=bearer(user))
    pay = client.post(f"{API}/{found.id}/pay", headers=bearer(user), json={"reference": "X-1"})
    expected = 403 if who in ("auditor", "member") else 404
    assert (approve.status_code, pay.status_code) == (expected, expected)
    assert _state(found) == before and not events("voucher.settlement_approved")


def test_an_officer_approves_and_pays_with_the_events(client, month):
    w = month.w
    found = month.statement(w.org)
    approved = client.post(f"{API}/{found.id}/approve", headers=bearer(w.officer))
    assert approved.status_code == 200 and approved.get_json()["approved"]["by"] == w.officer.display_name
    [event] = events("voucher.settlement_approved")
    assert (event.actor_id, event.target_id) == (w.officer.id, str(found.id))
    again = client.post(f"{API}/{found.id}/approve", headers=bearer(w.officer))
    assert again.status_code == 409 and len(events("voucher.settlement_approved")) == 1
    paid = client.post(f"{API}/{found.id}/pay", headers=bearer(w.officer), json={"reference": " 财付-9 "})
    assert paid.status_code == 200, paid.get_json()
    assert (paid.get_json()["status"], paid.get_json()["payment_reference"]) == ("paid", "财付-9")
    status, _approver, payer, reference, rows = _state(found)
    assert (status, payer, reference, len(rows)) == ("paid", w.officer.id, "财付-9", 1)
    [event] = events("voucher.settlement_paid")
    assert event.actor_id == w.officer.id and "财付-9" in event.data


@pytest.mark.parametrize(("payload", "status", "field"), [
    ({}, 422, "reference"), ({"reference": "   "}, 422, "reference"), ({"reference": "x" * 101}, 422, "reference"),
    ({"reference": 12}, 422, "reference"), ({"reference": "R-1", "paid_on": "2026-01-05"}, 422, "paid_on"),
    ("not json", 422, None)])
def test_a_refused_payment_names_the_field_and_changes_nothing(client, month, payload, status, field):
    w = month.w
    found = month.statement(w.org)
    settlement.transition_settlement(found, SettlementStatus.APPROVED, actor=w.officer)
    before = _state(found)
    kwargs = {"data": payload} if isinstance(payload, str) else {"json": payload}
    response = client.post(f"{API}/{found.id}/pay", headers=bearer(w.officer), **kwargs)
    assert response.status_code == status, response.get_json()
    if field:
        assert list(response.get_json()["error"]["fields"]) == [field]
    assert _state(found) == before and not events("voucher.settlement_paid")


def test_paying_a_statement_not_approved_is_a_409(client, month):
    w = month.w
    found = month.statement(w.org)
    before = _state(found)
    response = client.post(f"{API}/{found.id}/pay", headers=bearer(w.officer), json={"reference": "R-1"})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "conflict"
    assert _state(found) == before and not events("voucher.settlement_paid")


@pytest.fixture
def threshold(app):
    previous = app.config["TWO_PERSON_APPROVAL_ABOVE_FEN"]
    app.config["TWO_PERSON_APPROVAL_ABOVE_FEN"] = 1_000  # the statement (2,001 fen) is above it
    yield
    app.config["TWO_PERSON_APPROVAL_ABOVE_FEN"] = previous


def test_above_the_threshold_the_approver_may_not_pay(client, month, threshold):
    w = month.w
    found = month.statement(w.org)
    assert client.post(f"{API}/{found.id}/approve", headers=bearer(w.officer)).status_code == 200
    before = _state(found)
    refused = client.post(f"{API}/{found.id}/pay", headers=bearer(w.officer), json={"reference": "R-2"})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    assert _state(found) == before and not events("voucher.settlement_paid")
    other = make_user(Role.OFFICER)
    paid = client.post(f"{API}/{found.id}/pay", headers=bearer(other), json={"reference": "R-2"})
    assert paid.status_code == 200 and paid.get_json()["paid"]["by"] == other.display_name
    assert _state(found)[2] == other.id and len(events("voucher.settlement_paid")) == 1
