"""A group of checkboxes (MultiCheckboxField) is rendered as every other field (templates/_macros/forms.html): its help
shown and the group described by it; refused, each box aria-invalid and the group described by the error too, so a
screen reader says why on entering it. The help was dropped and the error not tied to the boxes."""

import re

from accounts.enums import Role
from core.db import db
from tests.factories import make_user
from tests.orgs.helpers import community, org_data
from tests.orgs.test_views import form_for


def fieldset(page: str, legend: str) -> str:
    """The group whose legend is `legend`, from its <fieldset> tag to its end."""
    found = re.search(rf'<fieldset class="mb-3 big-choices"[^>]*>\s*<legend[^>]*>{legend}</legend>.*?</fieldset>',
                      page, re.S)
    assert found, legend
    return found.group(0)


def test_a_refused_group_is_invalid_and_described_by_its_error(client, session, login_as):
    login_as(make_user())
    community("和平社区")
    db.session.commit()
    opened = fieldset(client.get("/orgs/apply").get_data(as_text=True), "服务社区")
    assert "aria-describedby" not in opened and "aria-invalid" not in opened  # nothing to say yet
    refused = client.post("/orgs/apply", data={**form_for(org_data()), "communities": []})
    assert refused.status_code == 422
    group = fieldset(refused.get_data(as_text=True), "服务社区")
    assert re.match(r'<fieldset class="mb-3 big-choices" aria-describedby="communities-error">', group)
    boxes = re.findall(r'<input[^>]*name="communities"[^>]*>', group)
    assert boxes and all('aria-invalid="true"' in box and "is-invalid" in box for box in boxes)
    error = re.search(r'<div id="communities-error" class="field-errors">(.*?)</div></div>', group, re.S)
    assert error and "invalid-feedback" in error.group(1)
    categories = fieldset(refused.get_data(as_text=True), "服务类别")  # ticked: not marked
    assert "aria-invalid" not in categories and "aria-describedby" not in categories


def test_a_groups_help_is_shown_and_describes_it(client, session, login_as):
    login_as(make_user(Role.ADMIN))
    community("和平社区")
    db.session.commit()
    page = client.get("/admin/users/new").get_data(as_text=True)
    group = fieldset(page, "负责的社区")
    assert re.match(r'<fieldset class="mb-3 big-choices" aria-describedby="communities-help">', group)
    help_text = re.search(r'<div class="form-text" id="communities-help">([^<]+)</div>', group)
    assert help_text and "社区工作人员" in help_text.group(1)
    refused = client.post("/admin/users/new", data={"username": "", "communities": ["x"]})
    assert refused.status_code == 422
    group = fieldset(refused.get_data(as_text=True), "负责的社区")
    assert 'aria-describedby="communities-help communities-error"' in group
