"""The audit log's 'Open its page' for the projects area: every event about a call, a proposal or a contract (the
three things projects events are recorded against) leads to that thing's own page, and those pages lead back to their
events in the log. The log linked them only to more of the log.

The rule is the log's (audit.labels): the link is shown to whoever reads the log, and the page it leads to still asks
who may see it. Only administrators and auditors read the log, and both may open every call, proposal and contract, so
no reader of the log is offered a link they cannot open; anyone else gets no link at all (the log is a 403)."""

import pytest

from accounts.enums import Role
from audit.labels import target_page_url
from core.db import db
from tests.audit.test_log_object_links import target_cells
from tests.factories import login, logout, make_user
from tests.projects.contract_helpers import active_contract


@pytest.fixture
def project(app, session):
    """An active contract, its call and its winning proposal: (officer, manager, contract)."""
    officer, manager, contract = active_contract(app)
    db.session.commit()
    return officer, manager, contract


def pages(contract) -> dict[str, str]:
    return {"calls": f"/calls/{contract.call_id}", "proposals": f"/proposals/{contract.proposal_id}",
            "contracts": f"/contracts/{contract.id}"}


def ident(contract, kind: str) -> int:
    return {"calls": contract.call_id, "proposals": contract.proposal_id, "contracts": contract.id}[kind]


def test_the_targets_pages_are_registered(app, project):
    _officer, _manager, contract = project
    with app.test_request_context():
        for kind, url in pages(contract).items():
            assert target_page_url(kind, ident(contract, kind)) == url
            assert target_page_url(kind, str(ident(contract, kind))) == url
        assert target_page_url("contracts", "x1") is None  # (an odd stored id: no link, never a 500)


@pytest.mark.parametrize("reader_role", [Role.AUDITOR, Role.ADMIN])
def test_call_proposal_and_contract_events_open_their_pages_for_the_logs_readers(client, project, reader_role):
    officer, _manager, contract = project
    reader = make_user(reader_role)
    db.session.commit()
    login(client, reader.username)
    for kind, url in pages(contract).items():
        log = client.get(f"/audit/?target_type={kind}&target_id={ident(contract, kind)}").get_data(as_text=True)
        cells = target_cells(log)
        assert cells, kind  # (the call, the proposal and the contract each have events)
        assert all(f'<a href="{url}" class="target-page">打开其页面</a>' in c for c in cells), kind
        assert client.get(url).status_code == 200, url  # a link the reader can open
    logout(client)
    login(client, officer.username)  # the officer running the call opens the same pages
    assert all(client.get(url).status_code == 200 for url in pages(contract).values())


def test_those_who_cannot_open_the_pages_get_no_links(client, project):
    """A member of another organisation may not see the proposal nor the contract (404): nor may they read the log,
    so no link to them is offered. Nor does an officer (who may open the pages) read the log."""
    officer, _manager, contract = project
    outsider = make_user()
    db.session.commit()
    urls = pages(contract)
    for who in (outsider, officer):
        login(client, who.username)
        log = client.get(f"/audit/?target_type=contracts&target_id={contract.id}")
        assert log.status_code == 403 and "target-page" not in log.get_data(as_text=True)
        logout(client)
    login(client, outsider.username)
    assert client.get(urls["proposals"]).status_code == 404
    assert client.get(urls["contracts"]).status_code == 404


def test_the_pages_lead_back_to_their_events_only_for_the_logs_readers(client, project):
    officer, manager, contract = project
    auditor = make_user(Role.AUDITOR)
    db.session.commit()
    back = {kind: f'href="/audit/?target_type={kind}&amp;target_id={ident(contract, kind)}" id="{kind[:-1]}-audit"'
            for kind in pages(contract)}
    login(client, auditor.username)
    for kind, url in pages(contract).items():
        assert back[kind] in client.get(url).get_data(as_text=True), kind
        log = client.get(f"/audit/?target_type={kind}&target_id={ident(contract, kind)}")
        assert log.status_code == 200 and target_cells(log.get_data(as_text=True))
    logout(client)
    for who in (officer, manager):  # they may open the pages, not the log: no way to it offered
        login(client, who.username)
        for kind, url in pages(contract).items():
            page = client.get(url)
            assert page.status_code == 200 and f'id="{kind[:-1]}-audit"' not in page.get_data(as_text=True)
        logout(client)
