"""Someone the organisation paid under a contract (a fee or allowance in one of its progress reports) is never an
evaluator of that project: not offered, refused when chosen anyway, flagged when paid after being assigned."""

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict, Forbidden
from core.timeutil import local_today
from evaluation import candidates, expert_conflicts, paid_conflicts, panels, project_services
from evaluation.enums import SeatType
from evaluation.project_models import EvaluationAssignment, ProjectEvaluation
from projects import contract_reports
from projects.contract_report_input import FeeInput, ReportInput
from projects.contract_report_models import ReceiptStatus
from tests.evaluation.helpers import expert
from tests.evaluation.project_helpers import agency_with_evaluators, commissioned, final_report, project_template
from tests.factories import make_user, statements_during
from tests.projects.contract_helpers import active_contract

FEE = 150_000  # ¥1,500.00


def pay(app, contract, manager, officer, *fees, accept=True, milestone=0):
    """A progress report on the milestone listing these fees (FeeInput); accepted, returned (False) or left waiting
    (None)."""
    with app.test_request_context():
        report = contract_reports.submit_report(contract.milestones[milestone], ReportInput(
            "完成入户探访 300 人次，建立服务档案。", fees=list(fees)), actor=manager)
        if accept is not None:
            contract_reports.review_report(report, accept, "" if accept else "请补充材料", actor=officer)
    return report


def expert_fee(user, amount=FEE):
    return FeeInput("expert_fee", "", amount, local_today(), username=user.username)


def stored() -> tuple[int, int, int]:
    return (db.session.scalar(select(func.count(ProjectEvaluation.id))),
            db.session.scalar(select(func.count(EvaluationAssignment.id))),
            db.session.scalar(select(func.count(AuditEvent.seq))))


def offered(contract) -> set[int]:
    return {p.user_id for p in candidates.eligible_experts(contract)}


@pytest.mark.parametrize("receipt", [None, ReceiptStatus.CONFIRMED, ReceiptStatus.DENIED])
def test_an_expert_paid_under_the_contract_is_not_offered_nor_commissioned(app, session, receipt):
    officer, manager, contract = active_contract(app)
    paid, unpaid = expert(SeatType.SOCIAL_SERVICE, officer=officer), expert(SeatType.FINANCE, officer=officer)
    assert {paid.id, unpaid.id} <= offered(contract)
    report = pay(app, contract, manager, officer, expert_fee(paid))
    if receipt is not None:  # whatever the recipient answered, the organisation says it paid them
        with app.test_request_context():
            contract_reports.transition_receipt(report.fees[0], receipt, actor=paid, reason="未收到")
    assert paid.id not in offered(contract) and unpaid.id in offered(contract)
    with app.test_request_context():
        reason = candidates.choices(contract).withheld().experts[paid.id]
        assert reason[0] == paid.display_name
        assert "¥1,500.00" in reason[1] and local_today().isoformat() in reason[1]
        template = project_template(officer)
        before = stored()
        with pytest.raises(Conflict) as refused:
            project_services.commission(contract, "midterm", template, local_today() + timedelta(days=30),
                                        actor=officer, evaluator_ids=[unpaid.id, paid.id])
        assert paid.display_name in refused.value.message and "¥1,500.00" in refused.value.message
        assert set(refused.value.fields) == {"evaluator_ids"}
        assert stored() == before  # nothing flushed, not even an audit event
        evaluation = project_services.commission(contract, "midterm", template, local_today() + timedelta(days=30),
                                                 actor=officer, evaluator_ids=[unpaid.id])
    assert [a.user_id for a in evaluation.assignments] == [unpaid.id]
    assert stored()[:2] == (before[0] + 1, before[1] + 1)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "evaluation.commissioned")
                              .order_by(AuditEvent.seq.desc()))
    assert json.loads(event.data)["paid_withheld"] == {"experts": [paid.id], "agencies": []}


