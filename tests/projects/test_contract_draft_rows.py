"""The contract drawing-up page's milestones and tranches are rows of labelled inputs (they were pipe-separated lines
typed into a box): the typed rows and two empty ones are shown, empty rows are ignored, each tranche says after which
milestone (or the final evaluation) it is paid. A refusal is a 422 with every input kept and each reason beside the
input, row or section it is about; nothing is drawn up."""

import html
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from audit.models import AuditEvent
from core.db import db
from core.timeutil import local_today
from projects.contract_models import Contract
from tests.projects.contract_helpers import awarded_decision, draft_form, last_event
from tests.projects.contract_helpers import shown_beside as beside

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
TODAY = local_today()
END = TODAY + timedelta(days=365)
MID, LATE = TODAY + timedelta(days=120), TODAY + timedelta(days=300)


@pytest.fixture
def officer_and_decision(app, client, login_as, session):
    officer, decision, _manager = awarded_decision(app)
    db.session.commit()
    login_as(officer)
    return officer, decision


def counts() -> tuple[int, int]:
    return (db.session.scalar(select(func.count(Contract.id))),
            db.session.scalar(select(func.count()).select_from(AuditEvent)))


def post(client, decision, data, headers=EN):
    response = client.post(f"/contracts/new/{decision.id}", headers=headers, data=data)
    return response, html.unescape(response.get_data(as_text=True))


def value_of(page: str, name: str) -> str | None:
    """What an input, text area or select of the page holds."""
    if found := re.search(rf'<input [^>]*name="{name}"[^>]*value="([^"]*)"', page):
        return found[1]
    if found := re.search(rf'<textarea [^>]*name="{name}"[^>]*>(.*?)</textarea>', page, re.S):
        return found[1]
    if found := re.search(rf'<select [^>]*name="{name}".*?</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', found[0])
        return chosen[1] if chosen else ""
    return None


def contract_of(decision) -> Contract | None:
    return db.session.scalar(select(Contract).where(Contract.proposal_id == decision.proposal_id))


def test_the_first_visit_offers_two_milestones_and_a_tranche_for_each_and_the_last(client, officer_and_decision):
    _officer, decision = officer_and_decision
    page = html.unescape(client.get(f"/contracts/new/{decision.id}", headers=EN).get_data(as_text=True))
    for i in range(2):  # each input labelled
        for name in ("title", "due_on", "deliverables", "evidence"):
            assert f'<label class="form-label small mb-0" for="milestone-{i}-{name}">' in page
    assert 'type="date" id="milestone-0-due_on"' in page
    assert value_of(page, "milestone-2-title") is None
    assert [value_of(page, f"tranche-{i}-milestone") for i in range(4)] == ["0", "1", "final", None]
    assert '<option value="1">Milestone 2</option>' in page and "The final evaluation" in page
    assert "|" not in re.search(r'<form method="post".*?</form>', page, re.S)[0]  # no pipe format left
    assert '<script src="/static/js/contract_plan.js" defer></script>' in page
    assert not re.search(r"<script(?![^>]*\ssrc=)", page)  # CSP: script-src 'self', nothing inline


def test_two_milestones_and_three_tranches_in_any_order_draw_up_the_contract(client, officer_and_decision):
    _officer, decision = officer_and_decision
    data = draft_form(TODAY, END, [("", "", "", ""),  # an empty row, ignored
                                   ("中期评估", MID, "中期报告、服务台账", "活动照片、签到表"),
                                   ("末期评估", LATE, "总结报告", "满意度调查")],
                      [(30, "final"), ("", "2"), (40, 1), ("３０", 2)])  # a share-less row is not a tranche
    response, _page = post(client, decision, data)
    assert response.status_code == 302
    contract = contract_of(decision)
    assert [(m.title, m.due_on, m.deliverables, m.evidence_required) for m in contract.milestones] == [
        ("中期评估", MID, "中期报告、服务台账", "活动照片、签到表"), ("末期评估", LATE, "总结报告", "满意度调查")]
    ids = [m.id for m in contract.milestones]
    assert [(t.percent, t.milestone_id) for t in contract.tranches] == [(40, ids[0]), (30, ids[1]), (30, None)]
    assert json.loads(last_event("contract.drafted").data)["percents"] == [40, 30, 30]


