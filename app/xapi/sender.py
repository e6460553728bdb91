"""Posting the outbox to the LRS: batches, retries with back-off, each statement once.

`send_due` claims the statements that are due (app/outbox.py: several processes
never send one twice at once), posts them in batches to
`<XAPI_ENDPOINT>/statements` with HTTP Basic (XAPI_KEY, XAPI_SECRET) and
`X-Experience-API-Version: 1.0.3`, and records the answer:

- 200 or 204: delivered;
- 409 or 400 for a batch: each statement is sent again on its own (`PUT
  ?statementId=`), so one conflict or one refused statement does not hold up the rest;
- 409 for one statement: the LRS already holds a statement with its id, which is
  only ever this one (ids are random and assigned once), so it counts as delivered;
- 400 for one statement: the LRS will never take it; given up at once;
- anything else (unreachable, a timeout, 401, 5xx): tried again after 1, 2, 4 …
  minutes, and given up after XAPI_MAX_ATTEMPTS tries.

The credentials go in the Authorization header only: no log line or error names them.
"""

from __future__ import annotations

import base64
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from app.models import XapiStatement, utcnow
from app.outbox import BackgroundSender, claim_next, forget_old, mark_delivered, mark_failed

log = logging.getLogger(__name__)

XAPI_VERSION = "1.0.3"
KEPT_AFTER_SENDING = timedelta(days=30)
DELIVERED = (200, 204)


class Refused(Exception):
    """The LRS answered with an error status."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"the LRS answered {status}: {detail[:200]}")
        self.status = status


def send_due(app: Flask, now: datetime | None = None, *, waiting_too: bool = False) -> int:
    """Post every statement that is due (`waiting_too`: every one not given up, whenever
    its next attempt was planned); how many the LRS now holds."""
    config = app.config
    if not config.get("XAPI_ENDPOINT"):
        return 0
    batch_size = max(1, int(config["XAPI_BATCH"]))
    delivered = 0
    with app.app_context(), app.extensions["db_sessionmaker"]() as db:
        forget_old(db, XapiStatement, now or utcnow(), KEPT_AFTER_SENDING)
        while True:
            due_by = datetime.max if waiting_too else None
            batch = _claim_batch(db, now or utcnow(), batch_size, due_by)
            if not batch:
                break
            delivered += _deliver(config, db, batch, now or utcnow())
            if any(row.sent_at is None and row.failed_at is None for row in batch):
                break  # the LRS is not taking statements now: the rest wait for their turn
    return delivered


def _claim_batch(
    db: Session, now: datetime, size: int, due_by: datetime | None
) -> list[XapiStatement]:
    batch: list[XapiStatement] = []
    while (
        len(batch) < size and (row := claim_next(db, XapiStatement, now, due_by=due_by)) is not None
    ):
        batch.append(row)
    return batch


def _deliver(config: Mapping[str, Any], db: Session, batch: list[XapiStatement], now) -> int:
    try:
        post(config, [json.loads(row.body) for row in batch])
    except Refused as error:
        if error.status not in (400, 409) or len(batch) == 1:
            return _failed(config, db, batch, error, now)
        return sum(_deliver(config, db, [row], now) for row in batch)
    except OSError as error:  # unreachable, refused, a timeout
        return _failed(config, db, batch, error, now)
    for row in batch:
        mark_delivered(row, utcnow())
    db.commit()
    log.info("the LRS received %d statement(s)", len(batch))
    return len(batch)


def _failed(config, db: Session, batch: list[XapiStatement], error: Exception, now) -> int:
    status = getattr(error, "status", None)
    if status == 409 and len(batch) == 1:
        # Our id is already there: an earlier attempt arrived though its answer did not.
        mark_delivered(batch[0], utcnow())
        db.commit()
        log.warning("the LRS already had statement %s", batch[0].statement_id)
        return 1
    most = int(config["XAPI_MAX_ATTEMPTS"])
    for row in batch:
        permanent = status == 400 and len(batch) == 1
        if mark_failed(row, error, now, most, permanent=permanent):
            log.error("gave up sending statement %s: %s", row.statement_id, error)
    db.commit()
    log.warning(
        "could not send %d statement(s) to the LRS, trying again at %s: %s",
        len(batch), batch[0].next_attempt_at, error,
    )  # fmt: skip
    return 0


def post(config: Mapping[str, Any], statements: list[dict[str, Any]]) -> None:
    """Send statements to the LRS: one with PUT (its id in the URL), several with POST."""
    url = statements_url(config)
    method = "POST"
    body: Any = statements
    if len(statements) == 1:
        url += "?" + urllib.parse.urlencode({"statementId": statements[0]["id"]})
        method, body = "PUT", statements[0]
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method=method, headers=_headers(config)
    )
    timeout = float(config["XAPI_TIMEOUT_SECONDS"])
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        detail = error.read().decode(errors="replace")
        raise Refused(error.code, detail) from None
    if status not in DELIVERED:
        raise Refused(status, "")


def statements_url(config: Mapping[str, Any]) -> str:
    return str(config["XAPI_ENDPOINT"]).rstrip("/") + "/statements"


def shown_endpoint(config: Mapping[str, Any]) -> str:
    """The endpoint for people to read: without any user name or password written in it."""
    parts = urllib.parse.urlsplit(str(config.get("XAPI_ENDPOINT") or ""))
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))


def _headers(config: Mapping[str, Any]) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        "X-Experience-API-Version": XAPI_VERSION,
    }
    key, secret = str(config.get("XAPI_KEY") or ""), str(config.get("XAPI_SECRET") or "")
    if key or secret:
        token = base64.b64encode(f"{key}:{secret}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    return headers


def xapi_worker(app: Flask) -> BackgroundSender:
    """The sender thread of one server process (XAPI_WORKER, every XAPI_POLL_SECONDS)."""
    return BackgroundSender(
        app,
        "xapi-sender",
        send_due,
        enabled=bool(app.config.get("XAPI_WORKER", True) and app.config.get("XAPI_ENDPOINT")),
        poll=float(app.config["XAPI_POLL_SECONDS"]),
    )
