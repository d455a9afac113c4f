"""analytics/: fetch_metrics (uploads, the person's PostgreSQL, task history) and generate_report."""

from __future__ import annotations

import base64
import io
import json
import statistics
from pathlib import Path
from typing import Any

import pytest

from f.openanalyst.analytics import fetch_metrics, generate_report
from f.openanalyst.lib.datasets import DatasetError
from f.openanalyst.lib.needs_input import NeedsInput
from f.openanalyst.lib.reports import Report

DATA = Path(__file__).resolve().parents[1] / "data"
ANSCOMBE = (DATA / "anscombe.csv").read_text()


# ----------------------------------------------------------------------- fetch_metrics


def test_csv_upload_is_typed_and_summarised(windmill):
    out = fetch_metrics.main("alice", data=ANSCOMBE)
    assert out["row_count"] == 11 and out["columns"] == ["x1", "y1", "x2", "y2", "x3", "y3", "x4", "y4"]
    assert out["rows"][0] == {
        "x1": 10,
        "y1": 8.04,
        "x2": 10,
        "y2": 9.14,
        "x3": 10,
        "y3": 7.46,
        "x4": 8,
        "y4": 6.58,
    }
    assert out["numeric_columns"] == out["columns"]
    assert out["summary"]["x1"]["mean"] == 9 and out["summary"]["y4"]["max"] == 12.5


def test_base64_and_json_uploads(windmill):
    b64 = base64.b64encode(("\ufeff" + ANSCOMBE).encode()).decode()
    assert fetch_metrics.main("alice", data=b64, encoding="base64")["row_count"] == 11
    rows = [{"day": "2026-11-01", "visits": "120"}, {"day": "2026-11-02", "visits": 80, "note": "rain"}]
    out = fetch_metrics.main("alice", data=json.dumps({"rows": rows}), format="auto")
    assert out["columns"] == ["day", "visits", "note"] and out["numeric_columns"] == ["visits"]
    assert out["rows"][0]["visits"] == 120 and out["rows"][0]["note"] is None


@pytest.mark.parametrize(
    ("data", "kwargs", "message"),
    [
        ("", {}, "I need your numbers: paste them here"),
        ("not base64!!", {"encoding": "base64"}, "not valid base64"),
        ("a,b\n1,2,3\n", {}, "has 3 fields"),
        ("[1, 2]", {}, "list of objects"),
        ("{broken", {"format": "json"}, "not valid"),
        ("a,b\n", {}, "no rows"),
    ],
)
def test_bad_uploads_say_what_to_fix(windmill, data, kwargs, message):
    with pytest.raises((ValueError, DatasetError), match=message):
        fetch_metrics.main("alice", source="upload", data=data, **kwargs)


def test_grouped_numbers_and_percentages_are_numbers(windmill):
    out = fetch_metrics.main("alice", data='month,revenue,margin\nJan,"1,234.50",12.5%\nFeb,"2,000",10%\n')
    assert out["numeric_columns"] == ["revenue", "margin"]
    assert (
        out["summary"]["revenue"]["sum"] == pytest.approx(3234.5)
        and out["summary"]["margin"]["mean"] == 11.25
    )


def test_row_limit_truncates_and_says_so(windmill):
    out = fetch_metrics.main("alice", data=ANSCOMBE, max_rows=5)
    assert out["row_count"] == 5 and out["truncated"] is True


def test_a_database_windmill_did_not_resolve_is_refused(windmill):
    """The database arrives as the resource's value (Windmill resolves the picker's `$res:` with the
    job's rights); a bare path is no resource, and nothing is read for it."""
    with pytest.raises(ValueError, match="one of your postgresql resources"):
        fetch_metrics.main("alice", source="postgresql", database="u/alice/db", query="select 1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs a database"):
        fetch_metrics.main("alice", source="postgresql", query="select 1")
    assert windmill.calls == []


