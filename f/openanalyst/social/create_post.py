"""Write a social media post for one platform: its length, hashtag and tone rules applied.

Model-written when an Anthropic key and a model id are configured; otherwise (or when the model
fails or overshoots the limit twice) an offline template writes it. Either way the post is
within the platform's limits, and `mode` says which one produced it.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Literal

import f.openanalyst.lib.platforms as platforms
import f.openanalyst.lib.shorter as shorter
from f.openanalyst.lib.ai.writer import ModelDeclined, ModelUnavailable, complete
from f.openanalyst.lib.needs_input import NeedsInput
from f.openanalyst.lib.users import validate_user_id

Tone = Literal["professional", "casual", "enthusiastic", "informative", "witty"]
MAX_TOPIC_CHARS = 300
MAX_DRAFTS = 5
# `mode` of a post taken as it is: the person's own words, or a draft they approved
AS_WRITTEN = {"person": "as written", "draft": "as approved"}
SHORTENED = "shortened"  # the person's own words, made shorter ("make this shorter: ...")
DECLINED = (
    "I won't write that post. If you meant something else, say it in other words; I'm glad to help "
    "with a post that makes your point without targeting anyone."
)

_STOP = frozenset(
    (
        "joins",  # "Maria Garcia joins us as CTO": #MariaGarcia #CTO, not #Joins
        "joined",
        "joining",
        # a caption's picture is not its subject ("our team photo at the summer party")
        "photo",
        "photos",
        "picture",
        "pictures",
        "pic",
        "pics",
        # how numbers compare ("our orders rose from 230 to 310"): #Orders, not #Rose #Than
        "rose",
        "fell",
        "more",
        "than",
        "less",
        "most",
        "least",
        "highest",
        "lowest",
        "their",
        "looking",
        "congratulating",
        "congratulate",
        "congratulations",
        # verbs of when, not what ("our webinar starts in 1 hour": #Webinar, not #WebinarStarts)
        "starts",
        "begins",
        "ends",
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "how",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "the",
        "that",
        "this",
        "us",
        "who",
        "to",
        "we",
        "what",
        "when",
        "why",
        "with",
        "your",
        "you",
        "about",
        "new",
        "latest",
        "post",
        "tweet",
        "write",
        "create",
        "schedule",
        # light verbs and praise in a topic ("our barista making latte art", "thanking ... for a
        # great year"): no tag of their own
        "thanking",
        "wishing",
        "won",
        "win",
        "wins",
        "winning",
        # how a number moved ("our sales rose from ...") is no subject
        "rose",
        "fell",
        "dropped",
        "grew",
        "climbed",
        "jumped",
        "increased",
        "decreased",
        "great",
        "just",
        "making",
        "doing",
        "getting",
        "having",
        "taking",
        "giving",
        "being",
        # a reason or a condition is no subject: "closed tomorrow because of the snow" -> #Snow
        "because",
        "hit",  # "we hit 1,000 subscribers" -> #Subscribers, not #Hit
        # helping verbs and what people do at an event: "will speak at Web Summit" -> #WebSummit
        "will",
        "would",
        "can",
        "could",
        "should",
        "must",
        "speak",
        "talk",
        "come",
        "say",
        "see",
        "meet",
        "everyone",
        "everybody",
        "came",
        "due",
        "until",
        "again",
        "all",
        "off",
        # what a sentence-topic says around its subject ("we have a new vegan menu", "link is ...")
        "have",
        "has",
        "had",
        "was",
        "were",
        "link",
        "ok",
    )
)

# Offline templates by tone: {topic} is the topic as given, {Topic} capitalised. Each template
# is a complete post a person could publish; the platform's shape is added around it.
_HOOKS: dict[str, list[str]] = {
    "professional": [
        # no "what we have learned so far": a template cannot say what that was
        "Here's our take on {topic}.",
        "A few thoughts on {topic}.",
        "Let's talk about {topic}.",
    ],
    "casual": [
        "Been thinking a lot about {topic} lately.",
        "Quick one on {topic}:",
        "Okay, let's talk about {topic}.",
    ],
    "enthusiastic": [
        "{Topic} is moving fast, and it is exciting to watch!",
        "Big things are happening in {topic}!",
        "We can't stop talking about {topic}!",
    ],
    "informative": [
        "A short guide to {topic}.",
        "{Topic}, explained in a minute.",
        "What you need to know about {topic}.",
    ],
    "witty": [
        "{Topic}: everyone has an opinion, few have a plan.",
        "If {topic} were easy, we'd all be done by lunch.",
        "Plot twist: {topic} is mostly about people.",
    ],
}
# A topic that announces something ("launching our app", "our new coffee blend", "we're hiring")
# is news, not a subject to muse about: the post opens with the news itself.
_GERUND_NEWS = re.compile(
    r"^(?:launching|introducing|announcing|unveiling|releasing|opening|hitting|reaching|crossing|"
    r"celebrating|welcoming|hiring|expanding|moving)\b",
    re.I,
)
# The same verbs inside a topic ("celebrating our team hitting 10k customers"), but for those that
# are nouns there too ("our opening hours", "our hiring plan").
_GERUND_INSIDE = re.compile(r"(?<=\s)(?:hitting|reaching|crossing|celebrating|welcoming)\b", re.I)
_WE_NEWS = re.compile(r"^we(?:'re| are)\s+", re.I)
# "we just shipped dark mode", "we've hit 10k users", "I joined Acme": already said as news.
_WE_SAID = re.compile(r"^(?:we|i)(?:'ve|'ll|'m| have| will| just| finally| officially)*\s+\w", re.I)
# "our bakery's new sourdough", "our coffee shop's new drinks" (not "our new year's day class")
_NEW_THING = re.compile(r"^(?:our|the)\s+(?:(?:[\w-]+\s+)?[\w-]+['’]s\s+)?new\b(?!\s+year)", re.I)
_RELEASED = re.compile(
    r"^(?:our|the)\s+(?:(?:[\w-]+\s+)?[\w-]+['’]s\s+)?new\s+(?:[\w-]+\s+){0,2}?(?:episode|podcast|video|article|"
    r"blog post|newsletter|issue|report|guide|e-?book|book|album|single|course|season)\b",
    re.I,
)
# "our Q4 results", "the survey numbers": figures to share, which are news
_RESULTS = re.compile(r"^(?:our|the)\s+(?:[\w-]+\s+){0,3}?(?:results|numbers|figures|earnings)$", re.I)
_ONLINE = re.compile(
    r"\b(?:website|web\s?site|site|web\s?shop|online\s+(?:store|shop)|app|blog|portal)$", re.I
)
# A topic that is already a statement of news: "our shop closes early for the holidays".
_STATEMENT = re.compile(
    r"^(?:(?:our|my|the)\s+)?(?:[\w-]+\s+){0,3}?(?:is|are|was|were|has|have|had|will|closes?|moves?|"
    r"opens?(?!\s+(?:days?|house|evenings?|mornings?|mic|source|call|letter)\b)|"  # not "our open day"
    r"turns?|hits?|reache[sd]|joins?|joined|launche[sd]|gets?|got|goes|went|starts?|started|ends?|ended|"
    r"go\s+(?:up|down|live)|"  # "prices go up 5% from january"
    r"grew|doubled|won|wins|rose|fell|dropped|climbed|jumped|increased|decreased|tripled)\b",
    re.I,
)
# "our opening hours changing to 9-5", "our shop moving to Main Street": news without its verb.
_CHANGING = re.compile(
    # "our grand opening", "a soft launch": the -ing word is the noun there, not what changes
    r"^(?!(?:our|my|the)\s+(?:grand|soft|big|official)\s+(?:opening|launch|launching|closing)\b)"
    r"(?P<who>(?:our|my|the)\s+(?:[\w-]+\s+){0,2}?[\w-]+)\s+(?P<what>(?:changing|moving|closing|opening|"
    r"going|getting|coming|returning|expanding|launching|starting|ending)\b"
    # "our winter opening hours", "our closing day party": the -ing word starts a noun there
    r"(?!\s+(?:hours?|times?|days?|nights?|dates?|ceremony|party|event|week(?:end)?|prices?|offers?)\b).*)$",
    re.I,
)
_CHANGE_VERB = re.compile(r"^\w+(?:\s+(?:to|on|in|at|for|from|early))*\s*")  # "moving to "
_NEWS_HOOKS: dict[str, list[str]] = {
    "professional": ["{News}.", "News from our team: {news}."],
    "casual": ["Guess what? {News}!", "Some news: {news}."],
    # news of what is to come too ("we're opening in brooklyn next month"): never "It's here!"
    "enthusiastic": ["Big news! {News}! 🎉", "Big day: {news}!"],
    "informative": ["What's new: {news}.", "An update: {news}."],
    "witty": ["Stop scrolling. {News}.", "Breaking (the good kind): {news}."],
}


# Something that already happened ("our team volunteering at the food bank last saturday"): looked
# back on, not promoted ("Don't miss ...") or mused about ("Been thinking about ... lately").
_PAST = re.compile(
    r"\b(?:yesterday|last\s+(?:night|week(?:end)?|month|year|(?:mon|tues|wednes|thurs|fri|satur|sun)day)|"
    r"this\s+past\s+(?:week(?:end)?|(?:mon|tues|wednes|thurs|fri|satur|sun)day)|"
    r"earlier\s+this\s+(?:week|month))\b",
    re.I,
)
_PAST_HOOKS: dict[str, list[str]] = {
    "professional": ["A look back at {topic}.", "Looking back on {topic}."],
    "casual": ["Still smiling about {topic}.", "What a day: {topic}!"],
    "enthusiastic": ["So proud of {topic}! 🙌", "What a day: {topic}! 🎉"],
    "informative": ["A recap: {topic}.", "Looking back: {topic}."],
    "witty": ["Still not over {topic}.", "Best. Day. Ever. {Topic}."],
}
_PAST_CLOSERS = ["Here's to the next one!", "Thanks to everyone who made it happen."]
# Practical information ("our holiday hours", "our new prices"): given plainly, its details first.
_NOTICE = re.compile(
    r"^(?:our|my|the)\s+(?:[\w'’-]+\s+){0,3}(?:hours|opening times|timetable|prices|price list|closures)$",
    re.I,
)
_NOTICE_CLOSERS = ["See you soon!", "Plan your visit with these in mind."]


# Days of the year with a name of their own: invited to like a sale, tagged and written as names.
_OCCASIONS = (
    r"merry christmas|happy holidays|happy new year|black friday|cyber monday|boxing day|"
    r"(?:valentine|mother|father)['’]?s day|"
    r"new year(?:['’]?s)?(?:\s+(?:day|eve))?|christmas(?:\s+(?:eve|day))?|halloween|"
    r"(?:national|world|international)\s+(?:[\w'’-]+\s+){1,3}?day"  # "national coffee day"
)
# A post that is only the day itself ("3 tweets for national coffee day"): greeted, not mused about.
_DAY_ITSELF = re.compile(rf"^(?:(?:it'?s|for|on)\s+)?(?P<day>{_OCCASIONS})$", re.I)
_SHOPPING_DAY = re.compile(r"^(?:black friday|cyber monday|boxing day)$|^(?:world|international)\s", re.I)
_DAY_HOOKS = ["{greeting} {day}!", "{day} is here!", "Cheers to {day}!"]
_DAY_CLOSERS = ["How are you celebrating?", "Who's celebrating with us?"]
# Something to come to ("our webinar", "mother's day brunch"): the post invites.
_EVENTS = (
    r"webinars?|workshops?|meetups?|conferences?|open house|tastings?|class(?:es)?|livestreams?|"
    r"hackathons?|festivals?|fairs?|part(?:y|ies)|open (?:days?|evenings?|mornings?)|"
    r"(?:grand|soft) openings?|brunch(?:es)?|dinners?|luncheons?|galas?|concerts?|fundraisers?|screenings?"
)
# Something to join or use ("our summer sale", "the data quality webinar"): invite to it, no musing.
_PROMO_RE = re.compile(
    r"\b(?:sales?|discounts?|offers?|deals?|promo(?:tion)?s?|giveaways?|contests?|events?|pop-?ups?|"
    rf"courses?|launch events?|holiday season|{_EVENTS}|{_OCCASIONS})\b",
    re.I,
)
_PROMO_HOOKS: dict[str, list[str]] = {
    "professional": ["Don't miss {topic}.", "A reminder: {topic}."],
    "casual": ["Psst… {topic}! 👀", "Heads up: {topic}!"],
    "enthusiastic": ["{Topic}: don't miss it! 🎉", "You asked for it: {topic}! 🙌"],
    "informative": ["Good to know: {topic}.", "On our calendar: {topic}."],
    "witty": ["Consider this your sign: {topic}.", "Your reminder to treat yourself: {topic}."],
}


# "announcing that Maria joined us", "sharing the news that we moved": the news is what follows.
_ANNOUNCING_THAT = re.compile(
    r"^(?:announcing|sharing|telling (?:everyone|people))\s+(?:the news\s+)?that\s+", re.I
)


# "our bakery's 5th birthday this weekend", "our 10th anniversary": a milestone said as news
# ("our bakery turns 5 ...", "we turn 10")
_TURNING = re.compile(
    r"^(?:(?P<own>our|my)|(?P<who>(?:our|my|the)\s+(?:[\w-]+\s+){0,2}?[\w-]+?)(?:['’]s)?)\s+"
    r"(?P<n>\d+)(?:st|nd|rd|th)\s+"
    r"(?:birthday|anniversary)\b(?P<rest>.*)$",
    re.I,
)


def _news(topic: str) -> str | None:
    """An announcing topic as a sentence ("we're launching our app", "meet our new blend"), else None."""
    if found := _TURNING.match(topic):
        who = {"our": "we turn", "my": "I turn"}.get(str(found["own"]).lower())  # "our 10th anniversary"
        who = who or f"{found['who'][:1].lower()}{found['who'][1:]} turns"
        return f"{who} {found['n']}{found['rest']}"
    if found := _ANNOUNCING_THAT.match(topic):
        said = topic[found.end() :]
        return (
            said
            if _STATEMENT.match(said) or _WE_SAID.match(said)
            else f"we're {topic[:1].lower()}{topic[1:]}"
        )
    lower = topic[:1].lower() + topic[1:]
    if _GERUND_NEWS.match(topic):
        return f"we're {lower}"
    if found := _WE_NEWS.match(topic):
        return f"we're {topic[found.end() :]}"
    if _RESULTS.match(topic):  # "our Q4 results": they are in
        return f"{lower} are in"
    if _NEW_THING.match(topic) and _ONLINE.search(topic):  # "our new website": it is live
        return f"{lower} is live"
    if _NEW_THING.match(topic):
        # something to read, watch or hear is out; someone or something to get to know is met
        return f"{lower} is out" if _RELEASED.search(topic) else f"meet {lower}"
    if found := _CHANGING.match(topic):  # plural nouns are "are" ("hours are"), a single one "is"
        verb = "are" if found["who"].lower().endswith("s") else "is"
        return f"{found['who'][:1].lower()}{found['who'][1:]} {verb} {found['what']}"
    if _STATEMENT.match(topic) or _WE_SAID.match(topic):
        return lower if not topic.startswith("I ") else topic
    return None


# Closers that fit any subject (not only a trend): a question the reader can answer.
_QUESTIONS = [
    "What do you think?",
    "What's your take?",
    "What would you add?",
]
# News is closed by an invitation, not by a question about trends.
_NEWS_CLOSERS = [
    "Questions? Ask us in the comments.",
    "Share it with someone who should know.",
    "Tell us what you think.",
]
_EVENT_RE = re.compile(rf"\b(?:{_EVENTS})\b", re.I)
_EVENT_CLOSERS = ["See you there!", "Join us!"]
_SALE = re.compile(r"\d\s?%\s+off\b|\b(?:sales?|discounts?|deals?|buy one,? get one|bogo|2 for 1)\b", re.I)
_SALE_CLOSERS = ["Don't miss out!", "Share it with someone who'd love it."]
# "Maria Garcia joins us as CTO": a newcomer is welcomed
_WELCOMING = re.compile(r"\bwelcom(?:e|ing)\b|\bjoin(?:s|ed|ing)\s+(?:us|our\s+team|the\s+team)\b", re.I)
_WELCOME_CLOSERS = ["Please join us in welcoming them!", "Say hello in the comments!"]
_CLOSED = re.compile(r"\b(?:closed|closing early|shut)\b", re.I)
_CLOSED_CLOSERS = ["Thank you for your understanding.", "See you soon!"]
_THANKS_CLOSERS = ["Here's to the next one, together.", "We couldn't do it without you."]
# A job opening is passed on, not debated.
_HIRING = re.compile(
    r"\b(?:hiring|recruiting|job opening|open (?:role|position)s?|join (?:our|the) team|looking for an?)\b",
    re.I,
)
# A number reached is a milestone: the people who made it are thanked.
_MILESTONE = re.compile(
    r"\b(?:hit|hitting|reached|reaching|crossed|crossing|passed|surpassed)\s+[\d$€£]"
    # "we just won the regional small business award": an award is thanked for, not debated
    r"|\b(?:won|winning|wins?|received|named|shortlisted|finalists?)\b.*\b(?:award|prize|title|cup|grant)s?\b"
    r"|\b\d+(?:st|nd|rd|th)\s+(?:birthday|anniversary)\b"  # "our 5th birthday": thanks for the years
    r"|\b(?:grew|doubled|tripled)\b",  # "our email list grew from 2,000 to 3,500": thanks to who made it
    re.I,
)
_MILESTONE_CLOSERS = ["Thank you for being part of it!", "Here's to the next milestone, together."]
_HIRING_NEWS = re.compile(
    r"^(?:we(?:'re|\s+are)\s+)?(?:hiring|recruiting|looking\s+for\s+an?)\b|\bjoin\s+(?:our|the)\s+team\b",
    re.I,
)
_HIRING_CLOSERS = [
    "Know someone who'd be a great fit? Share this with them.",
    "Know someone? Tag them below.",
]


def _pick(options: list[str], seed: str) -> str:
    return options[int(hashlib.sha256(seed.encode()).hexdigest(), 16) % len(options)]


def _camel(words: list[str]) -> str:
    """Words as one tag, each once (a word said twice is not tagged twice: #ChristmasEve, not
    #ChristmasEveChristmas)."""
    once = {w.lower(): w for w in reversed(words)}  # the first spelling of each word
    return "".join(w[:1].upper() + w[1:] for w in (once[k] for k in dict.fromkeys(w.lower() for w in words)))


_GENERIC = frozenset(
    (
        "trends",
        "trend",
        "tips",
        "ideas",
        "news",
        "update",
        "updates",
        "things",
        "ways",
        "guide",
        "thoughts",
        "future",
        # a span of time is no subject ("the first year of our roastery": #Roastery, not #Year)
        "first",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
    )
)


# Occasions of several words are one name (#BlackFriday, #NewYearsDay, not #Black or #Year #Day).
_OCCASION = re.compile(rf"\b(?:{_OCCASIONS})\b", re.I)


# When the topic says it happens ("on Dec 15 at 3pm CET", "this Friday"): no hashtag names a date.
_WHEN_IN_TOPIC = re.compile(
    r"\b(?:on|at|by|from|until|this|next|last|this\s+past)?\s*(?:"
    r"(?:jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.?(?=\s*\d)|"
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december)(?=\s*\d)|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)days?|\d{1,2}(?::\d{2})?\s*(?:am|pm)|today|tonight|tomorrow|"
    r"yesterday|(?:last|this|next)\s+(?:night|morning|evening|weekend|week|month|year)|in\s+(?:an?|\d+)\s+(?:minutes?|hours?|days?|weeks?)|"
    r"\d{1,2}(?:st|nd|rd|th)\b|(?:UTC|GMT|CET|CEST|EST|EDT|CST|PST|PDT|BST)\b|"
    r"(?<=\s)\d{1,2}\b(?!\s*[a-z%])"
    r")",
    re.I,
)


