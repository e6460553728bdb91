"""Open Badges 3.0: a certificate as a signed verifiable credential, and checking one.

The credential is an OpenBadgeCredential (1EdTech Open Badges 3.0 on the W3C
Verifiable Credentials Data Model 2.0), secured as a VC-JWT: a JWS signed with
the site's Ed25519 key (alg EdDSA) whose payload is the credential itself, plus
the JWT claims `iss`, `jti`, `sub` and `nbf`. The key pair is made once, kept in
`instance/badge_key.pem` (0600) next to the secret key, and its public half is
published as a JWKS and in the issuer's profile.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app

from app.models import Certificate
from app.security import keyed_hash

KEY_FILE = "badge_key.pem"
ALGORITHM = "EdDSA"
MEDIA_TYPE = "vc+jwt"  # the JWS `typ` of a VC-JWT (VC-JOSE-COSE)
CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
MAX_CHARS = 64 * 1024  # a credential is a few KB; a bigger one is not ours


# --- the issuer's key ----------------------------------------------------------


def key_path(instance: Path) -> Path:
    return instance / KEY_FILE


def load_or_create_key(instance: Path) -> Ed25519PrivateKey:
    """The instance's signing key, created on first use (0600; workers starting at once
    meet at the link: the first file wins and every worker reads it)."""
    path = key_path(instance)
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        temporary = instance / f".{KEY_FILE}.{os.getpid()}"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(pem)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def signing_key() -> Ed25519PrivateKey:
    app = current_app._get_current_object()
    if "badge_key" not in app.extensions:
        app.extensions["badge_key"] = load_or_create_key(Path(app.instance_path))
    return app.extensions["badge_key"]


def public_jwk() -> dict[str, str]:
    """The public key as a JWK (RFC 8037), its `kid` the RFC 7638 thumbprint."""
    raw = (
        signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    jwk = {"crv": "Ed25519", "kty": "OKP", "x": _b64(raw)}
    thumbprint = hashlib.sha256(json.dumps(jwk, separators=(",", ":")).encode()).digest()
    return {**jwk, "kid": _b64(thumbprint), "alg": ALGORITHM, "use": "sig"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# --- the credential ------------------------------------------------------------


@dataclass(frozen=True)
class Achievement:
    """What the certificate is for, in one language."""

    id: str  # a URL of the course or module
    name: str
    description: str
    criteria: str
    locale: str  # the language name, description and criteria are written in


@dataclass(frozen=True)
class Issuer:
    id: str  # the issuer profile's URL
    name: str
    url: str  # the site's home page


def identity_hash(email: str, salt: str) -> str:
    """The OB 3.0 IdentityObject hash: sha256 of the address and its salt."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


def credential(
    certificate: Certificate, credential_id: str, issuer: Issuer, achievement: Achievement
) -> dict[str, Any]:
    """The OpenBadgeCredential for `certificate` (the learner's address only as a salted hash)."""
    salt = keyed_hash("badge-salt:" + certificate.code)[:32]
    return {
        "@context": CONTEXTS,
        "id": credential_id,
        "type": TYPES,
        "issuer": {"id": issuer.id, "type": ["Profile"], "name": issuer.name, "url": issuer.url},
        "validFrom": _timestamp(certificate.issued_at),
        "name": achievement.name,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": identity_hash(certificate.user.email, salt),
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": salt,
                }
            ],
            "activityEndDate": _timestamp(certificate.completed_at),
            "achievement": {
                "id": achievement.id,
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": achievement.name,
                "description": achievement.description,
                "criteria": {"narrative": achievement.criteria},
                "inLanguage": achievement.locale,
            },
        },
    }


def _timestamp(moment) -> str:
    return moment.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def sign(document: dict[str, Any]) -> str:
    """The credential as a compact VC-JWT."""
    key = signing_key()
    claims = {
        **document,
        "iss": document["issuer"]["id"],
        "jti": document["id"],
        "sub": document["credentialSubject"]["identifier"][0]["identityHash"],
        "nbf": _epoch(document["validFrom"]),
    }
    headers = {"kid": public_jwk()["kid"], "typ": MEDIA_TYPE}
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers=headers)


def _epoch(timestamp: str) -> int:
    return int(datetime.fromisoformat(timestamp.replace("Z", "+00:00")).astimezone(UTC).timestamp())


# --- checking one --------------------------------------------------------------

# Why a credential is refused; the page says each in the visitor's language.
EMPTY, TOO_LARGE, MALFORMED, UNKNOWN_ISSUER, BAD_SIGNATURE, EXPIRED, NOT_OURS = (
    "empty",
    "too-large",
    "malformed",
    "unknown-issuer",
    "bad-signature",
    "expired",
    "not-ours",
)


class Refused(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def token_from(text: str) -> str:
    """The compact JWT in what was pasted or uploaded: the token itself, or a JSON
    EnvelopedVerifiableCredential (`id`: `data:application/vc+jwt,<token>`)."""
    text = text.strip()
    if not text:
        raise Refused(EMPTY)
    if len(text) > MAX_CHARS:
        raise Refused(TOO_LARGE)
    if text.startswith("{"):
        try:
            envelope = json.loads(text)
        except ValueError:
            raise Refused(MALFORMED) from None
        reference = envelope.get("id") if isinstance(envelope, dict) else None
        if not isinstance(reference, str) or "," not in reference:
            raise Refused(MALFORMED)
        text = reference.split(",", 1)[1].strip()
    if text.count(".") != 2:
        raise Refused(MALFORMED)
    return text


def verify(text: str, issuer_id: str) -> dict[str, Any]:
    """The credential's payload once its signature, issuer and dates are checked."""
    token = token_from(text)
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise Refused(MALFORMED) from None
    issuer = claims.get("issuer")
    issuer = issuer.get("id") if isinstance(issuer, dict) else issuer
    if claims.get("iss") != issuer_id or issuer != issuer_id:
        raise Refused(UNKNOWN_ISSUER)
    if header.get("alg") != ALGORITHM or header.get("kid") != public_jwk()["kid"]:
        raise Refused(BAD_SIGNATURE)
    try:
        payload = jwt.decode(
            token,
            signing_key().public_key(),
            algorithms=[ALGORITHM],
            issuer=issuer_id,
            options={"require": ["iss", "jti", "nbf"], "verify_aud": False},
        )
    except jwt.ExpiredSignatureError:
        raise Refused(EXPIRED) from None
    except jwt.InvalidSignatureError:
        raise Refused(BAD_SIGNATURE) from None
    except jwt.PyJWTError:
        raise Refused(MALFORMED) from None
    if payload.get("type") != TYPES or payload.get("@context") != CONTEXTS:
        raise Refused(NOT_OURS)
    valid_until = payload.get("validUntil")
    if valid_until is not None:
        try:
            ends = _epoch(str(valid_until))
        except ValueError:
            raise Refused(MALFORMED) from None
        if ends < datetime.now(UTC).timestamp():
            raise Refused(EXPIRED)
    return payload
