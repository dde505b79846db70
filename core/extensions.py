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


def client_ip() -> str:
    return request.remote_addr or "-"