# A name of several capitalised words ("Maria Garcia", "Web Summit").
_NAME = re.compile(r"\b[A-Z][^\W_]+(?:\s+[A-Z][^\W_]+)+\b")


def suggest_hashtags(topic: str, count: int) -> list[str]:
    """Hashtags from the topic: the short topic in CamelCase, then acronyms and names as written,
    then the longest remaining words; generic words ("trends", "tips") never stand alone."""
    said = topic
    topic = _OCCASION.sub(lambda m: _camel(re.sub(r"['’]", "", m[0]).split()), topic)  # #BlackFriday
    topic = _WHEN_IN_TOPIC.sub(" ", topic)  # "our webinar on Dec 15 at 3pm CET" -> #Webinar
    topic = _GERUND_NEWS.sub("", topic)  # "hitting 10k users" -> #10kUsers, not #Hitting
    topic = _GERUND_INSIDE.sub("", topic)
    if changing := _CHANGING.match(topic):  # "our opening hours changing to 9-5" -> #OpeningHours
        topic = f"{changing['who']} {_CHANGE_VERB.sub('', changing['what'])}"
    topic = re.sub(r"['’](?:re|ve|ll|m|d)\b", "", topic, flags=re.I)  # "we're closed": no #Re
    topic = re.sub(r"['’]s\b", "", topic)  # "our bakery's sourdough" -> #Bakery, not #S
    topic = re.sub(r"\b(Dr|Prof)\.?\s+(?=[A-Z])", r"\1", topic)  # "Dr. Lee" -> #DrLee, not #Dr #Lee
    # a name of several words is one tag ("Maria Lopez" -> #MariaLopez), a verb in the past none
    names = {"".join(m.split()) for m in _NAME.findall(topic)}
    topic = _NAME.sub(lambda m: "".join(m[0].split()), topic)
    words = [
        w
        # Büro, São Paulo; "part-time" is one word (#PartTime)
        for w in (
            "".join(p[:1].upper() + p[1:] for p in m.split("-")) if "-" in m else m
            for m in re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)+|[^\W_]+", topic)
        )
        if w.lower() not in _STOP
        and not w.isdigit()  # "9-5" is no tag ("10k" is)
        and not (w.islower() and len(w) > 4 and w.endswith("ed"))
    ]
    core = [w for w in words if w.lower() not in _GENERIC]
    # a thanks or congratulations is tagged as one
    tags: list[str] = (
        ["ThankYou"] if _THANKING.match(said) else ["Congratulations"] if _CONGRATULATING.match(said) else []
    )
    if _HIRING_NEWS.search(said):  # a job is found by its tag (not "our hiring plan")
        tags.append("Hiring")
    # two names already one tag each (#CEOAnaRuiz, #WebSummit) make no longer one together, nor does
    # a person's name with other words (#MariaGarcia #CTO, not #MariaGarciaCTO)
    joined = sum(bool(re.search(r"[a-z][A-Z]", w)) for w in words) > 1 or bool(names & set(words))
    if 1 < len(core) <= 3 and not joined:
        tags.append(_camel(core))
    elif 1 < len(words) <= 3 and not joined:  # "AI trends" -> AITrends
        tags.append(_camel(words))
    named = [w for w in words if w[:1].isupper() or w.isupper()]
    rest = sorted((w for w in words if w not in named and w.lower() not in _GENERIC), key=len, reverse=True)
    for w in [*named, *rest]:
        tag = w if w[:1].isupper() else w[:1].upper() + w[1:]
        if tag.lower() not in {t.lower() for t in tags}:
            tags.append(tag)
    return tags[:count]


