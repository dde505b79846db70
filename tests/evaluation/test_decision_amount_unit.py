"""The award decision form: each proposal's amount box shows its unit (元, a Bootstrap input group) and the amount
requested beside it, which the box describes; after a refusal the reason stays beside the box, inside its group (the
box had only an aria-label: no visible unit, nothing saying what was asked for)."""

import re

from accounts.enums import Role
from core.db import db
from tests.evaluation.helpers import fully_scored
from tests.factories import make_user

EN = {"Accept-Language": "en"}


def _group(page: str, name: str) -> str:
    """The input group holding the amount box `name`, up to the requested amount shown after it."""
    at = page.index(f'name="{name}"')
    start = page.rindex('<div class="input-group has-validation">', 0, at)
    return page[start:page.index(f'id="{name}-requested"', at)]


def test_each_amount_shows_its_unit_and_the_amount_requested(app, client, login_as):
    officer = make_user(Role.OFFICER)
    call, _orgs, props, _ranking = fully_scored(app, officer)
    db.session.commit()
    login_as(officer)
    page = client.get(f"/evaluation/calls/{call.id}/results").get_data(as_text=True)
    for proposal in props:  # each requested 150,000 yuan
        name = f"amount_{proposal.id}"
        group = _group(page, name)
        assert '<span class="input-group-text">元</span>' in group
        assert f'aria-label="{proposal.org.name} 的金额（元）"' in group  # each box named by its organisation
        assert f'aria-describedby="{name}-requested"' in group
        assert re.search(rf'id="{name}-requested"[^>]*>申请 ¥150,000\.00</', page)
    english = client.get(f"/evaluation/calls/{call.id}/results", headers=EN).get_data(as_text=True)
    assert '<span class="input-group-text">yuan</span>' in english and ">Requested ¥150,000.00</" in english

    top = props[2]  # ranked first
    name = f"amount_{top.id}"
    refused = client.post(f"/evaluation/calls/{call.id}/decision", data={
        f"award_{top.id}": "y", name: "200000", "working_days": "5", "reason": "只设一个名额"})
    assert refused.status_code == 422
    group = _group(refused.get_data(as_text=True), name)
    assert f'id="{name}-error"' in group and "is-invalid" in group
    assert f'aria-describedby="{name}-requested {name}-error"' in group
