"""Gongzhi 共治: the application factory."""

import logging
import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=os.environ.get("GONGZHI_INSTANCE", str(Path(__file__).parent / "instance")))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from core.config import load_config

    app.config.update(load_config(app.instance_path, config))
    if app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"], x_proto=1, x_host=1)
    for noisy in ("weasyprint", "fontTools"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from accounts.sessions import load_session_user
    from accounts.tokens import user_for_token
    from core.api import init_api
    from core.db import db, install_sqlite_pragmas, render_migration_item
    from core.errors import register_error_handlers
    from core.extensions import babel, bootstrap, csrf, init_limiter, login_manager, migrate
    from core.i18n import select_locale
    from core.security import init_security
    from core.templating import init_templating
    from core.views import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter
    db.init_app(app)
    with app.app_context():
        install_sqlite_pragmas(db.engine)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True,
                     render_item=render_migration_item, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    bootstrap.init_app(app)
    init_limiter(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_session_user)
    init_security(app)
    init_templating(app)
    register_error_handlers(app)
    init_api(app, user_for_token)


def _register_blueprints(app: Flask) -> None:
    from accounts import admin_views, need_api, need_views
    from accounts import api as accounts_api
    from accounts import views as accounts_views
    from audit import api as audit_api
    from audit import views as audit_views
    from core import api_reference, openapi
    from core import views as core_views
    from evaluation import api as evaluation_api
    from evaluation import labels as _evaluation_labels  # noqa: F401
    from evaluation import project_api, project_views, survey_views
    from evaluation import views as evaluation_views
    from orgs import api as orgs_api
    from orgs import labels as _orgs_labels  # noqa: F401  (registers audit and notification texts)
    from orgs import officer_views as orgs_officer_views
    from orgs import views as orgs_views
    from projects import api as projects_api
    from projects import contract_api, contract_views, proposal_views
    from projects import labels as _projects_labels  # noqa: F401
    from projects import views as calls_views
    from vouchers import api as vouchers_api
    from vouchers import labels as _vouchers_labels  # noqa: F401
    from vouchers import views as vouchers_views

    for bp in (core_views.bp, accounts_views.bp, admin_views.bp, audit_views.bp, audit_views.documents_bp,
               orgs_views.bp, orgs_officer_views.bp, calls_views.bp, proposal_views.bp, contract_views.bp,
               evaluation_views.bp, accounts_api.bp, audit_api.bp, orgs_api.bp, projects_api.bp, evaluation_api.bp,
               vouchers_api.bp, project_views.bp, survey_views.public_bp, project_api.bp, contract_api.bp,
               vouchers_views.bp, openapi.bp, api_reference.bp, need_views.bp, need_api.bp):
        app.register_blueprint(bp)


def _register_cli(app: Flask) -> None:
    import accounts.demo  # noqa: F401  (registers its demo loader)
    import accounts.resident_models  # noqa: F401
    import core.calendar  # noqa: F401
    import evaluation.demo  # noqa: F401
    import evaluation.project_demo  # noqa: F401
    import orgs.demo  # noqa: F401
    import projects.award_models  # noqa: F401
    import projects.contract_demo  # noqa: F401
    import projects.contract_models  # noqa: F401
    import projects.demo  # noqa: F401
    import vouchers.demo  # noqa: F401  (registers its demo loader)
    import vouchers.models  # noqa: F401
    import vouchers.redemption_models  # noqa: F401
    from accounts.cli import users_cli
    from audit.cli import audit_cli
    from core.demo import demo_command
    from core.uploads_cli import uploads_cli
    from evaluation.cli import evaluations_cli
    from projects.cli import calls_cli, contracts_cli
    from vouchers.cli import vouchers_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(calls_cli)
    app.cli.add_command(contracts_cli)
    app.cli.add_command(evaluations_cli)
    app.cli.add_command(vouchers_cli)
    app.cli.add_command(uploads_cli)
