"""Check an httpx request against Windmill's REST spec (openapi.yaml, 1.743): the operation
exists for that method and path, and the JSON body matches its requestBody schema with every
$ref (including those into openflow.openapi.yaml) resolved.

OpenAPI 3.0's `nullable` is turned into JSON Schema null types; null top-level body fields
count as absent (Windmill's serde `Option` accepts them, see scripts/devruntime/spec.py).
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import httpx
import yaml

from scripts.windmill_spec import OPENFLOW_SPEC, REST_SPEC

REST_URI = "urn:windmill:backend/windmill-api/openapi.yaml"
FLOW_URI = "urn:windmill:openflow.openapi.yaml"


def _fix(node: Any) -> Any:
    if isinstance(node, list):
        return [_fix(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _fix(v) for k, v in node.items() if k not in ("nullable", "discriminator", "example")}
    if isinstance(out.get("$ref"), str) and out["$ref"].startswith("../../openflow.openapi.yaml"):
        out["$ref"] = FLOW_URI + out["$ref"].removeprefix("../../openflow.openapi.yaml")
    if node.get("nullable") is True:
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        elif "$ref" in out or "allOf" in out or "oneOf" in out:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


class RestSpec:
    def __init__(self) -> None:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        self.rest = _fix(yaml.load(REST_SPEC.read_text(), Loader=loader))
        flow = _fix(yaml.load(OPENFLOW_SPEC.read_text(), Loader=loader))
        self.registry = Registry().with_resources(
            [
                (REST_URI, Resource(contents=self.rest, specification=DRAFT202012)),
                (FLOW_URI, Resource(contents=flow, specification=DRAFT202012)),
            ]
        )
        self.routes: list[tuple[re.Pattern[str], str, int]] = []
        for template in self.rest["paths"]:
            pattern = re.sub(r"\{path\}", "(?P<path>.+)", template)
            pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern)
            literal = len(re.sub(r"\{\w+\}", "", template))
            self.routes.append((re.compile(f"^{pattern}$"), template, literal))
        self.routes.sort(key=lambda r: -r[2])  # the most specific template wins

    def operation(self, method: str, api_path: str) -> tuple[str, dict[str, Any]]:
        for regex, template, _ in self.routes:
            if regex.match(api_path):
                op = self.rest["paths"][template].get(method.lower())
                if op is not None:
                    return template, op
        raise AssertionError(f"{method} /api{api_path} is not an operation of Windmill's REST spec")

    def check(self, request: httpx.Request) -> str:
        """Raise AssertionError when `request` does not conform; return the spec template."""
        from jsonschema import Draft202012Validator

        path = request.url.path
        assert path.startswith("/api/"), f"{path} is not under /api"
        template, op = self.operation(request.method, path.removeprefix("/api"))
        body_spec = op.get("requestBody")
        if request.content:
            assert body_spec, f"{request.method} {template} takes no body"
            media = body_spec["content"]
            assert "application/json" in media, f"{template} does not take JSON"
            body = json.loads(request.content)
            if isinstance(body, dict):
                body = {k: v for k, v in body.items() if v is not None}
            pointer = "/".join(
                [
                    "#/paths",
                    template.replace("~", "~0").replace("/", "~1"),
                    request.method.lower(),
                    "requestBody/content/application~1json/schema",
                ]
            )
            validator = Draft202012Validator({"$ref": REST_URI + pointer}, registry=self.registry)
            errors = list(validator.iter_errors(body))
            assert not errors, f"{request.method} {template}: {[e.message[:200] for e in errors[:3]]}"
        elif body_spec and body_spec.get("required"):
            raise AssertionError(f"{request.method} {template} requires a body")
        for param in op.get("parameters") or []:
            if "$ref" in param:
                continue
            if param.get("in") == "query" and param.get("required"):
                assert param["name"] in request.url.params, f"{template} needs ?{param['name']}"
        return template


@cache
def spec() -> RestSpec:
    return RestSpec()
