"""The chat page in headless Chromium (Debian `chromium`, never a downloaded browser)."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import f.openanalyst.lib.signing as signing
from hub.backend import job_id_for
from tests.hub.conftest import PUSH_SECRET, REPO, RunningHub, make_settings, serve_in_thread
from tests.hub.fake_windmill import BASE, SUSPEND, FakeWindmill, answer_result, default_stages, module
from tests.support.devruntime import DevRuntime
from tests.support.services import in_ci, unavailable

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts"
SEED = "Create a Twitter post about AI trends and schedule it for tomorrow"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def chromium() -> Iterator[object]:
    """A headless Debian Chromium (playwright's Browser), for tests that open several pages."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if in_ci():
            pytest.fail("chromium is not installed (CI=true: required)")
        pytest.skip("Debian chromium not installed: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page() -> Iterator[object]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if in_ci():
            pytest.fail("chromium is not installed (CI=true: required)")
        pytest.skip("Debian chromium not installed: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 900, "height": 760})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors  # type: ignore[attr-defined]
        try:
            yield page
        finally:
            browser.close()


def test_chat_page_sends_a_request_and_shows_the_answer(runtime: DevRuntime, browser_page):
    page = browser_page
    settings = make_settings(
        backend="local",
        windmill_url=runtime.base_url,
        windmill_token=runtime.token,
        flow_path="f/hubtest/handle_request",
        poll_interval_s=0.2,
        backend_timeout_s=10,
    )
    with serve_in_thread(settings) as hub:
        runtime.set_variable("f/openanalyst/hub_url", hub.http)
        runtime.set_variable("f/openanalyst/hub_push_secret", PUSH_SECRET, is_secret=True)
        page.goto(f"{hub.http}/#token={hub.token('alice')}")
        page.wait_for_selector("#status.online", timeout=10_000)
        assert "token" not in page.url  # taken from the fragment, then removed
        page.fill("#input", SEED)
        page.click("#send")
        page.wait_for_selector(".message.user", timeout=5_000)
        done = page.wait_for_selector(".message.assistant.done", timeout=60_000)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "hub-chat.png"), full_page=True)
        assert done.query_selector(".markdown h3").inner_text() == "Draft ready"  # h1 is the page's
        assert "You asked:" in done.inner_text() and SEED in done.inner_text()
        assert done.query_selector(".markdown li strong").inner_text() == "Platform:"
        image = done.query_selector("img.report")
        assert image is not None and image.evaluate("img => img.complete && img.naturalWidth") == 320
        assert "Social media" in done.query_selector(".meta").inner_text()  # the skill in words
        assert page.inner_text("#status") == "connected as alice"
        assert page.js_errors == []  # type: ignore[attr-defined]


def test_chat_page_runs_the_seed_example_through_handle_request(runtime: DevRuntime, browser_page):
    flow = runtime.client.get(f"{runtime.api}/flows/get/f/openanalyst/handle_request")
    if flow.status_code != 200:
        unavailable("the handle_request flow on the dev runtime", f"HTTP {flow.status_code}")
    page = browser_page
    settings = make_settings(
        backend="local",
        windmill_url=runtime.base_url,
        windmill_token=runtime.token,
        poll_interval_s=0.2,
        backend_timeout_s=10,
    )
    with serve_in_thread(settings) as hub:
        runtime.set_variable("f/openanalyst/hub_url", hub.http)
        runtime.set_variable("f/openanalyst/hub_push_secret", PUSH_SECRET, is_secret=True)
        page.goto(f"{hub.http}/#token={hub.token('alice')}")
        page.wait_for_selector("#status.online", timeout=10_000)
        page.fill("#input", SEED)
        page.click("#send")
        page.wait_for_selector(".message.assistant .progress:not([hidden])", timeout=30_000)
        done = page.wait_for_selector(".message.assistant.done, .message.assistant.failed", timeout=240_000)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "hub-chat-seed.png"), full_page=True)
        assert "done" in (done.get_attribute("class") or ""), done.inner_text()
        assert done.query_selector(".markdown").inner_text().strip()
        assert page.js_errors == []  # type: ignore[attr-defined]


