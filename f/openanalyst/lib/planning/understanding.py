"""Deterministic intent extraction: what is wanted, for which platform, about what, and when.

The canonical request "Create a Twitter post about AI trends and schedule it for tomorrow" gives
intent `create_and_schedule`, platform `twitter`, topic `AI trends`, and a time resolved in the
person's timezone. Rules first (no tokens); the model only refines what the rules left open.
"""

from __future__ import annotations

import functools
import json
import re
import zoneinfo
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import f.openanalyst.lib.datasets as datasets
import f.openanalyst.lib.lazy_re as lazy_re
import f.openanalyst.lib.planning.building as building
import f.openanalyst.lib.platforms as platforms
import f.openanalyst.lib.timeparse as timeparse
from f.openanalyst.lib.contracts import Entities, Intent
from f.openanalyst.lib.protocol import Attachment

# A time given as a day without an hour ("tomorrow") is scheduled at this local hour.
DEFAULT_HOUR = timeparse.DEFAULT_HOUR
WINDMILL_PATH_RE = lazy_re.compile(r"(?<![\w/])(?:f|u)/[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+")
# A bound on what is kept of a stated topic (the request itself is bounded by the protocol).
MAX_TOPIC_CHARS = 2000

_PLATFORMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("twitter", lazy_re.compile(r"\b(twitter|tweet(s|ed)?|x\.com|x post)\b|\b(?:on|for|to) X\b", re.I)),
    ("linkedin", lazy_re.compile(r"\blinked ?in\b", re.I)),
    ("instagram", lazy_re.compile(r"\b(instagram|insta|ig)\b", re.I)),
    ("facebook", lazy_re.compile(r"\b(facebook|fb)\b", re.I)),
)
_HELP_RE = lazy_re.compile(
    # "help" alone, not "help me write a tweet" (a request)
    r"^\s*(help(?!\s+(?:me|us)\s+\w)|\?|what can you do|how (do|can) i use (you|this)|commands"
    # a greeting alone ("hi there!"), not one before a request ("hi! can you draft a post ...")
    r"|(?:hi|hello)(?:\s+there)?(?=[\s!.,]*$))\b"
    # "remind me what you can do", "so what else can you do for us?" (the whole request asks it)
    r"|\b(?:what (?:else )?(?:can|could) you do|what you (?:can|could) do|how (?:can|could) you help"
    # "hi! what can you help me with?", "what do you do?", "what are you able to do?"
    r"|what (?:else )?(?:can|could) you help(?: me| us)? with|what do you do|what are you able to do)"
    r"(?: for)?(?: me| us)?(?=\s*[?.!]*\s*$)",
    re.I,
)
# "thanks!", "great, thank you": a reply, not a request.
_THANKS_RE = lazy_re.compile(
    r"^\s*(?:(?:ok(?:ay)?|great|perfect|awesome|nice|cool)[,!. ]*)?"
    r"(?:thanks?|thank you|thx|cheers)\b[^?]{0,40}$",
    re.I,
)
# "check https://acme.io and tell me if it's down": a look at a website now, which the chat does not
# do (the platform's jobs fetch no address a person names: their own script does, as them)
_UP_OR_DOWN_RE = lazy_re.compile(
    r"\b(?:is|if|whether|are)\b[^.?!]{0,40}\b(?:down|up|online|offline|reachable|working|responding|live)\b"
    r"|\b(?:check|ping|monitor)\b",
    re.I,
)
# "how do I post on linkedin?", "how to schedule a tweet": how posting works here, not a post (the
# whole request asks it; "how do I post about our launch on linkedin" names a topic)
_HOW_TO_POST_RE = lazy_re.compile(
    r"^\s*(?:(?:so|ok|okay|hey),?\s+)?how\s+(?:do|can|should|would)\s+(?:i|we|you)\s+|^\s*how\s+to\s+",
    re.I,
)
_HOW_TO_POST_TAIL_RE = lazy_re.compile(
    r"^(?:post|publish|tweet|share|schedule)(?:\s+(?:a|my|our)\s+(?:post|tweet|caption)s?)?"
    r"(?:\s+(?:on|to|in|with)\s+(?:the\s+)?(?:linkedin|twitter|x|instagram|insta|facebook|fb|here|this))?"
    r"(?:\s+(?:with|using)\s+(?:you|this|openanalyst))?\s*[?.!]*\s*$",
    re.I,
)
# "how do I connect my LinkedIn account?": how to let OpenAnalyst publish for them.
_CONNECT_RE = lazy_re.compile(
    r"\b(?:connect|link|hook up|add|set up)\b[^.?!]{0,30}"
    r"\b(?:accounts?|twitter|x|linkedin|instagram|facebook)\b",
    re.I,
)
# Acting on an earlier post ("cancel the post you scheduled", "make the last post shorter"): not a
# request for a new post.
# "actually, cancel it": the post this conversation scheduled, said as a pronoun
_CANCEL_IT = (
    r"^\W*(?:(?:actually|ok(?:ay)?|no|wait|hmm|please|pls|(?:can|could) you)[\s,]+)*"
    r"(?:cancel|unschedule|scrap)\s+(?:it|that|this)(?:\s+(?:one|post|tweet))?"
    r"(?:\s+(?:please|pls|instead|after all|for now))*[\s.!]*$"
)
_CANCEL_IT_RE = lazy_re.compile(_CANCEL_IT, re.I)
_CANCEL_RE = lazy_re.compile(
    rf"{_CANCEL_IT}|"
    r"\b(?:cancel|delete|remove|unschedule|undo)\b[^.?!]{0,40}\b(?:posts?|tweets?|schedules?|one)\b"
    # "stop the post for friday", not "stop using hashtags in my posts"
    r"|\bstop\s+(?:the|my|that|this|all|our)?\s*(?:scheduled\s+|next\s+|last\s+)?(?:posts?|tweets?|schedules?)\b",
    re.I,
)
# "move it to thursday", "can you reschedule my linkedin post?", "push the tweet back an hour"
_MOVE_RE = lazy_re.compile(
    r"\b(?:move|reschedule|postpone|push|delay|bring forward)\s+(?:back\s+)?(?:it|that|this|the\s+(?:\w+\s+)?"
    r"(?:post|tweet|caption)|my\s+(?:\w+\s+)?(?:post|tweet|caption)|(?:my|the)\s+scheduled\s+(?:post|tweet))\b"
    r"|\bchange\s+the\s+(?:time|day|date)\s+(?:of|for)\s+(?:it|that|the|my)\b",
    re.I,
)
_EDIT_RE = lazy_re.compile(
    r"\b(?:make|edit|change|shorten|rewrite|fix|redo|tweak)\b\s+(?:the|my|that|this|your|it)\b"
    r"(?:\s+(?:last|previous|latest|same))?(?:\s+(?:post|tweet|draft|one|caption))?\b"
    r"(?:\s+(?:shorter|longer|funnier|more\s+\w+|less\s+\w+))?",
    re.I,
)
_EARLIER_RE = lazy_re.compile(r"\b(?:last|previous|latest|that|same|it|you scheduled|you wrote)\b", re.I)
# "the tweet I posted", "the post that went out": one already published, which only the platform deletes
_PUBLISHED_RE = lazy_re.compile(
    r"\b(?:published|posted|went\s+out|gone\s+out|already\s+out|is\s+live|sent\s+out)\b", re.I
)
_CANCEL_ALL_RE = lazy_re.compile(r"\b(?:all|every|everything)\b", re.I)
_CANCEL_NEXT_RE = lazy_re.compile(r"\bnext\s+(?:scheduled\s+)?(?:posts?|tweets?|one)\b", re.I)
# What a CORE answer is about, beyond its intent (entities.extra["about"]).
THANKS, CONNECT, CANCEL, EDIT, SCHEDULED = "thanks", "connect", "cancel", "edit", "scheduled"
REMIND, REMOVE, REPEAT, ELSEWHERE, MOVE = "remind", "remove", "repeat", "elsewhere", "move"
HOW_TO_POST, UP_OR_DOWN = "how_to_post", "up_or_down"
# "can you post to tiktok?": a network OpenAnalyst does not write or publish for
_OTHER_NETWORK_RE = lazy_re.compile(
    r"\b(tik\s?tok|youtube|pinterest|reddit|snapchat|bluesky|mastodon|whatsapp|telegram|discord"
    r"|threads app)\b",
    re.I,
)
# "post to linkedin every monday at 10am ...": a post that repeats (each post is written once).
_EVERY_TIME_RE = lazy_re.compile(
    r"\b(?:every|each)\s+(?:day|morning|evening|week|month|weekday|(?:mon|tues|wednes|thurs|fri|satur|sun)day)s?\b",
    re.I,
)
_PERIODIC_WORD_RE = lazy_re.compile(r"\b(?:daily|weekly|monthly)\b", re.I)
# "delete my dashboard", "remove the script you made": items of theirs, deleted in Windmill.
_REMOVE_RE = lazy_re.compile(
    r"\b(?:delete|remove|get rid of|trash)\b[^.?!]{0,40}\b(?:dashboards?|apps?|scripts?|flows?|"
    r"automations?|skills?|reports?|jobs?)\b"
    # "delete everything you created for me", "remove all the stuff you made"
    r"|\b(?:delete|remove|get rid of|trash)\s+(?:everything|all\s+(?:of\s+)?(?:it|that|the\s+\w+))\b",
    re.I,
)
# "remind me every friday to post our recap": OpenAnalyst answers in the chat, it sends no reminders.
_REMIND_RE = lazy_re.compile(
    # "remind me what time my post goes out" asks a question; it sets no reminder
    r"\bremind\s+(?:me|us)\b(?!\s+(?:what|when|which|how|where|who)\b)"
    r"|\b(?:set|setup|set up|create)\s+(?:a\s+)?reminders?\b",
    re.I,
)
# "show me my scheduled posts", "what's in my queue?", "which tweets are going out this week?"
_SCHEDULED_RE = lazy_re.compile(
    building.SCHEDULED_POSTS
    + r"|\bposts?\s+(?:are\s+|i\s+have\s+)?(?:scheduled|queued|going out|coming up)\b"
    r"|\b(?:my|the)\s+(?:post(?:ing)?\s+)?queue\b|\bwhat(?:'s| is)\s+scheduled\b"
    r"|^(?:is|are)\s+(?:there\s+)?(?:anything|any\s+posts?)\s+(?:scheduled|going out|coming up)\b"
    r"|\bwhat(?:'s| is)\s+on\s+my\s+(?:posting\s+)?(?:schedule|calendar)\b"
    r"|\b(?:posts?|tweets?)\s+(?:do|did|have)\s+(?:i|we)\s+(?:have\s+)?(?:got\s+)?"
    r"(?:scheduled?|queued?|lined up|coming up|going out|planned)\b"
    r"|\b(?:posts?|tweets?)\s+(?:goes|go|going|will go)\s+out\b",  # "what time my post goes out"
    re.I,
)
# "a post about our weekly newsletter": the repeating word is the topic's, not the schedule's
# ("every friday at 5pm about our weekly specials" still repeats: `_repeats`).
_POSTS_ABOUT_REPEAT = lazy_re.compile(
    r"\babout\s+(?:our|my|the|a|this)?\s*(?:daily|weekly|monthly)\b|\b(?:daily|weekly|monthly)\s+"
    r"(?:recap|newsletter|digest|update|roundup|tip|report|challenge|special|deal)s?\b(?!.*\bevery\b)",
    re.I,
)
# "draft 3 tweets about ...", "give me two versions": how many drafts to offer.
_DRAFTS_RE = lazy_re.compile(
    r"\b(?P<n>[2-5]|two|three|four|five)\s+(?:different\s+|more\s+|short\s+|alternative\s+)?"
    r"(?:(?:linkedin|instagram|facebook|twitter|x|fb|ig)\s+)?"  # "3 linkedin posts"
    r"(?:tweets|posts|captions|versions|drafts|options|variations|variants|ideas"
    r"|(?:tweet|post|caption)\s+(?:ideas|options|drafts))\b",  # "3 tweet ideas"
    re.I,
)
_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5}
# A sentence before a post request that names no topic of its own ("... a post to celebrate?",
# "... write a tweet about it", "... write something for facebook?"): what the post is about.
_SAID_BEFORE_RE = lazy_re.compile(
    # "2.5" or "acme.io/jobs" stay in the sentence; a full stop, "!" or a dash ends it
    # ", write a linkedin post about it": a comma before the ask to write ends it too
    r"^(?P<said>[^.?!]{8,}?(?:[.!](?=[\w/])[^.?!]*?)*)"
    r"(?:[.!]+|\s+[-–—]+|,(?=\s+(?:(?:can|could|would)\s+you\s+|please\s+)?(?:write|draft|make|create|compose)\b))\s+"
    r"(?P<ask>[^.?!]*\b(?:(?:post|tweet|caption|update|thread)s?|something)\b[^.?!]*)[.?!]*$",
    re.I,
)
# What a topic pattern can catch that says nothing: a particle or a pronoun alone.
_NOT_A_TOPIC = frozenset(("up", "out", "me", "us", "you", "them", "there", "here", "so", "too"))
NO_TOPIC = frozenset(("it", "this", "that", "celebrate", "the news", "this news", "that news"))
# A sentence after a post request that says nothing else: what the post is about.
_SAID_AFTER_RE = lazy_re.compile(
    r"\b(?:post|tweet|caption|update|thread)\b[^.?!]{0,30}[?!.:]\s+(?P<rest>\S[^?]{3,})$", re.I
)
# Asking for a post to be written or sent ("write", "draft", "post about"), not about posts' numbers
_CREATE_VERBS = r"create|write|draft|compose|make|generate|tweet|share|announce|publish"
_WRITE_OR_POST_RE = lazy_re.compile(rf"\b(?:{_CREATE_VERBS})\b|\bpost\s+(?:about|on|to|this|that|it)\b", re.I)
_WRITE_RE = lazy_re.compile(r"\b(?:create|write|draft|compose|generate)\b", re.I)  # "write ... scheduled ..."
# "what have you learned (about my posts)?": the person's learnings, not their task list.
_LEARNED_RE = lazy_re.compile(r"\blearn(?:ed|t|ings?)?\b", re.I)
LEARNINGS = "learnings"
# "What did I post last week?", "show me my recent posts": the person's own post requests, not a new post.
POSTS = "posts"
_POSTED_RE = lazy_re.compile(
    r"\bwhat (?:did|have) (?:i|we) (?:post(?:ed)?|publish(?:ed)?|share[d]?|tweet(?:ed)?)\b"
    r"|\b(?:show|list|see)\b.*\bmy (?:recent |past |last |previous |old )?posts\b"
    # "what's my most recent post?", "show me my last tweet"
    r"|\b(?:what(?:'s| is| was)|show(?: me)?|see)\s+(?:my|our)\s+"
    r"(?:most recent|latest|last|newest|previous)\s+(?:posts?|tweets?)\b",
    re.I,
)
_STATUS_RE = lazy_re.compile(
    r"^\s*(status|what('?s| is) (running|the status)|my (tasks|jobs|history))\b", re.I
)
# Questions about what OpenAnalyst did or learned for the person: answered from their own history.
_HISTORY_RE = lazy_re.compile(
    # "remind me what I asked you yesterday", "what was my last request?"
    r"\b(what (?:did|have) you (?:do|done|learn(?:ed|t)?)|what (?:did|have) i (?:ask(?:ed)?|request(?:ed)?)"
    r"|what i (?:asked|requested|said)(?: you)?|what was my (?:last|previous) (?:request|question|message)"
    # "what did we talk about yesterday?", "what were we talking about?"
    r"|what (?:did|have) (?:we|you and i|i and you) (?:talk(?:ed)?|discuss(?:ed)?|chat(?:ted)?)(?: about)?"
    r"|what (?:were|was) (?:we|i) (?:talking|chatting) about"
    # "a summary of what you did for me this week", "recap my activity this month"
    r"|what you(?:'ve| have)? (?:did|done|learn(?:ed|t)?)"
    r"|(?:summary|summari[sz]e|recap)\s+(?:of\s+)?my\s+(?:activity|requests|week|day|month)"
    r"|my (?:recent |past |last )?(?:tasks|requests|jobs|history)|how many (?:of my )?(?:tasks|requests))\b",
    re.I,
)
# "analyse my activity this month", "a report of how I use OpenAnalyst": their record of tasks.
_ACTIVITY_RE = lazy_re.compile(
    r"\b(?:my|our)\s+(?:\w+\s+)?(?:activity|usage|runs)\b|\bhow (?:i|we) use\b|\bopenanalyst\b", re.I
)
_CREATE_RE = lazy_re.compile(rf"\b({_CREATE_VERBS}|post)\b", re.I)  # "post" too: "post on linkedin that ..."
_POST_NOUN_RE = lazy_re.compile(r"\b(posts?|tweets?|threads?|captions?|update|content)\b", re.I)
_SCHEDULE_RE = lazy_re.compile(r"\b(schedule|publish|queue|post it|send it|on the schedule)\b", re.I)
# "help me announce that we're opening in brooklyn", "i want to promote our workshop": news to tell
# their followers, which is a post even when no post or platform is named
_ANNOUNCE_ASK_RE = lazy_re.compile(
    r"^\W*(?:(?:hey|hi|so|ok),?\s+)?(?:(?:can|could|would) you\s+|please\s+|pls\s+)?"
    r"(?:help\s+(?:me|us)\s+(?:to\s+)?|(?:i|we)\s+(?:want|need|would like|'d like)\s+to\s+)?"
    r"(?:announce|promote|advertise|publici[sz]e|tell\s+(?:our|my)\s+(?:followers|customers|audience))\b",
    re.I,
)
_SCHEDULE_IT_RE = lazy_re.compile(
    r"^\s*(?:please\s+|can you\s+|pls\s+)?(?:schedule|queue)\s+(?:it|this|that)\b", re.I
)
_PUBLISH_NOW_RE = lazy_re.compile(
    r"\b(?:publish|post|tweet|share) (?:it|this)\b.*\bnow\b|\b(?:publish|post|tweet)\b[^.:]*\bnow\s*[:.!]",
    re.I,
)
_ENGAGEMENT_RE = lazy_re.compile(
    r"\b(engagement|how did (?:these|my|our) (?:posts|tweets)|(?:posts?|tweets?) (?:do|did|perform(?:ed)?)|"
    r"how many (?:followers|likes|views|impressions)|"  # numbers only the platform's export holds
    r"best time (?:for me )?to post|"
    r"(?:best|top|worst)[- ](?:performing )?posts|which (?:of my )?posts)\b",
    re.I,
)
# "tweet this: We just shipped dark mode!", "post this on LinkedIn: ...": the post as written.
_OWN_TEXT_RE = lazy_re.compile(
    r"^(?:please\s+)?(?:(?:tweet|post)(?=\s*:)"
    r"|(?:tweet|post|share|publish|schedule)\s+(?:this|the following)(?:\s+(?:tweet|post))?"
    r"|(?:turn|make)\s+(?:this|the following)\s+into\s+an?\s+(?:\w+\s+)?(?:tweet|post|caption))"
    r"(?:\s+(?:on|to|for|at)\s+[^:\n]{1,40})?(?:\s+(?:for me|now))?\s*:\s*(?P<text>\S.*)$",
    re.I | re.S,
)
# "make this tweet shorter: We are thrilled to announce ...", "can you shorten this? ...": the
# person's own words, made shorter (a day in them is what the post says, not when to send it).
_SHORTER_OWN_RE = lazy_re.compile(
    r"^(?:(?:please|pls|plz)\s+)?(?:(?:can|could|would)\s+you\s+)?(?:(?:please|pls|plz)\s+)?"
    r"(?:(?:make|get)\s+[^:?\n]{1,40}?\s+(?:shorter|tighter|more\s+concise|briefer)"
    r"|(?:shorten|trim|tighten)(?:\s+[^:?\n]{1,40}?)?)"
    r"(?:\s+(?:for\s+me|please|pls))?\s*[:?]\s*(?P<text>\S.{19,})$",
    re.I | re.S,
)
# The share of their own text a shorter version aims at.
OWN_TEXT_SHORTER = 3 / 4
# "what's the best time to post on LinkedIn?": a question about their posts, however phrased.
# "what was my most popular post last week?": which of their posts did well.
_POSTS_QUESTION_RE = lazy_re.compile(
    r"\b(?:best|right|ideal|good) (?:time|day|hour)s? (?:for me )?to post\b"
    # "what were my best posting times?", "when do my posts do best?"
    r"|\b(?:best|worst|top)\s+(?:posting|post)\s+(?:times?|days?|hours?)\b"
    r"|\b(?:most|least) (?:popular|liked|viewed|shared|engaging|successful|commented) (?:posts?|tweets?)\b"
    # "what's my best performing platform?"
    r"|\b(?:best|top|worst)[- ]performing (?:platform|network|channel|post|tweet)s?\b"
    # "how are my linkedin posts doing?", "how is our instagram content performing?"
    r"|^(?:so\s+)?how (?:are|is|were|was|'re|'s)\s+(?:my|our)\s+(?:\w+\s+){0,2}"
    r"(?:posts?|tweets?|captions?|content)\s+(?:doing|performing|going|landing|faring)\b",
    re.I,
)


