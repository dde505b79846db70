"""The scoring summary PDF, publicity periods running into a year the holiday package does not know, the admin
calendar page, reopening a sheet, and the evaluator API in blind review."""

import io
import json
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from accounts import services as accounts
from accounts.enums import Role
from accounts.notifications import Notification
from accounts.tokens import create_token
from audit.documents import IssuedDocument
from audit.models import AuditEvent
from core import calendar
from core.db import db
from evaluation import aggregate, panels, services
from evaluation.documents import decide_from_review
from evaluation.enums import SeatType, SheetStatus
from evaluation.models import Panel, ScoreSheet
from projects import awards
from tests.evaluation.helpers import closed_call_with_proposals, expert, fully_scored
from tests.factories import make_user

NEW_YEAR_2027 = datetime(2026, 12, 28, 2, 0, tzinfo=UTC)  # Monday 28 December 2026, 10:00 in Beijing


@pytest.fixture
def officer(session):
    return make_user(Role.OFFICER)


def _last(action: str) -> AuditEvent | None:
    return db.session.scalar(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq.desc()))


def _pdf_text(code: str) -> str:
    document = db.session.scalar(select(IssuedDocument).where(IssuedDocument.code == code))
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(document.content)).pages)


def test_scoring_summary_pdf_has_members_totals_and_ranking(app, officer):
    call, orgs, props, _ranking = fully_scored(app, officer)
    panel = db.session.scalar(select(Panel).where(Panel.call_id == call.id))
    ranked = services.results(panel)
    with app.test_request_context():
        publicity = decide_from_review(call, panel, {props[2].id: 15_000_000}, "只设一个名额", 5, actor=officer)
    text = "".join(_pdf_text(publicity.summary_code).split())  # table cells wrap: compare without whitespace
    assert all("".join(m.user.display_name.split()) in text for m in panel.members)
    for result in ranked:
        assert aggregate.fmt(result.final) in text
        assert all(aggregate.fmt(total) in text for total in result.totals.values())
    position = {r.proposal_id: text.index(aggregate.fmt(r.final)) for r in ranked}
    assert [r.rank for r in ranked] == [1, 2, 3] and ranked[0].proposal_id == props[2].id  # 80% > 75% > 70%
    assert position[props[2].id] < position[props[0].id] < position[props[1].id]  # printed in rank order
    assert _last("document.issued") is not None


def _decide_at(app, officer, now):
    call, _orgs, props, ranking = fully_scored(app, officer)
    with app.test_request_context():
        publicity = awards.decide(call, ranking, {props[2].id: 15_000_000}, "只设一个名额", 5, actor=officer, now=now)
    db.session.commit()
    return call, publicity


@pytest.mark.usefixtures("calendar_through_2026")
def test_publicity_into_2027_falls_back_to_weekdays_and_says_so(app, client, officer):
    call, publicity = _decide_at(app, officer, NEW_YEAR_2027)
    # 29, 30, 31 December (statutory), Friday 1 January 2027 (no calendar yet: a weekday), Monday 4 January
    assert publicity.ends_on == date(2027, 1, 4)
    assert publicity.calendar_sources == "statutory,weekdays"
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    sentence = page.split('id="publicity">')[1].split("</p>")[0]
    with app.test_request_context():
        assert all(str(calendar.SOURCE_LABELS[s]) in sentence for s in ("statutory", "weekdays"))
        assert str(calendar.SOURCE_LABELS["entered"]) not in sentence


@pytest.mark.usefixtures("calendar_through_2026")
def test_publicity_into_2027_uses_holidays_an_admin_entered(app, client, officer):
    admin = make_user(Role.ADMIN)
    accounts.set_calendar_day(date(2027, 1, 1), False, "元旦", actor=admin)
    call, publicity = _decide_at(app, officer, NEW_YEAR_2027)
    assert publicity.ends_on == date(2027, 1, 5)  # 1 January entered as a holiday
    assert publicity.calendar_sources == "entered,statutory"
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    sentence = page.split('id="publicity">')[1].split("</p>")[0]
    with app.test_request_context():
        assert str(calendar.SOURCE_LABELS["entered"]) in sentence
        assert str(calendar.SOURCE_LABELS["weekdays"]) not in sentence


@pytest.mark.usefixtures("calendar_through_2026")
def test_admin_calendar_page_is_for_admins_and_records_a_day(app, client, officer, login_as):
    admin = make_user(Role.ADMIN)
    db.session.commit()
    login_as(officer)
    assert client.get("/admin/calendar").status_code == 403
    assert client.post("/admin/calendar", data={"day": "2027-02-08", "kind": "holiday"}).status_code == 403
    assert db.session.get(calendar.CalendarDay, date(2027, 2, 8)) is None
    client.post("/logout")
    login_as(admin)
    assert client.get("/admin/calendar").status_code == 200
    response = client.post("/admin/calendar", data={"day": "2027-02-06", "kind": "working", "note": "春节调休"})
    assert response.status_code == 302
    entry = db.session.get(calendar.CalendarDay, date(2027, 2, 6))
    assert entry.is_working and entry.note == "春节调休"
    event = _last("calendar.day_set")
    assert event.actor_id == admin.id and event.target_id == "2027-02-06"
    assert json.loads(event.data) == {"working": True, "note": "春节调休"}
    assert "春节调休" in client.get("/admin/calendar").get_data(as_text=True)
    assert calendar.day_info(date(2027, 2, 6)) == (True, "entered")  # a Saturday made a working day