@pytest.fixture
def fake_hub(fake_windmill: FakeWindmill) -> Iterator[RunningHub]:
    with serve_in_thread(make_settings()) as hub:
        yield hub


def test_chat_page_answers_a_clarification_question(
    fake_hub: RunningHub, fake_windmill: FakeWindmill, browser_page
):
    page = browser_page

    def stages(args):
        waiting = [module("Success", "load_context"), module("WaitingForEvents", "clarify")]
        return [
            default_stages()[0],
            {"running": True, "flow_status": {"step": 1, "modules": waiting}},
            SUSPEND,
        ]

    fake_windmill.stages_for = stages
    fake_windmill.result_for = lambda args: answer_result(
        "Scheduled for **18:00** tomorrow.\n\n| platform | time |\n|---|---|\n| Twitter | 18:00 |"
    )
    page.goto(f"{fake_hub.http}/")
    page.wait_for_selector("#login:not([hidden])")
    page.fill("#token", fake_hub.token("alice"))
    page.click("#login button")
    page.wait_for_selector("#status.online", timeout=10_000)
    page.fill("#input", "schedule a post about AI")
    page.press("#input", "Enter")
    page.wait_for_selector(".message.assistant .progress:not([hidden])", timeout=10_000)
    request_id = page.get_attribute(".message.assistant", "data-correlation-id")
    assert request_id
    # The flow's clarify step pushes its question.
    frame = {
        "type": "ASSISTANT_RESPONSE",
        "userId": "alice",
        "sessionId": "s",
        "messageId": "msg_q_browser",
        "correlationId": request_id,
        "payload": {
            "content": "Before I go on, I need a little more from you:\n- When?",  # as clarify says it
            "done": False,
            "resumeJobId": job_id_for("alice", request_id),
            "questions": [{"id": "when", "question": "When?", "choices": ["9:00", "18:00"]}],
        },
    }
    body = json.dumps(frame).encode()
    assert (
        httpx.post(
            f"{fake_hub.http}/internal/push", content=body, headers=signing.sign(PUSH_SECRET, body)
        ).status_code
        == 202
    )
    page.wait_for_selector("form.questions", timeout=10_000)
    asked = page.inner_text(f".message.assistant[data-correlation-id='{request_id}']")
    assert asked.count("When?") == 1 and "a little more from you" in asked  # the question once, in the form
    page.check("input[name=when][value='18:00']")
    page.click("form.questions button")
    done = page.wait_for_selector(
        f".message.assistant.done[data-correlation-id='{request_id}']", timeout=20_000
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "hub-chat-clarify.png"), full_page=True)
    assert "18:00" in done.query_selector(".markdown strong").inner_text()
    assert done.query_selector(".markdown table td").inner_text() == "Twitter"
    job = fake_windmill.jobs[job_id_for("alice", request_id)]
    assert job.resumed_with == [{"payload": {"answers": {"when": "18:00"}}, "approved": True}]
    assert page.js_errors == []  # type: ignore[attr-defined]


# ---------------------------------------------------------------- history, cancel, accessibility

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def chart_data_url() -> str:
    """A small real chart (PNG data URL), as the analytics answers carry them."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3.2, 1.8), dpi=100)
    ax.bar(["Mon", "Tue"], [120, 180], color="#1f5bc4")
    ax.set_title("Likes")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


RICH_ANSWER = (
    "# Weekly report\n\nEngagement rose **12 %**; see [the docs](https://example.org/docs).\n\n"
    "![Likes per day]({chart})\n\n"
    "| day | posts | likes |\n|---|---|---|\n| Mon | 3 | 120 |\n| Tue | 2 | 180 |\n\n"
    "```python\nprint('hello')\n```\n\n"
    '<a href="javascript:alert(1)" onclick="alert(2)">x</a><script>alert(3)</script>'
)


def screenshots_dir() -> Path:
    """Where the screenshots go (outside the repo): OA_SCREENSHOTS, else a folder in the temp dir."""
    folder = Path(os.environ.get("OA_SCREENSHOTS") or Path(tempfile.gettempdir()) / "openanalyst-chat")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_page(browser, url: str, viewport: dict[str, int] = DESKTOP, timezone_id: str | None = None):
    # timezone_id: the browser's own timezone (what Intl reports), as a person's machine sets it
    context = browser.new_context(viewport=viewport, **({"timezone_id": timezone_id} if timezone_id else {}))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    page.goto(url)
    return page


def axe_findings(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is (WCAG 2.x A and AA)."""
    if not AXE.exists():
        pytest.fail("node_modules/axe-core is missing: run ./scripts/setup")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def local_hub_settings(runtime: DevRuntime, store: Path, flow: str):
    return make_settings(
        backend="local",
        windmill_url=runtime.base_url,
        windmill_token=runtime.token,
        flow_path=flow,
        poll_interval_s=0.2,
        backend_timeout_s=10,
        store=str(store),
    )


