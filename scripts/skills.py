"""Skills command: validate skill folders, compile skills to Windmill resources, route requests.

    uv run scripts/skills.py validate DIR [--strict]
    uv run scripts/skills.py compile [--check]
    uv run scripts/skills.py route [--skills-dir DIR] [--bm25] REQUEST
    uv run scripts/skills.py route [--skills-dir DIR] [--bm25] --stdin   # JSON lines {"request": ...}
    uv run scripts/skills.py eval [--bm25] [-v]                          # the routing dev sets
    uv run scripts/skills.py calibrate [--write]                         # fit skill / no skill

`compile` writes `openanalyst_skill.resource-type.yaml` (repo root) and one
`f/openanalyst/skills/<name>.resource.yaml` per folder in `skills/`; `--check` only reports drift.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from f.openanalyst.lib.skills.loader import LoadResult, Skill, load_skills_dir  # noqa: E402
from f.openanalyst.lib.skills.workflows import WorkflowError, parse_workflow  # noqa: E402

SKILLS_DIR = ROOT / "skills"
RESOURCE_DIR = ROOT / "f" / "openanalyst" / "skills"
RESOURCE_TYPE = "openanalyst_skill"
RESOURCE_TYPE_FILE = ROOT / f"{RESOURCE_TYPE}.resource-type.yaml"
TABLE_TYPE_FILE = ROOT / "openanalyst_embedding_table.resource-type.yaml"

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


TABLE_TYPE_SCHEMA: dict[str, Any] = {
    "description": "Static token vectors distilled from all-MiniLM-L6-v2 for skill routing (generated)",
    "schema": {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "model": {"type": "string"},
            "fingerprint": {"type": "string", "description": "model and distillation parameters"},
            "dim": {"type": "integer"},
            "tokens": {"type": "string", "description": "WordPiece tokens, one per line"},
            "scales": {"type": "string", "description": "base64 float32 per-row scales"},
            "vectors": {"type": "string", "description": "base64 int8 rows (tokens x dim)"},
        },
        "required": ["fingerprint", "dim", "tokens", "scales", "vectors"],
    },
}


def table_file_text() -> str | None:
    """The embedding-table resource: kept as it is while its fingerprint names the installed model
    and the current distillation parameters (distilling takes minutes), else distilled anew.
    None when the model package is not installed and no table exists."""
    import f.openanalyst.lib.skills.embeddings as embeddings
    import f.openanalyst.lib.skills.static_embeddings as static_embeddings
    import f.openanalyst.lib.skills.table_cache as table_cache

    path = static_embeddings.repo_table_file()
    encoder = embeddings.get_encoder()
    if path.exists():
        text = path.read_text(encoding="utf-8")
        head = re.search(r"^  fingerprint: (.+)$", text[:4000], re.M)
        fingerprint = head[1].strip("'\"") if head else None
        if encoder is None or fingerprint == embeddings.static_fingerprint(encoder):
            # The description states the fingerprint, so a worker's listing (values left out)
            # keys its copy of the table; the 10 MB value is kept as it is.
            resource_type = text.find("\nresource_type:")
            if fingerprint and text.startswith("description:") and resource_type > 0:
                return (
                    dump_yaml({"description": table_cache.describe(fingerprint)}) + text[resource_type + 1 :]
                )
            return text
    if encoder is None:
        return None
    table = embeddings.distill_static_table(encoder)
    doc = {
        "description": table_cache.describe(table.fingerprint),
        "resource_type": static_embeddings.RESOURCE_TYPE,
        "value": table.to_value(),
    }
    return dump_yaml(doc)


def compiled_files(skills_dir: Path = SKILLS_DIR) -> dict[Path, str]:
    """Every file `compile` writes, with its content."""
    skills, results = load_skills_dir(skills_dir)
    if bad := [r for r in results if r.skill is None]:
        raise SystemExit(
            "cannot compile, skipped skills: " + "; ".join(f"{r.path}: {r.warnings}" for r in bad)
        )
    import f.openanalyst.lib.skills.static_embeddings as static_embeddings

    files = {
        RESOURCE_TYPE_FILE: dump_yaml(RESOURCE_TYPE_SCHEMA),
        TABLE_TYPE_FILE: dump_yaml(TABLE_TYPE_SCHEMA),
    }
    if (table := table_file_text()) is not None:
        files[static_embeddings.repo_table_file()] = table
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
    from f.openanalyst.lib.skills.router import SkillRegistry

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


def cmd_eval(args: argparse.Namespace) -> int:
    from scripts import skills_eval

    modes = [("bm25", True)] if args.bm25 else [("bm25", True), ("hybrid", False)]
    for mode, bm25_only in modes:
        print(f"== {mode} (routes as production does; thresholds as fitted on all dev rows)")
        print(skills_eval.format_table(skills_eval.evaluate(bm25_only), args.verbose))
    import f.openanalyst.lib.skills.decision as route_decision

    print(
        f"\nthreshold: P(best skill right) >= {route_decision.THRESHOLD:.3f} "
        "(fitted by `calibrate`: logistic model, 5-fold cross-validation; see its output)"
    )
    if not args.bm25:
        rows = skills_eval.collect()
        n, right = skills_eval.grey_band(rows)
        print(
            f"grey band {route_decision.GREY_LOW:.2f} <= P < {route_decision.GREY_HIGH:.2f}: {n} of "
            f"{len(rows)} requests would ask a configured model (one call each); "
            f"the scores alone get {right} of them right"
        )
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    from scripts import skills_eval

    rows = skills_eval.collect(bm25_only=args.bm25)
    routed = skills_eval.cross_validate(rows)
    print(f"== cross-validated ({skills_eval.FOLDS} folds: each fold decided by a fit on the others)")
    print(skills_eval.format_table(skills_eval.by_set(rows, routed)))
    weights, bias, threshold = skills_eval.fit(rows)
    names = ", ".join(
        f"{n}={w:.2f}" for n, w in zip(skills_eval.route_decision.FEATURES, weights, strict=True)
    )
    print(f"\nfit on all {len(rows)} rows: {names}, bias={bias:.2f}; threshold {threshold:.3f}")
    print(
        f"threshold rule: the best top-1 among thresholds keeping no-skill recall >= "
        f"{skills_eval.MIN_NONE_RECALL} on the rows fitted"
    )
    if args.write:
        print(f"wrote {skills_eval.write_constants(weights, bias, threshold).relative_to(ROOT)}")
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
    p = sub.add_parser("eval", help="top-1, top-3, no-skill precision/recall on tests/data/routing")
    p.add_argument("--bm25", action="store_true")
    p.add_argument("-v", "--verbose", action="store_true", help="list the misrouted requests")
    p.set_defaults(func=cmd_eval)
    p = sub.add_parser("calibrate", help="fit the skill/no-skill decision (5-fold cross-validation)")
    p.add_argument("--bm25", action="store_true", help="features without the embedding table")
    p.add_argument("--write", action="store_true", help="write the fitted constants to route_decision.py")
    p.set_defaults(func=cmd_calibrate)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["LoadResult", "compile_drift", "compiled_files", "main", "validate_rows"]