@pytest.mark.postgres
def test_read_only_select_on_the_persons_postgresql(windmill, postgres_dsn, postgres_schema):
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {postgres_schema}.daily (day date, visits int, revenue numeric(10,2))")
        conn.execute(
            f"INSERT INTO {postgres_schema}.daily VALUES "
            "('2026-11-01', 120, 99.50), ('2026-11-02', 80, 40.25)"
        )
    info = conninfo_to_dict(postgres_dsn)
    shop_db: fetch_metrics.postgresql = {  # the resource's value, as Windmill's worker passes it
        "host": str(info.get("host")),
        "port": int(info.get("port", 5432)),
        "user": str(info.get("user")),
        "password": str(info.get("password", "")),
        "dbname": str(info.get("dbname")),
        "sslmode": "disable",
    }
    out = fetch_metrics.main(
        "alice",
        source="postgresql",
        database=shop_db,
        query=f"SELECT day, visits, revenue FROM {postgres_schema}.daily ORDER BY day",
    )
    assert out["rows"] == [
        {"day": "2026-11-01", "visits": 120, "revenue": 99.5},
        {"day": "2026-11-02", "visits": 80, "revenue": 40.25},
    ]
    assert out["summary"]["revenue"]["sum"] == pytest.approx(139.75)
    with pytest.raises(DatasetError, match="only SELECT"):
        fetch_metrics.main(
            "alice",
            source="postgresql",
            database=shop_db,
            query=f"DELETE FROM {postgres_schema}.daily",
        )
    with pytest.raises(DatasetError, match="refused"):  # a writing CTE hits the read-only transaction
        fetch_metrics.main(
            "alice",
            source="postgresql",
            database=shop_db,
            query=f"WITH d AS (DELETE FROM {postgres_schema}.daily RETURNING 1) SELECT * FROM d",
        )
    with psycopg.connect(postgres_dsn) as conn:
        assert conn.execute(f"SELECT count(*) FROM {postgres_schema}.daily").fetchone()[0] == 2


@pytest.mark.postgres
def test_a_table_named_in_the_request_is_read_from_the_persons_only_database(
    windmill, postgres_dsn, postgres_schema
):
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    from f.openanalyst.lib.needs_input import NeedsInput

    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {postgres_schema}.orders (region text, total int)")
        conn.execute(f"INSERT INTO {postgres_schema}.orders VALUES ('North', 1200), ('South', 950)")
    with pytest.raises(NeedsInput, match="add it in Windmill as a PostgreSQL resource"):
        fetch_metrics.main("alice", db_table=f"{postgres_schema}.orders")
    info = conninfo_to_dict(postgres_dsn)
    value = {k: info.get(k) for k in ("host", "port", "user", "dbname")} | {"sslmode": "disable"}
    windmill.items["resource"]["u/bob/shop_db"] = {
        "path": "u/bob/shop_db",
        "resource_type": "postgresql",
        "value": {**value, "dbname": "not_alices"},
    }
    with pytest.raises(NeedsInput):  # bob's database is never alice's
        fetch_metrics.main("alice", db_table=f"{postgres_schema}.orders")
    windmill.items["resource"]["u/alice/shop_db"] = {
        "path": "u/alice/shop_db",
        "resource_type": "postgresql",
        "value": value,
    }
    out = fetch_metrics.main("alice", db_table=f"{postgres_schema}.orders")
    assert (out["source"], out["database"]) == ("postgresql", "u/alice/shop_db")
    assert out["rows"] == [{"region": "North", "total": 1200}, {"region": "South", "total": 950}]
    with pytest.raises(NeedsInput, match="is not a table name"):  # a name is never run as SQL
        fetch_metrics.main("alice", db_table=f"{postgres_schema}.orders; DROP TABLE x")
    windmill.items["resource"]["u/alice/crm"] = {
        "path": "u/alice/crm",
        "resource_type": "postgresql",
        "value": value,
    }
    with pytest.raises(NeedsInput, match="several databases \\(shop_db, crm\\)"):
        fetch_metrics.main("alice", db_table="orders")


