"""Residents' ratings of a contracted organisation's voucher services count in its project evaluations: a measured
figure beside the criteria (and in the evaluation report), for services redeemed during the contract's period."""

import re
from datetime import datetime, time, timedelta
from fractions import Fraction

from accounts.enums import Role
from core.db import db
from core.timeutil import LOCAL_TZ
from evaluation import evidence
from tests.evaluation.project_helpers import commissioned
from tests.factories import make_user
from tests.vouchers.helpers import provider, resident, running_programme, service
from vouchers import catalogue, issuance, redemption


def rated_redemptions(org, manager, officer, stars_list) -> list:
    """One redemption of a service of org per rating, each rated by its resident."""
    programme = running_programme(officer)
    svc = service(org, manager)
    staff = make_user(Role.COMMUNITY_STAFF)
    done = []
    for i, stars in enumerate(stars_list):
        person = resident(staff)
        issuance.issue_to_resident(programme, person, actor=officer)
        code = redemption.issue_code(person, actor=staff)[0]
        redeemed = redemption.redeem(code, svc, 3000, f"rate-{org.id}-{i}", actor=manager).redemption
        catalogue.rate(redeemed, stars, actor=staff)  # (staff rate for residents without a phone)
        done.append(redeemed)
    return done


def test_voucher_ratings_of_the_contracted_organisation_count_in_its_evaluation(app, session):
    officer, manager, contract, evaluation, _evaluators = commissioned(app)
    with app.test_request_context():
        assert evidence.figures(evaluation)["voucher_ratings"].value is None  # nobody has rated yet
        rated = rated_redemptions(contract.org, manager, officer, [5, 4, 2, 5])
        other_org, other_manager = provider(officer)
        rated_redemptions(other_org, other_manager, officer, [1, 1])  # another organisation's: not counted
        # A service redeemed the day before the contract began does not count towards it.
        before = datetime.combine(contract.starts_on - timedelta(days=1), time(12), tzinfo=LOCAL_TZ)
        rated[-1].created_at = before
        db.session.flush()
        figure = evidence.figures(evaluation)["voucher_ratings"]
    assert figure.value == Fraction(5 + 4 + 2, 15)  # the mean 3.67 out of 5, as a share of the most possible
    assert re.fullmatch(r"3\.67 / 5（评价 3 条）", figure.text)
    assert figure.details == ["★★★★★：1", "★★★★：1", "★★：1"]
    assert figure.label  # shown beside a criterion and in the report under its translated name


def test_the_evaluators_workspace_shows_the_ratings(app, session, login_as):
    officer, manager, contract, evaluation, (evaluator,) = commissioned(app)
    with app.test_request_context():
        rated_redemptions(contract.org, manager, officer, [4, 5])
    db.session.commit()
    client = login_as(evaluator)
    response = client.get(f"/evaluations/{evaluation.id}/workspace")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "4.50 / 5（评价 2 条）" in page
