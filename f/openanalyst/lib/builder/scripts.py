"""A script item: its argument schema read from `main()`, and the body Windmill's API takes."""

from __future__ import annotations

import ast
from typing import Any

from f.openanalyst.lib.builder.code import check_code
from f.openanalyst.lib.builder.paths import LANGUAGES, MAX_CONTENT_CHARS, BuildError, item_path

# --------------------------------------------------------------------------- scripts

_PY_TYPES = {"str": "string", "int": "integer", "float": "number", "bool": "boolean", "dict": "object"}


def _annotation_schema(node: ast.expr | None) -> dict[str, Any]:
    if node is None:
        return {}
    if isinstance(node, ast.Name):
        if node.id in _PY_TYPES:
            return {"type": _PY_TYPES[node.id]} | ({"properties": {}} if node.id == "dict" else {})
        if node.id == "list":
            return {"type": "array", "items": {"type": "string"}}
        return {"type": "object", "format": f"resource-{node.id}"}
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        if node.value.id == "Literal":
            elts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            values = [e.value for e in elts if isinstance(e, ast.Constant)]
            return {"type": "string", "enum": values}
        if node.value.id in ("list", "List"):
            inner = _annotation_schema(node.slice)
            if inner.get("type") == "integer":
                # As Windmill's parser infers:
                # https://github.com/windmill-labs/windmill/blob/main/backend/parsers/windmill-parser-py/src/lib.rs
                inner = {"type": "number"}
            return {"type": "array", "items": inner or {"type": "string"}}
        if node.value.id == "Optional":
            return _annotation_schema(node.slice)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        left = (
            node.left if not (isinstance(node.left, ast.Constant) and node.left.value is None) else node.right
        )
        return _annotation_schema(left)
    return {}


def _optional(node: ast.expr | None) -> bool:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return any(isinstance(s, ast.Constant) and s.value is None for s in (node.left, node.right))
    return (
        isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "Optional"
    )


def python_schema(content: str) -> dict[str, Any]:
    """The input schema of `main()` (as Windmill's parser infers it, for the common annotations)."""
    try:
        tree = ast.parse(content)
    except SyntaxError as exc:
        raise BuildError(f"the Python code does not parse: line {exc.lineno}: {exc.msg}") from exc
    mains = [
        n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == "main"
    ]
    if not mains:
        # \x28 is "(": see drafts.starter_script
        raise BuildError("a Windmill Python script needs a top-level `def main\x28...)`")
    fn = mains[0]
    args = fn.args.args
    defaults = [None] * (len(args) - len(fn.args.defaults)) + list(fn.args.defaults)
    props: dict[str, Any] = {}
    required = []
    for arg, default in zip(args, defaults, strict=True):
        schema: dict[str, Any] = {"description": ""} | _annotation_schema(arg.annotation)
        if default is not None:
            if isinstance(default, ast.Constant) and default.value is not None:
                schema["default"] = default.value
                if "type" not in schema:
                    schema["type"] = _PY_TYPES.get(type(default.value).__name__, "string")
        elif not _optional(arg.annotation):
            required.append(arg.arg)
        props[arg.arg] = schema
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": props,
        "required": required,
        "order": [a.arg for a in args],
    }


def script_body(
    user_id: str,
    name: str,
    content: str,
    language: str,
    summary: str,
    description: str = "",
    lock: str | None = None,
) -> dict[str, Any]:
    path = item_path(user_id, "scripts", name)
    if language not in LANGUAGES:
        raise BuildError(f"unsupported language {language!r}: use one of {', '.join(LANGUAGES)}")
    if not content or not content.strip():
        raise BuildError("the script is empty")
    if len(content) > MAX_CONTENT_CHARS:
        raise BuildError(f"the script is {len(content)} characters; the limit is {MAX_CONTENT_CHARS}")
    body: dict[str, Any] = {
        "path": path,
        "summary": (summary or name)[:200],
        "description": description or "",
        "content": content,
        "language": language,
        "kind": "script",
    }
    if language == "python3":
        body["schema"] = python_schema(content)
    if lock is not None:
        body["lock"] = lock  # NewScript.lock: installed as it is, no dependency job
    check_code(user_id, content, language, path)
    return body
