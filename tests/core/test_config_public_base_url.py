"""In production (neither debugging nor testing) without PUBLIC_BASE_URL, every PDF's QR code led to
http://127.0.0.1:5000/verify/... unnoticed: startup now warns, naming the setting and nothing personal."""

import logging

import pytest

from core.config import DEFAULT_PUBLIC_BASE_URL, load_config


@pytest.fixture
def production(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x")
    for name in ("PUBLIC_BASE_URL", "GONGZHI_TESTING", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "core.config" and r.levelno == logging.WARNING]


def test_production_without_a_public_address_warns_at_startup(production, tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="core.config"):
        config = load_config(str(tmp_path))
    assert config["PUBLIC_BASE_URL"] == DEFAULT_PUBLIC_BASE_URL
    [message] = warnings(caplog)
    assert "PUBLIC_BASE_URL is not set" in message and DEFAULT_PUBLIC_BASE_URL in message


@pytest.mark.parametrize("setting", [{"env": "https://gz.example.cn"}, {"override": "https://gz.example.cn"},
                                     {"TESTING": True}, {"DEBUG": True}])
def test_no_warning_when_set_or_debugging_or_testing(production, tmp_path, caplog, setting):
    overrides = {k: v for k, v in setting.items() if k in ("TESTING", "DEBUG")}
    if "env" in setting:
        production.setenv("PUBLIC_BASE_URL", setting["env"])
    if "override" in setting:
        overrides["PUBLIC_BASE_URL"] = setting["override"]
    with caplog.at_level(logging.WARNING, logger="core.config"):
        config = load_config(str(tmp_path), overrides)
    assert warnings(caplog) == []
    if "env" in setting or "override" in setting:
        assert config["PUBLIC_BASE_URL"] == "https://gz.example.cn"


def test_an_empty_setting_is_unset(production, tmp_path, caplog):
    production.setenv("PUBLIC_BASE_URL", "")
    with caplog.at_level(logging.WARNING, logger="core.config"):
        assert load_config(str(tmp_path))["PUBLIC_BASE_URL"] == DEFAULT_PUBLIC_BASE_URL
    assert len(warnings(caplog)) == 1
