"""A contract's page lists its project evaluations, each a link to its page, for whoever may open them: the
organisation reached its evaluation report and its rectification tasks only through a notification's link."""

from core.db import db
from tests.evaluation.project_helpers import commissioned

ZH = {"Accept-Language": "zh-CN"}


def test_the_organisation_finds_its_evaluation_on_its_contract(app, client, login_as, session):
    officer, manager, contract, evaluation, _evaluators = commissioned(app, kind="midterm")
    db.session.commit()
    login_as(manager)
    page = client.get(f"/contracts/{contract.id}", headers=ZH).get_data(as_text=True)
    listed = page[page.index('id="evaluations"'):][:600]
    assert f'href="/evaluations/{evaluation.id}">中期评估</a> · 进行中' in listed
    assert client.get(f"/evaluations/{evaluation.id}").status_code == 200  # the link leads somewhere it may go


def test_a_contract_without_evaluations_has_no_such_list(app, client, login_as, session):
    from tests.projects.contract_helpers import active_contract

    _officer, manager, contract = active_contract(app)
    db.session.commit()
    login_as(manager)
    assert 'id="evaluations"' not in client.get(f"/contracts/{contract.id}").get_data(as_text=True)


def test_an_officer_sees_the_same_list(app, client, login_as, session):
    officer, _manager, contract, evaluation, _evaluators = commissioned(app)
    db.session.commit()
    login_as(officer)
    page = client.get(f"/contracts/{contract.id}", headers=ZH).get_data(as_text=True)
    assert f'href="/evaluations/{evaluation.id}">' in page
