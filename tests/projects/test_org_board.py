"""The projects board names each item's project to an organisation's staff (it named their own organisation on
every item: two denied receipts of two projects read the same), its organisation to officers."""

import html
from datetime import timedelta

from core.db import db
from core.timeutil import local_today

ZH = {"Accept-Language": "zh-CN"}


def test_the_board_names_the_project_to_the_organisation(client, login_as, contract_world):
    officer, manager, contract = contract_world
    contract.milestones[0].due_on = local_today() - timedelta(days=3)  # overdue, on the board
    db.session.commit()
    login_as(manager)
    board = client.get("/contracts/", headers=ZH).get_data(as_text=True)
    overdue = board[board.index('id="overdue"'):board.index('id="waiting"')]
    assert f'/contracts/{contract.id}">{html.escape(contract.title)}</a>' in overdue
    client.post("/logout")
    login_as(officer)
    board = client.get("/contracts/", headers=ZH).get_data(as_text=True)
    overdue = board[board.index('id="overdue"'):board.index('id="waiting"')]
    assert f'/contracts/{contract.id}">{html.escape(contract.org.name)}</a>' in overdue
