"""The QA walk of a suspended programme (暂停) as its residents and their community staff see it: the staff's record
of a resident shows the balance held in the paused programme, since when it is paused and that nothing of it can be
printed (it said 无余额); the residents holding a balance are told when it is paused and when it resumes (once each,
in one INSERT for all of them); the catalogue says the programme is paused (not that none is running); the vouchers
page says the vouchers wait, with the balance unchanged (not that they will "show here again" while listed below);
the code page says 核销码 as every other page does."""

import re

import pytest
from sqlalchemy import func, select

from accounts.notifications import Notification, notify_many
from core.db import db
from core.mail import OUTBOX
from tests.factories import logout, make_user, statements_during
from vouchers import issuance, programmes
from vouchers.enums import ProgrammeStatus

from .helpers import resident, world
from .test_programme_suspension import committed, resume, suspend
from .test_views import phone_resident

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}


@pytest.fixture
def paused(app, session):
    """A running programme, a resident who logs in holding its vouchers (¥200), then suspended."""
    def build():
        w = world()
        user, profile = phone_resident(w.staff, "王秀兰")
        issuance.issue_to_resident(w.programme, profile, actor=w.officer)
        w.resident = profile
        suspend(w)
        return w, user, None
    return committed(app, build)


def told(user_id: int, code: str) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user_id,
                                                              Notification.code == code)))


# --- 1. the staff's record of a resident ---------------------------------------------------------------------------

def test_staff_see_the_balance_held_in_a_paused_programme_and_that_it_cannot_be_printed(app, paused, client,
                                                                                         login_as):
    w, _user, _code = paused
    login_as(w.staff)
    page = client.get(f"/vouchers/residents/{w.resident.id}", headers=ZH).get_data(as_text=True)
    balance = re.search(r'<ul id="balance">(.*?)</ul>', page, re.S).group(1)
    assert "无余额" not in balance and 'id="nothing-to-print"' not in page
    held = re.search(rf'<li id="paused-balance-{w.programme.id}">(.*?)</li>', balance, re.S).group(1)
    assert w.programme.name in held and "¥200.00" in held and "已暂停" in held
    note = re.search(rf'<div class="alert alert-warning" id="paused-{w.programme.id}"[^>]*>(.*?)</div>', page,
                     re.S).group(1)
    since = programmes.suspension.since_text(w.programme)
    assert since in note and "暂停" in note and "不能打印" in note and "余额不变" in note
    assert 'id="print-form"' not in page
    english = client.get(f"/vouchers/residents/{w.resident.id}", headers=EN).get_data(as_text=True)
    assert "cannot be printed or used" in english and "No balance." not in english


def test_staff_of_a_resident_with_nothing_still_read_no_balance(app, session, client, login_as):
    def build():
        w = world()
        return w, resident(w.staff, community_name="和平社区")
    w, empty = committed(app, build)
    login_as(w.staff)
    page = client.get(f"/vouchers/residents/{empty.id}", headers=ZH).get_data(as_text=True)
    assert "无余额" in page and 'id="nothing-to-print"' in page and "paused-balance" not in page


# --- 2a. residents are told ------------------------------------------------------------------------------------------

def test_residents_holding_a_balance_are_told_once_when_paused_and_once_when_resumed(app, session):
    with app.test_request_context():
        w = world()
        holder, profile = phone_resident(w.staff, "赵桂珍")
        issuance.issue_to_resident(w.programme, profile, actor=w.officer)
        spent_user, spent = phone_resident(w.staff, "钱玉兰")  # holds nothing: told nothing
        suspend(w)
        paused = told(holder.id, "voucher.programme_paused_resident")
        assert len(paused) == 1 and paused[0].link == "/vouchers/me"
        since = programmes.suspension.since_text(w.programme)
        text = paused[0].text
        assert w.programme.name in text and since in text and "暂停" in text and "余额不变" in text
        assert told(w.resident.user_id, "voucher.programme_paused_resident")  # the world's resident holds some too
        assert not told(spent_user.id, "voucher.programme_paused_resident")
        assert not told(holder.id, "voucher.programme_resumed_resident")
        resume(w)
        assert len(told(holder.id, "voucher.programme_resumed_resident")) == 1
        assert len(told(holder.id, "voucher.programme_paused_resident")) == 1  # (not told again)
        assert "已恢复" in told(holder.id, "voucher.programme_resumed_resident")[0].text
        # a second suspension is a new one: told again, once
        suspend(w)
        assert len(told(holder.id, "voucher.programme_paused_resident")) == 2
        programmes.transition_programme(w.programme, ProgrammeStatus.CLOSED, actor=w.officer, reason="试点结束")
        assert len(told(holder.id, "voucher.programme_resumed_resident")) == 1  # closing is no resumption


