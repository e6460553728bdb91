"""Friendly error pages in the learner's language, never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def _render(status: int, title: str, message: str):
    return render_template("errors/error.html", status=status, title=title, message=message), status


def _csrf_error(error: CSRFError):
    return _render(
        400,
        _("This form has expired"),
        _("Please go back, reload the page and send the form again. Nothing was changed."),
    )


def _http_error(error: HTTPException):
    status = error.code or 500
    if status == 404:
        return _render(404, _("Page not found"), _("We could not find the page you asked for."))
    if status == 403:
        return _render(403, _("Not allowed"), _("Your account does not give access to this page."))
    if status == 429:
        body, status = _render(
            429, _("Please slow down"), _("Too many requests. Wait a minute and try again.")
        )
        retry = [(name, value) for name, value in error.get_headers() if name == "Retry-After"]
        return body, status, retry
    if status in (400, 413):
        return _render(status, _("Bad request"), _("The request could not be understood."))
    if status == 405:
        return _render(405, _("Not allowed"), _("This page cannot be used this way."))
    return error


def _unexpected_error(error: Exception):
    log.exception("unexpected error")
    return _render(
        500,
        _("Something went wrong"),
        _("Sorry, an unexpected error happened on our side. Please try again later."),
    )
