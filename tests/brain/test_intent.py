from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import f.openanalyst.lib.planning.understanding as intent
from f.openanalyst.lib.contracts import Intent

NOW = datetime(2026, 11, 21, 15, 30, tzinfo=ZoneInfo("America/New_York"))
# a name that ends its sentence, then how to write the post
PRIYA = (
    "can you write a linkedin post announcing that we just hired our first data engineer, Priya? keep it warm"
)


def test_seed_example_is_create_and_schedule_for_tomorrow_morning_in_the_persons_zone():
    found = intent.extract(
        "Create a Twitter post about AI trends and schedule it for tomorrow", "America/New_York", NOW
    )
    assert found.name == "create_and_schedule"
    assert found.entities.platform == "twitter"
    assert found.entities.topic == "AI trends"
    assert found.entities.time == "2026-11-22T09:00:00-05:00"
    assert found.source == "rules"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow 9am", "2026-11-22T09:00:00-05:00"),
        ("tomorrow at 5:30pm", "2026-11-22T17:30:00-05:00"),
        ("next tuesday 10am", "2026-11-24T10:00:00-05:00"),
        ("at 9am", "2026-11-22T09:00:00-05:00"),  # already past today: the next one
        ("in 2 hours", "2026-11-21T17:30:00-05:00"),
        ("2026-12-01 14:00", "2026-12-01T14:00:00-05:00"),
    ],
)
def test_times_resolve_in_the_persons_timezone(text, expected):
    assert intent.resolve_time(text, "America/New_York", NOW).isoformat() == expected


def test_unknown_timezone_falls_back_to_utc():
    assert intent.resolve_time("tomorrow 9am", "Mars/Olympus", NOW).isoformat() == "2026-11-22T09:00:00+00:00"


@pytest.mark.parametrize(
    "text", ["hi! what can you help me with?", "what do you do?", "what are you able to do?", "help"]
)
def test_asking_what_it_can_do_is_help(text):
    assert intent.extract(text, "UTC", NOW).name == "help"


def test_help_linkedin_and_named_scripts():
    assert intent.extract("help", None).name == "help"
    post = intent.extract("Write a LinkedIn post about our Q3 launch", "UTC", NOW)
    assert (post.name, post.entities.platform, post.entities.topic) == (
        "create_post",
        "linkedin",
        "our Q3 launch",
    )
    named = intent.extract("please run u/bob/scripts/export_all now", "UTC", NOW)
    assert named.entities.extra["scripts_named"] == ["u/bob/scripts/export_all"]
    assert named.entities.time is None


def test_model_refinement_only_fills_what_rules_left_open():
    rules = intent.extract("hmm, something for my followers on linkedin", "UTC", NOW)
    assert rules.confidence < 0.6
    refined = intent.Intent(
        name="create_post",
        confidence=0.8,
        source="model",
        entities=intent.Entities(platform="twitter", topic="followers"),
    )
    merged = intent.merge(rules, refined)
    assert merged.name == "create_post" and merged.source == "model"
    assert merged.entities.platform == "linkedin"  # the rules saw it; the model does not override
    assert merged.entities.topic == "followers"


# ---------------------------------------------------------------- one parser (timeparse)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # timeparse's forms the old intent parser missed
        ("tomorrow evening", "2026-11-22T18:00:00-05:00"),
        ("in an hour", "2026-11-21T16:30:00-05:00"),
        ("next week", "2026-11-23T09:00:00-05:00"),
        ("Dec 3 at 14:30", "2026-12-03T14:30:00-05:00"),
        ("2026-12-01T09:00:00Z", "2026-12-01T04:00:00-05:00"),
        # the old intent parser's rule, now in timeparse: today's weekday once past means next week
        ("saturday 10am", "2026-11-28T10:00:00-05:00"),
        ("saturday 6pm", "2026-11-21T18:00:00-05:00"),
    ],
)
def test_intent_and_schedule_post_read_times_alike(text, expected):
    import f.openanalyst.lib.timeparse as timeparse

    assert intent.resolve_time(text, "America/New_York", NOW).isoformat() == expected
    assert timeparse.resolve(text, "America/New_York", NOW).when.isoformat() == expected


def test_relative_times_are_to_the_minute():
    now = NOW.replace(second=41)
    assert (
        intent.resolve_time("in 2 hours", "America/New_York", now).isoformat() == "2026-11-21T17:30:00-05:00"
    )


def test_an_unreadable_time_in_a_request_is_no_time_not_an_error():
    assert intent.resolve_time("tomorrow 13pm", "UTC", NOW) is None
    found = intent.extract("Create a Twitter post about the 13pm myth", "UTC", NOW)
    assert found.name == "create_post" and found.entities.time is None


def test_a_part_of_the_day_alone_in_a_request_is_a_topic_not_a_time():
    found = intent.extract("Create a Twitter post about evening routines", "UTC", NOW)
    assert (found.name, found.entities.time) == ("create_post", None)
    later = intent.extract("Create a Twitter post about AI and schedule it for tomorrow evening", "UTC", NOW)
    assert later.entities.time == "2026-11-22T18:00:00+00:00"


# ------------------------------------------------------------------------- preferences


@pytest.mark.parametrize(
    ("text", "update"),
    [
        ("set my timezone to Europe/Paris", {"timezone": "Europe/Paris"}),
        ("My timezone is america/new_york.", {"timezone": "America/New_York"}),
        ("I prefer a casual tone", {"preferences": {"tone": "casual"}}),
        ("set my default platform to LinkedIn", {"preferences": {"platform": "linkedin"}}),
        (
            "remember that I write for a B2B audience",
            {"custom_instructions": "I write for a B2B audience"},
        ),
        # a city names its zone; words after it are not part of it
        ("change my timezone to new york", {"timezone": "America/New_York"}),
        ("set my timezone to sao paulo please", {"timezone": "America/Sao_Paulo"}),
        ("stop using hashtags in my posts", {"preferences": {"hashtags": "none"}}),
        ("use hashtags again", {"preferences": {"hashtags": "suggested"}}),
    ],
)
def test_preference_requests_carry_the_context_update(text, update):
    found = intent.extract(text, "UTC", NOW)
    assert found.name == "preferences"
    assert found.entities.extra["context_update"] == update


def test_an_unknown_timezone_is_a_problem_not_an_update():
    found = intent.extract("set my timezone to Mars/Olympus", "UTC", NOW)
    assert found.name == "preferences" and "context_update" not in found.entities.extra
    assert "Mars/Olympus" in found.entities.extra["preference_problems"][0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Make a report of my recent tasks and how many succeeded", "status"),
        ("what did you do for me today?", "status"),
        ("What have you learned about my posts?", "status"),
        ("what did I ask you recently?", "status"),
        ("what did we talk about yesterday?", "status"),
        ("what were we talking about?", "status"),
        ("write a post about my history as a founder", "create_post"),  # a topic, not a question
        ("Which region sold the most?\nregion,sales\nNorth,4\nEast,5\nWest,1", "analyze"),
    ],
)
def test_questions_about_their_own_history_are_told_from_it(text, expected):
    assert intent.extract(text, "UTC", NOW).name == expected


def test_what_can_you_do_names_the_skills_as_a_person_reads_them():
    """It listed "**SOCIAL_MEDIA**: Write, schedule ... (likes, shares..." and "Build automations in
    the person's own Windmill folder: ..." cut mid-list: the router's wording, not the person's."""
    import frontmatter

    from f.openanalyst.lib.planning.offline import core_answer

    skills = [frontmatter.load(path).metadata for path in sorted(Path("skills").glob("*/SKILL.md"))]
    text = core_answer(Intent(name="help"), skills, {})
    assert "- **Social media**: Write, schedule and publish social media posts" in text
    assert "- **Workflow builder**: Build automations in your own Windmill folder." in text
    listed = "\n".join(line for line in text.splitlines() if line.startswith("- **"))
    assert not any(w in listed for w in ("SOCIAL_MEDIA", "the person", "Use when", "...")), listed


