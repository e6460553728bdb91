"""LTI 1.3 tool: an LMS (the platform) launches a module, deep-links one, and gets the grades.

- /lti/login: OIDC login initiation (the platform → the tool → the platform's auth URL);
- /lti/launch: the launch (the platform's signed id_token), checked by pylti1p3:
  a learner lands on the module in the platform's language, without signing up; a
  deep-linking request shows the teacher the module picker;
- /lti/deep-link: the teacher's pick, returned to the platform as a signed response;
- /lti/jwks (and /lti/jwks.json): the tool's public key.

Platforms are registered with `omnicourse lti add-platform` (app/cli/lti.py); the
tool's key, the platform lookup and the launch cache are in app/lti/tool.py, the
learners of a platform in app/lti/learners.py, grade passback in app/lti/grades.py.
"""

from __future__ import annotations

from flask import Blueprint, Flask, g

bp = Blueprint("lti", __name__, url_prefix="/lti")


def init_app(app: Flask) -> None:
    from app.lti.grades import grades_worker

    worker = grades_worker(app)
    app.extensions["lti_grades_worker"] = worker
    app.before_request(worker.start)  # what an earlier run left in the outbox goes out too

    @app.teardown_request
    def _wake_the_sender(error: BaseException | None) -> None:
        if g.pop("lti_scores_queued", False) and error is None:
            worker.wake()


from app.lti import routes  # noqa: E402,F401
