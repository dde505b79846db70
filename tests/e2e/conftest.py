"""A real server (in a thread, on its own SQLite database with the demo data, on a free port) and a real headless
Chromium. Under pytest-xdist (make test) these tests all run on one worker: see pytest_xdist_make_scheduler in
tests/conftest.py."""

import os
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from werkzeug.serving import make_server

from app import create_app
from core.demo import load_all
from tests.conftest import ON_POSTGRES, app_config

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def copy_sqlite_database(source_url: str, target: Path) -> None:
    """A consistent copy of a SQLite database (its WAL included), through SQLite's backup API."""
    source = sqlite3.connect(sa.make_url(source_url).database)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()


@pytest.fixture(scope="session")
def live_app_server(tmp_path_factory, request):
    tmp = tmp_path_factory.mktemp("e2e")
    database = tmp / "e2e.db"
    if not ON_POSTGRES:  # a copy of the demo's database as this process loaded it (PDFs and all), not a second load
        copy_sqlite_database(request.getfixturevalue("demo_database").url, database)
    os.environ["GONGZHI_INSTANCE"] = str(tmp / "instance")
    application = create_app(app_config(f"sqlite:///{database}", tmp, WTF_CSRF_ENABLED=True))
    with application.app_context():
        upgrade()
        load_all()  # on the copy, the loaders find their data there and add nothing
    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.base_url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()


@pytest.fixture(scope="session")
def live_server(live_app_server):
    return live_app_server.base_url


@pytest.fixture(scope="session")
def live_app(live_app_server):
    return live_app_server.app


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})  # a phone
    pg = context.new_page()
    yield pg
    context.close()
