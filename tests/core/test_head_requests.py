"""A HEAD request is a GET without the body: Flask sends it to the GET view. Views that told a form's submission from
its display by `request.method == "GET"` took a HEAD for a submission (a 422, and the save path run), so they ask
whether it was a POST instead."""

import re
from pathlib import Path

from sqlalchemy import func, select

from audit.models import AuditEvent
from core.db import db
from tests.vouchers.helpers import world

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("accounts", "audit", "core", "evaluation", "orgs", "projects", "vouchers")


def test_no_view_tells_a_submission_by_the_get_method():
    found = [f"{path.relative_to(ROOT)}:{number}"
             for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if re.search(r"request\.method\s*==\s*[\"']GET[\"']", line)]
    assert found == []


def test_head_on_a_record_with_a_form_answers_as_get_and_writes_nothing(client, session, login_as):
    w = world()
    db.session.commit()
    login_as(w.staff)
    events = db.session.scalar(select(func.count(AuditEvent.seq)))
    page = f"/vouchers/residents/{w.resident.id}"
    head, get = client.head(page), client.get(page)
    assert (head.status_code, get.status_code) == (200, 200) and head.get_data() == b""
    assert db.session.scalar(select(func.count(AuditEvent.seq))) == events
