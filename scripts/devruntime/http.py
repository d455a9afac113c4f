"""The little framework the routes use: spec templates as routes, auth, request validation
against the REST spec, response validation in strict mode, and errors that never crash."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from scripts.devruntime.acl import Forbidden, Identity, route_scope, scope_allows
from scripts.devruntime.auth import authenticate, token_of
from scripts.devruntime.errors import BadRequest, NotFound
from scripts.devruntime.jobs import Runtime
from scripts.devruntime.spec import SpecValidator

log = logging.getLogger("devruntime")


@dataclass
class Call:
    """One request as a handler sees it."""

    request: Request
    runtime: Runtime
    identity: Identity | None
    params: dict[str, Any]
    body: bytes

    @property
    def query(self) -> Any:
        return self.request.query_params

    def json(self) -> Any:
        if not self.body:
            return None
        return json.loads(self.body)

    def flag(self, name: str) -> bool:
        return (self.query.get(name) or "").lower() in {"1", "true"}

    @property
    def who(self) -> Identity:
        """The authenticated caller (every non-public route has one)."""
        if self.identity is None:
            raise Forbidden("this needs a token")
        return self.identity

    def can_read(self, path: str) -> bool:
        return self.identity is not None and self.runtime.acl.can_read_path(self.identity, path)

    def require_read(self, path: str) -> None:
        self.runtime.acl.require_read(self.who, path)

    def require_write(self, path: str) -> None:
        self.runtime.acl.require_write(self.who, path)

    def require_admin(self) -> None:
        if not self.who.is_admin:
            raise Forbidden("only a workspace admin may do this")


Handler = Callable[[Call], Awaitable[Response]]


@dataclass
class Op:
    method: str
    template: str
    handler: Handler
    public: bool = False
    # A read of one job by id whose handler confines run-scoped tokens (routes/jobs.visible_job).
    job_read: bool = False
    # False: no request validation (a route that refuses the feature whatever the body; the
    # vendored spec's oneOf for some bodies matches every object twice, so it refuses them all).
    validate: bool = True


class NotSupported(Exception):
    """A Windmill feature the dev runtime does not have (HTTP 501); the message names it."""


# Windmill lets a token scoped to run a runnable (`jobs:run:flows:f/x/flow`) read the runs it
# started of that runnable and their steps (jobs_read_auth.rs, "PATH-SCOPED RUN TOKEN").
_RUN_SCOPE = re.compile(r"^jobs:run(:|$)")


@dataclass
class Violations:
    """Spec violations of responses seen in strict mode (tests fail on any)."""

    items: list[str] = field(default_factory=list)


DEFAULT_PER_PAGE = 30  # Windmill's default page size for list endpoints
MAX_PER_PAGE = 100  # the spec: "default 30, max 100"


def paginate(call: Call, items: list[Any]) -> list[Any]:
    """`page` (from 1) and `per_page` (default 30) as Windmill's list endpoints apply them."""
    page = max(1, int(call.query.get("page") or 1))
    per_page = min(MAX_PER_PAGE, max(1, int(call.query.get("per_page") or DEFAULT_PER_PAGE)))
    start = (page - 1) * per_page
    return items[start : start + per_page]


def text(value: str, status: int = 200) -> Response:
    return PlainTextResponse(value, status_code=status)


def js(value: Any, status: int = 200) -> Response:
    return JSONResponse(value, status_code=status)


def _has_credentials(request: Request) -> bool:
    return token_of(request) is not None


def _starlette_path(template: str) -> str:
    # Windmill paths (`{path}`) contain slashes: match them whole.
    return re.sub(r"\{(path)\}", r"{\1:path}", template)


def build_routes(
    ops: list[Op], runtime: Runtime, validator: SpecValidator | None, violations: Violations
) -> list[Route]:
    return [
        Route(
            "/api" + _starlette_path(op.template),
            _endpoint(op, runtime, validator, violations),
            methods=[op.method],
        )
        for op in ops
    ]


def _endpoint(
    op: Op, runtime: Runtime, validator: SpecValidator | None, violations: Violations
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            identity = authenticate(runtime, request)
            if identity is None and not op.public:
                if "/jobs_u/" in op.template and not _has_credentials(request):
                    # Windmill answers a job read without a token 400 unless the job was created
                    # anonymously (public apps, webhooks): jobs_read_auth.rs, "UNAUTHENTICATED".
                    return text(
                        "Bad request: anonymous jobs (public apps and webhooks run without a token)"
                        " are not supported by the dev runtime; send a token",
                        400,
                    )
                return text("Unauthorized: missing or invalid token", 401)
            params = dict(request.path_params)
            if identity is not None and identity.scopes is not None and not op.public:
                # Windmill: https://github.com/windmill-labs/windmill/blob/main/backend/windmill-api-auth/src/scopes.rs
                needed = route_scope(op.method, op.template, params)
                run_scoped_read = op.job_read and any(_RUN_SCOPE.match(s) for s in identity.scopes)
                if not scope_allows(identity.scopes, *needed) and not run_scoped_read:
                    scope = ":".join(p for p in needed if p)
                    return text(f"Forbidden: this token's scopes do not include {scope}", 403)
            if "workspace" in params and params["workspace"] != runtime.settings.workspace:
                return text(f"workspace {params['workspace']} not found", 404)
            body = await request.body()
            if validator is not None and op.validate:
                errors = await validator.check_request_soon(request, body, op.template, params)
                if errors:
                    return text("Bad request: " + "; ".join(errors), 400)
            response = await op.handler(Call(request, runtime, identity, params, body))
        except NotFound as exc:
            response = text(f"Not found: {exc}", 404)
        except BadRequest as exc:
            response = text(f"Bad request: {exc}", 400)
        except Forbidden as exc:
            response = text(f"Forbidden: {exc}", 403)
        except NotSupported as exc:
            response = text(f"Not implemented: {exc}", 501)
        except (ValueError, KeyError, TypeError) as exc:
            response = text(f"Bad request: {type(exc).__name__}: {exc}", 400)
        except Exception as exc:  # the server answers, whatever went wrong
            log.exception("internal error on %s %s", request.method, request.url.path)
            response = text(f"Internal error: {type(exc).__name__}: {exc}", 500)
        if runtime.settings.strict and validator is not None and not isinstance(response, StreamingResponse):
            try:
                await validator.ready()
                errors = validator.check_response(
                    request,
                    await request.body(),
                    op.template,
                    dict(request.path_params),
                    response.status_code,
                    (response.headers.get("content-type") or "").split(";")[0],
                    bytes(response.body),
                )
            except Exception as exc:
                errors = [f"response validation crashed: {exc}"]
            # 4xx answers are ours by design (the spec rarely lists them); check success bodies.
            if errors and response.status_code < 400:
                violations.items.append(f"{request.method} {request.url.path}: {'; '.join(errors)}")
        return response

    return endpoint