def _clean_tag(tag: str) -> str:
    return re.sub(r"\W", "", tag.lstrip("#"))


def _fit(text: str, limit: int) -> str:
    """Cut at a word boundary so the text (with an ellipsis) fits `limit` characters."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,.;:-")
    return cut + "…"


# "thanking our customers for a great 2026": the post says the thanks itself.
_THANKING = re.compile(r"^thank(?:ing|s to)\s+(?P<who>.+?)(?:\s+for\s+(?P<what>.+))?$", re.I)
# "congratulating our partner Nordic Coffee on their new store": the post says the congratulations
_CONGRATULATING = re.compile(
    r"^congratulat(?:ing|e|ions\s+to)\s+(?P<who>.+?)(?:\s+(?:on|for)\s+(?P<what>.+))?$", re.I
)
_CONGRATULATIONS_CLOSERS = ["Well deserved!", "Here's to what comes next!"]
# "wishing everyone a merry Christmas": the post is the wish itself, not news or an invitation
_WISHING = re.compile(r"^wishing\s+(?P<what>.+)$", re.I)
_WISH_CLOSERS = ["From all of us to all of you.", "See you soon!"]


# "a caption for our team photo at the summer party": the picture shows it; nothing to come to
_PICTURE = re.compile(r"\b(?:photos?|pictures?|pics?|selfies?|snapshots?)\b", re.I)
_PICTURE_AFTER_NOUN = re.compile(r"(?<=\w)\s+(?:photos?|pictures?|pics?|snapshots?)\b", re.I)
_PICTURE_CLOSERS = ["Tag yourself if you're in it!", "What a day!"]


def _hook(topic: str, tone: str, seed: str, listed: bool = False) -> str:
    """The opening line: the thanks or the news itself, else a line about the subject (`listed`:
    the person's points follow it)."""
    if day := _DAY_ITSELF.match(topic):  # "Happy National Coffee Day!"; a shopping or awareness day is said
        named = _names_capitalised(day["day"])
        greeting = "Merry" if named.lower().startswith("christmas") else "Happy"
        said = ["It's {day}.", "{day} is here."] if _SHOPPING_DAY.match(day["day"]) else _DAY_HOOKS
        return _pick(said, seed).format(day=named, greeting=greeting)
    if _NOTICE.match(topic):  # said as a statement ("prices go up 5% in january") it is news
        hooks = (
            ["{Topic}:", "Here are {topic}:"]
            if listed
            else ["Good to know: {topic}.", "A quick note on {topic}."]
        )
        return _pick(hooks, seed).format(topic=topic, Topic=topic[:1].upper() + topic[1:])
    if _PICTURE.search(topic) and not _news(topic):  # what the picture shows ("our team at the party")
        shown = _PICTURE_AFTER_NOUN.sub("", topic).strip()
        return f"{shown[:1].upper()}{shown[1:]}."
    if thanks := _THANKING.match(topic):
        return f"Thank you to {thanks['who']}" + (f" for {thanks['what']}!" if thanks["what"] else "!")
    if wish := _WISHING.match(topic):
        return f"Wishing {wish['what']}!"
    if cheer := _CONGRATULATING.match(topic):
        return f"Congratulations to {cheer['who']}" + (f" on {cheer['what']}!" if cheer["what"] else "!")
    if news := _news(topic):
        return _pick(_NEWS_HOOKS[tone], seed).format(news=news, News=news[:1].upper() + news[1:])
    hooks = _PAST_HOOKS if _PAST.search(topic) else _PROMO_HOOKS if _PROMO_RE.search(topic) else _HOOKS
    return _pick(hooks[tone], seed).format(topic=topic, Topic=topic[:1].upper() + topic[1:])


# Days and months are names ("closed on saturday" -> "closed on Saturday"); "may" and "march",
# which are also verbs, only before a day.
_CALENDAR_NAME = re.compile(
    rf"\b(?:{_OCCASIONS}|(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?|january|"
    r"february|april|june|july|august|september|october|november|december|easter|thanksgiving|"
    r"hanukkah|diwali|ramadan|eid|(?:jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)(?=\.?\s*\d)|"
    r"(?:march|may)(?=\s+\d{1,2}(?:st|nd|rd|th)?\b)|"
    r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?=\.?\s*\d))\b"  # "sat 9-4" -> "Sat 9-4"
)


