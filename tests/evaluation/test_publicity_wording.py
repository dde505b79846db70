"""While the results are in publicity (公示), the call page names the chosen organisation as proposed
(拟确定承接方), not yet decided: only once the publicity ends is it the provider (已确定承接方)."""

from datetime import timedelta

import pytest

from accounts.enums import Role
from core.db import db, utcnow
from projects import awards
from projects.enums import CallStatus
from tests.evaluation.helpers import fully_scored
from tests.factories import make_user


@pytest.fixture
def officer(session):
    return make_user(Role.OFFICER)


def _result_cells(page: str) -> str:
    return page.split('id="results"', 1)[1].split("</table>", 1)[0]


def test_results_table_says_proposed_during_publicity_and_awarded_after(app, client, officer):
    call, _orgs, props, ranking = fully_scored(app, officer)
    with app.test_request_context():
        publicity = awards.decide(call, ranking, {props[2].id: 15_000_000}, "只设一个名额", 5, actor=officer)
    db.session.commit()
    assert call.status == CallStatus.PUBLICITY
    table = _result_cells(client.get(f"/calls/{call.id}").get_data(as_text=True))
    assert "拟确定承接方" in table and "已确定承接方" not in table
    client.get("/lang/en")
    table = _result_cells(client.get(f"/calls/{call.id}").get_data(as_text=True))
    assert "Proposed for award" in table and "Awarded" not in table

    with app.test_request_context():
        assert awards.finish_if_due(call, now=utcnow() + timedelta(days=60 + publicity.working_days))
    db.session.commit()
    assert call.status == CallStatus.AWARDED
    table = _result_cells(client.get(f"/calls/{call.id}").get_data(as_text=True))
    assert "Awarded" in table and "Proposed for award" not in table
    client.get("/lang/zh_Hans_CN")
    table = _result_cells(client.get(f"/calls/{call.id}").get_data(as_text=True))
    assert "已确定承接方" in table and "拟确定承接方" not in table
