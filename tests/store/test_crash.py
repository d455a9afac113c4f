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


def test_opening_the_store_again_keeps_what_another_connection_writes(tmp_path: Path) -> None:
    """A second store opened on the same file in the same process (the hub's threads, a test's)
    must not drop the first one's locks: closing any descriptor of a file drops all the process's
    POSIX locks on it, so another process closing its connection took itself for the last one,
    checkpointed and deleted the write-ahead log the first connection still wrote to, and those
    writes were lost (https://www.sqlite.org/howtocorrupt.html, section 2.2)."""
    from f.openanalyst.lib.store.connect import open_store

    def in_another_process(code: str) -> str:
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\n" + code,
                str(path),
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    path = tmp_path / "store.sqlite3"
    holder = open_store(sqlite_path=path)
    holder.register_user("alice")
    open_store(sqlite_path=path).close()  # another connection of this process, opened and closed
    in_another_process("c.execute('SELECT COUNT(*) FROM users').fetchone(); c.close()")  # a job ends
    holder.register_user("bob")
    counted = in_another_process("print(c.execute('SELECT COUNT(*) FROM users').fetchone()[0])")
    holder.close()
    assert counted == "2"