def test_the_status_answer_counts_what_succeeded_and_says_what_was_learned():
    from f.openanalyst.lib.planning.offline import core_answer

    tasks = [{"request": "post about AI", "status": "success"}, {"request": "chart", "status": "failure"}]
    learned = [{"content": "LinkedIn posts do best on Tuesday mornings"}]
    text = core_answer(Intent(name="status"), [], {"recent_tasks": tasks, "learnings": learned})
    assert "1 of 2 succeeded (50%)" in text and "- chart (failed)" in text
    assert "LinkedIn posts do best on Tuesday mornings" in text


@pytest.mark.parametrize(
    ("text", "name", "about"),
    [
        ("great, thanks!", "greeting", "thanks"),
        ("How do I connect my LinkedIn account?", "help", "connect"),
        ("cancel the post you scheduled for tomorrow", "cancel_post", None),
        ("delete my tweet from yesterday", "manage_posts", "cancel"),
        ("make the last post shorter", "manage_posts", "edit"),
        ("What were my best performing posts last month?", "analyze_engagement", None),
        # a new post whose words only resemble those requests
        ("write a LinkedIn post about how to make the last mile shorter", "create_post", None),
        ("Write a post about our best performing product", "create_post", None),
        ("Write a tweet thanking our first 100 customers", "create_post", None),
        # how to write a new post, said after its subject
        ("tweet about our launch, make it funny", "create_post", None),
        ("instagram caption for a photo of our new croissants, make it cute", "create_post", None),
        ("linkedin post about our hiring push - make it more casual than usual", "create_post", None),
    ],
)
def test_replies_and_requests_about_earlier_posts_are_not_new_posts(text, name, about):
    found = intent.extract(text, "UTC", NOW)
    assert (found.name, found.entities.extra.get("about")) == (name, about)


def test_what_was_learned_is_answered_with_its_sources_or_honestly_with_nothing():
    from f.openanalyst.lib.planning.offline import core_answer

    found = intent.extract("What have you learned about my posts?", "UTC", NOW)
    about = found.entities.extra.get("about")
    assert about == intent.LEARNINGS
    learned = [{"content": "Lead with a named trend", "sources": [{"url": "https://x.com/a", "title": "A"}]}]
    text = core_answer(found, [], {"recent_tasks": [{"request": "x"}], "learnings": learned})
    assert text.splitlines() == [
        "What I have learned for you (newest first):",
        "- Lead with a named trend (from https://x.com/a)",
    ]
    nothing = core_answer(found, [], {"learnings": []})
    assert nothing.startswith("I have not learned anything for you yet") and "research" in nothing
    assert intent.extract("what did you do for me today?", "UTC", NOW).entities.extra.get("about") is None


# ------------------------------------------------------------------ builder requests


@pytest.mark.parametrize(
    ("text", "name", "details"),
    [
        (
            "every weekday at 7am fetch https://api.github.com/repos/python/cpython and send me the result",
            "build_scheduled_fetch",
            {
                "url": "https://api.github.com/repos/python/cpython",
                "name": "fetch_cpython",
                "schedule": "every weekday at 07:00",
            },
        ),
        (
            "Create a script that fetches https://api.example.com/v1/status.json and returns the JSON",
            "build_fetch",
            {"url": "https://api.example.com/v1/status.json", "name": "fetch_status"},
        ),
        (
            "Every Monday at 8am run my analytics report",
            "build_schedule",
            {"schedule": "every monday at 08:00", "target": "analytics report"},
        ),
        (
            "Send me a weekly report of my posts every Friday at 5pm",
            "build_schedule",
            {"target": "report"},
        ),
        ("Run my dashboard data script every day at 6:30", "build_schedule", {"target": "dashboard data"}),
        (
            "Schedule my social_post script with cron 0 0 9 * * 1-5",
            "build_schedule",
            {"schedule": "0 0 9 * * 1-5", "target": "social_post"},
        ),
        ("Build me a dashboard app for my metrics", "build_app", {"name": "metrics_dashboard"}),
        ("Create a flow that drafts a LinkedIn post and schedules it", "build_flow", {}),
        (
            "Create a skill called meeting-notes that turns my bullet points into meeting minutes",
            "build_skill",
            {"name": "meeting-notes", "description": "Turns my bullet points into meeting minutes."},
        ),
        ("every morning at 9 fetch ftp://files.example.com/report.csv", "build_scheduled_fetch", {}),
        (
            "build me a script that pulls the weather for berlin every morning",
            "build_scheduled_script",
            {"name": "pulls_weather_berlin", "schedule": "every morning"},
        ),
        # "my weekly sales", "my weekly report": how the person's numbers are counted, a name
        (
            "build me a dashboard that shows my weekly sales",
            "build_app",
            {"name": "weekly_sales_dashboard", "summary": "Weekly sales dashboard"},
        ),
        ("run my weekly report now", "run_now", {"target": "weekly report"}),
        (
            "every monday at 8am run my weekly report",
            "build_schedule",
            {"schedule": "every monday at 08:00", "target": "weekly report"},
        ),
        (
            "schedule my weekly report for monday 8am",
            "build_schedule",
            {"schedule": "every monday at 08:00", "target": "weekly report"},
        ),
        ("schedule my weekly report at 9am", "build_schedule", {"schedule": "weekly at 09:00"}),
        # "... that sends me ...": what the item sends is what the schedule runs
        (
            "create a flow that every friday sends me a report of my posts",
            "build_schedule",
            {"schedule": "every friday", "target": "report"},
        ),
    ],
)
def test_builder_requests_say_what_to_build_with_its_details(text, name, details):
    """The issue's example got "missing information: entities.extra.name": the rules now name the
    item, its name, address, schedule and what it runs."""
    found = intent.extract(text, "UTC", NOW)
    assert found.name == name
    assert found.entities.extra.items() >= details.items()


def test_a_recurrence_in_words_becomes_the_cron_windmill_runs():
    from f.openanalyst.lib.planning.building import recurrence
    from f.openanalyst.lib.schedules import describe_cron, recurrence_to_cron

    cases = {
        "every weekday at 7am fetch https://x.example/a.json": ("0 0 7 * * 1-5", "every weekday"),
        "Every Monday at 8am run my analytics report": ("0 0 8 * * 1", "every Monday at 08:00"),
        "Send me a weekly report every Friday at 5pm": ("0 0 17 * * 5", "every Friday at 17:00"),
        "Run my dashboard data script every day at 6:30": ("0 30 6 * * *", "every day at 06:30"),
        "every hour fetch https://x.example/b.json": ("0 0 * * * *", "every hour"),
        "every 15 minutes check https://x.example/health": ("0 */15 * * * *", "every 15 minutes"),
    }
    for text, (cron, words) in cases.items():
        assert recurrence_to_cron(recurrence(text)) == cron, text
        assert describe_cron(cron).startswith(words), text


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("a linkedin post launching our mobile app", "launching our mobile app"),
        ("tweet five lessons from our first year", "five lessons from our first year"),
        ("a witty caption for our new coffee blend", "our new coffee blend"),
        ("Write a tweet celebrating 10k users", "celebrating 10k users"),
        (
            "Post on LinkedIn: we are hiring two data engineers in Berlin",
            "we are hiring two data engineers in Berlin",
        ),
        ("Write a tweet about our summer sale and schedule it", "our summer sale"),
        # what the post tells people is the topic, not the telling
        (
            "can you write a quick facebook post letting people know we're closed on christmas eve",
            "we're closed on christmas eve",
        ),
        ("post on instagram telling customers we have a new vegan menu", "we have a new vegan menu"),
        (
            "schedule a tweet for 25 december at 8am wishing everyone a merry christmas",
            "wishing everyone a merry christmas",
        ),
        # who or what the subject is belongs to it (not points of their own)
        (
            "tweet about our new hire, Sarah, who joins as head of design",
            "our new hire, Sarah, who joins as head of design",
        ),
        ("write a post welcoming Tom, our new barista", "welcoming Tom, our new barista"),
        # one name that ends its sentence is who it is; the next sentence says how to write it
        (PRIYA, "announcing that we just hired our first data engineer, Priya"),
        # news said first, then a dash and the ask; a link's dots stay in the sentence
        (
            "we're hiring two backend engineers, link is acme.io/jobs - write a linkedin post",
            "we're hiring two backend engineers, link is acme.io/jobs",
        ),
    ],
)
def test_a_posts_topic_is_found_however_it_is_phrased(text, topic):
    found = intent.extract(text, "UTC", NOW)
    assert found.name in ("create_post", "create_and_schedule") and found.entities.topic == topic


