"""After an officer withdraws evaluators, recovery is always possible and shown: another eligible evaluator can be
added (an agency's evaluation: another of the agency's evaluators), with the exclusions of commissioning; when
nobody can be, the page says why and points at cancelling and commissioning again, which then works. A refused
withdrawal, addition or cancellation shows the page again with the reason beside the field."""

import json
import re
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from accounts.enums import Role
from accounts.notifications import Notification
from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict
from core.timeutil import local_today
from evaluation import candidates, expert_conflicts, project_services, project_status
from evaluation.project_models import EvaluationAssignment, ProjectEvaluation
from tests.evaluation.helpers import expert
from tests.evaluation.project_helpers import agency_with_evaluators, commissioned, final_report, project_template
from tests.evaluation.test_paid_evaluators import expert_fee, pay
from tests.factories import make_user
from tests.projects.contract_helpers import active_contract

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
REASON = "评估人员长期病假，无法按期完成"


def stored() -> tuple:
    """Everything adding, withdrawing or cancelling touches."""
    return (db.session.scalar(select(func.count(EvaluationAssignment.id))),
            db.session.scalar(select(func.count(EvaluationAssignment.id))
                              .where(EvaluationAssignment.withdrawn_at.is_not(None))),
            db.session.scalar(select(func.count(ProjectEvaluation.id))
                              .where(ProjectEvaluation.status == "cancelled")),
            db.session.scalar(select(func.count(AuditEvent.seq))),
            db.session.scalar(select(func.count(Notification.id))))


def agency_evaluation(app, n=2, chosen=(0,)):
    """An active contract whose final evaluation is commissioned from an agency of n evaluators, those chosen
    assigned (and declared no conflict)."""
    officer, manager, contract = active_contract(app)
    with app.test_request_context():
        agency, staff = agency_with_evaluators(officer, n=n)
        final_report(contract, manager)  # a final evaluation follows the last milestone's report
        evaluation = project_services.commission(contract, "final", project_template(officer),
                                                 local_today() + timedelta(days=30), actor=officer, agency=agency,
                                                 evaluator_ids=[staff[i].id for i in chosen])
        for a in evaluation.assignments:
            project_services.declare(a, False, "", actor=a.user)
    return officer, manager, contract, evaluation, agency, staff


def withdraw_all(app, evaluation, officer, reason=REASON):
    with app.test_request_context():
        for a in list(evaluation.assignments):
            project_services.withdraw_evaluator(a, reason, actor=officer)


def refused_add(app, evaluation, user, officer, match):
    """add_evaluator refuses the user (in English, matching match) and changes nothing."""
    db.session.commit()  # so that rolling back the refusal, as a request does, keeps the setup
    before = stored()
    with app.test_request_context(), force_locale("en"), pytest.raises(Conflict, match=match) as refused:
        project_services.add_evaluator(evaluation, user, actor=officer)
    db.session.rollback()
    assert stored() == before
    return refused.value


def addable(app, evaluation):
    with app.test_request_context():
        return [u.id for u in project_services.addable_evaluators(evaluation)]


def none_addable(app, evaluation):
    with app.test_request_context(), force_locale("en"):
        return project_services.none_addable(evaluation)


# --- the services -------------------------------------------------------------------------------------


def test_an_agencys_other_evaluator_replaces_the_withdrawn_one_and_is_audited(app, session):
    officer, _manager, _contract, evaluation, agency, (gone, other) = agency_evaluation(app)
    pool_expert = expert(officer=officer)
    withdraw_all(app, evaluation, officer)
    assert addable(app, evaluation) == [other.id]  # not the pool expert, not the withdrawn one
    refused_add(app, evaluation, gone, officer, "cannot be added again")
    refused = refused_add(app, evaluation, pool_expert, officer, f"not an evaluator of {agency.name}")
    assert set(refused.fields) == {"user_id"}
    with app.test_request_context():
        project_services.add_evaluator(evaluation, other, actor=officer)
    assert [a.user_id for a in evaluation.assignments] == [other.id]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "evaluation.evaluator_added"))
    assert event.actor_id == officer.id and json.loads(event.data) == {"user_id": other.id}
    assert db.session.scalar(select(Notification.id).where(Notification.user_id == other.id,
                                                           Notification.code == "evaluation.assigned"))
    assert addable(app, evaluation) == []
    assert none_addable(app, evaluation) == (f"{agency.name} has no other evaluator who can be added: each of its "
                                             "evaluators is already on this evaluation or was withdrawn from it.")