def _repeats(text: str) -> bool:
    """Does the request ask for posts on a repeating schedule ("every Friday at 5pm", "daily")?"""
    return bool(_EVERY_TIME_RE.search(text)) or bool(
        _PERIODIC_WORD_RE.search(text) and not _POSTS_ABOUT_REPEAT.search(text)
    )


def _asks_about_posts(text: str) -> bool:
    """A question about when to post or which post did well (not a post about "the best time to post")."""
    return bool(
        _POSTS_QUESTION_RE.search(text)
        and re.search(r"\?\s*$|^\s*(?:so\s+)?(?:what|when|which|how)\b", text, re.I)
    )


# "give me a weekly report ... every Monday" asks for something delivered on a schedule too
_RUN_RE = lazy_re.compile(
    r"\b(run|fetch|send|check|email|script|flow)\b"
    r"|\b(?:give\s+me|set\s+up|schedule)\s+(?:a|an|my|the)?\s*(?:\w+\s+)?"
    r"(?:report|summary|digest|recap|overview)\b",
    re.I,
)
_RECURRING_RE = lazy_re.compile(r"\b(every|each|daily|weekly|hourly|weekdays?|cron)\b", re.I)
_URL_RE = lazy_re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s<>\"')]+", re.I)
CHART_KIND_RE = lazy_re.compile(r"\b(?P<kind>pie|bar|line|scatter)\s*(?:chart|graph|plot)s?\b", re.I)
_ANALYZE_RE = lazy_re.compile(
    r"\b(analy[sz]e|analysis|metrics|report|trend(s)? in|compare|chart|insights?)\b", re.I
)
# "how many people visited our site last month?", "what was our conversion rate?": a question about
# the person's own numbers, which they have not given yet
_METRIC_QUESTION_RE = lazy_re.compile(
    r"^(?=.*\b(?:our|my|we|us)\b)"
    r"(?=.*\b(?:visit(?:s|ed|ors?)?|traffic|revenue|sales|sold|sign-?ups?|signed up|conversions?|"
    r"conversion rate|customers?|orders?|churn|downloads?|subscribers?|leads?|bookings?|profit|income|"
    r"spend|spent|clicks|ctr|open rates?|bounce rate|selling|best-?sellers?)\b)"
    r"\W*(?:(?:so|and|hey|ok),?\s+)?(?:how\s+(?:many|much)|what(?:'s|\s+(?:was|were|is|are))|did\s+we)\b",
    re.I,
)
_BUILD_RE = lazy_re.compile(
    # "i need a dashboard with ...", "give me an app for ..." ask for one too
    r"\b(build|create|make|write|set up|need|want|give)\b(?:\s+(?:me|us))?\s+(?:a|an|my|the|new)?\s*"
    r"(?:[\w-]+\s+){0,2}?"
    r"(dashboard|app|workflow|script|automation|flow|skill)\b",
    re.I,
)
# Where a post's topic starts: "about X", "post: X", "a caption for X", "for launching X",
# "that X", "announcing X" (strongest first).
_TOPIC_STARTS = (
    # "a caption for our new podcast episode with Dr. Lee about sleep": the episode is the news
    lazy_re.compile(
        r"\b(?:caption|post|tweet|update|thread)s?\s+(?:for|on)\s+(?P<t>(?:our|my|the)\s+(?:[\w.'-]+\s+){0,4}?"
        r"(?:episode|podcast|webinar|talk|video|article|blog post|course|workshop|class|interview|panel|"
        r"livestream|newsletter)\b[^,;\n]*?\babout\b.+)",
        re.I,
    ),
    lazy_re.compile(r"\b(?:about|on the topic of|regarding|covering)\s+(?P<t>.+)", re.I),
    # "a tweet for friday 10am saying our store is closed on saturday"
    lazy_re.compile(r"\b(?:saying|(?:that|which)\s+says|to say)\s+(?:that\s+)?(?P<t>.+)", re.I),
    # "post: X", "a tweet for our launch: X" (not "a post announcing our hours: closed on the 25th",
    # whose topic is before the colon and its details after)
    # (nor "post our holiday hours on facebook: dec 24 9-2, ...": what is posted is named first)
    lazy_re.compile(
        r"\b(?:post|tweet|caption|update|thread)\b(?!\s+(?:our|my)\b)(?:(?!\b(?:about|announcing|celebrating|"
        r"introducing|launching|promoting|inviting)\b)[^:\n]){0,40}:\s*(?P<t>.+)",
        re.I,
    ),
    lazy_re.compile(r"\bnow:\s*(?P<t>.+)", re.I),
    # "caption this photo of our new espresso machine"
    lazy_re.compile(
        r"\bcaption\s+(?:this|that|the|our|my)\s+(?:photo|picture|pic|image|video|reel|shot)\s+of\s+(?P<t>.+)",
        re.I,
    ),
    lazy_re.compile(r"\bfor\s+(?P<t>(?:launching|announcing|celebrating|introducing)\b.+)", re.I),
    lazy_re.compile(r"\b(?:caption|post|tweet|update)s?\s+(?:for|on)\s+(?P<t>(?:our|my|the|a|an)\b.+)", re.I),
    # "2 tweets for black friday": an occasion, not a person, a platform or a day to send on
    lazy_re.compile(
        r"\b(?:caption|post|tweet|update)s?\s+for\s+(?!(?:me|us|him|her|them|my|our|the|a|an|it|this|that|"
        r"twitter|linkedin|instagram|facebook|x|today|tonight|tomorrow|next|\d|"
        r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|every|each)\b)(?P<t>[a-z][\w'’-]*(?:\s+[\w'’.-]+)*)",
        re.I,
    ),
    # the gerund is the news: "launching our app", "celebrating 10k users" keep their verb
    lazy_re.compile(
        r"\b(?P<t>(?:announcing|inviting|celebrating|introducing|launching|sharing|welcoming|thanking|"
        r"promoting|mocking|teasing|recapping|letting|telling|informing|reminding|wishing)\b.+)",
        re.I,
    ),
    # "help me announce our Black Friday deal", "promote our webinar": what is announced
    lazy_re.compile(
        r"\b(?:announce|promote|advertise|tease|celebrate|introduce)\s+(?P<t>(?:our|my|the|a|an)\b.+)", re.I
    ),
    lazy_re.compile(r"\bthat\s+(?P<t>.+)", re.I),
    # "tweet five lessons from our first year": what follows the post noun
    lazy_re.compile(
        r"\b(?:post|tweet|caption|thread)\s+(?!(?:about|on|for|to|it|this|that|and|now)\b)(?P<t>\w.+)", re.I
    ),
    # "our sale ends Sunday, post it on linkedin friday": what comes before "post it"
    lazy_re.compile(
        r"^(?P<t>[^,;]{4,}?),?\s+(?:and\s+)?(?:post|tweet|share|schedule|publish)\s+(?:it|this|that)\b", re.I
    ),
)
# A request that opens with a post noun asks for a post ("a witty caption for our new blend").
_LEADING_POST_RE = lazy_re.compile(r"^\s*(?:an?\s+)?(?:[\w-]+\s+){0,2}(?:post|tweet|caption|thread)\b", re.I)
# Where a topic ends: scheduling, tone, platform and call-to-action clauses.
_TOPIC_ENDS = lazy_re.compile(
    r"\s*(?:,(?!\d)|;|\band\s+(?:then\s+)?(?:schedule|post|publish|send|end|share)\b|\bthen\b|"
    r"\bkeep it\b|\bmake it\b|\bin an?\s+\w+\s+tone\b|\bwith hashtags\b|\bon the schedule\b|"
    r"\b(?:on|for|to)\s+(?:twitter|linkedin|instagram|facebook|x)\b|\bend with\b|\n|"
    r":?\s*\b(?:mention(?:ing)?|including|key points?|highlight(?:ing)?)\b|\s[-*\u2022]\s).*$",
    re.I | re.S,
)
_TRAILING_WORDS_RE = lazy_re.compile(
    r"(?:\s+(?:for|at|on|in|by|to|and|this|next|the|please|pls|thanks))+\s*$", re.I
)
_CTA_RE = lazy_re.compile(r"\b(?:end|finish|close)\s+with:?\s*['\"]?(?P<cta>[^'\"\n]+?)['\"]?\s*$", re.I)
_AUDIENCE_RE = lazy_re.compile(
    r"\bfor\s+(?P<a>(?:CTOs?|CEOs?|founders|developers|engineers|marketers|"
    r"data \w+|[A-Z]{2,5}s))\b"
)
# "my orders table in postgres", "analyse the table sales in our database"
_DB_TABLE_RE = lazy_re.compile(
    r"\btable\s+[\"'`]?(?P<a>[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)?)[\"'`]?\s+(?:in|from|of)\s+(?:my\s+|our\s+|the\s+)?"
    r"(?:postgres(?:ql)?|database|db)\b"
    r"|\b(?:postgres(?:ql)?|database|db)\s+table\s+[\"'`]?(?P<b>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?)"
    r"|\b(?P<c>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?)\s+table\s+(?:in|from|of)\s+(?:my\s+|our\s+|the\s+)?"
    r"(?:postgres(?:ql)?|database|db)\b",
    re.I,
)
_DATASET_RE = lazy_re.compile(r"\b[\w.-]+\.(?:csv|xlsx|xls|json|parquet|tsv)\b", re.I)
# Points a post must make, in the person's words: "mention X, Y and Z", "key points: ...", or a list.
_POINTS_RE = lazy_re.compile(
    r"\b(?:mention(?:ing)?|include|including|cover(?:ing)?|key points?:?|highlight(?:ing)?)\s+"
    r"(?P<points>[^.;\n]+)",
    re.I,
)
_LIST_ITEM_RE = lazy_re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s+(?P<item>.+?)\s*$", re.M)


