"""Where the key, base URL and model ids come from (Windmill first, then environment)."""

from __future__ import annotations

import httpx

import f.openanalyst.lib.ai.llm as llm

WM = "http://windmill.test"
API = f"{WM}/api/w/openanalyst"


def test_windmill_resource_and_variables_win_over_the_environment(monkeypatch, no_windmill, respx_mock):
    monkeypatch.setenv("BASE_INTERNAL_URL", WM)
    monkeypatch.setenv("WM_TOKEN", "wm-token")
    monkeypatch.setenv("WM_WORKSPACE", "openanalyst")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-env")
    monkeypatch.setenv("OPENANALYST_PLANNER_MODEL", "env-model")
    monkeypatch.setattr("wmill.client._client", None, raising=False)
    respx_mock.get(f"{API}/resources/get_value_interpolated/f/openanalyst/anthropic").mock(
        return_value=httpx.Response(
            200, json={"apiKey": "sk-ant-windmill", "baseUrl": "https://proxy.internal"}
        )
    )
    respx_mock.get(f"{API}/variables/get_value/f/openanalyst/planner_model").mock(
        return_value=httpx.Response(200, json="claude-sonnet-5-5")
    )
    respx_mock.get(f"{API}/variables/get_value/f/openanalyst/judge_model").mock(
        return_value=httpx.Response(200, json="claude-haiku-5-5")
    )
    respx_mock.get(f"{API}/variables/get_value/f/openanalyst/researcher_model").mock(
        return_value=httpx.Response(404, text="variable not found")
    )
    config = llm.load_config()
    assert config.api_key == "sk-ant-windmill" and config.base_url == "https://proxy.internal"
    assert (
        config.model_id("planner") == "claude-sonnet-5-5" and config.model_id("judge") == "claude-haiku-5-5"
    )
    assert config.model_id("researcher") == "claude-sonnet-5-5"  # unset: the planner's id
    assert config.online and config.label() == "claude-sonnet-5-5"


def test_no_key_or_no_model_id_means_offline_with_the_reason(offline_env, monkeypatch):
    config = llm.load_config()
    assert not config.online and config.label() == "offline" and "no API key" in config.reason
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-x")
    config = llm.load_config()
    assert not config.online and "no planner model id" in config.reason  # never a built-in default
    monkeypatch.setenv("OPENANALYST_PLANNER_MODEL", "claude-sonnet-5-5")
    assert llm.load_config().online
    monkeypatch.setenv("OPENANALYST_OFFLINE", "1")
    assert not llm.load_config().online


def test_claude_is_configured_for_caching_retries_and_the_base_url(model_env, monkeypatch):
    monkeypatch.setenv("OPENANALYST_ANTHROPIC_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("OPENANALYST_MODEL_MAX_RETRIES", "4")
    import f.openanalyst.lib.ai.agents as agents  # agno: only the steps that call a model import it

    model = agents.claude(llm.load_config(), "judge", ["skill context"])
    assert model.id == "claude-haiku-5-5" and model.cache_system_prompt is True
    assert model.client_params == {"max_retries": 4, "base_url": "http://127.0.0.1:9"}
    assert [b.text for b in model.system_prompt_blocks] == ["skill context"] and model.system_prompt_blocks[
        0
    ].cache


def test_every_model_client_in_a_step_shares_one_http_client_and_tls_context(model_env, monkeypatch):
    # Each Anthropic() made its own HTTP client, loading the CA bundle again (20-50 ms of CPU): the
    # agents and the writer of one step now share one per base URL, on the process's TLS context;
    # a plain-http base URL (a gateway inside the network) trusts no certificate at all.
    import anthropic

    import f.openanalyst.lib.ai.agents as agents
    import f.openanalyst.lib.ai.transport as transport
    import f.openanalyst.lib.windmill.rest as windmill_rest

    monkeypatch.setenv("OPENANALYST_ANTHROPIC_BASE_URL", "http://127.0.0.1:9")
    config = llm.load_config()
    planner, judge = agents.claude(config, "planner"), agents.claude(config, "judge")
    assert planner.http_client is judge.http_client is transport.http_client("http://127.0.0.1:9")
    assert isinstance(planner.http_client, anthropic.DefaultHttpxClient)
    assert transport.http_client("https://api.anthropic.com") is not planner.http_client
    plain = windmill_rest.tls("http://127.0.0.1:9")
    assert plain.cert_store_stats()["x509_ca"] == 0
    assert windmill_rest.tls("https://api.anthropic.com").cert_store_stats()["x509_ca"] > 0


def test_usage_sums_steps():
    total = llm.total_usage([{"calls": 1, "input": 10, "cache_read": 5}, None, {"calls": 2, "output": 7}])
    assert total.as_dict() == {
        "calls": 3,
        "input": 10,
        "output": 7,
        "cache_read": 5,
        "cache_write": 0,
        "web_searches": 0,
    }
