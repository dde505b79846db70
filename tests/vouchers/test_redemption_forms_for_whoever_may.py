"""A resident's redemptions show the rating and dispute forms only to whoever may post them.

An administrator (or anyone who reads a resident's page without acting for them) saw the rate and dispute forms, and
each answered 404 when sent. The lists now ask the views' own permission functions (vouchers.permissions.can_rate,
can_dispute) for each redemption: community staff of the resident's community and the resident see the forms, an
administrator sees the redemptions and their ratings only."""

import re

from accounts.enums import Role
from core.db import db
from tests.factories import make_user
from vouchers import catalogue, redemption

from .helpers import world

EN = {"Accept-Language": "en"}


def setup(app):
    """world() with two redemptions of its resident (registered by staff, no phone): one rated, one not."""
    with app.test_request_context():
        w = world()
        made = [redemption.redeem(redemption.issue_code(w.resident, actor=w.staff)[0], w.service, 1000, key,
                                  actor=w.manager).redemption for key in ("r-1", "r-2")]
        catalogue.rate(made[0], 4, "很好", actor=w.staff)
        admin = make_user(Role.ADMIN)
    db.session.commit()
    return w, admin, [r.id for r in made]


def forms(page: str) -> dict[str, int]:
    return {name: len(re.findall(pattern, page)) for name, pattern in (
        ("rate", r'class="rate-form'), ("dispute", r'class="mt-2 dispute-form"'),
        ("change", r'class="btn btn-outline-primary mt-1 change-rating"'))}


def test_an_administrator_reads_the_redemptions_without_forms_community_staff_get_them(app, session, client,
                                                                                       login_as):
    w, admin, (rated, unrated) = setup(app)
    path = f"/vouchers/residents/{w.resident.id}"
    login_as(w.staff)
    page = client.get(path, headers=EN).get_data(as_text=True)
    assert forms(page) == {"rate": 1, "dispute": 2, "change": 1}
    assert "You can rate or dispute on behalf of a resident without a phone." in page

    client.post("/logout")
    login_as(admin)
    page = client.get(path, headers=EN).get_data(as_text=True)
    assert f'id="redemption-{rated}"' in page and f'id="redemption-{unrated}"' in page and "很好" in page
    assert forms(page) == {"rate": 0, "dispute": 0, "change": 0}
    assert "You can rate or dispute on behalf" not in page
    # What the forms would have answered: the POST's own check refuses them.
    assert client.post(f"/vouchers/redemptions/{unrated}/rate", data={"stars": "5"}).status_code == 404
    assert client.post(f"/vouchers/redemptions/{unrated}/dispute", data={"reason": "没来"}).status_code == 404
