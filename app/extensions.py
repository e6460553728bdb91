"""Extension objects, created unbound and attached in `init_app`."""

from __future__ import annotations

from flask import Flask
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    csrf.init_app(app)