def _time_in(clause: str) -> str | None:
    """The time a clause names when naming it is all the clause does ("maybe wednesday 11am")."""
    bare = re.sub(
        r"^(?:maybe|perhaps|ideally|preferably|around|say)\s+", "", clause.strip(" .!?"), flags=re.I
    )
    try:
        found = timeparse.find_time(bare, "UTC", None)
    except timeparse.TimeParseError:
        return None
    return found.text.lower() if found and len(bare.split()) <= len(found.text.split()) + 1 else None


def key_points(request: str) -> list[str]:
    """The points a person asked a post to make (list items, or "mention A, B and C"), at most 5."""
    items = [m["item"] for m in _LIST_ITEM_RE.finditer(request)]
    if not items and (found := _POINTS_RE.search(request)):
        clause = _CTA_RE.sub("", found["points"]).strip(" ,:")
        items = re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+", clause)
    items = [" ".join(i.split()).rstrip(".") for i in items]
    return [i for i in items if i and not _HOW_POINT.match(i)][:5]


# A clause in a list of points that says how to write or send the post ("keep it casual",
# "schedule it for Friday", "on LinkedIn"), not something the post says.
_HOW_POINT = lazy_re.compile(
    r"^(?:and\s+)?(?:then\s+)?(?:(?:keep|make)\s+it|schedule|post\s+it|publish|send\s+it|share\s+it|"
    r"(?:end|finish|close)\s+with|(?:use|add|with)\s+(?:some\s+)?hashtags|in\s+an?\s+\w+\s+tone|"
    r"(?:on|for|to)\s+(?:twitter|linkedin|instagram|facebook|x)\b|please|thanks?)\b",
    re.I,
)


# The tones create_post writes in, for the words people use.
TONES = {
    "professional": "professional",
    "formal": "professional",
    "serious": "professional",
    "casual": "casual",
    "friendly": "casual",
    "relaxed": "casual",
    "fun": "casual",
    "lighthearted": "casual",
    "light-hearted": "casual",
    "funny": "witty",
    "funnier": "witty",
    "humorous": "witty",
    "witty": "witty",
    "playful": "witty",
    "enthusiastic": "enthusiastic",
    "excited": "enthusiastic",
    "exciting": "enthusiastic",
    "energetic": "enthusiastic",
    "hyped": "enthusiastic",
    "inspirational": "enthusiastic",
    "bold": "enthusiastic",
    "upbeat": "enthusiastic",
    "informative": "informative",
    "educational": "informative",
    "cozy": "casual",
    "cute": "casual",
    "cosy": "casual",
    "warm": "casual",
    "heartfelt": "casual",
}
# A tone word in a request; "fun" only where it is the tone ("a fun post", "make it fun"), not
# "fun facts about ...". Built from TONES, so a word added there is read here.
_TONE_RE = lazy_re.compile(
    r"(?<!-)\b("  # not the end of a compound ("remote-friendly" says what the job is, not the tone)
    + "|".join(re.escape(w) for w in sorted(TONES, key=len, reverse=True) if w != "fun")
    + r"|fun(?=\s+(?:tone|post|caption|tweet|one|version)\b|\s*[,.!?]?\s*$)|(?<=\bit\s)fun)\b",
    re.I,
)

# "show my settings", "what's my timezone?": what is set, answered from the person's context
_PREFS_RE = lazy_re.compile(r"\b(my (preferences|settings|time\s?zone)|preferences|settings)\b", re.I)
# "Europe/Paris", or a city of up to three words ("new york", "sao paulo")
_ZONE_NAME = r"([A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+){0,2}(?:\s+[A-Za-z]+){0,2})"
_TZ_SET_RE = lazy_re.compile(
    r"\b(?:(?:set|change|update|switch)\s+my\s+time\s?zone\s+to|my\s+time\s?zone\s+is)\s+" + _ZONE_NAME,
    re.I,
)
_TONE_PREF_RE = lazy_re.compile(
    r"\b(?:i\s+prefer|i\s+like|i\s+want|always\s+use|use)\s+(?:a|an)?\s*([a-z]+)\s+tone\b"
    r"|\b(?:set|change)\s+my\s+(?:default\s+)?tone\s+to\s+(?:a|an)?\s*([a-z]+)\b",
    re.I,
)
_PLATFORM_PREF_RE = lazy_re.compile(r"\bmy\s+default\s+platform\s+(?:to|is)\s+(\w+)", re.I)
# "an instagram post about our vegan menu with lots of emojis": how to write it (lively), not its subject
_EMOJIS_RE = lazy_re.compile(
    r",?\s*\b(?:with|using|and\s+(?:use|add))\s+(?:lots\s+of\s+|plenty\s+of\s+|loads\s+of\s+|many\s+|some\s+"
    r"|a\s+few\s+|a\s+bunch\s+of\s+)?emojis?\b",
    re.I,
)
# "stop using hashtags in my posts", "no hashtags please"; "use hashtags again"
_NO_HASHTAGS_RE = lazy_re.compile(
    r"\b(?:stop\s+(?:using|adding|putting)|(?:don'?t|do\s+not|never)\s+(?:use|add|put|include)|no(?:\s+more)?|without)"
    r"\s+(?:any\s+)?hashtags\b",
    re.I,
)
_HASHTAGS_AGAIN_RE = lazy_re.compile(
    r"\b(?:(?:start|go\s+back\s+to)\s+(?:using|adding)|(?:use|add|include)\s+(?:some\s+)?)hashtags\s+(?:again|from\s+now)\b",
    re.I,
)
_REMEMBER_RE = lazy_re.compile(r"\b(?:remember\s+that|custom\s+instructions?\s*:)\s+(.+)$", re.I)


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


