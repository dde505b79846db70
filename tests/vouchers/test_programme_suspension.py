"""A running programme is suspended (暂停) for a reason and resumed (恢复). While suspended: no code for a resident, no
redemption, no issuance, no issue request (409 programme_suspended where the refusal has its own status), and
nothing changes; disputes and ratings of past redemptions go on; vouchers keep their expiry. Resuming restores it
all. The pages say so; the audit trail records both changes with the reason; the providers' members are told.
Migration 0031 allows the state and its columns, and goes back when no programme is suspended."""

import json
import re

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from accounts.notifications import Notification
from accounts.residents import ResidentData, register_without_phone
from app import create_app
from core.db import db
from core.errors import Conflict, ServiceError
from tests.conftest import app_config
from tests.factories import logout, statements_during
from tests.orgs.helpers import community
from vouchers import catalogue, disputes, issuance, issue_requests, programmes, redemption
from vouchers.enums import ProgrammeStatus
from vouchers.models import IssuanceBatch, Programme, Voucher
from vouchers.redemption_models import LedgerEntry, Redemption, RedemptionCode

from .helpers import events, id_number, programme_data, resident, world
from .test_api import bearer
from .test_views import phone_resident

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}
DRAFT, ACTIVE, SUSPENDED, CLOSED = (ProgrammeStatus.DRAFT, ProgrammeStatus.ACTIVE, ProgrammeStatus.SUSPENDED,
                                    ProgrammeStatus.CLOSED)


def committed(app, build):
    with app.test_request_context():
        made = build()
    db.session.commit()
    return made


def suspend(w, reason="涉嫌套现，正在调查"):
    programmes.transition_programme(w.programme, SUSPENDED, actor=w.officer, reason=reason)


def resume(w):
    programmes.transition_programme(w.programme, ACTIVE, actor=w.officer)


def in_state(w, state: ProgrammeStatus) -> Programme:
    """w's programme in state (draft: a new one)."""
    if state is DRAFT:
        return programmes.create_programme(programme_data(name="草稿项目"), actor=w.officer)
    if state is SUSPENDED:
        suspend(w)
    if state is CLOSED:
        programmes.transition_programme(w.programme, CLOSED, actor=w.officer, reason="试点期满")
    return w.programme


def state_of(programme_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Programme, programme_id).status


def money_state(w) -> tuple:
    """What a refused action must leave as it was: balances, ledger rows, codes, redemptions, vouchers, batches."""
    db.session.expire_all()
    return (tuple(db.session.scalars(select(Voucher.balance_fen).where(Voucher.resident_id == w.resident.id)
                                     .order_by(Voucher.id))),
            db.session.scalar(select(func.count(LedgerEntry.id))),
            tuple(db.session.execute(select(RedemptionCode.id, RedemptionCode.used_at).order_by(RedemptionCode.id))),
            db.session.scalar(select(func.count(Redemption.id))), db.session.scalar(select(func.count(Voucher.id))),
            db.session.scalar(select(func.count(IssuanceBatch.id))))


# --- the transition table ---------------------------------------------------------------------------------------

TABLE = [(DRAFT, ACTIVE, True), (DRAFT, SUSPENDED, False), (DRAFT, CLOSED, False),
         (ACTIVE, SUSPENDED, True), (ACTIVE, CLOSED, True), (ACTIVE, DRAFT, False),
         (SUSPENDED, ACTIVE, True), (SUSPENDED, CLOSED, True), (SUSPENDED, DRAFT, False),
         (CLOSED, ACTIVE, False), (CLOSED, SUSPENDED, False)]
ACTIONS = {ACTIVE: "voucher_programme.active", SUSPENDED: "voucher_programme.suspended",
           CLOSED: "voucher_programme.closed"}


@pytest.mark.parametrize(("start", "to", "allowed"), TABLE)
def test_the_transition_table(app, session, start, to, allowed):
    with app.test_request_context():
        w = world()
        programme = in_state(w, start)
        before = [e.seq for e in events(ACTIONS.get(to, "voucher_programme.resumed"))]
        if not allowed:
            with pytest.raises(Conflict):
                programmes.transition_programme(programme, to, actor=w.officer, reason="原因")
            assert state_of(programme.id) == start.value
            return
        programmes.transition_programme(programme, to, actor=w.officer, reason="原因")
    assert state_of(programme.id) == to.value
    action = "voucher_programme.resumed" if start is SUSPENDED and to is ACTIVE else ACTIONS[to]
    [event] = [e for e in events(action) if e.seq not in before]
    assert event.target_id == str(programme.id) and event.actor_id == w.officer.id
    data = json.loads(event.data)
    assert (data["from"], data["to"], data["reason"]) == (start.value, to.value, "原因")