@pytest.mark.parametrize("milestones, tranches, key, reason", [
    ([("中期", END + timedelta(days=1))], [(60, 0), (40, "final")], "milestone-0-due_on",
     f"The due date falls within the contract period, {TODAY} to {END}."),
    ([("中期", TODAY - timedelta(days=1))], [(60, 0), (40, "final")], "milestone-0-due_on",
     f"The due date falls within the contract period, {TODAY} to {END}."),
    ([("中期", "2027-02-30")], [(60, 0), (40, "final")], "milestone-0-due_on", "Dates are YYYY-MM-DD."),
    ([("中期", "", "中期报告")], [(60, 0), (40, "final")], "milestone-0-due_on", "Enter the due date."),
    ([("", MID, "中期报告")], [(60, 0), (40, "final")], "milestone-0-title", "Give the milestone a title."),
    ([("中" * 201, MID)], [(60, 0), (40, "final")], "milestone-0-title", "At most 200 characters."),
    ([("中期", MID)], [(60, 0), ("四十", "final")], "tranche-1-percent",
     "Enter the share as a whole number of percent, e.g. 40."),
    ([("中期", MID)], [(100, 0), (0, "final")], "tranche-1-percent", "Every tranche needs a share above zero."),
    ([("中期", MID)], [(60, 0), (40, "")], "tranche-1-milestone",
     "Choose what this tranche is paid after: the contract in force, a milestone or the final evaluation."),
    ([("中期", MID)], [(60, 0), (40, "1")], "tranche-1-milestone",  # a row that is not there (or was removed)
     "The milestone chosen is empty: choose one that is filled in."),
    ([("中期", MID), ("末期", LATE)], [(40, 0), (30, 0), (30, "final")], "tranche-1-milestone",
     "Milestone 1 already has a tranche: each milestone has one."),
    ([("中期", MID), ("末期", LATE)], [(40, 0), (30, 0), (30, "final")], "milestone-1",
     "No tranche is paid after this milestone: choose it in one of the tranches."),
    ([("中期", MID)], [(60, 0), (20, "final"), (20, "final")], "tranche-2-milestone",
     "Only one tranche is paid after the final evaluation."),
    ([("中期", MID)], [(100, 0)], "tranches", "Add the last tranche, paid after the final evaluation."),
    ([("中期", MID)], [(60, 0), (30, "final")], "tranches",
     "The tranche percentages must add up to exactly 100 (now 90)."),
    ([], [(100, "final")], "milestones", "Add at least one milestone."),  # (the service's refusal)
    ([], [(100, "")], "milestones", "Add at least one milestone."),  # (the page's, with the tranche's)
])
def test_a_wrong_row_is_refused_beside_what_is_wrong_keeping_every_input(client, officer_and_decision, milestones,
                                                                         tranches, key, reason):
    _officer, decision = officer_and_decision
    data = draft_form(TODAY, END, milestones, tranches, clauses="甲乙双方按约履行")
    before = counts()
    response, page = post(client, decision, data)
    assert response.status_code == 422 and counts() == before and contract_of(decision) is None
    assert beside(page, key) == reason
    if key.count("-") == 2:  # an input: marked, and described by its reason for a screen reader
        assert re.search(rf'aria-invalid="true" aria-describedby="{key}-error" [^>]*name="{key}"', page)
    if "-" in key:  # and its row framed in red
        assert "-".join(key.split("-")[:2]) in re.findall(r'border-danger" id="([\w-]+)"', page)
    for name, typed in data.items():  # every input as it was typed (the rows here have no empty ones to drop)
        if name != "clauses" and not name.endswith("-milestone"):
            assert value_of(page, name) == typed, name
    assert "甲乙双方按约履行</textarea>" in page
    for k, (_share, link) in enumerate(tranches):
        expected = "" if key == f"tranche-{k}-milestone" and "empty" in reason else str(link)
        assert value_of(page, f"tranche-{k}-milestone") == expected
    assert value_of(page, f"milestone-{len(milestones) + 1}-title") == ""  # two empty rows after the typed ones
    assert value_of(page, f"milestone-{len(milestones) + 2}-title") is None


def test_the_services_refusal_of_the_period_shows_with_the_rows_beside_their_inputs(client, officer_and_decision):
    """The rows read, the service refuses: the end before the start beside the end, the clauses beside theirs, a
    title the service refuses beside the title, all at once."""
    _officer, decision = officer_and_decision
    response, page = post(client, decision, draft_form(TODAY, TODAY - timedelta(days=1), [("  ", MID, "中期报告")],
                                                       [(60, 0), (40, "final")], clauses="条" * 20_001))
    assert response.status_code == 422 and contract_of(decision) is None
    assert re.search(r'id="ends_on"[^>]*>\s*<div id="ends_on-error" class="field-errors"><div class="invalid-feedback">'
                     r"The end must come after the start.</div>", page)
    assert "At most 20000 characters." in page
    assert beside(page, "milestone-0-title") == "Give the milestone a title."
    assert beside(page, "milestones") is None  # said beside the row, not again above them


def test_a_refused_plan_is_shown_again_numbered_without_its_empty_rows(client, officer_and_decision):
    """Rows 1 and 3 typed, rows 0 and 2 empty: shown again as milestones 1 and 2, the tranches' choices with them."""
    _officer, decision = officer_and_decision
    data = draft_form(TODAY, END, [("", ""), ("中期", MID), ("", ""), ("末期", LATE)],
                      [(40, 1), (30, 3), (20, "final")])
    response, page = post(client, decision, data)
    assert response.status_code == 422
    assert [value_of(page, f"milestone-{i}-title") for i in range(5)] == ["中期", "末期", "", "", None]
    assert [value_of(page, f"tranche-{k}-milestone") for k in range(3)] == ["0", "1", "final"]
    assert '<option value="1" selected>Milestone 2: 末期</option>' in page
    assert beside(page, "tranches") == "The tranche percentages must add up to exactly 100 (now 90)."
    data["tranche-2-percent"] = "30"
    assert post(client, decision, data)[0].status_code == 302
    assert [m.title for m in contract_of(decision).milestones] == ["中期", "末期"]


def test_the_reasons_are_in_chinese_for_a_chinese_officer(client, officer_and_decision):
    _officer, decision = officer_and_decision
    response, page = post(client, decision, draft_form(TODAY, END, [("中期", END + timedelta(days=1))],
                                                       [(60, ""), (30, "final")]), headers=ZH)
    assert response.status_code == 422
    for key in ("milestone-0-due_on", "tranche-0-milestone", "tranches", "milestone-0"):
        reason = beside(page, key)
        assert reason and re.search(r"[\u4e00-\u9fff]", reason) and not re.search(r"[A-Za-z]{3}", reason), key
    assert "里程碑 1" in page
