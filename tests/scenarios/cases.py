# ruff: noqa: E501  (the table reads best one case per block, with its recorded replies inline)
"""The scenario table: realistic requests for every skill, as a person would type them in the chat.

Each case says what the person sent (text, attachments, answers to questions), what the model
replies when one is configured, and how the person judges the result (tests.scenarios.checks).
The person's own folder and history come from `setup`.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.scenarios import replies as r
from tests.scenarios.checks import (
    Check,
    asked,
    asked_or_said,
    completed,
    created,
    creates_nothing,
    examples,
    image_shown,
    last_progress,
    matches,
    never_says,
    no_question,
    post_fits,
    post_within,
    says,
    says_any,
    short_answer,
    skill,
    waits_for_an_answer,
)

OUT_OF_SCOPE = "OUT_OF_SCOPE"


@dataclass
class Case:
    id: str
    group: str  # the skill it exercises (or CUSTOM / OUT_OF_SCOPE) for the pass-rate table
    request: str
    checks: list[Check]
    model: dict[str, list[r.Reply]] | None = None  # replies per role when a model is configured
    model_checks: list[Check] | None = None  # instead of `checks` with a model (None: the same)
    replies: list[dict[str, str]] = field(default_factory=list)  # answers to questions, in order
    # requests the person sent earlier in the same conversation, each answered before `request`
    # (only `request`'s answer is judged)
    before: list[str] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)  # more text that identifies its model calls
    setup: Callable[[Any, str], None] | None = None
    modes: tuple[str, ...] = ("offline", "model")
    ends_asking: bool = False  # the person does not answer: the request must wait at its question
    services: tuple[
        str, ...
    ] = ()  # real services the case needs ("postgres"): skipped or failed as tests are

    def checks_for(self, mode: str) -> list[Check]:
        own = self.model_checks if mode == "model" and self.model_checks is not None else self.checks
        return [waits_for_an_answer if self.ends_asking else completed, *own]


# ------------------------------------------------------------------------------ data

VISITS_CSV = """date,visitors
2026-11-02,1180
2026-11-03,1324
2026-11-04,1291
2026-11-05,1410
2026-11-06,1502
2026-11-07,980
2026-11-08,902
2026-11-09,1377"""
REGIONS_CSV = """region,sales
North,48200
South,35100
East,51900
West,29800"""
SPEND_CSV = """ad_spend,signups
500,41
800,60
1200,88
1500,97
2100,139
2600,170
3000,188"""
REVENUE_JSON = (
    '[{"month": "2026-07", "revenue": 18200}, {"month": "2026-08", "revenue": 19950}, '
    '{"month": "2026-09", "revenue": 21400}, {"month": "2026-10", "revenue": 20100}, '
    '{"month": "2026-11", "revenue": 23800}]'
)
ORDERS_CSV = """order_id,amount
1001,42.50
1002,18.00
1003,77.25
1004,35.00
1005,52.25"""
SIGNUPS_CSV = """week,signups
2026-W40,310
2026-W41,342
2026-W42,365
2026-W43,351
2026-W44,402
2026-W45,438"""
SEMICOLON_CSV = """product;units
Basic;340
Pro;212
Team;96"""
POSTS_CSV = """platform,posted_at,likes,comments,shares,impressions,text
linkedin,2026-11-03T09:00:00,120,14,9,4200,We are hiring data engineers
twitter,2026-11-04T17:30:00,45,6,12,3900,Our API is now GA
linkedin,2026-11-06T12:00:00,310,41,22,8800,Five lessons from our first year
instagram,2026-11-07T19:00:00,530,25,4,9600,Meet Biscuit our office dog
twitter,2026-11-10T08:15:00,12,1,0,2100,Webinar reminder"""
ANSCOMBE = "\n".join(
    ["x,y"]
    + [
        f"{x},{y}"
        for x, y in [
            (10, 8.04),
            (8, 6.95),
            (13, 7.58),
            (9, 8.81),
            (11, 8.33),
            (14, 9.96),
            (6, 7.24),
            (4, 4.26),
        ]
    ]
)


def csv_attachment(name: str, text: str) -> dict[str, Any]:
    return {"name": name, "contentType": "text/csv", "data": base64.b64encode(text.encode()).decode()}


# ------------------------------------------------------------------------------ setups


def with_history(suite: Any, user: str) -> None:
    """Three earlier requests of the person's, as the flow records them."""
    from f.openanalyst.lib.store.connect import open_store

    with open_store() as store:
        store.register_user(user)
        for n, (request, skill_name, ok) in enumerate(
            [
                ("Write a LinkedIn post about our Q3 results", "SOCIAL_MEDIA", True),
                ("Analyse this CSV of signups", "ANALYTICS", True),
                ("Schedule a tweet for yesterday", "SOCIAL_MEDIA", False),
            ]
        ):
            store.record_history(
                user,
                {
                    "session_id": "s_earlier",
                    "message_id": f"m_earlier_{n}",
                    "request": request,
                    "skill": skill_name,
                    "success": ok,
                    "answer": "done" if ok else "that time is in the past",
                    "attempts": 1,
                    "duration_ms": 1200 + 300 * n,
                },
            )


STANDUP_SCRIPT = '''"""Turn bullet notes into a standup update."""


def main(notes: str) -> dict:
    """Format notes (comma or newline separated) as a standup update.

    Args:
        notes: what was done, comma or newline separated.
    """
    items = [n.strip(" -*") for n in notes.replace("\\n", ",").split(",") if n.strip(" -*")]
    update = "Standup update:\\n" + "\\n".join(f"- {item}" for item in items)
    return {"update": update, "items": len(items)}
'''


def as_member(rt: Any, user: str) -> dict[str, Any]:
    """The person as a member of the workspace (added once), and the fields that make an item they
    own run as them (what lib/builder/owner.py sets on the builder's items)."""
    email = f"{user}@people.openanalyst.invalid"
    if rt.client.get(f"{rt.api}/users/whois/{user}").status_code == 404:
        rt.client.post(
            f"{rt.api}/workspaces/add_user",
            json={"email": email, "username": user, "is_admin": False, "operator": False},
        ).raise_for_status()
    return {"on_behalf_of_email": email, "preserve_on_behalf_of": True}


def with_custom_skill(suite: Any, user: str, workflow: bool = True, runs_as_them: bool = True) -> None:
    """The person's own skill `standup`, calling their own script (created through Windmill's API,
    running as them: a member, as the builder saves their items)."""
    rt = suite.runtime
    script = f"u/{user}/scripts/standup_notes"
    rt.client.post(
        f"{rt.api}/scripts/create",
        json={
            **(as_member(rt, user) if runs_as_them else {}),
            "path": script,
            "summary": "Standup notes",
            "description": "Turn bullet notes into a standup update",
            "content": STANDUP_SCRIPT,
            "language": "python3",
        },
    ).raise_for_status()
    workflows = {}
    if workflow:
        workflows["format-standup"] = (
            "---\nname: format-standup\ndescription: Format my notes as a standup update.\n"
            "intents: [standup]\nsteps:\n  - id: format\n"
            f"    script: {script}\n    args:\n      notes: $request\n"
            "    expected:\n      required_fields: [update]\n      non_empty: [update]\n---\n\n"
            "Format the notes as a standup update.\n"
        )
    value = {
        "name": "standup",
        "description": "Turn my notes into a daily standup update for the team.",
        "triggers": ["standup", "standup update", "daily update"],
        "scripts": [script],
        "workflows": workflows,
        "prompts": {},
        "system_prompt": "You format standup updates.",
        "body": "# Standup\n\nFormats notes as a standup update.",
        "source": "user",
        "model_invocable": True,
        "platforms": [],
        "requires_windmill": True,
        "priority": 0,
    }
    rt.set_resource(f"u/{user}/skills/standup", value, resource_type="openanalyst_skill")


INVENTORY_SCRIPT = '''"""Count what is left in stock."""


def main(warehouse: str = "Lisbon") -> dict:
    """Units in stock per product at `warehouse`.

    Args:
        warehouse: which warehouse to count.
    """
    return {"warehouse": warehouse, "in_stock": {"mugs": 120, "t-shirts": 45}}
'''


def with_inventory_script(suite: Any, user: str) -> None:
    """The person's own script `stock_count`, saved through Windmill's API to run as them (a member,
    as the builder saves their items), and one `anyone_count` that runs as whoever starts it."""
    rt = suite.runtime
    for name, identity in (("stock_count", as_member(rt, user)), ("anyone_count", {})):
        rt.client.post(
            f"{rt.api}/scripts/create",
            json={
                "path": f"u/{user}/scripts/{name}",
                "summary": "Stock count",
                "description": "Units in stock per product",
                "content": INVENTORY_SCRIPT,
                "language": "python3",
                **identity,
            },
        ).raise_for_status()


def with_custom_skill_running_as_anyone(suite: Any, user: str) -> None:
    """The same skill, its script saved without an identity: it would run as whoever starts it."""
    with_custom_skill(suite, user, runs_as_them=False)


def with_custom_skill_without_workflow(suite: Any, user: str) -> None:
    with_custom_skill(suite, user, workflow=False)


SHOP_ORDERS = [("North", 48200), ("South", 35100), ("East", 51900), ("West", 29800)]


def with_shop_database(suite: Any, user: str) -> None:
    """The person's own PostgreSQL (the machine's test database) as their only postgresql resource,
    holding a table `shop_orders` of sales by region."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    from tests.support.services import POSTGRES_DSN

    with psycopg.connect(POSTGRES_DSN, autocommit=True, connect_timeout=3) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS shop_orders (region text PRIMARY KEY, sales int)")
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO shop_orders VALUES (%s, %s) ON CONFLICT DO NOTHING", SHOP_ORDERS)
    info = conninfo_to_dict(POSTGRES_DSN)
    value = {k: info.get(k) for k in ("host", "port", "user", "password", "dbname") if info.get(k)}
    suite.runtime.set_resource(
        f"u/{user}/shop_db", {**value, "sslmode": "disable"}, resource_type="postgresql"
    )


def with_scheduled_posts(suite: Any, user: str) -> None:
    """Two posts waiting (one turned off), and another person's, as schedule_post creates them."""
    from f.openanalyst.lib.scheduled_posts import PUBLISH_SCRIPT
    from f.openanalyst.lib.schedules import schedule_body

    rt = suite.runtime
    waiting = [
        (user, "linkedin", "2027-03-01T09:00:00+01:00", "Our Lisbon office opens on Monday!", True),
        (user, "twitter", "2027-02-26T12:30:00+01:00", "Spring sale: 20% off everything this week.", True),
        (user, "twitter", "2027-02-27T08:00:00+01:00", "A draft I turned off", False),
        (f"{user}_other", "twitter", "2027-02-25T10:00:00+01:00", "Not yours to see", True),
    ]
    for owner, platform, at, content, enabled in waiting:
        path = f"u/{owner}/schedules/post_{platform}_{at[:10].replace('-', '')}"
        args = {"user_id": owner, "platform": platform, "content": content, "scheduled_for": at}
        body = schedule_body(path, "0 0 9 1 3 *", "Europe/Paris", PUBLISH_SCRIPT, args, enabled=enabled)
        rt.client.post(f"{rt.api}/schedules/create", json=body).raise_for_status()


REVENUE_MONTHS = "month,monthly revenue\njan,12000\nfeb,15000\nmar,9000\napr,18000"
SIGNUP_WEEKS = "week,weekly signups\nweek 1,340\nweek 2,410\nweek 3,390\nweek 4,520"
BLACK_FRIDAY_TWEETS = [
    "Black Friday is here: 30% off everything, all weekend. #BlackFriday",
    "30% off everything this Black Friday. Treat yourself (or someone you love). #BlackFriday",
    "Our biggest sale of the year: 30% off everything for Black Friday. #BlackFriday #Sale",
]
APP_TWEET = "Our new mobile app is here, free on iOS and Android. #MobileApp"
SOURDOUGH_POST = (
    "Our new sourdough baking class starts this month: four Saturday mornings, small groups, and a "
    "starter to take home. Who's in? #Sourdough #Baking"
)
DELIVERY = {
    "twitter": "Our new delivery service is live: order by 2pm, get it today. #Delivery",
    "linkedin": "Our new delivery service is live: order by 2pm and get it the same day. #Delivery #Logistics",
}
OAT_LATTE_TWEET = "Our new oat milk latte is here. Smooth, creamy and made to order. #OatMilkLatte"
WINTER_TWEET = "Our winter menu is here: spiced hot chocolate, chestnut soup and more. #WinterMenu"
ROASTERY_POST = (
    "A year ago we roasted our first batch of beans in a tiny garage. Since then: 40 origins, a café "
    "full of regulars and a team of six. Thank you for every cup. What should we roast next? "
    "#CoffeeRoastery #Coffee #SmallBusiness"
)


# ------------------------------------------------------------------------------ the table

POST_SEEN = [no_question, skill("SOCIAL_MEDIA")]
SCHEDULED = [created("schedules")]

