"""JavaScript expressions of flows (input transforms, iterators, branch, skip and stop
conditions), evaluated by a real JS engine (QuickJS) as Windmill does.

What an expression sees follows Windmill's evaluator
(https://github.com/windmill-labs/windmill/blob/main/backend/windmill-worker/src/js_eval_quickjs.rs):
- `results` is a proxy: a step that ran reads as its result; a step whose module completed
  without a job of its own (a branchone whose chosen branch is empty: the module's status holds
  the nil job) throws "Failed to fetch result for step ..."; any other name reads as null.
- `error` is `previous_result.error` (or the one error of an array of results).
- `flow_env` is the flow's environment (an empty object when it has none).
Predicates (skip_if, branch conditions, stop_after_if, retry_if) are `Boolean(expr)`
(`compute_bool_from_expr` in
https://github.com/windmill-labs/windmill/blob/main/backend/windmill-worker/src/worker_flow.rs),
so JS truthiness applies: `[]` and `{}` are true.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import quickjs

_TIME_LIMIT_S = 5
_MEMORY_LIMIT = 64 * 1024 * 1024
_local = threading.local()

# Names bound before the expression runs; `results`, `error` and `flow_env` are built from them.
NIL_RESULTS = "__nil_results"

_PRELUDE = """
const results = new Proxy(__results || {}, {
  get(target, name) {
    if (typeof name === 'symbol') return undefined;
    if ((__nil || []).includes(name)) {
      throw new Error(`Failed to fetch result for step '${name}': it ran no job (an empty branch)`);
    }
    return Object.prototype.hasOwnProperty.call(target, name) ? target[name] : null;
  }
});
const flow_env = __flow_env || {};
let error = previous_result?.error;
if (!error) {
  if (Array.isArray(previous_result)) {
    const errors = previous_result.filter(i => i && typeof i === 'object' && 'error' in i);
    if (errors.length === 1) error = errors[0].error;
    else if (errors.length > 1) error = {name: 'MultipleErrors',
      message: errors.map(({error: e}, i) => `[${e.step_id || i}] ${e.message || e.name}`).join('; '),
      errors: previous_result};
    else error = {name: 'MultipleErrors', message: 'Could not parse errors', errors: previous_result};
  } else if (previous_result) {
    error = {name: 'UnknownError', message: 'Could not parse the error', error: previous_result};
  } else {
    error = {name: 'UnknownError', message: 'No error found'};
  }
}
"""


class ExpressionError(Exception):
    """An expression failed to evaluate; the message names the expression and the JS error."""


def _context() -> quickjs.Context:
    ctx = getattr(_local, "ctx", None)
    if ctx is None:
        ctx = quickjs.Context()
        ctx.set_time_limit(_TIME_LIMIT_S)
        ctx.set_memory_limit(_MEMORY_LIMIT)
        _local.ctx = ctx
    return ctx


def evaluate(expr: str, scope: dict[str, Any]) -> Any:
    """Evaluate `expr` with the names of `scope` bound (flow_input, results, previous_result...).

    An expression is evaluated as one JS expression; one that does not parse as an expression
    runs as a function body (so `return` works). `undefined` comes back as None.
    `scope["results"]`, `scope["flow_env"]` and `scope[NIL_RESULTS]` feed the prelude above.
    """
    ctx = _context()
    bound = {k: v for k, v in scope.items() if k not in ("results", "flow_env", "error", NIL_RESULTS)}
    bound.setdefault("previous_result", None)
    bound["__results"] = scope.get("results") or {}
    bound["__flow_env"] = scope.get("flow_env") or {}
    bound["__nil"] = sorted(scope.get(NIL_RESULTS) or ())
    names = list(bound)
    params = ", ".join(names)
    values = json.dumps(json.dumps([bound[n] for n in names], default=str))
    out: Any = None
    # A function body runs in a function of its own, so it may declare names of the prelude.
    bodies = (f"return ({expr}\n);", f"return (function() {{ {expr} \n}})();")
    for attempt, body in enumerate(bodies):
        source = f"(function({params}) {{ {_PRELUDE} {body} \n}})(...JSON.parse({values}))"
        try:
            wrapped = f"const __v = {source}; return __v === undefined ? 'null' : JSON.stringify(__v);"
            out = ctx.eval(f"(() => {{ {wrapped} }})()")
            break
        except quickjs.JSException as exc:
            # An expression that is really a function body (uses `return`) gets a second try.
            if attempt == len(bodies) - 1 or not str(exc).startswith("SyntaxError"):
                raise ExpressionError(f"error evaluating `{expr}`: {exc}") from None
    if out is None:
        return None
    return json.loads(out)


def predicate(expr: str, scope: dict[str, Any]) -> bool:
    """A condition as Windmill evaluates it: `Boolean(expr)`, JS truthiness."""
    return bool(evaluate(f"Boolean({expr}\n)", scope))


def transform(spec: dict[str, Any] | None, scope: dict[str, Any]) -> Any:
    """One InputTransform: {type: static, value} or {type: javascript, expr}."""
    if spec is None:
        return None
    kind = spec.get("type")
    if kind == "static":
        return spec.get("value")
    if kind == "javascript":
        return evaluate(str(spec.get("expr", "")), scope)
    raise ExpressionError(f"input transform type {kind!r} is not supported by the dev runtime")


def transform_all(specs: dict[str, Any] | None, scope: dict[str, Any]) -> dict[str, Any]:
    return {name: transform(spec, scope) for name, spec in (specs or {}).items()}
