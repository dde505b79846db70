"""A need keeps every reply (the one written taking it on, the one closing it), in order, with who wrote it and the
status it came with: on the need's page (resident and staff), the resident's list, the API's need record; the
migration carries a need's one earlier reply into the thread."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from accounts import needs
from accounts.enums import NeedStatus, Role
from accounts.need_models import NeedReply, ResidentNeed
from app import create_app
from core.db import db
from tests.accounts.test_needs import raised, resident_user, staff_of
from tests.accounts.test_needs_api import API, bearer
from tests.conftest import app_config
from tests.factories import make_user, statements_during

TAKEN_ON, CLOSED = "已收到，周三上门查看", "已联系物业，水管已修好"


@pytest.fixture
def answered(app, session):
    """A need of 和平社区 taken on with a reply by its staff, then closed with another by an officer."""
    staff, officer = staff_of("和平社区"), make_user(Role.OFFICER)
    with app.test_request_context():
        owner, profile = resident_user("和平社区")
        need = raised(profile, owner)
        needs.transition_need(need, NeedStatus.ACKNOWLEDGED, actor=staff, reply=TAKEN_ON)
        needs.transition_need(need, NeedStatus.CLOSED, actor=officer, reply=CLOSED)
    db.session.commit()
    return {"need": need, "owner": owner, "staff": staff, "officer": officer}


def test_the_thread_keeps_both_replies_in_order(answered):
    db.session.expire_all()
    need = db.session.get(ResidentNeed, answered["need"].id)
    assert [(r.text, r.status, r.author_id) for r in need.replies] == [
        (TAKEN_ON, "acknowledged", answered["staff"].id), (CLOSED, "closed", answered["officer"].id)]
    assert need.reply == CLOSED and need.status == "closed"


def test_taking_a_need_on_without_a_reply_is_an_entry_of_the_thread(app, session):
    staff = staff_of("和平社区")
    with app.test_request_context():
        owner, profile = resident_user("和平社区")
        need = raised(profile, owner)
        needs.transition_need(need, NeedStatus.ACKNOWLEDGED, actor=staff, reply="  ")
        assert [(r.text, r.status, r.author_id) for r in need.replies] == [("", "acknowledged", staff.id)]
        assert need.reply == ""  # nothing written yet
        needs.transition_need(need, NeedStatus.CLOSED, actor=staff, reply="已处理")
    assert [(r.text, r.status) for r in need.replies] == [("", "acknowledged"), ("已处理", "closed")]
    assert need.reply == "已处理" and need.replies[0].created_at <= need.replies[1].created_at
    assert db.session.scalar(sa.select(sa.func.count(NeedReply.id))) == 2


def test_the_resident_sees_who_took_their_need_on_without_a_reply_and_when(app, session, client, login_as):
    staff = staff_of("和平社区")
    with app.test_request_context():
        owner, profile = resident_user("和平社区")
        need = raised(profile, owner)
    db.session.commit()
    login_as(staff)
    assert client.post(f"/needs/{need.id}", data={"to": "acknowledged", "reply": ""}).status_code == 302
    client.post("/logout")
    login_as(owner)
    db.session.expire_all()
    taken = db.session.get(ResidentNeed, need.id).replies[0]
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        when = str(app.jinja_env.filters["localtime"](taken.created_at))
    for path, thread in ((f"/needs/{need.id}", 'id="need-replies"'), ("/needs/mine", 'id="my-needs"')):
        page = client.get(path, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
        entry = page[page.index(thread):]
        entry = entry[entry.index("need-reply"):]
        for shown in (staff.display_name, "处理中", when, "已受理这项需求。"):  # who, what, when
            assert shown in entry, (path, shown)
    [record] = client.get(f"{API}/needs/mine", headers=bearer(owner)).get_json()["items"]
    assert [(r["text"], r["status"], r["author"]) for r in record["replies"]] == [
        ("", "acknowledged", staff.display_name)]
    assert record["replies"][0]["created_at"] and record["reply"] == ""


def _in_order(page: str, *texts: str) -> bool:
    places = [page.find(t) for t in texts]
    return all(p >= 0 for p in places) and places == sorted(places)


def test_the_needs_page_shows_the_thread_to_the_resident_and_the_staff(answered, client, login_as):
    need = answered["need"]
    login_as(answered["staff"])
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    thread = page[page.index('id="need-replies"'):]
    assert _in_order(thread, TAKEN_ON, CLOSED) and thread.count('class="card mb-2 need-reply"') == 2
    assert answered["staff"].display_name in thread and answered["officer"].display_name in thread
    client.post("/logout")
    login_as(answered["owner"])
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert _in_order(page[page.index('id="need-replies"'):], TAKEN_ON, CLOSED)
    mine = client.get("/needs/mine").get_data(as_text=True)
    assert _in_order(mine[mine.index('id="my-needs"'):], TAKEN_ON, CLOSED) and mine.count("need-reply") == 2


def test_the_api_record_has_every_reply(answered, client):
    owner = answered["owner"]
    expected = [{"text": TAKEN_ON, "status": "acknowledged", "author": answered["staff"].display_name},
                {"text": CLOSED, "status": "closed", "author": answered["officer"].display_name}]

    def shown(record):
        assert record["reply"] == CLOSED and all(r["created_at"] for r in record["replies"])
        return [{k: r[k] for k in ("text", "status", "author")} for r in record["replies"]]

    [record] = client.get(f"{API}/needs/mine", headers=bearer(owner)).get_json()["items"]
    assert shown(record) == expected
    [record] = client.get(f"{API}/needs", headers=bearer(answered["staff"])).get_json()["items"]
    assert shown(record) == expected
    spec = client.get(f"{API}/openapi.json").get_json()["components"]["schemas"]
    assert "replies" in spec["ResidentNeed"]["required"]
    assert set(spec["ResidentNeedReply"]["properties"]) == {"text", "status", "author", "created_at"}


def test_the_api_answer_returns_the_thread(app, session, client):
    staff = staff_of("和平社区")
    with app.test_request_context():
        owner, profile = resident_user("和平社区")
        need = raised(profile, owner)
    db.session.commit()
    headers = bearer(staff)
    taken = client.post(f"{API}/needs/{need.id}/acknowledge", headers=headers, json={"reply": TAKEN_ON}).get_json()
    assert [r["text"] for r in taken["replies"]] == [TAKEN_ON]
    closed = client.post(f"{API}/needs/{need.id}/close", headers=headers, json={"reply": CLOSED}).get_json()
    assert [(r["text"], r["status"]) for r in closed["replies"]] == [(TAKEN_ON, "acknowledged"), (CLOSED, "closed")]


@pytest.mark.committing
def test_the_migration_carries_each_needs_reply_into_the_thread(scratch_url, tmp_path):
    from importlib import import_module

    before = import_module("migrations.versions.0022_need_replies").down_revision
    application = create_app(app_config(scratch_url, tmp_path))
    at = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    with application.app_context():
        upgrade(revision=before)
        with db.engine.begin() as conn:
            def insert(sql, **values):
                return conn.execute(sa.text(sql + " RETURNING id"), values).scalar_one()

            user_row = "INSERT INTO users (username, display_name, password_hash, session_nonce, active, created_at) " \
                       "VALUES (:u, :u, 'x', 'n', true, :at)"
            resident, handler = insert(user_row, u="h12-resident", at=at), insert(user_row, u="h12-staff", at=at)
            place = insert("INSERT INTO communities (name, street, district) VALUES ('h12社区', 'h12街道', 'h12区')")
            profile = insert(
                "INSERT INTO resident_profiles (user_id, status, real_name, id_number_enc, id_hash, id_masked, "
                "birth_date, community_id, address, note, created_at) VALUES (:user, 'verified', '居民', 'x', 'h', "
                "'m', :birth, :place, '', '', :at)", user=resident, birth=datetime(1950, 1, 1).date(), place=place,
                at=at)
            need_row = "INSERT INTO resident_needs (resident_id, community_id, category, description, wants_contact, " \
                       "status, reply, handled_by_id, created_at, updated_at) VALUES (:profile, :place, 'meals', " \
                       "'送餐', false, :status, :reply, :handler, :at, :updated)"
            made = (("closed", "已送餐"), ("acknowledged", "明天联系您"), ("open", ""), ("acknowledged", ""))
            ids = [insert(need_row, profile=profile, place=place, status=status, reply=reply,
                          handler=handler if status != "open" else None, at=at, updated=at.replace(hour=9 + n))
                   for n, (status, reply) in enumerate(made)]
        upgrade(revision="0022_need_replies")  # (the next one backfills the entry of a need taken on without a reply)
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT r.need_id, r.author_id, r.text, r.status, r.created_at = n.updated_at AS when_changed "
                "FROM resident_need_replies r JOIN resident_needs n ON n.id = r.need_id ORDER BY r.id")).all()
            columns = {c["name"] for c in sa.inspect(conn).get_columns("resident_needs")}
        assert [tuple(r) for r in rows] == [(ids[0], handler, "已送餐", "closed", True),
                                            (ids[1], handler, "明天联系您", "acknowledged", True)]
        assert "reply" not in columns
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:  # its CHECKs survive the column's drop
            conn.execute(sa.text("UPDATE resident_needs SET status = 'lost' WHERE id = :id"), {"id": ids[2]})
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO resident_need_replies (need_id, author_id, text, status, created_at) "
                                 "VALUES (:id, :handler, '已送到', 'closed', :at)"),
                         {"id": ids[0], "handler": handler, "at": at.replace(hour=12)})
        downgrade(revision=before)
        with db.engine.connect() as conn:
            replies = dict(conn.execute(sa.text("SELECT id, reply FROM resident_needs")).all())
        assert replies == {ids[0]: "已送到", ids[1]: "明天联系您", ids[2]: "", ids[3]: ""}  # the latest reply
        db.engine.dispose()


def test_the_api_list_loads_the_replies_in_one_query_however_many_needs(app, session, client):
    staff = staff_of("和平社区")
    with app.test_request_context():
        owner, profile = resident_user("和平社区")
        for n in range(3):
            need = raised(profile, owner, f"需求{n}")
            needs.transition_need(need, NeedStatus.ACKNOWLEDGED, actor=staff, reply=f"收到{n}")
            needs.transition_need(need, NeedStatus.CLOSED, actor=staff, reply=f"已办{n}")
    db.session.commit()
    headers = bearer(owner)

    def statements(per_page):
        seen, response = statements_during(lambda: client.get(f"{API}/needs/mine?per_page={per_page}",
                                                              headers=headers))
        assert len(response.get_json()["items"]) == per_page
        return len(seen)

    statements(1)  # the token's first use records it (once)
    assert statements(1) == statements(3)
    items = client.get(f"{API}/needs/mine", headers=headers).get_json()["items"]
    assert [[r["text"] for r in i["replies"]] for i in items] == [[f"收到{n}", f"已办{n}"] for n in (2, 1, 0)]