def test_an_agency_with_nobody_left_says_so_and_the_evaluation_is_cancelled_and_commissioned_again(app, session):
    officer, _manager, contract, evaluation, agency, (only,) = agency_evaluation(app, n=1)
    other_agency, other_staff = agency_with_evaluators(officer, n=1)
    withdraw_all(app, evaluation, officer)
    assert addable(app, evaluation) == [] and project_services.able_to_score(evaluation) == []
    assert "has no other evaluator who can be added" in none_addable(app, evaluation)
    refused_add(app, evaluation, other_staff[0], officer, f"not an evaluator of {agency.name}")
    with app.test_request_context():
        project_status.transition_evaluation(evaluation, "cancelled", actor=officer, reason="机构无其他评估人员")
        again = project_services.commission(contract, "final", project_template(officer),
                                            local_today() + timedelta(days=30), actor=officer, agency=other_agency)
    assert again.status == "in_progress" and [a.user_id for a in again.assignments] == [other_staff[0].id]


def test_an_agency_whose_withdrawn_evaluator_was_paid_can_add_nobody_and_is_not_commissioned_again(app, session):
    officer, manager, contract, evaluation, agency, (paid, other) = agency_evaluation(app)
    pay(app, contract, manager, officer, expert_fee(paid))
    withdraw_all(app, evaluation, officer, reason="机构已向其支付专家费")
    # the agency employs someone the organisation paid: none of its evaluators may evaluate the project, as when
    # commissioning
    assert addable(app, evaluation) == []
    why = none_addable(app, evaluation)
    assert why.startswith(f"{agency.name} can no longer evaluate this project: its evaluator {paid.display_name}")
    assert "¥1,500.00" in why
    refused = refused_add(app, evaluation, other, officer, "This agency cannot evaluate the project")
    assert "¥1,500.00" in refused.message
    with app.test_request_context():
        project_status.transition_evaluation(evaluation, "cancelled", actor=officer, reason="机构不再符合条件")
        with pytest.raises(Conflict):
            project_services.commission(contract, "final", project_template(officer),
                                        local_today() + timedelta(days=30), actor=officer, agency=agency)
        fresh = expert(officer=officer)
        again = project_services.commission(contract, "final", project_template(officer),
                                            local_today() + timedelta(days=30), actor=officer,
                                            evaluator_ids=[fresh.id])
    assert [a.user_id for a in again.assignments] == [fresh.id]


@pytest.mark.parametrize("change", ["deactivated", "affiliated"])
def test_an_agency_no_longer_eligible_can_add_nobody_and_says_why(app, session, change):
    officer, _manager, contract, evaluation, agency, (gone, other) = agency_evaluation(app)
    withdraw_all(app, evaluation, officer)
    with app.test_request_context():
        if change == "deactivated":
            candidates.register_agency(agency, False, actor=officer)
        else:  # one of its evaluators declares a standing conflict with the project's organisation
            expert_conflicts.declare(other, contract.org, "曾在该机构兼职", actor=other)
    assert addable(app, evaluation) == []
    why = {"deactivated": f"{agency.name} is no longer an active evaluation agency.",
           "affiliated": f"{agency.name} is affiliated with the project's organisation."}[change]
    assert none_addable(app, evaluation) == why
    refused_add(app, evaluation, other, officer, re.escape(why))


def test_individual_experts_the_same_exclusions_as_commissioning(app, session):
    officer, manager, contract, evaluation, (gone,) = commissioned(app)
    fresh = expert(officer=officer)
    member = expert(officer=officer)  # affiliated: a standing conflict with the organisation
    paid = expert(officer=officer)
    outsider = make_user(Role.EVALUATOR)  # not in the expert pool
    with app.test_request_context():
        expert_conflicts.declare(member, contract.org, "在该机构担任理事", actor=member)
    pay(app, contract, manager, officer, expert_fee(paid))
    withdraw_all(app, evaluation, officer)
    assert addable(app, evaluation) == [fresh.id]
    refused_add(app, evaluation, gone, officer, "cannot be added again")
    refused_add(app, evaluation, member, officer, f"{member.display_name} is affiliated with the project's")
    assert "¥1,500.00" in refused_add(app, evaluation, paid, officer, "so they cannot evaluate it").message
    refused_add(app, evaluation, outsider, officer, f"{outsider.display_name} is not an active evaluator in the")
    with app.test_request_context():
        project_services.add_evaluator(evaluation, fresh, actor=officer)
    refused_add(app, evaluation, fresh, officer, "already assigned")
    assert [a.user_id for a in evaluation.assignments] == [fresh.id]
    assert addable(app, evaluation) == []
    assert none_addable(app, evaluation).startswith("Nobody else in the expert pool can be added")


