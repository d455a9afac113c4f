"""Pass rate of the scenario suite per skill and mode (offline, replayed model).

    uv run --frozen python scripts/bench/requests.py            # the table
    uv run --frozen python scripts/bench/requests.py -v         # plus each failing case and why
    uv run --frozen python scripts/bench/requests.py --mode offline -k s_

Runs the same cases as tests/scenarios (one dev runtime, one hub, every case through a websocket
client), judged by the same checks.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import httpx2

httpx2.alias_httpx()  # as tests/conftest.py does: one httpx for respx, the SDK and wmill

from tests.scenarios.cases import CASES, GROUPS  # noqa: E402
from tests.scenarios.checks import internals_in  # noqa: E402
from tests.scenarios.harness import MODES, new_suite  # noqa: E402
from tests.scenarios.test_scenarios import KNOWN, failures  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=MODES, action="append", help="default: both")
    parser.add_argument("-k", default="", help="only cases whose id contains this")
    parser.add_argument("-v", action="store_true", help="list failing cases with the reasons")
    parser.add_argument(
        "--write-known",
        action="store_true",
        help="record the failing cases in tests/scenarios/known_failing.txt (the tests expect them to fail)",
    )
    args = parser.parse_args()
    modes = args.mode or list(MODES)
    suite = new_suite()
    table: dict[tuple[str, str], list[bool]] = defaultdict(list)
    failing: list[str] = []
    failed_ids: list[str] = []
    leaks = 0
    try:
        for mode in modes:
            cases = [c for c in CASES if mode in c.modes and args.k in c.id]
            started = time.monotonic()
            outcomes = suite.run(cases, mode)
            elapsed = time.monotonic() - started
            print(f"{mode}: {len(cases)} cases in {elapsed:.1f} s", file=sys.stderr)
            for case in cases:
                outcome = outcomes[case.id]
                problems = failures(case, outcome)
                leaked = [p for m in outcome.messages for p in internals_in(m, case.request)]
                leaks += len(leaked)
                table[(case.group, mode)].append(not problems)
                if problems:
                    failed_ids.append(f"{mode}/{case.id}")
                if problems or leaked:
                    ran_into = suite.failed_steps(outcome.user) if args.v else []
                    failing.append(
                        f"{mode}/{case.id} ({outcome.seconds:.1f} s): "
                        + "; ".join(problems + leaked + [f"step failed: {f}" for f in ran_into])
                    )
    finally:
        suite.close()
    print("| skill | " + " | ".join(modes) + " |")
    print("|---|" + "---|" * len(modes))
    totals = {m: [0, 0] for m in modes}
    for group in GROUPS:
        cells = []
        for mode in modes:
            results = table.get((group, mode), [])
            totals[mode][0] += sum(results)
            totals[mode][1] += len(results)
            cells.append(f"{sum(results)}/{len(results)}" if results else "-")
        print(f"| {group} | " + " | ".join(cells) + " |")
    print("| **all** | " + " | ".join(f"**{p}/{n}**" for p, n in totals.values()) + " |")
    print(f"messages exposing internals: {leaks}")
    if args.v:
        print("\n".join(failing))
    if args.write_known:
        KNOWN.write_text(
            "# Cases not passing yet (mode/case id), written by scripts/bench/requests.py --write-known\n"
            "# The tests mark them xfail(strict=True): one that starts passing fails until removed here.\n"
            + "".join(f"{name}\n" for name in sorted(failed_ids))
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
