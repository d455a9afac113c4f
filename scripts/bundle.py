"""Bundle tooling: script metadata and locks, and the conformance checks CI runs.

    uv run scripts/bundle.py metadata [PATH...]   regenerate .script.yaml schemas and .script.lock files
    uv run scripts/bundle.py check [--only NAME,...] [PATH...]
                                                  run the conformance checks; exit 1 on failure

For metadata, PATH may be a script, its .script.yaml/.script.lock, a flow folder or any folder; no PATH
means everything under f/. For check, PATHs narrow the report to problems in those files or folders.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `uv run scripts/bundle.py` runs from anywhere

from scripts.bundle_tools import checks, metadata, repo, wmill_cli


def _metadata(args: argparse.Namespace) -> int:
    started = time.monotonic()
    try:
        outcome = metadata.regenerate(args.root, args.paths)
    except (ValueError, wmill_cli.WmillMissing, RuntimeError) as exc:
        print(f"metadata: {exc}", file=sys.stderr)
        return 1
    for path in outcome.written:
        print(f"wrote     {path}")
    if args.verbose:
        for path in outcome.unchanged:
            print(f"unchanged {path}")
    for problem in outcome.problems:
        print(f"PROBLEM   {problem}", file=sys.stderr)
    print(
        f"metadata: {len(outcome.written)} written, {len(outcome.unchanged)} unchanged, "
        f"{len(outcome.problems)} problem(s) in {time.monotonic() - started:.1f}s"
    )
    return 1 if outcome.problems else 0


def _check(args: argparse.Namespace) -> int:
    selected = [c for c in checks.CHECKS if not args.only or c.name in args.only]
    unknown = set(args.only or []) - {c.name for c in checks.CHECKS}
    if unknown:
        print(f"check: unknown check(s) {sorted(unknown)}; known: {[c.name for c in checks.CHECKS]}")
        return 2
    prefixes = [_relative(args.root, p) for p in args.paths]
    failed = 0
    for check in selected:
        started = time.monotonic()
        try:
            problems = check.run(args.root)
        except wmill_cli.WmillMissing as exc:
            problems = [str(exc)]
        except Exception as exc:  # a crashing check is a failed check, reported like the others
            problems = [f"check crashed: {type(exc).__name__}: {exc}"]
        if prefixes:  # report only what concerns the given paths
            problems = [p for p in problems if p.startswith(tuple(prefixes)) or p.startswith("check crashed")]
        mark = "ok  " if not problems else "FAIL"
        print(f"{mark} {check.name:<16} {check.doc} ({time.monotonic() - started:.1f}s)")
        for problem in problems:
            print(f"       - {problem}")
        failed += bool(problems)
    print(f"\n{len(selected) - failed}/{len(selected)} checks passed")
    return 1 if failed else 0


def _relative(root: Path, path: str) -> str:
    resolved = (root / path if (root / path).exists() else Path(path)).resolve()
    try:
        return resolved.relative_to(root).as_posix()
    except ValueError:
        raise SystemExit(f"check: {path} is not inside {root}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bundle.py", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--root", type=Path, default=repo.REPO_ROOT, help="repository root (default: this repo)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    meta = sub.add_parser("metadata", help="regenerate .script.yaml schemas and .script.lock files")
    meta.add_argument("paths", nargs="*", help="scripts or folders (default: every script under f/)")
    meta.add_argument("-v", "--verbose", action="store_true", help="also list unchanged files")
    meta.set_defaults(func=_metadata)
    check = sub.add_parser("check", help="run the conformance checks")
    check.add_argument(
        "--only",
        action="extend",
        type=lambda value: value.split(","),
        metavar="NAME[,NAME]",
        help=f"run only these: {', '.join(c.name for c in checks.CHECKS)}",
    )
    check.add_argument("paths", nargs="*", help="report only problems in these files or folders")
    check.set_defaults(func=_check)
    args = parser.parse_args(argv)
    args.root = args.root.resolve()
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
