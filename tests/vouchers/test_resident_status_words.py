"""A suspended resident's status in Chinese: 已暂停. It was 暂停活动 (activities halted), the translation of an
organisation's 'Suspended', which shares the English word; beside a resident's name it read as nonsense."""

from accounts.enums import Role
from accounts.residents import transition_resident
from core.db import db
from orgs.enums import OrgStatus
from tests.factories import make_user

from .helpers import resident


def test_a_suspended_resident_reads_as_suspended_in_chinese_and_english(app, client, login_as, session):
    staff = make_user(Role.COMMUNITY_STAFF)
    with app.test_request_context():
        suspended = resident(staff)
        transition_resident(suspended, "suspended", actor=staff, reason="搬离本社区")
    db.session.commit()
    login_as(staff)
    page = client.get(f"/vouchers/residents/{suspended.id}").get_data(as_text=True)
    badge = page.split('id="resident-status">')[1].split("<")[0]
    assert badge == "已暂停"
    listing = client.get("/vouchers/residents?status=suspended").get_data(as_text=True)
    assert "<option value=\"suspended\" selected>已暂停</option>" in listing and "暂停活动" not in listing
    english = client.get(f"/vouchers/residents/{suspended.id}", headers={"Accept-Language": "en"})
    assert english.get_data(as_text=True).split('id="resident-status">')[1].split("<")[0] == "Suspended"
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert OrgStatus.SUSPENDED.label == "暂停活动"  # an organisation's stays as it was
