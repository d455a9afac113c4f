"""Benchmark: what running a real step as a job costs, against the same code called in-process.

    uv run python scripts/bench/devruntime.py [--runs 5]

One offline request (`f/openanalyst/handle_request`, the canonical example) runs on an embedded dev
runtime; its step jobs and the arguments the flow gave them are read back. Then each step runs
again `--runs` times as a job (POST jobs/run_wait_result/p/<path>), forked from the warm fork
server and as a fresh interpreter (what a Windmill worker starts), and `--runs` times as a direct
`main(**args)` call in this process with its modules already imported: the baseline, measured in
the same run on the same machine. Per step it prints the medians, the ratios, and what importing
the step costs a fresh interpreter (`python -X importtime`).
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path[0] = str(REPO_ROOT)  # not this folder: its requests.py would shadow `requests`

import httpx  # noqa: E402

from scripts.bench.request import quiet, step_jobs  # noqa: E402
from scripts.devruntime.config import Settings  # noqa: E402
from scripts.devruntime.server import DevServer  # noqa: E402
from tests.brain.scenarios import SEED  # noqa: E402


def import_ms(module: str) -> float:
    """What `import module` costs a fresh interpreter (bytecode already compiled)."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cmd = [sys.executable, "-X", "importtime", "-c", f"import {module}"]
    subprocess.run(cmd, env=env, capture_output=True, check=True)  # compile once
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stderr
    last = [line for line in out.splitlines() if line.startswith("import time:")][-1]
    return int(last.split("|")[1]) / 1000


def python_start_ms() -> float:
    times = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="runs of each step per mode (default 5)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-devruntime-"))
    os.environ["OPENANALYST_SQLITE_PATH"] = str(tmp / "store.sqlite3")
    os.environ.pop("ANTHROPIC_API_KEY", None)
    settings = Settings(port=0, db_path=tmp / "devruntime.sqlite3")
    rows: list[dict[str, Any]] = []
    with DevServer(settings) as server:
        api = httpx.Client(
            base_url=f"{server.base_url}/api/w/{settings.workspace}",
            headers={"Authorization": f"Bearer {settings.token}"},
            timeout=120,
        )
        body = {"user_id": "bench", "session_id": "s", "message_id": "m0", "request": SEED}
        flow = str(uuid.uuid4())
        api.post(
            "/jobs/run_wait_result/f/f/openanalyst/handle_request", params={"job_id": flow}, json=body
        ).raise_for_status()
        steps, _ = step_jobs(api, flow)
        base_env = {
            "BASE_INTERNAL_URL": server.base_url,
            "WM_BASE_URL": server.base_url,
            "WM_TOKEN": settings.token,
            "WM_WORKSPACE": settings.workspace,
            # The worker's cache the jobs get (the compiled embedding table): the same in both.
            "OPENANALYST_CACHE_DIR": str(settings.worker_cache_dir),
        }
        seen: set[str] = set()
        for job in steps:
            path = job["script_path"]
            if path in seen:
                continue
            seen.add(path)
            print(f"timing {path} ...", file=sys.stderr, flush=True)
            row: dict[str, Any] = {"path": path}
            for mode, fork in (("fork", True), ("fresh", False)):
                server.settings.fork = fork
                times = []
                for _ in range(args.runs):
                    start = time.perf_counter()
                    r = api.post(f"/jobs/run_wait_result/p/{path}", json=job["args"])
                    times.append(time.perf_counter() - start)
                    if r.status_code >= 400:
                        raise RuntimeError(f"{path} failed as a job: {r.text[:500]}")
                row[mode] = statistics.median(times) * 1000
            server.settings.fork = True
            os.environ.update(base_env)
            module = importlib.import_module(path.replace("/", "."))
            times = []
            with quiet():
                for _ in range(args.runs):
                    start = time.perf_counter()
                    module.main(**job["args"])
                    times.append(time.perf_counter() - start)
            row["direct"] = statistics.median(times) * 1000
            row["import"] = import_ms(path.replace("/", "."))
            rows.append(row)
        api.close()
    start_ms = python_start_ms()
    head = (
        f"{'step':<40}{'in-process':>11}{'job fork':>10}{'ratio':>7}{'job fresh':>11}{'ratio':>7}"
        f"{'import':>8}"
    )
    print(f"real steps of one offline request, medians of {args.runs} runs (ms)")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r['path']:<40}{r['direct']:>11.1f}{r['fork']:>10.1f}{r['fork'] / r['direct']:>6.1f}x"
            f"{r['fresh']:>11.1f}{r['fresh'] / r['direct']:>6.1f}x{r['import']:>8.1f}"
        )
    t = {k: sum(r[k] for r in rows) for k in ("direct", "fork", "fresh", "import")}
    print("-" * len(head))
    print(
        f"{'all steps':<40}{t['direct']:>11.1f}{t['fork']:>10.1f}{t['fork'] / t['direct']:>6.1f}x"
        f"{t['fresh']:>11.1f}{t['fresh'] / t['direct']:>6.1f}x{t['import']:>8.1f}"
    )
    print(f"\nbare `python -c pass`: {start_ms:.1f} ms; import = `python -X importtime` of the step module")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
