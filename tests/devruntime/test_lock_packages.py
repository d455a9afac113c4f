"""A fresh-interpreter job imports only what its script's lock pins, as on a Windmill worker.

A worker puts one folder per lock line on PYTHONPATH and nothing else
(https://github.com/windmill-labs/windmill/blob/main/backend/windmill-worker/src/python_executor.rs),
so a package another script needs is not importable, and an optional import that succeeds in the
project's environment fails there: httpx imports its command line (click, rich, pygments: ~80 ms a
job) only when click is installed, and no script lock here pins click.
"""

from __future__ import annotations

from pathlib import Path

from scripts.devruntime.lockenv import pins
from tests.support.devruntime import DevRuntime, start_dev_server

PROBE = """
import importlib.util
import sys

import httpx


def main() -> dict:
    return {
        "click": importlib.util.find_spec("click") is not None,
        "httpx_cli": "httpx._main" in sys.modules,
        "rich": "rich" in sys.modules,
        "httpx_from": httpx.__file__,
    }
"""


def _bundle(tmp_path: Path, lock: str | None) -> Path:
    root = tmp_path / "bundle"
    folder = root / "f" / "locktest"
    folder.mkdir(parents=True)
    (folder / "probe.py").write_text(PROBE, encoding="utf-8")
    if lock is not None:
        (folder / "probe.script.lock").write_text(lock, encoding="utf-8")
    return root


def _run(tmp_path: Path, lock: str | None) -> dict:
    server = start_dev_server(tmp_path, extra_roots=[_bundle(tmp_path, lock)], fork=False)
    try:
        runtime = DevRuntime(server)
        result = runtime.wait(runtime.run_script("f/locktest/probe", {}))
        runtime.client.close()
    finally:
        server.stop()
    return result


def test_a_fresh_job_sees_only_the_packages_its_lock_pins(tmp_path: Path) -> None:
    # httpx and what it needs, at the versions uv.lock installs (the respond step's lock pins them)
    respond_lock = Path("f/openanalyst/brain/respond.script.lock").read_text(encoding="utf-8")
    wanted = {"anyio", "certifi", "h11", "httpcore", "httpx", "idna", "sniffio", "typing-extensions"}
    lock = "# py: 3.11\n" + "".join(
        f"{name}=={version}\n" for name, version in pins(respond_lock) if name in wanted
    )
    result = _run(tmp_path, lock)
    assert result["click"] is False and result["httpx_cli"] is False and result["rich"] is False
    assert "site-packages" not in result["httpx_from"]  # from the lock's own folder


def test_a_script_without_a_lock_gets_the_whole_environment(tmp_path: Path) -> None:
    result = _run(tmp_path, None)
    assert result["click"] is True and result["httpx_cli"] is True
