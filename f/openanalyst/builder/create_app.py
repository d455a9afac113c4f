"""Create a Windmill app in the person's folder (u/<user>/apps/<name>), validated first: a
non-empty grid of components with unique ids and layouts, path runnables only from the
person's folder or shared OpenAnalyst code. The app's policy (which runnables it may trigger)
is computed from its components.
"""

from __future__ import annotations

import re
from typing import Any, Literal

import f.openanalyst.lib.windmill.rest as windmill_rest
from f.openanalyst.lib.builder.apps import app_body
from f.openanalyst.lib.builder.create import ensure
from f.openanalyst.lib.builder.drafts import starter_app

# What the starter app is: a dashboard of the person's scheduled posts (and metrics shown so).
_STARTER_FITS = re.compile(r"\b(?:posts?|schedul\w*|dashboard|metrics?|overview)\b", re.I)


def main(
    user_id: str,
    name: str,
    value: dict | None = None,
    summary: str = "",
    description: str = "",
    execution_mode: Literal["viewer", "publisher"] = "viewer",
    overwrite: bool = False,
) -> dict[str, Any]:
    """Create u/<user_id>/apps/<name> from a low-code app `value` ({"grid": [...], ...}).

    Args:
        user_id: the person; the app is created in their folder only.
        name: a plain name, e.g. "sales_dashboard".
        value: the app definition (grid, subgrids, css...); empty: their scheduled-posts dashboard.
        description: what the app is for (its title when there is no summary).
        summary: the app's title.
        execution_mode: viewer (runs as whoever views it) or publisher.
        overwrite: replace an existing different app.
    """
    mode = "given"
    if not value:
        value, mode = starter_app(user_id, summary or description or name), "template"
    body = app_body(user_id, name, summary or description[:80], value, execution_mode)
    result = ensure("app", body, overwrite)
    said = (
        f"Your app `{body['path']}` already looks like this; I left it as it is."
        if result["action"] == "unchanged"
        else f"Created the app `{body['path']}`"
        + (
            ": your dashboard (a chart of your scheduled posts per platform and a table of them), "
            f"titled {body['summary']!r}. Change its components in Windmill's app editor."
            if mode == "template"
            else "."
        )
    )
    if mode == "template" and description and not _STARTER_FITS.search(description):
        # "an app where my team can log expenses": the starter is not that app, and says so
        said += (
            f" It starts as that dashboard, not yet what you asked for (“{description.rstrip('.')}”): add "
            "its components in the app editor, or ask again once a model is configured to write it."
        )
    url = windmill_rest.public_url(f"/apps/get/{body['path']}")
    return result | {
        "url_path": f"/apps/get/{body['path']}",
        "url": url,
        "mode": mode,
        "answer": said + f" Open it at {url}",
    }
