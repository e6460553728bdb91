"""Learners' pages: course home, module page, self-test, audio and PDF."""

from app.i18n import localized_blueprint

bp = localized_blueprint("learn", __name__)

from app.learn import audio, pdf, podcast, routes  # noqa: E402,F401
