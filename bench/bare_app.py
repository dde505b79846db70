"""The floor for bench/pages.py: a bare Flask app doing one query on the same database, served the same way.

    DATABASE_URL=sqlite:///... .venv/bin/gunicorn --chdir bench --workers 2 bare_app:app
"""

import os

import sqlalchemy as sa
from flask import Flask

app = Flask(__name__)
engine = sa.create_engine(os.environ["DATABASE_URL"])
COUNT_USERS = sa.text("SELECT count(*) FROM users")


@app.route("/")
def home():
    with engine.connect() as conn:
        users = conn.execute(COUNT_USERS).scalar_one()
    return f"{users} users\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
