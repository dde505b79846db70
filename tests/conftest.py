"""Test harness (DESIGN.md section 8).

The suite runs on SQLite, or on PostgreSQL when TEST_DATABASE_URL is set. The schema is built once per process by
the real migrations (migrated_database), and every database the process uses starts as a copy of that one (SQLite's
backup API, a PostgreSQL template); each test then runs inside one outer transaction that is rolled back, and the
app's own commits only release savepoints. `make test` runs it under pytest-xdist: each worker is its own process
with its own temporary directory (so its own SQLite files and instance folder) and, on PostgreSQL, its own databases.
States that many tests start from (the demo data, an active contract, a published call…) are built once per process
in databases of their own, and those tests run there, rolled back the same way (demo_data; tests.prebuilt).
"""

import contextvars
import os
import sqlite3
import sys
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from jinja2 import FileSystemBytecodeCache

from app import create_app
from core.db import db, install_sqlite_pragmas
from core.demo import load_all
from core.extensions import limiter

from . import prebuilt
from .factories import login

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").replace("postgresql://", "postgresql+psycopg://", 1)
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1"… under pytest-xdist (make test), else ""
# Each app the tests make (a process's own, the live server's, the committing tests' apps) compiled every template it
# rendered anew, some 3 s of CPU for the 155 templates: they are compiled once and kept (Jinja's cache directory in
# the temporary directory; a template whose source changed is compiled again, its checksum differing).
Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": FileSystemBytecodeCache()}