def test_a_name_after_the_topic_is_not_a_point_and_the_sentence_after_it_is_no_point_either():
    found = intent.extract(PRIYA, "UTC", NOW)
    assert "points" not in found.entities.extra and found.entities.extra["tone"] == "casual"


def test_no_topic_is_invented_when_none_is_given():
    for text in ("post it", "Schedule a LinkedIn post for next Monday at 9am", "tweet and schedule it"):
        assert intent.extract(text, "UTC", NOW).entities.topic is None


def test_a_sentence_with_a_comma_before_the_table_is_not_its_header():
    text = "here are our weekly signups, chart them please:\nweek,signups\n2026-10-05,120\n2026-10-12,135\n"
    found = intent.extract(text + "2026-10-19,160", "UTC", NOW)
    assert found.name == "analyze"
    assert found.entities.extra["data"] == "week,signups\n2026-10-05,120\n2026-10-12,135\n2026-10-19,160"


@pytest.mark.parametrize(
    ("text", "data"),
    [
        # a table's header right after the sentence that introduces it
        (
            "Compare these two months for me: month,orders,returns\n2026-09,410,22\n2026-10,455,31",
            "month,orders,returns\n2026-09,410,22\n2026-10,455,31",
        ),
        # labelled numbers in the sentence, the columns named by "revenue by product"
        (
            "I need a bar chart of revenue by product: Widgets 1200, Gadgets 950, Doohickeys 430",
            "product,revenue\nWidgets,1200\nGadgets,950\nDoohickeys,430",
        ),
        (
            "chart sales: North $1,200, South $950 and East $430",
            "region,sales\nNorth,1200\nSouth,950\nEast,430",
        ),
        (
            "Here's our weekly signups: mon 120, tue 135, wed 128, thu 160. What's the trend?",
            "day,weekly signups\nmon,120\ntue,135\nwed,128\nthu,160",
        ),
        # quarters are named quarters, and a chart's own words are no measure
        (
            "Can you make a bar chart: Q1 12000, Q2 15500, Q3 14200, Q4 19800",
            "quarter,value\nQ1,12000\nQ2,15500\nQ3,14200\nQ4,19800",
        ),
        # numbers without labels: numbered periods, "120k" as a number, "10,200" one number
        (
            "Our followers went 120k, 125k, 131k, 140k over the last four months. Is that good growth?",
            "month,followers\nmonth 1,120000\nmonth 2,125000\nmonth 3,131000\nmonth 4,140000",
        ),
        (
            "monthly revenue was 10,200 then 11,900 then 12,400 and 13,100, are we on track?",
            "month,monthly revenue\nmonth 1,10200\nmonth 2,11900\nmonth 3,12400\nmonth 4,13100",
        ),
        (
            "we get 300, 320, 310 visits per day",
            "day,visits\nday 1,300\nday 2,320\nday 3,310",
        ),
        # a question mark after the last number; numbered weeks name their column
        (
            "hey can u make a chart of my newsletter opens: week 1 410, week 2 455, week 3 390, week 4 520?",
            "week,newsletter opens\nweek 1,410\nweek 2,455\nweek 3,390\nweek 4,520",
        ),
        # labelled numbers with no colon before them
        (
            "Revenue Jan 1.2m, Feb 1.35m, Mar 1.1m. Why did March drop?",
            "month,revenue\nJan,1200000\nFeb,1350000\nMar,1100000",
        ),
        ("compare North 120, South 95 and East 130", "region,value\nNorth,120\nSouth,95\nEast,130"),
        (
            "signups went 40 -> 55 -> 61 -> 58 this week",
            "point,signups\npoint 1,40\npoint 2,55\npoint 3,61\npoint 4,58",
        ),
        # the question's words ("whats the avg of") name no measure
        ("whats the avg of 12, 19, 7 and 22", "point,value\npoint 1,12\npoint 2,19\npoint 3,7\npoint 4,22"),
        # the measure named after the first label, not a label of its own
        (
            "q1 sales 120k, q2 135k, q3 128k, q4 160k - how did we do this year?",
            "quarter,sales\nq1,120000\nq2,135000\nq3,128000\nq4,160000",
        ),
        ("jan revenue 12k, feb 15k, mar 9k", "month,revenue\njan,12000\nfeb,15000\nmar,9000"),
        ("opens: w1 410, w2 388, w3 452", "week,opens\nw1,410\nw2,388\nw3,452"),  # w1: week 1
        # the number said before its label ("12k in jan"); a question after the last label
        (
            "our revenue was 12k in jan, 15k in feb, 11k in mar, 18k in apr. whats the trend?",
            "month,revenue\njan,12000\nfeb,15000\nmar,11000\napr,18000",
        ),
        (
            "signups were 340 in week 1, 410 in week 2, 380 in week 3",
            "week,signups\nweek 1,340\nweek 2,410\nweek 3,380",
        ),
        # the verb names the measure, the question after the numbers the rows
        (
            "we sold 120 in london, 95 in paris and 80 in berlin. which city is best?",
            "city,sales\nlondon,120\nparis,95\nberlin,80",
        ),
        # "by week" is the period of each number, not the measure ("By week rose ... (point 1)")
        (
            "website visitors by week: 1400, 1550, 1480, 1700. is traffic going up?",
            "week,website visitors\nweek 1,1400\nweek 2,1550\nweek 3,1480\nweek 4,1700",
        ),
        # the span the numbers cover names no measure ("Last months rose from 40,000 ...")
        (
            "sales last 3 months: 40k, 38k, 45k. are we on track for 50k next month?",
            "month,sales\nmonth 1,40000\nmonth 2,38000\nmonth 3,45000",
        ),
        # what was counted said between the number and its label; "grow" names no measure
        (
            "we had 230 orders on monday, 180 on tuesday, 310 on wednesday. which day was busiest?",
            "day,orders\nmonday,230\ntuesday,180\nwednesday,310",
        ),
        (
            "how much did sales grow from 2023 to 2025? 2023: 80k, 2024: 95k, 2025: 120k",
            "year,sales\n2023,80000\n2024,95000\n2025,120000",
        ),
        # two months compared are a table; their names are not the measure
        (
            "compare march and april: march 4500 visitors, april 5200 visitors",
            "month,visitors\nmarch,4500\napril,5200",
        ),
        (
            "I want to see my sales by region as a pie chart: north 30, south 25, east 20, west 25",
            "region,sales\nnorth,30\nsouth,25\neast,20\nwest,25",
        ),
        (
            "we made 1200 in january, 1500 in february and 1100 in march, can you chart it?",
            "month,revenue\njanuary,1200\nfebruary,1500\nmarch,1100",
        ),
        # found on the chat page: the measure was "followers trending"
        (
            "how are my instagram followers trending? week 1 820, week 2 870, week 3 905, week 4 990",
            "week,instagram followers\nweek 1,820\nweek 2,870\nweek 3,905\nweek 4,990",
        ),
        # found through the hub: the chart was "views by did"; the labels' shared word names the rows
        (
            "which of these did best? reel A 3400 views, reel B 5100 views, reel C 2900 views",
            "reel,views\nreel A,3400\nreel B,5100\nreel C,2900",
        ),
        # found through the hub: two numbers asked to be compared were asked for again
        (
            "can you compare these two campaigns: spring campaign 3.2% ctr, summer campaign 4.1% ctr",
            "campaign,CTR (%)\nspring campaign,3.2\nsummer campaign,4.1",
        ),
        # a verb between each label and its number, the question after them
        (
            "spring campaign had 3.2% ctr and summer campaign had 4.1% ctr, which did better?",
            "campaign,CTR (%)\nspring campaign,3.2\nsummer campaign,4.1",
        ),
        (
            "north had 120 sales, south had 150 sales, east had 90 sales",
            "region,sales\nnorth,120\nsouth,150\neast,90",
        ),
    ],
)
def test_data_written_in_the_request_is_read_as_a_table(text, data):
    found = intent.extract(text, "UTC", NOW)
    assert found.name == "analyze" and found.entities.extra["data"] == data


