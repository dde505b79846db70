"""An evaluator's workspace lists the contract's expenses: one with a receipt links to it (a 44px target, as on the
contract page), and the receipt opens for the evaluation's cleared evaluators only. It said "receipt attached" as
plain text, and the contract files route (contracts.file: the organisation's members and staff) let no evaluator
in. The evaluation's own files route checks the object: an evaluator of this evaluation, a file of its contract;
an evaluator of another project, or one who declared a conflict, gets a 404."""

import io
import re

from sqlalchemy import event
from werkzeug.datastructures import FileStorage

from core.db import db
from core.timeutil import local_today
from evaluation import project_services
from evaluation.enums import SeatType
from projects import contract_money
from tests.evaluation.helpers import expert
from tests.evaluation.project_helpers import commissioned
from tests.projects.contract_helpers import PNG_BYTES

LINK = re.compile(r'<a class="expense-receipt inline-target" href="([^"]+)">附票据</a>')


def _receipted(app, contract, manager, n=1) -> str:
    """n expenses with a receipt on the contract's first line, and one without: the first receipt's key."""
    line, keys = contract.lines[0], []
    with app.test_request_context():
        for i in range(n):
            receipt = FileStorage(io.BytesIO(PNG_BYTES), filename=f"发票{i}.png", content_type="image/png")
            keys.append(contract_money.record_expense(contract, line, local_today(), "和平超市", 5_000, receipt,
                                                      actor=manager).receipt.key)
        contract_money.record_expense(contract, line, local_today(), "印刷厂", 8_000, None, actor=manager)
    db.session.commit()
    return keys[0]


def _links(page: str) -> list[str]:
    return LINK.findall(page)


def test_an_assigned_evaluator_opens_a_receipt_from_the_workspace(app, client, login_as):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    key = _receipted(app, contract, manager)
    login_as(ev)
    page = client.get(f"/evaluations/{evaluation.id}/workspace").get_data(as_text=True)
    (href,) = _links(page)  # the expense without a receipt has no link
    assert href == f"/evaluations/{evaluation.id}/files/{key}"
    opened = client.get(href)
    assert opened.status_code == 200 and opened.data == PNG_BYTES
    assert client.get(f"/contracts/files/{key}").status_code == 404  # the contract's route: not theirs


def test_an_evaluator_not_assigned_to_the_project_cannot_open_it(app, client, login_as):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    href = f"/evaluations/{evaluation.id}/files/{_receipted(app, contract, manager)}"
    pool_member = expert(SeatType.SOCIAL_SERVICE, officer=officer)  # in the pool, never assigned
    _o, _m, other_contract, other, (other_ev,) = commissioned(app)  # another project's evaluator
    db.session.commit()
    for user in (pool_member, other_ev):
        login_as(user)
        assert client.get(href).status_code == 404, user.username
        # nor through their own evaluation: the file is not of its contract
        assert client.get(href.replace(f"/evaluations/{evaluation.id}/",
                                       f"/evaluations/{other.id}/")).status_code in (403, 404)
        client.post("/logout")


def test_an_evaluator_who_declared_a_conflict_cannot_open_it(app, client, login_as):
    officer, manager, contract, evaluation, (ev,) = commissioned(app, declare=False)
    with app.test_request_context():
        project_services.declare(evaluation.assignments[0], True, "曾在该机构任职", actor=ev)
    href = f"/evaluations/{evaluation.id}/files/{_receipted(app, contract, manager)}"
    login_as(ev)
    assert client.get(href).status_code == 404


def test_the_workspace_queries_do_not_grow_with_the_receipts(app, client, login_as):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    login_as(ev)
    path = f"/evaluations/{evaluation.id}/workspace"
    client.get(path)  # creates nothing, but warms what a first request loads

    def count() -> tuple[int, int]:
        counter = {"n": 0}

        def before(*_args, **_kwargs):
            counter["n"] += 1

        engine = db.engines[None]
        event.listen(engine, "before_cursor_execute", before)
        try:
            page = client.get(path).get_data(as_text=True)
        finally:
            event.remove(engine, "before_cursor_execute", before)
        return counter["n"], len(_links(page))

    _receipted(app, contract, manager, n=1)
    few, links = count()
    _receipted(app, contract, manager, n=4)
    assert count() == (few, links + 4)
