"""Analyse how posts performed: engagement rate per post, by platform, by weekday and hour,
the top posts, and recommendations derived from those numbers (never invented).

Engagement rate = (likes + comments + shares + saves) / impressions (or reach, or followers,
whichever the data has); a table with none of those compares posts by their interactions.
Columns are matched case-insensitively with common synonyms.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from typing import Any, Literal

import f.openanalyst.lib.datasets as datasets
import f.openanalyst.lib.platforms as platforms
from f.openanalyst.lib.needs_input import NeedsInput
from f.openanalyst.lib.reports import fmt
from f.openanalyst.lib.users import validate_user_id

INTERACTIONS = {
    "likes": ("likes", "like_count", "reactions", "favorites", "favourites", "hearts"),
    "comments": ("comments", "comment_count", "replies", "reply_count"),
    "shares": ("shares", "share_count", "retweets", "reposts", "retweet_count"),
    "saves": ("saves", "saved", "bookmarks"),
}
DENOMINATORS = ("impressions", "views", "reach", "followers")
_TIME_KEYS = ("posted_at", "published_at", "created_at", "date", "time", "timestamp")
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MIN_GROUP = 2  # a weekday/hour needs at least this many posts before we recommend it


def _find(columns: list[str], names: tuple[str, ...]) -> str | None:
    lower = {c.lower().strip(): c for c in columns}
    return next((lower[n] for n in names if n in lower), None)


def _when(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _group(rates: dict[Any, list[float]]) -> list[dict[str, Any]]:
    return sorted(
        ({"key": k, "posts": len(v), "mean_rate": statistics.fmean(v)} for k, v in rates.items()),
        key=lambda g: -g["mean_rate"],
    )


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in row.items()}


def _label(row: dict[str, Any]) -> str:
    text = f"\u201c{row['text']}\u201d" if row.get("text") else f"post {row['index'] + 1}"
    return text + (f" on {row['platform']}" if row.get("platform") else "")


def _said(value: float, rated: bool) -> str:
    """A rate as a percentage; a count (no impressions to divide by) as interactions."""
    return f"{value:.2%}" if rated else f"{fmt(round(float(value), 1))} interactions"


def _message(
    count: int,
    overall: float,
    best: list[dict[str, Any]],
    worst: dict[str, Any],
    days: list[dict[str, Any]],
    hours: list[dict[str, Any]],
    recommendations: list[str],
    rated: bool = True,
) -> str:
    """What the chat shows: the average engagement, the best and weakest posts, the best time;
    as interactions per post when the table has nothing to compute a rate from."""

    def said(value: float) -> str:
        return _said(value, rated)

    head = f"**Engagement of {count} posts**: {said(overall)} on average"
    lines = [head + ("." if rated else " (no impressions column, so counts rather than rates)."), ""]
    lines += [f"- Best: {_label(r)}, {said(r['rate'])}" for r in best]
    lines.append(f"- Weakest: {_label(worst)}, {said(worst['rate'])}")
    if days and hours:
        lines.append(
            f"- Best time so far: {days[0]['key']} ({said(days[0]['mean_rate'])}), "
            f"around {hours[0]['key']:02d}:00 ({said(hours[0]['mean_rate'])})"
        )
    return "\n".join([*lines, "", *recommendations])


def main(
    user_id: str,
    posts: list[dict] | None = None,
    data: str | None = None,
    format: Literal["auto", "csv", "json"] = "auto",
    platform: Literal["all", "twitter", "linkedin", "instagram", "facebook"] | None = "all",
    period: str | None = None,
    top: int = 3,
) -> dict[str, Any]:
    """Engagement analysis of `posts` (rows) or CSV/JSON `data` with one row per post.

    Args:
        user_id: the person whose posts these are.
        posts: rows of likes, comments, shares, impressions (or reach), platform, posted_at, text.
        data: the same as CSV or JSON text, when posts is not given.
        format: the format of data.
        platform: only analyse this platform's rows ("all" or empty: every platform).
        period: only posts of a period by posted_at: last_7_days, last_4_weeks, this_month, all.
        top: how many best posts to return.
    """
    validate_user_id(user_id)
    platform = platform or "all"
    start = datasets.period_start(period)
    if posts is None:
        if not data:
            # only the person has their platforms' numbers: retrying cannot help
            raise NeedsInput(
                "To answer that from your own posts I need their numbers: paste or attach your posts' "
                "analytics export (CSV or JSON with likes, comments, shares and impressions per post, "
                "and when each went out)."
            )
        posts = datasets.parse(datasets.decode(data), format).rows
    if not posts:
        raise ValueError("no posts to analyse")
    columns: list[str] = []
    for r in posts:
        columns.extend(k for k in r if k not in columns)
    counts = {k: _find(columns, names) for k, names in INTERACTIONS.items()}
    if not any(counts.values()):
        # only the person knows where their likes are: no retry can find them
        raise NeedsInput(
            f"I found no likes, comments, shares or saves in your table (its columns: {', '.join(columns)}). "
            "Send the export with at least one of them per post."
        )
    # Without impressions (or reach, views, followers) posts are compared by their interactions.
    denom = next((c for c in (_find(columns, (d,)) for d in DENOMINATORS) if c), None)
    plat_col = _find(columns, ("platform", "network", "channel"))
    time_col = _find(columns, _TIME_KEYS)
    text_col = _find(columns, ("content", "text", "message", "caption", "title", "post", "name"))

    rows, skipped = [], 0
    for i, r in enumerate(posts):
        row_platform = str(r.get(plat_col) or "").lower() if plat_col else ""
        row_platform = platforms.ALIASES.get(row_platform, row_platform)
        if platform != "all" and plat_col and row_platform != platform:
            continue
        posted = _when(r.get(time_col)) if time_col else None
        if start is not None and (posted is None or posted.date() < start):
            continue
        base = datasets.typed(r.get(denom)) if denom else 1
        if not datasets.is_number(base) or base <= 0:
            skipped += 1
            continue
        parts = {k: datasets.typed(r.get(c)) if c else 0 for k, c in counts.items()}
        total = sum(v for v in parts.values() if datasets.is_number(v))
        rows.append(
            {
                "index": i,
                "platform": row_platform or None,
                "posted_at": posted,
                "text": str(r.get(text_col))[:140] if text_col and r.get(text_col) else None,
                "interactions": total,
                "base": base,
                "rate": total / base,
            }
        )
    if not rows:
        raise ValueError(
            f"no post has a positive {denom} value"
            + (f" on {platform}" if platform != "all" else "")
            + (f" in {period}" if start is not None else "")
        )

    rated = denom is not None
    overall = statistics.fmean(r["rate"] for r in rows)
    by_platform: dict[Any, list[float]] = defaultdict(list)
    by_day: dict[Any, list[float]] = defaultdict(list)
    by_hour: dict[Any, list[float]] = defaultdict(list)
    for r in rows:
        if r["platform"]:
            by_platform[r["platform"]].append(r["rate"])
        if r["posted_at"]:
            by_day[_WEEKDAYS[r["posted_at"].weekday()]].append(r["rate"])
            by_hour[r["posted_at"].hour].append(r["rate"])
    ranked = sorted(rows, key=lambda r: -r["rate"])
    best = ranked[: max(1, min(top, len(ranked) - 1))]  # the weakest is said as such, not as a best
    recs = []
    days, hours = _group(by_day), _group(by_hour)
    if days and days[0]["posts"] >= MIN_GROUP and overall > 0:
        recs.append(
            f"Post on {days[0]['key']}: {days[0]['mean_rate'] / overall:.1f}× the average "
            f"engagement{' rate' if rated else ''} over {days[0]['posts']} posts."
        )
    if hours and hours[0]["posts"] >= MIN_GROUP and overall > 0:
        recs.append(
            f"Posts around {hours[0]['key']:02d}:00 average {_said(hours[0]['mean_rate'], rated)} "
            f"vs {_said(overall, rated)} overall."
        )
    plats = _group(by_platform)
    if len(plats) > 1:
        recs.append(
            f"{plats[0]['key']} engages best ({_said(plats[0]['mean_rate'], rated)}); "
            f"{plats[-1]['key']} least ({_said(plats[-1]['mean_rate'], rated)})."
        )
    recommendations = recs or ["Not enough posts per day or hour yet to recommend a posting time."]
    return {
        "message": _message(len(rows), overall, best, ranked[-1], days, hours, recommendations, rated),
        "posts_analysed": len(rows),
        "posts_skipped": skipped,
        "rate_basis": denom,
        "engagement_rate": {"mean": overall, "median": statistics.median(r["rate"] for r in rows)},
        "interactions_total": sum(r["interactions"] for r in rows),
        "by_platform": plats,
        "by_weekday": days,
        "by_hour": hours,
        "posts": [_plain(r) for r in rows],
        "top_posts": [_plain(r) for r in best],
        "worst_post": _plain(ranked[-1]),
        "recommendations": recommendations,
    }
