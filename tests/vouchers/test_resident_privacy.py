"""Community staff asking for a resident of a community they do not look after get a 404, the answer for a resident
who does not exist, on every page of the resident's record (the record, verifying or suspending, a new password,
printing vouchers) as on the redemptions' (rating, disputing): who is registered, or was served, elsewhere is
personal data (DESIGN.md rule 6; core.permissions.require_visible). Someone who manages no residents at all is
refused (403) before any lookup, whether the resident exists or not. Nothing changes either way."""

import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from accounts.resident_models import ResidentProfile
from audit.models import AuditEvent
from core.db import db
from tests.factories import make_user
from tests.vouchers.helpers import world
from tests.vouchers.test_staff_communities import staff_of
from vouchers import redemption
from vouchers.redemption_models import Dispute, Rating, RedemptionCode

MISSING = 99_999_999


@pytest.fixture
def served(app, session):
    """A resident of 和平社区 holding vouchers, with one redemption: (resident, redemption)."""
    with app.test_request_context():
        w = world()
        code, _row = redemption.issue_code(w.resident, actor=w.staff)
        made = redemption.redeem(code, w.service, 3000, "privacy-1", actor=w.manager).redemption
    db.session.commit()
    return w.resident, made


def answers(client, resident_id: int, redemption_id: int) -> dict:
    return {
        "record": client.get(f"/vouchers/residents/{resident_id}").status_code,
        "correct": client.post(f"/vouchers/residents/{resident_id}", data={"real_name": "改名"}).status_code,
        "suspend": client.post(f"/vouchers/residents/{resident_id}/status/suspended",
                               data={"reason": "搬走了"}).status_code,
        "password": client.post(f"/vouchers/residents/{resident_id}/password",
                                data={"reset-password": "correct-horse-9", "reset-confirm": "correct-horse-9"})
        .status_code,
        "print": client.post(f"/vouchers/residents/{resident_id}/print").status_code,
        "rate": client.post(f"/vouchers/redemptions/{redemption_id}/rate", data={"stars": "5"}).status_code,
        "dispute": client.post(f"/vouchers/redemptions/{redemption_id}/dispute", data={"reason": "没来"}).status_code,
    }


def written() -> tuple:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (AuditEvent, Rating, Dispute, RedemptionCode))


def test_staff_of_another_community_get_the_answer_for_no_such_resident(served, client, login_as):
    resident, made = served
    elsewhere = staff_of("光明社区")
    db.session.commit()
    login_as(elsewhere)
    before = written()
    theirs = answers(client, resident.id, made.id)
    assert theirs == dict.fromkeys(theirs, 404)  # was 403 on the record's pages: "exists, not yours"
    assert answers(client, MISSING, MISSING) == theirs  # the same as for none at all
    db.session.expire_all()
    assert written() == before
    assert (db.session.get(ResidentProfile, resident.id).status, db.session.get(ResidentProfile, resident.id)
            .real_name) == ("verified", resident.real_name)


def test_staff_of_the_residents_community_open_the_record(served, client, login_as):
    resident, made = served
    login_as(staff_of("和平社区"))
    assert client.get(f"/vouchers/residents/{resident.id}").status_code == 200
    assert client.get(f"/vouchers/residents/{MISSING}").status_code == 404


@pytest.mark.parametrize("role", [Role.OFFICER, Role.AUDITOR, None])
def test_someone_who_manages_no_residents_is_refused_before_the_lookup(served, client, login_as, role):
    resident, _made = served
    login_as(make_user(role) if role else make_user())
    for resident_id in (resident.id, MISSING):  # the same answer: it tells nothing of who exists
        assert client.get(f"/vouchers/residents/{resident_id}").status_code == 403
        assert client.post(f"/vouchers/residents/{resident_id}/print").status_code == 403
