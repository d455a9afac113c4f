"""REST operations of the dev runtime, grouped by Windmill API area."""

from __future__ import annotations

from scripts.devruntime.http import Op
from scripts.devruntime.routes import deletes, items, jobs, resources, users


def all_ops() -> list[Op]:
    return [*users.OPS, *jobs.OPS, *resources.OPS, *items.OPS, *deletes.OPS]
