"""Deterministic intent extraction: what is wanted, for which platform, about what, and when.

Seed section 4.1: "Create a Twitter post about AI trends and schedule it for tomorrow" gives
intent `create_and_schedule`, platform `twitter`, topic `AI trends`, and a time resolved in the
person's timezone. Rules first (no tokens); the model only refines what the rules left open.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from f.openanalyst.lib.protocol import Entities, Intent

# A time given as a day without an hour ("tomorrow") is scheduled at this local hour.
DEFAULT_HOUR = 9
WINDMILL_PATH_RE = re.compile(r"(?<![\w/])(?:f|u)/[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+")

_PLATFORMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("twitter", re.compile(r"\b(twitter|tweet(s|ed)?|x\.com|x post)\b", re.I)),
    ("linkedin", re.compile(r"\blinked ?in\b", re.I)),
    ("instagram", re.compile(r"\b(instagram|insta|ig)\b", re.I)),
    ("facebook", re.compile(r"\b(facebook|fb)\b", re.I)),
)
_HELP_RE = re.compile(
    r"^\s*(help|\?|what can you do|how (do|can) i use (you|this)|commands|hi|hello)\b", re.I
)
_STATUS_RE = re.compile(r"^\s*(status|what('?s| is) (running|the status)|my (tasks|jobs|history))\b", re.I)
_CREATE_RE = re.compile(r"\b(create|write|draft|compose|make|generate|post|tweet)\b", re.I)
_POST_NOUN_RE = re.compile(r"\b(post|tweet|thread|caption|update|content)\b", re.I)
_SCHEDULE_RE = re.compile(r"\b(schedule|publish|queue|post it|send it)\b", re.I)
_ANALYZE_RE = re.compile(
    r"\b(analy[sz]e|analysis|metrics|report|trend(s)? in|compare|chart|insights?)\b", re.I
)
_BUILD_RE = re.compile(r"\b(build|create|make)\b.*\b(dashboard|app|workflow|script|automation|flow)\b", re.I)
_TOPIC_RE = re.compile(
    r"\b(?:about|on the topic of|regarding|covering|on)\s+(.+?)"
    r"(?=\s+(?:and|then|for|to|at|on|in|by|tomorrow|today|tonight|next)\b|[.,;!?]|$)",
    re.I,
)
_DATASET_RE = re.compile(r"\b[\w.-]+\.(?:csv|xlsx|xls|json|parquet|tsv)\b", re.I)
_TONE_RE = re.compile(r"\b(professional|casual|funny|humorous|formal|friendly|inspirational|bold)\b", re.I)

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CLOCK_RE = re.compile(r"\b(?:at\s+)?(\d{1,2})(?::(\d{2}))?\s*(am|pm)\b|\bat\s+(\d{1,2}):(\d{2})\b", re.I)
_DAY_RE = re.compile(
    r"\b(today|tonight|tomorrow|day after tomorrow|(?:next|this|on)?\s*(" + "|".join(_WEEKDAYS) + r"))\b",
    re.I,
)
_IN_RE = re.compile(r"\bin\s+(\d{1,3})\s+(minute|min|hour|day|week)s?\b", re.I)
_ISO_RE = re.compile(r"\b(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(?::\d{2})?)?\b")


def timezone_of(name: str | None) -> ZoneInfo:
    """The person's zone, or UTC when unset or unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def resolve_time(text: str, tz: str | None = None, now: datetime | None = None) -> datetime | None:
    """The moment `text` names ("tomorrow 9am", "next friday", "in 2 hours", "2026-12-01 14:00"),
    aware, in the person's timezone; None when the text names no time."""
    zone = timezone_of(tz)
    now = (now or datetime.now(zone)).astimezone(zone)
    if m := _ISO_RE.search(text):
        day = datetime.fromisoformat(m.group(1)).date()
        clock = time.fromisoformat(m.group(2)) if m.group(2) else time(DEFAULT_HOUR)
        return datetime.combine(day, clock, zone)
    if m := _IN_RE.search(text):
        amount, unit = int(m.group(1)), m.group(2).lower()
        delta = {
            "minute": timedelta(minutes=amount),
            "min": timedelta(minutes=amount),
            "hour": timedelta(hours=amount),
            "day": timedelta(days=amount),
            "week": timedelta(weeks=amount),
        }[unit]
        return (now + delta).replace(second=0, microsecond=0)
    clock = _clock(text)
    day_match = _DAY_RE.search(text)
    if not day_match and clock is None:
        return None
    date = now.date()
    if day_match:
        word = day_match.group(1).lower().strip()
        if word == "tomorrow":
            date += timedelta(days=1)
        elif word == "day after tomorrow":
            date += timedelta(days=2)
        elif word == "tonight" and clock is None:
            clock = time(20)
        elif day_match.group(2):
            target = _WEEKDAYS.index(day_match.group(2).lower())
            ahead = (target - now.weekday()) % 7
            if ahead == 0 or word.startswith("next"):
                ahead = ahead or 7
            date += timedelta(days=ahead)
    moment = datetime.combine(date, clock or time(DEFAULT_HOUR), zone)
    if moment <= now and not day_match:
        moment += timedelta(days=1)  # "at 9am" after 9am means tomorrow
    return moment


