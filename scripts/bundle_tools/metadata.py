"""`bundle.py metadata`: regenerate each script's .script.yaml schema (with the real CLI) and
.script.lock (from uv.lock), keeping the hand-written summary and description.

A script without metadata gets its summary from the first line of `main()`'s docstring (or the
module's) and its description from the module docstring; edit them afterwards as you like.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import locks, repo, wmill_cli


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
    module_doc, main_doc = docstrings(script)
    summary = (main_doc or module_doc).strip().splitlines()[0].strip() if (main_doc or module_doc) else ""
    return summary, (module_doc or main_doc).strip()


def _yaml_field(key: str, value: str) -> str:
    if "\n" in value:
        body = "\n".join(("  " + line) if line.strip() else "" for line in value.splitlines())
        return f"{key}: |-\n{body}"
    return yaml.safe_dump({key: value}, width=1_000_000, allow_unicode=True).rstrip("\n")


def fill_missing_text(text: str, script: Path) -> str:
    """Fill an empty top-level summary/description from the docstrings, keeping the CLI's layout."""
    summary, description = default_summary_description(script)
    for key, value in (("summary", summary), ("description", description)):
        pattern = re.compile(rf"^{key}: (''|\"\"|)$", re.M)
        if value and pattern.search(text):
            text = pattern.sub(lambda _m, k=key, v=value: _yaml_field(k, v), text, count=1)
    return text


def _write(path: Path, content: str, root: Path, outcome: Outcome) -> None:
    if path.exists() and path.read_text() == content:
        outcome.unchanged.append(repo.rel(path, root))
        return
    path.write_text(content)
    outcome.written.append(repo.rel(path, root))


def regenerate(root: Path, paths: list[str]) -> Outcome:
    outcome = Outcome()
    chosen = repo.select_scripts(root, paths)
    generated = wmill_cli.generate_metadata(root, chosen)
    for script in chosen:
        text = fill_missing_text(generated[script].text, script)
        data = yaml.safe_load(text)
        expected_lock = f"!inline {repo.rel(repo.lock_path(script), root)}"
        if data.get("lock") != expected_lock or data.get("kind") != "script":
            outcome.problems.append(f"{repo.rel(script, root)}: the CLI wrote unexpected lock/kind: {data}")
            continue
        _write(repo.metadata_path(script), text, root, outcome)
        plan = locks.plan(root, script)
        if plan.problems:
            outcome.problems.extend(plan.problems)
            continue
        _write(repo.lock_path(script), plan.render(), root, outcome)
    return outcome
