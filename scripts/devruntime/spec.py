"""Check requests (always) and responses (strict mode) against Windmill's REST spec.

The route table names each operation's spec path template, so validation never guesses which
operation a URL is (path parameters such as `{path}` contain slashes). Two client habits that
Windmill's server (serde `Option`) accepts but the spec cannot express are normalised first:
an empty query value (`?approver=` from `wmill.get_resume_urls()`) counts as absent, and a null
top-level body field (`"flow_job_id": null` from `wmill.set_progress`) counts as absent.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from scripts.devruntime.config import REPO_ROOT

if TYPE_CHECKING:
    from openapi_core import OpenAPI

# openapi-core and what it imports (requests, werkzeug, jsonschema, pydantic-settings) cost about
# 0.6 s of CPU, more than the rest of the dev runtime's start-up: they are imported by the thread
# that loads the spec (`SpecValidator.load`), started once the server listens, never on the way
# to the first answer.

# Parsed specs as JSON, one file per spec content (the name carries its sha256).
CACHE_DIR = REPO_ROOT / "var" / "cache"
_lock = threading.Lock()
_loading: dict[Path, Future[OpenAPI]] = {}
# Per spec, the operations (method, path template) that take no parameter and no body.
_nothing_to_check: dict[Path, frozenset[tuple[str, str]]] = {}


def read_spec(path: Path) -> Any:
    """The spec as data. Parsing the 870 kB YAML takes about a second; its JSON copy, compiled at
    the first start for this exact content, loads in milliseconds."""
    raw = path.read_bytes()
    cached = CACHE_DIR / f"{path.stem}-{hashlib.sha256(raw).hexdigest()[:16]}.json"
    try:
        return json.loads(cached.read_bytes())
    except (OSError, ValueError):
        pass
    import yaml
    from jsonschema_path.loaders import JsonschemaSafeLoader

    # The loader openapi-core itself uses (timestamps stay strings), so the data is the same.
    data = yaml.load(raw, Loader=JsonschemaSafeLoader)
    try:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, cached)
    except OSError:  # a read-only checkout only loses the speed-up
        pass
    return data


def load_spec(path: Path) -> OpenAPI:
    """Load the spec once per process, without validating it: the vendored copy is pinned by its
    sha256 and validated once by the tests (`test_the_vendored_rest_spec_is_valid_openapi`);
    validating it at every start cost 3-9 s of the dev runtime's start-up."""
    return start_loading(path).result()


def start_loading(path: Path) -> Future[OpenAPI]:
    """The spec of `path`, loaded by a thread of its own the first time it is asked for."""
    with _lock:
        future = _loading.get(path)
        if future is None:
            future = _loading[path] = Future()
            threading.Thread(target=_load, args=(path, future), name="devruntime-spec", daemon=True).start()
        return future


def _load(path: Path, future: Future[OpenAPI]) -> None:
    try:
        from jsonschema_path import SchemaPath
        from openapi_core import Config, OpenAPI

        data = read_spec(path)
        _nothing_to_check[path] = _bare_operations(data)
        spec = SchemaPath.from_dict(data, base_uri=path.absolute().as_uri())
        future.set_result(OpenAPI(spec, config=Config(spec_validator_cls=None)))
    except BaseException as exc:  # every request that needs the spec reports it
        future.set_exception(exc)


def _bare_operations(data: dict[str, Any]) -> frozenset[tuple[str, str]]:
    """The operations whose request has nothing a validator could check: no parameter (on the
    path item or the operation) and no request body. `GET /version` is one."""
    bare = set()
    for template, item in (data.get("paths") or {}).items():
        if not isinstance(item, dict) or item.get("parameters"):
            continue
        for method, operation in item.items():
            if (
                isinstance(operation, dict)
                and not operation.get("parameters")
                and "requestBody" not in operation
            ):
                bare.add((method.upper(), template))
    return frozenset(bare)


