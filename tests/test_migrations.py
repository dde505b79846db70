"""Upgrading an empty database gives exactly the models' schema (on SQLite, and on PostgreSQL when set)."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from app import create_app
from core.db import db
from tests.conftest import app_config


@pytest.mark.committing
def test_upgrade_of_empty_database_matches_models(scratch_url, tmp_path):
    application = create_app(app_config(scratch_url, tmp_path))
    application.logger.warning("the app's logger exists before the upgrade")
    with application.app_context():
        upgrade()
    # Alembic's fileConfig() used to disable every logger that existed: after an in-process upgrade the app's own
    # logger dropped everything (its warnings and errors), which made a log-asserting test depend on test order.
    assert not application.logger.disabled
    with application.app_context():
        engine = db.engine
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
            tables = set(sa.inspect(conn).get_table_names())
            if engine.dialect.name == "postgresql":
                triggers = set(conn.exec_driver_sql(
                    "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_events'::regclass").scalars())
            else:
                triggers = set(conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars())
        engine.dispose()
    assert differences == []
    assert set(db.metadata.tables) <= tables
    assert {"audit_events_append_only", "audit_events_no_truncate"} <= triggers or \
        {"audit_events_no_update", "audit_events_no_delete"} <= triggers
