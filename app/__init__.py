"""The Flask application: `create_app()` wires config, extensions and blueprints."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Any

from flask import Flask

from app import config as app_config
from app import (
    content,
    db,
    errors,
    extensions,
    i18n,
    lti,
    mail,
    page_cache,
    proxy,
    rebuild,
    security,
    web,
    xapi,
)

log = logging.getLogger(__name__)

# One blueprint package per feature; each exposes `bp`.
BLUEPRINTS = [
    "app.main",
    "app.learn",
    "app.feedback",
    "app.auth",
    "app.progress",
    "app.api",
    "app.translate",
    "app.admin",
    "app.certificates",
    "app.studio",
    "app.lti",
]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the app; `config` overrides defaults and the environment."""
    instance = Path((config or {}).get("INSTANCE_PATH") or app_config.instance_path())
    app = Flask(
        __name__,
        instance_path=str(instance),
        static_folder=str(app_config.PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(app_config.defaults(instance))
    app.config.from_prefixed_env("OMNICOURSE")
    if config:
        app.config.from_mapping(config)
    instance.mkdir(parents=True, exist_ok=True)
    # Flask-Babel shows every stored (UTC) time in the site's zone: dates on pages and filters.
    app.config["BABEL_DEFAULT_TIMEZONE"] = app_config.time_zone(app.config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = app_config.secret_key(instance)

    page_cache.init_app(app)  # first: the proxy's and the Host header's checks wrap it
    proxy.init_app(app)
    content.init_app(app)
    rebuild.init_app(app)
    web.init_app(app)
    extensions.init_app(app)
    db.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    mail.init_app(app)
    xapi.init_app(app)
    lti.init_app(app)

    for name in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(name).bp)
    return app