class _Req:
    def __init__(self, request: Request, body: bytes, template: str, path_params: dict[str, Any]) -> None:
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        self.host_url = f"{request.url.scheme}://{request.url.netloc}"
        self.path = request.url.path
        self.path_pattern = "/api" + template
        self.method = request.method.lower()
        query = [(k, v) for k, v in request.query_params.multi_items() if v != ""]
        self.parameters = RequestParameters(
            path=path_params,
            query=ImmutableMultiDict(query),
            header=Headers(list(request.headers.items())),
            cookie=ImmutableMultiDict(request.cookies),
        )
        self.content_type = request.headers.get("content-type") or "application/json"
        self.body = _drop_nulls(body, self.content_type) if body else None


class _Resp:
    def __init__(self, status: int, content_type: str, data: bytes) -> None:
        from werkzeug.datastructures import Headers

        self.status_code = status
        self.content_type = content_type
        self.data = data
        self.headers = Headers({"Content-Type": content_type})


def _drop_nulls(body: bytes, content_type: str) -> bytes:
    if "json" not in content_type:
        return body
    try:
        doc = json.loads(body)
    except ValueError:
        return body
    if isinstance(doc, dict):
        return json.dumps({k: v for k, v in doc.items() if v is not None}).encode()
    return body


def _describe(errors: list[Exception], where: str) -> list[str]:
    """Readable messages that name the field: `query parameter job_id: ...`, `body.percent: ...`."""
    from openapi_core.validation.request.exceptions import ParameterValidationError

    out: list[str] = []
    for err in errors:
        if isinstance(err, ParameterValidationError):
            where_err = f"{err.location} parameter {err.name}"
        else:
            where_err = where
        cause = err.__cause__
        schema_errors = getattr(cause, "schema_errors", None)
        if schema_errors:
            for se in schema_errors:
                loc = ".".join(str(p) for p in se.absolute_path)
                out.append(f"{where_err}{'.' + loc if loc else ''}: {se.message}")
            continue
        text = str(err)
        if cause is not None and str(cause) not in text:
            text = f"{text}: {cause}"
        out.append(text)
    return out


class SpecValidator:
    """Checks requests and responses against the spec, which a thread loads (`load`): the server
    starts it once its own start-up is done, and answers while it loads."""

    def __init__(self, spec_path: Path) -> None:
        self.spec_path = spec_path

    def load(self) -> Future[OpenAPI]:
        return start_loading(self.spec_path)

    @property
    def api(self) -> OpenAPI:
        return self.load().result()

    async def ready(self) -> None:
        """Wait, without blocking the event loop, until the spec is loaded."""
        future = self.load()
        if not future.done():
            await asyncio.wrap_future(future)

    async def check_request_soon(
        self, request: Request, body: bytes, template: str, path_params: dict[str, Any]
    ) -> list[str]:
        """`check_request` once the spec is loaded; while it loads, a request with nothing to
        check (an operation without parameters or body, sent without a body) is not kept waiting."""
        if not self.load().done():
            bare = _nothing_to_check.get(self.spec_path)
            if bare is not None and not body and (request.method, template) in bare:
                return []
            await self.ready()
        return self.check_request(request, body, template, path_params)

    def check_request(
        self, request: Request, body: bytes, template: str, path_params: dict[str, Any]
    ) -> list[str]:
        from openapi_core.validation.request.exceptions import SecurityValidationError

        result = self.api.unmarshal_request(_Req(request, body, template, path_params))
        # Auth is checked by auth.py, which also accepts `?token=` and signed resume URLs.
        errors = [e for e in result.errors if not isinstance(e, SecurityValidationError)]
        return _describe(errors, "body")

    def check_response(
        self,
        request: Request,
        body: bytes,
        template: str,
        path_params: dict[str, Any],
        status: int,
        content_type: str,
        data: bytes,
    ) -> list[str]:
        result = self.api.unmarshal_response(
            _Req(request, body, template, path_params), _Resp(status, content_type, data)
        )
        return _describe(list(result.errors), "response")