@pytest.mark.parametrize("text", ["i have 2 kids: tom 5, ana 7", "our two shops: north 12, south 15"])
def test_two_numbers_not_asked_to_be_compared_are_no_table(text):
    assert "data" not in intent.extract(text, "UTC", NOW).entities.extra


@pytest.mark.parametrize(
    "text", ["Post on twitter at 8, 12 and 6 about our sale", "remind me at 5, 6, 7 tomorrow"]
)
def test_times_in_a_row_are_no_series(text):
    assert "data" not in intent.extract(text, "UTC", NOW).entities.extra


@pytest.mark.parametrize(
    ("text", "topic", "closing"),
    [
        (
            "post on linkedin that we hit 10k users, thank everyone",
            "we hit 10k users",
            "Thank you, everyone!",
        ),
        (
            "tweet that we reached 1000 followers and thank them for their support",
            "we reached 1000 followers",
            "Thank you, everyone, for your support!",
        ),
        (
            "write a facebook post that our bakery turns 5, thank our customers for their support",
            "our bakery turns 5",
            "Thank you to our customers for their support!",
        ),
    ],
)
def test_who_a_post_thanks_is_its_closing_line_not_a_point(text, topic, closing):
    extra = intent.extract(text, "UTC", NOW).entities
    assert extra.topic == topic and extra.extra["call_to_action"] == closing
    assert "points" not in extra.extra


def test_emojis_asked_for_are_the_posts_tone_not_its_subject():
    found = intent.extract(
        "create an instagram post about our new vegan menu with lots of emojis", "UTC", NOW
    )
    assert found.entities.topic == "our new vegan menu" and found.entities.extra["tone"] == "enthusiastic"


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("what's on my schedule for tomorrow?", (NOW + timedelta(days=1)).date().isoformat()),
        ("how many posts did I schedule this month?", None),  # no day: every post
        ("what posts are scheduled this weekend?", None),
    ],
)
def test_a_day_named_in_a_question_about_scheduled_posts_narrows_the_list(text, day):
    assert intent.extract(text, "UTC", NOW).entities.extra.get("day") == day


def test_labelled_numbers_in_a_post_request_stay_the_posts_words():
    found = intent.extract("Write a post about our 3 offices: Lisbon 12, Berlin 8 and Paris 5", "UTC", NOW)
    assert found.name == "create_post" and "data" not in found.entities.extra


def test_what_follows_a_question_mark_in_a_post_request_is_a_point_not_the_topic():
    found = intent.extract(
        "Can you draft an Instagram caption for our new autumn coffee menu? Pumpkin spice is back!",
        "UTC",
        NOW,
    )
    assert found.entities.topic == "our new autumn coffee menu"
    assert found.entities.extra["points"] == ["Pumpkin spice is back"]


@pytest.mark.parametrize(
    ("text", "points"),
    [
        (
            "tweet that we're hiring two backend engineers, remote ok, link is acme.io/jobs",
            ["remote ok", "link is acme.io/jobs"],
        ),
        ("LinkedIn post about our webinar, Thursday at noon", None),  # the time is when, not what
        ("Write a LinkedIn post about our Q3 results, keep it formal", None),  # how, not what
        ("Create a Twitter post about AI trends, and schedule it for tomorrow", None),
    ],
)
def test_details_after_the_topic_are_the_posts_points_not_dropped(text, points):
    assert intent.extract(text, "UTC", NOW).entities.extra.get("points") == points


@pytest.mark.parametrize(
    ("text", "name", "scheduled"),
    [
        ("Write a tweet about our sale, 20% off everything, ends Sunday", "create_post", False),
        ("Post on LinkedIn tomorrow at 9am about our sale that ends Friday", "create_and_schedule", True),
        ("Write a tweet about our sale and schedule it for Sunday", "create_and_schedule", True),
        # when the episode is out, not when the tweet goes; "send it out" is when it goes
        (
            "write a tweet announcing our podcast episode with guest Dr. Lisa Wong, out thursday",
            "create_post",
            False,
        ),
        ("write a tweet about our new album and send it out tomorrow at 9am", "create_and_schedule", True),
    ],
)
def test_a_date_the_post_tells_is_not_when_it_goes_out(text, name, scheduled):
    found = intent.extract(text, "UTC", NOW)
    assert (found.name, found.entities.time is not None) == (name, scheduled)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("What's the best time to post on LinkedIn?", "analyze_engagement"),
        ("when is the best day to post on instagram", "analyze_engagement"),
        ("how are my linkedin posts doing?", "analyze_engagement"),
        ("how are our tweets performing lately", "analyze_engagement"),
        ("write a post about how our posts are doing", "create_post"),
        ("Write a LinkedIn post about our best time to post series", "create_post"),
        ("Can you analyse our newsletter open rates? Jan 32%, Feb 35%, Mar 29%, Apr 41%", "analyze"),
    ],
)
def test_questions_about_when_to_post_and_numbers_after_a_question(text, name):
    assert intent.extract(text, "UTC", NOW).name == name


@pytest.mark.parametrize(
    ("text", "name", "about"),
    [
        ("Show me my scheduled posts", "manage_posts", "scheduled"),
        ("which posts are going out this week?", "manage_posts", "scheduled"),
        ("what's in my queue?", "manage_posts", "scheduled"),
        ("what posts do I have coming up?", "manage_posts", "scheduled"),
        ("what's on my schedule for tomorrow?", "manage_posts", "scheduled"),
        ("which tweets do we have going out?", "manage_posts", "scheduled"),
        ("what's on my schedule?", "manage_posts", "scheduled"),
        ("cancel my scheduled posts", "cancel_post", None),
        ("Write a post about our scheduled maintenance", "create_post", None),
        ("remind me every friday at 4pm to post our weekly recap", "help", "remind"),
        ("set a reminder to check my LinkedIn stats", "help", "remind"),
        ("delete my dashboard", "manage_posts", "remove"),
        ("can you post to linkedin every monday at 10am a tip about data quality", "help", "repeat"),
        ("post our weekly recap on linkedin every friday", "help", "repeat"),
        ("Write a LinkedIn post about our weekly newsletter", "create_post", None),
        ("please remove the script you made yesterday", "manage_posts", "remove"),
        ("delete the post you scheduled", "cancel_post", None),
    ],
)
def test_questions_about_waiting_posts_and_reminders_are_not_new_posts(text, name, about):
    found = intent.extract(text, "UTC", NOW)
    assert (found.name, found.entities.extra.get("about")) == (name, about)


def test_how_to_write_or_send_a_post_is_not_one_of_its_points():
    vegan = "on instagram about our new vegan menu, mention oat milk and gluten-free buns, keep it casual"
    assert intent.key_points(vegan) == ["oat milk", "gluten-free buns"]
    sale = "mention oat milk, on sale until Sunday and free delivery, then schedule it"
    assert intent.key_points(sale) == ["oat milk", "on sale until Sunday", "free delivery"]


