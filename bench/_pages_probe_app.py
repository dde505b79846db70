"""The app as bench/pages.py serves it, plus one probe for bench/pages_cpu.py: /_bench/user loads the session user
(Flask-Login and accounts.sessions.load_session_user, as every page does) and renders nothing."""

from flask_login import current_user

from app import create_app

app = create_app()


@app.route("/_bench/user")
def session_user_only():
    return "ok" if current_user.is_authenticated else "anonymous"