def test_reload_and_another_device_keep_the_conversation(runtime: DevRuntime, chromium, tmp_path: Path):
    settings = local_hub_settings(runtime, tmp_path / "store.sqlite3", "f/hubtest/handle_request")
    with serve_in_thread(settings) as hub:
        runtime.set_variable("f/openanalyst/hub_url", hub.http)
        runtime.set_variable("f/openanalyst/hub_push_secret", PUSH_SECRET, is_secret=True)
        page = open_page(chromium, f"{hub.http}/#token={hub.token('alice')}")
        page.wait_for_selector("#status.online", timeout=10_000)
        page.fill("#input", SEED)
        page.press("#input", "Enter")
        page.wait_for_selector(".message.assistant.done", timeout=60_000)
        # The conversation is listed as soon as it starts.
        page.wait_for_selector("#conversations li", timeout=10_000)
        assert page.locator("#conversations li").count() == 1

        page.reload()
        page.wait_for_selector("#status.online", timeout=10_000)
        done = page.wait_for_selector(".message.assistant.done", timeout=10_000)
        assert page.inner_text(".message.user").endswith(SEED)
        assert done.query_selector(".markdown h3").inner_text() == "Draft ready"
        image = done.query_selector("img.report")  # the chart, kept beside the text
        assert image.evaluate("img => img.complete && img.naturalWidth") == 320
        assert page.inner_text("#conversations li button") == SEED
        assert page.get_attribute("#conversations li button", "aria-current") == "true"

        # A new conversation starts empty; the old one is one click away.
        page.click("#new-conversation")
        assert page.locator("#messages li").count() == 0
        page.click("#conversations li button")
        page.wait_for_selector(".message.assistant.done", timeout=10_000)

        # Another device: a fresh browser profile with the same person's token.
        other = open_page(chromium, f"{hub.http}/#token={hub.token('alice')}", PHONE)
        other.wait_for_selector("#status.online", timeout=10_000)
        assert other.locator("#messages li").count() == 0  # a new device starts a new conversation
        other.click("#menu")
        other.click("#conversations li button")
        other.wait_for_selector(".message.assistant.done .markdown h3", timeout=10_000)
        assert SEED in other.inner_text(".message.user")
        # Someone else sees nothing of it.
        bob = open_page(chromium, f"{hub.http}/#token={hub.token('bob')}")
        bob.wait_for_selector("#status.online", timeout=10_000)
        bob.wait_for_timeout(500)
        assert bob.locator("#conversations li").count() == 0
        assert page.js_errors == [] and other.js_errors == []


def test_a_message_sent_before_the_past_conversations_arrive_stays_listed(fake_hub: RunningHub, chromium):
    """A person who types at once must not see their conversation vanish from the list when the
    hub's (older) list of past conversations arrives after it (a CI run under load saw this)."""
    page = open_page(chromium, "about:blank")
    held: list[tuple[object, object]] = []

    def hold(route) -> None:  # the hub's real answer, handed to the page only later
        held.append((route, route.fetch()))

    page.route("**/api/conversations", hold)
    page.goto(f"{fake_hub.http}/#token={fake_hub.token('alice')}")
    page.wait_for_selector("#status.online", timeout=10_000)
    page.fill("#input", SEED)
    page.press("#input", "Enter")
    page.wait_for_selector("#conversations li", timeout=10_000)
    for _ in range(50):  # the page asks for the list once connected; wait until it has
        if held:
            break
        page.wait_for_timeout(100)
    route, response = held[0]
    assert response.json()["conversations"] == []  # the list as it was before the message
    route.fulfill(response=response)
    page.wait_for_selector(".message.assistant.done", timeout=20_000)
    assert page.inner_text("#conversations li button") == SEED
    assert page.get_attribute("#conversations li button", "aria-current") == "true"
    assert page.js_errors == []


