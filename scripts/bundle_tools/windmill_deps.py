"""The requirements Windmill infers for a Python script, by the rule of its own import parser.

Windmill: https://github.com/windmill-labs/windmill/blob/main/backend/parsers/windmill-parser-py-imports/src/lib.rs
(`parse_python_imports`), which a deploy, `wmill generate-metadata` and the re-lock of importers run:

- A `# requirements:` line (at the start of a line) ends the search: the requirements are the
  comment lines right after it, one token each (`# psycopg[binary]`), and nothing else, not even
  what the workspace scripts it imports need.
- Otherwise the lines after `# extra_requirements:` (same form), plus the imports of the script:
  only statements at the top level of the module and before the first `def main(` (an import in a
  function, an `if` or a `try` is invisible), then
  - `import f.a.b` / `from f.a.b import c` / `from .b import c` name the workspace script `f/a/b`
    (relative ones counted from the script's path), whose own requirements are added by the same
    rule; `from f.a import b` names the script `f/a`, not `f/a/b`;
  - any other import adds its first dotted segment with `_` turned into `-`, renamed by a small
    table (`yaml` -> `pyyaml`, `psycopg` -> `psycopg[binary, pool]`, ...); the standard library is dropped.

How a worker loads `f.a.b` at run time (each dotted prefix a namespace, the last one the script
`f/a/b`): https://github.com/windmill-labs/windmill/blob/main/backend/windmill-worker/loader.py
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

DEF_MAIN = "def main("
_REQUIREMENT_LINE = re.compile(r"^#\s?(\S+)\s*$")
# The import-name -> PyPI-name table of the parser file above, for the names this project could meet.
RENAMED = {
    "psycopg2": "psycopg2-binary",
    "psycopg": "psycopg[binary, pool]",
    "yaml": "pyyaml",
    "git": "GitPython",
    "PIL": "Pillow",
    "dateutil": "python-dateutil",
    "sklearn": "scikit-learn",
    "cv2": "opencv-python",
    "dns": "dnspython",
    "github": "PyGithub",
    "pythonjsonlogger": "python-json-logger",
}
# The parser's list holds the standard library names with `_` written `-`.
_STDLIB = {name.replace("_", "-") for name in sys.stdlib_module_names} | {"--future--", ""}


class UnparsableForWindmill(ValueError):
    """The code before `def main(` is not valid Python, so Windmill cannot read its imports."""


@dataclass(frozen=True)
class Seen:
    """What Windmill's parser reads in one script."""

    requirements: tuple[str, ...] | None  # the `# requirements:` block, when there is one
    extra: tuple[str, ...]  # the `# extra_requirements:` block
    external: tuple[tuple[str, int], ...]  # (requirement name, line) of visible third-party imports
    scripts: tuple[tuple[str, int], ...]  # (workspace script path, line) of visible workspace imports


def _block(lines: list[str], starts: tuple[str, ...]) -> tuple[str, ...] | None:
    for i, line in enumerate(lines):
        if line.startswith(starts):
            out: list[str] = []
            for item in lines[i + 1 :]:
                match = _REQUIREMENT_LINE.match(item)
                if not match:
                    break
                out.append(match.group(1))
            return tuple(out)
    return None


def _visible_code(source: str) -> str:
    code = source.split(DEF_MAIN, 1)[0]
    lines = code.splitlines()
    if lines and lines[-1].startswith("@"):  # a decorator of main
        code = "\n".join(lines[:-1]) + "\n"
    return code


def _script_of(module: str, script_path: str, level: int) -> str:
    if level:
        parts = script_path.split("/")
        base = "/".join(parts[: len(parts) - level])
        return f"{base}/{module.replace('.', '/')}" if module else base
    return module.replace(".", "/")


def read(source: str, script_path: str) -> Seen:
    """What Windmill's parser reads in `source`, the script at `script_path` (no `.py`)."""
    lines = source.splitlines()
    requirements = _block(lines, ("#requirements:", "# requirements:"))
    extra = _block(lines, ("#extra_requirements:", "# extra_requirements:")) or ()
    try:
        tree = ast.parse(_visible_code(source))
    except SyntaxError as exc:
        raise UnparsableForWindmill(f"line {exc.lineno}: {exc.msg}") from None
    external: list[tuple[str, int]] = []
    scripts: list[tuple[str, int]] = []
    for node in tree.body:  # top-level statements only
        if isinstance(node, ast.Import):
            targets = [(alias.name, 0) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            targets = [(node.module or "", node.level)]
        else:
            continue
        for module, level in targets:
            head = module.split(".")[0]
            if level or head in ("f", "u"):
                scripts.append((_script_of(module, script_path, level), node.lineno))
            elif module:
                name = head.replace("_", "-")
                if name not in _STDLIB:
                    external.append((RENAMED.get(name, name), node.lineno))
    return Seen(requirements, extra, tuple(external), tuple(scripts))


@dataclass
class Inferred:
    """The requirements Windmill would lock for a script, and where each came from."""

    requirements: dict[str, str] = field(default_factory=dict)  # requirement -> "file:line"
    missing_scripts: list[str] = field(default_factory=list)  # "file:line: script path"
    problems: list[str] = field(default_factory=list)


def infer(root: Path, script: Path) -> Inferred:
    """Windmill's requirements for `script` (a `.py` under `root`), following workspace imports."""
    result = Inferred()
    visited: set[str] = set()

    def visit(path: str) -> None:
        file = root / f"{path}.py"
        if not file.is_file():
            return  # Windmill reads an unknown script as empty code
        try:
            seen = read(file.read_text(), path)
        except UnparsableForWindmill as exc:
            result.problems.append(f"{path}.py: Windmill cannot parse its imports ({exc})")
            return
        if seen.requirements is not None:
            for name in seen.requirements:
                result.requirements.setdefault(name, f"{path}.py (# requirements)")
            return
        for name in seen.extra:
            result.requirements.setdefault(name, f"{path}.py (# extra_requirements)")
        for name, line in seen.external:
            result.requirements.setdefault(name, f"{path}.py:{line}")
        for target, line in seen.scripts:
            if not (root / f"{target}.py").is_file():
                result.missing_scripts.append(f"{path}.py:{line}: {target}")
            if target not in visited:
                visited.add(target)
                visit(target)

    start = script.relative_to(root).with_suffix("").as_posix()
    visited.add(start)
    visit(start)
    return result
