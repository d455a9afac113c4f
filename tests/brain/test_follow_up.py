"""A reply about the post just written ("post it now", "make it shorter") acts on that post."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

import f.openanalyst.lib.planning.follow_up as follow_up
import f.openanalyst.lib.planning.understanding as understanding
from f.openanalyst.lib.contracts import Draft, EarlierData, Intent

ZONE = "Europe/Paris"
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=ZoneInfo(ZONE))  # a Monday
DRAFT = Draft(
    content="Meet our new API launch.\n\n→ Docs at acme.io\n\nQuestions? Ask us in the comments.\n\n#API",
    platform="linkedin",
    topic="our new API launch",
    tone="casual",
    chars=84,
    key_points=["docs at acme.io"],
)


def read(text: str, drafts: list[Draft] | None = None) -> Intent:
    found = understanding.extract(text, ZONE, NOW)
    return follow_up.read(found, text, [DRAFT] if drafts is None else drafts, ZONE, NOW)


@pytest.mark.parametrize(
    "text", ["ok post it now", "post it", "great, post it", "looks good, publish it", "love it! share it"]
)
def test_posting_it_publishes_the_draft_as_it_was_read(text):
    intent = read(text)
    assert intent.name == "publish_post"
    assert intent.entities.extra["text"] == DRAFT.content and intent.entities.extra["text_from"] == "draft"
    assert (intent.entities.platform, intent.entities.topic) == ("linkedin", "our new API launch")


@pytest.mark.parametrize(
    ("text", "when"),
    [
        ("perfect, schedule it for friday at 10am", "2026-12-11T10:00:00+01:00"),
        ("great, schedule that for monday 9am", "2026-12-14T09:00:00+01:00"),
        ("can you schedule this for tomorrow morning?", "2026-12-08T09:00:00+01:00"),
        ("post that tomorrow at noon", "2026-12-08T12:00:00+01:00"),
        ("send it out tomorrow at 8", "2026-12-08T08:00:00+01:00"),
        ("schedule it", None),  # the time is asked
    ],
)
def test_scheduling_it_schedules_the_draft_at_the_time_said(text, when):
    intent = read(text)
    assert intent.name == "create_and_schedule"
    assert intent.entities.time == when and intent.entities.extra["text"] == DRAFT.content


def test_a_time_already_past_is_asked_again_not_moved():
    intent = read("schedule it for yesterday 9am")
    assert intent.entities.time is None and intent.entities.extra["past_time"] == "yesterday 9am"


@pytest.mark.parametrize(
    ("text", "platform"),
    [
        ("same for instagram", "instagram"),
        ("now do one for twitter", "twitter"),
        ("can you also write it for facebook?", "facebook"),
        ("turn it into a tweet", "twitter"),
    ],
)
def test_another_platform_writes_it_again_from_its_topic_points_and_tone(text, platform):
    intent = read(text)
    assert (intent.name, intent.entities.platform, intent.entities.topic) == (
        "create_post",
        platform,
        "our new API launch",
    )
    assert intent.entities.extra == {"tone": "casual", "points": ["docs at acme.io"]}  # not its words


def test_posting_it_elsewhere_writes_it_for_that_platform_first():
    intent = read("tweet it now")
    assert (intent.name, intent.entities.platform) == ("publish_post", "twitter")
    assert "text" not in intent.entities.extra  # a LinkedIn post is not a tweet


@pytest.mark.parametrize(
    ("text", "changes"),
    [
        ("make it shorter", {"max_chars": 56}),
        ("shorter please", {"max_chars": 56}),
        ("make it funnier", {"tone": "witty"}),
        ("make it a bit more professional", {"tone": "professional"}),
        ("make the last post funnier", {"tone": "witty"}),
        ("can you make that post more professional?", {"tone": "professional"}),
        ("can you make it more fun?", {"tone": "casual"}),
    ],
)
def test_a_change_asked_of_it_writes_it_again_with_the_change(text, changes):
    intent = read(text)
    assert (intent.name, intent.entities.platform, intent.entities.topic) == (
        "create_post",
        "linkedin",
        "our new API launch",
    )
    assert intent.entities.extra == {"tone": "casual", "points": ["docs at acme.io"], **changes}


@pytest.mark.parametrize(
    "text",
    [
        "write a post about our bakery",
        "post this about our new menu",
        "tweet this: we just shipped dark mode",
        "make it longer",  # not something a rewrite from the topic can do: answered as before
    ],
)
def test_a_new_request_or_an_unsupported_change_is_read_as_it_is(text):
    assert read(text) == understanding.extract(text, ZONE, NOW)


def test_without_a_draft_in_the_conversation_nothing_is_assumed():
    assert read("ok post it now", drafts=[]) == understanding.extract("ok post it now", ZONE, NOW)
    # "looks good" is not what a post is about: the person is asked what it should say
    assert read("looks good, post it now", drafts=[]).entities.topic is None
    assert read("post this about our new menu", drafts=[]).entities.topic == "our new menu"


def test_the_drafts_are_those_of_the_latest_request_that_wrote_any():
    def result(platform: str, content: str) -> dict:
        step = {"id": "draft", "script": follow_up.CREATE_POST, "args": {"topic": "t", "key_points": ["p"]}}
        out = {"content": content, "platform": platform, "topic": "t", "tone": "witty", "chars": 9}
        return {"plan": {"skill": "SOCIAL_MEDIA", "steps": [step]}, "outputs": {"draft": out}}

    report = {"plan": {"skill": "ANALYTICS", "steps": []}, "outputs": {}}
    found = follow_up.drafts_in([report, result("twitter", "newest"), result("linkedin", "older")])
    assert [(d.platform, d.content, d.tone, d.key_points) for d in found] == [
        ("twitter", "newest", "witty", ["p"])
    ]
    assert follow_up.drafts_in([report, {"plan": None}]) == []


THREE = [
    Draft(content=f"Black Friday tweet {n}", platform="twitter", topic="our sale", chars=20)
    for n in (1, 2, 3)
]


@pytest.mark.parametrize(
    ("text", "name", "chosen"),
    [
        ("post the second one", "publish_post", 2),
        ("schedule the 3rd one for friday 9am", "create_and_schedule", 3),
        ("I like the second one, post it", "publish_post", 2),
        ("second one, schedule it for tomorrow at 10", "create_and_schedule", 2),
        ("go with #3", "create_post", 3),  # chosen, shown, not posted yet
        ("number 2 please", "create_post", 2),
        ("the last one", "create_post", 3),
        ("post it", "publish_post", 1),
    ],
)
def test_one_of_several_drafts_is_picked_by_its_place(text, name, chosen):
    intent = read(text, THREE)
    assert intent.name == name and intent.entities.extra["text"] == f"Black Friday tweet {chosen}"


def test_each_of_several_drafts_offered_is_one_to_pick():
    step = {"id": "draft", "script": follow_up.CREATE_POST, "args": {"topic": "our sale", "count": 2}}
    out = {"content": "one", "drafts": ["one", "second tweet"], "platform": "twitter", "topic": "our sale"}
    found = follow_up.drafts_in(
        [{"plan": {"skill": "SOCIAL_MEDIA", "steps": [step]}, "outputs": {"draft": out}}]
    )
    assert [(d.content, d.chars) for d in found] == [("one", 3), ("second tweet", 12)]


REVENUE = EarlierData(data="month,revenue\njan,12000\nfeb,15000\nmar,9000", title="Monthly revenue")


@pytest.mark.parametrize(
    ("text", "chart"),
    [
        ("can you show that as a line chart instead?", "line"),
        ("make it a pie chart", "pie"),
        ("now as a bar chart", "bar"),
        ("what was the average?", None),
        ("which month was best?", None),
        ("why did mar drop?", None),
    ],
)
def test_a_question_after_a_report_is_about_the_same_table(text, chart):
    found = understanding.extract(text, ZONE, NOW)
    intent = follow_up.read(found, text, [], ZONE, NOW, data=REVENUE)
    assert intent.name == "analyze" and intent.entities.extra["data"] == REVENUE.data
    assert intent.entities.extra["title"] == "Monthly revenue" and intent.entities.extra.get("chart") == chart


def test_new_numbers_or_other_requests_are_not_the_earlier_table():
    for text in ("sales: north 10, south 12, east 9", "write a tweet about our launch", "hello"):
        found = understanding.extract(text, ZONE, NOW)
        assert follow_up.read(found, text, [], ZONE, NOW, data=REVENUE) == found


def test_the_table_is_the_latest_analysis_of_numbers_given_in_the_chat():
    def analysis(data: str, title: str) -> dict:
        steps = [
            {"id": "fetch", "script": follow_up.FETCH_METRICS, "args": {"source": "default", "data": data}},
            {
                "id": "report",
                "script": follow_up.GENERATE_REPORT,
                "args": {"dataset": "$steps.fetch", "title": title},
            },
        ]
        return {"plan": {"skill": "ANALYTICS", "steps": steps}, "outputs": {}}

    history = {
        "plan": {
            "skill": "ANALYTICS",
            "steps": [{"id": "fetch", "script": follow_up.FETCH_METRICS, "args": {"source": "history"}}],
        }
    }
    found = follow_up.data_in([history, analysis("a,b\n1,2", "Newest"), analysis("a,b\n3,4", "Older")])
    assert found == EarlierData(data="a,b\n1,2", title="Newest", turn=1)  # one request ago
    assert follow_up.data_in([analysis("a,b\n" + "1,2\n" * 20_000, "Huge")]) is None  # attached again


def test_the_chart_asked_for_before_is_kept_for_the_next_question():
    drawn = REVENUE.model_copy(update={"chart": "line"})
    found = understanding.extract("what was the average?", ZONE, NOW)
    assert (
        follow_up.read(found, "what was the average?", [], ZONE, NOW, data=drawn).entities.extra["chart"]
        == "line"
    )


def test_a_post_about_it_after_a_report_is_about_what_the_report_found():
    findings = [
        "revenue rose from 12,000 (jan) to 15,000 (feb), +25%. Biggest rise: 3,000, jan to feb.",
        "revenue is highest for feb (15,000) and lowest for mar (9,000).",
        "revenue: total 36,000, mean 12,000, median 12,000, range 9,000 to 15,000 over 3 values.",
    ]
    report = REVENUE.model_copy(update={"findings": findings})
    text = "nice, write a linkedin post about it"
    found = understanding.extract(text, ZONE, NOW)
    intent = follow_up.read(found, text, [], ZONE, NOW, data=report)
    assert (intent.name, intent.entities.platform, intent.entities.topic) == (
        "create_post",
        "linkedin",
        "our revenue rose from 12,000 (jan) to 15,000 (feb), +25%",  # the news, its first sentence
    )
    # the next finding is a point; the statistics are not
    assert intent.entities.extra["points"] == [
        "our revenue is highest for feb (15,000) and lowest for mar (9,000)"
    ]
    # findings as reports now write them (capitalised, a verdict first) read the same in a sentence
    said = [
        "Yes: revenue rose from 12,000 (Jan) to 15,000 (Feb), +25%.",
        "Revenue is highest for Feb (15,000).",
    ]
    asked = follow_up.read(found, text, [], ZONE, NOW, data=REVENUE.model_copy(update={"findings": said}))
    assert asked.entities.topic == "our revenue rose from 12,000 (Jan) to 15,000 (Feb), +25%"
    assert asked.entities.extra["points"] == ["our revenue is highest for Feb (15,000)"]
    bare = follow_up.read(found, text, [], ZONE, NOW, data=REVENUE)  # a report with no findings kept
    assert bare.entities.topic == "our monthly revenue"
    # a post written after the report is what "it" is then
    later = DRAFT.model_copy(update={"turn": 0})
    older = report.model_copy(update={"turn": 1})
    assert follow_up.read(found, text, [later], ZONE, NOW, data=older).entities.topic == DRAFT.topic


def test_a_result_an_older_release_recorded_is_passed_over():
    old = {
        "plan": {"skill": "SOCIAL_MEDIA", "steps": [{"id": "draft", "tool": "create_post"}]},
        "outputs": {},
    }
    assert follow_up.drafts_in([old]) == [] and follow_up.data_in([old]) is None


@pytest.mark.parametrize(
    ("text", "content"),
    [
        (
            "can you add a link to acme.io/app?",
            "Meet our app.\n\nQuestions? Ask us.\n\nacme.io/app\n\n#App #Mobile",  # before the tags
        ),
        ("add #LaunchDay", "Meet our app.\n\nQuestions? Ask us.\n\n#App #Mobile #LaunchDay"),
        ("please include @acme", "Meet our app.\n\nQuestions? Ask us.\n\n@acme\n\n#App #Mobile"),
    ],
)
def test_a_link_tag_or_mention_asked_for_is_put_in_the_draft_as_it_is(text, content):
    draft = Draft(
        content="Meet our app.\n\nQuestions? Ask us.\n\n#App #Mobile", platform="linkedin", topic="our app"
    )
    intent = read(text, [draft])
    assert (intent.name, intent.entities.extra["text"], intent.entities.extra["text_from"]) == (
        "create_post",
        content,
        "draft",
    )
    tweet = Draft(content="Meet our app. Tell us what you think. #App", platform="twitter", topic="our app")
    assert read("can you add a link to acme.io/app?", [tweet]).entities.extra["text"] == (
        "Meet our app. Tell us what you think. acme.io/app #App"  # on the tweet's one line
    )


@pytest.mark.parametrize("text", ["add an emoji", "can you add some emojis?", "please put an emoji in"])
def test_an_emoji_asked_for_is_put_after_its_first_sentence_in_its_tone(text):
    intent = read(text)
    assert (intent.name, intent.entities.platform, intent.entities.extra["text_from"]) == (
        "create_post",
        "linkedin",
        "draft",
    )
    assert intent.entities.extra["text"] == DRAFT.content.replace("launch.", "launch. 🙂", 1)  # casual


TWEET = Draft(
    content="Meet our new delivery service. #Delivery",
    platform="twitter",
    topic="our new delivery service",
    chars=40,
)


@pytest.mark.parametrize(
    ("text", "name"),
    [("post them both now", "publish_post"), ("schedule them for friday at 9am", "create_and_schedule")],
)
def test_them_both_acts_on_each_platforms_draft(text, name):
    """ "post them both now" after a tweet and a LinkedIn post was a new post "about them both now"."""
    intent = read(text, [TWEET, DRAFT])
    assert intent.name == name and intent.entities.extra["text_from"] == "draft"
    assert intent.entities.extra["platforms"] == ["twitter", "linkedin"]
    assert intent.entities.extra["texts"] == {"twitter": TWEET.content, "linkedin": DRAFT.content}
    # one draft, or several for one platform: "it" is the one read (or picked)
    assert read("post it now", [TWEET, DRAFT]).entities.extra == {"text": TWEET.content, "text_from": "draft"}
