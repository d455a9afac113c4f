"""Skills command: validate skill folders, compile skills to Windmill resources, route requests.

    uv run scripts/skills.py validate DIR [--strict]
    uv run scripts/skills.py compile [--check]
    uv run scripts/skills.py route [--skills-dir DIR] [--bm25] REQUEST
    uv run scripts/skills.py route [--skills-dir DIR] [--bm25] --stdin   # JSON lines {"request": ...}
    uv run scripts/skills.py eval [--bm25]                               # the routing dev sets

`compile` writes `openanalyst_skill.resource-type.yaml` (repo root) and one
`f/openanalyst/skills/<name>.resource.yaml` per folder in `skills/`; `--check` only reports drift.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from f.openanalyst.lib.skill_loader import LoadResult, Skill, load_skills_dir  # noqa: E402
from f.openanalyst.lib.skill_workflows import WorkflowError, parse_workflow  # noqa: E402

SKILLS_DIR = ROOT / "skills"
RESOURCE_DIR = ROOT / "f" / "openanalyst" / "skills"
RESOURCE_TYPE = "openanalyst_skill"
RESOURCE_TYPE_FILE = ROOT / f"{RESOURCE_TYPE}.resource-type.yaml"
ROUTING_DATA = ROOT / "tests" / "data" / "routing"
CORPUS_DIR = ROOT.parent / "shared" / "skills-corpus"

RESOURCE_TYPE_SCHEMA: dict[str, Any] = {
    "description": "An OpenAnalyst skill compiled from skills/<NAME>/SKILL.md (or a person's custom skill)",
    "schema": {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "name": {"type": "string", "description": "the skill's name, as routing reports it"},
            "description": {"type": "string", "description": "what it does and when to use it"},
            "triggers": {
                "type": "array",
                "items": {"type": "string"},
                "description": "phrases that suggest it",
            },
            "platforms": {"type": "array", "items": {"type": "string"}},
            "requires_windmill": {"type": "boolean", "description": "false: answered without child jobs"},
            "priority": {"type": "integer", "description": "breaks routing ties; higher wins"},
            "scripts": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Windmill script paths a plan for this skill may call",
            },
            "system_prompt": {"type": "string"},
            "workflows": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "workflow name -> Markdown with the step-list frontmatter",
            },
            "prompts": {"type": "object", "additionalProperties": {"type": "string"}},
            "body": {"type": "string", "description": "the SKILL.md body"},
            "source": {"type": "string", "description": "shared or custom"},
            "model_invocable": {"type": "boolean", "description": "false: only an explicit /name routes"},
        },
        "required": ["name", "description"],
    },
}


# -------------------------------------------------------------------- compile


class _Dumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_presenter)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def resource_name(skill_name: str) -> str:
    """The Windmill path segment of a skill: SOCIAL_MEDIA -> social_media."""
    return re.sub(r"[^a-z0-9_]+", "_", skill_name.lower()).strip("_")


def compiled_files(skills_dir: Path = SKILLS_DIR) -> dict[Path, str]:
    """Every file `compile` writes, with its content."""
    skills, results = load_skills_dir(skills_dir)
    if bad := [r for r in results if r.skill is None]:
        raise SystemExit(
            "cannot compile, skipped skills: " + "; ".join(f"{r.path}: {r.warnings}" for r in bad)
        )
    files = {RESOURCE_TYPE_FILE: dump_yaml(RESOURCE_TYPE_SCHEMA)}
    for skill in skills:
        value = skill.to_value()
        source = f"skills/{Path(skill.location).parent.name}"
        doc = {
            "description": f"Skill {skill.name} (compiled from {source}/SKILL.md)",
            "resource_type": RESOURCE_TYPE,
            "value": value,
        }
        files[RESOURCE_DIR / f"{resource_name(skill.name)}.resource.yaml"] = dump_yaml(doc)
    return files


def compile_drift(skills_dir: Path = SKILLS_DIR) -> list[str]:
    """Files that differ from what `compile` would write (stale, missing or extra)."""
    expected = compiled_files(skills_dir)
    problems = [
        f"{path.relative_to(ROOT)}: {'missing' if not path.exists() else 'out of date'}"
        for path, text in expected.items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    if RESOURCE_DIR.is_dir():
        problems += [
            f"{p.relative_to(ROOT)}: no skill compiles to it"
            for p in sorted(RESOURCE_DIR.glob("*.resource.yaml"))
            if p not in expected
        ]
    return problems


def cmd_compile(args: argparse.Namespace) -> int:
    if args.check:
        problems = compile_drift()
        for p in problems:
            print(p)
        if problems:
            print("run: uv run scripts/skills.py compile", file=sys.stderr)
        return 1 if problems else 0
    files = compiled_files()
    RESOURCE_DIR.mkdir(parents=True, exist_ok=True)
    for stale in RESOURCE_DIR.glob("*.resource.yaml"):
        if stale not in files:
            stale.unlink()
            print(f"removed {stale.relative_to(ROOT)}")
    for path, text in files.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


# ------------------------------------------------------------------- validate


def _workflow_warnings(skill: Skill) -> list[str]:
    out = []
    for name, text in sorted(skill.workflows.items()):
        try:
            parse_workflow(text, name, skill.scripts)
        except WorkflowError as exc:
            out.append(str(exc))
    return out


def validate_rows(directory: Path) -> list[tuple[str, str, str, str]]:
    """(status, name, path, detail) per SKILL.md below `directory`."""
    _, results = load_skills_dir(directory)
    rows = []
    for r in results:
        warnings = list(r.warnings)
        if r.skill is not None:
            warnings += _workflow_warnings(r.skill)
        status = "skipped" if r.skill is None else ("warning" if warnings else "ok")
        name = r.skill.name if r.skill else "-"
        rows.append((status, name, str(r.path.parent.relative_to(directory)), "; ".join(warnings)))
    return rows


def cmd_validate(args: argparse.Namespace) -> int:
    directory = Path(args.dir)
    if not directory.is_dir():
        print(f"error: {directory} is not a directory", file=sys.stderr)
        return 2
    rows = validate_rows(directory)
    if not rows:
        print(f"no SKILL.md files below {directory}")
        return 1 if args.strict else 0
    widths = [max(len(r[i]) for r in [("status", "name", "path", ""), *rows]) for i in range(3)]
    print(f"{'status':<{widths[0]}}  {'name':<{widths[1]}}  {'path':<{widths[2]}}  detail")
    for status, name, path, detail in rows:
        print(f"{status:<{widths[0]}}  {name:<{widths[1]}}  {path:<{widths[2]}}  {detail}")
    counts = {s: sum(r[0] == s for r in rows) for s in ("ok", "warning", "skipped")}
    summary = f"{counts['ok']} ok, {counts['warning']} with warnings, {counts['skipped']} skipped"
    print(f"\n{len(rows)} files: {summary}")
    return 1 if args.strict and (counts["warning"] or counts["skipped"]) else 0


# ---------------------------------------------------------------------- route


def _registry(skills_dir: str, bm25_only: bool) -> Any:
    from f.openanalyst.lib.skill_router import SkillRegistry

    skills, _ = load_skills_dir(skills_dir)
    return SkillRegistry(skills, use_embeddings=False if bm25_only else None)


def _match_json(match: Any) -> dict[str, Any]:
    return {
        "skill": match.skill,
        "confidence": match.confidence,
        "alternatives": [{"skill": a.skill, "confidence": a.confidence} for a in match.alternatives],
    }


def cmd_route(args: argparse.Namespace) -> int:
    registry = _registry(args.skills_dir, args.bm25)
    if not args.stdin:
        if not args.request:
            print("error: give a REQUEST or --stdin", file=sys.stderr)
            return 2
        print(json.dumps(_match_json(registry.route(" ".join(args.request), args.user))))
        return 0
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            request = data["request"] if isinstance(data, dict) else None
            if not isinstance(request, str):
                raise ValueError('each line must be a JSON object with a string "request"')
            out = _match_json(registry.route(request, data.get("user_id") or args.user))
        except (ValueError, KeyError) as exc:
            out = {"skill": None, "confidence": 0.0, "alternatives": [], "error": str(exc)}
        print(json.dumps(out), flush=True)
    return 0


# ----------------------------------------------------------------------- eval


def dev_sets() -> dict[str, tuple[Path, list[dict[str, Any]]]]:
    """{set name: (skills dir, rows)} from tests/data/routing/*.jsonl (`shipped` = skills/)."""
    out = {}
    for file in sorted(ROUTING_DATA.glob("*.jsonl")):
        rows = [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
        skills_dir = SKILLS_DIR if file.stem == "shipped" else CORPUS_DIR / file.stem
        out[file.stem] = (skills_dir, rows)
    return out


def evaluate(bm25_only: bool, sets: Iterable[str] | None = None, **registry_kwargs: Any) -> dict[str, dict]:
    """Top-1 accuracy (all rows), positive accuracy, and no-match precision/recall per set."""
    from f.openanalyst.lib.skill_router import SkillRegistry

    results: dict[str, dict] = {}
    wanted = set(sets) if sets else None
    for name, (skills_dir, rows) in dev_sets().items():
        if (wanted is not None and name not in wanted) or not skills_dir.is_dir():
            continue
        skills, _ = load_skills_dir(skills_dir)
        registry = SkillRegistry(skills, use_embeddings=False if bm25_only else None, **registry_kwargs)
        correct = pos = pos_ok = abstained = abstained_ok = none_rows = 0
        errors = []
        for row in rows:
            got = registry.route(row["request"]).skill
            want = row.get("skill")
            correct += got == want
            if want is None:
                none_rows += 1
            else:
                pos += 1
                pos_ok += got == want
            if got is None:
                abstained += 1
                abstained_ok += want is None
            if got != want:
                errors.append({"request": row["request"], "want": want, "got": got})
        results[name] = {
            "rows": len(rows),
            "top1": correct / len(rows) if rows else 0.0,
            "positive_top1": pos_ok / pos if pos else 0.0,
            "no_match_precision": abstained_ok / abstained if abstained else 1.0,
            "no_match_recall": abstained_ok / none_rows if none_rows else 1.0,
            "errors": errors,
        }
    total = sum(r["rows"] for r in results.values())
    if total:
        results["all"] = {
            "rows": total,
            "top1": sum(r["top1"] * r["rows"] for r in results.values()) / total,
        }
    return results


def cmd_eval(args: argparse.Namespace) -> int:
    modes = [("bm25", True)] if args.bm25 else [("bm25", True), ("hybrid", False)]
    for mode, bm25_only in modes:
        res = evaluate(bm25_only)
        print(f"== {mode}")
        for name, r in res.items():
            extra = ""
            if "positive_top1" in r:
                extra = (
                    f"  positive {r['positive_top1']:.3f}  no-match precision {r['no_match_precision']:.3f}"
                    f" recall {r['no_match_recall']:.3f}"
                )
            print(f"{name:<32} n={r['rows']:<4} top1 {r['top1']:.3f}{extra}")
            if args.verbose:
                for e in r.get("errors", []):
                    print(f"    want {e['want']!s:<28} got {e['got']!s:<28} {e['request']}")
    return 0


# ----------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="skills.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="table of every SKILL.md below DIR: ok / warning / skipped")
    p.add_argument("dir")
    p.add_argument("--strict", action="store_true", help="exit 1 on any warning or skipped skill")
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("compile", help="skills/ -> f/openanalyst/skills/*.resource.yaml + resource type")
    p.add_argument("--check", action="store_true", help="only report drift (exit 1 when stale)")
    p.set_defaults(func=cmd_compile)
    p = sub.add_parser("route", help="route a request, print JSON {skill, confidence, alternatives}")
    p.add_argument("request", nargs="*")
    p.add_argument("--skills-dir", default=str(SKILLS_DIR))
    p.add_argument(
        "--stdin", action="store_true", help='read JSON lines {"request": ...}, one result per line'
    )
    p.add_argument("--bm25", action="store_true", help="BM25 only (no embedding model)")
    p.add_argument("--user", default=None, help="route as this user id")
    p.set_defaults(func=cmd_route)
    p = sub.add_parser("eval", help="accuracy on tests/data/routing/*.jsonl, BM25 vs hybrid")
    p.add_argument("--bm25", action="store_true")
    p.add_argument("-v", "--verbose", action="store_true", help="list the misrouted requests")
    p.set_defaults(func=cmd_eval)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["LoadResult", "compile_drift", "compiled_files", "evaluate", "main", "validate_rows"]
