"""end_login_lockout reaches into Flask-Limiter (its limit manager, the login view's per-account limit and the key
that limit counts under) to lift one account's lockout after failed logins. These tests pin that it still does, as
an upgrade of Flask-Limiter or a change to the login view's limits could silently make it do nothing."""

from accounts.lockout import end_login_lockout
from tests.factories import login, make_user


def lock(app, username: str) -> None:
    for _ in range(5):
        assert login(app.test_client(), username, "guess-guess").status_code == 422
    assert login(app.test_client(), username).status_code == 429


def test_ending_the_lockout_lets_the_account_log_in_at_once(app, session):
    make_user(username="forgetful")
    lock(app, "forgetful")
    with app.test_request_context():
        end_login_lockout("forgetful")
    assert login(app.test_client(), "forgetful").status_code == 302


def test_it_ends_only_that_accounts_lockout(app, session):
    make_user(username="first-one")
    make_user(username="second-one")
    lock(app, "first-one")
    lock(app, "second-one")
    with app.test_request_context():
        end_login_lockout("first-one")
    assert login(app.test_client(), "first-one").status_code == 302
    assert login(app.test_client(), "second-one").status_code == 429


def test_failures_typed_as_the_number_are_lifted_by_the_user_name(app, session):
    """The login view counts failures under the account whatever was typed; ending the lockout by user name
    reaches those typed as the account's mobile number too."""
    make_user(username="by-number", phone="13800004321")
    lock(app, "13800004321")
    assert login(app.test_client(), "by-number").status_code == 429  # the same account's count
    with app.test_request_context():
        end_login_lockout("by-number")
    assert login(app.test_client(), "13800004321").status_code == 302