def test_suspending_needs_a_reason_of_at_most_2000_characters_and_changes_nothing_without(app, session):
    with app.test_request_context():
        w = world()
        for reason, said in (("  ", "请填写暂停项目的原因。"), ("查" * 2001, "2000")):
            with pytest.raises(ServiceError) as refused:
                programmes.transition_programme(w.programme, SUSPENDED, actor=w.officer, reason=reason)
            assert said in refused.value.fields["reason"]
        assert state_of(w.programme.id) == "active" and not events("voucher_programme.suspended")
        programmes.transition_programme(w.programme, SUSPENDED, actor=w.officer, reason="查" * 2000)
    assert state_of(w.programme.id) == "suspended"


def test_only_officers_suspend_and_resume(app, session):
    from core.errors import Forbidden

    with app.test_request_context():
        w = world()
        with pytest.raises(Forbidden):
            programmes.transition_programme(w.programme, SUSPENDED, actor=w.manager, reason="x")
        suspend(w)
        with pytest.raises(Forbidden):
            programmes.transition_programme(w.programme, ACTIVE, actor=w.staff)
    assert state_of(w.programme.id) == "suspended"


def test_suspension_records_who_and_when_resuming_keeps_the_start_and_the_providers_are_told(app, session):
    with app.test_request_context():
        w = world()
        started = w.programme.activated_at
        suspend(w)
        assert w.programme.suspended_by_id == w.officer.id and w.programme.suspended_at is not None
        assert w.programme.status_reason == "涉嫌套现，正在调查" and w.programme.closed_at is None
        told = list(db.session.scalars(select(Notification).where(Notification.user_id == w.manager.id,
                                                                  Notification.code.like("voucher.programme_%"))))
        assert [n.code for n in told] == ["voucher.programme_suspended"]
        assert "涉嫌套现，正在调查" in told[0].text and w.programme.name in told[0].text
        resume(w)
        assert w.programme.activated_at == started and w.programme.suspended_at is None
        assert w.programme.suspended_by_id is None
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == w.manager.id, Notification.code == "voucher.programme_resumed")) == 1


# --- refused while suspended, restored on resuming ------------------------------------------------------------------

@pytest.fixture
def paused(app, session):
    """A running programme, a resident who logs in holding its vouchers, a live code of theirs, then suspended."""
    def build():
        w = world()
        user, profile = phone_resident(w.staff, "王秀兰")
        issuance.issue_to_resident(w.programme, profile, actor=w.officer)
        w.resident = profile
        code, _row = redemption.issue_code(profile, actor=user)
        suspend(w)
        return w, user, code
    return committed(app, build)


def test_a_resident_gets_no_code_on_the_page_or_the_api(paused, client, login_as):
    w, user, _code = paused
    before = money_state(w)
    login_as(user)
    page = client.post("/vouchers/me/code", data={"programme_id": str(w.programme.id)}, headers=ZH)
    # (the code form offers only programmes with a balance to spend, so it refuses the choice itself, 422, before
    # issue_code would answer 409; the page names the suspension beside what the resident holds there)
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "已暂停" in text and "不会延长" in text and 'id="one-time-code"' not in text
    assert f'id="paused-{w.programme.id}"' in text
    for body in ({"programme_id": w.programme.id}, {}):
        answer = client.post("/api/v1/vouchers/codes", headers={**bearer(user), **EN}, json=body)
        assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "programme_suspended"
        assert "suspended" in answer.get_json()["error"]["message"]
    assert money_state(w) == before


def test_a_provider_cannot_redeem_on_the_page_or_the_api(paused, client, login_as):
    w, _user, code = paused
    before = money_state(w)
    login_as(w.manager)
    data = {"code": code, "service_id": str(w.service.id), "amount_fen": "50", "idempotency_key": "k-1"}
    page = client.post(f"/vouchers/provider/{w.org.id}/redeem", data=data, headers=ZH)
    assert page.status_code == 409 and "已暂停" in page.get_data(as_text=True)
    api = client.post("/api/v1/vouchers/redemptions", headers=bearer(w.manager),
                      json={"code": code, "service_id": w.service.id, "amount_fen": 5000, "idempotency_key": "k-2"})
    assert api.status_code == 409 and api.get_json()["error"]["code"] == "programme_suspended"
    assert money_state(w) == before and not events("voucher.redeemed")


