"""Flask extensions, created once and bound in create_app()."""

from flask import request
from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
migrate = Migrate()
bootstrap = Bootstrap5()
# Only explicitly decorated routes are limited; the storage comes from RATELIMIT_STORAGE_URI
# (memory by default, Redis when REDIS_URL is set).
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=False)


def init_limiter(app) -> None:
    """Bind the limiter without its before-request check. That check exists for default, application and blueprint
    limits, which Gongzhi does not use: each limit decorates its view and is checked by the decorator when the view
    runs. Dropping the hook takes the limiter off every other request's path (it resolved the view's limits on
    every page)."""
    limiter.init_app(app)
    if limiter.limit_manager.default_limits or limiter.limit_manager.application_limits:
        raise RuntimeError("default or application rate limits need Flask-Limiter's before-request check")
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in hooks:  # not there when RATELIMIT_ENABLED is off
        hooks.remove(limiter._check_request_limit)


def client_ip() -> str:
    return request.remote_addr or "-"