def _zone_name(raw: str) -> str | None:
    """An IANA zone name as written or in its usual capitalisation ("europe/paris"), or the zone a
    city names ("new york" -> America/New_York), if it exists; words after it ("paris please")
    are not part of it."""
    words = raw.split()
    for said in (" ".join(words[:n]) for n in range(len(words), 0, -1)):
        for candidate in (
            said,
            "/".join(
                p if p.isupper() else "_".join(w.capitalize() for w in p.split("_")) for p in said.split("/")
            ),
        ):
            try:
                ZoneInfo(candidate)
                return candidate
            except (ZoneInfoNotFoundError, ValueError):
                continue
        if zone := _zones_by_city().get(said.lower()):
            return zone
    return None


@functools.cache
def _zones_by_city() -> dict[str, str]:
    """IANA zones by their city in words ("new york": America/New_York), from the zone database;
    the first zone of a city name wins (sorted: America/ before Etc/ and US/ aliases are not cities)."""
    cities: dict[str, str] = {}
    for zone in sorted(zoneinfo.available_timezones()):
        region, _, city = zone.rpartition("/")
        if region and region not in ("Etc", "US", "SystemV") and not region.startswith("posix"):
            cities.setdefault(city.replace("_", " ").lower(), zone)
    return cities


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
        word = (m.group(1) or m.group(2)).lower()
        preferences["tone"] = tone_of(word) or word
    one_post = _WRITE_RE.search(text) or re.search(r"\babout\b", text, re.I)  # "a tweet about X, no hashtags"
    if _NO_HASHTAGS_RE.search(text) and not one_post:
        preferences["hashtags"] = "none"
    elif _HASHTAGS_AGAIN_RE.search(text) and not one_post:
        preferences["hashtags"] = "suggested"
    if (m := _PLATFORM_PREF_RE.search(text)) and (
        platform := next((n for n, p in _PLATFORMS if p.fullmatch(m.group(1))), None)
    ):
        preferences["platform"] = platform
    if preferences:
        update["preferences"] = preferences
    if m := _REMEMBER_RE.search(text):
        update["custom_instructions"] = m.group(1).strip()[:2000]
    return update, problems


def tone_of(word: str | None) -> str | None:
    """create_post's tone for a word a person used ("formal" -> professional), or None."""
    return TONES.get((word or "").strip().lower())


_PICTURE_OF = lazy_re.compile(
    r"^(?:an?|the|this|our|my)\s+(?:photo|picture|pic|image|video|reel|shot|selfie)\s+of\s+", re.I
)


_PICTURE_AFTER = lazy_re.compile(r"(?<=\w)\s+(?:photo|picture|pic|image|video|reel|shot|selfie)s?$", re.I)

# "a post inviting people to our open day": the post invites; what to is its subject.
_INVITING = lazy_re.compile(
    r"^(?:inviting|invite)\s+(?:people|everyone|everybody|you|all|folks|(?:our|my)\s+[\w-]+)\s+to\s+(?=\S)"
    # "reminding people our cafe is closed on monday": what they are reminded of is the news
    r"|^(?:reminding|remind)\s+(?:people|everyone|everybody|you|all|folks|(?:our|my)\s+[\w-]+)\s+"
    r"(?:that\s+|of\s+|about\s+)?(?=\S)"
    # "letting people know we're closed on christmas eve": what they are told is the news
    r"|^(?:letting|let|telling|tell|informing|inform)\s+(?:people|everyone|everybody|you|all|folks|customers|"
    r"followers|fans|(?:our|my)\s+[\w-]+)\s+(?:know\s+)?(?:that\s+|about\s+)?(?=\S)",
    re.I,
)


# "(3 short) ideas for ...", "some options for ...": the posts asked for, not what they are about
# (but "a post about ideas for growing a small business" is about the ideas)
_POST_IDEAS_RE = lazy_re.compile(
    r"\b(?:post|tweet|caption|content)s?\s+(?:ideas|suggestions|options)\b", re.I
)
_IDEAS_FOR = lazy_re.compile(
    r"^(?:(?:some|a few|\d+|two|three|four|five)\s+)?(?:short\s+|quick\s+)?"
    r"(?:ideas?|suggestions?|options?|examples?)\s+(?:for|about|on)\s+(?=\S)",
    re.I,
)


def _topic(text: str, time_text: str | None = None, *, details: bool = False) -> str | None:
    """What a post is about, however it is phrased; None when the request does not say. What a
    colon adds ("our holiday hours: closed on the 25th") is the post's details, kept only when
    `details` is set (the whole span the topic covers)."""
    ideas = _POST_IDEAS_RE.search(text) is not None  # "3 tweet ideas for national coffee day": about the day
    for pattern in _TOPIC_STARTS:
        m = pattern.search(text)
        if not m:
            continue
        topic = _TOPIC_ENDS.sub("", m.group("t"))
        if not details:
            topic = topic.split(": ", 1)[0]
        if time_text:
            cut = _time_start(topic, time_text)
            topic = topic[:cut] if cut is not None else topic
        topic = re.split(r"[?!]\s", topic, maxsplit=1)[
            0
        ]  # "...menu? Pumpkin spice is back!": what follows is a point
        topic = _TRAILING_WORDS_RE.sub("", topic.strip()).strip(" '\".:!?")
        topic = _PICTURE_OF.sub("", topic)  # a caption "for a photo of our team" is about our team
        topic = _PICTURE_AFTER.sub("", topic)  # "our team offsite photo": about our team offsite
        topic = _INVITING.sub("", topic)  # "inviting people to our open day": about our open day
        if ideas:
            topic = _IDEAS_FOR.sub("", topic)
        # "on twitter" names a platform, not a topic; nor does "up" ("can you set that up?")
        if topic.lower() in _NOT_A_TOPIC:
            continue
        if topic and not any(p.fullmatch(topic) for _, p in _PLATFORMS):
            # Whole, as the person wrote it: the script that takes it says when it is too long, and
            # the retry shortens it to whole sentences (a cut here ended posts mid-word).
            return topic[:MAX_TOPIC_CHARS]
    return None


def _time_start(topic: str, time_text: str) -> int | None:
    """Where the time phrase starts inside a topic ("webinar for Thursday at noon")."""
    low = topic.lower()
    if time_text.lower() in low:
        return low.index(time_text.lower())
    words = time_text.lower().split()
    starts = sorted(i for word in words if len(word) > 2 and (i := low.find(word)) >= 0)
    for start in starts:  # only where what follows is all time ("our Black Friday deal" keeps Friday)
        rest = re.findall(r"[\w:]+", low[start:])
        if all(w in words or w in _TIME_GLUE or any(c.isdigit() for c in w) for w in rest):
            return start
    return None


_TIME_GLUE = frozenset(("at", "on", "next", "this", "the", "by", "in", "around", "am", "pm"))


_CSV_LINE_RE = lazy_re.compile(r"^[^,;\t\n]+(?:([,;\t])[^,;\t\n]*)+$")


def _is_prose(line: str, sep: str) -> bool:
    """A sentence with a comma ("here are our signups, chart them please:") is no table row: a
    cell of a header or a row holds a few words, and a line ending with ':' introduces a table."""
    cells = line.strip().split(sep)
    return line.rstrip().endswith(":") or any(len(c.split()) > 4 for c in cells)


def pasted_data(text: str) -> tuple[str, str] | None:
    """(the request without it, the data) when the request carries a CSV or JSON table."""
    for opener, closer in (("[", "]"), ("{", "}")):
        start, end = text.find(opener), text.rfind(closer)
        if 0 <= start < end:
            candidate = text[start : end + 1]
            try:
                value = json.loads(candidate)
            except ValueError:
                continue
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                return (text[:start] + text[end + 1 :]).strip(), candidate
    lines = text.splitlines()
    for i, line in enumerate(lines):
        lead, header = _after_colon(line)
        m = _CSV_LINE_RE.match(header)
        if not m or _is_prose(header, m.group(1)):
            continue
        sep = m.group(1)
        width = header.count(sep)
        block = [header]
        for nxt in lines[i + 1 :]:
            if nxt.strip() and nxt.count(sep) == width:
                block.append(nxt.strip())
            else:
                break
        if len(block) >= 3:
            rest = "\n".join(lines[:i] + ([lead] if lead else []) + lines[i + len(block) :])
            return rest.strip(), "\n".join(block)
    return None


def _after_colon(line: str) -> tuple[str, str]:
    """("compare these two months for me:", "month,orders,returns") when a table's header follows a
    sentence on its line; ("", line) otherwise."""
    for mark in (": ", "? ", ". "):  # "Which of my posts got the most likes? post,likes" too
        lead, found, tail = line.strip().rpartition(mark)
        if found and _CSV_LINE_RE.match(tail.strip()) and not _CSV_LINE_RE.match(lead):
            return f"{lead}{mark.strip()}", tail.strip()
    return "", line.strip()


# "revenue by product: Widgets 1200, Gadgets 950 and Doohickeys 430": labelled numbers in a sentence.
# A number as people write it in a sentence: "$1,200", "12.5%", "120k", "1.2m".
_NUMBER = r"[-+]?[$€£]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[kKmM]\b)?%?"
# "which month had the highest revenue?": a word that asks which row, not what was measured.
_SUPERLATIVE_RE = lazy_re.compile(
    r"\b(?:best|worst|highest|lowest|biggest|smallest|top|bottom|strongest|weakest|busiest|quietest"
    r"|most|least|fewest)\b",
    re.I,
)
# "this year vs last year", "month over month": the periods compared, which the rows are.
_COMPARED_PERIODS_RE = lazy_re.compile(
    r"\b(?:(?:vs\.?|versus|against|compared (?:to|with)|to|and)\s+)?(?:this|last|next|previous|prior)\s+"
    r"(?:year|month|week|quarter|day)\b|\b(?:year|month|week|quarter)\s+(?:over|on)\s+\w+\b",
    re.I,
)
# A label is words ("Jan", "north region") or a year ("2025 48000": sales by year).
# Words that join numbers in a sentence; never a row's label.
_LINKS = frozenset(("then", "was", "were", "is", "are", "and", "to", "from", "went", "at", "of", "by", "or"))
_PAIR_RE = lazy_re.compile(
    rf"^(?!(?:in|for|during|on)\s)(?P<label>[A-Za-z][\w .&'/-]{{0,40}}?|(?:19|20)\d\d)\s*[:=]?\s+"
    # "spring campaign had 3.2% ctr": a verb between the label and its number
    r"(?:(?:had|has|got|made|hit|reached|did|was|were|is|are)\s+)?"
    rf"(?P<value>{_NUMBER})"
    # "week 1 340 signups": the measure; "12k in jan" is a number said before its label
    r"(?:\s+(?!(?:in|for|during|on)\s)(?P<unit>[a-z][a-z-]*(?:\s+[a-z][a-z-]*)?))?$"
)
# "12k in jan, 15k in feb": the number said first, then when (or where) it was
# ("230 orders on monday": what was counted, then the label)
_VALUE_FIRST_RE = lazy_re.compile(
    rf"^(?P<value>{_NUMBER})(?:\s+(?P<unit>[a-z][a-z-]*))?\s+(?:in|for|during|on)\s+"
    r"(?P<label>[A-Za-z][\w .&'/-]{0,40}?|(?:19|20)\d\d)$"
)


def _pair(item: str) -> dict[str, str] | None:
    """A labelled number ("jan 12k", "north: 48,200", "12k in jan") as {label, value, unit} (unit
    "" when none is said)."""
    m = _PAIR_RE.match(item) or _VALUE_FIRST_RE.match(item)
    return {"unit": "", **{k: v or "" for k, v in m.groupdict().items()}} if m else None


# "email open rates by month": up to three words name the measure (what is no measure is dropped)
_BY_RE = lazy_re.compile(
    r"\b(?P<y>[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2})\s+(?:by|per|for each)\s+(?P<x>[a-z][\w-]*)\b", re.I
)


