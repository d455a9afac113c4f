"""Offline mode: plans from the skill's declared workflows, answers from templates, no model.

Used when no key is configured (and for CORE requests, which never need a model). The skill's
workflows (`skills/<SKILL>/workflows/*.md`, parsed by `skill_workflows`) say which scripts run
for an intent and where each argument comes from; the domain scripts fill the content from
their own templates. Every plan made here says `mode: offline`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import f.openanalyst.lib.planning.understanding as understanding
import f.openanalyst.lib.platforms as platforms
import f.openanalyst.lib.skills.workflows as skill_workflows
from f.openanalyst.lib.contracts import CHOSEN_UTC, UNSET_TIMEZONE, Intent, Plan, PlanStep
from f.openanalyst.lib.scheduled_posts import ScheduledPost, counted

CORE_SKILL = "CORE"
SOCIAL_SKILL = "SOCIAL_MEDIA"  # whose tasks are the person's posts


# The time slot, when the time the person gave has already passed (clarify says so when it asks).
PAST_TIME = "entities.time (the time given is in the past)"


class NoWorkflow(LookupError):
    """The skill declares no workflow for this intent."""


def context_update(asked: Any, context: Mapping[str, Any]) -> dict[str, Any]:
    """record_history's `context_update` for the change a request asked for: only real changes,
    and a new custom instruction added to the stored ones rather than replacing them."""
    if not isinstance(asked, Mapping):
        return {}
    update: dict[str, Any] = {}
    if asked.get("timezone"):
        # UTC named is the person's choice, kept under its canonical name: the store's "UTC" means
        # none chosen, which a browser's timezone replaces
        zone = CHOSEN_UTC if asked["timezone"] == UNSET_TIMEZONE else str(asked["timezone"])
        # a timezone the browser reported is not theirs yet: one they name is saved even if the same
        if zone != context.get("timezone") or context.get("timezone_source") == "browser":
            update["timezone"] = zone
    stored = dict(context.get("preferences") or {})
    changed = {k: v for k, v in dict(asked.get("preferences") or {}).items() if stored.get(k) != v}
    if changed:
        update["preferences"] = changed
    if instruction := str(asked.get("custom_instructions") or "").strip():
        old = str(context.get("custom_instructions") or "").strip()
        if instruction not in old:
            update["custom_instructions"] = f"{old}\n{instruction}".strip()
    return update


def _zone_shown(zone: Any) -> str:
    return "UTC" if not zone or zone == CHOSEN_UTC else str(zone)


# How a preference's value reads to the person ("hashtags: none" says little about what changes).
_PREF_WORDS = {
    ("hashtags", "none"): "none in your posts (say “use hashtags again” to bring them back)",
    ("hashtags", "suggested"): "suggested from each post's topic",
}


def _pref_shown(key: str, value: Any) -> Any:
    return _PREF_WORDS.get((key, value), value) if isinstance(value, str) else value


def _preferences_answer(
    context: Mapping[str, Any], update: Mapping[str, Any], problems: Sequence[str]
) -> str:
    lines: list[str] = []
    zone = _zone_shown(context.get("timezone"))
    if context.get("timezone_source") == "browser":
        zone = f"{zone} (from your browser)"
    if update.get("timezone"):
        lines.append(f"- timezone: {zone} -> {_zone_shown(update['timezone'])}")
    stored = dict(context.get("preferences") or {})
    for key, value in dict(update.get("preferences") or {}).items():
        lines.append(
            f"- {key}: {_pref_shown(key, stored.get(key)) or 'not set'} -> {_pref_shown(key, value)}"
        )
    if update.get("custom_instructions"):
        lines.append(f"- custom instructions: {update['custom_instructions']}")
    text = ("Updated your preferences:\n" + "\n".join(lines)) if lines else ""
    if problems:
        text += ("\n\n" if text else "") + "I could not change: " + "; ".join(problems) + "."
    if text:
        return text
    shown = {
        "timezone": zone,
        **{str(k): _pref_shown(str(k), v) for k, v in dict(context.get("preferences") or {}).items()},
    }
    listing = "\n".join(f"- {k}: {v}" for k, v in shown.items())
    instructions = context.get("custom_instructions")
    return (
        f"Your preferences:\n{listing}"
        + (f"\n- custom instructions: {instructions}" if instructions else "")
        + '\n\nTo change one, say e.g. "set my timezone to Europe/Paris" or "I prefer a casual tone".'
    )


EXAMPLES = (
    "Create a Twitter post about AI trends and schedule it for tomorrow",
    "Make a chart of this CSV: date,visitors ...",
    "Every Monday at 8am run my analytics report",
)


# CORE's own intents; any other intent routed to CORE is a request no skill serves.
SCHEDULING_INTENTS = ("create_and_schedule", "schedule_post")
CORE_INTENTS = ("preferences", "help", "greeting", "status", "manage_posts")


def is_out_of_scope(intent_name: str) -> bool:
    return intent_name not in CORE_INTENTS


def out_of_scope_answer() -> str:
    """A short, honest reply to a request no skill serves, with example requests."""
    examples = "\n".join(f'- "{e}"' for e in EXAMPLES)
    return (
        "That is outside what I can do here. I write and schedule social media posts, analyse data "
        "you paste or attach, and build scripts, schedules and dashboards in your own folder. "
        f"For example:\n{examples}"
    )


def _clip(text: str, limit: int = 160) -> str:
    """`text` cut at a word boundary (never mid-word)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "..."


