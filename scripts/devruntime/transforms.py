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
import re
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


_EXACT_RE = re.compile(r'^(flow_input|flow_env)(?:\.(.+)|\["(.+)"\])$', re.S)
# Windmill's RE_FULL: `results.step[2].a.b` is read from the step's result, without JS.
_FULL_RE = re.compile(r"^(results|flow_env)\??\.([a-zA-Z_0-9]+)(?:\[(\d+)\])?((?:\.[a-zA-Z_0-9]+)+)?$")
# Static references to a step's result: `results.x`, `results?.x`, `results["x"]`, `results?.["x"]`.
_RESULT_REF_RE = re.compile(r'\bresults(?:\?\.|\.)([a-zA-Z_0-9]+)|\bresults(?:\?\.)?\["([^"\\]+)"\]')


def _copy(value: Any) -> Any:
    if value is None or isinstance(value, str | bool | int | float):
        return value
    return json.loads(json.dumps(value, default=str))  # a copy, as the JS path returns


def _exact(expr: str, scope: dict[str, Any]) -> tuple[bool, Any]:
    """Read without JS, as Windmill does before it starts its engine (js_eval.rs, beside the file
    above): `flow_input.x`, `flow_input["x"]` (and of flow_env) when x is there
    (`try_exact_property_access`), and `results.step`, `results.step[i].a.b` of a step that ran
    (`RE_FULL`) when the path leads to a value; anything else is left to JS."""
    expr = expr.strip()
    found = _EXACT_RE.match(expr)
    if found is not None:
        obj = scope.get(found[1])
        key = found[2] if found[2] is not None else found[3]
        if isinstance(obj, dict) and key in obj:
            return True, _copy(obj[key])
    full = _FULL_RE.match(expr)
    if full is None:
        return False, None
    obj = scope.get(full[1])
    if not isinstance(obj, dict) or full[2] not in obj or full[2] in (scope.get(NIL_RESULTS) or ()):
        return False, None  # not run (or ran no job): the JS path answers as before
    value = obj[full[2]]
    path: list[str | int] = [int(full[3])] if full[3] is not None else []
    path += (full[4] or "").split(".")[1:]
    for part in path:
        in_list = isinstance(part, int) and isinstance(value, list) and part < len(value)
        if not (in_list or (isinstance(part, str) and isinstance(value, dict) and part in value)):
            return False, None  # `.length`, a missing key: JS answers, as it always did here
        value = value[part]
    return True, _copy(value)


def _referenced_results(expr: str, results: dict[str, Any]) -> dict[str, Any]:
    """The results `expr` names statically (all of them when it uses `results` any other way)."""
    names = {a or b for a, b in _RESULT_REF_RE.findall(expr)}
    if "results" in _RESULT_REF_RE.sub("", expr):
        return results
    return {k: v for k, v in results.items() if k in names}


def evaluate(expr: str, scope: dict[str, Any]) -> Any:
    """Evaluate `expr` with the names of `scope` bound (flow_input, results, previous_result...).

    An expression is evaluated as one JS expression; one that does not parse as an expression
    runs as a function body (so `return` works). `undefined` comes back as None.
    `scope["results"]`, `scope["flow_env"]` and `scope[NIL_RESULTS]` feed the prelude above.
    As Windmill does, a plain `flow_input.x` or `results.step.field` is read without JS, and only
    the names and results the expression mentions are handed to it (each step's results are not
    serialised for every `flow_input.user_id`).
    """
    exact, value = _exact(expr, scope)
    if exact:
        return value
    ctx = _context()
    bound = {
        k: v for k, v in scope.items() if k not in ("results", "flow_env", "error", NIL_RESULTS) and k in expr
    }
    # The prelude's `error` reads previous_result.
    bound["previous_result"] = (
        scope.get("previous_result") if "error" in expr else bound.get("previous_result")
    )
    bound["__results"] = _referenced_results(expr, scope.get("results") or {}) if "results" in expr else {}
    bound["__flow_env"] = (scope.get("flow_env") or {}) if "flow_env" in expr else {}
    bound["__nil"] = sorted(scope.get(NIL_RESULTS) or ()) if "results" in expr else []
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
