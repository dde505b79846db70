"""An officer with no other qualified evaluator may still choose a pool expert the organisation paid under the
contract, but only by ticking an override for that expert and giving a reason (required, at most
MAX_OVERRIDE_REASON characters): kept on the assignment, audited with ids and the reason, shown on the evaluation's
page to officers and auditors. A plain choice of them is still refused, and a declared conflict (in an evaluation or
a proposal review) is never overridden."""

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict, ServiceError
from core.timeutil import local_today
from evaluation import candidates, project_services, services
from evaluation.enums import SeatType
from evaluation.project_models import EvaluationAssignment, ProjectEvaluation
from projects.contract_report_models import FeePayment
from tests.evaluation.helpers import drawn_panel, expert
from tests.evaluation.project_helpers import agency_with_evaluators, project_template
from tests.evaluation.test_paid_evaluators import expert_fee, pay
from tests.factories import make_user
from tests.projects.contract_helpers import active_contract, last_event

EN = {"Accept-Language": "en"}
REASON = "本领域仅此一位具备养老服务评估资质的专家，已由处务会讨论同意"


@pytest.fixture
def scene(app, session):
    """A contract whose organisation paid one pool expert under it; another expert, unpaid."""
    officer, manager, contract = active_contract(app)
    # finance seats: a review panel drawn in a test (social service seats) takes none of them
    paid, unpaid = expert(SeatType.FINANCE, officer=officer), expert(SeatType.FINANCE, officer=officer)
    pay(app, contract, manager, officer, expert_fee(paid))
    with app.test_request_context():
        template = project_template(officer)
    db.session.commit()
    return {"officer": officer, "manager": manager, "contract": contract, "template": template, "paid": paid,
            "unpaid": unpaid, "url": f"/evaluations/contracts/{contract.id}/new"}


def stored() -> tuple[int, int, int]:
    return (db.session.scalar(select(func.count(ProjectEvaluation.id))),
            db.session.scalar(select(func.count(EvaluationAssignment.id))),
            db.session.scalar(select(func.count(AuditEvent.seq))))


def commission(app, scene, user_ids, overrides=None, **extra):
    with app.test_request_context():
        return project_services.commission(scene["contract"], "midterm", scene["template"],
                                           local_today() + timedelta(days=20), actor=scene["officer"],
                                           evaluator_ids=user_ids, paid_overrides=overrides, **extra)


def form_data(scene, **extra):
    return {"kind": "midterm", "template_id": str(scene["template"].id), "agency_id": "", "aggregation": "mean",
            "due_on": (local_today() + timedelta(days=20)).isoformat(), **extra}


def test_with_the_override_and_a_reason_the_paid_expert_is_chosen_and_it_is_audited(app, scene):
    paid, unpaid = scene["paid"], scene["unpaid"]
    made = commission(app, scene, [unpaid.id, paid.id], {paid.id: f"  {REASON}  "})
    db.session.commit()
    reasons = {a.user_id: a.paid_override_reason for a in made.assignments}
    assert reasons == {unpaid.id: None, paid.id: REASON}  # stripped
    event = last_event("evaluation.paid_exclusion_overridden")
    data = json.loads(event.data)
    overridden = next(a for a in made.assignments if a.user_id == paid.id)
    fees = list(db.session.scalars(select(FeePayment.id).where(FeePayment.contract_id == scene["contract"].id)))
    assert data == {"contract_id": scene["contract"].id, "assignment_id": overridden.id, "user_id": paid.id,
                    "fee_ids": fees, "reason": REASON} and len(fees) == 1
    assert event.actor_id == scene["officer"].id
    assert paid.display_name not in event.data and paid.username not in event.data  # ids, no names
    commissioned = json.loads(last_event("evaluation.commissioned").data)
    assert commissioned["paid_overridden"] == [paid.id]
    assert commissioned["paid_withheld"]["experts"] == []  # chosen, so not left out


@pytest.mark.parametrize("reason", ["", "   ", "长" * (project_services.MAX_OVERRIDE_REASON + 1)])
def test_the_reason_is_required_and_limited(app, scene, reason):
    paid, unpaid = scene["paid"], scene["unpaid"]
    before = stored()
    with pytest.raises(ServiceError) as refused:
        commission(app, scene, [unpaid.id, paid.id], {paid.id: reason})
    db.session.rollback()
    assert set(refused.value.fields) == {f"override_reason_{paid.id}"}
    assert stored() == before
    # exactly at the limit is accepted
    made = commission(app, scene, [paid.id], {paid.id: "长" * project_services.MAX_OVERRIDE_REASON})
    assert [a.paid_override_reason for a in made.assignments] == ["长" * project_services.MAX_OVERRIDE_REASON]


