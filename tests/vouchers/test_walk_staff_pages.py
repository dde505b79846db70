"""The QA walk's small things: on the staff's resident page the suspension form is at the foot (it sat above the
balance and the print button) and the address entered is shown; the expired code's main button gets a new code; the
profile form is submitted with 提交, not 发送; registering an ID number on record links to that record for staff who
look after it; the way back to the residents is a 44 px target."""

import re
from datetime import date, timedelta

from sqlalchemy import func, select, update

from accounts.resident_models import ResidentProfile
from core import personal
from core.db import db, utcnow
from tests.factories import make_user
from tests.orgs.helpers import community
from vouchers import issuance
from vouchers.redemption_models import RedemptionCode

from .helpers import resident, world
from .test_codes_and_limits import ZH, as_user, committed
from .test_staff_resident_pages import staff_of
from .test_views import phone_resident


def test_the_suspension_form_is_at_the_foot_and_the_address_is_shown(app, session, client, login_as):
    w = committed(app, world)
    committed(app, lambda: setattr(w.resident, "address", "和平路12号3单元"))
    login_as(w.staff)
    page = client.get(f"/vouchers/residents/{w.resident.id}", headers=ZH).get_data(as_text=True)
    assert re.search(r'id="resident-address">和平路12号3单元<', page)
    suspend = page.index('id="suspended-form"')
    for above in ('id="print-form"', 'id="balance"', 'id="resident-edit"'):
        assert page.index(above) < suspend, above
    assert page.index('id="suspend-heading"') < suspend


def test_a_pending_residents_verify_form_stays_at_the_top(app, session, client, login_as):
    w = committed(app, world)
    user, profile = committed(app, lambda: phone_resident(w.staff, "郑秀梅"))
    committed(app, lambda: setattr(profile, "status", "pending"))
    login_as(w.staff)
    page = client.get(f"/vouchers/residents/{profile.id}", headers=ZH).get_data(as_text=True)
    assert page.index('id="verified-form"') < page.index('id="balance"')


def test_an_expired_codes_main_button_gets_a_new_code(app, session, client, login_as):
    w = committed(app, world)
    user, profile = committed(app, lambda: phone_resident(w.staff, "冯玉珍"))
    committed(app, lambda: issuance.issue_to_resident(w.programme, profile, actor=w.officer))
    login_as(user)
    assert client.post("/vouchers/me/code", data={"programme_id": w.programme.id}).status_code == 302
    client.get("/vouchers/me/code")
    db.session.execute(update(RedemptionCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    page = client.get("/vouchers/me/code", headers=ZH).get_data(as_text=True)
    alert = re.search(r'id="code-expired".*?</div>\s*</div>', page, re.S).group(0)
    form = re.search(r'<form method="post"[^>]*id="new-code-form">.*?</form>', alert, re.S).group(0)
    assert re.search(r'id="code-next">获取新的核销码</button>', form)
    assert alert.index("获取新的核销码") < alert.index("返回我的服务券")
    fields = dict(re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', form))
    assert fields["programme_id"] == str(w.programme.id)
    assert client.post("/vouchers/me/code", data=fields).status_code == 302
    assert 'id="one-time-code"' in client.get("/vouchers/me/code").get_data(as_text=True)


def test_the_profile_form_is_submitted_not_sent(app, session, client, login_as):
    login_as(make_user())
    page = client.get("/vouchers/me/profile", headers=ZH).get_data(as_text=True)
    assert re.search(r'<button[^>]*>\s*提交\s*</button>', page) and "发送" not in page


def test_a_duplicate_registration_links_to_the_record_for_staff_who_may_see_it(app, session, client, login_as):
    staff, elsewhere = staff_of("和平社区"), staff_of("幸福社区")
    someone = committed(app, lambda: resident(staff, birth=date(1940, 1, 2)))
    number = personal.decrypt(someone.id_number_enc)
    form = {"real_name": "王秀珍", "id_number": number, "community_id": community("和平社区").id}
    login_as(staff)
    refused = client.post("/vouchers/residents/new", headers=ZH, data=form)
    assert refused.status_code in (409, 422)
    link = re.search(r'<a [^>]*href="([^"]+)" id="existing-record-link">', refused.get_data(as_text=True))
    assert link and link.group(1) == f"/vouchers/residents/{someone.id}"
    assert client.get(link.group(1)).status_code == 200
    as_user(client, login_as, elsewhere)
    answer = client.post("/vouchers/residents/new", headers=ZH, data=form | {"community_id": community("幸福社区").id})
    other = answer.get_data(as_text=True)
    assert answer.status_code in (409, 422) and "您负责的社区" in other
    assert "existing-record-link" not in other and f"/vouchers/residents/{someone.id}" not in other
    assert db.session.scalar(select(func.count(ResidentProfile.id))) == 1


def test_the_way_back_to_the_residents_is_a_finger_sized_target(app, session, client, login_as):
    staff = staff_of("和平社区")
    someone = committed(app, lambda: resident(staff))
    login_as(staff)
    for path in (f"/vouchers/residents/{someone.id}", "/vouchers/residents/new"):
        back = re.search(r'<a [^>]*id="back-to-residents"[^>]*>', client.get(path).get_data(as_text=True)).group(0)
        assert 'class="inline-target"' in back, path
