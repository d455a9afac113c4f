"""Benchmark: per-step overhead of the dev runtime.

Runs a 10-step flow of no-op steps on an embedded dev runtime and, as the baseline measured in
the same run, calls the same 10 main()s directly in one process. Prints per-step times and the
ratio (flow time per step / direct call per step), plus a plain `python -c pass` process start
for scale: the runtime, like a Windmill worker, starts one process per step.

    uv run python scripts/bench/devruntime.py [--runs 5] [--plain]
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from scripts.devruntime.config import Settings  # noqa: E402
from scripts.devruntime.server import DevServer  # noqa: E402

STEPS = 10
NOOP = '''def main(i: int = 0, previous: object = None) -> int:
    """A step that does nothing but hand on a number."""
    return i
'''


def write_bundle(root: Path) -> None:
    folder = root / "f" / "bench"
    (folder / "noop10__flow").mkdir(parents=True)
    (folder / "noop.py").write_text(NOOP)
    modules = [
        {
            "id": f"s{i}",
            "value": {
                "type": "script",
                "path": "f/bench/noop",
                "input_transforms": {
                    "i": {"type": "static", "value": i},
                    "previous": {"type": "javascript", "expr": "previous_result"},
                },
            },
        }
        for i in range(STEPS)
    ]
    flow = {"summary": "10 no-op steps", "value": {"modules": modules}, "schema": {"type": "object"}}
    (folder / "noop10__flow" / "flow.yaml").write_text(yaml.safe_dump(flow, sort_keys=False))


def direct_per_call(root: Path, calls: int = 10_000) -> float:
    spec = importlib.util.spec_from_file_location("bench_noop", root / "f" / "bench" / "noop.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    start = time.perf_counter()
    for _ in range(calls // STEPS):
        previous = None
        for i in range(STEPS):
            previous = module.main(i=i, previous=previous)
    return (time.perf_counter() - start) / calls


def process_start() -> float:
    start = time.perf_counter()
    for _ in range(5):
        subprocess.run([sys.executable, "-c", "pass"], check=True)
    return (time.perf_counter() - start) / 5


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="flow runs to average (default 5)")
    parser.add_argument("--plain", action="store_true", help="a fresh interpreter per job instead of forking")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "bundle"
        write_bundle(root)
        settings = Settings(
            port=0, bundle_root=root, db_path=Path(tmp) / "bench.sqlite3", fork=not args.plain
        )
        with DevServer(settings) as server:
            client = httpx.Client(
                base_url=f"{server.base_url}/api/w/{settings.workspace}",
                headers={"Authorization": f"Bearer {settings.token}"},
                timeout=120,
            )
            durations = []
            for run in range(args.runs + 1):  # the first run warms caches and is not counted
                start = time.perf_counter()
                job_id = client.post("/jobs/run/f/f/bench/noop10", json={}).text
                while True:
                    r = client.get(f"/jobs_u/completed/get_result_maybe/{job_id}").json()
                    if r["completed"]:
                        break
                    time.sleep(0.005)
                assert r["success"] and r["result"] == STEPS - 1, r
                if run:
                    durations.append(time.perf_counter() - start)
            client.close()
        direct = direct_per_call(root)
    flow_step = sum(durations) / len(durations) / STEPS
    proc = process_start()
    mode = "fresh interpreter per job" if args.plain else "forked from the warm fork server"
    print(f"steps per flow            : {STEPS} (runs: {args.runs}, jobs {mode})")
    print(f"dev runtime, per step     : {flow_step * 1000:9.2f} ms")
    print(f"direct main(), per call   : {direct * 1e6:9.3f} us")
    print(f"bare python process start : {proc * 1000:9.2f} ms (what any per-job process pays)")
    print(f"ratio (flow step / direct main call): {flow_step / direct:,.0f}x")
    print(f"ratio (flow step / bare process start): {flow_step / proc:.2f}x")


if __name__ == "__main__":
    main()