def test_without_the_override_the_paid_expert_is_still_refused(app, scene):
    before = stored()
    with pytest.raises(Conflict) as refused:
        commission(app, scene, [scene["unpaid"].id, scene["paid"].id])
    db.session.rollback()
    assert set(refused.value.fields) == {"evaluator_ids"} and "¥1,500.00" in refused.value.message
    assert stored() == before
    # an override for the unpaid one overrides nothing: the paid one is still refused
    with pytest.raises(Conflict):
        commission(app, scene, [scene["unpaid"].id, scene["paid"].id], {scene["unpaid"].id: REASON})
    db.session.rollback()
    assert stored() == before


def test_not_with_an_agency(app, scene):
    agency, staff = agency_with_evaluators(scene["officer"])
    db.session.commit()
    before = stored()
    with pytest.raises(ServiceError) as refused:
        commission(app, scene, [staff[0].id, scene["paid"].id], {scene["paid"].id: REASON}, agency=agency)
    db.session.rollback()
    assert set(refused.value.fields) == {"evaluator_ids"}
    assert stored() == before


def test_a_conflict_declared_in_proposal_review_cannot_be_overridden(app, scene):
    """The paid expert also declared, on a review panel, a conflict with the organisation's proposal: the override
    is refused with what they declared, and the page offers no override for them."""
    _call, orgs, props, panel = drawn_panel(app, scene["officer"])
    member = panel.members[0]
    with app.test_request_context():
        services.declare(member, props[0], True, "其子女在该机构工作", actor=member.user)
    pay(app, scene["contract"], scene["manager"], scene["officer"], expert_fee(member.user), milestone=1)
    scene["contract"].org_id = orgs[0].id  # the contract made a project of that applicant, arranged as a fixture
    db.session.commit()
    with app.test_request_context():
        found = candidates.choices(scene["contract"])
    assert member.user_id in found.paid and member.user_id in found.declared
    assert member.user_id not in {p.user_id for p in found.overridable}
    assert scene["paid"].id in {p.user_id for p in found.overridable}
    before = stored()
    with pytest.raises(Conflict) as refused:
        commission(app, scene, [member.user_id], {member.user_id: REASON})
    db.session.rollback()
    assert "其子女在该机构工作" in refused.value.message and set(refused.value.fields) == {"evaluator_ids"}
    assert stored() == before


def test_over_http_plain_refused_reason_required_then_chosen_and_shown(client, login_as, app, scene):
    paid, unpaid = scene["paid"], scene["unpaid"]
    login_as(scene["officer"])
    page = client.get(scene["url"], headers=EN).get_data(as_text=True)
    boxes = re.search(r'<fieldset[^>]*id="evaluators".*?</fieldset>', page, re.S).group(0)
    assert f'value="{paid.id}"' not in boxes  # still not offered
    overrides = re.search(r'<fieldset[^>]*id="paid-overrides".*?</fieldset>', page, re.S).group(0)
    assert f'name="override_{paid.id}"' in overrides and f'name="override_reason_{paid.id}"' in overrides
    assert f"override_{unpaid.id}" not in overrides

    before = stored()
    plain = client.post(scene["url"], data=form_data(scene, evaluator_ids=[str(unpaid.id), str(paid.id)]),
                        headers=EN)
    assert plain.status_code == 422 and "Paid under this contract." in plain.get_data(as_text=True)
    assert stored() == before

    ticked = form_data(scene, evaluator_ids=[str(unpaid.id)], **{f"override_{paid.id}": "y"})
    no_reason = client.post(scene["url"], data={**ticked, f"override_reason_{paid.id}": "  "}, headers=EN)
    text = no_reason.get_data(as_text=True)
    assert no_reason.status_code == 422
    assert "Give the reason for choosing them despite the payment." in \
        text.split(f'id="override_reason_{paid.id}-error"')[1]
    assert "checked" in re.search(rf'<input[^>]*name="override_{paid.id}"[^>]*>', text).group(0)  # kept
    assert "checked" in re.search(rf'<input[^>]*value="{unpaid.id}"[^>]*>', text).group(0)
    assert stored() == before
    assert last_event("evaluation.paid_exclusion_overridden") is None

    done = client.post(scene["url"], data={**ticked, f"override_reason_{paid.id}": REASON})
    assert done.status_code == 302
    made = db.session.scalar(select(ProjectEvaluation).order_by(ProjectEvaluation.id.desc()))
    assert sorted(a.user_id for a in made.assignments) == sorted([unpaid.id, paid.id])
    assert json.loads(last_event("evaluation.paid_exclusion_overridden").data)["reason"] == REASON

    url = f"/evaluations/{made.id}"
    shown = client.get(url, headers=EN).get_data(as_text=True)
    line = re.search(rf'<div class="small" id="paid-override-{paid.id}">(.*?)</div>', shown, re.S).group(1)
    assert "Chosen despite being paid by the organisation under this contract" in line and REASON in line
    assert f'id="paid-override-{unpaid.id}"' not in shown
    client.post("/logout")
    login_as(make_user(Role.AUDITOR))
    assert REASON in client.get(url, headers=EN).get_data(as_text=True)
    client.post("/logout")
    login_as(unpaid)  # an evaluator on it sees no other evaluator's override
    assert REASON not in client.get(url, headers=EN).get_data(as_text=True)
