"""Open Badges 3.0: a completed module's certificate as a signed credential, checked on
its own with the published key (cryptography alone, not the app's code) and by /verify."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import stat

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from app.certificates.badges import KEY_FILE
from course.certificate import format_code
from tests.app.test_certificates import certificates, complete, learner
from tests.conftest import csrf_token, make_app

SLUG = "principles"
CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
EMAIL = "ada@example.com"


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path)


def b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def badge(client, locale: str = "en") -> str:
    response = client.get(f"/{locale}/modules/{SLUG}/badge.jwt")
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/vc+jwt"
    assert response.headers["Cache-Control"] == "private, no-store"
    return response.text


def payload_of(token: str) -> dict:
    return json.loads(b64decode(token.split(".")[1]))


def verify_independently(client, token: str) -> dict:
    """Check the JWS against the key the site publishes, with cryptography only."""
    keys = client.get("/.well-known/jwks.json").get_json()["keys"]
    header_part, payload_part, signature_part = token.split(".")
    header = json.loads(b64decode(header_part))
    assert header["alg"] == "EdDSA" and header["typ"] == "vc+jwt"
    [jwk] = [key for key in keys if key["kid"] == header["kid"]]
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and "d" not in jwk
    public_key = Ed25519PublicKey.from_public_bytes(b64decode(jwk["x"]))
    public_key.verify(b64decode(signature_part), f"{header_part}.{payload_part}".encode())
    return json.loads(b64decode(payload_part))


def check(client, text: str | None = None, upload: bytes | None = None, lang: str = "en"):
    token = csrf_token(client.get(f"/verify/badge?lang={lang}").data)
    data: dict = {"csrf_token": token}
    if text is not None:
        data["credential"] = text
    if upload is not None:
        data["file"] = (io.BytesIO(upload), "badge.jwt")
    return client.post(f"/verify?lang={lang}", data=data, content_type="multipart/form-data")


def earned(app) -> tuple:
    client = learner(app, EMAIL)
    complete(client, app)
    return client, badge(client)


def test_the_badge_is_an_open_badges_3_credential_in_the_certificates_language(app):
    client, token = earned(app)
    credential = verify_independently(client, token)
    [certificate] = certificates(app)
    assert credential["@context"] == CONTEXTS
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"].endswith(f"/verify/{format_code(certificate.code)}")
    issuer = credential["issuer"]
    assert issuer["id"].startswith("http") and issuer["id"].endswith("/badges/issuer")
    assert issuer["type"] == ["Profile"] and issuer["name"] == "Omnichannel strategy"
    assert credential["iss"] == issuer["id"] and credential["jti"] == credential["id"]
    assert credential["validFrom"].endswith("Z")
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    [identity] = subject["identifier"]
    assert identity["type"] == "IdentityObject" and identity["hashed"] is True
    assert identity["identityType"] == "emailAddress"
    expected = hashlib.sha256((EMAIL + identity["salt"]).encode()).hexdigest()
    assert identity["identityHash"] == f"sha256${expected}"
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["name"] == "Principles of omnichannel" == credential["name"]
    assert achievement["inLanguage"] == "en" and achievement["description"]
    assert "self-test" in achievement["criteria"]["narrative"]
    # The address itself appears nowhere, in the token or decoded.
    assert EMAIL not in token and EMAIL not in json.dumps(credential)

    polish = verify_independently(client, badge(client, "pl"))
    assert polish["credentialSubject"]["achievement"]["inLanguage"] == "pl"
    assert polish["name"] != credential["name"]
    assert "test" in polish["credentialSubject"]["achievement"]["criteria"]["narrative"]
    assert polish["id"] == credential["id"]  # one certificate, one credential id


def test_pyjwt_verifies_it_with_the_published_key_and_the_issuer_profile_has_it(app):
    client, token = earned(app)
    jwks = client.get("/.well-known/jwks.json")
    assert jwks.headers["Access-Control-Allow-Origin"] == "*"
    key = jwt.PyJWK(jwks.get_json()["keys"][0])
    claims = jwt.decode(token, key.key, algorithms=["EdDSA"], options={"verify_aud": False})
    profile = client.get("/badges/issuer").get_json()
    assert claims["iss"] == profile["id"] and profile["type"] == ["Profile"]
    [method] = profile["verificationMethod"]
    assert method["publicKeyJwk"]["x"] == jwks.get_json()["keys"][0]["x"]


def test_only_its_owner_downloads_it_once_earned(app):
    anonymous = app.test_client()
    assert anonymous.get(f"/en/modules/{SLUG}/badge.jwt").status_code == 302
    other = learner(app, "grace@example.com", "Grace Hopper")
    assert other.get(f"/en/modules/{SLUG}/badge.jwt").status_code == 404  # not completed
    assert certificates(app) == []


def test_verify_accepts_the_badge_pasted_or_uploaded_in_the_visitors_language(app):
    _client, token = earned(app)
    [certificate] = certificates(app)
    visitor = app.test_client()
    response = check(visitor, text=token)
    assert response.status_code == 200
    assert "Valid Open Badge" in response.text and "Ada Lovelace" in response.text
    assert "Principles of omnichannel" in response.text
    assert format_code(certificate.code) in response.text
    assert "still valid" in response.text
    uploaded = check(visitor, upload=token.encode(), lang="pl")
    assert uploaded.status_code == 200 and 'lang="pl"' in uploaded.text
    assert "Valid Open Badge" not in uploaded.text and "Ada Lovelace" in uploaded.text
    envelope = json.dumps({"id": f"data:application/vc+jwt,{token}"})
    assert check(visitor, text=envelope).status_code == 200


def tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(b64decode(payload))
    claims["credentialSubject"]["achievement"]["name"] = "Something never completed"
    return f"{header}.{b64encode(json.dumps(claims).encode())}.{signature}"


def signed_by_another_key(token: str) -> str:
    claims = payload_of(token)
    header = jwt.get_unverified_header(token)
    return jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers=header)


def from_another_issuer(token: str) -> str:
    claims = payload_of(token)
    claims["iss"] = claims["issuer"]["id"] = "https://badges.example.net/issuer"
    return jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA")


def expired(token: str) -> str:
    claims = payload_of(token) | {"exp": 1_000_000_000}
    return jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA")


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        (tampered, 422, "The signature does not match"),
        (signed_by_another_key, 422, "The signature does not match"),
        (from_another_issuer, 422, "was not issued by this site"),
        (lambda token: "not a badge at all", 400, "is not a signed Open Badge"),
        (lambda token: "{not json", 400, "is not a signed Open Badge"),
        (lambda token: "a.b.c", 400, "is not a signed Open Badge"),
        (lambda token: '{"id": "data:application/vc+jwt,x.y.z"}', 400, "not a signed"),
        (lambda token: "", 400, "Upload an Open Badge file or paste its text"),
    ],
)
def test_verify_refuses_what_is_not_an_untouched_badge(app, change, status, message):
    _client, token = earned(app)
    response = check(app.test_client(), text=change(token))
    assert response.status_code == status, response.text[:500]
    assert message in response.text
    assert "Valid Open Badge" not in response.text


def test_an_expired_credential_signed_with_the_sites_key_is_refused_as_expired(app):
    _client, token = earned(app)
    with app.app_context():
        from app.certificates.badges import signing_key

        key = signing_key()
    claims = payload_of(token) | {"exp": 1_000_000_000}
    forged = jwt.encode(claims, key, algorithm="EdDSA", headers=jwt.get_unverified_header(token))
    response = check(app.test_client(), text=forged)
    assert response.status_code == 422 and "has expired" in response.text


def test_an_oversized_upload_is_refused_with_a_message(app):
    visitor = app.test_client()
    response = check(visitor, upload=b"x" * (100 * 1024))
    assert response.status_code == 413 and "too large" in response.text
    body = b"x" * (2 * 1024 * 1024)  # over the site's body limit: refused before it is read
    response = visitor.post("/verify", data=body, content_type="multipart/form-data; boundary=x")
    assert response.status_code == 413 and "too large" in response.text


def test_a_withdrawn_certificates_badge_is_no_longer_valid(app):
    _client, token = earned(app)
    with app.extensions["db_sessionmaker"]() as session:
        from app.models import Certificate

        session.query(Certificate).delete()
        session.commit()
    response = check(app.test_client(), text=token)
    assert response.status_code == 404 and "withdrawn" in response.text


def test_checks_are_rate_limited(tmp_path):
    app = make_app(tmp_path, BADGE_CHECKS_PER_ADDRESS=2)
    visitor = app.test_client()
    assert check(visitor, text="x").status_code == 400
    assert check(visitor, text="x").status_code == 400
    response = check(visitor, text="x")
    assert response.status_code == 429 and response.headers["Retry-After"]


def test_the_key_is_made_once_kept_private_and_reused_after_a_restart(tmp_path):
    app = make_app(tmp_path)
    path = tmp_path / "instance" / KEY_FILE
    first = app.test_client().get("/.well-known/jwks.json").get_json()
    assert path.is_file() and stat.S_IMODE(path.stat().st_mode) == 0o600
    kept = path.read_bytes()
    restarted = make_app(tmp_path)
    assert restarted.test_client().get("/.well-known/jwks.json").get_json() == first
    assert path.read_bytes() == kept
    assert [p.name for p in path.parent.iterdir() if KEY_FILE in p.name] == [KEY_FILE]
    # A badge signed before the restart still checks after it.
    client = learner(app, EMAIL)
    complete(client, app)
    token = badge(client)
    assert check(restarted.test_client(), text=token).status_code == 200


def test_the_verify_page_links_the_badge_form_and_sets_no_cookie(app):
    visitor = app.test_client()
    response = visitor.get("/verify")
    assert "/verify/badge" in response.text and "Set-Cookie" not in response.headers
    form = visitor.get("/verify/badge?lang=zh")
    assert form.status_code == 200 and 'name="csrf_token"' in form.text
    assert 'enctype="multipart/form-data"' in form.text


def test_the_progress_page_links_the_badge(app):
    client = learner(app)
    complete(client, app)
    page = client.get("/en/progress").text
    assert f"/en/modules/{SLUG}/badge.jwt" in page and "Download as Open Badge" in page