def test_task_history_comes_from_the_store(windmill, tmp_path, monkeypatch):
    from f.openanalyst.lib.store.connect import open_store

    db = tmp_path / "oa.sqlite3"
    monkeypatch.setenv("OPENANALYST_SQLITE_PATH", str(db))
    with open_store(None, sqlite_path=db) as store:
        store.register_user("alice")
        store.record_history(
            "alice",
            {
                "session_id": "s1",
                "message_id": "m1",
                "request": "post about AI",
                "skill": "social_media",
                "success": True,
                "attempts": 1,
            },
        )
    out = fetch_metrics.main("alice")  # default source without data: the task history
    assert out["source"] == "history" and out["history"]["available"] is True
    assert [t["request"] for t in out["history"]["tasks"]] == ["post about AI"]
    [day] = out["rows"]
    assert {k: day[k] for k in ("tasks", "succeeded", "failed", "success_rate")} == {
        "tasks": 1,
        "succeeded": 1,
        "failed": 0,
        "success_rate": 1.0,
    }
    assert out["date_column"] == "date"
    # Another person sees none of it, and is told what to give instead (only they can: NeedsInput).
    with pytest.raises(NeedsInput, match="paste them here as CSV or JSON, or attach the file"):
        fetch_metrics.main("bob", source="history")


def test_metrics_and_period_select_columns_and_rows(windmill):
    import datetime as dt

    today = dt.datetime.now(dt.UTC).date()
    days = [(today - dt.timedelta(days=n)).isoformat() for n in (40, 10, 2, 0)]
    csv = "day,visits,orders,note\n" + "".join(f"{d},{10 * i},{i},x\n" for i, d in enumerate(days, 1))
    out = fetch_metrics.main("alice", data=csv, metrics=["visits"], period="last_7_days")
    assert out["columns"] == ["day", "visits"] and [r["visits"] for r in out["rows"]] == [30, 40]
    assert out["period"] == {
        "name": "last_7_days",
        "since": (today - dt.timedelta(days=6)).isoformat(),
        "column": "day",
    }
    assert fetch_metrics.main("alice", data=csv, period="last_2_months")["row_count"] == 4
    with pytest.raises(DatasetError, match="unknown period"):
        fetch_metrics.main("alice", data=csv, period="since forever")
    with pytest.raises(DatasetError, match="no column 'sales'"):
        fetch_metrics.main("alice", data=csv, metrics=["sales"])


# --------------------------------------------------------------------- generate_report


def _report(**kwargs: Any) -> dict[str, Any]:
    """generate_report's result as the brain reads it, and its printable page."""
    read = Report.from_rendered(generate_report.main("alice", **kwargs))
    assert read is not None
    return read.for_brain() | {"html": read.html()}


def test_generate_report_on_anscombes_quartet(windmill):
    """generate_report on a real public dataset (tests/data/anscombe.csv, Anscombe 1973).

    The numbers must be the published ones: for each of the first three sets, mean x = 9,
    mean y = 7.50, r = 0.816 and the least-squares line y = 3.00 + 0.500·x.

    I looked at the first chart (chart_1.png, decoded to a file and opened in the image viewer):
    a 756x473 PNG titled "y1 by x1", eleven blue dots spread between x = 4 and 14 and
    y = 4.26 and 10.84, and a red straight line rising from about (4, 5.0) to (14, 10.0); the
    legend reads "fit: y1 = 3.00 + 0.500·x1 (r² = 0.667)". The axes are labelled x1 and y1
    with a light grid. It is exactly the classic Anscombe set I scatter with its fitted line.
    """
    out = _report(data=ANSCOMBE, title="Anscombe's quartet", x="x1", y=["y1", "y2", "y3"])
    for y in ("y1", "y2", "y3"):
        assert out["summary"][y]["mean"] == pytest.approx(7.50, abs=0.01)
        assert out["fits"][y]["slope"] == pytest.approx(0.500, abs=0.001)
        assert out["fits"][y]["intercept"] == pytest.approx(3.00, abs=0.01)
        assert out["correlations"][y] == pytest.approx(0.816, abs=0.001)
    assert (
        out["summary"]["x1"]["mean"] == 9
        and statistics.variance([10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5]) == 11
    )
    assert out["summary"]["x1"]["std"] ** 2 == pytest.approx(11)

    charts = out["charts"]
    assert [c["kind"] for c in charts] == ["scatter", "scatter", "scatter", "box"]
    from PIL import Image

    for c in charts:
        png = base64.b64decode(c["png_base64"])
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        with Image.open(io.BytesIO(png)) as img:
            # drawn for the chat: big enough to read, small enough not to be shrunk to ~5 px letters
            assert 500 < img.width <= 700 and 300 < img.height <= 420, img.size
            # A real chart, not a blank canvas: many distinct colours (dots, line, text, grid).
            assert len(img.convert("RGB").getcolors(maxcolors=1 << 16) or []) > 20

    md, page = out["markdown"], out["html"]
    assert md.startswith("# Anscombe's quartet") and "| y1 | 3.0001 | 0.5001 | 0.6665 | 11 |" in md
    assert "y1 rises by 0.5 per unit of x1: a strong linear relation (r = 0.816" in md
    assert page.count('src="data:image/png;base64,') == 4 and "@page" in page and "break-inside:avoid" in page


