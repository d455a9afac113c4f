"""Benchmark of the brain: attempts, model calls and prompt caching of repeated requests.

    uv run scripts/bench/brain.py              # success first time, failing twice, a failing request
                                               # research fixes (then remembered), CORE help; each twice
    uv run scripts/bench/brain.py --all        # every scenario of the brain's tests
    uv run scripts/bench/brain.py --only research_then_pass --repeat 3

Each scenario runs `f/openanalyst/handle_request` on an embedded dev runtime `--repeat` times
(the same request, a fresh copy of its recorded model replies each time), with the Anthropic API
served by a loopback server and a loopback hub receiving the progress pushes. One store serves
every run, as one person's history would: `research_remembered`'s model answers from the bodies
it is sent (tests/brain/scenarios.py), so its second run is cheaper only if the first run's
cited learning came back through the person's context. Per run it prints:

- attempts, model calls (the response metadata), the calls the mock actually served, and the
  calls skill routing made ("route": only a request in the router's grey band asks the model);
- the cached input share computed from the request bodies actually sent, under Anthropic's
  caching rules (scripts/bench/prompt_cache.py: breakpoints, prefix order, the model's minimum
  cacheable length, one cache for the whole benchmark as one API key would have): estimated input
  tokens, tokens read from the cache, written to it, and read / input. The recorded replies'
  `usage` is not used: it says what the recording says, not what these bodies would get;
- per role, the largest prefix a breakpoint covers against the model's minimum (why a role is
  or is not cached);
- the flow's wall time (for the request's latency against the same steps in one process, see
  scripts/bench/request.py).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

# The repo root, not this folder: its requests.py would shadow the `requests` package.
sys.path[0] = str(Path(__file__).resolve().parents[2])

os.environ["AGNO_TELEMETRY"] = "false"

from scripts.bench.prompt_cache import Call, PromptCache, share  # noqa: E402
from tests.brain.loopback import HubStub, ModelServer  # noqa: E402
from tests.brain.scenarios import SCENARIOS, answer_questions, finish, jobs_of, run_request, script  # noqa: E402
from tests.support.devruntime import DevRuntime, start_dev_server  # noqa: E402

DEFAULT = ("success_first_attempt", "fail_twice_then_pass", "research_remembered", "core_help")
SECRET = "bench-push-secret"


def _ms(job: dict[str, Any]) -> float:
    if job.get("duration_ms") is not None:
        return float(job["duration_ms"])
    started, ended = job.get("started_at"), job.get("completed_at") or job.get("created_at")
    if not started or not ended:
        return 0.0
    parse = lambda ts: datetime.fromisoformat(str(ts).replace("Z", "+00:00"))  # noqa: E731
    return (parse(ended) - parse(started)).total_seconds() * 1000


def _routing_calls(rt: Any, family: list[dict[str, Any]]) -> str:
    """Model calls the route_skill step made (only a request in the router's grey band asks one);
    "-" when the flow did not route."""
    results = [
        rt.get_job(job["id"]).get("result")
        for job in family
        if (job.get("script_path") or "").endswith("brain/route_skill")
    ]
    counts = [int(r.get("model_calls") or 0) for r in results if isinstance(r, dict)]
    return str(sum(counts)) if counts else "-"


def run_scenario(rt: DevRuntime, hub: HubStub, name: str, cache: PromptCache) -> dict[str, Any]:
    spec = SCENARIOS[name]
    server: ModelServer | None = None
    env_keys = ("ANTHROPIC_API_KEY", "OPENANALYST_ANTHROPIC_BASE_URL", "OPENANALYST_MODEL_MAX_RETRIES")
    saved = {k: os.environ.get(k) for k in env_keys}
    try:
        for key in env_keys:
            os.environ.pop(key, None)
        if not spec.get("offline"):
            model = spec["model"]() if "model" in spec else script(spec["judge"], spec.get("research", False))
            server = ModelServer(model).start()
            os.environ.update(
                {
                    "ANTHROPIC_API_KEY": "sk-ant-bench",
                    "OPENANALYST_ANTHROPIC_BASE_URL": server.url,
                    "OPENANALYST_MODEL_MAX_RETRIES": "0",
                }
            )
        started = time.monotonic()
        job, message_id = run_request(rt, spec["request"], user=spec.get("user", "alice"))
        if spec.get("answers"):
            answer_questions(rt, hub, job, message_id, spec["answers"])
        result = finish(rt, job)
        wall_ms = (time.monotonic() - started) * 1000
        family = jobs_of(rt, job)
        flow_ms = _ms(rt.get_job(job)) or wall_ms
        suspended_ms = _suspended_ms(family) if spec.get("answers") else 0.0
        sent = list(server.requests) if server else []
        meta = result["metadata"]
        return {
            "name": name,
            "calls": meta.get("calls", 0),
            "served": len(sent),
            "routing": _routing_calls(rt, family),
            "attempts": meta["attempts"],
            "flow_ms": flow_ms - suspended_ms,
            "cache": [cache.send(role, body) for role, body, _ in sent],
        }
    finally:
        if server:
            server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _suspended_ms(family: list[dict[str, Any]]) -> float:
    """Time the flow spent waiting for the person (clarify's end to the next step's start)."""
    clarify = [j for j in family if j.get("script_path") == "f/openanalyst/brain/clarify"]
    after = [j for j in family if j.get("flow_step_id") == "answers_plan"]
    if not clarify or not after or not after[0].get("started_at"):
        return 0.0
    parse = lambda ts: datetime.fromisoformat(str(ts).replace("Z", "+00:00"))  # noqa: E731
    end = clarify[0].get("completed_at") or clarify[0].get("started_at")
    return max(0.0, (parse(after[0]["started_at"]) - parse(end)).total_seconds() * 1000)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--all", action="store_true", help="run the five scenarios")
    parser.add_argument("--only", nargs="+", choices=sorted(SCENARIOS), help="run these scenarios")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each request (default 2)")
    args = parser.parse_args()
    names = args.only or (list(SCENARIOS) if args.all else list(DEFAULT))
    tmp = Path(tempfile.mkdtemp(prefix="bench-brain-"))
    os.environ["OPENANALYST_SQLITE_PATH"] = str(tmp / "brain.sqlite3")
    server = start_dev_server(tmp)
    hub = HubStub(SECRET).start()
    rt = DevRuntime(server)
    rows = []
    try:
        rt.set_variable("f/openanalyst/hub_url", hub.url)
        rt.set_variable("f/openanalyst/hub_push_secret", SECRET, is_secret=True)
        cache = PromptCache()  # one API key: every request of the benchmark shares it
        for name in names:
            for run in range(1, args.repeat + 1):
                print(f"running {name} ({run}/{args.repeat}) ...", file=sys.stderr, flush=True)
                rows.append({**run_scenario(rt, hub, name, cache), "run": run})
    finally:
        hub.stop()
        server.stop()
    head = (
        f"{'scenario':<24}{'run':>4}{'attempts':>9}{'calls':>7}{'served':>8}{'route':>6}{'input':>8}{'c.read':>8}"
        f"{'c.write':>9}{'cached':>8}{'flow s':>8}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        calls: list[Call] = r["cache"]
        print(
            f"{r['name']:<24}{r['run']:>4}{r['attempts']:>9}{r['calls']:>7}{r['served']:>8}{r['routing']:>6}"
            f"{sum(c.input_tokens for c in calls):>8}{sum(c.read for c in calls):>8}"
            f"{sum(c.write for c in calls):>9}{share(calls):>8.0%}{r['flow_ms'] / 1000:>8.1f}"
        )
    print("\nper role (all runs): calls, breakpoints, largest cached prefix vs the model's minimum")
    by_role: dict[tuple[str, str], list[Call]] = {}
    for r in rows:
        for c in r["cache"]:
            by_role.setdefault((c.role, c.model), []).append(c)
    for (role, model), calls in sorted(by_role.items()):
        largest = max(c.largest_prefix for c in calls)
        verdict = "cacheable" if largest >= calls[0].minimum else "below the minimum: never cached"
        print(
            f"  {role:<11}{model:<20}{len(calls):>3} calls, {max(c.breakpoints for c in calls)} breakpoints, "
            f"prefix ~{largest} tokens / minimum {calls[0].minimum}: {verdict}; "
            f"cached share {share(calls):.0%}"
        )
    print(
        "\ntokens are estimated from the bodies' characters (3.5 a token); cached = tokens read from "
        "the cache / input tokens of that run's calls."
    )
    print("\nthe same request again (first run -> last run): attempts, model calls")
    for name in names:
        runs = [r for r in rows if r["name"] == name]
        if len(runs) > 1 and runs[0]["served"]:
            first, last = runs[0], runs[-1]
            print(
                f"  {name:<24}attempts {first['attempts']} -> {last['attempts']}, "
                f"calls {first['served']} -> {last['served']} ({last['served'] / first['served']:.2f}x)"
            )
    mismatched = [r["name"] for r in rows if r["served"] and r["served"] != r["calls"]]
    if mismatched:
        print(f"WARNING: metadata.calls differs from the calls served in {mismatched}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