def test_stop_cancels_the_run_in_the_dev_runtime(runtime: DevRuntime, chromium, tmp_path: Path):
    settings = local_hub_settings(runtime, tmp_path / "store.sqlite3", "f/hubtest/slow_request")
    with serve_in_thread(settings) as hub:
        page = open_page(chromium, f"{hub.http}/#token={hub.token('alice')}")
        page.wait_for_selector("#status.online", timeout=10_000)
        page.fill("#input", "work on this slowly")
        page.press("#input", "Enter")
        # The step's wmill.set_progress(20) is 10 % of the two-step flow.
        bar = page.wait_for_selector(".message.assistant .progress[aria-valuenow='10']", timeout=60_000)
        assert page.inner_text(".message.assistant .step") == "Working on it: step 1 of 2 (20%)"
        request_id = page.get_attribute(".message.assistant", "data-correlation-id")
        job_id = job_id_for("alice", request_id)
        assert runtime.get_job(job_id)["running"] is True
        assert bar.get_attribute("role") == "progressbar"
        page.focus(".message.assistant .stop")  # by keyboard: focus, then Enter
        page.keyboard.press("Enter")
        stopped = page.wait_for_selector(".message.assistant.stopped", timeout=30_000)
        assert "You stopped this request." in stopped.inner_text()
        job = runtime.get_job(job_id)
        assert job["type"] == "CompletedJob" and job["canceled"] is True and job["success"] is False
        page.reload()  # the stop is kept in the conversation too
        page.wait_for_selector(".message.assistant.stopped", timeout=10_000)
        assert page.js_errors == []


def test_accessibility_audit_and_screenshots(fake_hub: RunningHub, fake_windmill: FakeWindmill, chromium):
    rich = RICH_ANSWER.replace("{chart}", chart_data_url())
    fake_windmill.result_for = lambda args: answer_result(rich)
    shots = screenshots_dir()
    login = open_page(chromium, f"{fake_hub.http}/")
    login.wait_for_selector("#login:not([hidden])")
    assert login.is_hidden("#composer")  # nothing of the chat before signing in
    assert axe_findings(login) == []
    login.screenshot(path=str(shots / "login-desktop.png"))

    page = open_page(chromium, f"{fake_hub.http}/#token={fake_hub.token('alice')}")
    page.wait_for_selector("#status.online", timeout=10_000)
    assert page.get_attribute("#log", "role") == "log"
    assert page.evaluate("document.getElementById('input').labels[0].textContent") == "Message to OpenAnalyst"
    # Keyboard only: the message box has the focus once connected; the skip link leads back to
    # it; Enter sends.
    assert page.evaluate("document.activeElement.id") == "input"
    page.focus(".skip")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "input"
    page.keyboard.type("weekly report of my posts")
    page.keyboard.press("Enter")
    done = page.wait_for_selector(".message.assistant.done", timeout=20_000)
    assert done.query_selector(".markdown h2").inner_text() == "Weekly report"
    assert done.query_selector(".table-wrap table td").inner_text() == "Mon"
    assert done.query_selector(".code-wrap button.copy") is not None
    # The answer links to its run in Windmill's UI (the hub's WINDMILL_URL, backend windmill).
    job_id = job_id_for("alice", done.get_attribute("data-correlation-id"))
    run_link = done.query_selector(".meta a")
    assert run_link.get_attribute("href") == f"{BASE}/run/{job_id}?workspace=openanalyst"
    assert run_link.inner_text() == "run in Windmill"
    link = done.query_selector(".markdown a")
    assert link.get_attribute("target") == "_blank" and "noopener" in link.get_attribute("rel")
    # The sanitizer removed the script and the event handler.
    assert done.query_selector("script") is None
    assert done.query_selector("[onclick]") is None and done.query_selector("a[href^=javascript]") is None
    chart = done.query_selector("img.report[alt='Likes per day']")
    assert chart.evaluate("img => img.complete && img.naturalWidth") == 320
    # An offline answer says so, in words distinct from the connection status.
    assert page.is_visible("#model-badge") and page.inner_text("#model-badge") == "no model configured"
    assert page.inner_text("#status") == "connected as alice"
    assert "No model is configured" in page.inner_text("#model-hint")
    findings = axe_findings(page)
    assert findings == [], findings
    page.screenshot(path=str(shots / "chat-desktop.png"), full_page=True)

    phone = open_page(chromium, f"{fake_hub.http}/#token={fake_hub.token('alice')}", PHONE)
    phone.wait_for_selector("#status.online", timeout=10_000)
    phone.fill("#input", "weekly report of my posts")
    phone.click("#send")
    phone.wait_for_selector(".message.assistant.done", timeout=20_000)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways at phone width ({width} px)"
    assert phone.is_hidden("#sidebar")
    findings = axe_findings(phone)
    assert findings == [], findings
    phone.screenshot(path=str(shots / "chat-phone.png"), full_page=True)
    phone.click("#menu")
    assert phone.is_visible("#sidebar") and phone.get_attribute("#menu", "aria-expanded") == "true"
    phone.screenshot(path=str(shots / "chat-phone-menu.png"))
    assert page.js_errors == [] and phone.js_errors == []


