"""An awarded call's page offers the officer the next step beside each award: draw up its contract, or open it once
drawn up. It offered nothing (the step was only on the review results page and the projects list); the winning
organisation sees the result without the officer's link."""

from core.db import db
from tests.projects.contract_helpers import awarded_decision, drawn_contract


def test_the_officer_is_offered_to_draw_up_each_awarded_contract(app, client, login_as, session):
    officer, decision, manager = awarded_decision(app)
    db.session.commit()
    call_id = decision.proposal.call_id
    login_as(officer)
    page = client.get(f"/calls/{call_id}").get_data(as_text=True)
    results = page.split('id="results"', 1)[1].split("</table>", 1)[0]
    assert f'href="/contracts/new/{decision.id}" id="draw-up-{decision.id}">拟定合同</a>' in results


def test_a_drawn_up_contract_is_linked_instead(app, client, login_as, session):
    officer, _manager, contract = drawn_contract(app)
    login_as(officer)
    page = client.get(f"/calls/{contract.call_id}").get_data(as_text=True)
    results = page.split('id="results"', 1)[1].split("</table>", 1)[0]
    assert f'href="/contracts/{contract.id}">合同</a>' in results and "/contracts/new/" not in results


def test_the_winning_organisation_sees_no_such_link(app, client, login_as, session):
    _officer, decision, manager = awarded_decision(app)
    db.session.commit()
    login_as(manager)
    page = client.get(f"/calls/{decision.proposal.call_id}").get_data(as_text=True)
    assert "中标（成交）通知书" in page and "/contracts/new/" not in page