def test_no_issuance_and_no_issue_request_while_suspended(app, paused, client, login_as):
    w, _user, _code = paused
    number = id_number()
    newcomer = committed(app, lambda: register_without_phone(
        ResidentData("新居民", number, community("和平社区").id), actor=w.staff))
    before = money_state(w)
    login_as(w.officer)
    batch = client.post(f"/vouchers/programmes/{w.programme.id}/batches", data={"period": ""}, headers=ZH)
    assert batch.status_code == 422 and "已暂停" in batch.get_data(as_text=True)
    one = client.post(f"/vouchers/programmes/{w.programme.id}/issue",
                      data={"id_number": number, "period": programmes.period_of()}, headers=ZH)
    assert one.status_code == 422 and 'id="issue-refused"' in one.get_data(as_text=True)
    assert "已暂停" in one.get_data(as_text=True)
    with app.test_request_context(), pytest.raises(Conflict) as refused:
        issuance.issue_to_resident(w.programme, newcomer, actor=w.officer)
    assert refused.value.code == "programme_suspended"
    with app.test_request_context(), pytest.raises(Conflict) as asked:
        issue_requests.request_issuance(w.programme, newcomer, actor=w.staff)
    assert asked.value.code == "programme_suspended"
    logout(client)
    login_as(w.staff)
    client.post(f"/vouchers/residents/{newcomer.id}/issue-request/{w.programme.id}")
    assert money_state(w) == before and events(issue_requests.REQUESTED) == []


def test_disputes_and_ratings_of_past_redemptions_go_on(app, session):
    def build():
        w = world()
        code, _row = redemption.issue_code(w.resident, actor=w.staff)
        done = redemption.redeem(code, w.service, 3000, "k-1", actor=w.manager).redemption
        suspend(w)
        dispute = disputes.raise_dispute(done, "没有上门", actor=w.staff)
        rating = catalogue.rate(done, 2, "迟到", actor=w.staff)
        return dispute, rating
    dispute, rating = committed(app, build)
    assert dispute.id and rating.stars == 2


def test_resuming_restores_codes_redemption_and_issuance(app, paused, client, login_as):
    w, user, code = paused
    committed(app, lambda: resume(w))
    login_as(w.manager)
    api = client.post("/api/v1/vouchers/redemptions", headers=bearer(w.manager),
                      json={"code": code, "service_id": w.service.id, "amount_fen": 5000, "idempotency_key": "k-3"})
    assert api.status_code == 201  # the code given before the suspension, still live
    answer = client.post("/api/v1/vouchers/codes", headers=bearer(user), json={"programme_id": w.programme.id})
    assert answer.status_code == 201
    newcomer = committed(app, lambda: resident(w.staff))
    assert committed(app, lambda: issuance.issue_to_resident(w.programme, newcomer, actor=w.officer))


def test_a_refused_redemption_runs_no_more_statements_than_before(app, session):
    """The suspension is read from the programme the code's query loads anyway: a redemption runs as many
    statements as before (tests/vouchers/test_codes_and_limits.py: 11 on SQLite, 9 on PostgreSQL)."""
    with app.test_request_context():
        w = world(resident_cap_fen=20_000, provider_cap_fen=1_000_000)
        code, _row = redemption.issue_code(w.resident, actor=w.staff)
        statements, _done = statements_during(lambda: redemption.redeem(code, w.service, 3000, "k-1",
                                                                         actor=w.manager))
        assert len(statements) == (9 if db.engine.dialect.name == "postgresql" else 11)
        code, _row = redemption.issue_code(w.resident, actor=w.staff)
        suspend(w)
        refused = []

        def attempt():
            try:
                redemption.redeem(code, w.service, 3000, "k-2", actor=w.manager)
            except Conflict as exc:
                refused.append(exc.code)
        statements, _none = statements_during(attempt)
    assert refused == ["programme_suspended"] and len(statements) <= 3


# --- the pages ----------------------------------------------------------------------------------------------------

def test_the_pages_say_it_is_suspended(app, paused, client, login_as):
    w, user, _code = paused
    login_as(w.officer)
    page = client.get(f"/vouchers/programmes/{w.programme.id}", headers=ZH).get_data(as_text=True)
    assert 'id="programme-status">已暂停<' in page and 'id="programme-suspended"' in page
    assert "涉嫌套现，正在调查" in page and w.officer.display_name in page and 'id="resume"' in page
    assert "开始" in re.search(r'id="programme-dates">(.*?)</p>', page, re.S).group(1)
    assert "不会延长" in page and 'id="start-batch"' not in page and 'id="close"' in page
    listing = client.get("/vouchers/programmes", headers=ZH).get_data(as_text=True)
    assert f'id="suspended-{w.programme.id}">已暂停<' in listing
    english = client.get(f"/vouchers/programmes/{w.programme.id}", headers=EN).get_data(as_text=True)
    assert "This programme is suspended" in english and "Resume the programme" in english
    logout(client)
    login_as(user)
    mine = client.get("/vouchers/me", headers=ZH).get_data(as_text=True)
    assert f'id="paused-{w.programme.id}"' in mine and "暂停" in mine and "不会延长" in mine
    assert 'id="get-code"' not in mine
    catalogue_page = client.get("/vouchers/catalogue", headers=ZH).get_data(as_text=True)
    assert w.service.name not in catalogue_page  # hidden while suspended
    logout(client)
    login_as(w.manager)
    provider = client.get(f"/vouchers/provider/{w.org.id}", headers=ZH).get_data(as_text=True)
    assert f'id="paused-programme-{w.programme.id}"' in provider and "暂停" in provider


