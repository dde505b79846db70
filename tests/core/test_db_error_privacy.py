"""A database error's message, which the error log receives, leaves out the statement's parameters: a failed INSERT
of a person's name and phone number must not write them to the log."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core.db import db


def test_a_failed_statement_does_not_carry_its_parameters(session):
    with pytest.raises(DBAPIError) as caught:
        db.session.execute(text("INSERT INTO no_such_table (name, phone) VALUES (:name, :phone)"),
                           {"name": "张三丰", "phone": "13800001111"})
    db.session.rollback()
    message = str(caught.value)
    assert "no_such_table" in message  # the statement is still named, for whoever reads the log
    assert "13800001111" not in message and "张三丰" not in message