def test_officer_reopens_a_sheet_with_a_reason_and_the_member_is_told(app, client, officer, login_as):
    call, _orgs, props, _ranking = fully_scored(app, officer)
    sheet = db.session.scalar(select(ScoreSheet).where(ScoreSheet.proposal_id == props[0].id).limit(1))
    member_user = sheet.member.user
    db.session.commit()
    login_as(officer)
    client.post(f"/evaluation/sheets/{sheet.id}/reopen", data={"reason": ""})
    db.session.refresh(sheet)
    assert sheet.status == SheetStatus.SUBMITTED  # no reason, no reopening
    response = client.post(f"/evaluation/sheets/{sheet.id}/reopen", data={"reason": "第三项评分与评语不符"})
    assert response.status_code == 302
    db.session.refresh(sheet)
    assert sheet.status == SheetStatus.DRAFT and sheet.submitted_at is None
    event = _last("sheet.reopened")
    assert event.actor_id == officer.id and event.target_id == str(sheet.id)
    assert json.loads(event.data)["reason"] == "第三项评分与评语不符"
    note = db.session.scalar(select(Notification).where(Notification.user_id == member_user.id,
                                                        Notification.code == "sheet.reopened_named"))
    # the call and the proposal named (its number as the expert's list has it), the link to the sheet itself
    assert note is not None and "第三项评分与评语不符" in note.text and call.title in note.text
    assert "申报书 1（评审测试服务中心0）" in note.text
    assert note.link == f"/evaluation/members/{sheet.member_id}/proposals/{props[0].id}"


def _bearer(user):
    _t, plain = create_token(user, "t", actor=user)
    return {"Authorization": f"Bearer {plain}"}


def test_blind_api_never_names_the_applicant_and_a_conflicted_sheet_refuses_a_put(app, client, officer):
    call, orgs, props = closed_call_with_proposals(app, officer, blind=True)
    for _ in range(3):
        expert(SeatType.SOCIAL_SERVICE, officer=officer)
    with app.test_request_context():
        panel = panels.draw_panel(call, {"social_service": 3}, actor=officer)
    member = panel.members[0]
    services.declare(member, props[0], True, "曾任该机构理事", actor=member.user)
    services.declare(member, props[1], False, "", actor=member.user)
    headers = _bearer(member.user)
    db.session.commit()
    base = f"/api/v1/evaluation/members/{member.id}/sheets"
    bodies = [client.get("/api/v1/evaluation/assignments", headers=headers).get_data(as_text=True),
              client.get(f"{base}/{props[1].id}", headers=headers).get_data(as_text=True)]
    listed = json.loads(bodies[0])["items"][0]
    assert listed["blind"] is True and all(p["organisation"] is None for p in listed["proposals"])
    for body in bodies:
        for org in orgs:
            assert org.name not in body and org.uscc not in body and org.legal_representative not in body
    criterion = listed["criteria"][0]["id"]
    saved_before = db.session.scalar(select(func.count(AuditEvent.seq)).where(AuditEvent.action == "sheet.saved"))
    refused = client.put(f"{base}/{props[0].id}", json={"scores": {str(criterion): {"points": 5}}},
                         headers=headers)
    assert refused.status_code == 404
    assert db.session.scalar(select(ScoreSheet).where(ScoreSheet.member_id == member.id,
                                                      ScoreSheet.proposal_id == props[0].id)) is None
    assert db.session.scalar(select(func.count(AuditEvent.seq)).where(AuditEvent.action == "sheet.saved")) == \
        saved_before


def test_results_page_lists_sheets_per_member_and_reopens_the_chosen_one(app, client, officer, login_as):
    call, _orgs, props, _ranking = fully_scored(app, officer)
    sheets = list(db.session.scalars(select(ScoreSheet).where(ScoreSheet.proposal_id.in_([p.id for p in props]))))
    members = {s.member_id for s in sheets}
    chosen = sheets[-1]
    db.session.commit()
    login_as(officer)
    page = client.get(f"/evaluation/calls/{call.id}/results").get_data(as_text=True)
    table = page.split('id="sheets"', 1)[1].split("</table>", 1)[0]
    assert table.count('id="sheets-member-') == len(members)  # one row per member, not one per sheet
    assert table.count("<option ") == len(sheets)  # every submitted sheet can be chosen
    response = client.post("/evaluation/sheets/reopen", data={"sheet_id": chosen.id, "reason": "评语与分数不一致"})
    assert response.status_code == 302
    db.session.refresh(chosen)
    assert chosen.status == SheetStatus.DRAFT
    assert _last("sheet.reopened").target_id == str(chosen.id)
    assert client.post("/evaluation/sheets/reopen", data={"sheet_id": "9" * 30, "reason": "x"}).status_code == 404
