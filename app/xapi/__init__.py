"""Learning records for an LRS: xAPI 1.0.3 statements of what learners do, sent outside the request.

With OMNICOURSE_XAPI_ENDPOINT set, each progress write also stores, in its own
transaction, a statement for each thing the learner did (app/xapi/outbox.py,
built by app/xapi/statements.py). After the request the process's sender wakes
and posts what is due (app/xapi/sender.py): a slow or absent LRS never delays a
page, and a statement that could not be delivered is tried again later, with
the same id. Without an endpoint nothing is stored.
"""

from __future__ import annotations

from flask import Flask, g

from app.xapi.sender import send_due, xapi_worker

__all__ = ["init_app", "send_due"]


def init_app(app: Flask) -> None:
    worker = xapi_worker(app)
    app.extensions["xapi_worker"] = worker
    # In the process that serves: what an earlier run left in the outbox goes out too.
    app.before_request(worker.start)

    @app.teardown_request
    def _wake_the_sender(error: BaseException | None) -> None:
        if g.pop("xapi_queued", False) and error is None:
            worker.wake()
