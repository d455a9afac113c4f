"""A request about what this conversation just made: the post ("post it now", "schedule it for
Friday at 9am", "make it shorter", "same for Instagram") or the report ("show that as a line
chart instead", "what was the average?", "write a linkedin post about it").

A person reads a draft and answers it as they would answer a colleague: "it" is that draft. The
drafts are what the conversation's latest post request wrote (its recorded result: the plan's
create_post steps, their arguments and what they returned). Posting or scheduling "it" takes the
draft's words as they are; "shorter", another tone or another platform writes it again from its
topic and points. A question after a report is about the table it read (its fetch_metrics step's
`data`), and a post "about it" tells what the report found. Without either in the conversation
the request is read as it is (and the person is asked what the post should be about).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError

import f.openanalyst.lib.datasets as datasets
import f.openanalyst.lib.lazy_re as lazy_re
import f.openanalyst.lib.planning.understanding as understanding
import f.openanalyst.lib.platforms as platforms
from f.openanalyst.lib.contracts import MAX_EARLIER_DATA, Draft, EarlierData, Intent, Plan

CREATE_POST = "f/openanalyst/social/create_post"
FETCH_METRICS = "f/openanalyst/analytics/fetch_metrics"
GENERATE_REPORT = "f/openanalyst/analytics/generate_report"
# A rewrite asked "shorter" is held to this share of the draft's length (and the platform's floor).
SHORTER = 2 / 3

# "ok", "great, ", "love it! ": an acknowledgement before what to do with the draft.
_ACK_RE = lazy_re.compile(
    r"^(?:ok(?:ay)?|great|perfect|nice|cool|yes|yep|yeah|sure|awesome|good|lovely|brilliant|excellent|"
    r"thanks|thank you|love it|looks (?:good|great|fine)|sounds (?:good|great)|"
    r"that'?s (?:good|great|perfect))"
    r"\b[\s,.!:;-]*",
    re.I,
)
# "the second one", "#2", "number 3", "option 1": one of several drafts offered
_NTH = r"(?:first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th)"
_ORDINAL = (
    rf"(?:the\s+)?{_NTH}(?:\s+(?:one|draft|version|option|post|tweet|caption))?"
    r"|(?:#|no\.?\s*|number\s+|option\s+|draft\s+|version\s+)[1-5]"
)
_ORDINAL_RE = lazy_re.compile(rf"(?<!\w)(?:{_ORDINAL})(?!\w)", re.I)
_PLACES = {"first": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4, "last": -1}
# "post them both", "schedule all of them": every draft of the last request (one per platform)
_THEM = (
    r"(?:them(?:\s+(?:both|all))?|both(?:\s+of\s+them)?|all\s+of\s+them|them\s+all"
    r"|the\s+(?:posts|tweets|drafts|two|three))"
)
_THEM_RE = lazy_re.compile(rf"^{_THEM}\b", re.I)
_IT = (
    r"(?:it|this|that|this one|that one|the (?:post|tweet|draft|caption|update|one|text)"
    rf"|{_ORDINAL}|{_THEM})"
)
# "post it now", "can you schedule that for friday 10am", "send it out tomorrow at 8"
_ACT_RE = lazy_re.compile(
    r"^(?:(?:please|pls|can you|could you|would you|now|then|so|just|go ahead and|and)\s+)*"
    rf"(?P<verb>post|publish|tweet|share|send|schedule|queue|put)\s+(?P<it>{_IT})\b(?P<rest>.*)$",
    re.I | re.S,
)
_SCHEDULING_VERBS = frozenset(("schedule", "queue"))
_FIRST_CLAUSE_RE = lazy_re.compile(r"^(?P<clause>[^,.;!]+)[,.;!]+\s*(?P<rest>.*)$", re.S)
# "I like the second one", "go with #2", "number 3 please": the draft chosen, not posted yet
_CHOOSE_RE = lazy_re.compile(
    r"^(?:(?:i\s+(?:like|prefer|love|want|pick|choose)|(?:let'?s\s+)?(?:go with|use|pick|choose|take))\s+)?"
    rf"(?:{_ORDINAL})(?:\s+(?:please|pls|is (?:best|good|great|perfect)))?$",
    re.I,
)
# How a request to change the draft may open ("can you ...", "please ...", "also ...")
_ASKING = r"^(?:(?:can|could|would)\s+you\s+|please\s+|pls\s+|also\s+)*"
# "can you add a link to acme.io/app?", "add #BlackFriday", "include @acme": a link, tag or mention
# put in the draft as it is
_ADD_RE = lazy_re.compile(
    _ASKING + r"(?:add|include|put|append|stick)\s+"
    r"(?:(?:a|the|our|my)\s+)?(?:(?:link|url|website|site)\s+(?:to\s+)?)?"
    r"(?P<what>(?:https?://)?[\w-]+(?:\.[\w-]+)+(?:/\S*)?|#\w+|@\w+)"
    r"(?:\s+(?:to|in|at the end of)\s+(?:it|the post|the tweet|the caption))?(?:\s+(?:please|pls))?$",
    re.I,
)
# "add an emoji", "can you put some emojis in?": the draft with one that fits its tone
_EMOJI_RE = lazy_re.compile(
    _ASKING + r"(?:add|include|put|use|throw in)\s+"
    r"(?:an?\s+|some\s+|one\s+)?emojis?(?:\s+(?:in|to it|in it|too|please|pls))*$",
    re.I,
)
_CLOSING_TAGS_RE = lazy_re.compile(r"(?P<sep>\s+)(?P<tags>(?:#\w+\s*)+)$")
_SHORTER_RE = lazy_re.compile(
    r"\b(?:shorter|shorten|tighter|more concise|briefer|trim(?: it)?(?: down)?|cut it down|less wordy)\b",
    re.I,
)
# "same for instagram", "now do one for twitter", "turn it into a tweet", "also write it for facebook"
_AGAIN_RE = lazy_re.compile(
    r"\b(?:same|one|version|it|this|that|too|also|as well|into)\b",
    re.I,
)
# "post this about our new menu", "share this: ...": what follows the verb is a new post's content
_NEW_CONTENT_RE = lazy_re.compile(r"\b(?:about|saying|says|announcing)\b|:", re.I)
# "what was the average?", "which month was best?", "why did march drop?": a question about numbers
_DATA_QUESTION_RE = lazy_re.compile(
    r"\b(?:average|mean|median|total|sum|best|worst|highest|lowest|most|least|biggest|smallest|trend|"
    r"grow(?:ing|th)?|grew|drop(?:ped)?|fell|fall|rise|rose|increase|decrease|compare|change|good|bad)\b",
    re.I,
)
_SHORT_REQUEST_WORDS = 12  # a follow-up is a short answer; a longer request says what it wants
MAX_FINDINGS = 3  # a report's findings carried to a post about it
_STATISTICS_RE = lazy_re.compile(r":\s*total\b|\bmean\b.*\bmedian\b", re.I)


def drafts_in(results: Iterable[Mapping[str, Any]]) -> list[Draft]:
    """The drafts of the newest result that has any (results newest first, as the store gives
    them: {plan, outputs}); none when no recent request wrote a post."""
    for turn, result in enumerate(results):
        if drafts := list(_drafts_of(result, turn)):
            return drafts
    return []


def data_in(results: Iterable[Mapping[str, Any]]) -> EarlierData | None:
    """The table of the newest result that analysed one given in the chat (results newest first);
    none when there is none, or it is larger than a request carries."""
    for turn, result in enumerate(results):
        if (plan := _plan_of(result)) is None:
            continue
        steps = plan.steps
        data = next(
            (
                s.args["data"]
                for s in steps
                if s.script == FETCH_METRICS and isinstance(s.args.get("data"), str)
            ),
            None,
        )
        if data is None:
            continue
        if len(data) > MAX_EARLIER_DATA:
            return None
        report = next((s for s in steps if s.script == GENERATE_REPORT), None)
        args = report.args if report else {}
        found = (result.get("outputs") or {}).get(report.id) if report else None
        findings = found.get("findings") if isinstance(found, dict) else None
        return EarlierData(
            data=data,
            title=args["title"] if isinstance(args.get("title"), str) else None,
            chart=args["chart"] if args.get("chart") in ("bar", "line", "pie", "scatter") else None,
            findings=[str(f) for f in findings or [] if isinstance(f, str)][:MAX_FINDINGS],
            turn=turn,
        )
    return None


def _plan_of(result: Mapping[str, Any]) -> Plan | None:
    """A recorded result's plan; None for one without, or one an older release recorded in a shape
    this one no longer reads (an earlier turn is never a reason for this request to fail)."""
    try:
        return Plan.model_validate(result["plan"]) if result.get("plan") else None
    except ValidationError:
        return None


def _drafts_of(result: Mapping[str, Any], turn: int) -> Iterable[Draft]:
    if (plan := _plan_of(result)) is None:
        return
    outputs = result.get("outputs") or {}
    for step in plan.steps:
        out = outputs.get(step.id)
        if step.script != CREATE_POST or not isinstance(out, dict) or not out.get("content"):
            continue
        if out.get("platform") not in platforms.RULES:  # recorded in a shape this release does not read
            continue
        args = step.args
        offered = [d for d in out.get("drafts") or [] if isinstance(d, str) and d] or [str(out["content"])]
        for content in offered:  # "draft 3 tweets": each one, in the order shown
            yield Draft(
                content=content,
                platform=out["platform"],
                topic=str(out.get("topic") or args.get("topic") or ""),
                tone=str(out.get("tone") or "professional"),
                chars=platforms.count_chars(out["platform"], content),
                key_points=[str(p) for p in args.get("key_points") or [] if isinstance(p, str)],
                call_to_action=args.get("call_to_action")
                if isinstance(args.get("call_to_action"), str)
                else None,
                audience=args.get("audience") if isinstance(args.get("audience"), str) else None,
                turn=turn,
            )


def read(
    intent: Intent,
    request: str,
    drafts: list[Draft],
    timezone: str | None = None,
    now: datetime | None = None,
    data: EarlierData | None = None,
) -> Intent:
    """`intent` as a follow-up on `drafts` ("post it now") or on the table `data` the conversation
    last analysed ("what was the average?") when the request is one, else unchanged."""
    if len(request.split()) > _SHORT_REQUEST_WORDS or "text" in intent.entities.extra:
        return intent
    if data is not None and (again := _on_data(intent, request, data)):
        return again
    if (
        data is not None
        and (not drafts or data.turn < drafts[0].turn)
        and (post := _post_about(intent, data))
    ):
        return post  # "write a linkedin post about it" after a report: about what it found
    entities = intent.entities
    said = _said(request)
    choice = None
    if (first := _FIRST_CLAUSE_RE.match(said)) and _CHOOSE_RE.match(first["clause"]):
        choice, said = first["clause"], _said(first["rest"])  # "I like the second one, post it"
    act = _ACT_RE.match(said)
    if act and _NEW_CONTENT_RE.search(act["rest"]):
        return intent  # "post this about our new menu": a new post, whatever "this" is
    own = _said(entities.topic or "").lower()  # "love it" before "post it" is read as a topic
    if not drafts:
        if act and entities.topic and not own:  # nothing written to post: what about is asked
            return intent.model_copy(update={"entities": entities.model_copy(update={"topic": None})})
        return intent
    edits = entities.extra.get("about") == understanding.EDIT  # "make the last tweet funnier"
    if not act and not edits and own and own not in understanding.NO_TOPIC:
        return intent  # a topic of its own: a new post
    named = entities.platform
    draft = _chosen(choice or said, [d for d in drafts if d.platform == named] or drafts)
    elsewhere = named is not None and all(d.platform != named for d in drafts)
    if intent.name == "cancel_post" and named is None and understanding.cancels_it(request):
        # "actually, cancel it": the post this conversation wrote, by its platform
        narrowed = entities.model_copy(update={"platform": draft.platform})
        return intent.model_copy(update={"entities": narrowed})
    if _EMOJI_RE.match(said.rstrip("?")):  # "add an emoji": one that fits its tone, after its first sentence
        extra = {"text": _with_emoji(draft.content, draft.tone), "text_from": "draft"}
        return _as(intent, "create_post", draft, draft.platform, extra, None)
    if added := _ADD_RE.match(said.rstrip("?")):  # the draft's words with the link, tag or mention
        extra = {"text": _with_added(draft.content, added["what"].rstrip(".,!")), "text_from": "draft"}
        return _as(intent, "create_post", draft, draft.platform, extra, None)
    if _CHOOSE_RE.match(said) or (choice and not said):  # the one they like, shown as it will go out
        extra = {"text": draft.content, "text_from": "draft"}
        return _as(intent, "create_post", draft, draft.platform, extra, None)
    if act:
        found = understanding.found_time(act["rest"], timezone, now)
        every = _THEM_RE.match(act["it"]) and len({d.platform for d in drafts}) > 1
        scheduled = found is not None or act["verb"].lower() in _SCHEDULING_VERBS
        name = "create_and_schedule" if scheduled else "publish_post"
        extra: dict[str, Any] = {}
        if found and found.past:
            extra["past_time"] = found.text
        when = found.when.isoformat() if found and not found.past else None
        if elsewhere:  # "post it on twitter too": written again for that platform, then posted
            return _rewrite(intent, draft, name, named, extra, when)
        if every:  # "post them both now": each platform's draft, as it was read
            texts: dict[str, str] = {}
            for each in drafts:  # the first of each platform
                texts.setdefault(each.platform, each.content)
            extra |= {"platforms": list(texts), "texts": texts, "text_from": "draft"}
            return _as(intent, name, drafts[0], drafts[0].platform, extra, when)
        extra |= {"text": draft.content, "text_from": "draft"}
        return _as(intent, name, draft, draft.platform, extra, when)
    if elsewhere and _AGAIN_RE.search(said) and intent.name in ("create_post", "unknown"):
        return _rewrite(intent, draft, "create_post", named, {}, None)
    if intent.name in understanding.POST_INTENTS and own in understanding.NO_TOPIC:
        # "write a linkedin post about it": about what the draft was about
        return _rewrite(intent, draft, intent.name, named or draft.platform, {}, entities.time)
    if edits or (intent.name == "unknown" and (_SHORTER_RE.search(said) or "tone" in entities.extra)):
        extra = {}
        if _SHORTER_RE.search(said):
            extra["max_chars"] = max(platforms.MIN_CHARS, int(draft.chars * SHORTER))
        if tone := entities.extra.get("tone"):
            extra["tone"] = tone
        if extra or elsewhere:  # what else a person asks of a draft is answered as before
            return _rewrite(intent, draft, "create_post", named or draft.platform, extra, None)
    return intent


def _on_data(intent: Intent, request: str, data: EarlierData) -> Intent | None:
    """The earlier table analysed again for this request ("show that as a line chart instead",
    "which month was best?"), or None when the request is not about it."""
    extra = intent.entities.extra
    said = _said(request)
    chart = understanding.CHART_KIND_RE.search(said)
    wants_numbers = intent.name == "analyze" and extra.get("source") == "upload" and "data" not in extra
    about_them = intent.name == "unknown" and bool(_DATA_QUESTION_RE.search(said))
    redrawn = intent.name in ("unknown", "manage_posts") and chart is not None  # "make it a pie chart"
    if not (wants_numbers or about_them or redrawn):
        return None
    again: dict[str, Any] = {"data": data.data}
    if data.title:
        again["title"] = data.title
    if chart or data.chart:  # the chart asked for now, else the one asked for before
        again["chart"] = chart["kind"].lower() if chart else data.chart
    entities = intent.entities.model_copy(update={"topic": None, "extra": again})
    return intent.model_copy(update={"name": "analyze", "entities": entities, "confidence": 0.85})


_VERDICT_RE = lazy_re.compile(r"^(?:yes|no):\s+", re.I)


def _mid_sentence(finding: str) -> str:
    """A finding as the rest of a sentence: no "Yes: " verdict, its measure in lower case ("Sales are
    highest" -> "sales are highest"; "May is highest" keeps the month's capital)."""
    finding = _VERDICT_RE.sub("", finding)
    first = finding.split(" ", 1)[0]
    return (
        finding
        if first.lower() in datasets.CALENDAR_NAMES or first.isupper()
        else finding[:1].lower() + finding[1:]
    )


def _post_about(intent: Intent, data: EarlierData) -> Intent | None:
    """A post about the report just made, when the request names nothing else to write about."""
    topic = (intent.entities.topic or "").strip().lower()
    if intent.name not in understanding.POST_INTENTS or (topic and topic not in understanding.NO_TOPIC):
        return None
    if "text" in intent.entities.extra:
        return None
    # the report's news is its first finding's first sentence ("sales rose from 120,000 (q1) to
    # 160,000 (q4), +33%"), said as ours; the next one a point; its statistics are no news
    said = [re.split(r"(?<=[.!?])\s+", f.strip(), maxsplit=1)[0].rstrip(".") for f in data.findings]
    said = [f"our {_mid_sentence(f)}" for f in said if f and not _STATISTICS_RE.search(f)]
    title = (data.title or "").strip()
    if title and title.lower() != "report":
        # a finding that names the measure first ("orders rose from 230 ..."), not the answer to
        # "which day was busiest?" ("Wednesday is highest, with 310"), which is news only beside it
        said.sort(key=lambda f: title.lower() not in f.lower())
    named = (
        f"our {title[:1].lower()}{title[1:]}" if title and title.lower() != "report" else "our latest numbers"
    )
    about = said[0] if said else named
    extra = {**intent.entities.extra, "points": said[1:2]} if len(said) > 1 else dict(intent.entities.extra)
    entities = intent.entities.model_copy(update={"topic": about, "extra": extra})
    return intent.model_copy(update={"entities": entities, "confidence": 0.85})


def _with_added(content: str, what: str) -> str:
    """`content` with a link or mention before its closing hashtags (in their paragraph or line), or
    a hashtag after them."""
    if what.startswith("#"):
        return f"{content.rstrip()} {what}"
    tags = _CLOSING_TAGS_RE.search(content)
    if tags is None:
        return f"{content}\n\n{what}" if "\n" in content else f"{content} {what}"
    return f"{content[: tags.start()]}{tags['sep']}{what}{tags['sep']}{tags['tags'].strip()}"


def _with_emoji(content: str, tone: str) -> str:
    """`content` with the emoji of its tone after its first sentence (at its end when it has one)."""
    emoji = platforms.TONE_EMOJI.get(tone, platforms.TONE_EMOJI["professional"])
    first = re.search(r"[.!?](?=\s)", content)
    if first is None:
        return f"{content.rstrip()} {emoji}"
    return f"{content[: first.end()]} {emoji}{content[first.end() :]}"


def _chosen(said: str, drafts: list[Draft]) -> Draft:
    """The draft the request picks by its place ("the second one", "#2"), else the first."""
    if not (found := _ORDINAL_RE.search(said)):
        return drafts[0]
    word = next((w for w in found[0].lower().split() if w in _PLACES), None)
    digit = next((int(c) for c in found[0] if c.isdigit()), 1)  # "#2", "2nd"
    place = _PLACES[word] if word else digit - 1
    return drafts[place] if -len(drafts) <= place < len(drafts) else drafts[0]


def _said(request: str) -> str:
    """The request without the acknowledgements in front ("ok great, post it" → "post it")."""
    text = " ".join(request.split())
    while (ack := _ACK_RE.match(text)) and ack.end():
        text = text[ack.end() :]
    return text.strip(" .!?")


def _rewrite(
    intent: Intent, draft: Draft, name: str, platform: str | None, extra: dict[str, Any], when: str | None
) -> Intent:
    """The draft written again (its topic, points, tone and closing line) with `extra`'s changes."""
    kept: dict[str, Any] = {"tone": draft.tone}
    if draft.key_points:
        kept["points"] = draft.key_points
    if draft.call_to_action:
        kept["call_to_action"] = draft.call_to_action
    if draft.audience:
        kept["audience"] = draft.audience
    return _as(intent, name, draft, platform, {**kept, **extra}, when)


def _as(
    intent: Intent, name: str, draft: Draft, platform: str | None, extra: dict[str, Any], when: str | None
) -> Intent:
    entities = intent.entities.model_copy(
        update={
            "platform": platform,
            "topic": draft.topic,
            "time": when,
            "extra": extra,
        }
    )
    return intent.model_copy(
        update={"name": name, "entities": entities, "confidence": 0.9, "source": "rules"}
    )
