"""`omnicourse lti`: register learning platforms (LMSs) as LTI 1.3 platforms, list, remove."""

from __future__ import annotations

from urllib.parse import urlsplit

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from app.lti.tool import find_platform
from app.models import LtiPlatform, LtiScore
from app.models.lti import ID_MAX, URL_MAX
from app.proxy import external_url

LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def _url(name: str, value: str) -> str:
    """An https URL (http only on the loopback, for trying a platform locally)."""
    value = value.strip()
    parts = urlsplit(value)
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK)
    if not secure or not parts.hostname or len(value) > URL_MAX:
        raise click.BadParameter(
            f"{value!r} is not an https:// address (http:// only for localhost)", param_hint=name
        )
    return value


def _text(name: str, value: str) -> str:
    value = value.strip()
    if not value or len(value) > ID_MAX or any(ord(c) < 32 for c in value):
        raise click.BadParameter(
            f"give a value of 1 to {ID_MAX} characters, on one line", param_hint=name
        )
    return value


@click.group()
def lti() -> None:
    """LTI 1.3: the learning platforms that may launch the course."""


@lti.command("add-platform")
@click.option(
    "--issuer", required=True, help="The platform's issuer (iss), e.g. https://moodle.example.org"
)
@click.option("--client-id", required=True, help="The client id the platform gave the tool.")
@click.option("--keys-url", required=True, help="The platform's public keyset URL (JWKS).")
@click.option("--auth-login-url", required=True, help="The platform's OIDC authentication URL.")
@click.option("--token-url", required=True, help="The platform's access token URL (grades).")
@click.option(
    "--deployment",
    "deployments",
    required=True,
    multiple=True,
    help="A deployment id of the tool on the platform (repeat for several).",
)
@with_appcontext
def add_platform(issuer, client_id, keys_url, auth_login_url, token_url, deployments) -> None:
    """Register a platform, so its launches are accepted."""
    issuer = _url("--issuer", issuer)
    client_id = _text("--client-id", client_id)
    deployment_ids = sorted({_text("--deployment", d) for d in deployments})
    platform = LtiPlatform(
        issuer=issuer,
        client_id=client_id,
        keys_url=_url("--keys-url", keys_url),
        auth_login_url=_url("--auth-login-url", auth_login_url),
        token_url=_url("--token-url", token_url),
        deployment_ids=deployment_ids,
    )
    with current_app.extensions["db_sessionmaker"]() as db:
        if find_platform(db, issuer, client_id) is not None:
            raise click.UsageError(
                f"{issuer} with client id {client_id} is registered already: "
                "`omnicourse lti remove-platform` it first to change it"
            )
        db.add(platform)
        db.commit()
    click.echo(f"Registered {issuer} (client id {client_id}, deployment(s) "
               f"{', '.join(deployment_ids)}).")  # fmt: skip
    _tool_urls()


@lti.command("list")
@with_appcontext
def list_platforms() -> None:
    """The platforms registered, with the tool's URLs to give them."""
    with current_app.extensions["db_sessionmaker"]() as db:
        platforms = db.scalars(sa.select(LtiPlatform).order_by(LtiPlatform.id)).all()
        waiting = db.scalar(
            sa.select(sa.func.count()).select_from(LtiScore)
            .where(LtiScore.sent_at.is_(None), LtiScore.failed_at.is_(None))
        )  # fmt: skip
    if not platforms:
        click.echo("No platform is registered: add one with `omnicourse lti add-platform`.")
    for platform in platforms:
        click.echo(f"{platform.issuer}  client id: {platform.client_id}")
        click.echo(f"  deployments: {', '.join(platform.deployment_ids)}")
        click.echo(f"  keys: {platform.keys_url}")
        click.echo(f"  login: {platform.auth_login_url}")
        click.echo(f"  token: {platform.token_url}")
    click.echo(f"Scores waiting to be sent: {waiting or 0}")
    _tool_urls()


@lti.command("remove-platform")
@click.option("--issuer", required=True)
@click.option("--client-id", required=True)
@with_appcontext
def remove_platform(issuer: str, client_id: str) -> None:
    """Forget a platform: its launches are refused, its learners' scores are no longer sent."""
    with current_app.extensions["db_sessionmaker"]() as db:
        found = find_platform(db, issuer.strip(), client_id.strip())
        if found is None:
            raise click.UsageError(f"no platform {issuer} with client id {client_id}")
        db.delete(found)
        db.commit()
    click.echo(f"Removed {issuer} (client id {client_id}).")


def _tool_urls() -> None:
    with current_app.test_request_context():
        click.echo("The tool's URLs for the platform:")
        click.echo(f"  login initiation: {external_url('lti.login')}")
        click.echo(f"  redirect (launch): {external_url('lti.launch')}")
        click.echo(f"  public keyset: {external_url('lti.jwks')}")
        click.echo(f"  deep linking: {external_url('lti.launch')}")
