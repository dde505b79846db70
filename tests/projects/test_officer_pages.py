"""The officer's call and contract pages, as an officer walks them: a refused form on the contract page comes back
(422, nothing changed) with what was typed and the reason beside its field; paying and publishing ask first; only
awarded calls offer a contract to draw up; an amendment reads in words and Beijing time; the call form lists what
to correct and offers communities as check boxes."""

from datetime import timedelta

from sqlalchemy import func, select, update

from accounts.enums import Role
from core.db import db
from core.timeutil import format_local, local_today
from projects import calls, contract_reports, contracts
from projects.call_clarifications import amend_call
from projects.contract_models import Contract
from projects.contract_report_input import ReportInput
from projects.models import Call
from tests.factories import make_user
from tests.orgs.helpers import community
from tests.projects.contract_helpers import active_contract, awarded_decision, drawn_contract, plan
from tests.projects.helpers import call_data, published_call


def test_a_refused_payment_keeps_the_reference_and_says_why_beside_the_date(app, client, login_as, payable):
    officer, _manager, contract, _report = payable
    tranche = contract.tranches[0]
    login_as(officer)
    page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert 'data-confirm="登记第 1 批拨付 ¥48,000.00 吗？登记后无法撤销。"' in page
    assert f'<label class="form-label small mb-1" for="reference-{tranche.id}">付款凭证号</label>' in page

    future = (local_today() + timedelta(days=2)).isoformat()
    response = client.post(f"/contracts/tranches/{tranche.id}/pay",
                           data={"paid_on": future, "reference": "国库集中支付-0001"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'<div class="invalid-feedback" id="paid-on-{tranche.id}-error">日期不能晚于今天。</div>' in page
    assert 'value="国库集中支付-0001"' in page and f'value="{future}"' in page
    response = client.post(f"/contracts/tranches/{tranche.id}/pay", data={"paid_on": "昨天", "reference": "X1"})
    assert response.status_code == 422 and "日期格式为 YYYY-MM-DD。" in response.get_data(as_text=True)
    response = client.post(f"/contracts/tranches/{tranche.id}/pay", data={"paid_on": local_today().isoformat()})
    assert f'id="reference-{tranche.id}-error">请填写付款凭证号。' in response.get_data(as_text=True)
    db.session.refresh(tranche)
    assert tranche.status == "payable" and tranche.reference in (None, "")

    response = client.post(f"/contracts/tranches/{tranche.id}/pay",
                           data={"paid_on": local_today().isoformat(), "reference": "国库集中支付-0001"})
    assert response.status_code == 302
    db.session.refresh(tranche)
    assert tranche.status == "paid" and tranche.reference == "国库集中支付-0001"


def test_returning_a_report_without_a_comment_says_so_beside_the_comment(app, client, login_as, session):
    officer, manager, contract = active_contract(app)
    with app.test_request_context():
        report = contract_reports.submit_report(contract.milestones[0],
                                                ReportInput("第一阶段工作完成情况说明。",
                                                            outputs={"探访": 10}),
                                                actor=manager)
    db.session.commit()
    login_as(officer)
    response = client.post(f"/contracts/reports/{report.id}/return", data={"comment": "  "})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'aria-describedby="comment-{report.id}-error" autofocus' in page
    assert f'id="comment-{report.id}-error">请填写原因。</div>' in page
    db.session.refresh(report)
    assert report.status == "submitted"


def test_terminating_without_a_reason_comes_back_open_with_the_reason_asked(app, client, login_as, session):
    officer, _manager, contract = active_contract(app)
    db.session.commit()
    login_as(officer)
    response = client.post(f"/contracts/{contract.id}/terminate", data={"reason": "   "})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<details class="mt-4" open>' in page and 'id="terminate-reason-error">请填写原因。</div>' in page
    db.session.refresh(contract)
    assert contract.status == "active"


def test_budget_lines_that_do_not_add_up_keep_what_was_typed(app, client, login_as, session):
    officer, _manager, contract = drawn_contract(app)
    before = {line.id: line.budget_fen for line in contract.lines}
    first = contract.lines[0]
    login_as(officer)
    typed = {f"line-{line.id}": "1000" for line in contract.lines}
    response = client.post(f"/contracts/{contract.id}/lines", data=typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'name="line-{first.id}" inputmode="decimal" value="1000" aria-invalid="true"' in page
    assert 'id="lines-error">各科目合计须等于合同金额（¥120,000.00）。</div>' in page
    db.session.expire_all()
    assert {line.id: line.budget_fen for line in db.session.get(Contract, contract.id).lines} == before


def test_only_awarded_calls_offer_a_contract_to_draw_up(app, client, login_as, session):
    officer, decision, _manager = awarded_decision(app)
    _other_officer, in_publicity, _other = awarded_decision(app)
    call_id = in_publicity.proposal.call_id
    db.session.execute(update(Call).where(Call.id == call_id).values(status="publicity"))  # results still up
    db.session.commit()
    login_as(officer)
    board = client.get("/contracts/").get_data(as_text=True).split('id="awardable"', 1)[1].split("</ul>", 1)[0]
    assert f"/contracts/new/{decision.id}\"" in board and decision.proposal.call.title in board
    assert f"/contracts/new/{in_publicity.id}\"" not in board

    page = client.get(f"/contracts/new/{in_publicity.id}").get_data(as_text=True)
    assert 'id="not-ready"' in page and 'name="milestone-0-title"' not in page
    page = client.get(f"/contracts/new/{decision.id}").get_data(as_text=True)
    assert 'id="not-ready"' not in page and 'name="milestone-0-title"' in page and 'href="/contracts/"' in page
    with app.test_request_context():
        drawn = contracts.draft_contract(decision, local_today(), local_today() + timedelta(days=365), plan(),
                                         [40, 30, 30], "", actor=officer)
    db.session.commit()
    response = client.get(f"/contracts/new/{decision.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/contracts/{drawn.id}")


def test_an_amendment_reads_in_words_and_beijing_time(app, client, session):
    officer = make_user(Role.OFFICER)
    with app.test_request_context():
        call = published_call(officer)
        old = call.submission_deadline
        amend_call(call, {"submission_deadline": old + timedelta(days=3)}, "延长申报期", actor=officer)
    db.session.commit()
    amendments = client.get(f"/calls/{call.id}").get_data(as_text=True).split('id="amendments"', 1)[1]
    amendments = amendments.split("</ul></li></ul>", 1)[0]
    assert f"申报截止时间：{format_local(old)} → {format_local(old + timedelta(days=3))}" in amendments
    assert "submission_deadline" not in amendments and "+00:00" not in amendments


def test_the_call_form_lists_what_to_correct_and_publishing_asks_first(app, client, login_as, session):
    officer = make_user(Role.OFFICER)
    login_as(officer)
    peace = community()
    db.session.commit()
    before = db.session.scalar(select(func.count(Call.id)))
    page = client.get("/calls/new").get_data(as_text=True)
    assert f'name="communities" type="checkbox" value="{peace.id}"' in page  # not a multiple select (Ctrl+click)
    assert "<select multiple" not in page and 'name="communities" multiple' not in page
    response = client.post("/calls/new", data={"title": "", "total_budget_fen": "30万"})
    page = response.get_data(as_text=True)
    summary = page.split('id="form-errors"', 1)[1].split("</div>", 1)[0]
    assert 'href="#title"' in summary and 'href="#total_budget_fen"' in summary
    assert response.status_code == 422 and db.session.scalar(select(func.count(Call.id))) == before

    with app.test_request_context():
        draft = calls.create_call(call_data(), actor=officer)
    db.session.commit()
    page = client.get(f"/calls/{draft.id}").get_data(as_text=True)
    assert 'id="publish" data-confirm="确定发布此项目征集吗？' in page
    assert "取消项目征集时必填。" in page


def test_the_budget_chart_labels_read_in_english_too(app, client, login_as, payable):
    officer, _manager, contract, _report = payable
    login_as(officer)
    client.get("/lang/en")
    chart = client.get(f"/contracts/{contract.id}").get_data(as_text=True).split('id="budget-chart"', 1)[1]
    chart = chart.split("</svg>", 1)[0]
    assert ">Paid</text>" in chart and ">Spent overall</text>" in chart  # were cut to 'Paid to…', 'Spent o…'
    assert "…" not in chart and "预算执行率" not in chart


def test_the_officer_who_approved_a_payment_is_not_offered_to_record_it(app, client, login_as, payable):
    officer, _manager, contract, _report = payable
    tranche, second = contract.tranches[0], make_user(Role.OFFICER)
    previous = app.config["TWO_PERSON_APPROVAL_ABOVE_FEN"]
    app.config["TWO_PERSON_APPROVAL_ABOVE_FEN"] = 4_000_000  # the first tranche (4.8M fen) needs two officers
    try:
        login_as(officer)
        page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
        assert 'data-confirm="批准拨付第 1 批 ¥48,000.00 吗？' in page and f"/tranches/{tranche.id}/pay" not in page
        assert client.post(f"/contracts/tranches/{tranche.id}/approve").status_code == 302
        page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
        assert "审批，待另一名工作人员登记付款" in page and f"/tranches/{tranche.id}/pay" not in page
        client.post("/logout")
        login_as(second)
        page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
        assert f"/tranches/{tranche.id}/pay" in page
    finally:
        app.config["TWO_PERSON_APPROVAL_ABOVE_FEN"] = previous