# --- the pages -----------------------------------------------------------------------------------------


def _beside(page: str, field_id: str) -> str:
    """The error shown beside a field of the evaluation page (empty when there is none)."""
    found = re.search(rf'<div class="field-errors" id="{field_id}-error">(.*?)</div></div>', page, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)) if found else ""


def test_the_page_of_an_agency_with_nobody_left_explains_and_leads_to_commissioning_again(client, login_as, app,
                                                                                          session):
    officer, _manager, contract, evaluation, agency, (only,) = agency_evaluation(app, n=1)
    other_agency, _other_staff = agency_with_evaluators(officer, n=1)
    withdraw_all(app, evaluation, officer)
    db.session.commit()
    login_as(officer)
    url = f"/evaluations/{evaluation.id}"
    page = client.get(url, headers=EN).get_data(as_text=True)
    alert = re.search(r'<div class="alert alert-warning" id="no-evaluator-left".*?</div>', page, re.S).group(0)
    assert f"{agency.name} has no other evaluator who can be added" in alert
    assert "cancel this evaluation below (with a reason), then commission the project's evaluation again" in alert
    assert 'id="add-evaluator"' not in page and 'name="user_id"' not in page  # nothing offered to add
    cancel = re.search(r'<details[^>]*id="cancel-evaluation"[^>]*>', page).group(0)
    assert " open" in cancel  # the way on is open on the page
    assert "data-confirm=" in re.search(r'<form[^>]*id="cancel-form"[^>]*>', page, re.S).group(0)
    zh = client.get(url, headers=ZH).get_data(as_text=True)
    assert f"{agency.name}没有其他可以加入的评估人员" in zh and "重新委托" in zh

    before = stored()
    refused = client.post(f"{url}/cancel", data={"text": "  "}, headers=ZH)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "请填写原因" in _beside(text, "cancel-reason")
    assert 'id="cancel-reason" maxlength="2000" aria-invalid="true"' in text
    assert stored() == before

    done = client.post(f"{url}/cancel", data={"text": "机构无其他评估人员"}, headers=EN, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "This evaluation was cancelled." in text and "机构无其他评估人员" in text
    link = re.search(r'<a[^>]*id="commission-again"[^>]*href="([^"]+)"', text).group(1)
    assert link == f"/evaluations/contracts/{contract.id}/new?kind=final"
    form = client.get(link, headers=EN).get_data(as_text=True)
    assert re.search(r'<option selected value="final">', form)  # the kind cancelled, chosen already
    template_id = re.search(r'name="template_id"[^>]*>\s*<option[^>]*value="(\d+)"', form).group(1)
    made = client.post(link, data={"kind": "final", "template_id": template_id, "agency_id": str(other_agency.id),
                                   "aggregation": "mean",
                                   "due_on": (local_today() + timedelta(days=20)).isoformat()})
    assert made.status_code == 302
    again = db.session.scalar(select(ProjectEvaluation).where(ProjectEvaluation.contract_id == contract.id,
                                                              ProjectEvaluation.status == "in_progress"))
    assert again.agency_org_id == other_agency.id
    # with a new one under way, the cancelled page no longer offers to commission again
    assert 'id="commission-again"' not in client.get(url).get_data(as_text=True)


def test_the_page_adds_another_of_the_agencys_evaluators_and_refuses_a_crafted_choice(client, login_as, app,
                                                                                     session):
    officer, _manager, _contract, evaluation, agency, (gone, other) = agency_evaluation(app)
    pool_expert = expert(officer=officer)
    withdraw_all(app, evaluation, officer)
    db.session.commit()
    login_as(officer)
    url = f"/evaluations/{evaluation.id}"
    page = client.get(url, headers=EN).get_data(as_text=True)
    form = re.search(r'<form[^>]*id="add-evaluator".*?</form>', page, re.S).group(0)
    assert re.findall(r'<option[^>]*value="(\d+)"', form) == [str(other.id)]
    assert f"Only evaluators of {agency.name} can be added" in form and "csrf_token" in form
    alert = re.search(r'id="no-evaluator-left".*?</div>', page, re.S).group(0)
    assert 'href="#user_id"' in alert and "Add an evaluator below." in alert

    for crafted, beside in ((pool_expert.id, "不符合条件"), (gone.id, "已被撤出本次评估"), (987654, "请从列表中选择")):
        before = stored()
        refused = client.post(f"{url}/evaluators", data={"user_id": str(crafted)}, headers=ZH)
        text = refused.get_data(as_text=True)
        assert refused.status_code == 422 and beside in _beside(text, "user_id"), crafted
        assert 'aria-invalid="true"' in re.search(r'<select[^>]*id="user_id"[^>]*>', text).group(0)
        assert stored() == before
    refused = client.post(f"{url}/evaluators", data={"user_id": str(pool_expert.id)}, headers=ZH)
    assert f"{pool_expert.display_name}不是{agency.name}的评估人员" in refused.get_data(as_text=True)

    added = client.post(f"{url}/evaluators", data={"user_id": str(other.id)}, headers=EN)
    assert added.status_code == 302 and added.headers["Location"].endswith(url)
    db.session.expire_all()
    assert [a.user_id for a in db.session.get(ProjectEvaluation, evaluation.id).assignments] == [other.id]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "evaluation.evaluator_added"))
    assert event.actor_id == officer.id and json.loads(event.data)["user_id"] == other.id
    page = client.get(url, headers=EN).get_data(as_text=True)
    assert 'id="no-evaluator-left"' not in page and 'id="add-evaluator"' not in page
    assert "has no other evaluator who can be added" in re.search(r'id="none-addable">(.*?)</p>', page).group(1)


