"""Migration 0023: a need taken on before taking it on was always an entry of its thread (b572862) gets that entry,
with who took it on and when from the record (the need's own columns while it is still taken on, the audit trail once
it is closed), first in its thread; needs that have the entry, or were never taken on, are left as they are."""

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from accounts import needs
from accounts.enums import NeedStatus, Role
from accounts.need_models import ResidentNeed
from app import create_app
from audit.models import AuditEvent
from core.db import db
from tests.accounts.test_needs import raised, resident_user, staff_of
from tests.conftest import app_config
from tests.factories import make_user

BEFORE = "0022_need_replies"


def thread(need_id: int) -> list[tuple]:
    """The need's entries in the order the resident reads them (by id)."""
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT status, author_id, text, created_at FROM resident_need_replies WHERE need_id = :id ORDER BY id"),
            {"id": need_id})]


def as_before_b572862(*need_ids: int) -> None:
    """Drop the empty taking-on entries the old code never wrote."""
    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM resident_need_replies WHERE status = 'acknowledged' AND need_id IN "
                             f"({', '.join(str(i) for i in need_ids)})"))


@pytest.mark.committing
def test_needs_taken_on_without_an_entry_get_it_from_their_record(scratch_url, tmp_path):
    application = create_app(app_config(scratch_url, tmp_path))
    with application.app_context():
        upgrade(revision=BEFORE)
        staff, officer = staff_of("和平社区"), make_user(Role.OFFICER)
        with application.test_request_context():
            owner, profile = resident_user("和平社区")
            made = {name: raised(profile, owner, f"需求：{name}") for name in
                    ("quiet", "closed", "said_and_closed", "kept_reply", "new_quiet", "direct", "open")}
            for name in ("quiet", "closed", "new_quiet"):
                needs.transition_need(made[name], NeedStatus.ACKNOWLEDGED, actor=staff)
            needs.transition_need(made["said_and_closed"], NeedStatus.ACKNOWLEDGED, actor=staff, reply="周三上门")
            needs.transition_need(made["kept_reply"], NeedStatus.ACKNOWLEDGED, actor=staff, reply="明天联系您")
            for name in ("closed", "said_and_closed", "direct"):
                needs.transition_need(made[name], NeedStatus.CLOSED, actor=officer, reply="已处理")
        ids = {name: need.id for name, need in made.items()}
        user_ids = {"staff": staff.id, "officer": officer.id}
        db.session.commit()
        taken_at = {need_id: db.session.scalar(sa.select(AuditEvent.occurred_at).where(
            AuditEvent.action == "need.acknowledged", AuditEvent.target_id == str(need_id)))
            for need_id in (ids["closed"], ids["said_and_closed"])}
        quiet_at = db.session.get(ResidentNeed, ids["quiet"]).updated_at
        db.session.remove()
        # As the old code left them: taken on without a word (no entry); taken on with a reply and closed before 0022
        # (only the closing reply was carried into the thread).
        as_before_b572862(ids["quiet"], ids["closed"], ids["said_and_closed"])
        before = {name: thread(need_id) for name, need_id in ids.items()}

        upgrade()

        after = {name: thread(need_id) for name, need_id in ids.items()}
        staff_id, officer_id = user_ids["staff"], user_ids["officer"]
        # Still taken on: by its handler, when it last changed (the need's columns).
        assert [row[:3] for row in after["quiet"]] == [("acknowledged", staff_id, "")]
        # Closed since: by the audit event's actor at its time, first in the thread; the closing reply unchanged after.
        for name in ("closed", "said_and_closed"):
            assert [row[:3] for row in after[name]] == [("acknowledged", staff_id, ""),
                                                        ("closed", officer_id, "已处理")]
            assert after[name][1] == before[name][0]
        # Left as they were: the entry is there already, or the need was never taken on.
        for name in ("kept_reply", "new_quiet", "direct", "open"):
            assert after[name] == before[name], name
        assert [row[:3] for row in after["new_quiet"]] == [("acknowledged", staff_id, "")]
        assert after["open"] == []

        # The times, as the app reads them, and the order the resident's thread shows.
        for name, at in (("quiet", quiet_at), *((n, taken_at[ids[n]]) for n in ("closed", "said_and_closed"))):
            need = db.session.get(ResidentNeed, ids[name])
            assert need.replies[0].status == "acknowledged" and need.replies[0].created_at == at, name
            assert [r.status for r in need.replies] == (["acknowledged"] if name == "quiet"
                                                        else ["acknowledged", "closed"])
            assert need.reply == ("" if name == "quiet" else "已处理")  # (the latest written reply, as before)
        db.session.remove()

        # Downgrading keeps the entries (they cannot be told from the transition's own); upgrading again adds none.
        downgrade(revision=BEFORE)
        assert {name: thread(need_id) for name, need_id in ids.items()} == after
        upgrade()
        assert {name: thread(need_id) for name, need_id in ids.items()} == after
        db.engine.dispose()
