"""What a request to build something asks for: which item, its name, the address it fetches, when it
runs and which of the person's items it runs. Rules only (no tokens), like the rest of the intent.

"every weekday at 7am fetch https://x/status.json" is `build_scheduled_fetch` (a fetch script and a
schedule for it), "Every Monday at 8am run my analytics report" `build_schedule` (target "analytics
report", resolved against the person's scripts by the builder), "a dashboard app for my metrics"
`build_app`, "a flow that drafts a post and schedules it" `build_flow`, "a skill called x that ..."
`build_skill`, any other script `build_script`. The WORKFLOW_BUILDER skill's workflows serve these
intents; what they need is in `extra` (name, url, schedule, target, description, triggers).
"""

from __future__ import annotations

import re
from typing import Any

import f.openanalyst.lib.lazy_re as lazy_re
from f.openanalyst.lib.timeparse import parse_clocks

BUILD_INTENTS = (
    "build_scheduled_fetch",
    "build_fetch",
    "build_schedule",
    "build_app",
    "build_flow",
    "build_skill",
    "build_script",
)
_URL_RE = lazy_re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s<>\"')]+", re.I)
_DAY = r"(?:mon|tue|tues|wed|wednes|thu|thur|thurs|fri|sat|satur|sun)(?:day)?s?"
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
_CRON_TOKEN = rf"(?:[\d*/,?-]+|{_DAY}(?:[-,]{_DAY})*|{_MONTH}(?:[-,]{_MONTH})*)"
_CRON_RE = lazy_re.compile(
    rf"\bcron\b(?:\s+expression)?\s*[:=]?\s*[\"'`]?((?:{_CRON_TOKEN}\s+){{4,5}}{_CRON_TOKEN})", re.I
)
_EVERY_RE = lazy_re.compile(
    rf"\b(?:every|each)\s+(?:other\s+)?(?:\d+\s+)?"
    rf"(?:weekday|work\s?day|day|morning|evening|night|afternoon|hour|minute|min|week|month|weekend|{_DAY})s?\b"
    rf"(?:\s*(?:,|and|&)\s*{_DAY}\b)*"
    rf"|\b(?:daily|weekly|hourly|monthly|nightly)\b|\b(?:on\s+)?weekdays\b|\bon\s+{_DAY}\b",
    re.I,
)
_CLOCK_RE = lazy_re.compile(
    r"\b(?:at\s+)?(?:\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)|[01]?\d:[0-5]\d|2[0-3]:[0-5]\d)\b|\bat\s+\d{1,2}\b",
    re.I,
)
_SKILL_RE = lazy_re.compile(r"\b(?:new|custom|own)?\s*skill\b", re.I)
# "a dashboard of my weekly sales": how the person's numbers are counted, not when something runs
_OWN_SERIES_RE = lazy_re.compile(r"\b(?:my|our)\s+(?:daily|weekly|hourly|monthly|nightly)\b", re.I)
_APP_RE = lazy_re.compile(r"\b(dashboard|app|form|internal tool)\b", re.I)
_FLOW_RE = lazy_re.compile(r"\b(flow|workflow|pipeline|automation)\b", re.I)
_SCRIPT_RE = lazy_re.compile(r"\bscript\b", re.I)
_CALLED_RE = lazy_re.compile(r"\b(?:called|named)\s+[\"'`]?([A-Za-z0-9][A-Za-z0-9_-]{0,63})", re.I)
_CLAUSE_RE = lazy_re.compile(r"\b(?:that|which|to)\s+(.+)$", re.I)
_SHOWING_RE = lazy_re.compile(
    r"\b(?:that\s+shows|showing|to\s+(?:see|track)|of|where\s+(?:my\s+team|our\s+team|we|i|people|staff)"
    r"\s+can)\s+(?:my|our|the|a)?\s*(.+?)(?:[.,;!?]|$)",
    re.I,
)
_FOR_RE = lazy_re.compile(r"\bfor\s+(?:my|our|the|a)?\s*(.+?)(?:[.,;!?]|$)", re.I)
# What a schedule runs: "run my analytics report", "schedule my social_post script", "send me a report of X".
_TARGET_RE = lazy_re.compile(
    # "... that sends me a report of my posts": said of the item too
    r"\b(?:run|execute|trigger|start|schedule|sends?\s+me|emails?\s+me|gives?\s+me|set\s+up)\s+"
    r"(?:(?:my|the|our|a|an)\s+)?(.+)$",
    re.I,
)
_TARGET_TAIL_RE = lazy_re.compile(
    r"\s+(?:with|at|on|in|from|every|each|using)\b.*$|\s*[,.;!?].*$|\s+(?:script|flow|job)\s*$", re.I
)
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "my",
        "our",
        "your",
        "me",
        "us",
        "i",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "of",
        "for",
        "to",
        "and",
        "or",
        "with",
        "from",
        "into",
        "on",
        "in",
        "at",
        "by",
        "every",
        "each",
        "which",
        "who",
        "please",
        "me",
        "create",
        "make",
        "build",
        "write",
        "set",
        "up",
        "new",
    ]
)