def process_database_url(tmp_dir: Path, name: str) -> str:
    """This process's database `name` ("main", the one its tests run in; "migrated", "demo", "contract"…): a SQLite
    file in tmp_dir, or on PostgreSQL a database beside TEST_DATABASE_URL's (`test_main`; under pytest-xdist the
    worker's own, `test_gw0_main`, `test_gw0_demo`…)."""
    if not ON_POSTGRES:
        return f"sqlite:///{tmp_dir / f'{name}.db'}"
    url = sa.make_url(TEST_DATABASE_URL)
    prefix = f"{url.database}_{XDIST_WORKER}" if XDIST_WORKER else url.database
    return url.set(database=f"{prefix}_{name}").render_as_string(hide_password=False)


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: only called under xdist, harmless without it
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadgroup` (make test): tests go to the workers one by one, except that the browser tests in tests/e2e/
    form one unit that one worker runs in order (one live server with the demo data and one Chromium, not one per
    worker), handed out first as the largest unit. They are grouped by path here: xdist's own grouping by the
    xdist_group mark rewrites node ids, which pytest 9.2 no longer allows, so it silently stopped grouping
    (pytest-xdist issue #1386)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class BrowserTestsOnOneWorker(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "e2e" if nodeid.startswith("tests/e2e/") else super()._split_scope(nodeid)

    return BrowserTestsOnOneWorker(config, log)


def create_database(url: str, template: str | None = None) -> str:
    """Makes the database at `url` anew, empty or as a copy of the database at `template`, and returns `url`: a
    PostgreSQL database (replacing one an earlier run left) created from the template, no one being connected to it;
    a SQLite file copied through SQLite's backup API (a new, empty file needs nothing)."""
    if not url.startswith("postgresql"):
        if template:
            source, copy = sqlite3.connect(sa.make_url(template).database), sqlite3.connect(sa.make_url(url).database)
            try:
                source.backup(copy)
            finally:
                copy.close()
                source.close()
        return url
    name = sa.make_url(url).database
    like = f' TEMPLATE "{sa.make_url(template).database}"' if template else ""
    admin = sa.create_engine(sa.make_url(TEST_DATABASE_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"{like}')
        # A commit need not wait for its WAL to reach the disk: what it wrote is as visible to every other
        # connection at once (which is all a test sees), only a crash of the server could lose it.
        conn.exec_driver_sql(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    admin.dispose()
    return url


def scratch_database_url(tmp_dir: Path) -> str:
    if not ON_POSTGRES:
        return f"sqlite:///{tmp_dir / f'scratch-{uuid.uuid4().hex[:8]}.db'}"
    url = sa.make_url(TEST_DATABASE_URL)
    return url.set(database=f"gz_scratch_{uuid.uuid4().hex[:10]}").render_as_string(hide_password=False)


def make_scratch_database(tmp_dir: Path) -> str:
    """A new, empty database: a SQLite file, or a PostgreSQL database created for the purpose."""
    return create_database(scratch_database_url(tmp_dir))


def copy_scratch_database(url: str, tmp_dir: Path) -> str:
    """A new database holding what the database at `url` holds (no one may be connected to it on PostgreSQL)."""
    return create_database(scratch_database_url(tmp_dir), template=url)


class DatabaseDropper:
    """Drops PostgreSQL databases in threads of the process's own while the tests go on. A DROP DATABASE waits for a
    checkpoint (every dirty page of the server written and synced: a second or more, tens of seconds on a busy
    machine), which no test needs to wait for: the databases have names of their own (uuids, or the process's names,
    which create_database makes anew). Drops at the same time share their checkpoints. The session waits for the
    last ones at its end (finish)."""

    def __init__(self):
        self.pool: ThreadPoolExecutor | None = None
        self.drops: list[tuple[str, Future]] = []

    def drop(self, name: str) -> None:
        if self.pool is None:
            self.pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="drop-database")
        self.drops.append((name, self.pool.submit(self._drop, name)))

    @staticmethod
    def _drop(name: str) -> None:
        admin = sa.create_engine(sa.make_url(TEST_DATABASE_URL), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            admin.dispose()

    def finish(self) -> list[str]:
        """Waits until every database handed over is dropped; the drops that failed."""
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None
        failures = [f"{name}: {drop.exception()}" for name, drop in self.drops if drop.exception()]
        self.drops.clear()
        return failures


DROPPER = DatabaseDropper()


@pytest.hookimpl(trylast=True)  # after pytest's own, which tears the fixtures down when a run stops early
def pytest_sessionfinish(session):
    for failure in DROPPER.finish():
        print(f"\ncould not drop the test database {failure}", file=sys.stderr)


def drop_scratch_database(url: str) -> None:
    """Drops the PostgreSQL database at `url`, soon (DatabaseDropper); nothing for SQLite."""
    if url.startswith("postgresql"):
        DROPPER.drop(sa.make_url(url).database)


def app_config(database_url: str, instance: Path, **extra) -> dict:
    return {"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://", "REDIS_URL": None,
            "PUBLIC_BASE_URL": "http://gongzhi.test", "TESTING_NO_PAGE_CACHE": True, **extra}


class FreshContextClient(FlaskClient):
    """Each request gets its own app context (and so its own `g` and database session), as in production,
    even while the test itself holds an app context open."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """The URL of an empty database built by the real migrations, once per process. The database this process's
    tests run in and every other it builds (the demo's, the prebuilt states', migrated_url's) start as copies of it
    instead of running the migrations anew, seconds each. No one stays connected to it (on PostgreSQL no one may be
    connected to a template)."""
    tmp = tmp_path_factory.mktemp("migrated")
    os.environ["GONGZHI_INSTANCE"] = str(tmp / "instance")
    url = create_database(process_database_url(tmp, "migrated"))
    with create_app(app_config(url, tmp)).app_context():
        upgrade()
        db.session.remove()
        db.engine.dispose()
    yield url
    drop_scratch_database(url)


@pytest.fixture(scope="session")
def app(migrated_database, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gongzhi")
    os.environ["GONGZHI_INSTANCE"] = str(tmp / "instance")
    url = create_database(process_database_url(tmp, "main"), template=migrated_database)
    application = create_app(app_config(url, tmp))
    application.test_client_class = FreshContextClient
    yield application
    with application.app_context():
        db.engine.dispose()
    drop_scratch_database(url)


@dataclass(frozen=True)
class SideDatabase:
    """A database of this process's own holding a state built once per run: the demo data (`flask demo`, some 34
    PDFs rendered with WeasyPrint, seconds of work that every test reading the demo used to repeat), or a state many
    tests start from (tests.prebuilt). `built` is what the build returned: the demo's printed lines, or the ids of
    what a state's helpers hand over."""

    url: str
    engine: sa.Engine
    built: object

    @property
    def lines(self) -> list[str]:
        """What the demo's load printed."""
        return self.built


def build_side_database(app, migrated_database: str, tmp_path_factory, name: str, build) -> SideDatabase:
    """A copy of the migrated database (migrated_database) and then `build()`, run in the test app with its engine
    pointed at that database for the while."""
    url = create_database(process_database_url(tmp_path_factory.mktemp(name), name), template=migrated_database)
    engine = sa.create_engine(url)
    install_sqlite_pragmas(engine)
    with app.app_context():
        own = db.engines[None]
        db.engines[None] = engine
        try:
            built = build()
        finally:
            db.session.remove()
            db.engines[None] = own
    return SideDatabase(url, engine, built)


def side_database(app, migrated_database: str, tmp_path_factory, name: str, build):
    """The body of a session fixture of a state built once per process: yields the database, then drops it."""
    built = build_side_database(app, migrated_database, tmp_path_factory, name, build)
    yield built
    built.engine.dispose()
    drop_scratch_database(built.url)


@pytest.fixture(scope="session")
def demo_database(app, migrated_database, tmp_path_factory):
    """Built by the real migrations and the real demo loaders (PDFs rendered). Tests get it through `demo_data`,
    inside a transaction that is rolled back like any other, so every test sees it as loaded."""
    yield from side_database(app, migrated_database, tmp_path_factory, "demo", load_all)


@pytest.fixture(scope="session")
def contract_database(app, migrated_database, tmp_path_factory):
    """An active contract (tests.projects.contract_helpers), committed, for the tests that start from one (see
    tests.prebuilt)."""
    from tests.projects.contract_helpers import build_active_contract

    def build():
        officer, manager, contract = build_active_contract(app)
        db.session.commit()
        return {"active_contract": prebuilt.ids(officer=officer, manager=manager, contract=contract)}

    yield from side_database(app, migrated_database, tmp_path_factory, prebuilt.CONTRACT, build)


@pytest.fixture(scope="session")
def awarded_database(app, migrated_database, tmp_path_factory):
    """A call awarded (tests.projects.contract_helpers.awarded_decision), committed, for the tests that start from
    one (see tests.prebuilt)."""
    from tests.projects.contract_helpers import build_awarded_decision

    def build():
        officer, decision, manager = build_awarded_decision(app)
        db.session.commit()
        return {"awarded_decision": prebuilt.ids(officer=officer, decision=decision, manager=manager)}

    yield from side_database(app, migrated_database, tmp_path_factory, prebuilt.AWARDED, build)


@pytest.fixture(scope="session")
def panel_database(app, migrated_database, tmp_path_factory):
    """A review panel drawn for a closed call (tests.evaluation.helpers.review_panel), committed, for the tests that
    start from one (see tests.prebuilt)."""
    from tests.evaluation.helpers import build_review_panel

    def build():
        officer, call, orgs, props, panel = build_review_panel(app)
        db.session.commit()
        return {"review_panel": prebuilt.ids(officer=officer, call=call, orgs=orgs, props=props, panel=panel)}

    yield from side_database(app, migrated_database, tmp_path_factory, prebuilt.PANEL, build)


def pytest_configure(config):
    config.addinivalue_line("markers", f"{prebuilt.MARKER}(state): runs on the database holding that state, built "
                                       "once per process (tests.prebuilt)")


def pytest_collection_modifyitems(items):
    for item in items:
        if state := prebuilt.state_for(item):
            item.add_marker(getattr(pytest.mark, prebuilt.MARKER)(state))


@pytest.fixture
def demo_data(demo_database):
    """The demo data, loaded: the test's transaction (see _transaction) runs on the demo's database."""
    return demo_database


@pytest.fixture(autouse=True)
def _transaction(request, app):
    """Everything a test does happens in one transaction that is rolled back afterwards: on the test database, on
    the demo's for a test that asks for `demo_data`, or on a prebuilt state's (tests.prebuilt) for a test marked
    `prebuilt`."""
    if request.node.get_closest_marker("e2e") or request.node.get_closest_marker("committing"):
        assert "demo_data" not in request.fixturenames, "demo_data is only rolled back, never committed to"
        yield
        return
    side = None
    if "demo_data" in request.fixturenames:
        side = request.getfixturevalue("demo_database")
    elif marker := request.node.get_closest_marker(prebuilt.MARKER):
        side = request.getfixturevalue(f"{marker.args[0]}_database")
        prebuilt.offer(side.built)
    with app.app_context():
        engine = db.engine
        connection = (side.engine if side else engine).connect()
        outer = connection.begin()
        db.engines[None] = connection  # Flask-SQLAlchemy resolves binds through this mapping
        db.session.configure(join_transaction_mode="create_savepoint")
        limiter.reset()
        try:
            yield
        finally:
            prebuilt.withdraw()
            db.session.remove()
            outer.rollback()
            connection.close()
            db.engines[None] = engine


@pytest.fixture
def session(app):
    with app.app_context():
        yield db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def scratch_url(tmp_path):
    url = make_scratch_database(tmp_path)
    yield url
    drop_scratch_database(url)


@pytest.fixture
def migrated_url(migrated_database, tmp_path):
    """A new database of the test's own, as the migrations leave it (a copy of migrated_database): for the tests
    whose committed rows other connections and processes must see, without running the migrations anew for each
    (seconds a test). An upgrade() on it finds nothing to do."""
    url = copy_scratch_database(migrated_database, tmp_path)
    yield url
    drop_scratch_database(url)


@pytest.fixture
def login_as(client, session):
    """login_as(user) logs the test client in through the real login form."""

    def _login(user, password="correct-horse-1"):
        response = login(client, user.username, password)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _login


@pytest.fixture
def calendar_through_2026(monkeypatch):
    """The holiday package as it was before the State Council announced 2027's holidays. The tests of years it
    does not know use 2027; a release that knows 2027 would otherwise turn them into tests of the statutory
    calendar. The package's own tables, cut at 2026, are what such a release would have shipped without."""
    from chinese_calendar import utils

    for name in ("holidays", "workdays", "in_lieu_days"):
        table = getattr(utils, name)
        monkeypatch.setattr(utils, name, {d: v for d, v in table.items() if d.year <= 2026})