def test_a_dropped_connection_resends_the_request_with_its_message_id(
    runtime: DevRuntime, chromium, tmp_path: Path
):
    settings = local_hub_settings(runtime, tmp_path / "store.sqlite3", "f/hubtest/handle_request")
    with serve_in_thread(settings) as hub:
        runtime.set_variable("f/openanalyst/hub_url", hub.http)
        runtime.set_variable("f/openanalyst/hub_push_secret", PUSH_SECRET, is_secret=True)
        context = chromium.new_context(viewport=DESKTOP)
        page = context.new_page()
        sent: list[dict] = []
        sockets: list[tuple[object, object]] = []

        def relay(ws) -> None:  # a proxy between the page and the hub, to drop the line at will
            server = ws.connect_to_server()
            sockets.append((ws, server))

            def from_page(message) -> None:
                sent.append(json.loads(message))
                server.send(message)

            ws.on_message(from_page)

        page.route_web_socket("**/ws", relay)
        page.goto(f"{hub.http}/#token={hub.token('alice')}")
        page.wait_for_selector("#status.online", timeout=10_000)
        page.fill("#input", SEED)
        page.press("#input", "Enter")
        page.wait_for_selector(".message.assistant.pending")
        first = next(f for f in sent if f["type"] == "USER_REQUEST")
        page_side, server_side = sockets[0]
        page_side.close(code=4000, reason="network dropped")  # the hub keeps the job running
        server_side.close()
        page.wait_for_selector("#status:text('not connected · retrying')", timeout=5_000)
        done = page.wait_for_selector(".message.assistant.done", timeout=60_000)
        resent = [f for f in sent if f["type"] == "USER_REQUEST"]
        assert len(sockets) >= 2 and len(resent) == 2
        assert resent[1]["messageId"] == first["messageId"] and resent[1]["payload"] == first["payload"]
        assert done.query_selector(".markdown h3").inner_text() == "Draft ready"
        assert page.locator(".message.assistant").count() == 1  # one answer, shown once
        job = runtime.get_job(job_id_for("alice", first["messageId"]))  # one job ran for both sends
        assert job["success"] is True
        context.close()


# ------------------------------------------------- issue 14: the real flow, offline, as a person does it

VISITS_CSV = (
    "date,visitors\n2026-11-02,1180\n2026-11-03,1324\n2026-11-04,1291\n2026-11-05,1502\n2026-11-06,902"
)
REGIONS_CSV = "region,sales\nNorth,48200\nSouth,35100\nEast,51900\nWest,29800\n"
WEEKDAY_FETCH = "every weekday at 7am fetch https://api.example.com/status.json and send me the result"
# What a person must never read in an answer (issue 14, "What a person sees").
INTERNALS = re.compile(r"\.py\b|f/openanalyst|\$steps|entities\.|Traceback|Error:|\{\s*\"")
PERSON_TZ = "Europe/Paris"


