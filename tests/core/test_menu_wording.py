"""The top menu's words in English: the menu of the document and audit-chain checks says 'Verify', as its entries do
(it said 'Check'), with a context of its own since 'Verify' is 核实通过 elsewhere; the admin's calendar entry says
what the calendar is. Chinese unchanged."""

from accounts.enums import Role
from tests.factories import make_user

EN, ZH = {"Accept-Language": "en"}, {"Accept-Language": "zh-CN"}


def _menu(page: str, anchor: str) -> str:
    return page.split(f'id="{anchor}">')[1].split("</a>")[0]


def test_the_verify_menu_in_both_languages(client, session):
    assert _menu(client.get("/", headers=EN).get_data(as_text=True), "checkmenu") == "Verify"
    assert _menu(client.get("/", headers=ZH).get_data(as_text=True), "checkmenu") == "核验"  # not 核实通过


def test_the_admin_menu_names_the_working_day_calendar(client, session, login_as):
    login_as(make_user(Role.ADMIN))
    english = client.get("/", headers=EN).get_data(as_text=True)
    assert '/admin/calendar">Working-day calendar</a>' in english and ">Calendar<" not in english
    assert '/admin/calendar">工作日历</a>' in client.get("/", headers=ZH).get_data(as_text=True)