@pytest.mark.parametrize(
    ("text", "name", "own", "scheduled"),
    [
        ("tweet this: We just shipped dark mode!", "create_post", "We just shipped dark mode!", False),
        (
            'Post this on LinkedIn: "Thrilled to welcome Ana."',
            "create_post",
            "Thrilled to welcome Ana.",
            False,
        ),
        (
            "schedule this tweet for friday at 9am: Doors open at 8 on Saturday!",
            "create_and_schedule",
            "Doors open at 8 on Saturday!",
            True,
        ),
        ("post this now: Doors open at 8!", "publish_post", "Doors open at 8!", False),
    ],
)
def test_the_persons_own_words_are_the_post(text, name, own, scheduled):
    found = intent.extract(text, "UTC", NOW)
    assert (found.name, found.entities.extra["text"]) == (name, own)
    assert (found.entities.time is not None) == scheduled


SUMMER = (
    "We are thrilled to announce that our new summer menu is finally here, with fresh salads, cold brew "
    "and homemade ice cream. Come by this weekend and try it!"
)


@pytest.mark.parametrize(
    ("asked", "platform"),
    [
        ("make a tweet shorter: ", "twitter"),
        ("can you make this tweet shorter? ", "twitter"),
        ("shorten this for linkedin: ", "linkedin"),
        ("make this shorter please: ", None),
        ("please make my instagram caption more concise: ", "instagram"),
        ("pls trim this for insta: ", "instagram"),  # found through the hub: a new post with 10 hashtags
    ],
)
def test_a_pasted_post_to_make_shorter_is_their_words_and_its_days_are_not_a_send_time(asked, platform):
    # Found through the hub: "make a tweet shorter: ... Come by this weekend" wrote a new post about
    # it and scheduled that for Saturday 09:00.
    found = intent.extract(asked + SUMMER, "UTC", NOW)
    assert (found.name, found.entities.platform, found.entities.time) == ("create_post", platform, None)
    extra = found.entities.extra
    assert (extra["text"], extra["shorten"], extra["max_chars"]) == (SUMMER, True, len(SUMMER) * 3 // 4)
    assert "shorten" not in intent.extract("make it shorter", "UTC", NOW).entities.extra  # the draft's


def test_which_post_did_best_is_a_question_about_their_posts():
    assert intent.extract("what was my most popular post last week?", "UTC", NOW).name == "analyze_engagement"
    assert (
        intent.extract("Write a post about our most popular posts of 2026", "UTC", NOW).name == "create_post"
    )


@pytest.mark.parametrize(
    ("text", "count", "topic"),
    [
        ("Draft 3 tweets about our summer sale", 3, "our summer sale"),
        ("give me two versions of a LinkedIn post about our new office", 2, "our new office"),
        ("Draft three captions for our beach photo on instagram", 3, "our beach"),
        ("need 3 linkedin posts about hiring", 3, "hiring"),
        ("Write a post about 5 tips for remote work", None, "5 tips for remote work"),
    ],
)
def test_how_many_drafts_a_person_asks_for(text, count, topic):
    found = intent.extract(text, "UTC", NOW)
    asked = (found.name, found.entities.extra.get("count"), found.entities.topic)
    assert asked == ("create_post", count, topic)


def test_every_platform_named_is_kept_in_the_order_said():
    found = intent.extract("Write a tweet and an instagram post about our new logo", "UTC", NOW)
    assert (found.entities.platform, found.entities.extra["platforms"]) == (
        "twitter",
        ["twitter", "instagram"],
    )
    assert "platforms" not in intent.extract("Write a LinkedIn post about AI", "UTC", NOW).entities.extra


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("I need an instagram caption for a photo of our team at the beach", "our team at the beach"),
        ("caption this photo of our new espresso machine", "our new espresso machine"),
    ],
)
def test_a_caption_for_a_photo_is_about_what_it_shows(text, topic):
    assert intent.extract(text, "UTC", NOW).entities.topic == topic


def test_a_post_at_a_time_in_another_zone_is_scheduled_in_that_zone():
    found = intent.extract("Post on Twitter at 3pm EST about our webinar", "Europe/Paris", NOW)
    assert found.entities.timezone == "America/New_York"
    assert found.entities.time is not None and found.entities.time.endswith("15:00:00-05:00")
    assert found.entities.topic == "our webinar"


@pytest.mark.parametrize(
    ("text", "name", "topic", "scheduled"),
    [
        (
            "Hey, can you help me write a LinkedIn post? We're hiring a senior data engineer in Berlin",
            "create_post",
            "We're hiring a senior data engineer in Berlin",
            False,
        ),
        (
            "I need a tweet. Our doors open at 8 tomorrow!",
            "create_post",
            "Our doors open at 8 tomorrow",
            False,
        ),
        (
            "our sale ends Sunday, post it on linkedin friday at 9am",
            "create_and_schedule",
            "our sale ends Sunday",
            True,
        ),
    ],
)
def test_the_sentence_beside_a_post_request_is_its_topic(text, name, topic, scheduled):
    found = intent.extract(text, "UTC", NOW)
    assert (found.name, found.entities.topic, found.entities.time is not None) == (name, topic, scheduled)


def test_a_send_time_beside_a_day_the_post_tells_is_the_send_time():
    found = intent.extract("our sale ends Sunday, post it on linkedin friday at 9am", "UTC", NOW)
    assert found.entities.time is not None and found.entities.time.startswith("2026-11-27T09:00")  # a Friday


def test_turn_this_into_a_tweet_keeps_the_persons_words():
    found = intent.extract("Turn this into a tweet: Revenue grew 25% this quarter.", "UTC", NOW)
    assert (found.name, found.entities.extra["text"]) == ("create_post", "Revenue grew 25% this quarter.")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("What did I post last week?", "status"),
        ("what have we shared on linkedin this month?", "status"),
        ("show me my recent posts", "status"),
        ("write a post like my last posts about hiring", "create_post"),
    ],
)
def test_a_question_about_past_posts_is_no_new_post(text, name):
    found = intent.extract(text, "UTC", NOW)
    assert found.name == name
    assert (found.entities.extra.get("about") == "posts") == (name == "status")


@pytest.mark.parametrize(
    ("text", "topic", "tone"),
    [
        (
            "make an instagram caption for our team offsite photo, fun tone, with emojis",
            "our team offsite",
            "casual",
        ),
        ("tweet about our launch, make it fun", "our launch", "casual"),
        ("Write a post about the fun run we organised", "the fun run we organised", None),
        ("write an instagram caption for our new autumn menu, keep it cozy", "our new autumn menu", "casual"),
        ("an educational thread about cold brew", "cold brew", "informative"),
    ],
)
def test_a_fun_tone_is_a_tone_and_a_photo_is_what_the_caption_goes_with(text, topic, tone):
    found = intent.extract(text, "UTC", NOW)
    assert (found.entities.topic, found.entities.extra.get("tone")) == (topic, tone)
    assert not found.entities.extra.get("points"), found.entities.extra  # "fun tone" is no point to make


@pytest.mark.parametrize(
    ("text", "platform", "topic", "time"),
    [
        (
            "can u post smth on fb tmrw morning about our opening hours changing to 9-5",
            "facebook",
            "our opening hours changing to 9-5",
            "2026-11-22T09:00:00+00:00",
        ),
        # "for <time>" after the topic is when it goes out, not part of what it says
        (
            "pls draft an ig caption abt our new menu for tmrw at 9",
            "instagram",
            "our new menu",
            "2026-11-22T09:00:00+00:00",
        ),
        ("Write a post about our webinar tomorrow at 3pm", None, "our webinar tomorrow at 3pm", None),
    ],
)
def test_chat_shorthand_is_read_as_the_words_it_stands_for(text, platform, topic, time):
    found = intent.extract(text, "UTC", NOW)
    assert (found.entities.platform, found.entities.topic) == (platform, topic)
    assert found.entities.time == time