def slug(text: str, words: int = 4) -> str:
    """A plain item name from words ("Meeting minutes!" -> meeting_minutes)."""
    text = re.sub(r"['’]s\b", "", text.lower())
    kept = [w for w in re.findall(r"[a-z0-9]+", text) if w not in _STOP][:words]
    return "_".join(kept)[:60].strip("_")


def recurrence(text: str) -> str | None:
    """The schedule a request names, as words `schedules.recurrence_to_cron` reads ("every monday
    at 08:00", "0 0 9 * * 1-5"), or None when it names no recurrence."""
    bare = _OWN_SERIES_RE.sub(" ", _URL_RE.sub(" ", text))  # "my weekly report" is a name
    if m := _CRON_RE.search(bare):
        return " ".join(m.group(1).split())
    found = [m.group(0) for m in _EVERY_RE.finditer(bare)]
    own = _OWN_SERIES_RE.search(text)
    if not found and own and re.search(r"\bschedule\b", text, re.I):
        # "schedule my weekly report for monday 8am": every monday; without a day, how often it says
        bare = re.sub(rf"\bfor\s+({_DAY})\b", r"every \1", bare, flags=re.I)
        found = [m.group(0) for m in _EVERY_RE.finditer(bare)] or [own[0].split()[-1]]
    if not found:
        return None
    phrase = " ".join(found).lower()
    clocks = parse_clocks(_EVERY_RE.sub(" ", bare))  # "at 8am and 8pm": both
    if clocks and not re.search(r"\b(hour|minute|min)s?\b|\bhourly\b", phrase):
        phrase += " at " + " and ".join(f"{h:02d}:{m:02d}" for h, m in clocks)
    return phrase


def _without_schedule(text: str) -> str:
    bare = _CRON_RE.sub(" ", _URL_RE.sub(" ", text))
    series = [m.span() for m in _OWN_SERIES_RE.finditer(bare)]  # "my weekly report" keeps "weekly"
    kept = _EVERY_RE.sub(lambda m: m.group(0) if any(a <= m.start() < b for a, b in series) else " ", bare)
    return " ".join(_CLOCK_RE.sub(" ", kept).split())


# A digest of the posts someone has scheduled is run by the script that lists them (the starting
# template "My scheduled posts").
_DIGESTS = frozenset(("summary", "list", "overview", "digest", "recap", "rundown"))
# "scheduled posts", "upcoming tweets": the posts someone has lined up (understanding reads it too)
SCHEDULED_POSTS = r"\b(?:scheduled|queued|upcoming|planned|pending)\s+(?:posts?|tweets?)\b"
_SCHEDULED_POSTS_RE = lazy_re.compile(SCHEDULED_POSTS, re.I)
# "a summary of what's scheduled for the day", "a digest of my queue": the same posts, said otherwise
_SCHEDULED_SAID_RE = lazy_re.compile(
    rf"{SCHEDULED_POSTS}|\bwhat(?:'s|’s|\s+is|\s+I\s+have|\s+we\s+have)\s+(?:scheduled|queued|lined up|"
    r"coming up|planned)\b|\b(?:my|our)\s+(?:post(?:ing)?\s+)?(?:queue|schedule)\b",
    re.I,
)


def _target(text: str) -> str | None:
    """What a schedule runs, in the person's words ("analytics report"), or None."""
    m = _TARGET_RE.search(_without_schedule(text))
    if not m:
        return None
    target = _TARGET_TAIL_RE.sub("", m.group(1)).strip(" '\"`")
    target = re.sub(r"^(?:my|the|our|a|an)\s+", "", target, flags=re.I)
    target = re.sub(r"\s+(?:script|flow)$", "", target, flags=re.I)
    # "a report of my posts": the thing is the head noun, what follows "of" describes it (a report
    # of them is the analytics report); but "a summary of my scheduled posts" is the list of them
    parts = re.split(r"\s+(?:of|about|on|for)\s+", target, maxsplit=1)
    if len(parts) > 1 and parts[0].lower() in _DIGESTS and _SCHEDULED_SAID_RE.search(parts[1]):
        return "scheduled posts"
    return parts[0].strip() or None


def _clause(text: str) -> str:
    """What an item must do: the clause after "that/which/to" ("turns my notes into minutes")."""
    m = _CLAUSE_RE.search(_URL_RE.sub(lambda u: u.group(0).replace(" ", ""), text))
    return (m.group(1) if m else text).strip(" .!?")


