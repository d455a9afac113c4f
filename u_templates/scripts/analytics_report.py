"""Turn a CSV or JSON table I paste (or, with none, my recent tasks) into a report with charts."""

import wmill


def main(data: str = "", title: str = "My report", x: str | None = None) -> dict:
    """Load `data` (CSV or JSON text; empty: my recent tasks, so it runs on a schedule as it is),
    then build the report; `x` is the column for the x axis."""
    dataset = wmill.run_script_by_path(
        "f/openanalyst/analytics/fetch_metrics",
        args={"user_id": "{{user_id}}", "source": "upload" if data else "history", "data": data or None},
    )
    return wmill.run_script_by_path(
        "f/openanalyst/analytics/generate_report",
        args={"user_id": "{{user_id}}", "dataset": dataset, "title": title, "x": x},
    )
