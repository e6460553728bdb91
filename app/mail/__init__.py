"""Email: rendered in the recipient's language, stored in the outbox, sent outside the request.

    queue_mail(db, "verify-email", user.email, user.locale, link=...)
    db.commit()          # the message is kept from here on, even if the server stops

After the request, the process's sender wakes and delivers what is due
(app/mail/sender.py): a slow or absent mail server never delays a page, and
a message that could not be delivered is tried again later.
"""

from __future__ import annotations

from flask import Flask, g

from app.mail.messages import queue_mail
from app.mail.sender import mail_worker, send_due

__all__ = ["init_app", "mail_worker", "queue_mail", "send_due"]


def init_app(app: Flask) -> None:
    worker = mail_worker(app)
    app.extensions["mail_worker"] = worker
    # In the process that serves (not one that forks workers): what an earlier run
    # left in the outbox goes out too, not only what this process queues.
    app.before_request(worker.start)

    @app.teardown_request
    def _wake_the_sender(error: BaseException | None) -> None:
        if g.pop("mail_queued", False) and error is None:
            worker.wake()
