"""Turn a CSV or JSON table I paste into a report with charts (fetch_metrics + generate_report)."""

import wmill


def main(data: str, title: str = "My report", x: str | None = None) -> dict:
    """Load `data` (CSV or JSON text), then build the report; `x` is the column for the x axis."""
    dataset = wmill.run_script_by_path(
        "f/openanalyst/analytics/fetch_metrics",
        args={"user_id": "{{user_id}}", "source": "upload", "data": data},
    )
    return wmill.run_script_by_path(
        "f/openanalyst/analytics/generate_report",
        args={"user_id": "{{user_id}}", "dataset": dataset, "title": title, "x": x},
    )
