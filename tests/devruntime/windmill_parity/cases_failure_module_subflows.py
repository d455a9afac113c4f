"""The failure module inside sub-flows, read in Windmill's worker_flow.rs (no Windmill test has it).

Windmill pushes the sub-flow of a loop iteration, a branchone branch and a branchall branch as
a RawFlow that carries the parent's `failure_module` (`failure_module: flow.failure_module.clone()`
in push_next_flow_job, backend/windmill-worker/src/worker_flow.rs). A step that fails there runs
the failure module inside that sub-flow first; a result with `recover: true` makes the sub-flow
succeed, so the loop or branch goes on with the failure module's result in that place.
"""

from __future__ import annotations

from tests.devruntime.windmill_parity.model import Case, branchall, branchone, forloop, js, py, ret

W = "worker_flow.rs"

FAIL_ON_TWO = py(
    "b",
    "def main(n):\n    if n == 2:\n        raise Exception(f'bad {n}')\n    return n * 10",
    n=js("flow_input.iter.value"),
)
RAISE = py("b", "def main():\n    raise Exception('bad branch')")
RECOVER = ret(
    "failure", "{'recover': True, 'caught': error['error']['message']}", error=js("previous_result")
)

CASES: list[Case] = [
    Case(
        "failure_module_recovers_a_loop_iteration",
        (W, "push_next_flow_job: ForloopFlow sub-flow carries failure_module"),
        [forloop("a", js("[1, 2, 3]"), [FAIL_ON_TWO])],
        failure_module=RECOVER,
        result=[10, {"recover": True, "caught": "bad 2"}, 30],
    ),
    Case(
        "failure_module_recovers_a_branchone_branch",
        (W, "push_next_flow_job: BranchOne sub-flow carries failure_module"),
        [
            branchone("a", [("true", [RAISE])], []),
            ret("c", "{'after': a}", a=js("results.a")),
        ],
        failure_module=RECOVER,
        result={"after": {"recover": True, "caught": "bad branch"}},
    ),
    Case(
        "failure_module_recovers_a_branchall_branch",
        (W, "push_next_flow_job: BranchAll sub-flow carries failure_module"),
        [branchall("a", [[RAISE], [ret("d", "'ok'")]])],
        failure_module=RECOVER,
        result=[{"recover": True, "caught": "bad branch"}, "ok"],
    ),
]