_MEASURE_AFTER_RE = lazy_re.compile(
    # "(in thousands)", "(in $)": a scale, dropped (it names no measure)
    r"(?<=[\d%kKmM])\s*\(\s*(?:in\s+[\w$€£%]+|(?P<y>[a-z][a-z-]*(?:\s+[a-z][a-z-]*)?))\s*\)(?=\s*(?:[.!?]|$))",
    re.I,
)


def _inline_pairs(text: str) -> tuple[str, str] | None:
    """Three or more labelled numbers after a colon or a question mark, as a two-column CSV table
    whose columns are named by "Y by X" in the sentence (else label and what the sentence is about).
    A question after the numbers stays the request ("mon 120, ..., fri 190. What's the trend?")."""
    for split in sorted((i for i, c in enumerate(text) if c in ":?"), reverse=True):
        found = _pairs_after(text[:split].rstrip(), text[split], text[split + 1 :])
        if found:
            return found
    return _pairs_in_sentence(text)


def _pairs_in_sentence(text: str) -> tuple[str, str] | None:
    """Labelled numbers with no colon before them ("Revenue Jan 1.2m, Feb 1.35m, Mar 1.1m. Why did
    March drop?"): the words before the first label are the lead, the first label as long as the
    longest other one (so "Revenue Jan" is no label). A measure named after the first label ("q1
    sales 120k, q2 135k, ...") is the measure, said first."""
    if (
        (inside := _MEASURE_INSIDE_RE.match(text))
        and (kind := _kind(inside["first"])) is not None
        and kind == _kind(inside["second"])
    ):
        return _pairs_after(inside["measure"], ":", f"{inside['first']} {inside['rest']}")
    words = text.split()
    for k in range(0, min(len(words), 12)):  # 0: the numbers open the request ("mon 120, tue 135, ...")
        found = _pairs_after(" ".join(words[:k]), ":", " ".join(words[k:]))
        if not found:
            continue
        labels = [row.split(",")[0] for row in found[1].splitlines()[1:]]
        if len(labels[0].split()) <= max(len(label.split()) for label in labels[1:]):
            return found[0].removesuffix(":").rstrip() if found[0].endswith(":") else found[0], found[1]
    return None


def _pairs_after(lead: str, mark: str, tail: str) -> tuple[str, str] | None:
    # the numbers end at a sentence's end or a dash ("..., apr 26% — what's the trend?")
    # "..., week 4 2800 (website visitors)": the measure, said after the last number
    if said := _MEASURE_AFTER_RE.search(tail):
        tail = tail[: said.start()] + tail[said.end() :]
    data, *after = re.split(r"(?<=[\d%kKmM])(?:[.!]|\s+[—–-])\s+(?=[A-Za-z])", tail.strip(), maxsplit=1)
    parts: list[str] = []  # item, separator, item, ...
    for at, part in enumerate(re.split(r"(,\s+|;\s*|\s+and\s+)", data.strip())):
        # "jan 12k feb 15k mar 9k": without commas, a label after each number starts the next item
        spaced = re.split(r"((?<=[\d%kKmM])\s+(?=[A-Za-z]))", part) if at % 2 == 0 else [part]
        found = [_pair(i.strip(" .?!")) for i in spaced[::2]]
        labels = [m["label"].strip().lower() for m in found if m]
        # each a label of its own ("was 10,200 then 11,900" is a series, not rows "was" and "then")
        whole = len(found) > 1 and len(labels) == len(found) == len(set(labels)) and not _LINKS & set(labels)
        parts += spaced if whole else [part]
    pairs: list[dict[str, str]] = []
    for at in range(0, len(parts), 2):
        item = parts[at].strip(" .?!")
        # "..., 18k in apr. whats the trend?": a sentence that starts after the last label
        ends = re.match(r"^(?P<last>.+?[A-Za-z])[.!?]\s+(?P<next>[A-Za-z].*)$", parts[at].strip())
        if ends and len(pairs) >= 2 and (last := _pair(ends["last"])):
            pairs.append(last)
            after = [" ".join([ends["next"], "".join(parts[at + 1 :]).strip(), *after]).strip()]
            break
        pair = _pair(item) if item else None
        if pair:
            pairs.append(pair)
        elif item:
            # "Jan 4200, ..., Apr 6100 and tell me which month was best": a clause after the
            # numbers is the request, as a sentence after them is
            rest = "".join(parts[at:]).strip()
            if len(pairs) < 2 or len(rest.split()) < 3:  # two are a table only when compared (below)
                return None
            after = [" ".join([rest, *after])]
            break
    # "march 4500 visitors, april 5200 visitors": two months (quarters, years) compared are a table too
    kinds = {_kind(p["label"]) for p in pairs}
    periods = len(kinds) == 1 and kinds <= {"month", "quarter", "year"}
    # "compare these two campaigns: spring campaign 3.2% ctr, summer campaign 4.1% ctr": two of a
    # kind, said alike, that the person asks to compare
    alike = len({(p["unit"].lower(), p["value"].endswith("%")) for p in pairs}) == 1
    compared = alike and _COMPARE_TWO_RE.search(" ".join([lead, *after])) is not None
    if len(pairs) < 3 and not (len(pairs) == 2 and (periods or compared)):
        return None
    named = _BY_RE.search(lead)
    # else the measure is what the sentence ends on ("...our newsletter open rates?" -> open rates)
    # "can you turn this into a chart? visitors": the measure is in the lead's last sentence
    subject = re.split(r"[?!.]\s+", lead.lower())[-1]
    # "which region sold the most?", "which of our stores did best?": the rows are regions, stores
    # ("which of these did best?": a verb, so the rows are named by their labels)
    which = re.search(
        r"\bwhich\s+(?:(?:one\s+)?of\s+(?:our|my|the|these)\s+)?"
        r"(?:(?!(?:is|was|are|were|did|does|do|had|has|have|sold|made|got|performed)\b)([a-z][a-z-]+)\s*)?",
        subject,
    )
    if which:
        subject = subject[: which.start()] + " " + subject[which.end() :]
    subject = re.sub(r"^.*\b(?:of|analy[sz]e|chart|plot|graph|show|compare|visuali[sz]e)\s+", "", subject)
    # "which month had the highest revenue?": a superlative asks the question, it names no measure
    subject = _SUPERLATIVE_RE.sub(" ", subject)
    # "compare our sales this year vs last year": the periods compared are the rows, not the measure
    subject = _COMPARED_PERIODS_RE.sub(" ", subject)
    labels = [m["label"].strip() for m in pairs]
    x = which[1] if which and which[1] else _label_name(labels)
    # "..., 80 in berlin. which city is best?": the question after the numbers names the rows
    asked = re.search(
        r"\bwhich\s+(?!one\b)([a-z][a-z-]+)\s+(?:is|was|did|had|has|sold|made|got|performed)\b",
        " ".join(after).lower(),
    )
    if x == "label" and asked:
        x = asked[1]
    # "what was our best month?": the rows' own name is not the measure, nor their labels
    # ("compare march and april: ...")
    named_rows = {label.lower() for label in labels}
    last = [
        w
        for w in re.findall(r"[a-z][a-z-]+", subject)
        if w not in _NOT_A_MEASURE and w != x and w not in named_rows
    ][-2:]
    units = {m["unit"].lower() for m in pairs if m["unit"]}
    # "chart this: week 1 340 signups, week 2 410, ...": the unit said with a number names the measure
    after_numbers = (said["y"] or "").lower() if said else ""  # "... 2800 (website visitors)"
    # "we sold 120 in london, ...": the verb names the measure
    # "spring campaign 3.2% ctr, summer campaign 4.1% ctr": a unit said with every number is the measure
    every = units.pop() if len(units) == 1 and all(m["unit"] for m in pairs) else None
    y = (
        every
        or " ".join(_MEASURE_OF_VERB.get(w, w) for w in last)
        or after_numbers
        or (units.pop() if len(units) == 1 else "value")
    )
    if x == "label" and last and all(m["value"].endswith("%") for m in pairs):
        # "a pie chart of our traffic sources: organic 45%, paid 25%, ...": the words name the
        # parts, and the numbers are their shares
        x, y = y, "share (%)"
    if named:
        said = re.sub(r"^.*\b(?:of|chart|plot|graph|show)\s+", "", named["y"].lower()).split()
        measure = " ".join(w for w in said if w not in _NOT_A_MEASURE and not _SUPERLATIVE_RE.fullmatch(w))
        if any(_SUPERLATIVE_RE.fullmatch(w) for w in said):  # "our top products by revenue": ranked by it
            x, y = measure or x, named["x"].lower()
        else:
            x, y = named["x"].lower(), measure or y
    y = " ".join(w.upper() if w in _ACRONYMS else w for w in y.split())  # "ctr" is CTR
    if all(m["value"].endswith("%") for m in pairs) and y not in ("value", "share (%)"):
        y = f"{y} (%)"  # "open rates: jan 21%, feb 23%": rates, said and compared as such
    rows = [f"{label},{_plain_number(m['value'])}" for label, m in zip(labels, pairs, strict=True)]
    asked = "" if not lead else f"{lead}{mark}" if mark == "?" else f"{lead}:"
    said = f"{asked} {after[0]}".strip() if after else asked
    return said or "Chart these numbers:", "\n".join([f"{x},{y}", *rows])


# Measures said as letters ("ctr", "roi"), written as people write them.
_ACRONYMS = frozenset("ctr roi cpc cpm cpa cac ltv aov kpi nps mrr arr seo".split())  # noqa: SIM905
# Words that ask two things to be set side by side.
_COMPARE_TWO_RE = lazy_re.compile(
    r"\b(?:compare|comparing|comparison|versus|vs\.?|better|best|worse|difference between)\b",
    re.I,
)
# "we made 1200 in january": what a verb of money or sales says was measured.
_MEASURE_OF_VERB = {"made": "revenue", "earned": "revenue", "sold": "sales", "spent": "spend"}
# Words of the request around the numbers that never name what was measured ("can you make a bar chart:").
_NOT_A_MEASURE = frozenset(
    "i i'd i'm like see view grow grew go went much many does do our my we us they the these this here here's are is can you make me a an please need want bar line pie chart graph plot compare show analyse analyze what whats what's which how was were did had has got instead avg average mean median total sum calculate compute of for in on to from with and turn into numbers figures values data list draw create put give trend trending doing going looking performing".split()  # noqa: SIM905, E501
)
_SUFFIX = {"k": 1_000, "m": 1_000_000}


def _plain_number(value: str) -> str:
    """'$1,200' -> '1200', '12.5%' -> '12.5', '120k' -> '120000', '1.2m' -> '1200000'."""
    plain = re.sub(r"[,$€£%]", "", value)
    scale = _SUFFIX.get(plain[-1:].lower())
    if not scale:
        return plain
    number = Decimal(plain[:-1]) * scale
    return str(number.quantize(Decimal(1)) if number == number.to_integral() else number.normalize())


_PERIOD_LABEL = (
    (lazy_re.compile(r"^q[1-4]$", re.I), "quarter"),
    (lazy_re.compile(r"^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*$", re.I), "day"),
    (lazy_re.compile(r"^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*$", re.I), "month"),
    (lazy_re.compile(r"^(?:19|20)\d\d$"), "year"),
    (lazy_re.compile(r"^wk?\d{1,2}$", re.I), "week"),  # "w1", "wk12"
    *((lazy_re.compile(rf"^{unit} \d+$", re.I), unit) for unit in ("week", "month", "day", "quarter")),
    # "North 48200 South 35100 ...": parts of a country or a market
    (lazy_re.compile(r"^(?:north|south|east|west|central)(?:[ -]?(?:east|west))?$", re.I), "region"),
)


def _kind(label: str) -> str | None:
    """What kind of period or part a label is ("q1": quarter), None for any other word."""
    return next((name for pattern, name in _PERIOD_LABEL if pattern.match(label.strip())), None)


# "q1 sales 120k, q2 135k": the first label, the measure, its number; then the next label
_MEASURE_INSIDE_RE = lazy_re.compile(
    rf"^(?P<first>q[1-4]|[a-z]{{3,9}}|(?:19|20)\d\d)\s+(?P<measure>[a-z][a-z ]{{1,30}}?)\s+"
    rf"(?P<rest>{_NUMBER}\s*,\s*(?P<second>q[1-4]|[a-z]{{3,9}}|(?:19|20)\d\d)\s+{_NUMBER}.*)$",
    re.I | re.S,
)