@pytest.mark.parametrize(
    ("text", "name", "topic", "extra"),
    [
        # what is announced is the topic; "Friday" in "Black Friday" is no send time, "10am Friday" is
        (
            "Can you help me announce our Black Friday deal on Twitter and LinkedIn at 10am Friday?",
            "create_and_schedule",
            "our Black Friday deal",
            {"platforms": ["twitter", "linkedin"]},
        ),
        # "maybe wednesday 11am" after the question says when, not what the post says
        (
            "could you write something for linkedin about our 10 year anniversary? maybe wednesday 11am",
            "create_and_schedule",
            "our 10 year anniversary",
            {},
        ),
        (
            "Tweet: Our doors open at 8am tomorrow!",
            "create_post",
            None,
            {"text": "Our doors open at 8am tomorrow!"},
        ),
        ("how many posts did I schedule this month?", "manage_posts", None, {"about": "scheduled"}),
        ("delete the schedule for my weekly report", "manage_posts", None, {"about": "remove"}),
    ],
)
def test_what_people_ask_of_their_posts_is_read_as_meant(text, name, topic, extra):
    found = intent.extract(text, "UTC", NOW)
    assert found.name == name
    if topic:
        assert found.entities.topic == topic
    assert {k: found.entities.extra.get(k) for k in extra} == extra
    assert not found.entities.extra.get("points")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Give me a weekly report of my tasks every Monday", "build_schedule"),
        ("give me a post about our weekly newsletter", "create_post"),
        ("what did you do for me recently?", "status"),
        ("i need a dashboard with our top 5 products by revenue", "build_app"),
        ("give me an app for our signups", "build_app"),
    ],
)
def test_a_report_given_every_week_is_a_schedule_and_a_past_question_is_not(text, name):
    assert intent.extract(text, "UTC", NOW).name == name


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("Run my stock count script now", "stock count"),
        ("can you run social_post for me?", "social_post"),
        ("execute the onboarding flow", "onboarding"),
        ("run a marathon", None),
        ("every monday run my analytics report", None),
    ],
)
def test_run_one_of_mine_now(text, target):
    found = intent.extract(text, "UTC", NOW)
    assert (found.entities.extra.get("target") if found.name == "run_now" else None) == target


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("what's my best performing platform?", "analyze_engagement"),
        ("which is my top performing post?", "analyze_engagement"),
        ("write a post about our best performing product", "create_post"),
    ],
)
def test_best_performing_asks_about_their_posts(text, name):
    assert intent.extract(text, "UTC", NOW).name == name


@pytest.mark.parametrize(
    ("text", "about"),
    [
        ("remind me what time my linkedin post goes out tomorrow", "scheduled"),
        ("when does my tweet go out?", "scheduled"),
        ("remind me every friday at 4pm to post our weekly recap", "remind"),
    ],
)
def test_asking_when_a_post_goes_out_is_no_reminder(text, about):
    assert intent.extract(text, "UTC", NOW).entities.extra.get("about") == about


@pytest.mark.parametrize(
    ("text", "name", "topic", "points"),
    [
        # what follows the colon is what the post tells, its dates included: no send time
        (
            "write a linkedin post announcing our christmas opening hours: closed dec 25 and 26, "
            "open again on the 27th",
            "create_post",
            "announcing our christmas opening hours",
            ["closed dec 25 and 26", "open again on the 27th"],
        ),
        (
            "write a post about our sale: 20% off everything this weekend",
            "create_post",
            "our sale",
            ["20% off everything this weekend"],
        ),
        # ... unless the person says when it goes out
        (
            "write a post about our sale: 20% off everything, schedule it for friday 9am",
            "create_and_schedule",
            "our sale",
            ["20% off everything"],
        ),
        # "post: X" is still the post's own words
        ("a tweet for our launch: Acme 2.0 is live", "create_post", "Acme 2.0 is live", None),
        # an episode "about sleep" is the news, not sleep
        (
            "can you put together a short instagram caption for our new podcast episode with Dr. Lee "
            "about sleep?",
            "create_post",
            "our new podcast episode with Dr. Lee about sleep",
            None,
        ),
    ],
)
def test_the_details_after_a_colon_are_the_posts_points(text, name, topic, points):
    found = intent.extract(text, "UTC", NOW)
    assert (found.name, found.entities.topic) == (name, topic)
    assert found.entities.extra.get("points") == points


@pytest.mark.parametrize(
    ("text", "target"),
    [
        # a digest of the posts they scheduled runs the script that lists them
        ("every monday at 8am send me a summary of last week's scheduled posts", "scheduled posts"),
        ("every friday at 5pm send me a list of my upcoming tweets", "scheduled posts"),
        # found through the hub: these ran the analytics report (a report from a table)
        ("every morning at 8 send me a summary of what's scheduled for the day", "scheduled posts"),
        ("every friday email me a digest of my queue", "scheduled posts"),
        # a summary of their posts is still the report
        ("Every Friday at 5pm send me a summary of my week's posts", "summary"),
    ],
)
def test_a_weekly_digest_of_scheduled_posts_is_a_schedule_of_their_list(text, target):
    found = intent.extract(text, "UTC", NOW)
    assert (found.name, found.entities.extra.get("target")) == ("build_schedule", target)


@pytest.mark.parametrize(
    ("text", "name", "topic", "data"),
    [
        # a thank you post: who is thanked is the topic, and "last night" no send time
        (
            "can you write a thank you post on linkedin for everyone who came to our meetup last night?",
            "create_post",
            "thanking everyone who came to our meetup last night",
            None,
        ),
        ("thanks post for our team please", "create_post", "thanking our team", None),
        # numbers with no commas between them, after the question
        (
            "what's my total revenue? jan 12k feb 15k mar 9k",
            "analyze",
            None,
            "month,revenue\njan,12000\nfeb,15000\nmar,9000",
        ),
        (
            "what is the total of jan 12k, feb 15k, mar 9k",
            "analyze",
            None,
            "month,value\njan,12000\nfeb,15000\nmar,9000",
        ),
        ("remind me what I asked you yesterday", "status", None, None),
        # the numbers open the request: the first one is a row too
        (
            "mon 120, tue 135, wed 128, thu 160, fri 190. What is the trend?",
            "analyze",
            None,
            "day,value\nmon,120\ntue,135\nwed,128\nthu,160\nfri,190",
        ),
        # a unit said with the first number names the measure, and that row is kept
        (
            "can you chart this: week 1 340 signups, week 2 410, week 3 390, week 4 520",
            "analyze",
            None,
            "week,signups\nweek 1,340\nweek 2,410\nweek 3,390\nweek 4,520",
        ),
        # two named runs of numbers: a column each, the first the driver
        (
            "hey can you help me figure out if my ad spend is working? spend 500 800 1200 1500, "
            "signups 41 60 95 110",
            "analyze",
            None,
            "spend,signups\n500,41\n800,60\n1200,95\n1500,110",
        ),
        # "back from tomorrow" is when the latte returns, not when the caption goes out
        (
            "instagram caption for our pumpkin spice latte, back from tomorrow",
            "create_post",
            "our pumpkin spice latte",
            None,
        ),
        # a reminder's topic is what people are reminded of
        (
            "write a short facebook post reminding people our cafe is closed on monday for renovations",
            "create_post",
            "our cafe is closed on monday for renovations",
            None,
        ),
        # labelled numbers with spaces only, then a question after a comma
        (
            "sales North 48200 South 35100 East 51900 West 29800, which is best?",
            "analyze",
            None,
            "region,sales\nNorth,48200\nSouth,35100\nEast,51900\nWest,29800",
        ),
    ],
)
def test_thanks_totals_and_what_i_asked_are_read_as_meant(text, name, topic, data):
    found = intent.extract(text, "UTC", NOW)
    assert (found.name, found.entities.topic, found.entities.extra.get("data")) == (name, topic, data)


