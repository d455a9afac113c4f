"""The chat page in headless Chromium (Debian `chromium`, never a downloaded browser)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from f.openanalyst.lib import signing
from hub.backend import job_id_for
from tests.hub.conftest import PUSH_SECRET, REPO, RunningHub, make_settings, serve_in_thread
from tests.hub.fake_windmill import SUSPEND, FakeWindmill, answer_result, default_stages, module
from tests.support.devruntime import DevRuntime
from tests.support.services import in_ci, unavailable

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts"
SEED = "Create a Twitter post about AI trends and schedule it for tomorrow"


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
        assert "SOCIAL_MEDIA" in done.query_selector(".meta").inner_text()
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
            "content": "When should it go out?",
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