def test_the_fourth_set_same_stats_different_shape(windmill):
    out = _report(data=ANSCOMBE, x="x4", y=["y4"])
    assert out["fits"]["y4"]["slope"] == pytest.approx(0.500, abs=0.001)
    assert out["correlations"]["y4"] == pytest.approx(0.817, abs=0.001)
    assert out["summary"]["x4"]["median"] == 8  # ten of eleven x values are 8


def test_report_from_rows_of_a_previous_step_picks_the_date_axis(windmill):
    rows = [
        {"date": "2026-11-01", "tasks": 3},
        {"date": "2026-11-02", "tasks": 5},
        {"date": "2026-11-03", "tasks": 4},
    ]
    out = _report(data=rows, title="Tasks", question="How busy was I?")
    assert [c["title"] for c in out["charts"]] == ["tasks by date"] and out["charts"][0]["kind"] == "line"
    assert "Question: How busy was I?" in out["markdown"] and out["summary"]["tasks"]["mean"] == 4


def test_a_series_over_time_is_described_by_how_it_moved_first(windmill):
    """Rows out of order; the first finding says where it started and ended, the change, its
    biggest rise and its falls, in date order."""
    rows = [
        "2026-10-19,160",
        "2026-10-05,120",
        "2026-10-12,135",
        "2026-10-26,154",
        "2026-11-09,210",
        "2026-11-02,190",
    ]
    csv = "\n".join(["week,signups", *rows])
    findings = _report(data=csv, title="Signups")["findings"]
    assert findings[0] == (
        "Signups rose from 120 (2026-10-05) to 210 (2026-11-09), +75%. Biggest rise: 36, 2026-10-26 to "
        "2026-11-02. It fell once; most: 6, 2026-10-19 to 2026-10-26."
    )
    assert findings[1].startswith("Signups: total 969, mean 161.5")


def test_named_days_and_months_are_a_sequence_told_in_the_order_given(windmill):
    days = "day,signups\nmon,120\ntue,135\nwed,128\nthu,160\nfri,190"
    findings = _report(data=days, title="Signups")["findings"]
    assert findings[0].startswith("Signups rose from 120 (Mon) to 190 (Fri), +58%. Biggest rise: 32, Wed to")
    assert findings[1] == "Signups are highest for Fri (190) and lowest for Mon (120)."
    months = "month,orders\nNov,40\nDec,55\nJan,30"  # across the year's end, as given
    told = _report(data=months, title="Orders")["findings"][0]
    assert told.startswith("Orders fell from 40 (Nov) to 30 (Jan)")
    regions = "region,sales\nNorth,5\nSouth,9\nEast,7"  # names that are no sequence: the extremes only
    assert _report(data=regions, title="Sales")["findings"][0].startswith("Sales are highest for South")


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("our newsletter signups: sept 320, oct 410, nov 515. are we growing?", "Yes: signups rose from 320"),
        ("did signups drop?", "No: signups rose from 320"),
        ("have our signups fallen?", "No: signups rose from 320"),
    ],
)
def test_a_yes_or_no_question_about_the_trend_is_answered_first(windmill, question, answer):
    months = "month,signups\nsept,320\noct,410\nnov,515"
    report = _report(data=months, title="Signups", question=question)
    assert report["findings"][0].startswith(answer), report["findings"]
    assert sum("rose from 320" in f for f in report["findings"]) == 1  # said once, with its answer
    falling = "date,visitors\n2026-11-01,500\n2026-11-02,400\n2026-11-03,300"
    assert _report(data=falling, question="is traffic going up?")["findings"][0].startswith(
        "No: visitors fell from 500 (2026-11-01) to 300 (2026-11-03), -40%."
    )
    # no yes or no when none was asked
    assert _report(data=months, question="chart our signups")["findings"][0].startswith("Signups rose")