def _fetch_name(url: str) -> str:
    """fetch_<last meaningful part of the address> ("https://x/api/status.json" -> fetch_status)."""
    parts = [p for p in re.split(r"[/?#=&]+", url.split("://", 1)[-1]) if p]
    for part in reversed(parts[1:] or parts):
        stem = slug(re.sub(r"\.(json|csv|xml|txt|html?)$", "", part, flags=re.I), 2)
        if stem and not stem.isdigit() and stem not in ("api", "v1", "v2", "v3", "www"):
            return f"fetch_{stem}"
    return "fetch_url"


def _schedule_name(target: str, phrase: str) -> str:
    cron = bool(re.match(r"^[\d*/,?-]+\s", phrase))
    when = "schedule" if cron else slug(re.sub(r"\b(every|each|at|on)\b", " ", phrase), 4)
    return f"{slug(target, 3) or 'run'}_{when or 'schedule'}"[:64].strip("_")


def _sentence(text: str) -> str:
    text = " ".join(text.split()).strip(" .")
    return (text[:1].upper() + text[1:] + ".") if text else ""


# "run my analytics report now", "execute social_post": one of the person's own, run once.
_RUN_NOW_RE = lazy_re.compile(
    r"^\s*(?:please\s+)?(?:(?:can|could) you\s+)?(?:run|execute|trigger|kick off)\s+"
    r"(?:(?P<own>my|our|the)\s+)?(?P<target>[\w -]+?)(?P<kind>\s+(?:script|flow|job))?"
    r"(?:\s+(?:now|right now|once|for me))*\s*(?:please)?[.!?]*\s*$",
    re.I,
)


def run_now_target(text: str) -> str | None:
    """What "run my analytics report now" runs ("analytics report"), or None when it asks no run."""
    run = _RUN_NOW_RE.match(text)
    if not run or recurrence(text) or _URL_RE.search(text):
        return None
    target = run["target"].strip()
    # "run my report", "run social_post", "run the onboarding flow"; not "run a marathon", "run the numbers"
    named = run["own"] or run["kind"] or "_" in target
    return target if named and target.lower() not in ("numbers", "analysis") else None


def read(text: str) -> tuple[str, dict[str, Any]] | None:
    """(intent name, details) for a request to build something, or None when it is not one."""
    urls = _URL_RE.findall(text)
    phrase = recurrence(text)
    if target := run_now_target(text):
        return "run_now", {"target": target}
    if _SKILL_RE.search(text) and not urls:
        called = _CALLED_RE.search(text)
        clause = _clause(text[called.end() :] if called else text)
        name = called.group(1).lower() if called else slug(clause, 3)
        words = name.replace("_", " ").replace("-", " ")
        return "build_skill", {
            "name": name,
            "description": _sentence(clause),
            "triggers": [words],
        }
    if urls:
        url = urls[0].rstrip(".,;:!?")
        name = _fetch_name(url)
        extra: dict[str, Any] = {
            "url": url,
            "name": name,
            "description": f"Fetch {url} and return its JSON",
        }
        if phrase:
            extra |= {"schedule": phrase, "schedule_name": _schedule_name(name, phrase)}
            return "build_scheduled_fetch", extra
        return "build_fetch", extra
    if _APP_RE.search(text) and not phrase:
        topic = _FOR_RE.search(text) or _SHOWING_RE.search(text)
        subject = slug(topic.group(1), 3) if topic else ""
        kind = _APP_RE.search(text).group(1).lower().replace(" ", "_")  # type: ignore[union-attr]
        name = f"{subject}_{kind}" if subject and kind not in subject else (subject or f"my_{kind}")
        title = f"{subject.replace('_', ' ').capitalize()} {kind.replace('_', ' ')}" if subject else ""
        return "build_app", {"name": name, "summary": title or "My dashboard", "description": _sentence(text)}
    if _FLOW_RE.search(text) and not phrase:
        clause = _clause(text)
        return "build_flow", {"name": slug(clause) or "my_flow", "description": _sentence(clause)}
    if phrase:
        target = _target(text)
        if not target and _SCRIPT_RE.search(text):
            # "build me a script that pulls the weather for berlin every morning": it, then its schedule
            clause = _clause(_without_schedule(text))
            name = slug(clause) or "my_script"
            return "build_scheduled_script", {
                "name": name,
                "description": _sentence(clause),
                "schedule": phrase,
                "schedule_name": _schedule_name(name, phrase),
            }
        extra = {"schedule": phrase}
        if target:
            extra |= {"target": target, "name": _schedule_name(target, phrase)}
        return "build_schedule", extra
    if _SCRIPT_RE.search(text):
        clause = _clause(text)
        return "build_script", {"name": slug(clause) or "my_script", "description": _sentence(clause)}
    return None
