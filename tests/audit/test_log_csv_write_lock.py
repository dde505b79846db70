"""The audit log's CSV download writes its audit event during a GET: like the other audited downloads (a contract's
money, a programme's ledger, a settlement) it takes the write transaction first (core.db.ensure_write_transaction),
so SQLite never has to upgrade the GET's read snapshot to a write (SQLITE_BUSY under load)."""

from flask import g

from accounts.enums import Role
from audit import services as audit
from core.db import db
from tests.factories import make_user


def test_the_csv_download_takes_the_write_transaction_before_recording(client, session, login_as, monkeypatch):
    auditor = make_user(Role.AUDITOR)
    db.session.commit()
    login_as(auditor)
    seen = []
    record = audit.record

    def spy(action, *args, **kwargs):
        if action == "export.audit_log":
            seen.append(g.get("write_transaction", False))
        return record(action, *args, **kwargs)

    monkeypatch.setattr(audit, "record", spy)
    response = client.get("/audit/log.csv", buffered=True)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert seen == [True]  # recorded once, inside the write transaction
