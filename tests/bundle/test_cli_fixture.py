"""Without the pinned windmill-cli, its tests are skipped with a hint outside CI and fail in CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import require_wmill


@pytest.fixture
def no_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENANALYST_WMILL_BIN", str(tmp_path / "no-wmill"))


def test_missing_cli_skips_outside_ci(no_cli: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"run \./scripts/setup"):
        require_wmill()


def test_missing_cli_fails_in_ci(no_cli: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true: required"):
        require_wmill()