def test_the_audit_event_records_the_candidates_left_out_not_everyone_paid(app, session):
    officer, manager, contract = active_contract(app)
    paid, unpaid = expert(officer=officer), expert(officer=officer)
    tied = expert(affiliations=[contract.org], officer=officer)  # not a candidate anyway
    resident = make_user()  # a resident paid a volunteer allowance: never a candidate
    inactive = expert(officer=officer)
    with app.test_request_context():
        panels.save_expert(inactive, "social_service", "社会工作", [], False, actor=officer)
    agency, staff = agency_with_evaluators(officer)  # an evaluator paid: the agency is left out
    tied_agency, tied_staff = agency_with_evaluators(officer)  # affiliated anyway, and one of them paid
    panels.save_expert(tied_staff[0], "finance", "审计", [contract.org.id], True, actor=officer)
    pay(app, contract, manager, officer, expert_fee(paid), expert_fee(tied), expert_fee(inactive),
        expert_fee(staff[0]), expert_fee(tied_staff[1]), FeeInput(
            "volunteer_allowance", "", 20_000, local_today(), username=resident.username))
    with app.test_request_context():
        project_services.commission(contract, "midterm", project_template(officer),
                                    local_today() + timedelta(days=30), actor=officer, evaluator_ids=[unpaid.id])
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "evaluation.commissioned")
                              .order_by(AuditEvent.seq.desc()))
    assert json.loads(event.data)["paid_withheld"] == {"experts": [paid.id], "agencies": [agency.id]}


def test_a_returned_report_or_an_allowance_counts_and_another_contract_does_not(app, session):
    officer, manager, contract = active_contract(app)
    returned, volunteer = expert(officer=officer), expert(officer=officer)
    pay(app, contract, manager, officer, expert_fee(returned), accept=False)
    pay(app, contract, manager, officer, FeeInput(
        "volunteer_allowance", "", 20_000, local_today(), username=volunteer.username), accept=None)
    assert not {returned.id, volunteer.id} & offered(contract)
    _officer2, manager2, other = active_contract(app)
    assert {returned.id, volunteer.id} <= offered(other)  # paid under the first contract only
    pay(app, other, manager2, officer, expert_fee(make_user(Role.EVALUATOR)))
    assert {returned.id, volunteer.id} <= offered(other)


def test_a_fee_listed_by_phone_counts_once_the_number_is_a_users(app, session):
    officer, manager, contract = active_contract(app)
    pay(app, contract, manager, officer, FeeInput(
        "expert_fee", "李老师", FEE, local_today(), phone="13912345678"))
    later = make_user(Role.EVALUATOR, phone="13912345678")  # joined the platform after the report
    other_number = make_user(Role.EVALUATOR, phone="13912345679")
    for user in (later, other_number):
        panels.save_expert(user, "social_service", "社会工作", [], True, actor=officer)
    _officer2, _manager2, other = active_contract(app)
    assert {later.id, other_number.id} <= offered(other)  # a candidate, where nobody paid them
    assert later.id not in offered(contract) and other_number.id in offered(contract)
    with app.test_request_context():
        assert "¥1,500.00" in candidates.choices(contract).withheld().experts[later.id][1]


def test_adding_a_paid_expert_is_refused_and_an_assigned_one_paid_later_is_flagged(app, session):
    officer, manager, contract, evaluation, (assigned,) = commissioned(app)
    paid, unpaid = expert(officer=officer), expert(officer=officer)
    pay(app, contract, manager, officer, expert_fee(paid), expert_fee(assigned, 80_000))
    with app.test_request_context():
        assert paid.id not in {u.id for u in project_services.addable_evaluators(evaluation)}
        before = stored()
        with pytest.raises(Conflict) as refused:
            project_services.add_evaluator(evaluation, paid, actor=officer)
        assert "¥1,500.00" in refused.value.message
        assert stored() == before
        project_services.add_evaluator(evaluation, unpaid, actor=officer)
        flagged = paid_conflicts.paid_assignees(evaluation, paid_conflicts.paid_under(contract.id))
    assert set(flagged) == {assigned.id} and "¥800.00" in flagged[assigned.id]


@pytest.mark.parametrize("who", ["manager", "evaluator"])
def test_someone_not_an_officer_adding_a_paid_expert_is_refused_without_learning_who_was_paid(app, session, who):
    officer, manager, contract, evaluation, (assigned,) = commissioned(app)
    paid = expert(officer=officer)
    pay(app, contract, manager, officer, expert_fee(paid))
    actor = manager if who == "manager" else assigned
    with app.test_request_context():
        before = stored()
        with pytest.raises(Forbidden) as refused:
            project_services.add_evaluator(evaluation, paid, actor=actor)
        shown = f"{refused.value.message} {refused.value.fields}"
        assert paid.display_name not in shown and "¥1,500.00" not in shown and "paid" not in shown.lower()
        assert stored() == before
        with pytest.raises(Conflict) as to_officer:  # the control: an officer is told why
            project_services.add_evaluator(evaluation, paid, actor=officer)
        assert "¥1,500.00" in to_officer.value.message