def test_improving_means_falling_for_a_measure_that_is_better_low(windmill):
    """ "is churn improving?" over a falling churn was answered "No"."""
    churn = "month,monthly churn (%)\njan,2.1\nfeb,2.4\nmar,1.9\napr,1.7"
    assert _report(data=churn, question="is churn improving?")["findings"][0].startswith(
        "Yes: monthly churn fell"
    )
    signups = "month,signups\njan,21\nfeb,24\nmar,19\napr,17"
    assert _report(data=signups, question="are signups improving?")["findings"][0].startswith(
        "No: signups fell"
    )


def test_a_pie_chart_shows_shares_and_anything_else_as_bars(windmill):
    shares = _report(data="source,share\norganic,45\npaid,25\nsocial,20\nemail,10", chart="pie")
    assert [c["kind"] for c in shares["charts"]][:1] == ["pie"]
    assert shares["charts"][0]["alt"] == "pie chart of share by source (4 parts)"
    # a negative part has no slice: the same numbers as bars
    change = _report(data="team,change\nsales,12\nsupport,-3\nops,5", chart="pie")
    assert [c["kind"] for c in change["charts"]][:1] == ["bar"]


def test_the_statistic_or_the_row_asked_for_comes_first(windmill):
    data = "month,sales\njan,12\nfeb,19\nmar,7\napr,22"
    assert _report(data=data, question="what's the average?")["findings"][0] == (
        "The average of sales is 15 (4 values)."
    )
    assert _report(data=data, question="median and total please")["findings"][0] == (
        "The median of sales is 15.5 and the total 60 (4 values)."
    )
    # the row asked for, with its margin over the runner-up ("which day was best and by how much?")
    assert _report(data=data, question="which month was best?")["findings"][0] == (
        "Apr is highest, with 22: 3 more than Feb (19, +16%)."
    )
    assert _report(data=data, question="and the worst?")["findings"][0] == (
        "Mar is lowest, with 7: 5 less than Jan (12, -42%)."
    )
    tied = _report(data="day,visits\nmon,5\ntue,9\nwed,9", question="which day was busiest?")
    assert tied["findings"][0] == "Tue and Wed are tied highest, at 9."
    assert not _report(data=data, question="how did it go?")["findings"][0].startswith(("The ", "Apr", "Mar"))


def test_the_measure_a_question_names_or_means_is_the_one_answered(windmill):
    """ "which product brings the most money?" was answered "Basic is highest, with 340" (units)."""
    data = "product,units,revenue\nBasic,340,3400\nPro,212,6360\nTeam,96,9600"
    money = _report(data=data, question="which product brings the most money?")
    assert (
        money["findings"][0] == "Team is highest in revenue, with 9,600: 3,240 more than Pro (6,360, +51%)."
    )
    assert money["charts"][0]["alt"].startswith("bar chart of revenue")  # its chart first too
    units = _report(data=data, question="which product sold the most units?")
    assert units["findings"][0].startswith("Basic is highest in units, with 340")


def test_numbers_given_to_add_up_are_not_told_as_a_series_that_moved(windmill):
    """ "what's the total of 1200, 850 and 430?" was answered with "Value fell from 1,200 (point 1)
    to 430 (point 3)" and the highest point: the numbers had no order to tell."""
    bare = "point,value\npoint 1,1200\npoint 2,850\npoint 3,430"
    findings = _report(data=bare, question="what's the total of 1200, 850 and 430?")["findings"]
    assert findings[0] == "The total is 2,480 (3 values)."
    assert not any("fell" in f or "highest" in f for f in findings)
    # a series said as one ("our followers went 120k, 125k, 131k") is still told as it moved
    went = _report(
        data="point,followers\npoint 1,120\npoint 2,125\npoint 3,131", question="how are we doing?"
    )
    assert went["findings"][0].startswith("Followers rose from 120 (point 1) to 131 (point 3)")


def test_report_from_fetch_metrics_output_with_categories(windmill):
    data = "region,revenue,orders\nNorth,120.5,10\nSouth,80,7\nEast,99.5,9\n"
    dataset = fetch_metrics.main("alice", data=data)
    out = _report(dataset=dataset, x="region")
    assert [c["kind"] for c in out["charts"]] == ["bar", "bar", "box"]
    assert out["summary"]["revenue"]["sum"] == pytest.approx(300.0)
    with pytest.raises(ValueError, match="not numeric"):
        generate_report.main("alice", dataset=dataset, y=["region"])
    with pytest.raises(ValueError, match="no column"):
        generate_report.main("alice", dataset=dataset, x="missing")