CASES: list[Case] = [
    # ---------------------------------------------------------------- SOCIAL_MEDIA
    Case(
        "s_seed",
        "SOCIAL_MEDIA",
        "Create a Twitter post about AI trends and schedule it for tomorrow",
        [*POST_SEEN, *SCHEDULED, says("AI"), post_fits("twitter")],
        model=r.post(
            "twitter",
            "AI trends",
            "Small models on phones and agents that check their work: the AI trends of this week. Which one matters to you? #AI",
            when="tomorrow 9am",
        ),
    ),
    Case(
        "s_launch",
        "SOCIAL_MEDIA",
        "Write a LinkedIn post for launching our mobile app",
        [*POST_SEEN, says("mobile app"), post_fits("linkedin"), creates_nothing],
        model=r.post(
            "linkedin",
            "launching our mobile app",
            "Today we are launching our mobile app: your dashboards, now in your pocket. Download it and tell us what you think. #MobileApp #Launch",
        ),
    ),
    Case(
        "s_lessons",
        "SOCIAL_MEDIA",
        "LinkedIn post: five lessons from our first year",
        [*POST_SEEN, says("lessons", "first year"), post_fits("linkedin")],
        model=r.post(
            "linkedin",
            "five lessons from our first year",
            "Five lessons from our first year: 1. Ship small. 2. Talk to users weekly. 3. Hire slowly. 4. Write things down. 5. Celebrate wins. #Startup",
        ),
    ),
    Case(
        "s_witty_caption",
        "SOCIAL_MEDIA",
        "a witty caption for our new office dog Biscuit on Instagram",
        [*POST_SEEN, says("Biscuit"), post_fits("instagram")],
        model=r.post(
            "instagram",
            "our new office dog Biscuit",
            "Biscuit has joined the team as Chief Morale Officer. First task: inspect every lunch. #OfficeDog #TeamBiscuit",
            tone="witty",
        ),
    ),
    Case(
        "s_thursday_noon",
        "SOCIAL_MEDIA",
        "Schedule a tweet about our data quality webinar for Thursday at noon",
        [*POST_SEEN, *SCHEDULED, says("webinar"), matches(r"12:00"), post_fits("twitter")],
        model=r.post(
            "twitter",
            "our data quality webinar",
            "Bad data costs more than you think. Join our data quality webinar and learn three checks to run today. #DataQuality",
            when="Thursday 12:00",
        ),
    ),
    Case(
        "s_chat_shorthand",
        "SOCIAL_MEDIA",
        "can u post smth on fb tmrw morning about our opening hours changing to 9-5",
        [*POST_SEEN, *SCHEDULED, says("Facebook", "opening hours"), matches(r"09:00|9:00|9am")],
        model_checks=[*POST_SEEN, *SCHEDULED, says("opening hours")],
        model=r.post(
            "facebook",
            "our opening hours changing to 9-5",
            "From Monday our opening hours change to 9-5. Plan your visit! #OpeningHours",
            when="tomorrow 09:00",
        ),
    ),
    Case(
        "s_caption_for_tomorrow",
        "SOCIAL_MEDIA",
        "pls draft an ig caption abt our new menu for tmrw at 9",
        [*POST_SEEN, *SCHEDULED, says("Instagram", "new menu"), never_says("tomorrow at 9 ")],
        model_checks=[*POST_SEEN, *SCHEDULED, says("new menu")],
        model=r.post(
            "instagram",
            "our new menu",
            "Our new menu lands tomorrow: seasonal, local and made to share. #NewMenu",
            when="tomorrow 09:00",
        ),
    ),
    Case(
        "s_day_of_month",
        "SOCIAL_MEDIA",
        "schedule a facebook post for the 15th at noon about our open day",
        [*POST_SEEN, *SCHEDULED, says("Facebook", "open day"), matches(r"\b15\b"), matches(r"12:00")],
        model_checks=[*POST_SEEN, *SCHEDULED, says("open day")],
        model=r.post(
            "facebook",
            "our open day",
            "Come and see us at our open day: tours, demos and coffee. #OpenDay",
            when="the 15th at 12:00",
        ),
    ),
    Case(
        "s_formal",
        "SOCIAL_MEDIA",
        "Write a LinkedIn post announcing our Series A funding, keep it formal",
        [*POST_SEEN, says("Series A"), never_says("!!", "lol"), post_fits("linkedin")],
        model=r.post(
            "linkedin",
            "our Series A funding",
            "We are pleased to announce the close of our Series A funding. This investment will accelerate our product roadmap and our service to customers.",
            tone="professional",
        ),
    ),
    Case(
        "s_casual_pizza",
        "SOCIAL_MEDIA",
        "tweet something casual about friday pizza at the office",
        [*POST_SEEN, says("pizza"), post_fits("twitter")],
        model=r.post(
            "twitter",
            "friday pizza at the office",
            "Friday pizza at the office: the only meeting nobody skips. #FridayFeeling",
            tone="casual",
        ),
    ),
    Case(
        "s_x_api",
        "SOCIAL_MEDIA",
        "Post on X that our public API is now generally available",
        [no_question, says("API"), post_fits("twitter")],
        model=r.post(
            "twitter",
            "our public API is now generally available",
            "Our public API is now generally available. Build on it today: docs and keys are one click away. #API #DevTools",
        ),
    ),
    Case(
        "s_saying_after_the_time",
        "SOCIAL_MEDIA",
        "schedule a tweet for friday 10am saying our store is closed for inventory on saturday",
        [*POST_SEEN, *SCHEDULED, says("closed for inventory on Saturday"), matches(r"Friday.*10:00")],
        model=r.post(
            "twitter",
            "our store is closed for inventory on saturday",
            "Heads up: our store is closed for inventory on Saturday. See you again on Monday!",
            when="Friday 10am",
        ),
    ),
    Case(
        "s_facebook_open_house",
        "SOCIAL_MEDIA",
        "Facebook post inviting people to our open house, schedule it for Saturday at 10am",
        [*POST_SEEN, *SCHEDULED, says("open house"), matches(r"10:00")],
        model=r.post(
            "facebook",
            "our open house",
            "You are invited to our open house this Saturday! Meet the team, see the product, and enjoy coffee on us.",
            when="Saturday 10am",
        ),
    ),
    Case(
        "s_missing_topic",
        "SOCIAL_MEDIA",
        "Schedule a LinkedIn post for next Monday at 9am",
        [asked("topic"), *SCHEDULED, says("data engineers"), matches(r"09:00")],
        replies=[{"topic": "we are hiring two data engineers in Berlin"}],
        model=r.post(
            "linkedin",
            "we are hiring two data engineers in Berlin",
            "We are hiring two data engineers in Berlin. If you love clean pipelines and kind teams, let's talk. #Hiring #DataEngineering",
            when="next Monday 9am",
        ),
        markers=["hiring two data engineers"],
    ),
    Case(
        "s_missing_time",
        "SOCIAL_MEDIA",
        "Write a tweet about our summer sale and schedule it",
        [asked("time"), *SCHEDULED, says("summer sale"), matches(r"10:00")],
        replies=[{"time": "tomorrow at 10am"}],
        model=r.post(
            "twitter",
            "our summer sale",
            "Our summer sale starts now: 30% off every plan until Sunday. #SummerSale",
            when="tomorrow 10am",
        ),
        model_checks=[no_question, *SCHEDULED, says("summer sale")],
    ),
    Case(
        "s_past_time",
        "SOCIAL_MEDIA",
        "Schedule a tweet about our product demo for yesterday at 3pm",
        [
            asked("time"),
            lambda o: (
                None
                if any("already passed" in str(q.get("question")) for q in o.questions)
                else f"the question does not say the time has passed: {o.questions}"
            ),
            *SCHEDULED,
            says("product demo"),
            matches(r"15:00"),
        ],
        replies=[{"time": "tomorrow at 3pm"}],
        model=r.post(
            "twitter",
            "our product demo",
            "See the product in action: live demo tomorrow at 3pm, questions welcome. #Demo",
            when="tomorrow 3pm",
        ),
    ),
    Case(
        "s_in_two_hours",
        "SOCIAL_MEDIA",
        "Schedule a LinkedIn post about our new pricing page in 2 hours",
        [*POST_SEEN, *SCHEDULED, says("pricing")],
        model=r.post(
            "linkedin",
            "our new pricing page",
            "Our new pricing page is live: simpler plans, no hidden fees. Have a look and tell us what you think. #Pricing",
            when="in 2 hours",
        ),
    ),
    Case(
        "s_friday_1430",
        "SOCIAL_MEDIA",
        "Put a tweet about the conference keynote on the schedule for Friday 14:30",
        [*POST_SEEN, *SCHEDULED, says("keynote"), matches(r"14:30")],
        model=r.post(
            "twitter",
            "the conference keynote",
            "Our CEO takes the stage for the conference keynote on Friday. Follow along here. #Keynote",
            when="Friday 14:30",
        ),
    ),
    Case(
        "s_next_tuesday_morning",
        "SOCIAL_MEDIA",
        "Draft a LinkedIn post about our customer story with Acme and post it next Tuesday at 9:30am",
        [*POST_SEEN, *SCHEDULED, says("Acme"), matches(r"09:30")],
        model=r.post(
            "linkedin",
            "our customer story with Acme",
            "How Acme cut reporting time by 60%: read our customer story. #CustomerStory",
            when="next Tuesday 9:30am",
        ),
    ),
    Case(
        "s_instagram_hashtags",
        "SOCIAL_MEDIA",
        "Write an Instagram post with hashtags about our autumn coffee blend",
        [*POST_SEEN, says("coffee"), matches(r"#\w+"), post_fits("instagram")],
        model=r.post(
            "instagram",
            "our autumn coffee blend",
            "Our autumn coffee blend is here: cinnamon, toasted pecan, and a little chocolate. #Coffee #Autumn #NewBlend",
            tone="enthusiastic",
        ),
    ),
    Case(
        "s_cto_audience",
        "SOCIAL_MEDIA",
        "Write a LinkedIn post for CTOs about cutting cloud costs by 30%",
        [*POST_SEEN, says("cloud"), says("30%"), post_fits("linkedin")],
        model=r.post(
            "linkedin",
            "cutting cloud costs by 30%",
            "CTOs: we cut our cloud costs by 30% with three changes: rightsizing, spot instances and deleting what nobody used. #CloudCosts",
        ),
    ),
    Case(
        "s_call_to_action",
        "SOCIAL_MEDIA",
        "Tweet about our analytics webinar and end with: Register at example.com/webinar",
        [*POST_SEEN, says("webinar", "example.com/webinar"), post_fits("twitter")],
        model=r.post(
            "twitter",
            "our analytics webinar",
            "Learn how teams answer data questions in minutes at our analytics webinar. Register at example.com/webinar",
        ),
    ),
    Case(
        "s_enthusiastic_milestone",
        "SOCIAL_MEDIA",
        "Share an enthusiastic LinkedIn update that we just reached 10,000 customers",
        [*POST_SEEN, says("10,000")],
        model=r.post(
            "linkedin",
            "we just reached 10,000 customers",
            "We just reached 10,000 customers! Thank you to every one of you for trusting us. #Milestone",
            tone="enthusiastic",
        ),
    ),
    Case(
        "s_tweet_this_now",
        "SOCIAL_MEDIA",
        "tweet this now: we just hit 1,000 customers, thank you all!",
        [no_question, says("1,000 customers"), says_any("no twitter account", "outbox")],
        model=r.post(
            "twitter",
            "we just hit 1,000 customers, thank you all!",
            "We just hit 1,000 customers. Thank you all!",
            publish=True,
        ),
    ),
    Case(
        "s_publish_now",
        "SOCIAL_MEDIA",
        "Publish this on LinkedIn now: our Berlin meetup is back on December 12",
        [
            no_question,
            says("Berlin meetup"),
            says_any("connect", "not connected", "no linkedin account", "outbox"),
        ],
        model=r.post(
            "linkedin",
            "our Berlin meetup is back on December 12",
            "Our Berlin meetup is back on December 12. Save the date!",
            publish=True,
        ),
    ),
    Case(
        "s_engagement",
        "SOCIAL_MEDIA",
        f"How did these posts do?\n{POSTS_CSV}",
        [
            no_question,
            says("engagement"),
            says_any("Biscuit", "office dog", "first year"),
            matches(r"\d+(\.\d+)?\s?%"),
        ],
        model=r.engagement(POSTS_CSV),
    ),
    Case(
        "s_best_posts_no_data",
        "SOCIAL_MEDIA",
        "What were my best performing posts last month?",
        [no_question, says_any("paste", "attach"), says("likes"), never_says("outside what I can do")],
        # a planner plans the engagement step; the script says only the person has the numbers
        model=r.steps(
            ("engagement", "f/openanalyst/social/analyze_engagement", {"period": "last_4_weeks"}),
            required=("posts_analysed",),
        ),
    ),
    Case(
        "s_most_popular_no_data",
        "SOCIAL_MEDIA",
        "what was my most popular post last week?",
        [
            no_question,
            says_any("paste", "attach"),
            says("likes"),
            never_says("Here is your"),
            creates_nothing,
        ],
        model=r.steps(
            ("engagement", "f/openanalyst/social/analyze_engagement", {"period": "last_7_days"}),
            required=("posts_analysed",),
        ),
    ),
    Case(
        "s_how_are_posts_doing",
        "SOCIAL_MEDIA",
        "how are my linkedin posts doing?",
        [
            no_question,
            says_any("paste", "attach"),
            says("likes"),
            never_says("Here is your"),
            creates_nothing,
        ],
        model=r.steps(
            ("engagement", "f/openanalyst/social/analyze_engagement", {"platform": "linkedin"}),
            required=("posts_analysed",),
        ),
    ),
    Case(
        "s_three_drafts",
        "SOCIAL_MEDIA",
        "Draft 3 tweets about our summer sale",
        [*POST_SEEN, says("3 X (Twitter) posts", "**1.**", "**2.**", "**3.**"), creates_nothing],
        model_checks=[*POST_SEEN, says("summer sale"), creates_nothing],
        model=r.post(
            "twitter", "our summer sale", "Our summer sale starts now: 20% off everything. #SummerSale"
        ),
    ),
    Case(
        "s_three_tweet_ideas",
        "SOCIAL_MEDIA",
        "give me 3 tweet ideas about our coffee subscription launching next week",
        [*POST_SEEN, says("3 X (Twitter) posts", "**1.**", "**2.**", "**3.**", "coffee subscription")],
        model_checks=[*POST_SEEN, says("coffee subscription"), creates_nothing],
        model=r.post(
            "twitter",
            "our coffee subscription launching next week",
            "Fresh beans at your door every month: our coffee subscription launches next week. #Coffee",
        ),
    ),
    Case(
        "s_caption_make_it_playful",
        "SOCIAL_MEDIA",
        "can you draft an instagram caption for our new autumn menu, make it playful",
        [*POST_SEEN, says("autumn menu"), post_fits("instagram"), never_says("earlier")],
        model=r.post(
            "instagram",
            "our new autumn menu",
            "Sweater weather, meet your new favourite plate: our autumn menu is here. #AutumnMenu",
            tone="playful",
        ),
    ),
    Case(
        "s_webinar_with_date_and_link",
        "SOCIAL_MEDIA",
        "Draft a tweet about our webinar on Dec 15 at 3pm CET, sign up link is acme.io/webinar",
        [*POST_SEEN, says("#Webinar", "acme.io/webinar"), never_says("#Dec", "#CET"), post_fits("twitter")],
        model_checks=[*POST_SEEN, says("acme.io/webinar")],
        model=r.post(
            "twitter",
            "our webinar on Dec 15 at 3pm CET",
            "Join our webinar on Dec 15 at 3pm CET. Sign up: acme.io/webinar #Webinar",
        ),
    ),
    Case(
        "s_invite_to_open_day",
        "SOCIAL_MEDIA",
        "write a short facebook post inviting people to our open day on saturday 10am-4pm, free coffee",
        [
            *POST_SEEN,
            says("open day on Saturday", "Free coffee", "#OpenDay"),
            never_says("#Inviting", "News from"),
        ],
        model_checks=[*POST_SEEN, says("open day")],
        model=r.post(
            "facebook",
            "our open day on Saturday 10am-4pm",
            "Come to our open day this Saturday, 10am-4pm. The coffee is on us! #OpenDay",
        ),
    ),
    Case(
        "s_hiring_remote_friendly",
        "SOCIAL_MEDIA",
        "Post on LinkedIn tomorrow morning: we're hiring a senior data engineer in Lisbon, remote-friendly",
        # a job opening is passed on: "Know someone...", not "What do you think?"
        [*POST_SEEN, says("senior data engineer", "Remote-friendly", "Scheduled for", "Know someone")],
        model_checks=[*POST_SEEN, says("data engineer")],
        model=r.post(
            "linkedin",
            "we're hiring a senior data engineer in Lisbon, remote-friendly",
            "We're hiring a senior data engineer in Lisbon (remote-friendly). Know someone? #Hiring",
            when="tomorrow 9am",
        ),
    ),
    Case(
        "s_thank_customers",
        "SOCIAL_MEDIA",
        "Write a professional linkedin post thanking our customers for a great 2026",
        [
            *POST_SEEN,
            says("Thank you to our customers for a great 2026"),
            never_says("A few thoughts", "#Thanking"),
        ],
        model_checks=[*POST_SEEN, says("customers")],
        model=r.post(
            "linkedin",
            "thanking our customers for a great 2026",
            "Thank you to our customers for a great 2026. We could not have done it without you. #ThankYou",
        ),
    ),
    Case(
        "s_seed_round_news",
        "SOCIAL_MEDIA",
        "quick linkedin post: we just closed our seed round of 2M led by Acme Ventures",
        [
            *POST_SEEN,
            says("LinkedIn post saying we just closed", "Acme Ventures"),
            never_says("#Just", "about we"),
        ],
        model_checks=[*POST_SEEN, says("Acme Ventures")],
        model=r.post(
            "linkedin",
            "we just closed our seed round of 2M led by Acme Ventures",
            "We just closed our 2M seed round, led by Acme Ventures. Thank you to everyone who believed early. #Funding",
        ),
    ),
    Case(
        "s_greeting_then_request",
        "SOCIAL_MEDIA",
        "hi! can you draft a facebook post for our plant shop announcing a 15% off sale this weekend?",
        [*POST_SEEN, says("Facebook post", "15% off sale"), never_says("I can help with")],
        model_checks=[*POST_SEEN, says("15%")],
        model=r.post(
            "facebook",
            "our plant shop announcing a 15% off sale this weekend",
            "This weekend only: 15% off every plant in the shop. Come find your new green friend!",
        ),
    ),
    Case(
        "s_holiday_hours_after_a_colon",
        "SOCIAL_MEDIA",
        "write a linkedin post announcing our christmas opening hours: closed dec 25 and 26, open again on the 27th",
        [
            *POST_SEEN,
            creates_nothing,  # the dates are what the post tells, not when it goes out
            says("Christmas opening hours", "Closed Dec 25 and 26", "Open again on the 27th"),
            never_says("A few thoughts", "about closed"),
        ],
        model_checks=[*POST_SEEN, creates_nothing, says("25")],
        model=r.post(
            "linkedin",
            "our Christmas opening hours: closed Dec 25 and 26, open again on the 27th",
            "Our Christmas opening hours: we are closed on Dec 25 and 26 and open again on the 27th. Happy holidays!",
        ),
    ),
    Case(
        "s_podcast_episode_with_a_guest",
        "SOCIAL_MEDIA",
        "can you put together a short instagram caption for our new podcast episode with Dr. Lee about sleep?",
        [
            *POST_SEEN,
            says("Our new podcast episode with Dr. Lee about sleep is out", "#DrLee"),
            never_says("Meet our new podcast", "#Dr ", "post about sleep"),
        ],
        model_checks=[*POST_SEEN, says("Dr. Lee")],
        model=r.post(
            "instagram",
            "our new podcast episode with Dr. Lee about sleep",
            "New episode: Dr. Lee on why sleep is your best productivity tool. Listen now, link in bio. #Podcast #Sleep",
        ),
    ),
    Case(
        "s_thank_you_post_for_last_night",
        "SOCIAL_MEDIA",
        "can you write a thank you post on linkedin for everyone who came to our meetup last night?",
        [
            *POST_SEEN,
            creates_nothing,  # last night is what they are thanked for, not when the post goes out
            says("Thank you to everyone who came to our meetup last night!", "#ThankYou"),
            never_says("be about", "already passed", "#Everyone", "Don't miss"),
        ],
        model_checks=[*POST_SEEN, creates_nothing, says("meetup")],
        model=r.post(
            "linkedin",
            "thanking everyone who came to our meetup last night",
            "Thank you to everyone who came to our meetup last night: great questions and even better "
            "company. See you at the next one! #ThankYou",
        ),
    ),
    Case(
        "s_milestone_said_first",
        "SOCIAL_MEDIA",
        "we hit 1,000 newsletter subscribers today! can you write a linkedin post to celebrate?",
        [
            *POST_SEEN,
            creates_nothing,  # "today" is when it happened, not when to post
            says("We hit 1,000 newsletter subscribers today", "Thank you"),
            never_says("be about", "#Hit"),
        ],
        model_checks=[*POST_SEEN, creates_nothing, says("1,000")],
        model=r.post(
            "linkedin",
            "we hit 1,000 newsletter subscribers today",
            "1,000 of you now read our newsletter every week. Thank you for being part of it! #Milestone",
        ),
    ),
    Case(
        "s_ceo_speaks_at_an_event",
        "SOCIAL_MEDIA",
        "linkedin post: our CEO Ana Ruiz will speak at Web Summit on Nov 12, come say hi at booth B4",
        [
            *POST_SEEN,
            creates_nothing,  # Nov 12 is the talk's day, not when the post goes out
            says("Ana Ruiz will speak at Web Summit on Nov 12", "booth B4", "#WebSummit"),
            never_says("#Will", "#Speak", "#CEOAnaRuizWebSummit"),
        ],
        model_checks=[*POST_SEEN, creates_nothing, says("Web Summit")],
        model=r.post(
            "linkedin",
            "our CEO Ana Ruiz will speak at Web Summit on Nov 12, come say hi at booth B4",
            "Our CEO Ana Ruiz speaks at Web Summit on Nov 12. Come say hi at booth B4! #WebSummit",
        ),
    ),
    Case(
        "s_reminder_closed_monday",
        "SOCIAL_MEDIA",
        "write a short facebook post reminding people our cafe is closed on monday for renovations",
        [
            *POST_SEEN,
            creates_nothing,
            says("Our cafe is closed on Monday for renovations"),
            never_says("Let's talk about", "reminding people", "#Reminding"),
        ],
        model_checks=[*POST_SEEN, creates_nothing, says("Monday")],
        model=r.post(
            "facebook",
            "our cafe is closed on monday for renovations",
            "Heads up: our cafe is closed this Monday for renovations. See you Tuesday!",
        ),
    ),
    Case(
        "s_back_from_tomorrow",
        "SOCIAL_MEDIA",
        "instagram caption for our pumpkin spice latte, back from tomorrow",
        [*POST_SEEN, creates_nothing, says("pumpkin spice latte", "back from tomorrow")],
        model_checks=[*POST_SEEN, creates_nothing, says("latte")],
        model=r.post(
            "instagram",
            "our pumpkin spice latte, back from tomorrow",
            "It's back! Our pumpkin spice latte returns tomorrow. 🎃☕ #PumpkinSpice",
        ),
    ),
    Case(
        "s_something_for_facebook",
        "SOCIAL_MEDIA",
        "our bakery turns 10 this saturday! can you write something for facebook?",
        [
            *POST_SEEN,
            creates_nothing,  # Saturday is the birthday, not when the post goes out
            says("Our bakery turns 10 this Saturday"),
            never_says("be about"),
        ],
        model_checks=[*POST_SEEN, creates_nothing, says("10")],
        model=r.post(
            "facebook",
            "our bakery turns 10 this saturday",
            "Ten years of fresh bread! Our bakery turns 10 this Saturday: come celebrate with us.",
        ),
    ),
    Case(
        "s_tweets_for_an_occasion",
        "SOCIAL_MEDIA",
        "can u draft 2 tweets for black friday, 30% off all mugs",
        [
            *POST_SEEN,
            says("2 X (Twitter) posts", "Black Friday", "30% off all mugs", "#BlackFriday"),
            never_says("What should the post be about", "#Black ", "A few thoughts"),
        ],
        model_checks=[*POST_SEEN, says("30%")],
        model=r.post(
            "twitter",
            "black friday: 30% off all mugs",
            "Black Friday is here: 30% off every mug in the shop, today only. #BlackFriday",
        ),
    ),
    Case(
        "s_closed_for_snow",
        "SOCIAL_MEDIA",
        "post on facebook that we're closed tomorrow because of the snow",
        [
            *POST_SEEN,
            creates_nothing,  # "tomorrow" is when the shop is closed, not when the post goes out
            says("We're closed tomorrow because of the snow", "#Snow"),
            never_says("#Tomorrow", "#Because", "#Re"),
        ],
        model_checks=[*POST_SEEN, says("snow")],
        model=r.post(
            "facebook",
            "we're closed tomorrow because of the snow",
            "Snow day! We're closed tomorrow to keep everyone safe. See you the day after.",
        ),
    ),
    Case(
        "s_two_platforms",
        "SOCIAL_MEDIA",
        "Write a tweet and an instagram post about our new logo",
        [*POST_SEEN, says("X (Twitter) post", "Instagram post", "new logo"), post_fits("twitter")],
        model_checks=[*POST_SEEN, says("new logo")],
        model=r.post("twitter", "our new logo", "Meet our new logo: same team, fresh look. #NewLogo"),
    ),
    Case(
        "s_announce_two_platforms_scheduled",
        "SOCIAL_MEDIA",
        "Can you help me announce our Black Friday deal on Twitter and LinkedIn at 10am Friday?",
        [
            *POST_SEEN,
            *SCHEDULED,
            says("X (Twitter) post", "LinkedIn post", "Black Friday deal"),
            matches(r"10:00"),
        ],
        model_checks=[*POST_SEEN, *SCHEDULED, says("Black Friday")],
        model=r.post(
            "twitter",
            "our Black Friday deal",
            "Black Friday is here: 30% off everything until Monday. #BlackFriday",
            when="Friday 10:00",
        ),
    ),
    Case(
        "s_tweet_colon",
        "SOCIAL_MEDIA",
        "Tweet: Our doors open at 8am tomorrow!",
        [
            *POST_SEEN,
            says("Our doors open at 8am tomorrow!"),
            never_says("thoughts on"),
            post_fits("twitter"),
        ],
        model=r.post("twitter", "Our doors open at 8am tomorrow!", "Our doors open at 8am tomorrow!"),
    ),
    Case(
        "s_tweet_this",
        "SOCIAL_MEDIA",
        "tweet this: We just shipped dark mode!",
        [
            *POST_SEEN,
            says("We just shipped dark mode!", "Not posted yet", '"now"'),  # kept, and how to publish
            never_says("thoughts on", "what matters"),
            post_fits("twitter"),
        ],
        # with a model, the writer's draft (recorded here) is no longer the person's own text
        model_checks=[*POST_SEEN, says("We just shipped dark mode!"), post_fits("twitter")],
        model=r.post("twitter", "We just shipped dark mode!", "We just shipped dark mode!"),
    ),
    Case(
        # Found through the hub: the person's text was written about instead of shortened, and the
        # day inside it ("this weekend") scheduled the new post for Saturday.
        "s_make_my_tweet_shorter",
        "SOCIAL_MEDIA",
        "make this tweet shorter: We are thrilled to announce that our cafe terrace is finally open "
        "again, with heaters, blankets and hot cider. Come by this weekend and warm up!",
        [
            *POST_SEEN,
            creates_nothing,  # not scheduled: a day in their words is what the post says
            says(
                "made shorter",
                "Our cafe terrace is open again, with heaters, blankets and hot cider. Come by this "
                "weekend and warm up!",
                "Not posted yet",
            ),
            never_says("thrilled", "finally", "Scheduled for"),
            post_fits("twitter"),
        ],
        model=r.post(
            "twitter",
            "our cafe terrace is open again",
            "unused: the person's own words are shortened, not written again",
            args={
                "text": "We are thrilled to announce that our cafe terrace is finally open again, with "
                "heaters, blankets and hot cider. Come by this weekend and warm up!",
                "shorten": True,
                "max_chars": 117,
            },
        ),
    ),
    Case(
        "s_schedule_this",
        "SOCIAL_MEDIA",
        "schedule this tweet for friday at 9am: Doors open at 8 on Saturday, see you there!",
        [
            *POST_SEEN,
            *SCHEDULED,
            says("Doors open at 8 on Saturday, see you there!"),
            matches(r"09:00"),
            never_says("Not posted yet"),  # it is scheduled
        ],
        model=r.post(
            "twitter",
            "Doors open at 8 on Saturday",
            "Doors open at 8 on Saturday, see you there!",
            when="friday 9am",
        ),
    ),
    Case(
        "s_telling_customers",
        "SOCIAL_MEDIA",
        "post on instagram telling customers we have a new vegan menu",
        [*POST_SEEN, says("vegan menu"), never_says("telling customers", "#Have"), post_fits("instagram")],
        model=r.post(
            "instagram",
            "we have a new vegan menu",
            "Our new vegan menu is here 🌱 Five new plates, all plant-based. Come hungry! #VeganMenu #PlantBased",
        ),
    ),
    Case(
        "s_caption_make_it_cute",
        "SOCIAL_MEDIA",
        "instagram caption for a photo of our new croissants, make it cute",
        [*POST_SEEN, says("croissants"), never_says("rework", "new version"), post_fits("instagram")],
        model=r.post(
            "instagram",
            "our new croissants",
            "Say bonjour to our new croissants 🥐 Flaky, buttery and almost too cute to eat. #Croissants #Bakery",
            tone="casual",
        ),
    ),
    Case(
        "s_no_hashtags_preference",
        "SOCIAL_MEDIA",
        "write a linkedin post about our new office",
        [*POST_SEEN, says("new office"), never_says("#"), post_fits("linkedin")],
        before=["please don't use hashtags in my posts"],
        model=r.post(
            "linkedin",
            "our new office",
            "Our new office is open: more light, more desks, and a kitchen worth the commute. Come and visit!",
            args={"hashtag_style": "none"},
        ),
    ),
    Case(
        "s_christmas_wish",
        "SOCIAL_MEDIA",
        "schedule a tweet for 25 december at 8am wishing everyone a merry christmas",
        [*POST_SEEN, *SCHEDULED, says("Merry Christmas"), matches(r"25 December 2026, 08:00")],
        model=r.post(
            "twitter",
            "wishing everyone a merry christmas",
            "Merry Christmas from all of us! Thank you for a wonderful year. 🎄 #MerryChristmas",
            when="december 25 at 8am",
        ),
    ),
    Case(
        "s_post_about_the_report",
        "SOCIAL_MEDIA",
        "nice, write a linkedin post about it",
        # "it" is the report just made: the post tells what it found
        [*POST_SEEN, says("160,000"), never_says("about it", "thoughts on it"), post_fits("linkedin")],
        before=["q1 sales 120k, q2 135k, q3 128k, q4 160k - how did we do this year?"],
        model=r.conversation(
            r.report(
                "quarter,sales\nq1,120000\nq2,135000\nq3,128000\nq4,160000",
                "Sales",
                "q1 sales 120k, q2 135k, q3 128k, q4 160k - how did we do this year?",
            ),
            r.post(
                "linkedin",
                "our sales rose from 120,000 (q1) to 160,000 (q4), +33%",
                "Q4 was our best quarter yet: sales reached 160,000, up 33% since Q1. Thank you to our "
                "customers and our team! #Sales #Growth",
            ),
        ),
    ),
    Case(
        "s_sale_this_weekend",
        "SOCIAL_MEDIA",
        "write an instagram post announcing our summer sale, 30% off everything this weekend",
        # "this weekend" is when the sale is: the post is written, not scheduled
        [*POST_SEEN, says("summer sale", "30% off everything this weekend"), creates_nothing],
        # a topic of its own: the writer's prompt names the case ("our summer sale" is another's too)
        model=r.post(
            "instagram",
            "our summer sale with 30% off everything this weekend",
            "Our summer sale is on: 30% off everything this weekend. ☀️ #SummerSale",
        ),
    ),
    Case(
        "s_help_me_announce",
        "SOCIAL_MEDIA",
        "help me announce that we're opening a second location in brooklyn next month",
        # was "outside what I can do"; "next month" names no hashtag
        [*POST_SEEN, says("opening a second location in brooklyn next month"), never_says("#Next")],
        modes=("offline",),
    ),
    Case(
        "s_event_day_and_booking_link",
        "SOCIAL_MEDIA",
        "i need a facebook post for mother's day brunch at our restaurant, sunday may 10, book at luigis.com",
        # the brunch's day is in the post, not its send time; the booking link is kept
        [*POST_SEEN, says("Sunday May 10", "luigis.com"), never_says("Scheduled for"), creates_nothing],
        model=r.post(
            "facebook",
            "mother's day brunch at our restaurant on Sunday May 10, book at luigis.com",
            "Treat Mom to brunch this Mother's Day, Sunday May 10. Book your table at luigis.com 💐",
        ),
    ),
    Case(
        "s_post_about_the_busiest_day",
        "SOCIAL_MEDIA",
        "write a linkedin post about it",
        # the post tells the measure ("our orders rose ..."), not "our Wednesday is highest" (#HighestMoreThan)
        [
            *POST_SEEN,
            says("our orders rose from 240 (Monday) to 320 (Wednesday)"),
            never_says("#Highest", "#Than"),
        ],
        before=["we got 240 orders on monday, 175 on tuesday and 320 on wednesday. which day was busiest?"],
        model=r.conversation(
            r.report(
                "day,orders\nmonday,240\ntuesday,175\nwednesday,320",
                "Orders",
                "which day was busiest?",
            ),
            r.post(
                "linkedin",
                "our orders rose from 240 (Monday) to 320 (Wednesday), +33%",
                "Wednesday was our busiest day this week: 320 orders, up 33% on Monday. #Orders",
            ),
        ),
    ),
    Case(
        "s_news_then_comma_ask",
        "SOCIAL_MEDIA",
        "our email list grew from 2,000 to 3,500 subscribers in 6 months, write a linkedin post about it",
        [*POST_SEEN, says("grew from 2,000 to 3,500 subscribers"), never_says("thoughts on it")],
        model=r.post(
            "linkedin",
            "our email list grew from 2,000 to 3,500 subscribers in 6 months",
            "Our email list grew from 2,000 to 3,500 subscribers in six months. Thank you for reading! #Newsletter",
        ),
    ),
    Case(
        "s_emojis_asked",
        "SOCIAL_MEDIA",
        "create an instagram post about our new vegan menu with lots of emojis",
        # how to write it, not its subject (#Emojis, "our new vegan menu with lots of emojis")
        [*POST_SEEN, says("vegan menu", "🚀"), never_says("with lots of emojis", "#Emojis")],
        model=r.post(
            "instagram",
            "our new vegan menu",
            "Our new vegan menu is here! 🌱🥑🎉 Come taste it this week. #VeganMenu",
            tone="enthusiastic",
        ),
        model_checks=[*POST_SEEN, says("vegan menu", "🌱")],
    ),
    Case(
        "s_joins_us_as_cto",
        "SOCIAL_MEDIA",
        "write a professional linkedin post announcing that Maria Garcia joins us as CTO",
        # a newcomer is welcomed; her name is her tag
        [*POST_SEEN, says("Maria Garcia joins us as CTO", "welcoming"), never_says("#MariaGarciaJoins")],
        model=r.post(
            "linkedin",
            "Maria Garcia joins us as CTO",
            "We're delighted to welcome Maria Garcia as our new CTO. Please join us in welcoming her! #Leadership",
        ),
    ),
    Case(
        "s_episode_out_thursday",
        "SOCIAL_MEDIA",
        "write a tweet announcing our podcast episode with guest Dr. Lisa Wong, out thursday",
        # "out thursday" is when the episode is out: the tweet tells it and is not scheduled
        [*POST_SEEN, says("Dr. Lisa Wong", "Out Thursday"), creates_nothing],
        model=r.post(
            "twitter",
            "announcing our podcast episode with guest Dr. Lisa Wong",
            "New episode with Dr. Lisa Wong, out Thursday! 🎙️ #Podcast",
            args={"points": ["out thursday"]},
        ),
    ),
    Case(
        "s_caption_team_photo_party",
        "SOCIAL_MEDIA",
        "write an instagram caption for our team photo at the summer party",
        # a picture's caption, not an invitation ("Don't miss our team photo ... Join us!")
        [*POST_SEEN, says("Our team at the summer party"), never_says("Join us", "Don't miss", "#Photo")],
        model=r.post(
            "instagram",
            "our team photo at the summer party",
            "Sun, smiles and the best team around. ☀️ #SummerParty #TeamSpirit",
        ),
        model_checks=[*POST_SEEN, says("best team around")],
    ),
    Case(
        "s_milestone_thank_everyone",
        "SOCIAL_MEDIA",
        "post on linkedin that we hit 10k users, thank everyone",
        # "thank everyone" says how the post closes; it is no point of the post ("→ Thank everyone")
        [*POST_SEEN, says("10k users", "Thank you, everyone!"), never_says("Thank everyone")],
        model=r.post(
            "linkedin",
            "we hit 10k users",
            "We just hit 10,000 users. Thank you, everyone! #Milestone",
            args={"call_to_action": "Thank you, everyone!"},
        ),
    ),
    Case(
        "s_followers_thank_them",
        "SOCIAL_MEDIA",
        "tweet that we reached 1000 followers and thank them for their support",
        [
            *POST_SEEN,
            says("1000 followers", "Thank you, everyone, for your support!"),
            never_says("and thank them"),
        ],
        model=r.post(
            "twitter",
            "we reached 1000 followers",
            "1,000 followers! Thank you, everyone, for your support! #ThankYou",
            args={"call_to_action": "Thank you, everyone, for your support!"},
        ),
    ),
    # ------------------------------------------------ a follow-up on the draft just written
    Case(
        "s_follow_post_now",
        "SOCIAL_MEDIA",
        "looks good, post it now",
        [
            no_question,
            skill("SOCIAL_MEDIA"),
            says("sourdough baking class"),
            says_any("no linkedin account", "outbox"),
            never_says("as you wrote it"),  # the draft was OpenAnalyst's, now approved
        ],
        before=["write a linkedin post about our new sourdough baking class"],
        model=r.conversation(
            r.post("linkedin", "our new sourdough baking class", SOURDOUGH_POST),
            r.post("linkedin", "our new sourdough baking class", SOURDOUGH_POST, publish=True, approved=True),
        ),
    ),
    Case(
        "s_follow_add_emoji",
        "SOCIAL_MEDIA",
        "add an emoji",
        [no_question, says("oat milk latte", "✨", "Not posted yet"), never_says("outside what I can do")],
        before=["write a tweet about our new oat milk latte"],
        model=r.conversation(
            r.post("twitter", "our new oat milk latte", OAT_LATTE_TWEET),
            r.post(
                "twitter",
                "our new oat milk latte",
                OAT_LATTE_TWEET.replace("here.", "here. ✨"),
                approved=True,
            ),
        ),
        model_checks=[no_question, says("✨", "oat milk latte"), never_says("outside what I can do")],
    ),
    Case(
        "s_follow_post_both",
        "SOCIAL_MEDIA",
        "great, post them both now",
        [
            no_question,
            says(
                "X (Twitter) post about our new delivery service",
                "LinkedIn post about our new delivery service",
            ),
            says("no X (Twitter) account", "no LinkedIn account"),
            never_says("about them both"),
        ],
        before=["write a tweet and a linkedin post about our new delivery service"],
        model=r.conversation(
            r.each_platform("our new delivery service", DELIVERY),
            r.each_platform("our new delivery service", DELIVERY, publish=True),
        ),
        model_checks=[
            no_question,
            says("no X (Twitter) account", "no LinkedIn account"),
            never_says("about them"),
        ],
    ),
    Case(
        "s_follow_schedule",
        "SOCIAL_MEDIA",
        "perfect, schedule it for friday at 10am",
        [*POST_SEEN, *SCHEDULED, says("winter menu"), matches(r"10:00"), never_says("Not posted yet")],
        before=["draft a tweet about our winter menu"],
        model=r.conversation(
            r.post("twitter", "our winter menu", WINTER_TWEET),
            r.post("twitter", "our winter menu", WINTER_TWEET, when="friday 10am", approved=True),
        ),
    ),
    Case(
        "s_follow_pick_second",
        "SOCIAL_MEDIA",
        "I like the second one, schedule it for friday at 9am",
        [*POST_SEEN, *SCHEDULED, says("Don't miss our Black Friday sale"), matches(r"09:00")],
        model_checks=[*POST_SEEN, *SCHEDULED, says(BLACK_FRIDAY_TWEETS[1]), matches(r"09:00")],
        before=["can you draft 3 tweets about our black friday sale, 30% off everything"],
        model=r.conversation(
            r.several("twitter", "our black friday sale, 30% off everything", BLACK_FRIDAY_TWEETS),
            r.post(
                "twitter",
                "our black friday sale, 30% off everything",
                BLACK_FRIDAY_TWEETS[1],
                when="friday 9am",
                approved=True,
            ),
        ),
    ),
    Case(
        "s_follow_add_link",
        "SOCIAL_MEDIA",
        "can you add a link to acme.io/app?",
        [*POST_SEEN, says("mobile app", "acme.io/app", "Not posted yet"), post_fits("twitter")],
        before=["draft a tweet announcing our new mobile app, it's free on ios and android"],
        model=r.conversation(
            r.post("twitter", "announcing our new mobile app", APP_TWEET),
            r.post(
                "twitter",
                "announcing our new mobile app",
                APP_TWEET.replace(" #MobileApp", " acme.io/app #MobileApp"),
                approved=True,
            ),
        ),
    ),
    Case(
        "s_follow_shorter",
        "SOCIAL_MEDIA",
        "can you make it shorter?",
        # the first draft: 122 characters offline, 222 with the model (two thirds: 81, 148)
        [*POST_SEEN, says("coffee roastery"), post_within(81), never_says("can't change")],
        model_checks=[*POST_SEEN, says("coffee roastery"), post_within(148)],
        before=["write a linkedin post about the first year of our coffee roastery"],
        model=r.conversation(
            r.post("linkedin", "the first year of our coffee roastery", ROASTERY_POST),
            r.post(
                "linkedin",
                "the first year of our coffee roastery",
                "One year of our coffee roastery: 40 origins roasted and a café full of regulars. Thank you!",
                args={"max_chars": 148},
            ),
        ),
    ),
    Case(
        "s_follow_other_platform",
        "SOCIAL_MEDIA",
        "nice! now do one for twitter",
        [*POST_SEEN, says("X (Twitter)", "oat latte"), post_fits("twitter")],
        before=["write an instagram caption about our new oat latte"],
        model=r.conversation(
            r.post(
                "instagram",
                "our new oat latte",
                "Say hello to our new oat latte ☕ Creamy, nutty, 100% plant-based. #OatLatte #CoffeeTime",
            ),
            r.post(
                "twitter",
                "our new oat latte",
                "Our new oat latte is here: creamy, nutty, plant-based. #OatLatte",
            ),
        ),
    ),
    Case(
        "s_most_likes_table",
        "SOCIAL_MEDIA",
        "Which of my posts got the most likes? post,likes\nlaunch,120\nhiring,45\nwebinar,88",
        [no_question, says("launch", "120 interactions"), never_says("%", "could not complete")],
        model=r.engagement("post,likes\nlaunch,120\nhiring,45\nwebinar,88"),
    ),
    Case(
        "s_best_time",
        "SOCIAL_MEDIA",
        f"When is the best time for me to post? Here are my last posts:\n{POSTS_CSV}",
        [no_question, says_any("best time", "best posting time", "best hour", "best day"), matches(r"\d")],
        model=r.engagement(POSTS_CSV),
    ),
    Case(
        "s_best_time_without_numbers",
        "SOCIAL_MEDIA",
        "whats the best time to post on linkedin?",
        [
            creates_nothing,
            says("analytics export", "when each went out"),
            never_says("how your posts performed"),  # they asked when to post, not how posts did
        ],
        # with a model, whether to ask for the numbers or answer in general is the model's call
        modes=("offline",),
    ),
    # ---------------------------------------------------------------- ANALYTICS
    Case(
        "a_csv_visitors",
        "ANALYTICS",
        f"Make a chart of our website visitors:\n{VISITS_CSV}",
        [no_question, skill("ANALYTICS"), image_shown, says_any("1502", "1,502")],
        model=r.report(VISITS_CSV, "Website visitors", "Make a chart of our website visitors"),
    ),
    Case(
        "a_are_we_growing",
        "ANALYTICS",
        "our newsletter signups: sept 320, oct 410, nov 515. are we growing?",
        [no_question, image_shown, matches(r"Yes: newsletter signups rose from 320 \(sept\) to 515 \(nov\)")],
        model_checks=[no_question, image_shown, matches(r"Yes: signups rose from 320")],
        model=r.report(
            "month,signups\nsept,320\noct,410\nnov,515",
            "Newsletter signups",
            "our newsletter signups: sept 320, oct 410, nov 515. are we growing?",
        ),
    ),
    Case(
        "a_total_without_commas",
        "ANALYTICS",
        "what's my total revenue? jan 12k feb 15k mar 9k",
        [no_question, says("The total of revenue is 36,000 (3 values)"), never_says("outside what I can do")],
        model=r.report(
            "month,revenue\njan,12000\nfeb,15000\nmar,9000", "Revenue", "what's my total revenue?"
        ),
        model_checks=[no_question, says("36,000")],
    ),
    Case(
        "a_two_campaigns_compared",
        "ANALYTICS",
        "can you compare these two campaigns: spring campaign 3.2% ctr, summer campaign 4.1% ctr",
        # the numbers were asked for again: two of a kind asked to be compared are a table
        [
            no_question,
            image_shown,
            says("CTR is higher for summer campaign (4.1%) than for spring campaign (3.2%), by 0.9 points"),
        ],
        model_checks=[no_question, image_shown, says("summer campaign")],
        model=r.report(
            "campaign,CTR (%)\nspring campaign,3.2\nsummer campaign,4.1",
            "CTR by campaign",
            "can you compare these two campaigns?",
            chart="bar",
        ),
    ),
    Case(
        "a_site_visits_last_month_without_numbers",
        "ANALYTICS",
        "how many people visited our site last month?",
        # was "outside what I can do": their numbers, which they have not given yet
        [says("I need your numbers"), never_says("outside what I can do"), creates_nothing],
        modes=("offline",),
    ),
    Case(
        "a_regions_in_one_line",
        "ANALYTICS",
        "sales North 48200 South 35100 East 51900 West 29800, which is best?",
        [no_question, image_shown, says("East is highest, with 51,900")],
        model_checks=[no_question, image_shown, says("East")],
        model=r.report(REGIONS_CSV, "Sales by region", "which is best?", chart="bar"),
    ),
    Case(
        "a_weeks_with_a_unit",
        "ANALYTICS",
        "can you chart this: week 1 340 signups, week 2 410, week 3 390, week 4 520",
        # every week is a row: the first one, said with its unit, was lost
        [no_question, image_shown, says("signups rose from 340 (week 1) to 520 (week 4)")],
        model_checks=[no_question, image_shown, says("520")],
        model=r.report(
            "week,signups\nweek 1,340\nweek 2,410\nweek 3,390\nweek 4,520", "Signups", "can you chart this"
        ),
    ),
    Case(
        "a_two_runs_of_numbers",
        "ANALYTICS",
        "hey can you help me figure out if my ad spend is working? spend 500 800 1200 1500, signups 41 60 95 110",
        [no_question, image_shown, says("signups rise by", "per unit of spend", "strong linear relation")],
        model_checks=[no_question, image_shown, says("spend")],
        model=r.report(
            "spend,signups\n500,41\n800,60\n1200,95\n1500,110",
            "Ad spend and signups",
            "is my ad spend working?",
        ),
    ),
    Case(
        "a_regions",
        "ANALYTICS",
        f"Which region sold the most?\n{REGIONS_CSV}",
        [no_question, image_shown, says("East"), says_any("51900", "51,900")],
        model=r.report(REGIONS_CSV, "Sales by region", "Which region sold the most?", chart="bar"),
    ),
    Case(
        "a_json_revenue",
        "ANALYTICS",
        f"Analyse this revenue data and show the trend: {REVENUE_JSON}",
        [no_question, image_shown, says_any("23800", "23,800")],
        model=r.report(REVENUE_JSON, "Revenue trend", "Analyse this revenue data and show the trend"),
    ),
    Case(
        "a_spend_signups",
        "ANALYTICS",
        f"Is there a relationship between ad spend and signups?\n{SPEND_CSV}",
        [no_question, image_shown, says_any("correlation", "relationship", "slope", "r =", "r²", "r^2")],
        model=r.report(
            SPEND_CSV,
            "Ad spend vs signups",
            "Is there a relationship between ad spend and signups?",
            chart="scatter",
        ),
    ),
    Case(
        "a_attached_csv",
        "ANALYTICS",
        "Make a report with a chart from the attached file",
        [no_question, image_shown, says_any("1502", "1,502")],
        attachments=[csv_attachment("visitors.csv", VISITS_CSV)],
        model=r.report(VISITS_CSV, "Visitors", "Make a report with a chart from the attached file"),
    ),
    Case(
        "a_attached_question",
        "ANALYTICS",
        "Which region sold the most? The numbers are in the attached file.",
        [no_question, skill("ANALYTICS"), says("East"), says_any("51900", "51,900")],
        attachments=[csv_attachment("sales.csv", REGIONS_CSV)],
        model=r.report(REGIONS_CSV, "Sales by region", "Which region sold the most?"),
    ),
    Case(
        "a_postgres_table",
        "ANALYTICS",
        "chart the shop_orders table in my database",
        [no_question, skill("ANALYTICS"), image_shown, says("East"), says_any("51900", "51,900")],
        model={
            "planner": r.plan(
                r.bodies.step(
                    "fetch",
                    "f/openanalyst/analytics/fetch_metrics",
                    {"db_table": "shop_orders"},
                    required=["rows"],
                ),
                r.bodies.step(
                    "report",
                    "f/openanalyst/analytics/generate_report",
                    {"dataset": "$steps.fetch", "title": "Sales by region", "question": "chart shop_orders"},
                    required=["markdown"],
                ),
            ),
            "judge": r.PASS,
        },
        setup=with_shop_database,
        services=("postgres",),
    ),
    Case(
        "a_numbers_then_question",
        "ANALYTICS",
        "Here's our weekly signups: mon 120, tue 135, wed 128, thu 160, fri 190. What's the trend?",
        [no_question, skill("ANALYTICS"), image_shown, says("rose from 120 (mon) to 190 (fri)")],
        model=r.report(
            "day,signups\nmon,120\ntue,135\nwed,128\nthu,160\nfri,190", "Weekly signups", "What's the trend?"
        ),
    ),
    Case(
        "a_followers_in_thousands",
        "ANALYTICS",
        "Our followers went 120k, 125k, 131k, 140k over the last four months. Is that good growth?",
        [
            no_question,
            skill("ANALYTICS"),
            image_shown,
            says("rose from 120,000 (month 1) to 140,000 (month 4)"),
        ],
        model=r.report(
            "month,followers\nmonth 1,120000\nmonth 2,125000\nmonth 3,131000\nmonth 4,140000",
            "Followers",
            "Is that good growth?",
        ),
    ),
    Case(
        "a_months_in_millions",
        "ANALYTICS",
        "Revenue Jan 1.2m, Feb 1.35m, Mar 1.1m. Why did March drop?",
        [no_question, skill("ANALYTICS"), image_shown, says("1,350,000", "Mar")],
        model=r.report(
            "month,revenue\nJan,1200000\nFeb,1350000\nMar,1100000", "Revenue", "Why did March drop?"
        ),
    ),
    Case(
        "a_months_and_a_question_after_and",
        "ANALYTICS",
        "hey can you chart my monthly sales: Jan 4200, Feb 3900, Mar 5100, Apr 6100 and tell me which"
        " month was best",
        [no_question, skill("ANALYTICS"), image_shown, says("highest for Apr (6,100)")],
        model=r.report(
            "month,monthly sales\nJan,4200\nFeb,3900\nMar,5100\nApr,6100",
            "Monthly sales",
            "Which month was best?",
        ),
    ),
    Case(
        "a_quarters_bar_chart",
        "ANALYTICS",
        "Can you make a bar chart: Q1 12000, Q2 15500, Q3 14200, Q4 19800",
        [no_question, skill("ANALYTICS"), image_shown, says("from 12,000 (Q1) to 19,800 (Q4)")],
        model=r.report("quarter,value\nQ1,12000\nQ2,15500\nQ3,14200\nQ4,19800", "Quarterly figures", ""),
    ),
    Case(
        "a_median_question",
        "ANALYTICS",
        "what's the median of 14, 9, 22, 17 and 30?",
        [no_question, skill("ANALYTICS"), says("The median is 17 (5 values)"), never_says("median rose")],
        model=r.report(
            "point,value\npoint 1,14\npoint 2,9\npoint 3,22\npoint 4,17\npoint 5,30",
            "Values",
            "What's the median?",
        ),
    ),
    Case(
        "a_best_month_question",
        "ANALYTICS",
        "what was our best month? jan 12k, feb 15k, mar 11k, apr 18k, may 16k",
        [
            no_question,
            skill("ANALYTICS"),
            image_shown,
            says("apr is highest, with 18,000"),
            never_says("best month"),
        ],
        model=r.report(
            "month,value\njan,12000\nfeb,15000\nmar,11000\napr,18000\nmay,16000",
            "Monthly figures",
            "What was our best month?",
        ),
    ),
    Case(
        "a_which_store_did_best",
        "ANALYTICS",
        "Which of our stores did best last quarter? Leeds 48k, York 52k, Hull 31k, Bath 44k",
        [no_question, image_shown, says("York is highest, with 52,000"), never_says("label", "stores is")],
        model=r.report(
            "stores,value\nLeeds,48000\nYork,52000\nHull,31000\nBath,44000",
            "Stores last quarter",
            "Which of our stores did best last quarter?",
        ),
    ),
    Case(
        "a_lowest_region_question",
        "ANALYTICS",
        "Which region sold the least? north 120, south 90, east 45, west 130",
        [no_question, skill("ANALYTICS"), says("east is lowest, with 45"), never_says("label")],
        model=r.report(
            "region,sold\nnorth,120\nsouth,90\neast,45\nwest,130",
            "Sales by region",
            "Which region sold the least?",
        ),
    ),
    Case(
        "a_chart_question_then_numbers",
        "ANALYTICS",
        "can you turn this into a chart? visitors: mon 340, tue 410, wed 390, thu 460, fri 520, sat 610, sun 580",
        [
            no_question,
            image_shown,
            says("visitors rose from 340 (mon) to 580 (sun)"),
            never_says("into visitors"),
        ],
        model=r.report(
            "day,visitors\nmon,340\ntue,410\nwed,390\nthu,460\nfri,520\nsat,610\nsun,580",
            "Visitors",
            "Can you turn this into a chart?",
        ),
    ),
    Case(
        "a_pie_chart_of_shares",
        "ANALYTICS",
        "make me a pie chart of our traffic sources: organic 45%, paid 25%, social 20%, email 10%",
        [no_question, image_shown, says("![pie chart of share (%) by traffic sources", "organic (45%)")],
        model=r.report(
            "traffic sources,share (%)\norganic,45\npaid,25\nsocial,20\nemail,10",
            "Traffic sources",
            "Make me a pie chart of our traffic sources",
            chart="pie",
        ),
        model_checks=[no_question, image_shown, says("![pie chart", "organic")],
    ),
    Case(
        "a_rates_then_a_dash_question",
        "ANALYTICS",
        "our email open rates by month were jan 21%, feb 24%, mar 19%, apr 26% — what's the trend?",
        [no_question, image_shown, says("email open rates rose from 21% (jan) to 26% (apr), +5 points")],
        # the recorded plan sends the numbers without "%" (a model's own reading of them)
        model_checks=[no_question, image_shown, says("email open rates rose from 21 (jan) to 26 (apr)")],
        model=r.report(
            "month,email open rates\njan,21\nfeb,24\nmar,19\napr,26",
            "Email open rates",
            "What's the trend?",
        ),
    ),
    Case(
        "a_rates_improving",
        "ANALYTICS",
        "I want to analyse my email open rates: jan 21%, feb 23%, mar 19%, apr 26%. are they improving?",
        [no_question, image_shown, says("Yes: open rates rose from 21% (jan) to 26% (apr), +5 points")],
        model_checks=[no_question, image_shown, says("26")],
        model=r.report(
            "month,open rates (%)\njan,21\nfeb,23\nmar,19\napr,26",
            "Email open rates",
            "are they improving?",
        ),
    ),
    Case(
        "a_best_day_by_how_much",
        "ANALYTICS",
        "our website visits this week: mon 320, tue 410, wed 380, thu 505, fri 610. which day was best and "
        "by how much?",
        [no_question, image_shown, says("fri is highest, with 610: 105 more than thu (505, +21%)")],
        model=r.report(
            "day,website visits\nmon,320\ntue,410\nwed,380\nthu,505\nfri,610",
            "Website visits",
            "Which day was best and by how much?",
        ),
    ),
    Case(
        "a_weeks_improving",
        "ANALYTICS",
        "weekly newsletter opens: w1 410, w2 388, w3 452, w4 470 - are we improving?",
        [no_question, image_shown, says("Yes", "410 (w1) to 470 (w4)")],
        model=r.report(
            "week,newsletter opens\nw1,410\nw2,388\nw3,452\nw4,470",
            "Newsletter opens",
            "are we improving?",
        ),
    ),
    # a question about the report just made, in the same conversation
    Case(
        "a_follow_line_chart",
        "ANALYTICS",
        "can you show that as a line chart instead?",
        [no_question, image_shown, says("line chart of monthly revenue", "18,000"), never_says("paste")],
        before=["monthly revenue: jan 12k, feb 15k, mar 9k, apr 18k"],
        model=r.conversation(
            r.report(REVENUE_MONTHS, "Monthly revenue", "monthly revenue: jan 12k, feb 15k, mar 9k, apr 18k"),
            r.report(
                REVENUE_MONTHS, "Monthly revenue", "can you show that as a line chart instead?", chart="line"
            ),
        ),
    ),
    Case(
        "a_follow_average",
        "ANALYTICS",
        "ok and what was the average?",
        [no_question, says("The average of weekly signups is 415"), never_says("outside what I can do")],
        # (its earlier request differs from the line chart case's: each case's model replies are
        # found by its requests' words)
        before=["weekly signups: week 1 340, week 2 410, week 3 390, week 4 520"],
        model=r.conversation(
            r.report(
                SIGNUP_WEEKS,
                "Weekly signups",
                "weekly signups: week 1 340, week 2 410, week 3 390, week 4 520",
            ),
            r.report(SIGNUP_WEEKS, "Weekly signups", "ok and what was the average?"),
        ),
    ),
    Case(
        "a_follow_attached_file_wins",
        "ANALYTICS",
        "Which region sold the most? It's all in this file.",
        # after a report of other numbers, the file sent now is what the question is about
        [no_question, says("East"), says_any("51900", "51,900"), never_says("monthly orders")],
        before=["monthly orders: jan 120, feb 135, mar 128, apr 150"],
        attachments=[csv_attachment("sales.csv", REGIONS_CSV)],
        model=r.conversation(
            r.report(
                "month,monthly orders\njan,120\nfeb,135\nmar,128\napr,150",
                "Monthly orders",
                "monthly orders: jan 120, feb 135, mar 128, apr 150",
            ),
            r.report(REGIONS_CSV, "Sales by region", "Which region sold the most?"),
        ),
    ),
    Case(
        "a_best_day_and_average",
        "ANALYTICS",
        "average order value: mon 42.5, tue 39.9, wed 45.1, thu 48.3, fri 51.2 — which day was best and "
        "what's the average?",
        [no_question, image_shown, says("The average of order value is 45.4", "fri is highest, with 51.2")],
        model=r.report(
            "day,order value\nmon,42.5\ntue,39.9\nwed,45.1\nthu,48.3\nfri,51.2",
            "Average order value",
            "Which day was best and what's the average?",
        ),
    ),
    Case(
        "a_two_weeks_compared",
        "ANALYTICS",
        "we had 1200 visitors last week and 1450 this week, is that good?",
        [
            no_question,
            image_shown,
            says("visitors rose from 1,200 (last week) to 1,450 (this week), +21%"),
            never_says("outside what I can do", "**good**"),
        ],
        model=r.report("period,visitors\nlast week,1200\nthis week,1450", "Visitors", "Is that good?"),
    ),
    Case(
        "a_line_chart_instead",
        "ANALYTICS",
        "can you make the chart a line chart instead? jan 10, feb 14, mar 12, apr 18",
        [no_question, says("![line chart", "rose from 10 (jan) to 18 (apr)"), never_says("instead rose")],
        model=r.report(
            "month,value\njan,10\nfeb,14\nmar,12\napr,18",
            "Monthly figures",
            "A line chart instead?",
            chart="line",
        ),
        model_checks=[no_question, says("![line chart")],
    ),
    Case(
        "a_busiest_weekday",
        "ANALYTICS",
        "Which day of the week gets the most signups? date,signups\n2026-11-02,40\n2026-11-03,52\n"
        "2026-11-04,38\n2026-11-09,44\n2026-11-10,61\n2026-11-11,35",
        [no_question, skill("ANALYTICS"), image_shown, says("highest on Tuesdays")],
        model=r.report(
            "date,signups\n2026-11-02,40\n2026-11-03,52\n2026-11-04,38\n2026-11-09,44\n2026-11-10,61\n2026-11-11,35",
            "Signups by weekday",
            "Which day of the week gets the most signups?",
        ),
    ),
    Case(
        "a_average_order",
        "ANALYTICS",
        f"What's the average order value?\n{ORDERS_CSV}",
        [no_question, says("45")],
        model=r.report(ORDERS_CSV, "Order value", "What's the average order value?"),
    ),
    Case(
        "a_weekly_signups",
        "ANALYTICS",
        f"Show me the trend of weekly signups\n{SIGNUPS_CSV}",
        [no_question, image_shown, says_any("438", "growth", "increase", "up")],
        model=r.report(SIGNUPS_CSV, "Weekly signups", "Show me the trend of weekly signups", chart="line"),
    ),
    Case(
        "a_semicolon",
        "ANALYTICS",
        f"Chart units sold per plan:\n{SEMICOLON_CSV}",
        [no_question, image_shown, says("Basic"), says("340")],
        model=r.report(SEMICOLON_CSV, "Units per plan", "Chart units sold per plan", chart="bar"),
    ),
    Case(
        "a_anscombe",
        "ANALYTICS",
        f"Plot y against x and tell me if they're related:\n{ANSCOMBE}",
        [no_question, image_shown, says_any("correlation", "related", "slope", "r =")],
        model=r.report(
            ANSCOMBE, "y against x", "Plot y against x and tell me if they're related", chart="scatter"
        ),
    ),
    Case(
        "a_history",
        "ANALYTICS",
        "Make a report of my recent tasks and how many succeeded",
        [no_question, says_any("3 tasks", "three tasks", "2 of 3", "2 succeeded", "66", "67")],
        setup=with_history,
        model=r.history_report(
            "Your recent tasks", "Make a report of my recent tasks and how many succeeded"
        ),
    ),
    Case(
        "a_no_data",
        "ANALYTICS",
        "Analyse last month's website traffic",
        [asked_or_said("paste", "attach", "CSV", "upload"), creates_nothing],
        model=r.answer(
            "To analyse last month's traffic I need the numbers: paste them as CSV or JSON, or attach the export file."
        ),
        model_checks=[says_any("paste", "attach", "CSV")],
    ),
    Case(
        "a_compare_years",
        "ANALYTICS",
        "can you compare our sales this year vs last year: 2025 48000, 2024 41000, 2023 39500",
        [
            no_question,
            skill("ANALYTICS"),
            image_shown,
            says("sales rose from 39,500 (2023) to 48,000 (2025)"),
            never_says("tasks", "succeeded", "per unit of year"),
        ],
        model=r.report(
            "year,sales\n2025,48000\n2024,41000\n2023,39500",
            "Sales by year",
            "Compare our sales this year vs last year",
        ),
    ),
    Case(
        "a_compare_without_numbers",
        "ANALYTICS",
        "compare our sales this year vs last year",
        # with history to hand: the person's task record is not their sales
        [
            asked_or_said("need your numbers", "paste"),
            never_says("succeeded", "success_rate"),
            creates_nothing,
            last_progress("Needs something from you"),  # not "Finished with problems": nothing failed
        ],
        setup=with_history,
        model=r.answer("To compare your sales I need the numbers: paste them here or attach the file."),
        model_checks=[says_any("paste", "attach")],
    ),
    Case(
        "a_most_money",
        "ANALYTICS",
        "here's our data\nproduct,units,revenue\nBasic,340,3400\nPro,212,6360\nTeam,96,9600\nwhich product brings the most money?",
        [
            no_question,
            image_shown,
            says("Team is highest in revenue, with 9,600"),
            never_says("Basic is highest"),
        ],
        model=r.report(
            "product,units,revenue\nBasic,340,3400\nPro,212,6360\nTeam,96,9600",
            "Products",
            "which product brings the most money?",
        ),
        model_checks=[no_question, image_shown, says("Team is highest in revenue")],
    ),
    Case(
        "s_likes_in_a_sentence",
        "SOCIAL_MEDIA",
        "I posted 3 times last week: 120 likes, 85 likes, 240 likes. which post did best?",
        [no_question, says("post 3", "240"), never_says("analytics export")],
        model=r.engagement("post,likes\npost 1,120\npost 2,85\npost 3,240"),
        model_checks=[no_question, says("240"), never_says("analytics export")],
    ),
    Case(
        "s_best_posting_times",
        "SOCIAL_MEDIA",
        "what were my best posting times?",
        [
            asked_or_said("analytics export", "paste"),
            never_says("outside what I can do", "What should the post be about"),
        ],
        modes=("offline",),
    ),
    Case(
        "a_churn_improving",
        "ANALYTICS",
        "monthly churn: jan 2.1%, feb 2.4%, mar 1.9%, apr 1.7% - is churn improving?",
        # churn is better low: falling is improving
        [no_question, image_shown, says("Yes: monthly churn fell from 2.1% (Jan) to 1.7% (Apr)")],
        model=r.report(
            "month,monthly churn (%)\njan,2.1\nfeb,2.4\nmar,1.9\napr,1.7",
            "Monthly churn",
            "is churn improving?",
        ),
        model_checks=[no_question, image_shown, says("Yes: monthly churn fell")],
    ),
    Case(
        "a_number_then_month",
        "ANALYTICS",
        "our revenue was 12k in jan, 15k in feb, 11k in mar, 18k in apr. whats the trend?",
        # "12k in jan": the number said before its month (was out of scope)
        [no_question, image_shown, says("Revenue rose from 12,000 (Jan) to 18,000 (Apr), +50%")],
        model=r.report(
            "month,revenue\njan,12000\nfeb,15000\nmar,11000\napr,18000", "Revenue", "whats the trend?"
        ),
        model_checks=[no_question, image_shown, says("18,000")],
    ),
    Case(
        "a_which_city",
        "ANALYTICS",
        "we sold 120 in london, 95 in paris and 80 in berlin. which city is best?",
        # the verb names the measure (sales), the question after the numbers the rows (cities)
        [no_question, image_shown, says("London (120)"), never_says("label")],
        model=r.report("city,sales\nlondon,120\nparis,95\nberlin,80", "Sales by city", "which city is best?"),
        model_checks=[no_question, image_shown, says("120")],
    ),
    Case(
        "a_want_to_see_pie",
        "ANALYTICS",
        "I want to see my sales by region as a pie chart: north 30, south 25, east 20, west 25",
        # "I want to see" names no measure ("See sales are highest for north")
        [no_question, image_shown, says("Sales are highest for north (30)"), never_says("See sales")],
        model=r.report(
            "region,sales\nnorth,30\nsouth,25\neast,20\nwest,25", "Sales by region", "pie chart", chart="pie"
        ),
        model_checks=[no_question, image_shown, says("30")],
    ),
    Case(
        "a_march_vs_april",
        "ANALYTICS",
        "compare march and april: march 4500 visitors, april 5200 visitors",
        # two months compared (it asked for the numbers)
        [
            no_question,
            says("Visitors rose from 4,500 (March) to 5,200 (April), +16%"),
            never_says("paste them here"),
        ],
        model=r.report("month,visitors\nmarch,4500\napril,5200", "Visitors", "compare march and april"),
        model_checks=[no_question, says("5,200")],
    ),
    Case(
        "a_orders_on_weekdays",
        "ANALYTICS",
        "we had 230 orders on monday, 180 on tuesday, 310 on wednesday. which day was busiest?",
        # was out of scope: "230 orders on monday" is a count, then its day
        [no_question, image_shown, says("Orders are highest for Wednesday (310)")],
        model=r.report(
            "day,orders\nmonday,230\ntuesday,180\nwednesday,310", "Orders", "which day was busiest?"
        ),
        model_checks=[no_question, image_shown, says("310")],
    ),
    Case(
        "a_how_much_did_sales_grow",
        "ANALYTICS",
        "how much did sales grow from 2023 to 2025? 2023: 80k, 2024: 95k, 2025: 120k",
        # the question's verb is no measure ("sales grow rose from ...")
        [
            no_question,
            says("sales rose from 80,000 (2023) to 120,000 (2025), +50%"),
            never_says("sales grow"),
        ],
        model=r.report(
            "year,sales\n2023,80000\n2024,95000\n2025,120000", "Sales", "how much did sales grow?"
        ),
        model_checks=[no_question, says("120,000")],
    ),
    Case(
        "a_sales_last_three_months",
        "ANALYTICS",
        "sales last 3 months: 40k, 38k, 45k. are we on track for 50k next month?",
        # the span of time is no measure (it reported "Last months rose from 40,000")
        [
            no_question,
            image_shown,
            says("Sales rose from 40,000 (month 1) to 45,000 (month 3)"),
            never_says("Last months"),
        ],
        model=r.report(
            "month,sales\nmonth 1,40000\nmonth 2,38000\nmonth 3,45000",
            "Sales",
            "are we on track for 50k next month?",
        ),
        model_checks=[no_question, image_shown, says("45,000")],
    ),
    Case(
        "a_visitors_by_week",
        "ANALYTICS",
        "website visitors by week: 1400, 1550, 1480, 1700. is traffic going up?",
        # "by week" names the rows (it said "By week rose from 1,400 (point 1)")
        [
            no_question,
            says("Yes: website visitors rose from 1,400 (week 1) to 1,700 (week 4)"),
            never_says("(point 1)"),
        ],
        model=r.report(
            "week,website visitors\nweek 1,1400\nweek 2,1550\nweek 3,1480\nweek 4,1700",
            "Website visitors",
            "is traffic going up?",
        ),
        model_checks=[no_question, says("1,700")],
    ),
    Case(
        "a_two_years",
        "ANALYTICS",
        "compare: 2024 revenue 1.2m, 2025 revenue 1.5m",
        [no_question, image_shown, says("revenue rose from 1,200,000 (2024) to 1,500,000 (2025), +25%")],
        model=r.report("year,revenue\n2024,1200000\n2025,1500000", "Revenue", "compare"),
        model_checks=[no_question, image_shown, says("1,500,000")],
    ),
    Case(
        "a_measure_in_brackets",
        "ANALYTICS",
        "make me a line chart: week 1 2300, week 2 2450, week 3 2100, week 4 2800 (website visitors)",
        [
            no_question,
            image_shown,
            says("website visitors rose from 2,300 (week 1) to 2,800 (week 4)", "line chart"),
            never_says("**Report**", "value by week"),
        ],
        model=r.report(
            "week,website visitors\nweek 1,2300\nweek 2,2450\nweek 3,2100\nweek 4,2800",
            "Website visitors",
            "make me a line chart",
            chart="line",
        ),
        model_checks=[no_question, image_shown, says("2,800 (week 4)")],
    ),
    Case(
        "a_numbers_in_a_sentence",
        "ANALYTICS",
        "I need a bar chart of revenue by product: Widgets 1200, Gadgets 950, Doohickeys 430",
        [no_question, image_shown, says("Widgets"), says_any("2,580", "2580")],
        model=r.report(
            "product,revenue\nWidgets,1200\nGadgets,950\nDoohickeys,430",
            "Revenue by product",
            "bar chart",
            "bar",
        ),
    ),
    Case(
        "a_two_months",
        "ANALYTICS",
        "Compare these two months for me: month,orders,returns\n2026-09,410,22\n2026-10,455,31",
        [no_question, image_shown, says("+11%"), says("+41%")],
        model=r.report("month,orders,returns\n2026-09,410,22\n2026-10,455,31", "Two months", "compare"),
    ),
    Case(
        "a_signups_this_week",
        "ANALYTICS",
        "How many signups did we get in total over these weeks?\n" + SIGNUPS_CSV,
        [no_question, says_any("2208", "2,208")],
        model=r.report(SIGNUPS_CSV, "Signups", "How many signups did we get in total over these weeks?"),
    ),
    Case(
        "a_series_per_week_with_a_question",
        "ANALYTICS",
        "our signups per week were 120, 135, 160, 158, 190 - is that good growth?",
        [
            no_question,
            skill("ANALYTICS"),
            image_shown,
            says("signups rose from 120 (week 1) to 190 (week 5)"),
        ],
        model=r.report(
            "week,signups\nweek 1,120\nweek 2,135\nweek 3,160\nweek 4,158\nweek 5,190",
            "Signups per week",
            "Is that good growth?",
        ),
    ),
    # ---------------------------------------------------------------- WORKFLOW_BUILDER
    Case(
        "b_weekday_fetch",
        "WORKFLOW_BUILDER",
        "every weekday at 7am fetch https://api.example.com/status.json and send me the result",
        [
            no_question,
            skill("WORKFLOW_BUILDER"),
            created("scripts"),
            created("schedules"),
            says_any("weekday", "Monday to Friday", "Mon-Fri"),
        ],
        model=r.steps(
            (
                "script",
                f"{r.BUILDER}/create_script",
                {
                    "name": "fetch_status",
                    "description": "Fetch https://api.example.com/status.json and return the JSON",
                },
            ),
            (
                "schedule",
                f"{r.BUILDER}/create_schedule",
                {
                    "name": "fetch_status_weekdays",
                    "schedule": "every weekday at 7am",
                    "script_path": "$steps.script.path",
                },
            ),
            writer='import httpx\n\n\ndef main(url: str = "https://api.example.com/status.json") -> dict:\n    """Fetch the URL and return its JSON."""\n    return httpx.get(url, timeout=30).json()',
        ),
    ),
    Case(
        "b_described_script_every_morning",
        "WORKFLOW_BUILDER",
        "build me a script that pulls the weather for berlin every morning",
        [
            no_question,
            created("scripts"),
            created("schedules"),
            says("every day at 09:00"),
            never_says("ask me to run it on a schedule"),  # the schedule is made in the same answer
        ],
        model=r.steps(
            (
                "script",
                f"{r.BUILDER}/create_script",
                {
                    "name": "pulls_weather_berlin",
                    "description": "Pulls the weather for Berlin.",
                    "scheduled": True,
                },
            ),
            (
                "schedule",
                f"{r.BUILDER}/create_schedule",
                {
                    "name": "pulls_weather_berlin_morning",
                    "schedule": "every day at 9am",
                    "script_path": "$steps.script.path",
                },
            ),
            writer='import httpx\n\n\ndef main(city: str = "Berlin") -> dict:\n    """The current weather in `city`."""\n    return httpx.get("https://wttr.in/" + city, params={"format": "j1"}, timeout=30).json()',
        ),
    ),
    Case(
        "b_twice_a_day",
        "WORKFLOW_BUILDER",
        "Set up a daily check of https://api.example.com/health at 8am and 8pm",
        [no_question, created("scripts"), created("schedules"), says("08:00 and 20:00")],
        model=r.steps(
            (
                "script",
                f"{r.BUILDER}/create_script",
                {"name": "fetch_health", "description": "Fetch the health URL"},
            ),
            (
                "schedule",
                f"{r.BUILDER}/create_schedule",
                {
                    "name": "fetch_health_daily",
                    "schedule": "every day at 8am and 8pm",
                    "script_path": "$steps.script.path",
                },
            ),
            writer='import httpx\n\n\ndef main(url: str = "https://api.example.com/health") -> dict:\n    """Fetch the URL and return its JSON."""\n    return httpx.get(url, timeout=30).json()',
        ),
    ),
    Case(
        "b_monday_report",
        "WORKFLOW_BUILDER",
        "Every Monday at 8am run my analytics report",
        [no_question, created("schedules"), says_any("Monday", "Mon"), matches(r"08:00|8:00|8am|8 am")],
        model=r.build(
            "create_schedule",
            {
                "name": "analytics_report_monday",
                "schedule": "every Monday at 8am",
                "script_path": "u/{user}/scripts/analytics_report",
            },
        ),
    ),
    Case(
        "b_scheduled_posts_digest",
        "WORKFLOW_BUILDER",
        "every monday at 8am send me a summary of last week's scheduled posts",
        [
            no_question,
            created("schedules"),
            says("scripts/scheduler", "every Monday at 08:00"),
            never_says("social_post", "You have no posts scheduled"),  # a schedule to build, not a question
        ],
        model_checks=[no_question, created("schedules"), says("scheduler")],
        model=r.build(
            "create_schedule",
            {
                "name": "scheduled_posts_monday",
                "schedule": "every Monday at 8am",
                "script_path": "u/{user}/scripts/scheduler",
            },
        ),
    ),
    Case(
        "b_friday_summary",
        "WORKFLOW_BUILDER",
        "Every Friday at 5pm send me a summary of my week's posts",
        [no_question, created("schedules"), says("analytics_report", "Friday"), matches(r"17:00|5pm|5 pm")],
        model=r.build(
            "create_schedule",
            {
                "name": "summary_friday",
                "schedule": "every Friday at 5pm",
                "script_path": "u/{user}/scripts/analytics_report",
            },
        ),
    ),
    Case(
        "b_weekly_task_report",
        "WORKFLOW_BUILDER",
        "Give me a weekly report of my tasks every Monday",
        [no_question, created("schedules"), says("analytics_report", "Monday")],
        model=r.build(
            "create_schedule",
            {
                "name": "report_weekly_monday",
                "schedule": "every Monday at 9am",
                "script_path": "u/{user}/scripts/analytics_report",
            },
        ),
    ),
    Case(
        "b_set_up_weekly_task_report",
        "WORKFLOW_BUILDER",
        "set up a weekly report of my tasks every friday at 5pm",
        [
            no_question,
            created("schedules"),
            says("analytics_report", "Friday"),
            never_says("outside what I can do"),
        ],
        model=r.build(
            "create_schedule",
            {
                "name": "report_weekly_friday",
                "schedule": "every Friday at 5pm",
                "script_path": "u/{user}/scripts/analytics_report",
            },
        ),
    ),
    Case(
        "b_run_my_script_now",
        "WORKFLOW_BUILDER",
        "Run my stock count script now",
        [no_question, says("Ran your script", "/scripts/stock_count", "Lisbon", "120")],
        model=r.build("run_now", {"target": "stock count"}),
        setup=with_inventory_script,
    ),
    Case(
        "b_run_code_that_runs_as_anyone",
        "WORKFLOW_BUILDER",
        "run my anyone_count script now",
        [says("anyone_count", "runs as whoever starts it"), never_says("Ran your script", "120")],
        model=r.build("run_now", {"target": "anyone_count"}),
        setup=with_inventory_script,
    ),
    Case(
        "b_run_with_nothing_to_analyse",
        "WORKFLOW_BUILDER",
        "run my analytics_report script now",
        [says("analytics_report", "paste them"), never_says("Traceback", "stack", "was not successful")],
        model=r.build("run_now", {"target": "analytics_report"}),
    ),
    Case(
        "b_script_url",
        "WORKFLOW_BUILDER",
        "Create a script that fetches https://api.github.com/repos/windmill-labs/windmill and returns the JSON",
        [no_question, created("scripts")],
        model=r.build(
            "create_script",
            {
                "name": "fetch_windmill_repo",
                "description": "Fetch https://api.github.com/repos/windmill-labs/windmill and return the JSON",
            },
            code='import httpx\n\n\ndef main(url: str = "https://api.github.com/repos/windmill-labs/windmill") -> dict:\n    """Fetch the repository document."""\n    return httpx.get(url, timeout=30).json()',
        ),
    ),
    Case(
        "b_dashboard",
        "WORKFLOW_BUILDER",
        "Build me a dashboard app for my metrics",
        [no_question, created("apps")],
        model=r.build("create_app", {"name": "metrics_dashboard", "summary": "My metrics"}),
    ),
    Case(
        "b_dashboard_weekly_sales",
        "WORKFLOW_BUILDER",
        "build me a dashboard that shows my weekly sales",
        # "weekly" describes the sales: a dashboard, not a schedule of one
        [no_question, created("apps"), says("weekly_sales_dashboard"), never_says("which of your scripts")],
        model=r.build("create_app", {"name": "weekly_sales_dashboard", "summary": "Weekly sales"}),
        model_checks=[no_question, created("apps"), never_says("which of your scripts")],
    ),
    Case(
        "b_app_log_expenses",
        "WORKFLOW_BUILDER",
        "build an app where my team can log expenses",
        # offline the starter dashboard is all there is: it says so
        [no_question, created("apps"), says("log_expenses_app", "not yet what you asked for")],
        model=r.build(
            "create_app",
            {
                "name": "log_expenses_app",
                "summary": "Expenses",
                "description": "An app where my team can log expenses",
            },
        ),
        model_checks=[no_question, created("apps"), says("not yet what you asked for")],
    ),
    Case(
        "b_dashboard_of_scheduled_posts",
        "WORKFLOW_BUILDER",
        "can you build me a dashboard showing my scheduled posts?",
        [no_question, created("apps"), says("dashboard"), never_says("You have no posts scheduled")],
        model=r.build("create_app", {"name": "my_dashboard", "summary": "My scheduled posts"}),
    ),
    Case(
        "b_weekly_report",
        "WORKFLOW_BUILDER",
        "Send me a weekly report of my posts every Friday at 5pm",
        [no_question, created("schedules"), says_any("Friday", "Fri"), matches(r"17:00|5pm|5 pm")],
        model=r.build(
            "create_schedule",
            {
                "name": "weekly_posts_report",
                "schedule": "every Friday at 5pm",
                "script_path": "u/{user}/scripts/analytics_report",
            },
        ),
    ),
    Case(
        "b_daily_dashboard_data",
        "WORKFLOW_BUILDER",
        "Run my dashboard data script every day at 6:30",
        [no_question, created("schedules"), matches(r"06:30|6:30")],
        model=r.build(
            "create_schedule",
            {
                "name": "dashboard_data_daily",
                "schedule": "every day at 6:30",
                "script_path": "u/{user}/scripts/dashboard_data",
            },
        ),
    ),
    Case(
        "b_flow_post",
        "WORKFLOW_BUILDER",
        "Create a flow that drafts a LinkedIn post and schedules it",
        [no_question, created("flows")],
        model=r.build(
            "create_flow", {"name": "draft_and_schedule", "summary": "Draft a LinkedIn post and schedule it"}
        ),
    ),
    Case(
        "b_needs_model",
        "WORKFLOW_BUILDER",
        "Write a script that predicts next month's churn from our customer database",
        [says_any("model", "starter"), never_says("error")],
        model=r.build(
            "create_script",
            {"name": "predict_churn", "description": "Predict next month's churn"},
            code='def main(rows: list[dict]) -> dict:\n    """Churn rate of the rows as a naive forecast."""\n    churned = sum(1 for r in rows if r.get("churned"))\n    return {"forecast": churned / max(1, len(rows))}',
        ),
        model_checks=[created("scripts")],
    ),
    Case(
        "b_create_skill",
        "WORKFLOW_BUILDER",
        "Create a skill called meeting-notes that turns my bullet points into meeting minutes",
        [no_question, created("skills")],
        model=r.build(
            "create_skill",
            {
                "name": "meeting-notes",
                "description": "Turn bullet points into meeting minutes",
                "triggers": ["meeting notes", "minutes"],
            },
        ),
    ),
    Case(
        "b_cron",
        "WORKFLOW_BUILDER",
        "Schedule my social_post script with cron 0 0 9 * * 1-5",
        [no_question, created("schedules")],
        model=r.build(
            "create_schedule",
            {
                "name": "social_post_weekdays",
                "cron": "0 0 9 * * 1-5",
                "script_path": "u/{user}/scripts/social_post",
            },
        ),
    ),
    Case(
        "b_hourly_fetch",
        "WORKFLOW_BUILDER",
        "every hour fetch https://status.example.com/api/summary.json",
        [no_question, created("scripts"), created("schedules")],
        model=r.steps(
            (
                "script",
                f"{r.BUILDER}/create_script",
                {"name": "fetch_summary", "description": "Fetch https://status.example.com/api/summary.json"},
            ),
            (
                "schedule",
                f"{r.BUILDER}/create_schedule",
                {
                    "name": "fetch_summary_hourly",
                    "schedule": "every hour",
                    "script_path": "$steps.script.path",
                },
            ),
            writer='import httpx\n\n\ndef main(url: str = "https://status.example.com/api/summary.json") -> dict:\n    """Fetch the status summary."""\n    return httpx.get(url, timeout=30).json()',
        ),
    ),
    Case(
        "b_bad_url",
        "WORKFLOW_BUILDER",
        "every morning at 9 fetch ftp://files.example.com/report.csv",
        [asked_or_said("http", "https", "web address", "URL"), creates_nothing],
        model=r.answer(
            "I can fetch web addresses (http or https) on a schedule; an ftp:// address is not supported. Send an https:// link instead."
        ),
    ),
    # ---------------------------------------------------------------- CUSTOM skills
    Case(
        "c_standup",
        "CUSTOM",
        "standup update: fixed the login bug, reviewed PR 42, started on billing export",
        [no_question, skill("standup"), says("login bug", "PR 42", "billing export")],
        setup=with_custom_skill,
        model=r.steps(
            (
                "format",
                "u/{user}/scripts/standup_notes",
                {"notes": "fixed the login bug, reviewed PR 42, started on billing export"},
            ),
            required=("update",),
        ),
    ),
    Case(
        "c_skill_code_runs_as_anyone",
        "CUSTOM",
        "standup update: fixed the login bug, reviewed PR 42",
        [says("runs as whoever starts it", "standup_notes"), never_says("Standup update:")],
        setup=with_custom_skill_running_as_anyone,
        model=r.steps(
            ("format", "u/{user}/scripts/standup_notes", {"notes": "fixed the login bug, reviewed PR 42"}),
            required=("update",),
        ),
    ),
    Case(
        "c_standup_phrased",
        "CUSTOM",
        "make my daily update from: shipped the onboarding emails, paired with Sam",
        [no_question, says("onboarding emails", "paired with Sam")],
        setup=with_custom_skill,
        model=r.steps(
            (
                "format",
                "u/{user}/scripts/standup_notes",
                {"notes": "shipped the onboarding emails, paired with Sam"},
            ),
            required=("update",),
        ),
    ),
    Case(
        "c_no_workflow",
        "CUSTOM",
        "standup update: wrote the migration plan",
        [says_any("needs a model", "need a model", "without a model", "Anthropic key", "offline")],
        setup=with_custom_skill_without_workflow,
        model=r.steps(
            ("format", "u/{user}/scripts/standup_notes", {"notes": "wrote the migration plan"}),
            required=("update",),
        ),
        model_checks=[says("migration plan")],
    ),
    # ---------------------------------------------------------------- CORE
    Case("k_help", "CORE", "help", [skill("CORE"), examples(2), creates_nothing]),
    Case("k_what_can_you_do", "CORE", "what can you do?", [examples(2)]),
    Case(
        "k_remind_me_what_you_can_do",
        "CORE",
        "remind me what you can do",
        [skill("CORE"), examples(2), never_says("outside what I can do")],
    ),
    Case("k_hello", "CORE", "hi there!", [examples(2), short_answer(1500)]),
    Case(
        "k_status",
        "CORE",
        "what did I ask you recently?",
        [says("Q3 results"), says_any("failed", "did not", "didn't")],
        setup=with_history,
    ),
    Case(
        "k_remind_me_what_i_asked",
        "CORE",
        "remind me what I asked you yesterday",
        [says("Q3 results"), never_says("outside what I can do", "reminder"), creates_nothing],
        setup=with_history,
    ),
    Case(
        "k_what_did_i_ask_today",
        "CORE",
        "what did I ask you today?",
        [says("Today you asked me 3 things (2 done)", "Q3 results"), never_says("Your last")],
        setup=with_history,
    ),
    Case(
        "k_what_did_i_ask_last_week",
        "CORE",
        "what did I ask you last week?",
        # the history is from today: none last week, said, and the latest shown instead
        [says("You didn't ask me anything last week", "Q3 results"), creates_nothing],
        setup=with_history,
    ),
    Case(
        "k_what_can_you_help_with",
        "CORE",
        "hi! what can you help me with?",
        # was out of scope
        [says("Social media", "Analytics"), never_says("outside what I can do"), creates_nothing],
    ),
    Case(
        "k_what_did_we_talk_about",
        "CORE",
        "what did we talk about yesterday?",
        # was out of scope: a conversation's history is the person's requests
        [says("You didn't ask me anything yesterday", "Q3 results"), never_says("outside what I can do")],
        setup=with_history,
    ),
    Case(
        "k_what_did_i_post",
        "CORE",
        "What did I post last week?",
        [says("Q3 results", "did not go through"), never_says("Here is your", "signups"), creates_nothing],
        setup=with_history,
    ),
    Case(
        "k_most_recent_post",
        "CORE",
        "what's my most recent post?",
        [no_question, says("Q3 results"), never_says("Here is your", "be about"), creates_nothing],
        setup=with_history,
    ),
    Case("k_thanks", "CORE", "great, thanks!", [says_any("welcome"), short_answer(300), creates_nothing]),
    Case(
        "k_connect_account",
        "CORE",
        "How do I connect my LinkedIn account?",
        [says("resources/linkedin", "access_token", "author_urn"), no_question, creates_nothing],
    ),
    Case(
        "k_how_to_post",
        "CORE",
        "how do I post on linkedin?",
        [
            says("what the post is about", "post it now", "how do I connect my LinkedIn account?"),
            no_question,
            creates_nothing,
        ],
    ),
    # acting on an earlier post: never a new post the person did not ask for
    Case(
        "k_cancel_scheduled",
        "SOCIAL_MEDIA",
        "cancel the post you scheduled for tomorrow",
        [says("no posts scheduled", "nothing to cancel"), never_says("Here is your"), creates_nothing],
        model=r.cancel(which="one"),
    ),
    # cancelling waiting posts: the one named, a list when the words fit several, never another's
    Case(
        "s_cancel_by_platform",
        "SOCIAL_MEDIA",
        "cancel my linkedin post",
        [
            says("Cancelled 1 post", "will not be published", "Lisbon office", "turn it on again"),
            never_says("Spring sale", "Not yours", "Here is your"),
        ],
        model=r.cancel(platform="linkedin"),
        setup=with_scheduled_posts,
    ),
    Case(
        "s_cancel_which_one",
        "SOCIAL_MEDIA",
        "please cancel my scheduled post",
        [
            says("2 posts that fit", "cancelled none", "Spring sale", "Lisbon office", "Say which one"),
            never_says("Not yours", "A draft I turned off", "Cancelled 1"),
        ],
        model=r.cancel(which="one"),
        setup=with_scheduled_posts,
    ),
    Case(
        "s_cancel_all_tweets",
        "SOCIAL_MEDIA",
        "unschedule every tweet I have lined up",
        [says("Cancelled 1 post", "Spring sale"), never_says("Lisbon", "Not yours", "A draft I turned off")],
        model=r.cancel(platform="twitter", which="all"),
        setup=with_scheduled_posts,
    ),
    # found through the hub: both were "outside what I can do"
    Case(
        "s_cancel_it_after_scheduling",
        "SOCIAL_MEDIA",
        "actually cancel it",
        # the post this conversation scheduled, by its platform; not the person's other posts
        [says("Cancelled 1 post", "bake sale"), never_says("Spring sale", "Lisbon", "Say which one")],
        before=["write a facebook post about our bake sale and schedule it for friday at 10am"],
        setup=with_scheduled_posts,
        modes=("offline",),
    ),
    Case(
        "k_move_a_scheduled_post",
        "CORE",
        "can you move my linkedin post to thursday instead?",
        [
            says("cancel it, then schedule it again", "Lisbon office", "Thursday at 9am"),
            never_says("outside what I can do", "Spring sale", "Cancelled"),  # its waiting posts stay
        ],
        setup=with_scheduled_posts,
        modes=("offline",),
    ),
    Case(
        "s_cancel_that_post",
        "SOCIAL_MEDIA",
        "actually, cancel that post",
        [says("Cancelled 1 post", "pop-up shop"), never_says("Here is your")],
        before=["write a tweet about our pop-up shop this saturday and schedule it for friday at 5pm"],
        model=r.conversation(
            r.post(
                "twitter",
                "our pop-up shop this saturday",
                "Our pop-up shop opens this Saturday, 10am-4pm. Come say hi! #PopUpShop",
                when="friday at 5pm",
            ),
            r.cancel(which="one"),
        ),
    ),
    Case(
        "k_delete_published_tweet",
        "CORE",
        "delete my tweet from yesterday",
        [says("platform itself", "cancel my LinkedIn post for Friday"), creates_nothing],
    ),
    Case(
        "k_scheduled_posts",
        "CORE",
        "Show me my scheduled posts",
        [
            says("2 posts", "Spring sale", "Lisbon office", "Fri 26 Feb 2027, 12:30"),
            never_says("turned off", "Not yours", "Here is your"),
        ],
        setup=with_scheduled_posts,
    ),
    Case(
        "k_scheduled_on_a_day",
        "CORE",
        "what's scheduled for february 26th?",
        # that day's posts (it listed every one), the others counted
        [
            says("1 post scheduled for February 26th", "Spring sale", "2 posts scheduled in all"),
            never_says("Lisbon office", "Here is your"),
        ],
        setup=with_scheduled_posts,
    ),
    Case(
        "k_nothing_scheduled_that_day",
        "CORE",
        "is anything scheduled for march 5th?",
        [
            says("Nothing is scheduled for March 5th", "Spring sale", "Lisbon office"),
            never_says("Here is your"),
        ],
        setup=with_scheduled_posts,
    ),
    Case(
        "k_how_many_scheduled",
        "CORE",
        "how many posts did I schedule this month?",
        [says("2 posts", "Spring sale"), never_says("Here is your")],
        setup=with_scheduled_posts,
    ),
    Case(
        "k_is_my_site_down",
        "CORE",
        "check https://acme.io/status and tell me if it's down",
        [
            says("Create a script that fetches https://acme.io/status", "every 15 minutes fetch"),
            never_says("outside what I can do"),
            creates_nothing,
        ],
    ),
    Case(
        "k_week_summary",
        "CORE",
        "give me a summary of what you did for me this week",
        [says("Q3 results", "signups"), never_says("outside what I can do"), creates_nothing],
        setup=with_history,
    ),
    Case(
        "k_posts_coming_up",
        "CORE",
        "what posts do I have coming up?",
        [says("2 posts", "Spring sale", "Lisbon office"), never_says("analytics export", "Here is your")],
        setup=with_scheduled_posts,
    ),
    Case(
        "k_what_posts_scheduled",
        "CORE",
        "what posts do i have scheduled?",
        [says("2 posts", "Spring sale", "Lisbon office"), never_says("analytics", "Here is your")],
        setup=with_scheduled_posts,
    ),
    Case(
        "k_delete_report_schedule",
        "CORE",
        "delete the schedule for my weekly report",
        [
            says("u/", "delete"),
            says_any("can't", "cannot"),
            never_says("Here is your", "posts I scheduled"),
            creates_nothing,
        ],
    ),
    Case(
        "k_nothing_scheduled",
        "CORE",
        "what's in my queue?",
        [says("no posts scheduled"), never_says("Here is your"), creates_nothing],
    ),
    Case(
        "k_remind_me",
        "CORE",
        "remind me every thursday at 3pm to post our weekly recap",
        [
            says_any("can't send reminders"),
            says("weekly recap", "Thursday at 3pm"),  # the example keeps the time asked for
            never_says("Here is your"),
            creates_nothing,
        ],
    ),
    Case(
        "k_repeating_post",
        "CORE",
        "can you post to linkedin every monday at 10am a tip about data quality",
        [says("once", "data quality"), never_says("Here is your", "Scheduled for"), creates_nothing],
    ),
    Case(
        "k_weekly_post_about_weekly_specials",
        "CORE",
        "I want to post on instagram every friday at 5pm about our weekly specials",
        [
            says("once", "an Instagram post", "weekly specials", "Friday at 5pm"),
            never_says("Scheduled for"),
            creates_nothing,
        ],
    ),
    Case(
        "k_delete_dashboard",
        "CORE",
        "delete my dashboard",
        [says("can't delete", "u/"), never_says("outside what I can do"), creates_nothing],
    ),
    Case(
        "k_edit_last_post",
        "CORE",
        "make the last post shorter",
        [says_any("new version", "shorter"), never_says("Here is your"), creates_nothing],
    ),
    Case(
        "k_timezone_city",
        "CORE",
        "change my timezone to new york",
        [says("America/New_York"), never_says("unknown")],
    ),
    Case(
        "k_no_hashtags_from_now_on",
        "CORE",
        "stop using hashtags in my posts",
        [says("hashtags", "use hashtags again"), never_says("cancel", "delete"), creates_nothing],
    ),
    Case(
        "k_tiktok",
        "CORE",
        "can you post to tiktok?",
        [no_question, says("can't post to TikTok", "Instagram"), creates_nothing],
    ),
    Case("k_timezone", "CORE", "set my timezone to Asia/Tokyo", [says("Asia/Tokyo")]),
    Case("k_tone_pref", "CORE", "I prefer a witty tone for my posts", [says("witty")]),
    Case(
        "k_bad_timezone",
        "CORE",
        "set my timezone to Mars/Olympus",
        [says_any("don't know", "unknown", "not a timezone", "isn't a timezone"), never_says("-> Mars")],
    ),
    Case(
        "k_first_contact",
        "CORE",
        "hello, I'm new here",
        [
            examples(2),
            lambda o: (
                None
                if any(p.startswith(f"u/{o.user}/apps/") for p in o.items)
                else f"folder not provisioned: {o.items}"
            ),
        ],
    ),
    # ---------------------------------------------------------------- out of scope / general knowledge
    Case(
        "o_moby_dick",
        OUT_OF_SCOPE,
        "who wrote Moby-Dick?",
        [short_answer(700), examples(2), never_says("Herman Melville wrote")],
        model=r.answer("Herman Melville wrote Moby-Dick (1851)."),
        model_checks=[says("Melville"), short_answer(700)],
    ),
    Case(
        "o_capital",
        OUT_OF_SCOPE,
        "what's the capital of Australia?",
        [short_answer(700), examples(2)],
        model=r.answer("Canberra is the capital of Australia."),
        model_checks=[says("Canberra"), short_answer(700)],
    ),
    Case(
        "o_flight",
        OUT_OF_SCOPE,
        "book me a flight to Lisbon next Friday",
        [short_answer(700), examples(2), creates_nothing],
        model=r.answer(
            "I can't book flights. I can write and schedule posts, analyse your data, and build automations in your Windmill folder."
        ),
        model_checks=[says_any("can't book", "cannot book"), creates_nothing],
    ),
    Case(
        "o_joke",
        OUT_OF_SCOPE,
        "tell me a joke",
        [short_answer(700), examples(2)],
        model=r.answer(
            "Why did the analyst break up with the spreadsheet? Too many cells, not enough connection."
        ),
        model_checks=[says("spreadsheet")],
    ),
    Case(
        "o_translate",
        OUT_OF_SCOPE,
        "translate 'good morning' into Japanese",
        [short_answer(700), examples(2)],
        model=r.answer("'Good morning' in Japanese is おはようございます (ohayō gozaimasu)."),
        model_checks=[says("ohay")],
    ),
    Case(
        "o_weather",
        OUT_OF_SCOPE,
        "what's the weather in Paris tomorrow?",
        [short_answer(700), examples(2), creates_nothing],
        model=r.answer(
            "I can't look up live weather. I can help with posts, reports from your data and automations."
        ),
        model_checks=[says_any("can't", "cannot"), creates_nothing],
    ),
    # ---------------------------------------------------------------- ambiguous
    Case(
        "x_schedule_it_for_noon",
        "SOCIAL_MEDIA",
        "schedule it for tomorrow at noon",
        [says("the post be about"), never_says("outside what I can do"), creates_nothing],
        model=r.answer("What should the post be about, and for which platform?"),
        ends_asking=True,  # nothing to schedule yet: the question waits for the person
    ),
    Case(
        "x_help_me_write_a_tweet",
        "SOCIAL_MEDIA",
        "help me write a tweet",
        [says("the post be about"), never_says("I can help with"), creates_nothing],
        ends_asking=True,  # nothing to write about yet: the question waits for the person
        # with a model, whether to ask at once or plan a question is the model's call
        modes=("offline",),
    ),
    Case(
        "x_post_it",
        "SOCIAL_MEDIA",
        "post it",
        [says("the post be about"), creates_nothing],
        model=r.answer("What should the post be about, and for which platform?"),
        ends_asking=True,  # nothing to post yet: the question waits for the person
    ),
    Case(
        "x_schedule_something",
        "SOCIAL_MEDIA",
        "schedule something for tomorrow",
        [asked_or_said("about", "what should"), creates_nothing],
        replies=[],
        model=r.answer(
            "What should I schedule for tomorrow: a post (about what, on which platform) or one of your scripts?"
        ),
    ),
    Case(
        "x_report",
        "ANALYTICS",
        "report",
        [asked_or_said("paste", "attach", "data", "CSV"), creates_nothing],
        model=r.answer("Which data should the report cover? Paste it as CSV or JSON, or attach a file."),
    ),
    # ---------------------------------------------------------------- the model misbehaves
    Case(
        "m_refusal",
        "SOCIAL_MEDIA",
        "Write a tweet mocking our competitor's CEO for his accent",
        [says_any("can't", "won't", "cannot", "not able")],
        model=r.refusal(),
        modes=("model",),
    ),
    Case(
        "m_overloaded",
        "SOCIAL_MEDIA",
        "Write a LinkedIn post about our new reporting feature",
        [no_question, says("reporting feature"), says_any("busy", "unavailable", "overloaded", "offline")],
        model=r.overloaded(),
        markers=["our new reporting feature"],  # the writer's prompt names the topic, not the request
        modes=("model",),
    ),
    Case(
        "m_overloaded_report",
        "ANALYTICS",
        f"Which region sold the most? {REGIONS_CSV}",
        [no_question, says("East"), image_shown],
        model=r.overloaded(),
        modes=("model",),
    ),
]

GROUPS = ["SOCIAL_MEDIA", "ANALYTICS", "WORKFLOW_BUILDER", "CUSTOM", "CORE", OUT_OF_SCOPE]


def cases_for(mode: str) -> list[Case]:
    return [c for c in CASES if mode in c.modes]