def _names_capitalised(text: str) -> str:
    """Days, months and holidays as names: "closed dec 25 for christmas" -> "closed Dec 25 for Christmas"."""
    return _CALENDAR_NAME.sub(lambda m: m[0].title().replace("'S", "'s").replace("’S", "’s"), text)


def _closers(topic: str, told: bool, points: str = "") -> list[str]:
    """How a post ends: thanks, a job to pass on, news to share, or a question on the subject
    (`points`: the details listed, where a deal may be said: "mothers day, 15% off all flowers")."""
    if _THANKING.match(topic):
        return _THANKS_CLOSERS
    if _WISHING.match(topic):
        return _WISH_CLOSERS
    if _CONGRATULATING.match(topic):
        return _CONGRATULATIONS_CLOSERS
    if _HIRING.search(topic):
        return _HIRING_CLOSERS
    if _MILESTONE.search(topic):
        return _MILESTONE_CLOSERS
    if _WELCOMING.search(topic):  # "welcoming Priya Shah, our new head of marketing"
        return _WELCOME_CLOSERS
    if _CLOSED.search(topic):  # "we're closed on December 24th and 25th": no opinion asked
        return _CLOSED_CLOSERS
    if _PICTURE.search(topic):  # a caption: the people in it are tagged, nobody is invited
        return _PICTURE_CLOSERS
    if day := _DAY_ITSELF.match(topic):  # a shopping day's post, or one with a deal, passes it on
        return _SALE_CLOSERS if _SHOPPING_DAY.match(day["day"]) or _SALE.search(points) else _DAY_CLOSERS
    if _PAST.search(topic):  # "our summer party last saturday": over, so nobody is invited to it
        return _PAST_CLOSERS
    if _NOTICE.match(topic):  # hours and prices: nothing to debate
        return _NOTICE_CLOSERS
    if _EVENT_RE.search(topic):  # "our webinar starts in 1 hour": come, not "tell us what you think"
        return _EVENT_CLOSERS
    if _SALE.search(topic) or _SALE.search(points):  # a deal is passed on, not debated
        return _SALE_CLOSERS
    return _NEWS_CLOSERS if told else _QUESTIONS