def test_suspend_and_resume_buttons(app, session, client, login_as):
    w = committed(app, world)
    login_as(w.officer)
    path = f"/vouchers/programmes/{w.programme.id}"
    page = client.get(path, headers=ZH).get_data(as_text=True)
    assert 'id="suspend-form"' in page and 'id="programme-dates"' in page
    blank = client.post(f"{path}/suspend", data={"reason": " "}, headers=ZH)
    assert blank.status_code == 422 and "请填写暂停项目的原因。" in blank.get_data(as_text=True)
    assert state_of(w.programme.id) == "active"
    done = client.post(f"{path}/suspend", data={"reason": "预算冻结"}, headers=ZH)
    assert done.status_code == 302 and state_of(w.programme.id) == "suspended"
    assert client.post(f"{path}/suspend", data={"reason": "again"}).status_code == 302  # refused, flashed
    assert len(events("voucher_programme.suspended")) == 1
    assert client.post(f"{path}/resume", headers=ZH).status_code == 302
    assert state_of(w.programme.id) == "active" and len(events("voucher_programme.resumed")) == 1
    logout(client)
    login_as(w.manager)
    assert client.post(f"{path}/suspend", data={"reason": "x"}).status_code in (403, 404)
    assert state_of(w.programme.id) == "active"


def test_a_closed_programme_shows_when_it_started_and_why_it_closed(app, session, client, login_as):
    w = committed(app, world)
    committed(app, lambda: programmes.transition_programme(w.programme, CLOSED, actor=w.officer, reason="试点期满"))
    login_as(w.officer)
    page = client.get(f"/vouchers/programmes/{w.programme.id}", headers=ZH).get_data(as_text=True)
    dates = re.search(r'id="programme-dates">(.*?)</p>', page, re.S).group(1)
    assert "试点期满" in dates and 'id="programme-closed"' in dates


# --- migration 0031 -------------------------------------------------------------------------------------------------

BEFORE = "0030_tranche_deduction"


def _programme_row(conn, status: str) -> None:
    conn.execute(sa.text(
        "INSERT INTO voucher_programmes (id, name, description, status, budget_fen, allocated_fen, face_value_fen, "
        "vouchers_per_period, required_tags, tags_mode, validity_days, provider_mode, status_reason, created_at) "
        "VALUES (1, 'p', '', :status, 100, 0, 10, 1, '[]', 'any', 30, 'open', '', CURRENT_TIMESTAMP)"),
        {"status": status})


@pytest.mark.committing
def test_the_migration_allows_suspended_and_goes_back_when_none_is(scratch_url, tmp_path):
    application = create_app(app_config(scratch_url, tmp_path))
    with application.app_context():
        upgrade(revision=BEFORE)
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            _programme_row(conn, "suspended")
        with db.engine.begin() as conn:
            _programme_row(conn, "active")
        upgrade()
        with db.engine.begin() as conn:  # (the row stays, and may now be suspended)
            conn.execute(sa.text("UPDATE voucher_programmes SET status = 'suspended', suspended_at = "
                                 "CURRENT_TIMESTAMP WHERE id = 1"))
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE voucher_programmes SET status = 'paused' WHERE id = 1"))
        with pytest.raises(SystemExit):  # (flask_migrate logs the RuntimeError and exits)
            downgrade(revision=BEFORE)
        db.engine.dispose()
        with db.engine.begin() as conn:
            assert conn.scalar(sa.text("SELECT status FROM voucher_programmes")) == "suspended"
            conn.execute(sa.text("UPDATE voucher_programmes SET status = 'active', suspended_at = NULL"))
        downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("voucher_programmes")}
            status = conn.scalar(sa.text("SELECT status FROM voucher_programmes"))
        assert not {"suspended_at", "suspended_by_id"} & columns and status == "active"
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE voucher_programmes SET status = 'suspended' WHERE id = 1"))
        upgrade()  # and up again
        with db.engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("voucher_programmes")}
        db.engine.dispose()
    assert {"suspended_at", "suspended_by_id"} <= columns


def test_the_start_button_of_a_suspended_programme_says_resumed(app, paused, client, login_as):
    w, _user, _code = paused
    login_as(w.officer)
    page = client.post(f"/vouchers/programmes/{w.programme.id}/status/active", data={"reason": ""},
                       headers={"Accept-Language": "en"}, follow_redirects=True).get_data(as_text=True)
    assert "Programme resumed." in page and "Programme started." not in page
    assert state_of(w.programme.id) == "active"