def test_an_agency_one_of_whose_evaluators_was_paid_is_not_offered(app, session):
    officer, manager, contract = active_contract(app)
    agency, staff = agency_with_evaluators(officer)
    clean, _clean_staff = agency_with_evaluators(officer)
    pay(app, contract, manager, officer, expert_fee(staff[1]))
    assert {a.org_id for a in candidates.eligible_agencies(contract)} >= {clean.id}
    assert agency.id not in {a.org_id for a in candidates.eligible_agencies(contract)}
    with app.test_request_context():
        assert staff[1].display_name in candidates.choices(contract).withheld().agencies[agency.id][1]
        final_report(contract, manager)
        with pytest.raises(Conflict) as refused:
            project_services.commission(contract, "final", project_template(officer),
                                        local_today() + timedelta(days=30), actor=officer, agency=agency)
        assert set(refused.value.fields) == {"agency_id"}
        chosen = project_services.commission(contract, "final", project_template(officer),
                                             local_today() + timedelta(days=30), actor=officer, agency=clean)
    assert chosen.agency_org_id == clean.id


def _beside(page: str, name: str) -> str:
    """The error shown beside a field (empty when there is none)."""
    found = re.search(rf'id="{name}-error"[^>]*>(.*?)</div></div>', page, re.S)
    return found.group(1) if found else ""


def _template_id(page: str) -> str:
    return re.search(r'name="template_id"[^>]*>\s*<option[^>]*value="(\d+)"', page).group(1)


