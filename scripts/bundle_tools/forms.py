"""The Windmill form of each script: every argument described, in signature order, step contracts typed.

Windmill's Python parser takes an argument's description from the `Args:` section of `main()`'s
docstring, one `name: description` (or `name (type): description`) line per argument
(https://github.com/windmill-labs/windmill/blob/main/backend/parsers/windmill-parser-py/src/lib.rs,
`parse_docstring_args`). The pinned CLI's `generate-metadata` does not read docstrings yet but keeps
what a `.script.yaml` already says (descriptions, `order`, the properties of an object argument),
so `bundle.py metadata` writes them here from the same docstring, and from the step contracts
(`f/openanalyst/lib/contracts.py`) for arguments annotated `contracts.<Model>`.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any


def main_function(script: Path) -> ast.FunctionDef | None:
    try:
        tree = ast.parse(script.read_bytes())
    except SyntaxError:
        return None
    return next(
        (node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "main"),
        None,
    )


def docstring_args(docstring: str) -> dict[str, str]:
    """The `Args:` section exactly as Windmill's parser reads it: from the line `Args:` on, every
    line with a colon is `name: description` (`name (type): ...` too); a line indented less than
    the first, ending with a colon, ends the section. A continuation line is ignored, or read as
    an argument when it has a colon: `problems` reports those."""
    return {name: description for name, description, _wrapped in _args_section(docstring)}


def _args_section(docstring: str) -> list[tuple[str, str, bool]]:
    """(name, description, wrapped) per argument line: `wrapped` when the next line continues it."""
    found: list[tuple[str, str, bool]] = []
    inside, base = False, None
    for line in docstring.splitlines():
        text = line.strip()
        if text == "Args:":
            inside, base = True, None
            continue
        if not inside or not text:
            continue
        indent = len(line) - len(line.lstrip())
        base = indent if base is None else base
        if indent < base and text.endswith(":"):
            break
        name, sep, description = text.partition(":")
        if sep and indent == base:
            found.append((name.split("(", 1)[0].strip(), description.strip(), False))
        elif sep:  # a wrapped line with a colon: Windmill reads it as an argument of its own
            found.append((name.split("(", 1)[0].strip(), description.strip(), False))
            if found[:-1]:
                found[-2] = (*found[-2][:2], True)
        elif found:
            found[-1] = (*found[-1][:2], True)
    return found


def arg_names(fn: ast.FunctionDef) -> list[str]:
    return [a.arg for a in fn.args.args]


def contract_of(annotation: ast.expr | None) -> str | None:
    """`contracts.Intent` or `contracts.Intent | None` -> "Intent"."""
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.right, ast.Constant):
        annotation = annotation.left
    if (
        isinstance(annotation, ast.Attribute)
        and isinstance(annotation.value, ast.Name)
        and annotation.value.id == "contracts"
    ):
        return annotation.attr
    return None


def problems(script: Path) -> list[str]:
    """What Windmill's parser would get wrong in `main()`'s docstring: arguments without a
    description, and names it would read that are no argument (a wrapped line with a colon)."""
    fn = main_function(script)
    if fn is None:
        return []
    section = _args_section(ast.get_docstring(fn) or "")
    described = {name: description for name, description, _wrapped in section}
    names = arg_names(fn)
    return (
        [f"{name}: no description in main()'s Args" for name in names if not described.get(name)]
        + [
            f"{name!r} read as an argument: keep each description on one line, or drop the colon"
            for name in described
            if name not in names
        ]
        + [
            f"{name}: its description wraps, and Windmill's form shows only the first line: keep it on one"
            for name, _description, wrapped in section
            if wrapped and name in names
        ]
    )


def enrich(data: dict[str, Any], script: Path) -> dict[str, Any]:
    """`data` (a .script.yaml) with the docstring's descriptions, the signature's order and the
    contracts' fields written into its schema."""
    fn = main_function(script)
    schema = data.get("schema")
    if fn is None or not isinstance(schema, dict) or not schema.get("properties"):
        return data
    import f.openanalyst.lib.contracts as contracts

    described = docstring_args(ast.get_docstring(fn) or "")
    properties: dict[str, Any] = dict(schema["properties"])
    for arg in fn.args.args:
        prop = dict(properties.get(arg.arg) or {})
        if not prop and arg.arg not in properties:
            continue
        if described.get(arg.arg):
            prop["description"] = described[arg.arg]
        model = contract_of(arg.annotation)
        if model is not None:
            form = contracts.schema_of(getattr(contracts, model))
            prop["type"] = "object"
            prop["properties"] = form["properties"]
        properties[arg.arg] = prop
    order = [name for name in arg_names(fn) if name in properties]
    # One key order whatever order the CLI wrote (it keeps an existing file's): reruns are no-ops.
    head = {key: schema[key] for key in ("$schema", "type") if key in schema}
    tail = {k: v for k, v in schema.items() if k not in head and k not in ("order", "properties")}
    return {**data, "schema": {**head, "order": order, "properties": properties, **tail}}
