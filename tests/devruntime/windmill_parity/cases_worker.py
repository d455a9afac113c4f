# ruff: noqa: E501  (case data: step sources and expected values are kept on one line each)
"""Flow cases of backend/tests/worker.rs (mod retry and the flow tests; mod suspend_resume is in
test_suspend_parity.py). Deno steps become Python steps of the same behaviour; a Deno
`throw Error(...)` becomes a Python exception class named `Error`, so the error name carries over."""

from __future__ import annotations

from typing import Any

from tests.devruntime.windmill_parity.model import (
    Case,
    branchall,
    branchone,
    forloop,
    identity,
    js,
    py,
    ret,
    with_,
)

W = "worker.rs"
# mod retry moved from worker.rs to its own file, backend/tests/retry.rs; its four tests were
# re-read there (catalogue.COMMITS["retry.rs"]) and carry the same flows, attempts and asserts.
R = "retry.rs"


def add_item(i: int, source: str) -> dict[str, Any]:
    """worker.rs `module_add_item_to_list`: results.<source> with i appended."""
    return ret(f"id_{str(i).replace('-', '_')}", "array + [i]", array=js(f"results.{source}"), i=i)


def failing(mid: str) -> dict[str, Any]:
    """worker.rs `module_failure`: throws Error('failure')."""
    return py(mid, "class Error(Exception):\n    pass\n\ndef main():\n    raise Error('failure')")


INNER_STEP = """
import socket

def main(index, port):
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(bytes([index]))
        buf = sock.recv(1)
        if len(buf) != 1:
            raise Exception("read")
        return buf[0]
"""

LAST_STEP = """
def main(last, port):
    with __import__("socket").create_connection((None, port)) as sock:
        sock.send(b'\\xff')
        return last + [sock.recv(1)[0]]
"""


def forloop_retry() -> list[dict[str, Any]]:
    """worker.rs retry::flow_forloop_retry."""
    return [
        with_(
            forloop(
                "a",
                js("flow_input.items"),
                [py("inner", INNER_STEP, index=js("flow_input.iter.index"), port=js("flow_input.port"))],
            ),
            retry={"constant": {"attempts": 2, "seconds": 0}},
        ),
        with_(
            py("last", LAST_STEP, last=js("results.a"), port=js("flow_input.port")),
            retry={"constant": {"attempts": 2, "seconds": 0}},
        ),
    ]


ITEMS = {"items": ["unused", "unused", "unused"]}


def _error_message(r: Any) -> str:
    return str(r["error"]["message"])


FAILURE_MODULE_FLOW = [
    py(
        "a",
        "import json\n\ndef main(n, l):\n    if n == 0:\n        raise Exception(json.dumps(l, separators=(',', ':')))\n"
        "    return {'l': [*l, 0]}",
        l=js("[]"),
        n=js("flow_input.n"),
    ),
    py(
        "b",
        "import json\n\ndef main(n, l):\n    if n == 1:\n        raise Exception(json.dumps(l, separators=(',', ':')))\n"
        "    return {'l': [*l, 1]}",
        l=js("results.a.l"),
        n=js("flow_input.n"),
    ),
    py(
        "c",
        "import json\n\ndef main(n, l):\n    if n == 2:\n        raise Exception(json.dumps(l, separators=(',', ':')))\n"
        "    return {'l': [*l, 2]}",
        l=js("results.b.l"),
        n=js("flow_input.n"),
    ),
]
FAILURE_MODULE = ret("failure", "{'from failure module': error}", error=js("previous_result"))

ITERATION_BODY = [
    py("inner", "def main(n):\n    if 1 < n:\n        raise StopIteration(n)", n=js("flow_input.iter.value"))
]

STOP_AFTER_IF_A = with_(
    ret("a", "n", n=js("flow_input.n")), stop_after_if={"expr": "result < 0", "skip_if_stopped": False}
)
SAW = ret("c", "f'last step saw {n}'", n=js("results.a"))
BRANCHALL_NESTED_AB = [
    branchall("b", [[add_item(2, "a")], [add_item(3, "a")]]),
    branchall("b2", [[add_item(4, "b")], [add_item(5, "b")]]),
]