def _clock(text: str) -> time | None:
    m = _CLOCK_RE.search(text)
    if not m:
        return None
    if m.group(3):
        hour, minute = int(m.group(1)) % 12, int(m.group(2) or 0)
        hour += 12 if m.group(3).lower() == "pm" else 0
    else:
        hour, minute = int(m.group(4)), int(m.group(5))
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _topic(text: str) -> str | None:
    for m in _TOPIC_RE.finditer(text):
        topic = m.group(1).strip(" '\"")
        # "on twitter" names a platform, not a topic.
        if topic and not any(p.fullmatch(topic) for _, p in _PLATFORMS):
            return topic[:200]
    return None


def extract(request: str, timezone: str | None = None, now: datetime | None = None) -> Intent:
    """Rules-only intent and entities for `request` (seed 4.1)."""
    text = " ".join(request.split())
    platform = next((name for name, pattern in _PLATFORMS if pattern.search(text)), None)
    when = resolve_time(text, timezone, now)
    extra: dict[str, object] = {}
    if paths := WINDMILL_PATH_RE.findall(text):
        extra["scripts_named"] = sorted(set(paths))
    if tone := _TONE_RE.search(text):
        extra["tone"] = tone.group(1).lower()
    dataset = _DATASET_RE.search(text)
    wants_schedule = bool(_SCHEDULE_RE.search(text)) or (when is not None and platform is not None)
    wants_post = bool(_CREATE_RE.search(text) and (_POST_NOUN_RE.search(text) or platform))

    if _HELP_RE.search(text):
        name, confidence = "help", 0.95
    elif _STATUS_RE.search(text):
        name, confidence = "status", 0.9
    elif _BUILD_RE.search(text):
        name, confidence = "build", 0.8
    elif wants_post and wants_schedule:
        name, confidence = "create_and_schedule", 0.9
    elif wants_schedule and (platform or _POST_NOUN_RE.search(text)):
        name, confidence = "schedule_post", 0.8
    elif wants_post:
        name, confidence = "create_post", 0.85
    elif _ANALYZE_RE.search(text) or dataset:
        name, confidence = "analyze", 0.75
    else:
        name, confidence = "unknown", 0.2
    entities = Entities(
        platform=platform,
        topic=_topic(text),
        time=when.isoformat() if when else None,
        timezone=str(timezone_of(timezone)),
        dataset=dataset.group(0) if dataset else None,
        extra=extra,
    )
    return Intent(name=name, entities=entities, confidence=confidence, source="rules")


def merge(rules: Intent, refined: Intent) -> Intent:
    """Keep what the rules found for certain (platform, time, named scripts) and take the
    model's answer only where the rules were unsure or silent."""
    entities = rules.entities.model_copy()
    for name in ("platform", "topic", "dataset"):
        if getattr(entities, name) is None and getattr(refined.entities, name) is not None:
            setattr(entities, name, getattr(refined.entities, name))
    if entities.time is None and refined.entities.time:
        entities.time = refined.entities.time
    entities.extra = {**refined.entities.extra, **entities.extra}
    take_model = rules.confidence < 0.6 and refined.name != "unknown"
    return Intent(
        name=refined.name if take_model else rules.name,
        entities=entities,
        confidence=max(rules.confidence, refined.confidence if take_model else rules.confidence),
        source="model" if take_model else "rules",
    )
