"""Numbers for my dashboard: scheduled posts per platform (bar chart data)."""

import wmill


def main() -> dict:
    """{"labels": platforms, "data": number of scheduled posts on each}."""
    rows = wmill.run_script_by_path("u/{{user_id}}/scripts/scheduler", args={"include_done": False})
    counts: dict = {}
    for r in rows:
        counts[r["platform"] or "other"] = counts.get(r["platform"] or "other", 0) + 1
    labels = sorted(counts)
    return {"labels": labels, "data": [counts[label] for label in labels]}