def offline_post(
    platform: str,
    topic: str,
    tone: str,
    hashtags: list[str],
    cta: str | None,
    limit: int | None = None,
    points: list[str] | None = None,
    variant: int = 0,
) -> str:
    """A post from the request's own words: its topic (as news when it announces something), the
    points the person listed, their call to action, in their tone; no invented claims. Another
    `variant` picks other opening and closing lines."""
    # a brief cut to whole sentences ends in a full stop the hook adds its own words after
    topic_clean = _names_capitalised(" ".join(topic.split()).rstrip(" .;:"))
    seed = f"{platform}|{tone}|{topic_clean.lower()}" + (f"|{variant}" if variant else "")
    hook = _hook(topic_clean, tone, seed, listed=any(p.strip() for p in points or []))
    told = _news(topic_clean) or _PROMO_RE.search(topic_clean)  # news and invitations: no musing question
    question = cta or _pick(_closers(topic_clean, bool(told), " ".join(points or [])), seed + "q")
    tags = " ".join(f"#{t}" for t in hashtags)
    rules = platforms.RULES[platform]
    limit = min(limit or rules.max_chars, rules.max_chars)
    said = [_names_capitalised(" ".join(p.split())) for p in points or [] if p.strip()]
    if said and platform in ("twitter", "facebook"):  # the points run on after a sentence
        said[0] = said[0][:1].upper() + said[0][1:]
    if platform == "twitter":
        listed = f" {'; '.join(said)}." if said else ""
        body, sep = f"{hook}{listed} {question}", " "
    elif platform == "linkedin":
        listed = "\n\n" + "\n".join(f"→ {p[:1].upper()}{p[1:]}" for p in said) if said else ""
        body, sep = f"{hook}{listed}\n\n{question}", "\n\n"
    elif platform == "instagram":
        listed = "\n\n" + "\n".join(f"✔️ {p}" for p in said) if said else ""
        invite = " Tell us in the comments." if question.endswith("?") else ""
        emoji = f" {platforms.TONE_EMOJI[tone]}" if tone != "professional" else ""  # visual-first, not formal
        body, sep = f"{hook}{emoji}{listed}\n\n{question}{invite}", "\n\n"
    else:  # facebook: short and conversational
        listed = f" {', '.join(said)}." if said else ""
        body, sep = f"{hook}{listed} {question}", " "
        limit = min(limit, rules.ideal_chars[1])
    # Hashtags are kept whole; the body is shortened at a word boundary to leave room for them.
    while tags and len(tags) + len(sep) > limit // 3:
        tags = tags.rsplit(" ", 1)[0] if " " in tags else ""
    budget = limit - (len(tags) + len(sep) if tags else 0)
    if len(body) > budget and not cta and body.rfind(question) > 0:
        # a short post drops the closing question whole before any of the news is cut
        body = body[: body.rfind(question)].rstrip()
    # then hashtags, last first, when that keeps the news whole (a long brief is cut, tags kept)
    while budget < len(body) <= limit and tags:
        tags = tags.rsplit(" ", 1)[0] if " " in tags else ""
        budget = limit - (len(tags) + len(sep) if tags else 0)
    return f"{_fit(body, budget)}{sep}{tags}".strip() if tags else _fit(body, budget)