def _label_name(labels: list[str]) -> str:
    """What the labels are ("Q1, Q2" -> quarter, "mon, tue" -> day, "Jan, Feb" -> month, "reel A,
    reel B" -> reel), else label."""
    for pattern, name in _PERIOD_LABEL:
        if all(pattern.match(label) for label in labels):
            return name
    if all(len(label.split()) > 1 for label in labels):
        # "spring campaign, summer campaign": a campaign; "reel A, reel B": a reel
        for end in (-1, 0):
            if len(shared := {label.split()[end].lower() for label in labels}) == 1:
                return shared.pop()
    return "label"


# "Our followers went 120k, 125k, 131k, 140k over the last four months": numbers without labels,
# apart by ", " (a comma without a space is a thousands separator), "and", "then", "to" or an arrow.
_SERIES_SEP = r"(?:,\s+(?:and\s+|then\s+)?|\s+(?:and|then|to)\s+|\s*(?:->|→)\s*)"
_SERIES_RE = lazy_re.compile(
    rf"(?<![\w:$€£.,])(?P<run>{_NUMBER}(?:{_SERIES_SEP}{_NUMBER}){{2,}})"
    r"(?![\w:]|\s*(?:am|pm|a\.m|p\.m)\b)",
    re.I,
)
_SERIES_SPLIT = lazy_re.compile(_SERIES_SEP, re.I)
# "over four months", "per week", "monthly": the period of each number ("this week" says none)
_PERIODS = frozenset(("day", "week", "month", "quarter", "year"))
# "visits per day", "visitors by week": the period each number covers
_PER_PERIOD = r"\b(?:per|a|each|every|by)\s+(day|week|month|quarter|year)\b"
_PERIOD_RE = lazy_re.compile(
    r"\b(day|week|month|quarter|year)s\b|" + _PER_PERIOD + r"|\b(daily|weekly|monthly|quarterly|yearly)\b",
    re.I,
)
_PER_PERIOD_RE = lazy_re.compile(_PER_PERIOD, re.I)
_ADVERB_PERIOD = {
    "daily": "day",
    "weekly": "week",
    "monthly": "month",
    "quarterly": "quarter",
    "yearly": "year",
}
_NOT_NOUNS = frozenset(("this", "was", "has", "is", "its", "his", "as", "plus", "less", "always", "across"))
_SERIES_VERBS = frozenset("went grew were was is are been had have from of at rose fell dropped got".split())  # noqa: SIM905


# "we had 1200 visitors last week and 1450 this week": two periods compared.
_PERIOD_SAID = r"(?:(?:last|previous|this)\s+(?:week|month|quarter|year)|yesterday|today)"
_TWO_PERIODS_RE = lazy_re.compile(
    rf"(?P<v1>{_NUMBER})\s+(?:(?P<what>[a-z][a-z-]*(?:\s+[a-z][a-z-]*)?)\s+)?(?P<p1>{_PERIOD_SAID})"
    rf"\s*,?\s*(?:and|vs\.?|versus|compared (?:to|with)|but|then)?\s+"
    rf"(?:(?:we|i)\s+)?(?:(?:had|got|made|did)\s+)?"
    rf"(?P<v2>{_NUMBER})\s+(?:[a-z][a-z-]*\s+){{0,2}}?(?P<p2>{_PERIOD_SAID})\b",
    re.I,
)


# "sales last 3 months: 40k, 38k, 45k": the span the numbers cover, which measures nothing
_TIME_SPAN_RE = lazy_re.compile(
    r"\b(?:(?:in|over|for|during)\s+)?(?:the\s+)?(?:last|past|previous|next|first|this)\s+"
    r"(?:\d+\s+|few\s+|two\s+|three\s+|four\s+|five\s+|six\s+|twelve\s+)?(?:days?|weeks?|months?|quarters?|years?)\b",
    re.I,
)


def _measure_words(lead: str) -> list[str]:
    """The words before some numbers that may name what they measure ("our signups went" -> signups):
    not the request's own words, the span of time they cover, or the verb that leads to them."""
    lead = _TIME_SPAN_RE.sub(" ", lead)
    words = [w for w in re.findall(r"[a-z][a-z-]+", lead.lower()) if w not in _NOT_A_MEASURE]
    while words and words[-1] in _SERIES_VERBS:
        words.pop()
    return words


def _two_periods(text: str) -> tuple[str, str] | None:
    """Two numbers of two periods ("1200 visitors last week and 1450 this week") as a table of
    both, the earlier first; None unless one period is before the other."""
    found = _TWO_PERIODS_RE.search(text)
    if not found:
        return None
    said = [(found[f"p{i}"].lower(), _plain_number(found[f"v{i}"])) for i in (1, 2)]
    first_is_earlier = said[0][0].startswith(("last", "previous", "yesterday"))
    if first_is_earlier == said[1][0].startswith(("last", "previous", "yesterday")):
        return None
    rows = said if first_is_earlier else said[::-1]
    # "sales were 40k this month vs 52k last month": else the measure is named before the numbers
    measure = (found["what"] or " ".join(_measure_words(text[: found.start()])[-2:]) or "value").lower()
    return text, "\n".join([f"period,{measure}", *(f"{p},{v}" for p, v in rows)])


# "2024 revenue 1.2m, 2025 revenue 1.5m", "revenue 2024 1.2m vs 2025 1.5m": one measure in two years
_TWO_YEARS_RE = lazy_re.compile(
    rf"\b(?P<y1>(?:19|20)\d\d)\s+(?:(?P<m>[a-z][a-z ]{{1,30}}?)\s+)?(?:(?:was|were|of|at)\s+)?"
    rf"(?P<v1>{_NUMBER})"
    rf"\s*(?:,|;|\band\b|\bvs\.?|\bversus\b|\bthen\b)\s*(?P<y2>(?:19|20)\d\d)\s+(?:(?P=m)\s+)?"
    rf"(?:(?:was|were|of|at)\s+)?(?P<v2>{_NUMBER})(?![\w.,]*\d)",
    re.I,
)


def _two_years(text: str) -> tuple[str, str] | None:
    """One measure in two years ("2024 revenue 1.2m, 2025 revenue 1.5m") as a table, the earlier first."""
    found = _TWO_YEARS_RE.search(text)
    if not found or found["y1"] == found["y2"]:
        return None
    measure = (found["m"] or " ".join(_measure_words(text[: found.start()])[-2:]) or "value").strip().lower()
    rows = sorted([(found["y1"], _plain_number(found["v1"])), (found["y2"], _plain_number(found["v2"]))])
    return text, "\n".join([f"year,{measure}", *(f"{y},{v}" for y, v in rows)])


# "spend 500 800 1200 1500, signups 41 60 95 110": two measures, one value of each per row
_PAIRED_SERIES_RE = lazy_re.compile(
    rf"\b(?P<a>[a-z][a-z -]{{0,30}}?)\s+(?P<xs>{_NUMBER}(?:\s+{_NUMBER}){{2,}})\s*(?:,|;|\band\b)\s*"
    rf"(?P<b>[a-z][a-z -]{{0,30}}?)\s+(?P<ys>{_NUMBER}(?:\s+{_NUMBER}){{2,}})(?![\w.,]*\d)",
    re.I,
)


def _paired_series(text: str) -> tuple[str, str] | None:
    """Two named runs of numbers of the same length ("spend 500 800 1200, signups 41 60 95") as a
    table of two columns, the first the driver (a scatter with its fit)."""
    found = _PAIRED_SERIES_RE.search(text)
    if not found:
        return None
    xs, ys = found["xs"].split(), found["ys"].split()
    names = [" ".join(w for w in found[k].lower().split() if w not in _NOT_A_MEASURE) for k in "ab"]
    if len(xs) != len(ys) or not all(names) or names[0] == names[1]:
        return None
    rows = [f"{_plain_number(x)},{_plain_number(y)}" for x, y in zip(xs, ys, strict=True)]
    return text, "\n".join([",".join(names), *rows])


# "120 likes, 85 likes, 240 likes": the unit said after each number, said once after them all
_REPEATED_UNIT_RE = lazy_re.compile(
    rf"(?P<first>{_NUMBER})\s+(?P<unit>[a-z][a-z-]+)\b(?:\s*(?:,|\band\b|&)\s*{_NUMBER}\s+(?P=unit)\b){{2,}}",
    re.I,
)


def _bare_series(text: str) -> tuple[str, str] | None:
    """Three or more numbers in a row without labels, as a table of numbered periods ("month 1",
    "month 2", ...: the period the sentence names, "post" for posts, else "point") named by the
    words before them."""
    text = _REPEATED_UNIT_RE.sub(
        lambda m: ", ".join(re.findall(_NUMBER, m[0].replace(m["unit"], " "))) + f" {m['unit']}", text
    )
    found = _SERIES_RE.search(text)
    if not found or re.search(r"\b(?:at|every|on)\s*$", text[: found.start()], re.I):
        return None  # "at 8, 12 and 6": times, not a series
    values = [v for v in _SERIES_SPLIT.split(found["run"]) if v]
    before = text[: found.start()]
    # "our signups per week were": the period names the rows, not the measure ("monthly revenue" stays)
    lead = _PER_PERIOD_RE.sub(" ", before.lower().split(".")[-1])
    words = _measure_words(lead)
    period = _PERIOD_RE.search(text)
    unit = (
        (period[1] or period[2] or _ADVERB_PERIOD[period[3].lower()]).lower()
        if period
        else "post"
        if re.search(r"\b(?:posted|posts)\b", text, re.I)  # "I posted 3 times: 120 likes, ...": each a post
        else datasets.BARE_SERIES
    )
    # "300, 320, 310 visits per day": a plural noun right after the numbers names them best
    after = re.match(r"\s+([a-z][a-z-]+s)\b", text[found.end() :], re.I)
    named_after = after and after[1].lower() not in _NOT_NOUNS and after[1].lower()[:-1] not in _PERIODS
    y = after[1].lower() if named_after else " ".join(words[-2:]) or "value"
    rows = [f"{unit} {i},{_plain_number(v)}" for i, v in enumerate(values, 1)]
    rest = f"{before.rstrip()} {text[found.end() :].lstrip()}".strip()
    return rest, "\n".join([f"{unit},{y}", *rows])


# What an attached file may hold to be read as a table (the chat sends CSV, JSON and text).
_TABLE_FILE = lazy_re.compile(r"\.(?:csv|tsv|json|txt)$", re.IGNORECASE)
_TABLE_TYPES = ("text/", "application/json", "application/csv")


def attached_data(attachments: list[Attachment]) -> tuple[str, str] | None:
    """(name, text) of the first attachment that holds a table (CSV/JSON/text), decoded."""
    for item in attachments:
        readable = _TABLE_FILE.search(item.name) or item.content_type.startswith(_TABLE_TYPES)
        if readable and item.data:
            try:
                return item.name, datasets.decode(item.data, "base64")
            except ValueError:
                continue  # not base64 text: another file may be
    return None


# Chat shorthand, read as the words it stands for ("can u post smth on fb tmrw morning").
_SHORTHAND = {
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "tmw": "tomorrow",
    "2moro": "tomorrow",
    "tonite": "tonight",
    "u": "you",
    "ur": "your",
    "pls": "please",
    "plz": "please",
    "smth": "something",
    "sth": "something",
    "abt": "about",
    "w/": "with",
    "fb": "facebook",
    "ig": "instagram",
    "insta": "instagram",
    "li": "linkedin",
    "mon-fri": "monday to friday",
}
_SHORTHAND_RE = lazy_re.compile(
    r"(?<![\w/.-])(?:" + "|".join(re.escape(k) for k in _SHORTHAND) + r")(?![\w/-])", re.I
)


