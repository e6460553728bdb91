"""A real LTI 1.3 platform (a small LMS) for the tool's tests, on the loopback.

Built with `lti1p3platform`, the platform side of LTI 1.3: it starts the OIDC
login, signs id_tokens with its own RSA key, publishes its key set, hands out
access tokens to a tool that proves itself with its key (fetched over HTTP from the
tool's /lti/jwks), validates deep-linking responses and keeps the scores posted to
its line items. It runs as a werkzeug server in a thread (`TestPlatform.start`,
`stop`, and `start` again on the same port), at http://localhost:<port>, so its
cookies never mix with the tool's at 127.0.0.1.
"""

from __future__ import annotations

import html
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, jsonify, request
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request as PlatformRequest
from lti1p3platform.request import TRequest
from lti1p3platform.service_connector import AssignmentsGradesService
from werkzeug.serving import make_server

from tests.bench.server import free_port

CLIENT_ID = "omnicourse-tool"
DEPLOYMENT_ID = "deployment-1"
STUDENT = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
TEACHER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
HIDDEN_INPUT = re.compile(r'<input[^>]*type="hidden"[^>]*>')
ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')
FORM_ACTION = re.compile(r'<form[^>]* action="([^"]+)"')


def new_private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_of(private_pem: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def form_of(page: str) -> tuple[str, dict[str, str]]:
    """The action and hidden fields of the (auto-submitted) form on a page."""
    action = FORM_ACTION.search(page)
    assert action, f"no form on the page: {page[:500]}"
    fields = {}
    for tag in HIDDEN_INPUT.findall(page):
        attributes = dict(ATTRIBUTE.findall(tag))
        fields[attributes["name"]] = html.unescape(attributes.get("value", ""))
    return html.unescape(action.group(1)), fields


@dataclass
class Launch:
    """What the platform sends when a user opens the tool (by `lti_message_hint`)."""

    sub: str
    roles: list[str]
    locale: str | None = None
    deep_linking: bool = False
    custom: dict[str, str] | None = None
    lineitem: str | None = None  # the line item (grade column) of the resource link
    # Tamper with the signed token: other claims, another key, a lifetime.
    claims: dict[str, Any] = field(default_factory=dict)
    signing_key: str | None = None
    expires_in: int = 300


@dataclass
class Score:
    lineitem: str
    body: dict[str, Any]


class _Request(PlatformRequest):
    def build_metadata(self, flask_request: Any) -> TRequest:
        return {
            "method": flask_request.method,
            "form_data": flask_request.form.to_dict(),
            "get_data": flask_request.args.to_dict(),
            "headers": flask_request.headers,
            "content_type": flask_request.content_type,
            "path": flask_request.path,
            "json": flask_request.get_json(silent=True),
        }


class TestPlatform:
    """One LMS with one registration of the tool (CLIENT_ID, DEPLOYMENT_ID)."""

    __test__ = False

    def __init__(self, tool_root: str, port: int | None = None) -> None:
        self.tool_root = tool_root
        self.port = port or free_port()
        self.private_key = new_private_key()
        self.launches: dict[str, Launch] = {}
        self.scores: list[Score] = []
        self.score_arrived = threading.Event()
        self.deep_link_items: list[list[dict[str, Any]]] = []
        self.token_requests = 0
        self.app = self._make_app()
        self._server = None
        self._thread: threading.Thread | None = None

    # -- the platform's addresses -------------------------------------------------
    @property
    def root(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def issuer(self) -> str:
        return self.root

    def url(self, path: str) -> str:
        return self.root + path

    def lineitem(self, name: str) -> str:
        return self.url(f"/lineitems/{name}/lineitem")

    def add_platform_args(self) -> list[str]:
        """The arguments of `omnicourse lti` that register this platform."""
        return [
            "add-platform",
            "--issuer", self.issuer,
            "--client-id", CLIENT_ID,
            "--keys-url", self.url("/jwks"),
            "--auth-login-url", self.url("/auth"),
            "--token-url", self.url("/token"),
            "--deployment", DEPLOYMENT_ID,
        ]  # fmt: skip

    def registration(self) -> Registration:
        return (
            Registration()
            .set_iss(self.issuer)
            .set_client_id(CLIENT_ID)
            .set_deployment_id(DEPLOYMENT_ID)
            .set_oidc_login_url(self.tool_root + "/lti/login")
            .set_launch_url(self.tool_root + "/lti/launch")
            .set_deeplink_launch_url(self.tool_root + "/lti/launch")
            .set_tool_key_set_url(self.tool_root + "/lti/jwks")
            .set_platform_public_key(public_of(self.private_key))
            .set_platform_private_key(self.private_key)
        )

    def config(self) -> LTI1P3PlatformConfAbstract:
        platform = self

        class Config(LTI1P3PlatformConfAbstract):
            def init_platform_config(self, **kwargs: Any) -> None:
                pass

            def get_registration_by_params(self, **kwargs: Any) -> Registration:
                return platform.registration()

        return Config()

    # -- what a user does in the LMS ----------------------------------------------
    def login_url(self, launch: Launch) -> str:
        """The tool's login initiation URL the LMS sends the user's browser to."""
        hint = uuid.uuid4().hex
        self.launches[hint] = launch
        params = {
            "iss": self.issuer,
            "login_hint": launch.sub,
            "target_link_uri": self.tool_root + "/lti/launch",
            "lti_message_hint": hint,
            "client_id": CLIENT_ID,
            "lti_deployment_id": DEPLOYMENT_ID,
        }
        return self.tool_root + "/lti/login?" + urlencode(params)

    # -- the server ----------------------------------------------------------------
    def start(self) -> TestPlatform:
        self._server = make_server("localhost", self.port, self.app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            assert self._thread is not None
            self._thread.join()
            self._server = None

    def _make_app(self) -> Flask:
        app = Flask("test_platform")
        platform = self

        class MessageLaunch(LTIAdvantageMessageLaunchAbstract):
            def render_launch_form(self, launch_data: dict[str, Any], **kwargs: Any) -> str:
                fields = "".join(
                    f'<input type="hidden" name="{name}" value="{html.escape(launch_data[name])}">'
                    for name in ("id_token", "state")
                )
                action = html.escape(launch_data["launch_url"])
                return f'<form method="post" action="{action}">{fields}</form>'

        @app.get("/jwks")
        def jwks():
            return jsonify({"keys": platform.registration().get_jwks()})

        @app.get("/auth")
        def auth():
            """The OIDC authorisation endpoint: the signed launch, as an auto-posted form."""
            chosen = platform.launches.get(request.args.get("lti_message_hint", ""))
            if chosen is None or request.args.get("login_hint") != chosen.sub:
                return "unknown launch", 400
            launch = MessageLaunch(_Request(request), platform.config())
            launch.set_user_data(chosen.sub, chosen.roles, full_name="Ada Learner")
            launch.set_resource_link_claim("link-" + (chosen.custom or {}).get("module", "x"))
            launch.set_launch_context_claim("course-1", context_title="Retail 101")
            if chosen.locale:
                launch.set_extra_claims({
                    "https://purl.imsglobal.org/spec/lti/claim/launch_presentation": {
                        "locale": chosen.locale, "document_target": "window",
                    }
                })  # fmt: skip
            if chosen.custom:
                launch.set_custom_parameters_claim(chosen.custom)
            if chosen.lineitem:
                launch.set_ags(
                    lineitems_url=platform.url("/lineitems"),
                    lineitem_url=chosen.lineitem,
                    allow_creating_lineitems=False,
                )
            if chosen.deep_linking:
                launch.set_dl(platform.url("/deep-link-return"), title="Add an activity")
            launch.set_id_token_expiration(chosen.expires_in)
            if chosen.claims or chosen.signing_key:
                return _tampered(launch, chosen)
            return launch.lti_launch()

        def _tampered(launch: MessageLaunch, chosen: Launch) -> str:
            launch._registration = platform.config().get_registration()
            launch.validate_preflight_response(launch.get_preflight_response())
            message, state = launch.get_launch_data()
            if chosen.deep_linking:
                message["https://purl.imsglobal.org/spec/lti/claim/message_type"] = (
                    "LtiDeepLinkingRequest"
                )
                message.update(launch._deep_linking_launch_data or {})
            message.update(chosen.claims)
            now = int(time.time())
            message.setdefault("iat", now)
            message.setdefault("exp", now + chosen.expires_in)
            key = chosen.signing_key or platform.private_key
            kid = Registration.get_jwk(public_of(platform.private_key))["kid"]
            token = jwt.encode(message, key, algorithm="RS256", headers={"kid": kid})
            return launch.render_launch_form(
                {"id_token": token, "state": state, "launch_url": launch._redirect_url}
            )

        @app.post("/token")
        def token():
            config = platform.config()
            config.get_registration()
            platform.token_requests += 1
            try:
                return jsonify(config.get_access_token(request.form.to_dict()))
            except Exception as error:  # the tool did not prove who it is
                return jsonify({"error": "invalid_client", "detail": str(error)}), 401

        @app.post("/deep-link-return")
        def deep_link_return():
            config = platform.config()
            config.get_registration()
            items = config.validate_deeplinking_resp(request.form.to_dict())
            platform.deep_link_items.append(items)
            return "Activity added", 200

        class Grades(AssignmentsGradesService):
            def find_lineitems(self, *args: Any, **kwargs: Any):
                return {"content": [], "has_next": False, "next": None}

            def find_lineitem(self, line_item_id: str):
                return {"id": platform.lineitem(line_item_id), "scoreMaximum": 100}

            def create_lineitem(self, creation_data):
                raise NotImplementedError

            def update_lineitem(self, update_data):
                raise NotImplementedError

            def delete_lineitem(self, line_item_id: str) -> None:
                raise NotImplementedError

            def update_score(self, line_item_id: str, score):
                from lti1p3platform.score import UpdateScoreStatus

                platform.scores.append(Score(platform.lineitem(line_item_id), dict(score)))
                platform.score_arrived.set()
                return UpdateScoreStatus.SUCCESS

            def get_results(self, *args: Any, **kwargs: Any):
                return {"content": [], "has_next": False, "next": None}

        @app.post("/lineitems/<name>/lineitem/scores")
        def scores(name: str):
            config = platform.config()
            config.get_registration()
            service = Grades(
                _Request(request), config, platform.url("/lineitems"), platform.lineitem(name)
            )
            answer = service.handle_resp(service.handle_update_score, line_item_id=name)
            return jsonify({"message": answer.message}), answer.code

        return app

    # -- what the test reads ---------------------------------------------------------
    def scores_for(self, lineitem: str) -> list[dict[str, Any]]:
        return [score.body for score in self.scores if score.lineitem == lineitem]