def test_two_things_compared_are_told_by_how_much_one_leads(windmill):
    """Found through the hub: two campaigns' CTRs were told as "highest ... and lowest ..." with
    the mean, median and range of the two."""
    rates = _report(data="campaign,CTR (%)\nspring campaign,3.2\nsummer campaign,4.1")["findings"]
    assert rates == [
        "CTR is higher for summer campaign (4.1%) than for spring campaign (3.2%), by 0.9 points."
    ]
    stores = _report(data="store,sales\nNorth,1200\nSouth,1500")["findings"]
    assert stores == ["Sales are higher for South (1,500) than for North (1,200), by 300 (+25%)."]


def test_a_report_answers_what_people_ask_of_their_table(windmill):
    """Which category has the most; whether two measures move together; ids are not measures."""
    regions = _report(data="region,sales\nNorth,48200\nSouth,35100\nEast,51900\nWest,29800")
    assert regions["findings"][0] == "Sales are highest for East (51,900) and lowest for West (29,800)."
    paired = _report(data="ad_spend,signups\n500,41\n800,60\n1200,88\n1500,97\n2100,139")
    assert [c["kind"] for c in paired["charts"]] == ["scatter"]  # uneven driver: not a time line
    assert any("Signups rise by" in f and "r = 0.99" in f for f in paired["findings"])
    orders = _report(data="order_id,amount\n1,40\n2,50\n3,45")
    assert "order_id" not in orders["summary"] and orders["summary"]["amount"]["mean"] == 45


# How Windmill's run page shows a result, as its frontend decides it
# (https://github.com/windmill-labs/windmill/blob/main/frontend/src/lib/components/DisplayResult.svelte,
# `inferResultKind`): a `render_all` list (the result's one key) is shown item by item; an item
# renders as what its only key names, or as what `wm_renderer` names when it has other keys; an item
# over 100 kB (strings counted twice, `roughSizeOfObject`) that is no image is shown as JSON.
_SINGLE = {"png", "markdown", "md", "table-row-object", "table-row", "table-col", "file", "html"}
_WM_RENDERERS = {"json", "html", "png", "file", "jpeg", "gif", "svg", "markdown", "map", "pdf"}


def _rough_size(value: Any) -> int:
    if isinstance(value, bool):
        return 4
    if isinstance(value, str):
        return 2 * len(value)
    if isinstance(value, int | float):
        return 8
    if isinstance(value, dict):
        return sum(_rough_size(v) for v in value.values())
    if isinstance(value, list):
        return sum(_rough_size(v) for v in value)
    return 0


def _windmill_kind(item: Any) -> str:
    keys = list(item) if isinstance(item, dict) else []
    if len(keys) == 1 and keys[0] in ("png", "jpeg", "svg", "html", "gif"):
        return keys[0]
    if len(keys) == 1 and keys[0] in ("table-row", "table-row-object", "table-col"):
        return keys[0]
    if _rough_size(item) > 100_000:
        return "file" if "file" in keys else "json"  # too big: a download link, or JSON
    if len(keys) == 1 and keys[0] in _SINGLE:
        return "markdown" if keys[0] == "md" else keys[0]
    if "wm_renderer" in keys and item["wm_renderer"] in _WM_RENDERERS:
        return str(item["wm_renderer"])
    return "json"


