"""User ids and paths: every path of a person's is built in one place and cannot escape it."""

from __future__ import annotations

import pytest

from f.openanalyst.lib.users import (
    InvalidPath,
    InvalidUserId,
    is_in_user_space,
    owner_of,
    user_path,
    validate_user_id,
)


def test_user_path_builds_under_the_person_folder() -> None:
    assert user_path("user_123", "schedules", "post_1") == "u/user_123/schedules/post_1"
    assert user_path("alice", "apps", "reports/q3") == "u/alice/apps/reports/q3"


@pytest.mark.parametrize(
    "user_id", ["", "Alice", "../bob", "bob/x", "1abc", "a" * 49, "ålice", "bob\n", None, 42, "u/bob"]
)
def test_bad_user_ids_are_refused(user_id: object) -> None:
    with pytest.raises(InvalidUserId):
        validate_user_id(user_id)


@pytest.mark.parametrize(
    "name",
    ["../other", "..", "/etc/passwd", "a//b", "x/../../u/bob/s", "ﬁle", "Caps", "a" * 65, "a/b/c/d/e", ""],
)
def test_path_attacks_are_refused(name: str) -> None:
    with pytest.raises(InvalidPath):
        user_path("alice", "scripts", name)


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(InvalidPath):
        user_path("alice", "secrets", "x")


def test_ownership_checks() -> None:
    assert owner_of("u/alice/scripts/x") == "alice"
    assert owner_of("f/openanalyst/social/create_post") is None
    assert is_in_user_space("u/alice/scripts/x", "alice")
    assert not is_in_user_space("u/bob/scripts/x", "alice")
    assert not is_in_user_space("u/alice/../bob/x", "alice")