def _model_prompt(
    platform: str,
    topic: str,
    tone: str,
    audience: str | None,
    cta: str | None,
    hashtags: list[str],
    limit: int,
    points: list[str] | None = None,
    no_hashtags: bool = False,
) -> tuple[str, str]:
    rules = platforms.RULES[platform]
    tagged = "no hashtags" if no_hashtags else f"{rules.hashtags[0]}-{rules.hashtags[1]} hashtags"
    system = (
        f"You write social media posts for {rules.name}. Rules: at most {limit} characters in total "
        f"(links count as {platforms.TCO_LENGTH} on X); {tagged}; "
        f"style: {rules.style}. Never invent statistics, quotes or facts you were not given. "
        "Answer with the post text only: no preamble, no quotation marks."
    )
    prompt = f"Write a {tone} post about: {topic}"
    if audience:
        prompt += f"\nAudience: {audience}"
    if points:
        prompt += "\nMake these points, in this order: " + "; ".join(points)
    if cta:
        prompt += f"\nEnd with this call to action: {cta}"
    if hashtags:
        prompt += "\nUse these hashtags: " + " ".join(f"#{t}" for t in hashtags)
    return system, prompt


def _more_model_drafts(
    system: str, prompt: str, platform: str, limit: int, wanted: int, earlier: list[str]
) -> list[str]:
    """Other versions from the model, each told the earlier ones; a draft that breaks the platform's
    limits or a model that stops answering ends the list (the templates fill the rest)."""
    more: list[str] = []
    for _ in range(wanted):
        shown = "\n\n".join(f"Draft {n}:\n{d}" for n, d in enumerate([*earlier, *more], 1))
        try:
            out = complete(system, f"{prompt}\n\nWrite another version, different from these:\n\n{shown}")
        except (ModelUnavailable, ModelDeclined):
            break
        draft = out.text.strip().strip('"').strip()
        if platforms.problems(platform, draft) or platforms.count_chars(platform, draft) > limit:
            break
        more.append(draft)
    return more


