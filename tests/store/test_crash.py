"""A process killed in the middle of a write loses nothing already committed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from f.openanalyst.lib.store.base import Store
from tests.store.test_store import entry

ROOT = Path(__file__).resolve().parents[2]


def test_a_write_killed_midway_leaves_the_committed_history_intact(
    db_config: dict[str, Any], open_db: Callable[..., Store]
) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.store.crash_writer", json.dumps(db_config)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None
        lines = [writer.stdout.readline().strip() for _ in range(2)]
        assert lines == ["committed", "mid-write"], (
            lines,
            writer.stderr.read() if writer.poll() is not None else "",
        )
        writer.send_signal(signal.SIGKILL)
        assert writer.wait(timeout=30) == -signal.SIGKILL
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()

    store = open_db()  # reopening runs the start-up path (migrations) on the crashed database
    counts = store.counts("alice")
    assert (counts["tasks"], counts["successes"], counts["learnings"], counts["messages"]) == (1, 1, 1, 2)
    assert [t["message_id"] for t in store.recent_tasks("alice")] == ["m1"]
    assert [lrn["content"] for lrn in store.relevant_learnings("alice", "twitter")] == ["kept"]
    with store.transaction("alice", write=False) as tx:
        session = tx.one("SELECT task_count, success_count FROM sessions WHERE user_id = ?", ("alice",))
    assert session == {"task_count": 1, "success_count": 1}
    if store.backend == "sqlite":
        with store.transaction("alice", write=False) as tx:
            assert tx.one("PRAGMA integrity_check") == {"integrity_check": "ok"}
    store.record_history("alice", entry("m2"))  # the interrupted request can be recorded again
    assert store.counts("alice")["tasks"] == 2