# "a thank you post on linkedin for everyone who came last night" is "a post thanking everyone who
# came last night": who is thanked is the topic, and what they did, when, is no send time.
_THANK_YOU_POST_RE = lazy_re.compile(
    r"\bthank(?:-|\s)?(?:you|s)\s+(?P<post>post|tweet|caption|note|message|update)"
    r"(?P<on>\s+(?:on|for)\s+(?:twitter|linkedin|instagram|facebook|fb|x))?\s+(?:to|for)\s+",
    re.I,
)


# "post on linkedin that we hit 10k users, thank everyone": who the post thanks, its closing line
_THANKS_CLAUSE_RE = lazy_re.compile(
    r"(?:,\s*|\s+and\s+)(?:please\s+)?(?:thank|thanking)\s+(?P<who>everyone|everybody|them|all of you|you all"
    r"|(?:our|my|the)\s+[a-z][a-z -]{0,30}?)(?:\s+for\s+(?P<for>[^.!?]{1,60}?))?\s*[.!]?$",
    re.I,
)


def _thank_you(who: str, what: str | None) -> str:
    """The closing line that thanks `who` ("everyone", "our customers") for `what`."""
    who = who.lower()
    if who in ("everyone", "everybody", "all of you", "you all", "them"):
        # spoken to them: "for all their hard work" -> "for all your hard work"
        what = re.sub(r"\b(?:their|your)\b", "your", what.strip()) if what else None
        return f"Thank you, everyone, for {what}!" if what else "Thank you, everyone!"
    named = re.sub(r"^my\s+", "our ", who)  # a business speaks as "our" in its posts
    return f"Thank you to {named} for {what.strip()}!" if what else f"Thank you to {named}!"


def extract(request: str, timezone: str | None = None, now: datetime | None = None) -> Intent:
    """Rules-only intent and entities for `request`."""
    extra: dict[str, object] = {}
    pasted = pasted_data(request)
    # "which post did best?" asks about numbers; "write a post: ..." makes them the post's words
    if not pasted and not (_POST_NOUN_RE.search(request) and _WRITE_OR_POST_RE.search(request)):
        # in a post request the numbers are its content
        pasted = (
            _inline_pairs(request)
            or _paired_series(request)
            or _bare_series(request)
            or _two_periods(request)
            or _two_years(request)
        )
    if pasted:
        request, extra["data"] = pasted
    text = _SHORTHAND_RE.sub(lambda m: _SHORTHAND[m[0].lower()], " ".join(request.split()))
    text = _THANK_YOU_POST_RE.sub(r"\g<post>\g<on> thanking ", text)  # "a thank you post for X"
    if (thanks := _THANKS_CLAUSE_RE.search(text)) and not _CTA_RE.search(text):
        extra["call_to_action"] = _thank_you(thanks["who"], thanks["for"])
        text = text[: thanks.start()]
        request = _THANKS_CLAUSE_RE.sub("", " ".join(request.split()))
    named = sorted((m.start(), name) for name, pattern in _PLATFORMS if (m := pattern.search(text)))
    platform = named[0][1] if named else None  # the first one named
    if len(named) > 1:  # "a tweet and an instagram post about our new logo": one post for each
        extra["platforms"] = [name for _, name in named]
    urls = _URL_RE.findall(text)
    found = said_time = found_time(text, timezone, now)  # `found` may be set aside below; not `said_time`
    scheduling = _SCHEDULE_RE.search(text)  # "schedule", "post it", ...: the words asking to schedule
    if found and scheduling and (asked := found_time(text[scheduling.end() :], timezone, now)):
        found = asked  # "our webinar next tuesday at 3pm, post it tomorrow at 9": the time after the ask
    update, problems = preference_change(text)
    if update:
        extra["context_update"] = update
    if problems:
        extra["preference_problems"] = problems
    if paths := WINDMILL_PATH_RE.findall(_URL_RE.sub(" ", text)):
        extra["scripts_named"] = sorted(set(paths))
    if (tone := _TONE_RE.search(text)) and not update:
        extra["tone"] = tone_of(tone.group(1))
    elif _EMOJIS_RE.search(text):
        extra["tone"] = "enthusiastic"  # the tone whose posts carry emojis
    if points := key_points(request):
        extra["points"] = points
    if drafts := _DRAFTS_RE.search(text):
        extra["count"] = _NUMBERS.get(drafts["n"].lower()) or int(drafts["n"])
    if _NO_HASHTAGS_RE.search(text):  # "a tweet about our launch, no hashtags": this post's
        extra["hashtags"] = "none"
    if cta := _CTA_RE.search(text):
        extra["call_to_action"] = cta.group("cta").strip()
    if audience := _AUDIENCE_RE.search(text):
        extra["audience"] = audience.group("a")
    if urls:
        extra["urls"] = urls
    if not pasted and (db := _DB_TABLE_RE.search(text)):
        extra["table"] = db["a"] or db["b"] or db["c"]
    bare = _EMOJIS_RE.sub(
        "", _NO_HASHTAGS_RE.sub("", _CTA_RE.sub("", text))
    )  # how to write it, not what about
    topic = _topic(bare, found.text if found else None)
    shorter = _SHORTER_OWN_RE.match(request.strip())
    if own := _OWN_TEXT_RE.match(request.strip()) or shorter:
        # "tweet this: We just shipped dark mode!": the person's words are the post, as written
        extra["text"] = own["text"].strip().strip('"“”').strip()
        words = " ".join(str(extra["text"]).split())
        topic = words if len(words) <= 120 else words[:120].rsplit(" ", 1)[0]  # what it is about, briefly
    if shorter:
        aim = int(len(str(extra["text"])) * OWN_TEXT_SHORTER)
        extra |= {"shorten": True, "max_chars": max(platforms.MIN_CHARS, aim)}
        found = None
    whole = _topic(bare, details=True)
    # "... for tomorrow at 9", "..., tomorrow at 9" and "tweet our new prices tomorrow at 9: latte
    # 4.50, ...": said beside the topic, not inside it, a time is when to post
    sent_for = found and re.search(
        rf"\b(?:for|,)\s+{re.escape(found.text)}\b|\b{re.escape(found.text)}\s*:", text, re.I
    )
    if (
        found
        and whole
        and found.text.split()[0] in whole.lower()
        # "our Black Friday deal ... at 10am Friday": a clock the topic does not hold is the send time
        and all(w in whole.lower() for w in found.text.lower().split() if any(c.isdigit() for c in w))
        and not (scheduling or sent_for)
    ):
        # "about friday pizza": a day inside the topic is part of it ("... for tomorrow at 9": the send time)
        found, topic = None, _topic(bare)
    told = _CONTENT_TIME_RE.search(text)
    if (
        found
        and told
        and (
            found.text.split()[0][:3] in told.group(0).lower()
            or told.group(0).split()[-1].lower() in found.text.lower().split()  # "open at 8 tomorrow"
        )
    ):
        # "our sale ends Sunday": a date the post tells, not when it goes out; a send time said
        # beside it ("..., post it friday at 9am") is read without it
        rest = f"{text[: told.start()]} {text[told.end() :]}"
        found = found_time(rest, timezone, now) if scheduling else None
        if "text" not in extra:  # the topic keeps the day it tells
            topic = _topic(bare, found.text if found else None)
    if topic and "points" not in extra and "text" not in extra:
        topic = _with_appositive(text, topic)  # "our new hire, Sarah, who joins as head of design"
    if topic and "points" not in extra and (details := _details_after(text, topic, found)):
        extra["points"] = details
    at = text.find(topic) if topic and "points" not in extra else -1
    if at >= 0 and (after := re.match(r"\s*[?!]\s+(?P<rest>.+)$", text[at + len(topic or "") :])):
        said = [p.strip().rstrip(".!") for p in re.split(r"(?<=[.!?])\s+", after["rest"])]
        # "... about hitting 10k users? Make it sound excited": how to write it is not a point
        # ... and "maybe wednesday 11am" is when, not what
        told_when = found.text.lower() if found else None
        if points := [
            p
            for p in said
            if p.strip(" .!?") and not _HOW_POINT.match(p) and not (told_when and told_when == _time_in(p))
        ][:5]:
            extra["points"] = points
    news = _SAID_BEFORE_RE.match(text)
    if news and (topic is None or topic.lower() in NO_TOPIC):
        # "we hit 1,000 subscribers today! can you write a linkedin post to celebrate?": the news
        # said first is the topic, and a day inside it is when it happened, not when to post
        topic = news["said"].strip()[:MAX_TOPIC_CHARS]
        # ("... this saturday 2-5pm": the time read, "this saturday 5pm", is in it word by word)
        said = topic.lower()
        if (
            found
            and all(w in said for w in found.text.lower().split())
            and not _SCHEDULE_RE.search(news["ask"])
        ):
            found = None
    if (
        found
        and not scheduling
        and any(found.text.lower() in str(p).lower() for p in extra.get("points") or [])
    ):
        found = None  # "..., 30% off everything this weekend": when the sale is, not when to post
    when = found.when if found and not found.past else None
    if found and found.past:
        extra["past_time"] = found.text
    dataset = _DATASET_RE.search(text)
    wants_schedule = scheduling is not None or (found is not None and platform is not None)
    wants_post = bool(
        _POST_NOUN_RE.search(text) and (_CREATE_RE.search(text) or platform or _LEADING_POST_RE.search(text))
    ) or bool(platform and _CREATE_RE.search(text))
    wants_post = wants_post or ("count" in extra and bool(_CREATE_RE.search(text)))  # "write 3 posts for..."
    # "schedule it for tomorrow at noon" (nothing written yet): a post to schedule, whose topic is asked
    wants_post = wants_post or bool(_SCHEDULE_IT_RE.match(text))
    wants_post = wants_post or shorter is not None  # "make this shorter: <their post>"
    wants_post = wants_post or bool(_ANNOUNCE_ASK_RE.match(text) and topic)

    if update or problems:
        name, confidence = "preferences", 0.9
    elif _THANKS_RE.search(text):
        name, confidence = "greeting", 0.95
        extra["about"] = THANKS
    elif _HELP_RE.search(text):
        name, confidence = "help", 0.95
    elif (
        urls
        and _UP_OR_DOWN_RE.search(_URL_RE.sub(" ", text))
        and not (building.recurrence(text) or _BUILD_RE.search(text) or wants_post)
    ):
        name, confidence = "help", 0.9
        extra["about"] = UP_OR_DOWN
    elif (how := _HOW_TO_POST_RE.match(text)) and _HOW_TO_POST_TAIL_RE.match(text[how.end() :]):
        name, confidence = "help", 0.9
        extra["about"] = HOW_TO_POST
    elif _CONNECT_RE.search(text) and re.search(r"\b(?:how|can|where|help)\b", text, re.I):
        name, confidence = "help", 0.9
        extra["about"] = CONNECT
    elif _REMIND_RE.search(text):
        name, confidence = "help", 0.9
        extra["about"] = REMIND
    elif (
        (network := _OTHER_NETWORK_RE.search(text))
        and platform is None
        and not (topic and network[1].lower() in topic.lower())  # "a post about our youtube channel"
    ):
        name, confidence = "help", 0.9
        extra |= {"about": ELSEWHERE, "network": network[1]}
    elif _REMOVE_RE.search(text) and not re.search(r"\b(?:posts?|tweets?|captions?)\b", text, re.I):
        name, confidence = "manage_posts", 0.85
        extra["about"] = REMOVE
    elif _MOVE_RE.search(text):  # "move it to thursday instead": said how, with their posts listed
        name, confidence = "manage_posts", 0.85
        extra["about"] = MOVE
    elif _CANCEL_RE.search(text):
        name, confidence, details = _cancelling(text, platform, said_time, timezone, now)
        extra |= details
        extra.pop("past_time", None)  # "cancel the post for today": the day asked about, not a send time
    elif (
        _SCHEDULED_RE.search(text)
        and not _WRITE_RE.search(text)
        and not _BUILD_RE.search(text)
        # "every monday at 8am send me a summary of my scheduled posts": a schedule to build
        and not (_RECURRING_RE.search(text) and _RUN_RE.search(text))
    ):
        name, confidence = "manage_posts", 0.9
        extra["about"] = SCHEDULED
        # "what's on my schedule for tomorrow?": that day's posts ("this month" names no day)
        if said_time is not None and not re.search(
            r"\b(?:week|weekend|month|year)s?\b", said_time.text, re.I
        ):
            zone = timezone_of(timezone)
            said = " ".join(
                w.capitalize() if w.lower() in datasets.CALENDAR_NAMES else w for w in said_time.text.split()
            )
            extra |= {"day": said_time.when.astimezone(zone).date().isoformat(), "day_said": said}
    elif (
        (edit := _EDIT_RE.search(text))
        and _EARLIER_RE.search(edit.group(0))
        and not _TOPIC_STARTS[0].search(text)
        and not (wants_post and _WRITE_RE.search(text))  # "draft a caption for X, make it playful"
        # "tweet about our launch, make it funny": a new post, said how
        and not (wants_post and _topic(f"{text[: edit.start()]} {text[edit.end() :]}".strip(" ,.;:-")))
    ):
        name, confidence = "manage_posts", 0.85
        extra["about"] = EDIT
    elif _POSTED_RE.search(text) and not _WRITE_RE.search(text) and not pasted:
        name, confidence = "status", 0.9
        extra["about"] = POSTS
    elif _STATUS_RE.search(text) or (
        _HISTORY_RE.search(text) and not pasted and not wants_post and not _RECURRING_RE.search(text)
    ):  # "a weekly report of my tasks every Monday" is a schedule to build
        name, confidence = "status", 0.9
        if _LEARNED_RE.search(text):
            extra["about"] = LEARNINGS
        elif period := timeparse.find_period(text, str(timezone_of(timezone)), now):
            extra["period"] = period.text  # "what did I ask you yesterday?": that day's tasks
    elif (
        _RECURRING_RE.search(text) and (urls or _BUILD_RE.search(text) or _RUN_RE.search(text))
    ) or building.run_now_target(text):  # "run my analytics report now": one of theirs, once
        name, confidence = "build", 0.85
    elif _BUILD_RE.search(text):
        name, confidence = "build", 0.8
    elif wants_post and _repeats(text):
        name, confidence = "help", 0.85
        extra["about"] = REPEAT
    elif (
        _ENGAGEMENT_RE.search(text) and (pasted or not wants_post or not _WRITE_OR_POST_RE.search(text))
    ) or _asks_about_posts(text):  # "analyze the engagement of my linkedin posts": not a post to write
        name, confidence = "analyze_engagement", 0.85
    elif wants_post and _PUBLISH_NOW_RE.search(text):
        name, confidence = "publish_post", 0.85
    elif wants_post and wants_schedule:
        name, confidence = "create_and_schedule", 0.9
    elif wants_schedule and (platform or _POST_NOUN_RE.search(text)):
        name, confidence = "schedule_post", 0.8
    elif wants_post:
        name, confidence = "create_post", 0.85
    elif _PREFS_RE.search(text):
        name, confidence = "preferences", 0.8
    elif (
        _ANALYZE_RE.search(text) or dataset or pasted or "table" in extra or _METRIC_QUESTION_RE.search(text)
    ):
        name, confidence = "analyze", 0.75 if not pasted else 0.85
        if chart := CHART_KIND_RE.search(text):  # "make me a pie chart of ...": the chart asked for
            extra["chart"] = chart["kind"].lower()
        header = str(extra.get("data") or "").split("\n", 1)[0].split(",")
        if len(header) == 2:  # one measure: the report's name ("...is that good?" names nothing)
            measure = header[1].strip()
            extra["title"] = measure[:1].upper() + measure[1:] if measure not in ("value", "") else "Report"
        if not (
            pasted or dataset or "table" in extra or _HISTORY_RE.search(text) or _ACTIVITY_RE.search(text)
        ):
            # "compare our sales this year vs last year": their numbers, which they have not given
            # yet (OpenAnalyst's record of their tasks is the data only when that is what they ask about)
            extra["source"] = "upload"
    else:
        name, confidence = "unknown", 0.2
    if name == "build" and (built := building.read(text)):
        name, details = built  # which item, its name, address, schedule and target
        extra |= details
    if name in POST_INTENTS and not topic and (said := _SAID_AFTER_RE.search(text)):
        # "can you help me write a LinkedIn post? We're hiring a data engineer": the next sentence
        topic = said["rest"].strip().rstrip(" .!")[:MAX_TOPIC_CHARS]
    zone_said = timeparse.stated_zone(text) if when else None  # "3pm EST": scheduled in New York's time
    if when and zone_said:
        when = when.astimezone(zone_said)
    entities = Entities(
        platform=platform,
        topic=topic if name in POST_INTENTS else _topic(text),
        time=when.isoformat() if when else None,
        timezone=zone_said.key if zone_said else str(timezone_of(timezone)),
        dataset=dataset.group(0) if dataset else None,
        extra=extra,
    )
    return Intent(name=name, entities=entities, confidence=confidence, source="rules")