def _as_written(text: str) -> str:
    """The person's own words with their line breaks (paragraphs, a hashtag line) kept: only
    spaces inside a line and blank lines beyond one are tidied."""
    lines = [" ".join(line.split()) for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def main(
    user_id: str,
    platform: Literal["twitter", "linkedin", "instagram", "facebook"],
    topic: str,
    tone: Literal["professional", "casual", "enthusiastic", "informative", "witty"] = "professional",
    audience: str | None = None,
    call_to_action: str | None = None,
    key_points: list[str] | None = None,
    hashtags: list[str] | None = None,
    max_chars: int | None = None,
    use_model: bool = True,
    text: str | None = None,
    count: int = 1,
    text_from: Literal["person", "draft"] = "person",
    hashtag_style: Literal["suggested", "none"] = "suggested",
    shorten: bool = False,
) -> dict[str, Any]:
    """Write a post about `topic` for `platform`, in `tone`, within the platform's limits.

    Args:
        user_id: the person the post is for.
        platform: twitter (also "x"), linkedin, instagram or facebook.
        topic: what the post is about (at most 300 characters).
        tone: professional, casual, enthusiastic, informative or witty.
        audience: who it is for, e.g. "data engineers".
        call_to_action: a closing line to use instead of a question.
        key_points: points the post must make, in the person's words (at most 5).
        hashtags: hashtags to use (without '#'); suggested from the topic when empty.
        max_chars: a tighter limit than the platform's.
        use_model: false forces the offline template.
        text: the person's own words ("tweet this: ..."), used as written within the platform's limits.
        count: how many different drafts to offer (1-5); `content` is the first, `drafts` all.
        text_from: whose words `text` holds: person (their own) or draft (one they approved in this chat).
        hashtag_style: suggested (from the topic, unless hashtags are given) or none (the person wants none).
        shorten: make `text` shorter, in its own words, within max_chars (the person asked for it shorter).
    """
    validate_user_id(user_id)
    platform = platforms.normalize(platform)
    topic = " ".join((topic or "").split())
    if not topic:
        raise ValueError("topic is empty: say what the post should be about")
    if len(topic) > MAX_TOPIC_CHARS:
        raise ValueError(f"topic is {len(topic)} characters; keep it under {MAX_TOPIC_CHARS}")
    if tone not in _HOOKS:
        raise ValueError(f"unknown tone {tone!r}: use one of {', '.join(_HOOKS)}")
    if not 1 <= count <= MAX_DRAFTS:
        raise ValueError(f"count must be between 1 and {MAX_DRAFTS}")
    rules = platforms.RULES[platform]
    limit = min(rules.max_chars, max_chars) if max_chars else rules.max_chars
    if limit < platforms.MIN_CHARS:
        raise ValueError(f"max_chars must be at least {platforms.MIN_CHARS}")
    wanted = rules.hashtags[1] if rules.hashtags[1] else 0
    tags = [t for t in (_clean_tag(h) for h in hashtags or []) if t][: rules.max_hashtags]
    tags = [] if hashtag_style == "none" else tags or suggest_hashtags(topic, wanted)

    notes: list[str] = []
    mode, model, tokens, content = "offline", None, None, ""
    if own := _as_written(text or ""):
        if shorten:  # nothing reworded: the preamble, intensifiers, then whole sentences go
            if (made := shorter.tighten(own, limit)) == own:
                raise NeedsInput(
                    f"I could not make your text shorter without changing your words ({len(own)} "
                    "characters). Tell me what to leave out, or ask me to write a shorter post about it."
                )
            own = made
            limit = rules.max_chars  # max_chars was the aim; the platform's own limit still holds
        if (size := platforms.count_chars(platform, own)) > limit:
            raise NeedsInput(
                f"Your text is {size} characters and {rules.name} allows {limit}. Shorten it, or ask "
                "me to write a shorter post about it."
            )
        mode, content, use_model = SHORTENED if shorten else AS_WRITTEN[text_from], own, False
    if use_model:
        system, prompt = _model_prompt(
            platform, topic, tone, audience, call_to_action, tags, limit, key_points, hashtag_style == "none"
        )
        try:
            for _attempt in range(2):
                out = complete(system, prompt)
                text = out.text.strip().strip('"').strip()
                issues = platforms.problems(platform, text)
                if hashtag_style == "none" and platforms.hashtags_in(text):
                    issues.append("it has hashtags, and the person wants none")
                if platforms.count_chars(platform, text) > limit:
                    issues.append(f"longer than {limit} characters")
                if not issues:
                    mode, model, tokens, content = "model", out.model, out.tokens, text
                    break
                prompt += f"\n\nYour draft had problems ({'; '.join(issues)}). Rewrite it to fix them."
            else:
                notes.append("the model's drafts broke the platform's limits twice; used the template")
        except ModelUnavailable as exc:
            notes.append(f"offline: {exc}")
        except ModelDeclined:
            # the template must not write what the model would not
            raise NeedsInput(DECLINED) from None
    if mode == "offline" and not content:
        content = offline_post(platform, topic, tone, tags, call_to_action, limit, (key_points or [])[:5])
        if platforms.count_chars(platform, content) > limit:
            content = _fit(content, limit)
    drafts = [content]
    if count > 1 and mode == "model":
        drafts += _more_model_drafts(system, prompt, platform, limit, count - 1, drafts)
    if count > 1 and not text:  # the person's own words have one version
        points = (key_points or [])[:5]
        for variant in range(1, 4 * count):  # the templates' other lines, until enough differ
            if len(drafts) >= count:
                break
            other = offline_post(platform, topic, tone, tags, call_to_action, limit, points, variant)
            if other not in drafts and platforms.count_chars(platform, other) <= limit:
                drafts.append(other)
    used_tags = platforms.hashtags_in(content)
    return {
        "drafts": drafts if count > 1 else [],
        "content": content,
        "platform": platform,
        "topic": topic,
        "hashtags": used_tags,
        "chars": platforms.count_chars(platform, content),
        "limit": limit,
        "tone": tone,
        "mode": mode,
        "model": model,
        "tokens": tokens,
        "notes": notes,
        "needs_media": rules.needs_media,
    }
