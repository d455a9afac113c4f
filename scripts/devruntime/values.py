"""Resources and variables: `$var:` / `$res:` interpolation, as Windmill resolves them in job
arguments and in `resources/get_value_interpolated`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scripts.devruntime.errors import NotFound
from scripts.devruntime.store import Store

_MAX_DEPTH = 10


class Missing(LookupError):
    """A `$var:`/`$res:` reference names nothing."""


def interpolate(
    store: Store, value: Any, depth: int = 0, readable: Callable[[str], bool] | None = None
) -> Any:
    """`readable(path)`: whether whoever the value is resolved for may read that item (Windmill
    resolves with the job's or caller's rights, so an unreadable one is simply not found)."""
    if depth > _MAX_DEPTH:
        raise Missing("resource references nest too deeply (a cycle?)")
    if isinstance(value, str):
        if value.startswith("$var:"):
            var = store.get("variable", value[5:])
            if var is None or (readable is not None and not readable(value[5:])):
                raise Missing(f"variable {value[5:]} not found")
            return var["value"]
        if value.startswith("$res:"):
            res = store.get("resource", value[5:])
            if res is None or (readable is not None and not readable(value[5:])):
                raise Missing(f"resource {value[5:]} not found")
            return interpolate(store, res["value"], depth + 1, readable)
        return value
    if isinstance(value, dict):
        return {k: interpolate(store, v, depth, readable) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(store, v, depth, readable) for v in value]
    return value


def interpolate_args(
    store: Store, args: dict[str, Any], readable: Callable[[str], bool] | None = None
) -> dict[str, Any]:
    """A job's `$var:`/`$res:` arguments become their values, read with the job's rights
    (`readable`): a string at the top of an argument or inside its objects, not inside its lists,
    as Windmill's worker does before a job starts
    (https://github.com/windmill-labs/windmill/blob/main/backend/windmill-worker/src/common.rs,
    `transform_json_value`: `$res:` through `get_resource_value_interpolated` with the job's token)."""

    def arg(name: str, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return interpolate(store, value, 0, readable)
            except Missing as exc:
                raise NotFound(f"{exc} for `{name}`") from None
        if isinstance(value, dict):
            return {k: arg(k, v) for k, v in value.items()}
        return value

    return {k: arg(k, v) for k, v in args.items()}