@pytest.mark.parametrize(
    ("text", "name", "topic"),
    [
        # the news said first is the topic; "today" in it is when it happened, not a send time
        (
            "we hit 1,000 newsletter subscribers today! can you write a linkedin post to celebrate?",
            "create_post",
            "we hit 1,000 newsletter subscribers today",
        ),
        (
            "we just launched our new app! write a tweet about it",
            "create_post",
            "we just launched our new app",
        ),
        # "something for facebook" is a post too; "this saturday" is the birthday, not a send time
        (
            "our bakery turns 10 this saturday! can you write something for facebook?",
            "create_post",
            "our bakery turns 10 this saturday",
        ),
        # a send time said with the request still schedules it
        (
            "we hit 10k followers! post about it on linkedin tomorrow at 9am",
            "create_and_schedule",
            "we hit 10k followers",
        ),
        # a request with a topic of its own keeps it
        ("Big news. Write a post about our Q3 results", "create_post", "our Q3 results"),
    ],
)
def test_the_news_said_before_a_post_request_is_its_topic(text, name, topic):
    found = intent.extract(text, "UTC", NOW)
    assert (found.name, found.entities.topic) == (name, topic)


@pytest.mark.parametrize(
    ("text", "name", "extra"),
    [
        # one post without hashtags is that post's, not a preference
        ("write a tweet about our launch, no hashtags", "create_post", {"hashtags": "none"}),
        ("linkedin post about our new office without hashtags", "create_post", {"hashtags": "none"}),
        ("what's my timezone?", "preferences", {}),
        # a network OpenAnalyst does not post to, unless it is what the post is about
        ("can you post to tiktok?", "help", {"about": "elsewhere", "network": "tiktok"}),
        ("write a post about our youtube channel", "create_post", {}),
        # "stop" cancels a post only when it names one
        ("stop the post for friday", "cancel_post", {"which": "one", "day": "2026-11-27"}),
    ],
)
def test_how_to_write_and_where_to_post_are_read_for_what_they_are(text, name, extra):
    found = intent.extract(text, "UTC", NOW)
    assert (found.name, found.entities.extra) == (name, extra)


@pytest.mark.parametrize(
    ("text", "name", "platform", "extra"),
    [
        (
            "cancel my linkedin post for tomorrow",
            "cancel_post",
            "linkedin",
            {"which": "one", "day": "2026-11-22"},
        ),
        (
            "cancel the linkedin one for tomorrow",
            "cancel_post",
            "linkedin",
            {"which": "one", "day": "2026-11-22"},
        ),
        ("unschedule all my tweets", "cancel_post", "twitter", {"which": "all"}),
        ("cancel my scheduled posts", "cancel_post", None, {"which": "all"}),
        ("cancel my next post", "cancel_post", None, {"which": "next"}),
        (
            "cancel tomorrow's instagram post",
            "cancel_post",
            "instagram",
            {"which": "one", "day": "2026-11-22"},
        ),
        # a post already out is deleted on the platform, not here; a schedule that is not a post's
        ("delete my tweet from yesterday", "manage_posts", "twitter", {"about": "cancel"}),
        ("cancel the tweet I posted this morning", "manage_posts", "twitter", {"about": "cancel"}),
        ("stop the schedule", "manage_posts", None, {"about": "cancel"}),
    ],
)
def test_cancelling_a_post_reads_which_one_by_day_and_platform(text, name, platform, extra):
    found = intent.extract(text, "UTC", NOW)
    assert (found.name, found.entities.platform, found.entities.extra) == (name, platform, extra)


@pytest.mark.parametrize(
    ("text", "name", "platform", "about"),
    [
        ("how do I post on linkedin?", "help", "linkedin", "how_to_post"),
        ("how to schedule a tweet", "help", "twitter", "how_to_post"),
        ("So how do I post with you?", "help", None, "how_to_post"),
        # a topic makes it a post to write
        ("how do I post about our launch on linkedin?", "create_post", "linkedin", None),
        ("how do I connect my LinkedIn account?", "help", "linkedin", "connect"),
    ],
)
def test_how_to_post_is_a_question_about_posting_not_a_post_without_a_topic(text, name, platform, about):
    found = intent.extract(text, "UTC", NOW)
    assert (found.name, found.entities.platform, found.entities.extra.get("about")) == (name, platform, about)


@pytest.mark.parametrize(
    ("text", "name", "extra"),
    [
        ("give me a summary of what you did for me this week", "status", {"period": "this week"}),
        ("summarize my activity this week", "status", {"period": "this week"}),
        # "can you set that up?": "up" is no topic; the example then names one
        ("I want to post on instagram every day at 6pm, can you set that up?", "help", {"about": "repeat"}),
    ],
)
def test_what_people_ask_of_their_history_and_repeats_in_other_words(text, name, extra):
    found = intent.extract(text, "UTC", NOW)
    assert (found.name, found.entities.extra) == (name, extra)
    assert found.entities.topic is None


@pytest.mark.parametrize(
    ("text", "name", "about"),
    [
        ("check https://acme.io/status and tell me if it's down", "help", "up_or_down"),
        ("is https://acme.io up?", "help", "up_or_down"),
        # checking it on a schedule is a fetch script and its schedule; a post about it is a post
        ("every 5 minutes check https://acme.io/status", "build_scheduled_fetch", None),
        ("tweet that https://acme.io is live!", "create_post", None),
    ],
)
def test_whether_a_website_is_up_is_a_question_for_a_script_of_ones_own(text, name, about):
    found = intent.extract(text, "UTC", NOW)
    assert (found.name, found.entities.extra.get("about")) == (name, about)


@pytest.mark.parametrize(
    ("text", "data"),
    [
        # the measure said after the last number: it was read as a clause, and week 4 was lost
        (
            "make me a line chart: week 1 2300, week 2 2450, week 3 2100, week 4 2800 (website visitors)",
            "week,website visitors\nweek 1,2300\nweek 2,2450\nweek 3,2100\nweek 4,2800",
        ),
        (
            "jan 120, feb 135, mar 160 (signups). what's the trend?",
            "month,signups\njan,120\nfeb,135\nmar,160",
        ),
        # a scale in brackets names no measure
        ("mon 5, tue 7, wed 9 (in thousands)", "day,value\nmon,5\ntue,7\nwed,9"),
    ],
)
def test_every_number_is_kept_when_the_measure_is_said_in_brackets_after_them(text, data):
    found = intent.extract(text, "UTC", NOW)
    assert (found.name, found.entities.extra.get("data")) == ("analyze", data)


@pytest.mark.parametrize(
    "text",
    ["compare: 2024 revenue 1.2m, 2025 revenue 1.5m", "revenue 2024 1.2m vs 2025 1.5m, how did we do?"],
)
def test_one_measure_in_two_years_is_a_table_of_both(text):
    """It was answered "To analyse this I need your numbers"."""
    found = intent.extract(text, "UTC", NOW)
    assert (found.name, found.entities.extra["data"]) == (
        "analyze",
        "year,revenue\n2024,1200000\n2025,1500000",
    )


@pytest.mark.parametrize(
    ("text", "platform"),
    [
        ("what were my best posting times?", None),
        ("can you analyze the engagement of my linkedin posts", "linkedin"),
    ],
)
def test_questions_about_how_posts_did_are_engagement_not_a_post_to_write(text, platform):
    found = intent.extract(text, "UTC", NOW)
    assert (found.name, found.entities.platform) == ("analyze_engagement", platform)
    assert intent.extract("write a linkedin post about engagement tips", "UTC", NOW).name == "create_post"


@pytest.mark.parametrize(
    ("text", "name", "about"),
    [
        ("how many followers do I have?", "analyze_engagement", None),
        ("delete everything you created for me", "manage_posts", "remove"),
    ],
)
def test_follower_counts_are_engagement_and_deleting_everything_is_answered(text, name, about):
    found = intent.extract(text, "UTC", NOW)
    assert (found.name, found.entities.extra.get("about")) == (name, about)


