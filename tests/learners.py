"""Helpers for tests about accounts and progress: sign up, log in, post events, count queries."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import event

from app.auth.accounts import create_user, normalize_email
from tests.conftest import csrf_token
from tests.mail import link_to

PASSWORD = "correct horse battery"


def add_user(
    app, email: str, role: str = "learner", password: str = PASSWORD, verified: bool = True
) -> None:
    """Create an account directly in the database, as `omnicourse users create` does."""
    with app.extensions["db_sessionmaker"]() as session:
        create_user(session, email, password, role, verified=verified)
        session.commit()


def register(
    client,
    email: str,
    password: str = PASSWORD,
    confirm: str | None = None,
    *,
    follow_link: bool = True,
    **extra,
):
    """Sign up; with `follow_link`, then open the confirmation link the app sent (which
    logs in), as a learner does. Returns the answer to the sign-up form."""
    token = csrf_token(client.get("/auth/register").data)
    data = {"csrf_token": token, "email": email, "password": password}
    data["confirm"] = password if confirm is None else confirm
    response = client.post("/auth/register", data={**data, **extra})
    if follow_link and response.status_code == 302:
        confirm_link(client, normalize_email(email))
    return response


def confirm_link(client, email: str):
    """Open the newest confirmation link sent to `email` and press its button."""
    path = link_to(client.application, email, "verify-email", "/auth/verify/")
    if path is None:
        return None
    page = client.get(path)
    return client.post(path, data={"csrf_token": csrf_token(page.data)})


def login(client, email: str, password: str = PASSWORD, address: str = "127.0.0.1"):
    token = csrf_token(client.get("/auth/login").data)
    data = {"csrf_token": token, "email": email, "password": password}
    return client.post("/auth/login", data=data, environ_base={"REMOTE_ADDR": address})


def logout(client):
    token = csrf_token(client.get("/auth/logout").data)
    return client.post("/auth/logout", data={"csrf_token": token})


def api_token(client) -> str:
    return client.get("/api/token").json["csrf_token"]


def post_event(
    client, kind: str, module: str, section: str | None = None, token: str | None = None
):
    body = {"event": kind, "module": module, "section": section}
    headers = {"X-CSRFToken": token or api_token(client)}
    return client.post("/api/progress", json=body, headers=headers)


def progress_of(client, module: str) -> dict:
    return client.get("/api/progress").json["modules"][module]


@contextlib.contextmanager
def counting_queries(app) -> Iterator[list[tuple[str, object]]]:
    """Collect every SQL statement (with its parameters) the app's engine runs in the block."""
    statements: list[tuple[str, object]] = []
    engine = app.extensions["db_engine"]

    def collect(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", collect)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", collect)
