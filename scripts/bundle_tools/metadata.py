"""`bundle.py metadata`: regenerate each script's .script.yaml schema (with the real CLI) and
.script.lock (from uv.lock), keeping the hand-written summary and description.

A script without metadata gets its summary from the first line of `main()`'s docstring (or the
module's) and its description from the module docstring; edit them afterwards as you like.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import forms, locks, repo, wmill_cli


@dataclass
class Outcome:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def docstrings(script: Path) -> tuple[str, str]:
    """(module docstring, main() docstring), each '' when absent."""
    try:
        tree = ast.parse(script.read_bytes())
    except SyntaxError:
        return "", ""
    main_doc = next(
        (
            ast.get_docstring(node) or ""
            for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "main"
        ),
        "",
    )
    return ast.get_docstring(tree) or "", main_doc


def default_summary_description(script: Path) -> tuple[str, str]:
    """Summary: first line of main()'s docstring, else of the module's. Description: the module
    docstring without a line already used as summary (or main()'s remaining lines)."""
    module_doc, main_doc = docstrings(script)
    source = main_doc or module_doc
    if not source.strip():
        return "", ""
    first, *rest = source.strip().splitlines()
    remainder = "\n".join(rest).strip()
    if main_doc:
        return first.strip(), (module_doc.strip() or remainder or first.strip())
    return first.strip(), (remainder or first.strip())


class _Dumper(yaml.SafeDumper):
    """Block style, multi-line strings as literal blocks, no line folding: stable, readable diffs."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value and not any(line != line.rstrip() for line in value.splitlines()) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000)


def with_defaults(data: dict[str, Any], script: Path) -> dict[str, Any]:
    """Fill an empty top-level summary/description from the docstrings."""
    summary, description = default_summary_description(script)
    out = dict(data)
    for key, value in (("summary", summary), ("description", description)):
        if not str(out.get(key) or "").strip() and value:
            out[key] = value
    return out


def _write(path: Path, content: str, root: Path, outcome: Outcome) -> None:
    if path.exists() and path.read_text() == content:
        outcome.unchanged.append(repo.rel(path, root))
        return
    path.write_text(content)
    outcome.written.append(repo.rel(path, root))


def regenerate(root: Path, paths: list[str]) -> Outcome:
    outcome = Outcome()
    selection = repo.select(root, paths)
    chosen = []
    for script in selection.scripts:  # the CLI writes an empty schema for code it cannot parse
        try:
            ast.parse(script.read_bytes(), filename=str(script))
            chosen.append(script)
        except SyntaxError as exc:
            outcome.problems.append(
                f"{repo.rel(script, root)}:{exc.lineno}: syntax error: {exc.msg}; not updated"
            )
    generated = wmill_cli.generate_metadata(root, chosen)
    for script in chosen:
        data = forms.enrich(with_defaults(generated[script].data, script), script)
        for key in ("summary", "description"):
            if not str(data.get(key) or "").strip():
                outcome.problems.append(
                    f"{repo.rel(repo.metadata_path(script), root)}: empty {key}: write it, or give the "
                    "module (or main()) a docstring and run metadata again"
                )
        expected_lock = f"!inline {repo.rel(repo.lock_path(script), root)}"
        if data.get("lock") != expected_lock or data.get("kind") != "script":
            outcome.problems.append(f"{repo.rel(script, root)}: the CLI wrote unexpected lock/kind: {data}")
            continue
        _write(repo.metadata_path(script), dump(data), root, outcome)
        plan = locks.plan(root, script)
        if plan.problems:
            outcome.problems.extend(plan.problems)
            continue
        _write(repo.lock_path(script), plan.render(), root, outcome)
    for inline in selection.inline:  # flow steps: only the lock; the flow.yaml carries the schema
        if not inline.code.exists():
            outcome.problems.append(
                f"{repo.rel(inline.flow, root)}: names {inline.code.name}, which is missing"
            )
            continue
        plan = locks.plan(root, inline.code)
        if plan.problems:
            outcome.problems.extend(plan.problems)
            continue
        _write(inline.lock, plan.render(), root, outcome)
    lockfile = root / wmill_cli.LOCKFILE
    if lockfile.exists():  # keep the CLI's hashes in step, so it does not see every script as stale
        _write(lockfile, wmill_cli.rehash(root), root, outcome)
    return outcome