CASES: list[Case] = [
    Case(
        "retry_pass",
        (R, "retry::test_pass"),
        forloop_retry(),
        args=ITEMS,
        server=[
            (0, 99),
            (1, None),
            (0, 99),
            (1, 99),
            (2, None),
            (0, 3),
            (1, 5),
            (2, 7),
            (0xFF, None),
            (0xFF, 9),
        ],
        result=[3, 5, 7, 9],
    ),
    Case(
        "retry_fail_step_zero",
        (R, "retry::test_fail_step_zero"),
        forloop_retry(),
        args=ITEMS,
        server=[(0, 99), (1, None), (0, 99), (1, None), (0, 99), (1, None)],
        success=False,
        check=lambda r: _eq(r[1]["error"]["message"], "read"),
    ),
    Case(
        "retry_fail_step_one",
        (R, "retry::test_fail_step_one"),
        forloop_retry(),
        args=ITEMS,
        server=[(0, None), (0, 1), (1, 2), (2, 3), (0xFF, None), (0xFF, None), (0xFF, None)],
        success=False,
        check=lambda r: _eq("index out of range" in _error_message(r), True),
    ),
    Case(
        "retry_with_failure_module",
        (R, "retry::test_with_failure_module"),
        [
            with_(
                py(
                    "a",
                    "def main(port):\n    with __import__('socket').create_connection((None, port)) as sock:\n"
                    "        sock.send(b'\\x00')\n        return sock.recv(1)[0]",
                    port=js("flow_input.port"),
                ),
                retry={"constant": {"attempts": 1, "seconds": 0}},
            )
        ],
        failure_module=with_(
            py(
                "failure",
                "def main(error, port):\n    with __import__('socket').create_connection((None, port)) as sock:\n"
                "        sock.send(b'\\xff')\n        return {'recv': sock.recv(1)[0], 'from failure module': error}",
                error=js("previous_result"),
                port=js("flow_input.port"),
            ),
            retry={"constant": {"attempts": 1, "seconds": 0}},
        ),
        server=[(0x00, None), (0x00, None), (0xFF, None), (0xFF, 42)],
        success=False,
        check=lambda r: _eq((r["from failure module"]["error"]["name"], r["recv"]), ("IndexError", 42)),
        status_check=lambda st: _eq(st["modules"][0]["type"], "Failure"),
    ),
    Case(
        "iteration_empty",
        (W, "test_iteration"),
        [forloop("loop", js("result.items"), ITERATION_BODY)],
        args={"items": []},
        result=[],
    ),
    Case(
        "iteration_failing_item",
        (W, "test_iteration"),
        [forloop("loop", js("result.items"), ITERATION_BODY)],
        args={"items": list(range(257))},
        success=False,
        check=lambda r: _eq(isinstance(r, list) and "2" in _error_message(r[2]), True),
    ),
    Case(
        "iteration_parallel_empty",
        (W, "test_iteration_parallel"),
        [forloop("loop", js("result.items"), ITERATION_BODY, parallel=True)],
        args={"items": []},
        result=[],
    ),
    Case(
        "iteration_parallel_failing_items",
        (W, "test_iteration_parallel"),
        [forloop("loop", js("result.items"), ITERATION_BODY, parallel=True)],
        args={"items": list(range(50))},
        success=False,
        check=lambda r: _eq(isinstance(r, list) and len(r) == 50 and "2" in _error_message(r[2]), True),
    ),
    Case(
        "deno_flow",
        (W, "test_deno_flow"),
        [
            ret("a", "[1, 2, 3]"),
            forloop("b", js("result"), [ret("c", "n * 2", n=js("flow_input.iter.value"))]),
        ],
        result=[2, 4, 6],
    ),
    Case(
        "identity",
        (W, "test_identity"),
        [ret("a", "42"), identity("b"), identity("c"), identity("d")],
        result=42,
    ),
    Case(
        "deno_flow_same_worker",
        (W, "test_deno_flow_same_worker"),
        [ret("a", "None")],
        flow_extra={"same_worker": True},
        not_implemented="same_worker",
    ),
    Case(
        "flow_result_by_id",
        (W, "test_flow_result_by_id"),
        [
            ret("a", "42"),
            branchall("b", [[branchall("c", [[ret("d", "v", v=js("results.a"))]])]]),
        ],
        result=[[42]],
    ),
    *(
        Case(
            f"stop_after_if_{label}",
            (W, "test_stop_after_if"),
            [STOP_AFTER_IF_A, SAW],
            args={"n": n},
            result=expected,
        )
        for label, n, expected in (("go_on", 123, "last step saw 123"), ("stop", -123, -123))
    ),
    *(
        Case(
            f"stop_after_if_nested_{label}",
            (W, "test_stop_after_if_nested"),
            [branchall("a", [[with_(STOP_AFTER_IF_A, id="b")]]), SAW],
            args={"n": n},
            result=expected,
        )
        for label, n, expected in (("go_on", 123, "last step saw [123]"), ("stop", -123, [-123]))
    ),
    Case(
        "python_flow",
        (W, "test_python_flow"),
        [
            ret("a", "[1, 2, 3]"),
            forloop("b", js("result"), [ret("c", "n * 2", n=js("flow_input.iter.value"))]),
        ],
        result=[2, 4, 6],
    ),
    Case(
        "python_flow_2",
        (W, "test_python_flow_2"),
        [py("a", 'import wmill\ndef main():  return "Hello"')],
        result="Hello",
    ),
    Case(
        "empty_loop",
        (W, "test_empty_loop"),
        [
            forloop("a", [], [ret("b", "n", n=js("flow_input.iter.value"))]),
            ret("c", "sum(items)", items=js("results.a")),
        ],
        result=0,
    ),
    Case(
        "invalid_first_step",
        (W, "test_invalid_first_step"),
        [forloop("a", js("flow_input"), [identity("b")]), identity("c")],
        success=False,
        result={"error": {"name": "InternalErr", "message": "Expected an array value, found: {}"}},
    ),
    Case(
        "empty_loop_2",
        (W, "test_empty_loop_2"),
        [forloop("a", [], [ret("b", "n", n=js("flow_input.iter.value"))])],
        result=[],
    ),
    Case(
        "step_after_loop",
        (W, "test_step_after_loop"),
        [
            forloop("a", [2, 3, 4], [ret("b", "n", n=js("flow_input.iter.value"))]),
            ret("c", "sum(items)", items=js("results.a")),
        ],
        result=9,
    ),
    Case(
        "branchone_simple",
        (W, "test_branchone_simple"),
        [ret("a", "[1]"), branchone("b", [], [add_item(2, "a")])],
        result=[1, 2],
    ),
    Case(
        "branchone_with_cond",
        (W, "test_branchone_with_cond"),
        [ret("a", "[1]"), branchone("b", [("results.a[0] == 1", [add_item(3, "a")])], [add_item(2, "a")])],
        result=[1, 3],
    ),
    Case(
        "branchall_parallel",
        (W, "test_branchall_sequential"),
        [ret("a", "[1]"), branchall("b", [[add_item(2, "a")], [add_item(3, "a")]], parallel=True)],
        result=[[1, 2], [1, 3]],
    ),
    Case(
        "branchall_simple",
        (W, "test_branchall_simple"),
        [ret("a", "[1]"), branchall("b", [[add_item(2, "a")], [add_item(3, "a")]])],
        result=[[1, 2], [1, 3]],
    ),
    *(
        Case(
            f"branchall_skip_failure_{str(skip).lower()}",
            (W, "test_branchall_skip_failure"),
            [
                ret("a", "[1]"),
                {
                    "id": "b",
                    "value": {
                        "type": "branchall",
                        "branches": [
                            {"modules": [failing("fails")], "skip_failure": skip},
                            {"modules": [add_item(3, "a")], "skip_failure": False},
                        ],
                    },
                },
            ],
            success=skip,
            check=lambda r: _eq(r[0]["error"]["name"], "Error"),
        )
        for skip in (False, True)
    ),
    Case(
        "branchone_nested",
        (W, "test_branchone_nested"),
        [
            ret("a", "[]"),
            add_item(1, "a"),
            branchone(
                "b",
                [("false", []), ("true", [branchone("inner", [("false", [])], [add_item(2, "id_1")])])],
                [add_item(-4, "id_1")],
            ),
            add_item(3, "b"),
        ],
        result=[1, 2, 3],
    ),
    Case(
        "branchall_nested",
        (W, "test_branchall_nested"),
        [ret("a", "[1]"), branchall("top", [BRANCHALL_NESTED_AB, [add_item(6, "a")]])],
        result=[[[[1, 2], [1, 3], 4], [[1, 2], [1, 3], 5]], [1, 6]],
    ),
    *(
        Case(
            f"failure_module_n{n}",
            (W, "test_failure_module"),
            FAILURE_MODULE_FLOW,
            args={"n": n},
            failure_module=FAILURE_MODULE if n < 4 else None,
            success=n == 3,
            check=check,
        )
        for n, check in (
            (0, lambda r: _eq("[]" in r["from failure module"]["error"]["message"], True)),
            (1, lambda r: _eq("[0]" in r["from failure module"]["error"]["message"], True)),
            (2, lambda r: _eq("[0,1]" in r["from failure module"]["error"]["message"], True)),
            (3, lambda r: _eq(r, {"l": [0, 1, 2]})),
        )
    ),
]


def _eq(actual: object, expected: object) -> None:
    assert actual == expected, f"{actual!r} != {expected!r}"
