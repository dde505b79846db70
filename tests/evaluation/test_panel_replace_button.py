"""The panel page's Replace button (替换) keeps its word on one line: squeezed beside the reason's select and text box
it wrapped to one character a line (替 / 换), a tall narrow button on a desktop screen."""

import re

from tests.evaluation.helpers import fully_scored
from tests.evaluation.test_panel_draw_form import officer  # noqa: F401 (the fixture)


def test_each_replace_button_keeps_its_word_on_one_line(app, client, officer, login_as):  # noqa: F811
    call, _orgs, _props, _ranking = fully_scored(app, officer)
    login_as(officer)
    page = client.get(f"/evaluation/calls/{call.id}/panel").get_data(as_text=True)
    buttons = re.findall(r'<button class="([^"]*)" type="submit">替换</button>', page)
    assert len(buttons) == 3 and all("text-nowrap" in classes.split() for classes in buttons)
