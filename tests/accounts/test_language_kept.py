"""The language chosen on the switcher before logging in or signing up stays chosen after: the session is new (nothing
else carries over), but an English-speaking user who switched on the log-in page is not sent on in Chinese. Logging
out kept it already."""


from tests.factories import PASSWORD, login, make_user


def in_english(client) -> None:
    assert client.get("/lang/en?next=/login").status_code == 302


def test_logging_in_keeps_the_chosen_language_and_nothing_else(client, session):
    user = make_user()
    in_english(client)
    with client.session_transaction() as before:
        before["left-over"] = "from before"
    assert login(client, user.username, PASSWORD).status_code == 302
    with client.session_transaction() as after:
        assert after.get("lang") == "en" and "left-over" not in after
    page = client.get("/")
    assert '<html lang="en"' in page.text and "Log out" in page.text


def test_signing_up_keeps_the_chosen_language(client, session):
    in_english(client)
    response = client.post("/signup", data={"username": "linxinyuan", "display_name": "林心远",
                                            "purpose": "organisation", "password": "xinyuan-pass-1",
                                            "confirm": "xinyuan-pass-1"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert '<html lang="en"' in page.text and "Your account has been created." in page.text


def test_without_a_choice_the_browser_decides_as_before(client, session):
    user = make_user()
    assert login(client, user.username, PASSWORD).status_code == 302
    with client.session_transaction() as after:
        assert "lang" not in after
    assert '<html lang="zh' in client.get("/", headers={"Accept-Language": "zh-CN"}).text
    assert '<html lang="en"' in client.get("/", headers={"Accept-Language": "en"}).text
