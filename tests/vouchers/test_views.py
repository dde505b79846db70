"""Voucher pages: the permission table, pages rendering what they should, forms' bad input, the page flows
(register, verify, code, redeem, rate, dispute, decide, settle) with their rows and audit events."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from accounts.residents import ResidentData, submit_profile, transition_resident
from core.db import db, utcnow
from tests.factories import make_user
from tests.orgs.helpers import community
from vouchers import issuance, redemption, settlement
from vouchers.enums import RedemptionStatus
from vouchers.models import Programme, Voucher
from vouchers.programmes import period_of
from vouchers.redemption_models import Dispute, Rating, Redemption

from .helpers import events, id_number, provider, world


@dataclass
class Scene:
    w: object
    resident_user: object
    resident: object
    other_user: object
    other_resident: object
    member: object
    other_member: object
    auditor: object
    redemption: Redemption
    settlement: object


def phone_resident(staff, name: str):
    """A resident who logs in: signs up, asks to be verified, staff verify."""
    user = make_user(Role.RESIDENT, phone=f"139{abs(hash(name)) % 10**8:08d}")
    profile = submit_profile(user, ResidentData(name, id_number(), community("和平社区").id), actor=user)
    transition_resident(profile, "verified", actor=staff)
    return user, profile


@pytest.fixture
def scene(app):
    with app.test_request_context():
        w = world()
        resident_user, resident = phone_resident(w.staff, "张秀英")
        other_user, other_resident = phone_resident(w.staff, "李桂兰")
        last_month = utcnow() - timedelta(days=40)
        issuance.issue_to_resident(w.programme, resident, actor=w.officer, period=period_of(last_month), now=last_month)
        issuance.issue_to_resident(w.programme, resident, actor=w.officer)
        code, _row = redemption.issue_code(resident, actor=resident_user, now=last_month)
        done = redemption.redeem(code, w.service, 3000, "k-old", actor=w.manager, now=last_month).redemption
        statement = settlement.prepare_settlement(w.programme, w.org, period_of(last_month), actor=w.officer)
        code, _row = redemption.issue_code(resident, actor=resident_user)
        fresh = redemption.redeem(code, w.service, 2000, "k-new", actor=w.manager).redemption
        _other_org, other_member = provider(w.officer)
        db.session.commit()
        return Scene(w, resident_user, resident, other_user, other_resident, w.manager, other_member,
                     make_user(Role.AUDITOR), fresh, statement)


ROLES = ("resident", "other_resident", "member", "other_member", "staff", "officer", "auditor", "anonymous")


def user_for(scene: Scene, role: str):
    return {"resident": scene.resident_user, "other_resident": scene.other_user, "member": scene.member,
            "other_member": scene.other_member, "staff": scene.w.staff, "officer": scene.w.officer,
            "auditor": scene.auditor, "anonymous": None}[role]


def url_for_page(scene: Scene, name: str) -> str:
    w = scene.w
    return {"programmes": "/vouchers/programmes", "programme": f"/vouchers/programmes/{w.programme.id}",
            "programme_new": "/vouchers/programmes/new", "residents": "/vouchers/residents",
            "resident": f"/vouchers/residents/{scene.resident.id}", "resident_new": "/vouchers/residents/new",
            "me": "/vouchers/me", "code": "/vouchers/me/code", "my_redemptions": "/vouchers/me/redemptions",
            "catalogue": "/vouchers/catalogue", "provider": f"/vouchers/provider/{w.org.id}",
            "service_new": f"/vouchers/provider/{w.org.id}/services/new",
            "service_edit": f"/vouchers/services/{w.service.id}/edit",
            "settlement": f"/vouchers/settlements/{scene.settlement.id}"}[name]


A, F = 200, 403  # allowed, forbidden
PERMISSIONS = {  # resident, other resident, member, other org member, staff, officer, auditor, anonymous
    "programmes": (F, F, F, F, F, A, A, 302),
    "programme": (F, F, F, F, F, A, A, 302),
    "programme_new": (F, F, F, F, F, A, F, 302),
    "residents": (F, F, F, F, A, F, F, 302),
    "resident": (F, F, F, F, A, F, F, 302),
    "resident_new": (F, F, F, F, A, F, F, 302),
    "me": (A, A, 302, 302, 302, 302, 302, 302),
    "code": (A, A, F, F, F, F, F, 302),
    "my_redemptions": (A, A, 302, 302, 302, 302, 302, 302),
    "catalogue": (A, A, A, A, A, A, A, 302),
    "provider": (F, F, A, F, F, A, A, 302),
    "service_new": (F, F, A, F, F, F, F, 302),
    "service_edit": (F, F, A, F, F, F, F, 302),
    "settlement": (F, F, A, F, F, A, A, 302),
}


@pytest.mark.parametrize("page", sorted(PERMISSIONS))
def test_permission_table(page, scene, client, login_as):
    for role, expected in zip(ROLES, PERMISSIONS[page], strict=True):
        user = user_for(scene, role)
        client.cookie_jar.clear() if hasattr(client, "cookie_jar") else None
        client.post("/logout")
        if user is not None:
            login_as(user)
        response = client.get(url_for_page(scene, page))
        assert response.status_code == expected, (page, role, response.status_code)


def test_other_residents_redemption_is_404_for_rating_and_dispute(scene, client, login_as):
    login_as(scene.other_user)
    assert client.post(f"/vouchers/redemptions/{scene.redemption.id}/rate", data={"stars": "5"}).status_code == 404
    assert client.post(f"/vouchers/redemptions/{scene.redemption.id}/dispute",
                       data={"reason": "没来"}).status_code == 404
    client.post("/logout")
    login_as(scene.member)
    assert client.post(f"/vouchers/redemptions/{scene.redemption.id}/rate", data={"stars": "5"}).status_code == 404
    assert db.session.scalar(select(func.count(Rating.id))) == 0


def test_officer_only_posts_are_forbidden_to_others(scene, client, login_as):
    login_as(scene.auditor)
    w = scene.w
    assert client.post(f"/vouchers/programmes/{w.programme.id}/status/closed").status_code == 403
    assert client.post(f"/vouchers/settlements/{scene.settlement.id}/approved").status_code == 403
    client.post("/logout")
    login_as(scene.other_member)
    assert client.post(f"/vouchers/provider/{w.org.id}/redeem", data={}).status_code == 403
    assert db.session.get(Programme, w.programme.id).status == "active"
