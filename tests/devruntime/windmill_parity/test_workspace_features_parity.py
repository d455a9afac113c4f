"""backend/tests/folder_default_permissioned_as.rs and backend/tests/error_handler.rs on the dev runtime.

Both test workspace features the dev runtime does not have: folder `default_permissioned_as`
rules (who an item deployed in a folder by an admin or a `wm_deployers` member runs as) and the
workspace error handler (a script Windmill runs after any failed job; Enterprise). The bundle
uses neither. Each Windmill block is listed below; the dev runtime refuses the request that
would set the feature up, with an error naming it (never a silently different behaviour), and
answers the two rule validations that its REST spec check catches as Windmill does (400).
Read at catalogue.COMMITS["folder_default_permissioned_as.rs"] and ["error_handler.rs"].
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.devruntime import DevRuntime

FOLDER = "fdp_prodfolder"
REFUSAL = "not supported by the dev runtime"

# folder_default_permissioned_as.rs, test_folder_default_permissioned_as: its numbered blocks.
FOLDER_BLOCKS_NOT_IMPLEMENTED = [
    "1. invalid glob -> 400 'path_glob is not a valid glob'",
    "1. invalid permissioned_as format -> 400",
    "2. valid rules round-trip through folders/get",
    "4a. schedule, admin, matching path -> folder default",
    "4b. schedule, first matching rule wins",
    "4c. schedule, non-matching path -> acting user",
    "4d. schedule, wm_deployers member -> folder default, edited_by acting user",
    "4e. schedule, regular user -> never the folder default",
    "4f. schedule, explicit preserve_permissioned_as beats the default",
    "4g. schedule update never rewrites permissioned_as",
    "5a. flow, matching path -> on_behalf_of group",
    "5b. flow, rule naming an email -> that user",
    "5c. flow, non-matching path -> no on_behalf_of",
    "5d. flow outside any folder -> untouched",
    "6a. new script at a matching path -> folder default",
    "7a. app policy.on_behalf_of -> folder default",
    "7b. app, non-matching path -> acting user",
    "7c. app, regular user -> acting user",
    "8. stale rule (u/ghost) -> 400 on a matching create",
    "8. stale rule, non-matching path still creates",
    "9. rules cleared with [] -> acting user again",
]
ERROR_HANDLER_NOT_IMPLEMENTED = [
    "test_error_handler_settings",
    "test_error_handler_triggered_on_failure",
    "test_error_handler_muted_on_script",
    "test_error_handler_not_triggered_on_success",
    "test_error_handler_triggered_on_hub_script_failure",
]


@pytest.fixture
def folder(dev_runtime: DevRuntime) -> str:
    api, client = dev_runtime.api, dev_runtime.client
    if not client.get(f"{api}/folders/exists/{FOLDER}").json():
        r = client.post(f"{api}/folders/create", json={"name": FOLDER, "extra_perms": {"u/admin": True}})
        assert r.status_code == 200, r.text
    return f"{api}/folders/update/{FOLDER}"


@pytest.mark.parametrize(
    "rules",
    [{"not": "an array"}, [{"path_glob": "**"}]],
    ids=["1. non-array -> 400", "1. missing permissioned_as -> 400"],
)
def test_rule_validation_the_spec_catches(dev_runtime: DevRuntime, folder: str, rules: Any) -> None:
    r = dev_runtime.client.post(folder, json={"default_permissioned_as": rules})
    assert r.status_code == 400, r.text


@pytest.mark.parametrize(
    "rules",
    [
        [{"path_glob": "[unclosed", "permissioned_as": "u/original-user"}],
        [{"path_glob": "**", "permissioned_as": "bogus"}],
        [
            {"path_glob": "jobs/critical/**", "permissioned_as": "u/original-user"},
            {"path_glob": "jobs/**", "permissioned_as": "g/wm_deployers"},
            {"path_glob": "reports/*", "permissioned_as": "original@windmill.dev"},
        ],
        [],
    ],
    ids=["invalid glob", "invalid permissioned_as", "valid rules (blocks 2-8)", "cleared rules (block 9)"],
)
def test_folder_default_permissioned_as_is_refused_naming_the_feature(
    dev_runtime: DevRuntime, folder: str, rules: list[dict[str, str]]
) -> None:
    r = dev_runtime.client.post(folder, json={"default_permissioned_as": rules})
    assert r.status_code == 501 and "default_permissioned_as" in r.text and REFUSAL in r.text, r.text
    got = dev_runtime.client.get(f"{dev_runtime.api}/folders/get/{FOLDER}").json()
    assert "default_permissioned_as" not in got  # nothing half-applied


def test_a_folder_update_without_rules_still_works(dev_runtime: DevRuntime, folder: str) -> None:
    r = dev_runtime.client.post(folder, json={"summary": "prod", "extra_perms": {"u/admin": True}})
    assert r.status_code == 200, r.text
    assert dev_runtime.client.get(f"{dev_runtime.api}/folders/get/{FOLDER}").json()["summary"] == "prod"


def test_the_workspace_error_handler_is_refused_naming_the_feature(dev_runtime: DevRuntime) -> None:
    # error_handler.rs test_error_handler_settings's value, through the API instead of SQL
    body = {
        "path": "script/f/test/error_handler",
        "extra_args": {"notify": True},
        "muted_on_cancel": True,
        "muted_on_user_path": False,
    }
    r = dev_runtime.client.post(f"{dev_runtime.api}/workspaces/edit_error_handler", json=body)
    assert r.status_code == 501 and "workspace error handler" in r.text and REFUSAL in r.text, r.text


def test_the_not_implemented_blocks_are_listed() -> None:
    # The README's parity table counts these; keep both in step.
    assert len(FOLDER_BLOCKS_NOT_IMPLEMENTED) == 21
    assert len(ERROR_HANDLER_NOT_IMPLEMENTED) == 5
