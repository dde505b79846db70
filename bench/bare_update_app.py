"""The floor for bench/redeem.py: a bare Flask endpoint doing one UPDATE (on a voucher row) per POST, on the same
database, served the same way.

    DATABASE_URL=postgresql+psycopg://... .venv/bin/gunicorn --chdir bench --workers 2 bare_update_app:app
"""

import os

import sqlalchemy as sa
from flask import Flask, request

app = Flask(__name__)
engine = sa.create_engine(os.environ["DATABASE_URL"], pool_size=8)
TOUCH = sa.text("UPDATE vouchers SET balance_fen = balance_fen WHERE id = :id")


@app.route("/", methods=["GET", "POST"])
def update():
    voucher_id = int((request.get_json(silent=True) or {}).get("voucher_id", 1))
    with engine.begin() as conn:
        touched = conn.execute(TOUCH, {"id": voucher_id}).rowcount
    return {"updated": touched}, 201 if request.method == "POST" else 200
