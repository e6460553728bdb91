"""The tool's side of LTI 1.3 for pylti1p3: its key, the registered platforms, the launch cache.

- The tool's RSA key is made once, in the instance folder (`lti/private_key.pem`, mode
  0600); its public half is served at /lti/jwks.
- `ToolConf` reads the platforms that `omnicourse lti add-platform` registered.
- `DbLaunchStorage` keeps the OIDC nonces, the states and the launch data in the
  database, so any server process can finish a launch another began; `OneTimeNonces`
  deletes a nonce when a launch uses it, so an id_token cannot be launched twice.
"""

from __future__ import annotations

import os
import threading
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import current_app
from pylti1p3.contrib.flask import FlaskSessionService
from pylti1p3.deployment import Deployment
from pylti1p3.launch_data_storage.cache import CacheDataStorage
from pylti1p3.registration import Registration
from pylti1p3.tool_config import ToolConfAbstract
from sqlalchemy.orm import Session

from app.models import LtiCache, LtiPlatform, utcnow

KEY_FILE = Path("lti") / "private_key.pem"
KEY_BITS = 2048
LAUNCH_DATA_SECONDS = 2 * 3600  # a teacher has this long to pick a module
_key_lock = threading.Lock()


def private_key_pem(instance: Path) -> str:
    """The tool's private key (PEM), created on first use, readable by its owner only."""
    path = instance / KEY_FILE
    with _key_lock:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            # Written whole under another name, then linked: another process starting at
            # the same moment either wins (and both use its key) or never sees half a file.
            draft = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
            fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as file:
                file.write(pem)
            try:
                os.link(draft, path)
            except FileExistsError:
                pass
            finally:
                draft.unlink()
    return path.read_text()


@cache
def _public_pem(private_pem: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def tool_keys() -> tuple[str, str]:
    """The tool's private and public keys (PEM)."""
    private = private_key_pem(Path(current_app.instance_path))
    return private, _public_pem(private)


def public_jwks() -> dict[str, list[dict[str, Any]]]:
    """The tool's public key set: the public key only, with its id (a thumbprint)."""
    public = Registration.get_jwk(tool_keys()[1])
    return {"keys": [{name: public[name] for name in ("kty", "kid", "n", "e", "alg", "use")}]}


class TimeoutSession(requests.Session):
    """A requests session whose every call gives up after LTI_TIMEOUT_SECONDS."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout
        self.headers["User-Agent"] = "omnicourse-lti"

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        return super().request(*args, **kwargs)


def http_session() -> TimeoutSession:
    return TimeoutSession(float(current_app.config["LTI_TIMEOUT_SECONDS"]))


def registration_of(platform: LtiPlatform) -> Registration:
    private, public = tool_keys()
    return (
        Registration()
        .set_issuer(platform.issuer)
        .set_client_id(platform.client_id)
        .set_key_set_url(platform.keys_url)
        .set_auth_login_url(platform.auth_login_url)
        .set_auth_token_url(platform.token_url)
        .set_tool_private_key(private)
        .set_tool_public_key(public)
    )


def find_platform(db: Session, issuer: str, client_id: str | None) -> LtiPlatform | None:
    """The platform registered with this issuer and client id; without a client id, the
    issuer's only one."""
    query = sa.select(LtiPlatform).where(LtiPlatform.issuer == issuer)
    if client_id:
        return db.scalar(query.where(LtiPlatform.client_id == client_id))
    found = db.scalars(query.limit(2)).all()
    return found[0] if len(found) == 1 else None


class ToolConf(ToolConfAbstract):
    """pylti1p3's view of the platforms registered in the database (one issuer may have
    several client ids)."""

    def __init__(self, db: Session) -> None:
        super().__init__()
        self.db = db

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def platform(self, iss: str, client_id: str | None) -> LtiPlatform | None:
        return find_platform(self.db, iss, client_id)

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any):
        found = self.platform(iss, None)
        return registration_of(found) if found else None

    def find_registration_by_params(self, iss: str, client_id: str, *args: Any, **kwargs: Any):
        found = self.platform(iss, client_id)
        return registration_of(found) if found else None

    def find_deployment(self, iss: str, deployment_id: str):
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(self, iss, deployment_id, client_id, *args, **kwargs):
        found = self.platform(iss, client_id)
        if found is None or deployment_id not in (found.deployment_ids or []):
            return None
        return Deployment().set_deployment_id(deployment_id)


class _DbCache:
    """A cache in the `lti_cache` table: get, set with a lifetime, and take (get once)."""

    def __init__(self, db: Session) -> None:
        self.db = db

    def get(self, key: str) -> Any:
        row = self.db.get(LtiCache, key)
        if row is None or row.expires_at <= utcnow():
            return None
        return row.value

    def set(self, key: str, value: Any, exp: int | None = None) -> None:
        now = utcnow()
        self.db.execute(sa.delete(LtiCache).where(LtiCache.expires_at <= now))
        lifetime = timedelta(seconds=exp or LAUNCH_DATA_SECONDS)
        row = self.db.get(LtiCache, key)
        if row is None:
            self.db.add(LtiCache(key=key, value=value, expires_at=now + lifetime))
        else:
            row.value, row.expires_at = value, now + lifetime
        self.db.commit()

    def take(self, key: str) -> bool:
        """Delete a live value; True only for the one caller that deleted it."""
        deleted = self.db.execute(
            sa.delete(LtiCache).where(LtiCache.key == key, LtiCache.expires_at > utcnow())
        )
        self.db.commit()
        return deleted.rowcount == 1


class DbLaunchStorage(CacheDataStorage):
    """pylti1p3's launch data storage, in the database. Over HTTPS each browser's values
    are keyed by the `lti1p3-session-id` cookie pylti1p3 sets (Secure, SameSite=None)."""

    def __init__(self, db: Session) -> None:
        super().__init__()
        self._cache = _DbCache(db)

    def take_value(self, key: str) -> bool:
        return self._cache.take(self._prepare_key(key))


class OneTimeNonces(FlaskSessionService):
    """pylti1p3's session service whose nonces work once: a replayed id_token fails."""

    def check_nonce(self, nonce: str) -> bool:
        storage = self.data_storage
        if not isinstance(storage, DbLaunchStorage):
            raise TypeError("nonces are kept in the database")
        return storage.take_value(self._get_key("nonce", nonce))
