"""Bugs found in review, each with the test that showed it."""

import pytest
from sqlalchemy import func, select

from core.db import db
from vouchers import issuance
from vouchers.models import Programme, Voucher
from vouchers.redemption_models import Settlement

from .helpers import running_programme, world


@pytest.fixture
def w(app):
    with app.test_request_context():
        made = world()
        db.session.commit()
        return made


@pytest.mark.parametrize("provider_id", ["²", "99999999999999999999999", "0", "-1"])
def test_malformed_provider_id_when_preparing_a_statement_is_400_not_500(w, client, login_as, provider_id):
    """'²'.isdigit() is True but int('²') fails; a huge id overflowed SQLite's integer."""
    login_as(w.officer)
    response = client.post(f"/vouchers/programmes/{w.programme.id}/settlements",
                           data={"provider_id": provider_id, "period": "2020-01"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Settlement.id))) == 0


def _pdf_text(pdf: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def two_programmes(app, w):
    """The world's resident also holds this month's vouchers of a second programme (3 × 20 元)."""
    with app.test_request_context():
        second = running_programme(w.officer, name="第二个服务券项目", face_value_fen=2000, vouchers_per_period=3)
        issuance.issue_to_resident(second, db.session.get(type(w.resident), w.resident.id), actor=w.officer)
        db.session.commit()
        return second


def test_staff_print_the_chosen_programme_for_a_resident_holding_two(w, two_programmes, client, login_as):
    """With two programmes the print refused ('choose the programme') and the pages offered no choice."""
    login_as(w.staff)
    page = client.get(f"/vouchers/residents/{w.resident.id}").get_data(as_text=True)
    assert f'id="programme_id-{two_programmes.id}" value="{two_programmes.id}"' in page  # a choice each
    printed = client.post(f"/vouchers/residents/{w.resident.id}/print", data={"programme_id": str(two_programmes.id)})
    assert printed.status_code == 302 and "/documents/" in printed.headers["Location"]
    text = _pdf_text(client.get(printed.headers["Location"]).data)
    # Only the chosen programme's vouchers are listed: the code on the sheet spends only those.
    assert "第二个服务券项目" in text and "¥20.00" in text and w.programme.name not in text
    from vouchers.redemption_models import RedemptionCode

    assert db.session.scalar(select(RedemptionCode.programme_id).order_by(RedemptionCode.id.desc())) \
        == two_programmes.id


@pytest.fixture
def phone_holder(app, w, two_programmes):
    """A resident who logs in, holding this month's vouchers of both programmes."""
    from accounts.enums import Role
    from accounts.residents import ResidentData, submit_profile, transition_resident
    from tests.factories import make_user
    from tests.orgs.helpers import community

    from .helpers import id_number

    with app.test_request_context():
        user = make_user(Role.RESIDENT, phone="13912345678")
        number = id_number()
        profile = submit_profile(user, ResidentData("钱淑珍", number, community("和平社区").id), actor=user)
        transition_resident(profile, "verified", actor=w.staff, card_number=number)
        for programme_id in (w.programme.id, two_programmes.id):
            issuance.issue_to_resident(db.session.get(Programme, programme_id), profile, actor=w.officer)
        db.session.commit()
        return user


def test_resident_prints_their_chosen_programme(w, phone_holder, client, login_as):
    login_as(phone_holder)
    page = client.get("/vouchers/me").get_data(as_text=True)
    assert f'id="programme_id-{w.programme.id}" value="{w.programme.id}"' in page  # a choice each
    printed = client.post("/vouchers/me/print", data={"programme_id": str(w.programme.id)})
    assert printed.status_code == 302 and "/documents/" in printed.headers["Location"]


def test_printed_sheet_leaves_out_vouchers_past_their_validity(app, w, client, login_as):
    """A voucher past its expiry but not yet expired by the nightly job cannot be spent: not on the sheet."""
    from datetime import timedelta

    from sqlalchemy import update

    from core.db import utcnow

    db.session.execute(update(Voucher).where(Voucher.resident_id == w.resident.id, Voucher.seq == 1)
                       .values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    login_as(w.staff)
    printed = client.post(f"/vouchers/residents/{w.resident.id}/print")
    text = _pdf_text(client.get(printed.headers["Location"]).data)
    # three spendable vouchers (alike, on one line with their number), and a code for each
    assert "¥50.00 ¥50.00 3 张" in text and "合计余额 ¥150.00" in text and "共 3 个" in text


def test_a_programme_end_date_at_the_calendars_end_is_refused_on_the_form(w, client, login_as):
    """valid_until 9999-12-31 was accepted; issuing then overflowed computing the expiry (a 500)."""
    from tests.orgs.helpers import category

    login_as(w.officer)
    data = {"name": "远期服务券", "budget_fen": "100000", "face_value_fen": "50", "vouchers_per_period": "2",
            "category_ids": [str(category("elderly").id)], "tags_mode": "any", "valid_until": "9999-12-31",
            "provider_mode": "open"}
    response = client.post("/vouchers/programmes/new", data=data, headers={"Accept-Language": "en"})
    assert response.status_code == 422 and "At most 3660 days from today." in response.get_data(as_text=True)
    assert db.session.scalar(select(Programme.id).where(Programme.name == "远期服务券")) is None


def test_programme_page_shows_batch_and_dispute_states_translated(app, w, client, login_as):
    """The issuance runs and disputes showed their stored codes ('done', 'open') on the Chinese page."""
    from vouchers import disputes, redemption
    from vouchers.programmes import period_of, shift_period

    with app.test_request_context():
        programme = db.session.get(Programme, w.programme.id)
        next_month = shift_period(period_of(), 1)  # (this month's were issued with the world)
        issuance.run_batch(issuance.start_batch(programme, actor=w.officer, period=next_month).id)
        code, _row = redemption.issue_code(w.resident, actor=w.staff)
        done = redemption.redeem(code, w.service, 1000, "tr-1", actor=w.manager).redemption
        disputes.raise_dispute(done, "没有上门", actor=w.staff)
        db.session.commit()
    login_as(w.officer)
    page = client.get(f"/vouchers/programmes/{w.programme.id}").get_data(as_text=True)
    batches = page[page.index('id="batches"'):page.index("</ul>", page.index('id="batches"'))]
    disputed = page[page.index('id="disputes"'):page.index("</ul>", page.index('id="disputes"'))]
    assert "已完成" in batches and " done<" not in batches
    assert "待裁定" in disputed and ">open<" not in disputed