def test_news_said_before_a_comma_and_the_ask_to_write_is_the_topic():
    """It was written as "A few thoughts on it."."""
    text = "our email list grew from 2,000 to 3,500 subscribers in 6 months, write a linkedin post about it"
    found = intent.extract(text, "UTC", NOW)
    assert (found.name, found.entities.platform) == ("create_post", "linkedin")
    assert found.entities.topic == "our email list grew from 2,000 to 3,500 subscribers in 6 months"


def test_likes_said_after_each_number_are_the_posts_numbers():
    """It asked for an analytics export though the numbers were given."""
    text = "I posted 3 times last week: 120 likes, 85 likes, 240 likes. which post did best?"
    found = intent.extract(text, "UTC", NOW)
    assert (found.name, found.entities.extra["data"]) == (
        "analyze_engagement",
        "post,likes\npost 1,120\npost 2,85\npost 3,240",
    )


def test_how_tweets_did_is_engagement():
    """It asked what the post should be about."""
    assert intent.extract("how did my tweets do this month?", "UTC", NOW).name == "analyze_engagement"


def test_a_time_inside_a_point_of_the_post_is_its_content_not_when_it_goes_out():
    """It was scheduled for Saturday 9am."""
    text = "write an instagram post announcing our summer sale, 30% off everything this weekend"
    found = intent.extract(text, "UTC", NOW)
    assert (found.name, found.entities.time) == ("create_post", None)
    assert found.entities.extra["points"] == ["30% off everything this weekend"]
    said = intent.extract("write a tweet about our sale, post it tomorrow at 9am", "UTC", NOW)
    assert said.name == "create_and_schedule" and said.entities.time is not None


def test_the_day_of_an_event_said_after_its_topic_is_in_the_post_not_its_send_time():
    """It was scheduled for the coming Sunday 9am, about "mother's day brunch at our", and the
    booking link was lost."""
    text = (
        "i need a facebook post for mother's day brunch at our restaurant, sunday may 10, book at luigis.com"
    )
    found = intent.extract(text, "UTC", NOW)
    assert (found.name, found.entities.time) == ("create_post", None)
    assert found.entities.topic == "mother's day brunch at our restaurant"
    assert found.entities.extra["points"] == ["sunday may 10", "book at luigis.com"]
    # a send time asked for beside it is when the post goes out, and the event's day stays in it
    asked = intent.extract(f"{text}, schedule it for friday", "UTC", NOW)
    assert asked.name == "create_and_schedule" and asked.entities.time.startswith("2026-11-27T09:00")
    assert asked.entities.extra["points"] == ["sunday may 10", "book at luigis.com"]


def test_when_to_post_is_the_time_after_the_ask_not_the_first_time_said():
    """It was scheduled for the webinar's own time and the topic lost it."""
    found = intent.extract("tweet about our webinar next tuesday at 3pm, post it tomorrow at 9", "UTC", NOW)
    assert found.entities.time == "2026-11-22T09:00:00+00:00"
    assert found.entities.topic == "our webinar next tuesday at 3pm"


def test_details_after_where_and_when_to_post_are_the_posts_points():
    """Found through the hub: the holiday hours were lost and the post mused "Our holiday hours: what
    we have learned so far."."""
    text = (
        "can you post our holiday hours on facebook tomorrow morning: dec 24 9-2, dec 25 closed, dec 26 10-4"
    )
    found = intent.extract(text, "UTC", NOW)
    assert (found.name, found.entities.topic) == ("create_and_schedule", "our holiday hours")
    assert found.entities.extra["points"] == ["dec 24 9-2", "dec 25 closed", "dec 26 10-4"]
    prices = intent.extract("tweet our new prices tomorrow at 9: latte 4.50, cappuccino 4.20", "UTC", NOW)
    assert (prices.entities.topic, prices.entities.time) == ("our new prices", "2026-11-22T09:00:00+00:00")
    assert prices.entities.extra["points"] == ["latte 4.50", "cappuccino 4.20"]


@pytest.mark.parametrize(
    ("text", "name", "about"),
    [
        # found through the hub: both were "outside what I can do"
        ("actually cancel it", "cancel_post", None),
        ("cancel that please", "cancel_post", None),
        ("move it to thursday instead", "manage_posts", "move"),
        ("can you reschedule my linkedin post to friday 10am?", "manage_posts", "move"),
    ],
)
def test_cancelling_or_moving_the_post_just_scheduled_is_understood(text, name, about):
    found = intent.extract(text, "UTC", NOW)
    assert (found.name, found.entities.extra.get("about")) == (name, about)


@pytest.mark.parametrize(
    "text",
    [
        # found through the hub: "That is outside what I can do here."
        "how many people visited our site last month?",
        "how much revenue did we make in october?",
        "what's our best selling product?",
    ],
)
def test_a_question_about_their_own_numbers_asks_for_them(text):
    found = intent.extract(text, "UTC", NOW)
    assert (found.name, found.entities.extra.get("source")) == ("analyze", "upload")


def test_post_ideas_for_a_day_are_posts_about_the_day():
    """Found through the hub: "3 short tweet ideas for national coffee day" were about "ideas for
    national coffee day"; a post about ideas is still about them."""
    found = intent.extract("can you write 3 short tweet ideas for national coffee day?", "UTC", NOW)
    assert (found.entities.topic, found.entities.extra["count"]) == ("national coffee day", 3)
    about = intent.extract("write a linkedin post about ideas for growing a small business", "UTC", NOW)
    assert about.entities.topic == "ideas for growing a small business"


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        # found through the hub: "That is outside what I can do here."
        (
            "help me announce that we're opening a second location in brooklyn next month",
            "we're opening a second location in brooklyn next month",
        ),
        ("i want to announce our new spring menu", "our new spring menu"),
        ("can you help me promote our yoga workshop on saturday?", "our yoga workshop on saturday"),
    ],
)
def test_asking_to_announce_something_is_asking_for_a_post(text, topic):
    found = intent.extract(text, "UTC", NOW)
    assert (found.name, found.entities.topic) == ("create_post", topic)


def test_more_exciting_is_a_tone():
    """Found through the hub: "make it more exciting" after a draft was not read as a change of tone."""
    assert intent.extract("make it more exciting", "UTC", NOW).entities.extra["tone"] == "enthusiastic"


@pytest.mark.parametrize(
    "text",
    [
        # found on the chat page: "✔️ something short and sweet" was in the caption
        "can you make an instagram caption for a photo of our new latte art, something short and sweet",
        "a tweet about our bake sale, short and punchy",
    ],
)
def test_how_long_the_post_should_be_is_no_point_of_it(text):
    assert "points" not in intent.extract(text, "UTC", NOW).entities.extra


def test_the_hours_of_news_said_first_are_not_its_send_time():
    """Found through the hub: the post about a tasting "this saturday 2-5pm" was scheduled for
    Saturday 5pm, as the tasting ended."""
    text = "we're doing a free tasting this saturday 2-5pm, can you write a facebook post?"
    found = intent.extract(text, "UTC", NOW)
    assert (found.name, found.entities.time) == ("create_post", None)
    assert found.entities.topic == "we're doing a free tasting this saturday 2-5pm"


def test_a_weekday_before_a_date_names_the_date():
    """ "sunday may 10" was read as the coming Sunday."""
    assert intent.resolve_time("sunday may 10", "UTC", NOW).date().isoformat() == "2027-05-10"
    said = intent.resolve_time("friday, march 13th at 2pm", "UTC", NOW)
    assert said.isoformat() == "2027-03-13T14:00:00+00:00"


def test_the_words_asking_for_a_chart_name_no_measure():
    """ "can you turn these numbers into a line chart: 12, 15, ..." was charted as "numbers into"."""
    found = intent.extract("can you turn these numbers into a line chart: 12, 15, 11, 18, 22", "UTC", NOW)
    assert found.entities.extra["data"].splitlines()[0] == "point,value"