def test_telling_residents_takes_the_same_statements_however_many_hold_a_balance(app, session):
    def statements_to_suspend(holders: int) -> int:
        with app.test_request_context():
            w = world()
            for n in range(holders):
                _user, profile = phone_resident(w.staff, f"居民{holders}-{n}")
                issuance.issue_to_resident(w.programme, profile, actor=w.officer)
            db.session.flush()
            statements, _ = statements_during(lambda: programmes.suspension.tell_residents(
                w.programme, ProgrammeStatus.ACTIVE, ProgrammeStatus.SUSPENDED))
            assert db.session.scalar(select(func.count(Notification.id)).where(
                Notification.code == "voucher.programme_paused_resident")) >= holders + 1
            db.session.rollback()
            return len(statements)
    assert statements_to_suspend(1) == statements_to_suspend(6)


def test_many_notices_are_one_insert_and_mail_those_with_an_address(app, session):
    app.config.update(SMTP_HOST="127.0.0.1")
    try:
        with app.test_request_context():
            readers = [make_user(), make_user(), make_user()]
            readers[1].email = None
            db.session.flush()
            statements, count = statements_during(lambda: notify_many(
                [u.id for u in readers] + [readers[0].id], "voucher.programme_resumed_resident", link="/vouchers/me",
                programme="助餐券"))
            assert count == 3 and sum(s.lstrip().upper().startswith("INSERT") for s in statements) == 1
            assert len(statements) == 2  # the insert, the addresses
            mailed = [to for to, _subject, _body in db.session.info.get(OUTBOX, [])]
            assert sorted(mailed) == sorted(u.email for u in readers if u.email)
            db.session.info.pop(OUTBOX, None)
    finally:
        app.config.update(SMTP_HOST=None)
    assert notify_many([], "voucher.programme_resumed_resident") == 0


# --- 2b–d. the resident's pages --------------------------------------------------------------------------------------

def test_the_catalogue_says_the_programme_is_paused(app, paused, client, login_as):
    w, user, _code = paused
    login_as(user)
    page = client.get("/vouchers/catalogue", headers=ZH).get_data(as_text=True)
    note = re.search(rf'id="catalogue-paused-{w.programme.id}"[^>]*>(.*?)</div>', page, re.S).group(1)
    assert w.programme.name in note and "暂停" in note and programmes.suspension.since_text(w.programme) in note
    assert "余额不变" in note and "目前没有进行中的服务券项目" not in page
    logout(client)
    login_as(w.officer)
    page = client.get("/vouchers/catalogue", headers=ZH).get_data(as_text=True)
    assert f'id="catalogue-paused-{w.programme.id}"' in page and "余额不变" not in page  # (not theirs to keep)


def test_the_vouchers_page_says_the_vouchers_wait_with_the_balance_unchanged(app, paused, client, login_as):
    w, user, _code = paused
    login_as(user)
    page = client.get("/vouchers/me", headers=ZH).get_data(as_text=True)
    card = re.search(rf'id="paused-{w.programme.id}".*?</div></div>', page, re.S).group(0)
    assert "暂停期间服务券不能使用" in card and "照常使用" in card and "余额不变" in card
    assert "重新显示" not in page


def test_the_code_page_of_a_paused_code_says_heixiaoma(app, paused, client, login_as):
    w, user, _code = paused
    login_as(user)
    with app.test_request_context():
        resume(w)
        db.session.commit()
    client.post("/vouchers/me/code", data={"programme_id": str(w.programme.id)})
    assert 'id="one-time-code"' in client.get("/vouchers/me/code").get_data(as_text=True)
    with app.test_request_context():
        suspend(w)
        db.session.commit()
    page = client.get("/vouchers/me/code", headers=ZH).get_data(as_text=True)
    said = re.search(r'id="code-paused".*?</div>', page, re.S).group(0)
    assert "核销码" in said and "券码" not in said.replace("核销码", "")