def person_store(runtime: DevRuntime) -> Path:
    """The store the handle_request jobs the hub starts (as the runtime's operator) open."""
    # As scripts/devruntime/executor.job_env: the environment's value first, else beside the runtime.
    return Path(os.environ.get("OPENANALYST_SQLITE_PATH") or runtime.server.settings.store_sqlite_path)


def ask(page, text: str, *, paste: str = "") -> object:
    """Type `text` in the message box (then paste `paste` below it by Ctrl+V), press Enter, and
    return the finished answer (the last assistant message)."""
    count = page.locator(".message.assistant").count()
    page.fill("#input", "")
    page.focus("#input")
    page.keyboard.type(text)
    if paste:
        page.evaluate("text => navigator.clipboard.writeText(text)", paste)
        page.keyboard.press("Shift+Enter")
        page.keyboard.press("Control+V")
        assert page.input_value("#input") == f"{text}\n{paste}"  # the paste landed in the box
    page.keyboard.press("Enter")
    answer = page.locator(".message.assistant").nth(count)
    answer.locator(":scope.done, :scope.failed, :scope.stopped").wait_for(timeout=60_000)
    assert "done" in (answer.get_attribute("class") or ""), answer.inner_text()
    return answer


def answer_text(answer) -> str:
    return answer.locator(".markdown").inner_text()


def assert_plain_words(answer) -> None:
    text = answer_text(answer)
    found = INTERNALS.search(text)
    assert found is None, f"internal name {found.group()!r} in the answer: {text!r}"


def assert_chart_beside_numbers(page, answer, numbers: tuple[str, ...]) -> None:
    assert answer.locator(".markdown img.report").count() >= 1, f"no chart: {answer_text(answer)!r}"
    chart = answer.locator(".markdown img.report").first
    chart.scroll_into_view_if_needed()  # the page loads images lazily
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=chart.element_handle())
    shown = chart.evaluate("img => [img.naturalWidth, img.getBoundingClientRect().width]")
    bubble = answer.evaluate("el => el.getBoundingClientRect().width")
    assert shown[0] >= 300 and 0 < shown[1] <= bubble, (shown, bubble)  # readable, inside its message
    text = answer_text(answer)
    assert any(n in text for n in numbers), f"none of {numbers} beside the chart: {text!r}"


