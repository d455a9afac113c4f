"""The bundle's conformance checks. Each takes the repository root and returns its problems."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import import_probe, imports, locks, openflow, references, repo, resources, wmill_cli

Problems = list[str]
NOT_SYNCED = ("hub", "tests", "scripts")  # top-level folders that must never reach the workspace
WORKFLOW = Path(".github/workflows/deploy.yml")
WMILL_SECRETS = ("WMILL_URL", "WMILL_WORKSPACE", "WMILL_TOKEN")


def _load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def wmill_config(root: Path) -> Problems:
    """wmill.yaml pins nonDottedPaths, syncs f/** with schedules and triggers, and nothing else."""
    path = root / "wmill.yaml"
    if not path.exists():
        return ["wmill.yaml: missing"]
    config = _load_yaml(path) or {}
    problems = []
    if config.get("nonDottedPaths") is not True:
        problems.append("wmill.yaml: nonDottedPaths must be pinned to true (the CLI defaults to false)")
    includes = config.get("includes") or []
    if "f/**" not in includes:
        problems.append("wmill.yaml: includes must contain 'f/**'")
    for key in ("includes", "extraIncludes"):
        for pattern in config.get(key) or []:
            if not str(pattern).startswith("f/"):
                problems.append(f"wmill.yaml: {key} pattern {pattern!r} reaches outside f/")
    if config.get("skipSecrets", True) is not True:
        problems.append("wmill.yaml: skipSecrets must stay true (secret values are set in the workspace)")
    for key in ("includeSchedules", "includeTriggers"):
        if config.get(key) is not True:
            problems.append(
                f"wmill.yaml: {key} must be true (schedules and triggers are not synced otherwise)"
            )
    return problems


def layout(root: Path) -> Problems:
    """Nothing from hub/, tests/ or scripts/ lives under f/ or is imported by what is synced."""
    problems = []
    base = root / repo.SYNCED_DIR
    for path in sorted(base.rglob("*")) if base.is_dir() else []:
        rel = repo.rel(path, root)
        if "__pycache__" in path.parts:
            continue
        if path.is_dir() and path.name in NOT_SYNCED:
            problems.append(f"{rel}: a {path.name}/ folder under f/ would be deployed to the workspace")
        elif path.suffix == ".py" and (
            path.name.startswith("test_") or path.stem.endswith("_test") or path.name == "conftest.py"
        ):
            problems.append(f"{rel}: tests must live under tests/, not f/ (everything in f/ is deployed)")
    for path in repo.python_files(root):
        try:
            found = imports.imports_of(path)
        except SyntaxError:
            continue  # reported by the imports check
        for imp in found:
            if not imp.level and imp.module.split(".")[0] in NOT_SYNCED:
                problems.append(
                    f"{repo.rel(path, root)}:{imp.line}: imports {imp.module}, not deployed to Windmill"
                )
    folders = (
        {p.relative_to(base).parts[0] for p in base.rglob("*") if p.is_file()} if base.is_dir() else set()
    )
    for folder in sorted(folders):
        if (base / folder).is_dir() and not (base / folder / "folder.meta.yaml").exists():
            problems.append(f"f/{folder}: missing folder.meta.yaml (`wmill folder add-missing -y`)")
    return problems


def script_metadata(root: Path) -> Problems:
    """Every script has a .script.yaml with summary, description, kind, its lock and a schema."""
    problems = []
    for script in repo.scripts(root):
        meta = repo.metadata_path(script)
        name = repo.rel(meta, root)
        if not meta.exists():
            problems.append(
                f"{name}: missing (run `uv run scripts/bundle.py metadata {repo.rel(script, root)}`)"
            )
            continue
        data = _load_yaml(meta) or {}
        for key in ("summary", "description"):
            if not str(data.get(key) or "").strip():
                problems.append(f"{name}: empty {key}")
        if data.get("kind", "script") != "script":
            problems.append(f"{name}: kind is {data.get('kind')!r}, expected 'script'")
        expected = f"!inline {repo.rel(repo.lock_path(script), root)}"
        if data.get("lock") != expected:
            problems.append(f"{name}: lock is {data.get('lock')!r}, expected {expected!r}")
        schema = data.get("schema")
        if not isinstance(schema, dict) or schema.get("type") != "object":
            problems.append(f"{name}: schema must be a JSON schema of type object")
            continue
        required = set(schema.get("required") or [])
        for arg in _defaulted_args(script):
            if arg in required:
                problems.append(
                    f"{name}: main() gives {arg!r} a default Windmill cannot read (not a literal), so the "
                    "form requires it with no default: use a literal default"
                )
    return problems


def _defaulted_args(script: Path) -> list[str]:
    """main()'s arguments that have a default."""
    try:
        tree = ast.parse(script.read_bytes())
    except SyntaxError:
        return []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "main":
            positional = [*node.args.posonlyargs, *node.args.args]
            with_default = positional[len(positional) - len(node.args.defaults) :]
            keyword = [
                a for a, d in zip(node.args.kwonlyargs, node.args.kw_defaults, strict=True) if d is not None
            ]
            return [a.arg for a in (*with_default, *keyword)]
    return []


def _schema_diff(committed: dict[str, Any], inferred: dict[str, Any]) -> list[str]:
    out = []
    have, want = committed.get("properties") or {}, inferred.get("properties") or {}
    for arg in sorted(set(want) - set(have)):
        out.append(f"argument {arg!r} of main() is missing from the schema")
    for arg in sorted(set(have) - set(want)):
        out.append(f"schema has {arg!r}, which main() does not take")
    for arg in sorted(set(have) & set(want)):
        if have[arg] != want[arg]:
            out.append(f"{arg!r}: schema says {json.dumps(have[arg])}, main() gives {json.dumps(want[arg])}")
    if sorted(committed.get("required") or []) != sorted(inferred.get("required") or []):
        out.append(f"required is {committed.get('required')}, main() gives {inferred.get('required')}")
    if not out and committed != inferred:
        out.append("schema differs from what the CLI infers from main()")
    return out


def schemas(root: Path) -> Problems:
    """Each committed schema equals what `wmill generate-metadata` infers from main() now."""
    with_meta = [s for s in repo.scripts(root) if repo.metadata_path(s).exists()]
    generated = wmill_cli.generate_metadata(root, with_meta)
    problems = []
    for script in with_meta:
        committed = (_load_yaml(repo.metadata_path(script)) or {}).get("schema") or {}
        inferred = generated[script].data.get("schema") or {}
        drift = _schema_diff(committed, inferred)
        if drift:
            name = repo.rel(repo.metadata_path(script), root)
            problems += [f"{name}: {d}" for d in drift]
            problems.append(
                f"{name}: regenerate with `uv run scripts/bundle.py metadata {repo.rel(script, root)}`"
            )
    return problems


def script_locks(root: Path) -> Problems:
    """Each .script.lock (and flow step .lock) pins what its code imports, per uv.lock."""
    problems: Problems = []
    for script in repo.scripts(root):
        problems += [p for p in locks.compare(root, script) if p not in problems]  # shared modules repeat
    for inline in repo.inline_scripts(root):
        flow_dir = repo.rel(inline.flow.parent, root)
        if not inline.code.exists():
            problems.append(f"{repo.rel(inline.flow, root)}: names {inline.code.name}, which is missing")
            continue
        found = locks.compare(root, inline.code, inline.lock, regenerate=flow_dir)
        problems += [p for p in found if p not in problems]
    return problems


def importable(root: Path) -> Problems:
    """Every .py under f/ imports cleanly with the repository root on sys.path."""
    files = [repo.rel(p, root) for p in repo.python_files(root)]
    if not files:
        return []
    env = {**os.environ, "AGNO_TELEMETRY": "false", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPATH", None)
    proc = subprocess.run(
        [sys.executable, import_probe.__file__, str(root), *files],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith(import_probe.MARKER)), None)
    if line is None:
        return [f"import probe crashed (rc {proc.returncode}): {(proc.stderr or proc.stdout)[-2000:]}"]
    results: dict[str, str | None] = json.loads(line[len(import_probe.MARKER) :])
    return [f"{rel}: does not import: {error}" for rel, error in results.items() if error]


def flows(root: Path) -> Problems:
    """Every flow.yaml is a valid OpenFlow, with module keys beside id/value, not inside value."""
    problems = []
    for path in repo.flows(root):
        problems += openflow.flow_problems(path, root)
    return problems


def calls(root: Path) -> Problems:
    """Flow steps, schedules and triggers call scripts and flows that exist, with their arguments."""
    return references.problems(root)


def resource_files(root: Path) -> Problems:
    """Resources match their types, types are valid JSON schemas, no secret is committed."""
    return resources.problems(root)


def lint(root: Path) -> Problems:
    """`wmill lint --locks-required` from the pinned windmill-cli passes."""
    result = wmill_cli.lint(root)
    return [] if result.ok else result.problems


def wmill_lockfile(root: Path) -> Problems:
    """wmill-lock.yaml holds the hashes `wmill generate-metadata rehash` computes now."""
    path = root / wmill_cli.LOCKFILE
    hint = "run `uv run scripts/bundle.py metadata`"
    if not path.exists():
        return [f"{wmill_cli.LOCKFILE}: missing; `touch {wmill_cli.LOCKFILE}` and {hint}"]
    committed = yaml.safe_load(path.read_text()) or {}
    current = yaml.safe_load(wmill_cli.rehash(root)) or {}
    if committed == current:
        return []
    old, new = committed.get("locks") or {}, current.get("locks") or {}
    stale = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    return [
        f"{wmill_cli.LOCKFILE}: stale for {', '.join(stale[:5])}{' ...' if len(stale) > 5 else ''}; {hint}"
    ]


def deploy_workflow(root: Path) -> Problems:
    """The deploy workflow passes check-jsonschema and runs the tests, then `wmill sync push` on main."""
    path = root / WORKFLOW
    if not path.exists():
        return [f"{WORKFLOW}: missing"]
    proc = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    problems = []
    if proc.returncode != 0:
        problems.append(f"{WORKFLOW}: check-jsonschema: {(proc.stdout + proc.stderr).strip()}")
    workflow = _load_yaml(path) or {}
    triggers = workflow.get("on", workflow.get(True)) or {}  # YAML 1.1 reads a bare `on` as True
    push = triggers.get("push") if isinstance(triggers, dict) else None
    if not (isinstance(push, dict) and "main" in (push.get("branches") or [])):
        problems.append(f"{WORKFLOW}: must run on push to main")
    jobs: dict[str, Any] = workflow.get("jobs") or {}

    def runs(job: dict[str, Any]) -> str:
        return "\n".join(
            str(step.get("run", "")) for step in job.get("steps") or [] if isinstance(step, dict)
        )

    testers = {name for name, job in jobs.items() if "pytest" in runs(job) or ".ci/run" in runs(job)}
    pushers = {name: job for name, job in jobs.items() if "wmill sync push" in runs(job)}
    if not testers:
        problems.append(f"{WORKFLOW}: no job runs the tests (.ci/run or pytest)")
    if not pushers:
        problems.append(f"{WORKFLOW}: no job runs `wmill sync push`")
    for name, job in pushers.items():
        needs = job.get("needs") or []
        needs = [needs] if isinstance(needs, str) else needs
        if not testers & set(needs):
            problems.append(f"{WORKFLOW}: job {name!r} pushes without needing the test job")
        text = yaml.safe_dump(job)
        missing = [s for s in WMILL_SECRETS if f"secrets.{s}" not in text]
        if missing:
            problems.append(f"{WORKFLOW}: job {name!r} does not take {missing} from repository secrets")
    return problems


def ruff(root: Path) -> Problems:
    """`ruff check` is clean."""
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", "."],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if proc.returncode == 0:
        return []
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip() and not ln.startswith(("Found", "[*]"))]
    return lines or [f"ruff failed (rc {proc.returncode}): {proc.stderr.strip()}"]


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[Path], Problems]
    needs_cli: bool = False

    @property
    def doc(self) -> str:
        return (self.run.__doc__ or self.name).strip().splitlines()[0]


CHECKS: tuple[Check, ...] = (
    Check("wmill-config", wmill_config),
    Check("layout", layout),
    Check("script-metadata", script_metadata),
    Check("schemas", schemas, needs_cli=True),
    Check("locks", script_locks),
    Check("imports", importable),
    Check("flows", flows),
    Check("calls", calls),
    Check("resources", resource_files),
    Check("lint", lint, needs_cli=True),
    Check("wmill-lock", wmill_lockfile, needs_cli=True),
    Check("deploy-workflow", deploy_workflow),
    Check("ruff", ruff),
)