def _skill_title(name: str) -> str:
    """A skill's name as a person reads it: "SOCIAL_MEDIA" -> "Social media"."""
    words = name.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:].lower()


def _what_it_does(description: str) -> str:
    """A skill's description to the person it serves: its opening clause (the rest, with "Use when
    ...", is written for the router) in the second person."""
    said = re.split(r":\s|\.\s|\s\(", " ".join(description.split()), maxsplit=1)[0].rstrip(".")
    said = re.sub(r"\bthe person's\b", "your", said)
    return _clip(re.sub(r"\bthe person\b", "you", said)) + "."


def _succeeded(task: Mapping[str, Any]) -> bool:
    """A recent task that went through (the store's `status`, or `success` as history records it)."""
    return task.get("status") == "success" or task.get("success") is True


PERIOD_SHOWN = 10  # tasks listed for "what did I ask you this week?"
_WEEKDAY_RE = re.compile(r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b")


def _when(task: Mapping[str, Any], zone: str | None = None) -> str:
    """When a recent task was asked, as "2026-12-06 21:34" in the person's timezone ("" when not
    known)."""
    if not task.get("created_at"):
        return ""
    asked = datetime.fromisoformat(str(task["created_at"])).astimezone(understanding.timezone_of(zone))
    return f"{asked:%Y-%m-%d %H:%M}"


def _task_line(task: Mapping[str, Any], zone: str | None) -> str:
    when = f", {_when(task, zone)}" if _when(task, zone) else ""
    what = _clip(str(task.get("request") or task.get("summary") or "task"), 80)
    return f"- {what} ({'done' if _succeeded(task) else 'failed'}{when})"


def _status_answer(context: Mapping[str, Any], period: str | None = None, empty: bool = False) -> str:
    """The person's own recent tasks (how many succeeded) and what was learned for them; with a
    `period` ("yesterday"), the tasks asked then (context holds only those), or, when there were
    none (`empty`), that, then the latest ones."""
    tasks = list(context.get("recent_tasks") or [])
    zone = context.get("timezone")
    said = _WEEKDAY_RE.sub(lambda m: m[0].capitalize(), (period or "").lower())  # "on Friday"
    if period and (empty or not tasks):
        latest = [_task_line(t, zone) for t in tasks[:5]] if empty else []
        return "\n".join(
            [f"You didn't ask me anything {said}.", *(["Your latest requests:", *latest] if latest else [])]
        )
    if period:
        done = sum(_succeeded(t) for t in tasks)
        things = "1 thing" if len(tasks) == 1 else f"{len(tasks)} things"
        head = f"{said[:1].upper()}{said[1:]} you asked me {things} ({done} done):"
        shown = [_task_line(t, zone) for t in tasks[:PERIOD_SHOWN]]
        more = [f"…and {len(tasks) - PERIOD_SHOWN} more."] if len(tasks) > PERIOD_SHOWN else []
        return "\n".join([head, *shown, *more])
    if not tasks:
        return "You have no recent tasks yet. Ask me to write a post, analyse data or build a dashboard."
    done = [t for t in tasks if _succeeded(t)]
    share = round(100 * len(done) / len(tasks))
    lines = [f"Your last {len(tasks)} tasks: {len(done)} of {len(tasks)} succeeded ({share}%)."]
    lines += [_task_line(task, zone) for task in tasks[:5]]
    learned = [_clip(str(item.get("content") or ""), 160) for item in context.get("learnings") or []][:3]
    if any(learned):
        lines += ["", "What I have learned for you:", *(f"- {item}" for item in learned if item)]
    return "\n".join(lines)


def _posts_answer(context: Mapping[str, Any]) -> str:
    """The person's recent post requests (from their own history), newest first, each with its date."""
    posts = [t for t in context.get("recent_tasks") or [] if t.get("skill") == SOCIAL_SKILL]
    if not posts:
        return (
            "I have not written any posts for you recently. Ask me for one, for example: "
            "“Write a LinkedIn post about our new office and schedule it for Monday at 10am”."
        )
    lines = [f"Your recent post requests (newest first, {len(posts)} of your last tasks):"]
    for task in posts[:8]:
        when = f"{_when(task, context.get('timezone'))}: " if task.get("created_at") else ""
        what = _clip(str(task.get("request") or task.get("summary") or "a post"), 100)
        lines.append(f"- {when}{what}{'' if _succeeded(task) else ' (did not go through)'}")
    lines.append("Posts waiting to go out are listed when you ask “show me my scheduled posts”.")
    return "\n".join(lines)


def _learned_answer(context: Mapping[str, Any]) -> str:
    """What was learned for the person (newest first), each with where it came from."""
    items = [item for item in context.get("learnings") or [] if str(item.get("content") or "").strip()]
    if not items:
        return (
            "I have not learned anything for you yet. When a request keeps failing I research how to "
            "fix it and keep what I find, with its sources; I also keep what you ask me to remember "
            '("remember that ..."). Both shape how I plan your next requests.'
        )
    lines = ["What I have learned for you (newest first):"]
    for item in items:
        links = [s.get("url") for s in item.get("sources") or [] if isinstance(s, Mapping) and s.get("url")]
        source = f" (from {', '.join(links[:2])})" if links else ""
        lines.append(f"- {_clip(str(item['content']), 200)}{source}")
    return "\n".join(lines)


def _connect_answer(user_id: str, platform: str | None) -> str:
    """How a person lets OpenAnalyst publish for them: a resource per platform in their folder."""
    shown = [platform] if platform in platforms.CREDENTIALS else list(platforms.CREDENTIALS)
    lines = [
        "To let me publish for you, add your account as a Windmill resource in your own folder (only "
        "you and the workspace admins can read it):"
    ]
    for name in shown:
        fields = ", ".join(f"`{f}`" for f in platforms.CREDENTIALS[name])
        lines.append(f"- {platforms.RULES[name].name}: `u/{user_id}/resources/{name}` with {fields}")
    lines.append(
        "Until then, a post you ask me to publish is kept as due in your outbox, and published once the "
        "account is connected."
    )
    return "\n".join(lines)


def _up_or_down_answer(url: str) -> str:
    """Whether a website is up: not something the chat looks at; a script of the person's own does."""
    return (
        f"I can't open websites from the chat. I can build you a script in your Windmill folder that "
        f"fetches the address and returns its status and what it answers, and run it whenever you like: "
        f"“Create a script that fetches {url}”. To check it regularly: “every 15 minutes fetch {url}” "
        "(each run's result is kept with its runs in your folder)."
    )


def _how_to_post_answer(platform: str | None) -> str:
    """How posting works here: say what the post is about, read the draft, then publish or schedule."""
    name = platforms.RULES[platform].name if platform in platforms.RULES else "LinkedIn"
    example = _example_post(platform, None, None)
    return (
        f"Tell me what the post is about and I write it for {name}, for example: {example}. You read "
        "the draft first; then say “post it now”, or when it should go out (“schedule it for Friday at "
        "9am”), or ask for changes (“make it shorter”, “more casual”). Publishing needs your account "
        f"connected: ask me “how do I connect my {name} account?”."
    )


def _scheduled_answer(posts: Sequence[ScheduledPost], day: str | None = None, day_said: str = "") -> str:
    """The person's posts waiting to go out, soonest first, each with its time in their timezone;
    those of `day` (an ISO date, "tomorrow" as `day_said`) when the question names one, and all of
    them, said so, when none goes out that day."""
    if not posts:
        return (
            "You have no posts scheduled. Ask me for one, for example: "
            '"Write a LinkedIn post about our Lisbon office opening and schedule it for Monday at 9am".'
        )
    on_day = [post for post in posts if day and post.local.date().isoformat() == day]
    count = counted(len(posts))
    if day and on_day:
        lines = [
            f"You have {counted(len(on_day))} scheduled for {day_said or day}:",
            *(post.line() for post in on_day),
        ]
        if len(on_day) < len(posts):
            lines.append(f"\n({count} scheduled in all: “what posts do I have coming up?” lists them.)")
    elif day:
        lines = [f"Nothing is scheduled for {day_said or day}. You have {count} scheduled:"]
        lines += [post.line() for post in posts]
    else:
        lines = [f"You have {count} scheduled:", *(post.line() for post in posts)]
    lines.append(f"\nTo stop one, tell me which, for example {(on_day or posts)[0].cancel_example()}.")
    return "\n".join(lines)


def _example_post(platform: str | None, topic: str | None, when: str | None) -> str:
    """A request for one post (scheduled when `when` is said), in the person's terms, to show what to ask."""
    name = platforms.RULES[platform].name if platform in platforms.RULES else "LinkedIn"
    article = "an" if name[:1] in "AEIOUX" else "a"  # an Instagram post, an X (Twitter) post
    scheduled = f" and schedule it for {when}" if when else ""
    return f"“Write {article} {name} post about {topic or 'our new feature'}{scheduled}”"


def _day_and_clock(iso: str | None, otherwise: str) -> str:
    """The day and time a person asked for, as they would say it ("Friday at 5pm"); `otherwise`
    when they named none."""
    if not iso:
        return otherwise
    moment = datetime.fromisoformat(iso)
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{moment:%A} at {moment.hour % 12 or 12}{minutes}{'am' if moment.hour < 12 else 'pm'}"


def _reminder_answer(platform: str | None, topic: str | None, when: str | None) -> str:
    """Reminders are not something OpenAnalyst sends; a scheduled post is what it can do instead
    (`when`: the time asked for, ISO, which the example keeps)."""
    return (
        "I can't send reminders: I only answer here, when you write to me. What I can do is write "
        "the post and schedule it to go out at that time, for example: "
        f"{_example_post(platform, topic, _day_and_clock(when, 'Friday at 4pm'))}. For something that "
        f"repeats, I can also build a schedule that runs one of your scripts, e.g. “{EXAMPLES[2]}”."
    )


def _repeat_answer(platform: str | None, topic: str | None, when: str | None) -> str:
    """A post that repeats is not something OpenAnalyst schedules: each post is written and scheduled
    once, so the same words never go out week after week (`when`: the next time asked for, ISO)."""
    return (
        "I schedule each post once, not the same post on repeat: the same words every week read as "
        "spam, and each post should say something new. Ask me for each one, for example: "
        f"{_example_post(platform, topic, _day_and_clock(when, 'Monday at 10am'))}."
    )


_NETWORK_NAMES = {"tiktok": "TikTok", "tik tok": "TikTok", "youtube": "YouTube", "whatsapp": "WhatsApp"}


def _elsewhere_answer(network: str, topic: str | None) -> str:
    """A network OpenAnalyst does not post to: which ones it does, and what it can do instead."""
    name = _NETWORK_NAMES.get(network.lower(), network[:1].upper() + network[1:].lower())
    return (
        f"I can't post to {name}: I write, schedule and publish posts for X (Twitter), LinkedIn, "
        f"Instagram and Facebook. I can still write the words for you to post on {name} yourself, for "
        f"example: “Write an Instagram caption about {topic or 'our new menu'}”."
    )


def _move_answer(scheduled: Sequence[ScheduledPost], platform: str | None, when: str | None) -> str:
    """Moving a scheduled post: cancelled, then scheduled again at the new time (`when`, ISO, the
    time asked for), said with their own waiting post (the platform's, if named) as the example."""
    again = f"“schedule it for {_day_and_clock(when, 'Thursday at 9am')}”"
    fits = [post for post in scheduled if platform in (None, post.platform)]
    if not fits:
        where = f" for {platforms.RULES[platform].name}" if platform in platforms.RULES else ""
        return (
            f"You have no posts scheduled{where}, so there is nothing to move. To schedule the post I "
            f"just wrote, say {again}."
        )
    return "\n".join(
        [
            "I move a scheduled post in two steps: cancel it, then schedule it again. Your scheduled posts:",
            *(post.line() for post in fits),
            f"\nSay {fits[0].cancel_example()}, then ask me to schedule it again, for example {again}.",
        ]
    )


def _manage_answer(
    about: str | None, user_id: str, scheduled: Sequence[ScheduledPost], intent: Intent
) -> str:
    """Acting on an earlier post: what the person can do now (never a new post they did not ask for)."""
    extra = intent.entities.extra
    if about == understanding.MOVE:
        return _move_answer(scheduled, intent.entities.platform, intent.entities.time)
    if about == understanding.SCHEDULED:
        day = extra.get("day")
        return _scheduled_answer(scheduled, str(day) if day else None, str(extra.get("day_said") or ""))
    if about == understanding.REMOVE:
        return (
            "I can't delete things from the chat. Everything I built for you is in your own Windmill "
            f"folder, `u/{user_id}/` (scripts, flows, apps, schedules): open it in Windmill and delete "
            "the item there. Only you and the workspace admins can."
        )
    if about == understanding.CANCEL:  # a post already out, or a schedule that is not a post's
        return (
            "A post that has already gone out can't be taken back from here: delete it on the platform "
            "itself. A post still waiting to go out I can cancel: name it, for example “cancel my "
            "LinkedIn post for Friday”, or ask “show my scheduled posts”. Other schedules (a report "
            f"that runs every week) are in your Windmill folder, `u/{user_id}/schedules/`: turn them "
            "off there."
        )
    return (
        "I can rework the post I just wrote in this conversation: shorter, in another tone or for another "
        "platform (“make it shorter”, “make it more casual”, “same for Instagram”). For other changes, or "
        "an older post, ask me for a new version with what to change, for example: “Write a longer "
        "LinkedIn post about our Lisbon office opening, with the opening hours”."
    )


def core_answer(
    intent: Intent,
    skills: Sequence[Mapping[str, Any]],
    context: Mapping[str, Any],
    update: Mapping[str, Any] | None = None,
    scheduled: Sequence[ScheduledPost] = (),
) -> str:
    """Help, status and preferences, answered from what is known (no job, no model).

    `update` is the context change a preferences request makes (applied by record_history); the
    intent's `about` narrows a status question ("learnings": what was learned, not the task list),
    its `period` says which days' tasks `context` holds ("yesterday"); `scheduled` are the person's
    waiting posts, read only when asked about."""
    intent_name, platform, topic = intent.name, intent.entities.platform, intent.entities.topic
    extra = intent.entities.extra
    about = extra.get("about")
    problems = [str(p) for p in extra.get("preference_problems") or []]
    if intent_name == "preferences":
        return _preferences_answer(context, update or {}, problems)
    if is_out_of_scope(intent_name):
        return out_of_scope_answer()
    user_id = str(context.get("user_id") or "<you>")
    if intent_name == "greeting" and about == understanding.THANKS:
        return "You're welcome! Ask me whenever you need a post, a report from your data or an automation."
    if intent_name == "help" and about == understanding.CONNECT:
        return _connect_answer(user_id, platform)
    if intent_name == "help" and about == understanding.UP_OR_DOWN:
        return _up_or_down_answer(str((extra.get("urls") or ["https://example.com"])[0]))
    if intent_name == "help" and about == understanding.HOW_TO_POST:
        return _how_to_post_answer(platform)
    if intent_name == "help" and about == understanding.REMIND:
        return _reminder_answer(platform, topic, intent.entities.time)
    if intent_name == "help" and about == understanding.REPEAT:
        return _repeat_answer(platform, topic, intent.entities.time)
    if intent_name == "help" and about == understanding.ELSEWHERE:
        return _elsewhere_answer(str(extra.get("network") or "that network"), topic)
    if intent_name == "manage_posts":
        return _manage_answer(about, user_id, scheduled, intent)
    if intent_name == "status" and about == understanding.LEARNINGS:
        return _learned_answer(context)
    if intent_name == "status" and about == understanding.POSTS:
        return _posts_answer(context)
    if intent_name == "status":
        return _status_answer(context, extra.get("period"), bool(extra.get("period_empty")))
    described = [
        f"- **{_skill_title(str(s['name']))}**: {_what_it_does(str(s.get('description') or ''))}"
        for s in skills
        if s.get("name") and s.get("name") != CORE_SKILL
    ]
    catalog = "\n".join(described) or (
        "- social media posts (write, schedule, publish, engagement)\n- data analysis and reports\n"
        "- building dashboards and workflows in your Windmill folder"
    )
    return (
        "I'm OpenAnalyst, your AI analyst. Ask in plain language and I plan the work, run it as "
        "Windmill jobs in your own folder, check the result and report back. I can help with:\n"
        f"{catalog}\n\nFor example:\n" + "\n".join(f'- "{e}"' for e in EXAMPLES)
    )


def plan_from_workflows(
    skill: Mapping[str, Any],
    user_id: str,
    request: str,
    intent: Mapping[str, Any] | None,
    context: Mapping[str, Any] | None,
    answers: Mapping[str, Any] | None = None,
) -> tuple[Plan, list[str]]:
    """The skill's workflow for this intent, with arguments filled; also the `requires` paths
    that resolved to nothing (the flow asks the person for them). Raises NoWorkflow."""
    intent = dict(intent or {})
    if answers:
        intent = with_answers(intent, answers)
    workflows = skill_workflows.skill_workflows(
        dict(skill.get("workflows") or {}), list(skill.get("scripts") or [])
    )
    workflow = skill_workflows.select_workflow(workflows, intent.get("name"))
    own = skill.get("source") == "custom"  # a person's own skill (the loader's `Skill.source`)
    if workflow is None and own and len(workflows) == 1:
        workflow = workflows[0]  # a person's own skill with one workflow: that is what it does
    if workflow is None and not workflows and own:
        answer = (
            f"Your skill {skill.get('name')} has no steps I can run without a model. Add a workflow to "
            "it, or ask again once an Anthropic key is configured."
        )
        return Plan(
            skill=str(skill.get("name")), rationale="offline: no workflow", mode="offline", answer=answer
        ), []
    if workflow is None and intent.get("name") in ("unknown", "help", "greeting"):
        plan = Plan(
            skill=str(skill.get("name") or "unknown"),
            rationale="offline: no skill serves this request",
            mode="offline",
            answer=out_of_scope_answer(),
        )
        return plan, []
    if workflow is None:
        names = ", ".join(w.name for w in workflows) or "none"
        raise NoWorkflow(
            f"skill {skill.get('name')} has no workflow for '{intent.get('name')}' (workflows: {names})"
        )
    asked = list((intent.get("entities") or {}).get("extra", {}).get("platforms") or [])
    if len(asked) > 1 and intent.get("name") in understanding.POST_INTENTS:
        steps, missing = [], []
        texts = dict(intent["entities"].get("extra", {}).get("texts") or {})  # "post them both": each's own
        for name in asked:  # the workflow once per platform named, its steps told apart by platform
            extra = {
                **intent["entities"].get("extra", {}),
                **({"text": texts[name]} if name in texts else {}),
            }
            each = {**intent, "entities": {**intent["entities"], "platform": name, "extra": extra}}
            more, lacking = workflow.plan(
                user_id=user_id, request=request, intent=each, context=dict(context or {})
            )
            steps += _suffixed(more, name)
            missing += [m for m in lacking if m not in missing]
    else:
        steps, missing = workflow.plan(
            user_id=user_id, request=request, intent=intent, context=dict(context or {})
        )
    if "entities.time" in missing and (intent.get("entities") or {}).get("extra", {}).get("past_time"):
        missing = [PAST_TIME if m == "entities.time" else m for m in missing]
    plan = Plan(
        skill=str(skill.get("name") or "unknown"),
        steps=steps,
        rationale=f"offline: workflow '{workflow.name}' of skill {skill.get('name')}",
        mode="offline",
    )
    return plan, missing


def _suffixed(steps: list[PlanStep], suffix: str) -> list[PlanStep]:
    """`steps` with ids `<id>_<suffix>`, and their `$steps.<id>` references renamed to match."""
    renamed = {step.id: f"{step.id}_{suffix}"[:40] for step in steps}

    def rename(value: Any) -> Any:
        if isinstance(value, str):
            for old, new in renamed.items():
                value = re.sub(rf"^\$steps\.{old}(?=\.|$)", f"$steps.{new}", value)
            return value
        if isinstance(value, dict):
            return {k: rename(v) for k, v in value.items()}
        if isinstance(value, list):
            return [rename(v) for v in value]
        return value

    return [step.model_copy(update={"id": renamed[step.id], "args": rename(step.args)}) for step in steps]


# The words of a request's form (what kind of post, where, when), not of its subject.
_FORM_WORDS = frozenset(
    (
        "a",
        "an",
        "the",
        "it",
        "this",
        "that",
        "and",
        "or",
        "for",
        "on",
        "at",
        "in",
        "to",
        "by",
        "of",
        "with",
        "me",
        "my",
        "our",
        "us",
        "please",
        "now",
        "next",
        "schedule",
        "post",
        "tweet",
        "write",
        "create",
        "draft",
        "make",
        "publish",
        "share",
        "caption",
        "thread",
        "update",
        "send",
        "linkedin",
        "twitter",
        "instagram",
        "facebook",
        "x",
        "today",
        "tomorrow",
        "tonight",
        "morning",
        "afternoon",
        "evening",
        "noon",
        "week",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "am",
        "pm",
    )
)


def _says_more_than_the_form(request: str) -> bool:
    words = re.findall(r"[a-z]+", request.lower())
    return any(w not in _FORM_WORDS and len(w) > 2 for w in words)


# Slots a model cannot fill for the person.
ONLY_THE_PERSON = ("entities.topic",)


def missing_first(
    skill: Mapping[str, Any],
    user_id: str,
    request: str,
    intent: Mapping[str, Any] | None,
    context: Mapping[str, Any] | None,
    answers: Mapping[str, Any] | None = None,
) -> list[str]:
    """What only the person can say, asked before a model plans: the topic the skill's workflow
    requires and nothing filled (a model can pick a time or a name, not what the post is about),
    and a time that has already passed (asked again, never moved)."""
    try:
        _plan, missing = plan_from_workflows(skill, user_id, request, intent, context, answers)
    except NoWorkflow:
        missing = []
    if _says_more_than_the_form(request):  # "...a post about it": a model reads the topic from the rest
        missing = []
    missing = [m for m in missing if m in ONLY_THE_PERSON]
    extra = ((intent or {}).get("entities") or {}).get("extra") or {}
    # a past time matters only for what is to go out ("last month" in a question about posts is a period)
    schedules = (intent or {}).get("name") in SCHEDULING_INTENTS
    if (
        schedules
        and extra.get("past_time")
        and not (answers or {}).get("time")
        and "entities.time" not in missing
    ):
        missing.append(PAST_TIME)
    return missing


def with_answers(intent: Mapping[str, Any], answers: Mapping[str, Any]) -> dict[str, Any]:
    """The intent with the person's answers filled in (answers win over what was guessed)."""
    entities = dict(intent.get("entities") or {})
    extra = dict(entities.get("extra") or {})
    for key, value in answers.items():
        if value in (None, ""):
            continue
        if key in {"platform", "topic", "time", "timezone", "dataset"}:
            entities[key] = value
        else:
            extra[key] = value
    entities["extra"] = extra
    return {**intent, "entities": entities}