def test_over_http_the_paid_expert_is_shown_excluded_and_a_crafted_choice_is_refused(client, login_as, app,
                                                                                   session):
    officer, manager, contract = active_contract(app)
    project_template(officer)  # the commission form offers project-evaluation templates only
    paid, unpaid = expert(officer=officer), expert(officer=officer)
    pay(app, contract, manager, officer, expert_fee(paid))
    db.session.commit()
    login_as(officer)
    url = f"/evaluations/contracts/{contract.id}/new"
    page = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    options = re.search(r'<fieldset[^>]*id="evaluators".*?</fieldset>', page, re.S).group(0)  # the check boxes
    assert f'value="{unpaid.id}"' in options and f'value="{paid.id}"' not in options
    withheld = re.search(rf'<li id="withheld-{paid.id}">(.*?)</li>', page).group(1)
    assert paid.display_name in withheld and "Expert fee of ¥1,500.00 paid under this contract" in withheld
    data = {"kind": "midterm", "template_id": _template_id(page), "agency_id": "", "aggregation": "mean",
            "due_on": (local_today() + timedelta(days=20)).isoformat()}
    before = stored()
    refused = client.post(url, data={**data, "evaluator_ids": [str(unpaid.id), str(paid.id)]},
                          headers={"Accept-Language": "en"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "so they cannot evaluate it" in text and "¥1,500.00" in text
    assert paid.display_name in text.split('id="paid-withheld"')[0]  # the service's refusal, shown above
    assert "Paid under this contract." in _beside(text, "evaluator_ids")  # and beside the field
    assert "no longer offered" not in text  # refused for being paid, not as a choice not offered
    assert stored() == before
    # a number offered to nobody is still refused as a choice no longer offered
    stranger = client.post(url, data={**data, "evaluator_ids": [str(unpaid.id), "999999"]},
                           headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "no longer offered" in _beside(stranger, "evaluator_ids") and stored() == before
    made = client.post(url, data={**data, "evaluator_ids": [str(unpaid.id)]})
    assert made.status_code == 302
    evaluation = db.session.scalar(select(ProjectEvaluation).where(ProjectEvaluation.contract_id == contract.id))
    assert [a.user_id for a in evaluation.assignments] == [unpaid.id]

    before = stored()
    added = client.post(f"/evaluations/{evaluation.id}/evaluators", data={"user_id": str(paid.id)},
                        headers={"Accept-Language": "en"}, follow_redirects=True)
    assert "so they cannot evaluate it" in added.get_data(as_text=True)
    assert stored() == before

    # the assigned evaluator is paid afterwards: flagged beside their name
    pay(app, contract, manager, officer, expert_fee(unpaid, 60_000), milestone=1)
    db.session.commit()
    shown = client.get(f"/evaluations/{evaluation.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'id="paid-{unpaid.id}"' in shown and "¥600.00" in shown
    # beside the form to add one, those not offered; the assigned one is flagged above, not listed again
    assert f'id="withheld-{paid.id}"' in shown and f'id="withheld-{unpaid.id}"' not in shown


def test_the_commission_page_runs_the_same_queries_whatever_the_number_of_experts_and_agencies(client, login_as,
                                                                                              app, session):
    officer, manager, contract = active_contract(app)
    paid, first = expert(officer=officer), expert(officer=officer)
    agency, staff = agency_with_evaluators(officer)
    pay(app, contract, manager, officer, expert_fee(paid), expert_fee(staff[0]))
    db.session.commit()
    login_as(officer)
    url = f"/evaluations/contracts/{contract.id}/new"

    def count() -> tuple[int, str]:
        statements, response = statements_during(lambda: client.get(url, headers={"Accept-Language": "en"}))
        assert response.status_code == 200
        return len(statements), response.get_data(as_text=True)

    few, page = count()
    assert f'value="{first.id}"' in page and f'id="withheld-agency-{agency.id}"' in page
    # more of everything: pool experts (paid, affiliated, with a standing conflict, clean) and agencies (one with a
    # paid evaluator, one affiliated through its evaluator, clean ones with more evaluators)
    more = [expert(officer=officer) for _ in range(4)]
    tied = expert(SeatType.FINANCE, affiliations=[contract.org], officer=officer)
    conflicted = expert(officer=officer)
    expert_conflicts.declare(conflicted, contract.org, "曾任该机构理事", actor=conflicted)
    paid_agency, paid_staff = agency_with_evaluators(officer, n=3)
    tied_agency, tied_staff = agency_with_evaluators(officer)
    panels.save_expert(tied_staff[1], "finance", "审计", [contract.org.id], True, actor=officer)
    clean = [agency_with_evaluators(officer, n=3)[0] for _ in range(3)]
    pay(app, contract, manager, officer, expert_fee(more[0]), expert_fee(paid_staff[2]), milestone=1)
    db.session.commit()
    many, page = count()
    options = re.search(r'<fieldset[^>]*id="evaluators".*?</fieldset>', page, re.S).group(0)  # the check boxes
    assert all(f'value="{u.id}"' in options for u in more[1:]) and f'value="{more[0].id}"' not in options
    assert f'value="{tied.id}"' not in options and f'value="{conflicted.id}"' not in options
    agencies = re.search(r'<select[^>]*name="agency_id".*?</select>', page, re.S).group(0)
    assert all(f'value="{a.id}"' in agencies for a in clean)
    assert f'value="{tied_agency.id}"' not in agencies and f'value="{paid_agency.id}"' not in agencies
    assert f'id="withheld-{more[0].id}"' in page and f'id="withheld-agency-{paid_agency.id}"' in page
    assert many == few


def test_over_http_an_agency_with_a_paid_evaluator_is_refused_beside_the_field(client, login_as, app, session):
    officer, manager, contract = active_contract(app)
    project_template(officer)  # the commission form offers project-evaluation templates only
    agency, staff = agency_with_evaluators(officer)
    clean, _clean_staff = agency_with_evaluators(officer)
    pay(app, contract, manager, officer, expert_fee(staff[1]))
    with app.test_request_context():
        final_report(contract, manager)
    db.session.commit()
    login_as(officer)
    url = f"/evaluations/contracts/{contract.id}/new"
    page = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    agencies = re.search(r'<select[^>]*name="agency_id".*?</select>', page, re.S).group(0)
    assert f'value="{clean.id}"' in agencies and f'value="{agency.id}"' not in agencies
    data = {"kind": "final", "template_id": _template_id(page), "aggregation": "mean",
            "due_on": (local_today() + timedelta(days=20)).isoformat()}
    before = stored()
    refused = client.post(url, data={**data, "agency_id": str(agency.id)}, headers={"Accept-Language": "en"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "This agency cannot evaluate the project" in text
    assert staff[1].display_name in text and "¥1,500.00" in text
    assert "An evaluator of this agency was paid under this contract." in _beside(text, "agency_id")
    assert stored() == before
    assert client.post(url, data={**data, "agency_id": str(clean.id)}).status_code == 302
