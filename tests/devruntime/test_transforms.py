"""JavaScript input transforms run in a real JS engine (QuickJS), as on Windmill."""

from __future__ import annotations

import time

import pytest

from scripts.devruntime.transforms import ExpressionError, evaluate, transform_all


def test_expressions_see_flow_input_results_and_previous_result() -> None:
    scope = {
        "flow_input": {"name": "ann", "iter": {"value": 3, "index": 1}},
        "results": {"a": {"items": [{"ok": True}, {"ok": False}, {"ok": True}]}},
        "previous_result": [1, 2],
    }
    assert evaluate("results.a.items.filter(x => x.ok).length", scope) == 2
    assert evaluate("`${flow_input.name}!`", scope) == "ann!"
    assert evaluate("flow_input.iter.value * 10 + flow_input.iter.index", scope) == 31
    assert evaluate("previous_result.map(x => x + 1)", scope) == [2, 3]
    assert evaluate("results.missing ?? 'fallback'", scope) == "fallback"
    assert evaluate("flow_input.nothing", scope) is None  # undefined becomes null
    assert evaluate("const n = flow_input.iter.value; return n * 2", scope) == 6  # a function body


def test_static_and_javascript_transforms() -> None:
    specs = {
        "a": {"type": "static", "value": {"k": [1]}},
        "b": {"type": "javascript", "expr": "flow_input.x + 1"},
    }
    assert transform_all(specs, {"flow_input": {"x": 1}}) == {"a": {"k": [1]}, "b": 2}
    with pytest.raises(ExpressionError, match="not supported"):
        transform_all({"c": {"type": "ai"}}, {})


def test_errors_name_the_expression_and_runaway_code_is_stopped() -> None:
    with pytest.raises(ExpressionError, match=r"flow_input\.a\.b"):
        evaluate("flow_input.a.b", {"flow_input": {}})
    with pytest.raises(ExpressionError, match="SyntaxError"):
        evaluate("(", {})
    start = time.monotonic()
    with pytest.raises(ExpressionError):
        evaluate("(() => { while (true) {} })()", {})
    assert time.monotonic() - start < 15
