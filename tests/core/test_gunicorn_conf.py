"""The production gunicorn settings load, and each worker gets the short GIL switch interval after fork."""

import importlib
import sys


def test_gunicorn_settings_and_post_fork(monkeypatch):
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    monkeypatch.setenv("GUNICORN_SWITCH_INTERVAL", "0.001")
    conf = importlib.reload(importlib.import_module("gunicorn_conf"))
    assert conf.workers == 3 and conf.worker_class == "gthread" and conf.threads >= 1
    before = sys.getswitchinterval()
    try:
        conf.post_fork(None, None)
        assert abs(sys.getswitchinterval() - 0.001) < 1e-9
    finally:
        sys.setswitchinterval(before)


def test_the_access_log_names_the_path_but_not_the_query_or_the_referrer():
    """An administrator's search for a person (?q=a phone number) must not reach the access log."""
    from datetime import timedelta
    from types import SimpleNamespace

    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    conf = importlib.reload(importlib.import_module("gunicorn_conf"))
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/admin/users?q=13800001111", "PATH_INFO": "/admin/users",
               "QUERY_STRING": "q=13800001111", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.0.0.1",
               "HTTP_REFERER": "http://127.0.0.1/audit/?actor=张三"}
    atoms = Logger(Config()).atoms(SimpleNamespace(status="200 OK", sent=1234, headers=[]),
                                   SimpleNamespace(headers=[]), environ, timedelta(milliseconds=12))
    line = conf.access_log_format % atoms
    assert '"GET /admin/users HTTP/1.1" 200 1234 12ms' in line
    assert "13800001111" not in line and "张三" not in line
