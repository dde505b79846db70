"""Configuration from the environment (DESIGN.md section 7)."""

import logging
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:5000"
log = logging.getLogger(__name__)


class ConfigError(RuntimeError):
    pass


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _warn_without_public_base_url(config: dict, overrides: dict) -> None:
    """In production (neither debugging nor testing) without PUBLIC_BASE_URL, every PDF's verification QR code
    leads to this machine's loopback address, which nobody who scans it can open: said at startup. A warning, not an
    error: a CLI command or a trial run may do without a public address."""
    if config["TESTING"] or config["DEBUG"] or os.environ.get("PUBLIC_BASE_URL") or overrides.get("PUBLIC_BASE_URL"):
        return
    log.warning("PUBLIC_BASE_URL is not set: the verification QR codes on PDFs point to %s, which nobody else can "
                "open. Set PUBLIC_BASE_URL to the site's public address (https://...) in production.",
                DEFAULT_PUBLIC_BASE_URL)


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the Flask config: defaults, then environment variables, then explicit overrides."""
    overrides = dict(overrides or {})
    testing = overrides.get("TESTING", _bool("GONGZHI_TESTING"))
    debug = overrides.get("DEBUG", _bool("FLASK_DEBUG"))
    sqlite_default = "sqlite:///" + str(Path(instance_path) / "gongzhi.db")
    config = {
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        # Encrypts residents' ID numbers and keys their lookup hash (core.personal); falls back to SECRET_KEY.
        "PERSONAL_DATA_KEY": os.environ.get("PERSONAL_DATA_KEY") or None,
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL") or sqlite_default,
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        # One uploaded file's cap (core.uploads refuses a larger file beside its field, the form kept, 422)...
        "MAX_UPLOAD_BYTES": int(os.environ.get("MAX_UPLOAD_MB", "20")) * 1024 * 1024,
        # ...and the whole request's, well above it: a body over this is refused before the form is read (413,
        # everything typed lost), and a progress report carries several phone photos, each within the file cap.
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_REQUEST_MB", "200")) * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        # Sessions are permanent (set at login); the cookie is re-sent only when the session changes, not re-signed
        # on every response. A session thus lasts PERMANENT_SESSION_LIFETIME from its last change, and logging out
        # or rotating the user's nonce ends it at once either way.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Secure cookies whenever the site is served over HTTPS (set by the deployment).
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE"),
        "PREFERRED_URL_SCHEME": os.environ.get("PREFERRED_URL_SCHEME", "http"),
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL") or DEFAULT_PUBLIC_BASE_URL,
        "REMEMBER_COOKIE_DURATION": 0,
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "BABEL_TRANSLATION_DIRECTORIES": str(BASE_DIR / "translations"),
        "LANGUAGES": ["zh_Hans_CN", "en"],
        "BOOTSTRAP_SERVE_LOCAL": True,
        "LOGIN_IP_LIMIT": os.environ.get("LOGIN_IP_LIMIT", "30 per minute"),
        "LOGIN_ACCOUNT_LIMIT": os.environ.get("LOGIN_ACCOUNT_LIMIT", "5 per 15 minutes"),
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "SMTP_HOST": os.environ.get("SMTP_HOST") or None,
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "25")),
        "SMTP_USER": os.environ.get("SMTP_USER") or None,
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD") or None,
        "SMTP_FROM": os.environ.get("SMTP_FROM", "gongzhi@localhost"),
        "SMTP_STARTTLS": _bool("SMTP_STARTTLS"),
        # Contract payments above this (in fen; default 100,000 yuan) need two officers: one approves, another pays.
        "TWO_PERSON_APPROVAL_ABOVE_FEN": int(os.environ.get("TWO_PERSON_APPROVAL_ABOVE_FEN") or 10_000_000),
        # The purchasing side (购买方/采购人) named on contracts and award notices: the office buying the services.
        "PURCHASER_NAME": os.environ.get("PURCHASER_NAME", "").strip() or "街道办事处",
        "TESTING": testing,
        "DEBUG": debug,
    }
    config.update(overrides)
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql://"):
        # Use psycopg 3, the driver the project installs.
        config["SQLALCHEMY_DATABASE_URI"] = config["SQLALCHEMY_DATABASE_URI"].replace(
            "postgresql://", "postgresql+psycopg://", 1
        )
    # A database server may drop idle connections (a restart, a proxy's timeout): test each one as it leaves the
    # pool. A SQLite file has no server, so its connections need no such round trip on every request. A database
    # error's message leaves out the statement's parameters (names, phone numbers): it goes to the error log.
    config.setdefault("SQLALCHEMY_ENGINE_OPTIONS",
                      {"hide_parameters": True} if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
                      else {"hide_parameters": True, "pool_pre_ping": True})
    if not config["SECRET_KEY"]:
        if not (config["TESTING"] or config["DEBUG"]):
            raise ConfigError("SECRET_KEY must be set (it may be omitted only in debug or testing)")
        config["SECRET_KEY"] = "insecure-development-key"
    _warn_without_public_base_url(config, overrides)
    config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"] or "memory://"
    config["RATELIMIT_HEADERS_ENABLED"] = False
    return config
