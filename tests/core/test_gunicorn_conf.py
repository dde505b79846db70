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
