"""A resident moved to a community a running programme they hold vouchers in does not cover: eligibility is checked
when vouchers are issued, not when they are spent, so what they hold stays spendable until it expires and no new
vouchers come from it. Staff saving the move are told so, in plain words; a move within what the programmes cover
says nothing of it."""

import html

from core.db import db
from tests.orgs.helpers import community
from vouchers import redemption
from vouchers.programmes import eligibility_problems, is_eligible

from .helpers import world
from .test_resident_correction import form_of
from .test_staff_resident_pages import staff_of


def moved(client, profile, to: str):
    response = client.post(f"/vouchers/residents/{profile.id}", data=form_of(profile, community_id=str(
        community(to).id)), follow_redirects=True)
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_moving_out_of_a_programmes_communities_says_what_becomes_of_the_vouchers(app, client, login_as, session):
    street_staff = staff_of()  # looks after every community
    with app.test_request_context():
        w = world(community_ids=[community("和平社区").id])
    db.session.commit()
    login_as(street_staff)
    page = moved(client, w.resident, "平安社区")
    assert "居民信息已保存" in page or "Resident record saved" in page
    warning = page.split('alert-warning')[1].split("</div>")[0]
    assert community("平安社区").full_name in warning and w.programme.name in warning
    assert "仍可使用，直到过期" in warning and "不会再" in warning
    # As said: the vouchers held are still spendable; the resident is no longer eligible for new ones.
    db.session.expire_all()
    assert [line.balance_fen for line in redemption.balance(w.resident)] == [20_000]
    with app.test_request_context():
        assert not is_eligible(w.programme, w.resident)
        code, _row = redemption.issue_code(w.resident, actor=w.staff)
        assert redemption.redeem(code, w.service, 1000, "after-move", actor=w.manager).redemption.amount_fen == 1000
        assert "社区" in " ".join(map(str, eligibility_problems(w.programme, w.resident)))


def test_a_move_the_programme_covers_says_nothing_of_the_vouchers(app, client, login_as, session):
    street_staff = staff_of()
    with app.test_request_context():
        w = world(community_ids=[community("和平社区").id, community("平安社区").id])
    db.session.commit()
    login_as(street_staff)
    page = moved(client, w.resident, "平安社区")
    assert w.programme.name not in page.split("</h1>")[0] and "仍可使用，直到过期" not in page