def test_the_page_of_individual_experts_adds_one_from_the_pool(client, login_as, app, session):
    officer, _manager, contract, evaluation, (gone,) = commissioned(app)
    fresh = expert(officer=officer)
    withdraw_all(app, evaluation, officer)
    db.session.commit()
    login_as(officer)
    url = f"/evaluations/{evaluation.id}"
    form = re.search(r'<form[^>]*id="add-evaluator".*?</form>', client.get(url, headers=EN).get_data(as_text=True),
                     re.S).group(0)
    assert re.findall(r'<option[^>]*value="(\d+)"', form) == [str(fresh.id)]
    assert client.post(f"{url}/evaluators", data={"user_id": str(fresh.id)}).status_code == 302
    db.session.expire_all()
    assert [a.user_id for a in db.session.get(ProjectEvaluation, evaluation.id).assignments] == [fresh.id]


def test_a_refused_withdrawal_is_shown_beside_the_reason_as_typed(client, login_as, app, session):
    officer, _manager, _contract, evaluation, (first, second) = commissioned(app, n=2)
    target = next(a for a in evaluation.assignments if a.user_id == first.id)
    db.session.commit()
    login_as(officer)
    url = f"/evaluations/{evaluation.id}/evaluators/{target.id}/withdraw"
    field = f"withdraw-reason-{target.id}"
    before = stored()

    empty = client.post(url, data={"text": "   "}, headers=ZH)
    text = empty.get_data(as_text=True)
    assert empty.status_code == 422 and _beside(text, field) == "请填写原因。"
    assert re.search(rf'<details class="withdraw mt-2" open><summary[^>]*>[^<]*</summary>\s*<form[^>]*'
                     rf'id="withdraw-{target.id}"', text)  # opened, to be seen
    textarea = re.search(rf'<textarea[^>]*id="{field}"[^>]*>', text).group(0)
    assert "is-invalid" in textarea and 'aria-invalid="true"' in textarea and "autofocus" in textarea
    assert f"{field}-error" in textarea
    other = next(a for a in evaluation.assignments if a.user_id == second.id)
    assert not _beside(text, f"withdraw-reason-{other.id}")  # only the refused one
    assert "请填写原因" in _beside(client.post(url, data={}, headers=ZH).get_data(as_text=True), field)

    typed = "理由" * 1001  # 2002 characters
    long = client.post(url, data={"text": typed}, headers=EN)
    text = long.get_data(as_text=True)
    assert long.status_code == 422 and "2000" in _beside(text, field)
    assert f">{typed}</textarea>" in text  # kept as typed
    assert stored() == before and not db.session.get(EvaluationAssignment, target.id).withdrawn

    done = client.post(url, data={"text": REASON}, headers=EN)
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(EvaluationAssignment, target.id).withdrawn_reason == REASON
