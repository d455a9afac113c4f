"""Deterministic intent extraction: what is wanted, for which platform, about what, and when.

Seed section 4.1: "Create a Twitter post about AI trends and schedule it for tomorrow" gives
intent `create_and_schedule`, platform `twitter`, topic `AI trends`, and a time resolved in the
person's timezone. Rules first (no tokens); the model only refines what the rules left open.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from f.openanalyst.lib import timeparse
from f.openanalyst.lib.protocol import Entities, Intent

# A time given as a day without an hour ("tomorrow") is scheduled at this local hour.
DEFAULT_HOUR = timeparse.DEFAULT_HOUR
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

_PREFS_RE = re.compile(r"\b(my (preferences|settings)|preferences|settings)\b", re.I)
_ZONE_NAME = r"([A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+){0,2})"
_TZ_SET_RE = re.compile(
    r"\b(?:(?:set|change|update|switch)\s+my\s+time\s?zone\s+to|my\s+time\s?zone\s+is)\s+" + _ZONE_NAME,
    re.I,
)
_TONE_PREF_RE = re.compile(
    r"\b(?:i\s+prefer|i\s+like|i\s+want|always\s+use|use)\s+(?:a|an)?\s*([a-z]+)\s+tone\b"
    r"|\b(?:set|change)\s+my\s+(?:default\s+)?tone\s+to\s+(?:a|an)?\s*([a-z]+)\b",
    re.I,
)
_PLATFORM_PREF_RE = re.compile(r"\bmy\s+default\s+platform\s+(?:to|is)\s+(\w+)", re.I)
_REMEMBER_RE = re.compile(r"\b(?:remember\s+that|custom\s+instructions?\s*:)\s+(.+)$", re.I)


def timezone_of(name: str | None) -> ZoneInfo:
    """The person's zone, or UTC when unset or unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def resolve_time(text: str, tz: str | None = None, now: datetime | None = None) -> datetime | None:
    """The moment `text` names ("tomorrow 9am", "next friday", "in 2 hours", "2026-12-01 14:00"),
    aware, in the person's timezone (UTC when unknown); None when the text names no time.

    The one parser is `timeparse` (schedule_post uses it too); a request is free text, so an
    unreadable time ("13pm") is no time rather than an error.
    """
    try:
        found = timeparse.find_time(text, str(timezone_of(tz)), now)
    except timeparse.TimeParseError:
        return None
    return found.when if found else None


def _request_time(text: str, tz: str | None, now: datetime | None) -> datetime | None:
    """The time a whole request names; a lone part of the day ("evening") is a topic word there."""
    try:
        found = timeparse.find_time(text, str(timezone_of(tz)), now)
    except timeparse.TimeParseError:
        return None
    if found is None or timeparse.is_part_of_day(found.text):
        return None
    return found.when


def _zone_name(raw: str) -> str | None:
    """An IANA zone name as written or in its usual capitalisation ("europe/paris"), if it exists."""
    for candidate in (
        raw,
        "/".join(
            p if p.isupper() else "_".join(w.capitalize() for w in p.split("_")) for p in raw.split("/")
        ),
    ):
        try:
            ZoneInfo(candidate)
            return candidate
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return None


def preference_change(text: str) -> tuple[dict[str, object], list[str]]:
    """The change of context a request asks for ("set my timezone to Europe/Paris", "I prefer a
    casual tone", "remember that ...") as record_history's `context_update`, and what could not
    be understood (an unknown timezone)."""
    update: dict[str, object] = {}
    problems: list[str] = []
    if m := _TZ_SET_RE.search(text):
        raw = m.group(1).rstrip(".,;!?")
        if zone := _zone_name(raw):
            update["timezone"] = zone
        else:
            problems.append(
                f"unknown timezone {raw!r}: use an IANA name such as 'Europe/Paris' or 'America/New_York'"
            )
    preferences: dict[str, object] = {}
    if m := _TONE_PREF_RE.search(text):
        preferences["tone"] = (m.group(1) or m.group(2)).lower()
    if (m := _PLATFORM_PREF_RE.search(text)) and (
        platform := next((n for n, p in _PLATFORMS if p.fullmatch(m.group(1))), None)
    ):
        preferences["platform"] = platform
    if preferences:
        update["preferences"] = preferences
    if m := _REMEMBER_RE.search(text):
        update["custom_instructions"] = m.group(1).strip()[:2000]
    return update, problems


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
    when = _request_time(text, timezone, now)
    extra: dict[str, object] = {}
    update, problems = preference_change(text)
    if update:
        extra["context_update"] = update
    if problems:
        extra["preference_problems"] = problems
    if paths := WINDMILL_PATH_RE.findall(text):
        extra["scripts_named"] = sorted(set(paths))
    if tone := _TONE_RE.search(text):
        extra["tone"] = tone.group(1).lower()
    dataset = _DATASET_RE.search(text)
    wants_schedule = bool(_SCHEDULE_RE.search(text)) or (when is not None and platform is not None)
    wants_post = bool(_CREATE_RE.search(text) and (_POST_NOUN_RE.search(text) or platform))

    if update or problems:
        name, confidence = "preferences", 0.9
    elif _HELP_RE.search(text):
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
    elif _PREFS_RE.search(text):
        name, confidence = "preferences", 0.8
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
