"""Check requests (always) and responses (strict mode) against Windmill's REST spec.

The route table names each operation's spec path template, so validation never guesses which
operation a URL is (path parameters such as `{path}` contain slashes). Two client habits that
Windmill's server (serde `Option`) accepts but the spec cannot express are normalised first:
an empty query value (`?approver=` from `wmill.get_resume_urls()`) counts as absent, and a null
top-level body field (`"flow_job_id": null` from `wmill.set_progress`) counts as absent.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import os
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from scripts.devruntime.config import REPO_ROOT
from scripts.devruntime.quickcheck import QuickChecks

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
# Per spec, the quick pass run before openapi-core (quickcheck.py).
_quick: dict[Path, QuickChecks] = {}
# Set (tests, while changing quickcheck.py): openapi-core also checks what the quick pass
# accepted, and a disagreement is reported as an error.
CROSSCHECK = os.environ.get("OPENANALYST_DEV_SPEC_CROSSCHECK", "") not in ("", "0")


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
        from jsonschema_path.handlers import default_handlers

        # $refs into the OpenFlow spec beside it: read once, not at every validation that follows one
        handlers = {**default_handlers, "file": _referenced_file}
        spec = SchemaPath.from_dict(data, base_uri=path.absolute().as_uri(), handlers=handlers)
        config = Config(spec_validator_cls=None, path_finder_cls=_path_finder())
        api = OpenAPI(spec, config=config)
        _quick[path] = QuickChecks(api)
        future.set_result(api)
    except BaseException as exc:  # every request that needs the spec reports it
        future.set_exception(exc)


@functools.cache
def _referenced_file(uri: str) -> Any:
    """A spec file a $ref names, parsed once per process (from its JSON copy, as `read_spec`).
    The resolver jsonschema-path gives the schema validators retrieves it at every validation that
    follows such a $ref: 0.15 s of YAML each time, 26 times in one request in strict mode."""
    from jsonschema_path.handlers.utils import uri_to_path

    return read_spec(Path(uri_to_path(uri)))


# The spec's server URL: a request's path is this, then its operation's template.
API_PREFIX = "/api"


def _path_finder() -> type:
    """openapi-core's path finder, told the operation: the request names its template
    (`path_pattern`, from the route table), which is looked up in the spec's paths instead of
    matched against each of the 450 in turn (half of every check: 10-30 ms a request)."""
    from urllib.parse import urlparse

    from openapi_core.templating.datatypes import TemplateResult
    from openapi_core.templating.paths.datatypes import Path as SpecPath
    from openapi_core.templating.paths.finders import APICallPathFinder
    from openapi_core.templating.paths.iterators import TemplatePathsIterator

    class KnownTemplates(TemplatePathsIterator):
        def __call__(self, name: str, spec: Any, base_url: str | None = None) -> Any:
            template = urlparse(name).path.removeprefix(API_PREFIX)
            path = spec / self.paths_part / template
            if path.exists():
                # a path without parameters is how the original iterator yields an exact match
                yield SpecPath(path, TemplateResult(template, {}))
            else:
                yield from super().__call__(name, spec, base_url)

    class KnownTemplateFinder(APICallPathFinder):
        paths_iterator = KnownTemplates("paths")

    return KnownTemplateFinder


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
        self.path_pattern = API_PREFIX + template
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
        api = self.api
        query = [(k, v) for k, v in request.query_params.multi_items() if v != ""]
        content_type = request.headers.get("content-type") or "application/json"
        sent = _drop_nulls(body, content_type) if body else None
        quick = _quick[self.spec_path].request_ok(
            request.method, template, path_params, query, content_type, sent
        )
        if quick and not CROSSCHECK:
            return []
        errors = self._openapi_request_errors(api, request, body, template, path_params)
        if quick and errors:
            return [f"the quick check accepted what openapi-core refuses: {e}" for e in errors]
        return errors

    def _openapi_request_errors(
        self, api: OpenAPI, request: Request, body: bytes, template: str, path_params: dict[str, Any]
    ) -> list[str]:
        from openapi_core.validation.request.exceptions import SecurityValidationError

        result = api.unmarshal_request(_Req(request, body, template, path_params))
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
        api = self.api
        quick = _quick[self.spec_path].response_ok(request.method, template, status, content_type, data)
        if quick and not CROSSCHECK:
            return []
        result = api.unmarshal_response(
            _Req(request, body, template, path_params), _Resp(status, content_type, data)
        )
        errors = _describe(list(result.errors), "response")
        if quick and errors:
            return [f"the quick check accepted what openapi-core refuses: {e}" for e in errors]
        return errors
