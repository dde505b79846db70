"""Chinese wording (QA walk): the progress report form names an output's target in full-width brackets, as Chinese
text has them (it read "探访 (目标 1200人次)"); the final evaluation is 终期评估 throughout the catalogue (it was
末期评估 in some places, 结项评估 in one), while 末期 stays what the last milestone is called (末期里程碑)."""

import html

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext

from core.db import db
from tests.projects.contract_helpers import active_contract

ZH = {"Accept-Language": "zh-CN"}
CATALOGUE = "translations/zh_Hans_CN/LC_MESSAGES/messages.po"


def test_the_report_forms_output_target_is_in_full_width_brackets(app, client, session, login_as):
    _officer, manager, contract = active_contract(app)
    db.session.commit()
    login_as(manager)
    response = client.get(f"/contracts/milestones/{contract.milestones[0].id}/report", headers=ZH)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    label = page.split('for="output-0">', 1)[1].split("</label>", 1)[0]
    assert label == "探访（目标 1200人次）"


def zh_strings() -> list[tuple[str, str]]:
    with open(CATALOGUE, "rb") as f:
        catalogue = read_po(f)
    found = []
    for message in catalogue:
        if message.id:
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            found += [(ids[0], text or "") for text in strings]
    return found


def test_the_final_evaluation_is_one_term():
    strings = zh_strings()
    assert not [(msgid, text) for msgid, text in strings if "末期评估" in text or "结项评估" in text]
    # 末期 is left to the last milestone alone
    assert all("里程碑" in text for msgid, text in strings if "末期" in text)
    assert any("末期里程碑" in text for _msgid, text in strings)


@pytest.mark.parametrize(
    "msgid, expected",
    [
        ("Final evaluation", "终期评估"),
        ("Choose mid-term or final.", "请选择中期或终期评估。"),
        ("Final tranche released after the final evaluation", "终期评估通过，尾款可拨付"),
        ("Commission mid-term and final evaluations and follow rectification.", "委托中期和终期评估，跟进整改。"),
    ],
)
def test_the_pages_say_it(app, msgid, expected):
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        assert gettext(msgid) == expected