def test_a_person_gets_a_chart_a_schedule_and_an_honest_reply_offline(
    runtime: DevRuntime, chromium, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Issue 14's must-show, through the chat page (apps/chat) served by the hub and the real
    f/openanalyst/handle_request flow on the dev runtime, with no model configured."""
    flow = runtime.client.get(f"{runtime.api}/flows/get/f/openanalyst/handle_request")
    if flow.status_code != 200:
        unavailable("the handle_request flow on the dev runtime", f"HTTP {flow.status_code}")
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)  # the jobs get the test's environment
    from f.openanalyst.lib.store.connect import open_store

    with open_store(sqlite_path=person_store(runtime)) as store:  # no timezone chosen yet (the default)
        store.register_user("alice")
        store.set_context("alice", timezone="UTC")
    shots = screenshots_dir()
    settings = local_hub_settings(runtime, tmp_path / "store.sqlite3", "f/openanalyst/handle_request")
    try:
        with serve_in_thread(settings) as hub:
            runtime.set_variable("f/openanalyst/hub_url", hub.http)
            runtime.set_variable("f/openanalyst/hub_push_secret", PUSH_SECRET, is_secret=True)
            # alice lives in Paris: her browser says so, and the chat page sends it with each request
            page = open_page(chromium, f"{hub.http}/#token={hub.token('alice')}", timezone_id=PERSON_TZ)
            assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == PERSON_TZ
            page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=hub.http)
            page.wait_for_selector("#status.online", timeout=10_000)
            a_person_asks_offline(page, runtime, shots)
            with open_store(sqlite_path=person_store(runtime)) as store:  # recorded as hers
                assert store.get_context("alice")["timezone"] == PERSON_TZ
    finally:
        with open_store(sqlite_path=person_store(runtime)) as store:
            store.set_context("alice", timezone="UTC")


def a_person_asks_offline(page, runtime: DevRuntime, shots: Path) -> None:
    # 1a. A CSV pasted (Ctrl+V) into the message box under the request.
    pasted = ask(page, "Make a chart of our website visitors:", paste=VISITS_CSV)
    assert "2026-11-05,1502" in page.locator(".message.user").last.inner_text()
    assert_chart_beside_numbers(page, pasted, ("1502", "1,502", "1180", "1,180"))
    assert_plain_words(pasted)
    assert "templates (no model)" in pasted.locator(".meta").inner_text()  # offline indeed
    assert page.inner_text("#model-badge") == "no model configured"
    page.screenshot(path=str(shots / "issue14-pasted-csv.png"))  # the chart as seen in the chat

    # 1b. A CSV file chosen through the "Attach a file" button.
    with page.expect_file_chooser() as chooser:
        page.click("#attach-label")
    chooser.value.set_files([{"name": "sales.csv", "mimeType": "text/csv", "buffer": REGIONS_CSV.encode()}])
    assert "sales.csv" in page.inner_text("#attachment")
    attached = ask(page, "Which region sold the most? The numbers are in the attached file.")
    assert page.is_hidden("#attachment")  # it went with that message, then was cleared
    assert "sales.csv" in page.locator(".message.user").last.inner_text()
    assert_chart_beside_numbers(page, attached, ("51900", "51,900"))
    assert "East" in answer_text(attached)
    assert_plain_words(attached)
    page.screenshot(path=str(shots / "issue14-attached-csv.png"))

    # 2. A recurring fetch: a script and a schedule in alice's folder, at 7:00 on weekdays her time.
    built = ask(page, WEEKDAY_FETCH)
    text = answer_text(built)
    scripts = re.findall(r"u/alice/scripts/\w+", text)
    schedules = re.findall(r"u/alice/schedules/\w+", text)
    assert scripts and schedules, text
    script = runtime.client.get(f"{runtime.api}/scripts/get/p/{scripts[0]}")
    assert script.status_code == 200, script.text
    assert "https://api.example.com/status.json" in script.text  # in its code or its arguments' defaults
    schedule = runtime.client.get(f"{runtime.api}/schedules/get/{schedules[0]}")
    assert schedule.status_code == 200, schedule.text
    schedule = schedule.json()
    assert schedule["schedule"] == "0 0 7 * * 1-5" and schedule["timezone"] == PERSON_TZ, schedule
    assert schedule["script_path"] == scripts[0] and schedule["enabled"] is True, schedule
    assert PERSON_TZ in text and ("weekday" in text or "Monday to Friday" in text), text
    assert_plain_words(built)

    # 3. A general-knowledge question: an honest reply that says what OpenAnalyst can do.
    honest = ask(page, "who wrote Moby-Dick?")
    text = answer_text(honest)
    assert "Melville" not in text, text  # with no model it does not know, and does not pretend to
    assert "post" in text and ("analys" in text or "chart" in text), text
    assert honest.locator(".markdown li").count() >= 2, text  # example requests to try
    assert re.search(r"[.!?\"”)]$", text.strip()), f"cut off: {text!r}"
    assert_plain_words(honest)

    # The log scrolls, not the page: nothing in the answers lengthens the page past the window.
    assert page.evaluate("document.documentElement.scrollHeight") <= DESKTOP["height"]
    page.screenshot(path=str(shots / "issue14-schedule-and-reply.png"))
    # The same conversation on a phone: the chart fits the screen.
    page.set_viewport_size(PHONE)
    chart = pasted.locator(".markdown img.report").first
    chart.scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert chart.evaluate("img => img.getBoundingClientRect().right") <= PHONE["width"]
    page.screenshot(path=str(shots / "issue14-phone-chart.png"))
    assert page.js_errors == []
