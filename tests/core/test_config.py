import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.config import ConfigError, load_config


def test_secret_key_is_required_in_production(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("GONGZHI_TESTING", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(ConfigError):
        load_config(str(tmp_path))
    assert load_config(str(tmp_path), {"TESTING": True})["SECRET_KEY"]


def test_database_defaults_to_sqlite_in_instance_and_reads_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    config = load_config(str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/gongzhi.db"
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    config = load_config(str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"


def test_the_app_starts_with_rate_limits_switched_off(tmp_path):
    """RATELIMIT_ENABLED=False (a load test, say): Flask-Limiter then adds no request hook for the app to take off.
    In a fresh process: the limiter is one object, and switching it off here would switch it off for the suite."""
    script = ("from app import create_app\n"
              f"app = create_app({{'TESTING': True, 'RATELIMIT_ENABLED': False, 'REDIS_URL': None, "
              f"'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path / 'db.sqlite'}'}})\n"
              "print(app.test_client().get('/healthz').status_code)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).resolve().parents[2],
                          env={**os.environ, "GONGZHI_INSTANCE": str(tmp_path / "instance")},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "200"