# A day the post talks about ("ends Sunday", "until Friday", "starts on Monday"), not its send time.
_CONTENT_TIME_RE = lazy_re.compile(
    r"\b(?:ends?|ending|until|till|through|thru|starts?|starting|(?:re)?opens?|open again|closes?|closed|"
    r"due|deadline|runs|back(?:\s+from|\s+on)?|available(?:\s+from)?|"
    # "our podcast episode, out thursday" (not "send it out tomorrow": when to post)
    r"(?<!it )(?<!them )out|live|released|drops|premieres|airs)\s+"
    r"(?:on\s+|at\s+|this\s+|next\s+)?(?:mon|tue|wed|thu|fri|sat|sun|tomorrow|tonight|\d|"
    r"jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec)",
    re.I,
)
# A clause after a post's topic that says how to do it, not what to say.
_HOW_CLAUSE = lazy_re.compile(
    r"^(?:and\s+)?(?:then\s+)?(?:(?:schedule|post|publish|send|share|queue|keep|make|use|add|end|finish|close|"
    r"mention|include|including|highlight|in|with|on|for|to|at|by|tone|please|thanks|maybe|perhaps|ideally|"
    r"preferably|around)\b"
    # "something short and sweet", "nothing too long", "short and punchy": how long, how it reads
    r"|(?:something|nothing|anything)\s+(?:(?:too|really|very|super)\s+)?(?:short|brief|simple|quick|punchy|"
    r"snappy|sweet|catchy|light|long|fun|casual|formal)\b"
    r"|(?:short|brief|simple|punchy|snappy)(?:\s+(?:and|but)\s+\w+)?$)",
    re.I,
)


# After a topic, clauses that say more about it rather than list a point: a name ("our new hire,
# Sarah"), who or what it is ("welcoming Tom, our new barista"), a relative clause ("who joins ...").
_RELATIVE_RE = lazy_re.compile(r"^(?:who|which|whose|where)\b", re.I)
_APPOSITIVE_RE = lazy_re.compile(r"^(?:our|my|the|a|an)\s+[\w-]+(?:\s+[\w-]+){0,3}$", re.I)
_NAME_RE = lazy_re.compile(r"^[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+){0,2}$")


def _same_sentence(text: str, topic: str) -> str:
    """What follows the topic in its sentence ("..., Priya? keep it warm" -> ", Priya"): a sentence
    after it says how to write the post, read where the topic's sentence ends."""
    at = text.find(topic)
    rest = text[at + len(topic) :] if at >= 0 else ""
    return re.split(r"(?<=\S)[.?!]+(?:\s+|$)", rest, maxsplit=1)[0]


def _with_appositive(text: str, topic: str) -> str:
    """The topic with the clauses after it that describe it ("our new hire, Sarah, who joins as
    head of design"), which are not points of their own; the topic as it is otherwise."""
    rest = _same_sentence(text, topic)
    if not rest.startswith(","):
        return topic
    taken: list[str] = []
    parts = [p.strip() for p in re.split(r",\s*", rest.strip(" ,.!"))]
    for part in parts:
        named_last = (taken[-1] if taken else topic).split()[-1][:1].isupper()
        if _RELATIVE_RE.match(part) or _NAME_RE.match(part) or (named_last and _APPOSITIVE_RE.match(part)):
            taken.append(part)
        else:
            break
    # names alone ("our team, Ana, Luis") may be the points; one name that ends the sentence is
    # who the topic is ("we hired our first data engineer, Priya? keep it warm")
    one_name = len(parts) == 1 and taken == parts
    if not one_name and not any(_RELATIVE_RE.match(p) or _APPOSITIVE_RE.match(p) for p in taken):
        return topic
    return ", ".join([topic, *taken])[:MAX_TOPIC_CHARS]


def _details_after(text: str, topic: str, found: timeparse.Resolved | None) -> list[str]:
    """Short details the person added after the topic, comma-separated ("we're hiring two backend
    engineers, remote ok, link is acme.io/jobs"): the post's points, not dropped. Clauses that say
    how (schedule, tone, platform, time, call to action) are not details."""
    rest = _same_sentence(text, topic)
    # "our holiday hours on facebook tomorrow morning: dec 24 9-2, ...": where and when it goes out
    # may stand between the topic and its details
    when = re.escape(found.text) if found else "(?!)"  # (?!) matches nothing: no time was said
    rest = re.sub(
        rf"^(?:\s*(?:(?:on|for|to)\s+(?:twitter|x|linkedin|instagram|facebook)|{when}|please|pls))+\s*(?=:)",
        "",
        rest,
        flags=re.I,
    )
    if not rest.startswith((",", ":")):  # "our hours: closed on the 25th, open on the 27th"
        return []
    details = []
    for part in re.split(r"[,;]\s*", rest.strip(" ,;:.!")):
        part = part.strip(" .")
        if not part or len(part.split()) > 8 or _HOW_CLAUSE.match(part) or _TONE_RE.search(part):
            continue
        if _NO_HASHTAGS_RE.search(part):
            continue
        # "..., sunday may 10, book at luigis.com": a day without a clock, set off like the other
        # details and with no word asking to schedule, is the event's day, not the post's send time
        told = _time_in(part)
        sends = found and told == found.text.lower() and (found.explicit_time or _SCHEDULE_RE.search(text))
        if any(p.search(part) for _, p in _PLATFORMS) or sends:
            continue  # a platform, or the time (said again as a clause)
        details.append(part)
    return details[:5]


POST_INTENTS = ("create_post", "create_and_schedule", "schedule_post", "publish_post")


def _cancelling(
    text: str, platform: str | None, said: timeparse.Resolved | None, tz: str | None, now: datetime | None
) -> tuple[str, float, dict[str, object]]:
    """(intent, confidence, details) of "cancel my LinkedIn post for tomorrow": `cancel_post` with the
    day it goes out (the person's date, from `said`, the time the request names), which ("one",
    "next", "all"); a post already out, or a schedule that is not a post's, is answered by CORE
    (`manage_posts`)."""
    zone = timezone_of(tz)
    today = (now or datetime.now(zone)).astimezone(zone).date()
    day = said.when.astimezone(zone).date() if said else None
    about_posts = (
        platform is not None
        or re.search(r"\b(?:posts?|tweets?|captions?)\b", text, re.I)
        or _CANCEL_IT_RE.match(text)
    )
    if not about_posts or _PUBLISHED_RE.search(text) or (day is not None and day < today):
        return "manage_posts", 0.9, {"about": CANCEL}
    # "cancel my scheduled posts": the plural is every one; "cancel my post" is one
    plural = re.search(r"\b(?:posts|tweets)\b", text, re.I) and not re.search(
        r"\b(?:post|tweet)\b", text, re.I
    )
    which = (
        "all" if _CANCEL_ALL_RE.search(text) or plural else "next" if _CANCEL_NEXT_RE.search(text) else "one"
    )
    return "cancel_post", 0.9, {"which": which} | ({"day": day.isoformat()} if day else {})


def cancels_it(text: str) -> bool:
    """True for "cancel it", "actually, cancel that": the post this conversation made, not one named."""
    return _CANCEL_IT_RE.match(text) is not None


def found_time(text: str, tz: str | None, now: datetime | None) -> timeparse.Resolved | None:
    """The time a whole request names; a lone part of the day ("evening") is a topic word there."""
    try:
        found = timeparse.find_time(text, str(timezone_of(tz)), now)
    except timeparse.TimeParseError:
        return None
    if found is None or timeparse.is_part_of_day(found.text):
        return None
    return found


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
