"""A quick pass before openapi-core: requests and responses that plainly meet the spec.

openapi-core re-reads the spec through its reference resolver and builds a new schema validator
for every parameter and body of every call: 10-80 ms a request on this machine, 18 ms on average
over a request's ~100 calls to the dev runtime, which was half of the request's time. Here each
operation is compiled once (its parameters, its JSON body and responses, each with the schema
validator openapi-core itself builds: same classes, same format checker), and a call that passes
every check is accepted at once. Anything else (a value that fails, a missing required value, a
parameter style or media type not handled here, a response with headers) is left to openapi-core,
whose answer is the one given, so the messages and the verdict on anything doubtful stay its own.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Primitive parameter values, cast as openapi-core casts them (int(), float(), forcebool) when
# they are written plainly; any other spelling goes to openapi-core.
_INTEGER = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_DOUBT = object()
_JSON_TYPES = ("application/json", "text/json")
# Calls already found to meet the spec, by everything the verdict depends on: most of a request's
# calls repeat one exactly (a variable or resource read by every step, `exists`, progress), and
# the checks of a repeat were a fifth of the dev runtime's time in the scenario runs. Bounded: a
# body larger than this is checked every time, and the memo starts over when full.
_MEMO_MAX_BYTES = 64 * 1024
_MEMO_MAX_ENTRIES = 4096


def _cast(kind: str, raw: str) -> Any:
    if kind == "string":
        return raw
    if kind == "integer":
        return int(raw) if _INTEGER.fullmatch(raw) else _DOUBT
    if kind == "number":
        return float(raw) if _NUMBER.fullmatch(raw) else _DOUBT
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw.lower(), _DOUBT)
    return _DOUBT


@dataclass
class _Param:
    name: str
    location: str  # path or query
    kind: str  # the schema's primitive type
    required: bool
    has_default: bool
    validator: Any


@dataclass
class _Response:
    has_headers: bool
    # mimetype -> schema validator, or None when that media type has no schema
    content: dict[str, Any] | None


@dataclass
class _Operation:
    quick_params: bool  # every parameter is a primitive in the path or query, default style
    params: list[_Param] = field(default_factory=list)
    has_body: bool = False
    json_body: Any = None  # the JSON body's validator; None: no JSON media type
    json_body_schema: bool = False
    responses: dict[str, _Response] = field(default_factory=dict)


class QuickChecks:
    """Compiled checks per operation of one loaded spec (`openapi_core.OpenAPI`)."""

    def __init__(self, api: Any) -> None:
        from openapi_core.validation.schemas import (
            oas30_read_schema_validators_factory,
            oas30_write_schema_validators_factory,
        )

        self.spec = api.spec
        self._write = oas30_write_schema_validators_factory
        self._read = oas30_read_schema_validators_factory
        self._ops: dict[tuple[str, str], _Operation | None] = {}
        self._lock = threading.Lock()
        self._passed: set[tuple[Any, ...]] = set()

    def _validator(self, factory: Any, schema: Any) -> Any:
        return factory.create(self.spec, schema).validator

    def operation(self, method: str, template: str) -> _Operation | None:
        key = (method.lower(), template)
        try:
            return self._ops[key]
        except KeyError:
            pass
        with self._lock:
            if key not in self._ops:
                try:
                    self._ops[key] = self._compile(*key)
                except Exception:  # anything unexpected: openapi-core checks this operation
                    self._ops[key] = None
            return self._ops[key]

    def _compile(self, method: str, template: str) -> _Operation | None:
        path = self.spec / "paths" / template
        if not path.exists() or method not in path:
            return None
        operation = path / method
        compiled = _Operation(quick_params=True)
        seen: set[tuple[str, str]] = set()
        for owner in (operation, path):  # the operation's own parameters override the path's
            if "parameters" not in owner:
                continue
            for param in owner / "parameters":
                name, location = (param / "name").read_str(), (param / "in").read_str()
                if (name, location) in seen:
                    continue
                seen.add((name, location))
                quick = self._param(param, name, location)
                if quick is None:
                    compiled.quick_params = False
                else:
                    compiled.params.append(quick)
        if "requestBody" in operation:
            compiled.has_body = True
            content = operation / "requestBody" / "content"
            if "application/json" in content:
                media = content / "application/json"
                compiled.json_body_schema = "schema" in media
                compiled.json_body = (
                    self._validator(self._write, media / "schema") if compiled.json_body_schema else True
                )
        if "responses" in operation:
            for status in (operation / "responses").str_keys():
                compiled.responses[status] = self._response(operation / "responses" / status)
        return compiled

    def _param(self, param: Any, name: str, location: str) -> _Param | None:
        if location not in ("path", "query") or "content" in param or "schema" not in param:
            return None
        style = (param / "style").read_str(None) if "style" in param else None
        explode = (param / "explode").read_bool(default=None) if "explode" in param else None
        if location == "path" and style not in (None, "simple"):
            return None
        if location == "query" and (style not in (None, "form") or explode is False):
            return None
        schema = param / "schema"
        with schema.resolve() as resolved:
            contents = resolved.contents
        kind = contents.get("type") if isinstance(contents, dict) else None
        if kind not in ("string", "integer", "number", "boolean"):
            return None
        return _Param(
            name=name,
            location=location,
            kind=kind,
            required=(param / "required").read_bool(default=False),
            has_default="default" in contents,
            validator=self._validator(self._write, schema),
        )

    def _response(self, response: Any) -> _Response:
        if "content" not in response:
            return _Response(has_headers="headers" in response, content=None)
        content: dict[str, Any] = {}
        for mimetype in (response / "content").str_keys():
            media = response / "content" / mimetype
            content[mimetype] = self._validator(self._read, media / "schema") if "schema" in media else None
        return _Response(has_headers="headers" in response, content=content)

    # ---------------------------------------------------------------- the checks

    def _memo(self, key: tuple[Any, ...], size: int, check: Callable[[], bool]) -> bool:
        """`check()`, or True at once when this key passed before."""
        if key in self._passed:
            return True
        ok = check()
        if ok and size <= _MEMO_MAX_BYTES:
            if len(self._passed) >= _MEMO_MAX_ENTRIES:
                self._passed.clear()
            self._passed.add(key)
        return ok

    def request_ok(
        self,
        method: str,
        template: str,
        path_params: dict[str, Any],
        query: list[tuple[str, str]],
        content_type: str,
        body: bytes | None,
    ) -> bool:
        """True when the request plainly meets the spec (`query`: its non-empty values, `body`:
        as openapi-core is given it); False means: ask openapi-core."""
        params = tuple(sorted(path_params.items()))
        key = ("request", method, template, params, tuple(query), content_type, body)
        return self._memo(
            key,
            len(body or b""),
            lambda: self._request_ok(method, template, path_params, query, content_type, body),
        )

    def _request_ok(
        self,
        method: str,
        template: str,
        path_params: dict[str, Any],
        query: list[tuple[str, str]],
        content_type: str,
        body: bytes | None,
    ) -> bool:
        operation = self.operation(method, template)
        if operation is None or not operation.quick_params:
            return False
        first: dict[str, str] = {}
        for key, value in query:
            first.setdefault(key, value)
        for param in operation.params:
            raw = path_params.get(param.name) if param.location == "path" else first.get(param.name)
            if raw is None:
                if param.required or param.has_default:
                    return False
                continue
            value = _cast(param.kind, str(raw))
            if value is _DOUBT or not param.validator.is_valid(value):
                return False
        if operation.has_body:
            if not body or operation.json_body is None:
                return False
            if content_type.split(";")[0].strip().lower() != "application/json":
                return False
            try:
                document = json.loads(body)
            except ValueError:
                return False
            if operation.json_body_schema and not operation.json_body.is_valid(document):
                return False
        return True

    def response_ok(self, method: str, template: str, status: int, content_type: str, data: bytes) -> bool:
        """True when the response plainly meets the spec; False means: ask openapi-core."""
        key = ("response", method, template, status, content_type, data)
        return self._memo(
            key, len(data), lambda: self._response_ok(method, template, status, content_type, data)
        )

    def _response_ok(self, method: str, template: str, status: int, content_type: str, data: bytes) -> bool:
        operation = self.operation(method, template)
        if operation is None:
            return False
        code = str(status)
        response = (
            operation.responses.get(code)
            or operation.responses.get(f"{code[0]}XX")
            or operation.responses.get("default")
        )
        if response is None or response.has_headers:
            return False
        if response.content is None:
            return True
        if not data or content_type not in response.content:
            return False
        validator = response.content[content_type]
        if content_type in _JSON_TYPES:
            try:
                value: Any = json.loads(data)
            except ValueError:
                return False
        elif content_type == "text/plain":
            try:
                value = data.decode("utf-8")
            except UnicodeDecodeError:
                return False
        else:
            return False
        return validator is None or bool(validator.is_valid(value))