def test_windmill_shows_the_report_and_the_chat_still_gets_its_charts(windmill, monkeypatch):
    """Run from Windmill's UI, the report shows as findings, tables, charts and a page to download,
    not JSON; run by the brain, the same result answers the chat with its charts inline."""
    import f.openanalyst.brain.execute_plan as execute_plan
    from f.openanalyst.lib.contracts import Outcome, PlanStep
    from f.openanalyst.lib.planning.outcome import answer_text

    out = generate_report.main("alice", data=ANSCOMBE, title="Anscombe's quartet", x="x1", y=["y1", "y2"])
    assert list(out) == ["render_all"]
    items = out["render_all"]
    kinds = [_windmill_kind(i) for i in items]
    assert "json" not in kinds, list(zip(kinds, [list(i) for i in items], strict=True))
    assert kinds.count("png") == 3 and kinds.count("table-row-object") == 2 and kinds[-1] == "file"
    head = items[0]
    assert kinds[0] == "markdown" and head["markdown"].startswith("# Anscombe's quartet")
    assert "y1 rises by 0.5 per unit of x1" in head["markdown"]
    stats = next(i["table-row-object"] for i in items if "table-row-object" in i)
    assert stats[1] == {"column": "y1", "count": 11, "mean": "7.501", "median": "7.58", "std": "2.032",
                        "min": "4.26", "max": "10.84"}  # fmt: skip
    for item in items:
        if "png" in item:
            assert base64.b64decode(item["png"]).startswith(b"\x89PNG\r\n\x1a\n")
    page = base64.b64decode(items[-1]["file"]["content"]).decode()
    assert items[-1]["file"]["filename"] == "anscombe-s-quartet.html" and "@page" in page

    monkeypatch.setattr(execute_plan.windmill_rest, "run_script_and_wait", lambda *a: out)
    monkeypatch.setattr(execute_plan.plan_rules, "script_schema", execute_plan.plan_rules._local_schema)
    step = PlanStep(id="report", script="f/openanalyst/analytics/generate_report", args={"data": "x"})
    result = execute_plan.run_step(step, {}, "alice")
    assert result.success and set(result.result) >= {"markdown", "charts", "summary", "message"}
    answer = answer_text(Outcome(phase="loop", success=True, results=[result]), 1, False)
    assert answer.startswith("**Anscombe's quartet**\n\n- y1: total 82.51, mean 7.501")
    assert answer.count("](data:image/png;base64,") == 3
    assert "![scatter chart of y1 against x1 (11 points)](data:image/png;base64," in answer
    assert "*Distribution of the numeric columns*" in answer


@pytest.mark.parametrize("days", [2, 3, 5, 7, 10, 31, 120])
def test_a_date_axis_of_whole_dates_never_shows_hours(days):
    """Five daily visitor counts were drawn 'Nov-02 12:00 Nov-03 12:00 ...', the labels touching at
    chat size: a day is the finest tick of whole dates, and no two ticks say the same thing."""
    import datetime as dt

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    moments = [dt.datetime(2026, 11, 2) + dt.timedelta(days=i) for i in range(days)]
    fig, ax = plt.subplots(figsize=generate_report.FIGSIZE)
    ax.plot(moments, range(days))
    locator = generate_report._date_locator(moments)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    plt.close(fig)
    assert 2 <= len(labels) <= 8, labels
    assert not any(":" in label for label in labels), labels
    assert len(set(labels)) == len(labels), labels


def test_which_day_of_the_week_is_answered_by_weekday_with_its_chart_first(windmill):
    data = "date,signups\n2026-11-02,40\n2026-11-03,52\n2026-11-04,38\n2026-11-09,44\n"
    data += "2026-11-10,61\n2026-11-11,35"
    out = _report(data=data, question="Which day of the week gets the most signups?")
    assert "highest on Tuesdays and lowest on Wednesdays" in out["markdown"], out["markdown"]
    assert "Tuesday 56.5 (2 days)" in out["markdown"] and "Monday 42 (2 days)" in out["markdown"]
    assert out["charts"][0]["title"] == "average signups by weekday", out["charts"]
    plain = _report(data=data, question="How are signups going?")  # not asked by weekday: no such chart
    assert "Tuesdays" not in plain["markdown"] and len(plain["charts"]) == len(out["charts"]) - 1


def test_rates_are_said_as_rates_and_their_changes_in_points(windmill):
    rates = "month,open rates (%)\njan,21\nfeb,23\nmar,19\napr,26"
    findings = _report(data=rates, question="what's the average?")["findings"]
    assert findings[0] == "The average of open rates is 22.25% (4 values)."
    assert findings[1].startswith(
        "Open rates rose from 21% (Jan) to 26% (Apr), +5 points. Biggest rise: 7 points, Mar to Apr."
    )
    assert "Open rates are highest for Apr (26%) and lowest for Mar (19%)." in findings
    assert not any("total" in f for f in findings)  # no sum of rates
