"""`scripts/skills.py`: validate, route (one request and --stdin), compile --check."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "data" / "routing" / "corpora"
CMD = [sys.executable, str(ROOT / "scripts" / "skills.py")]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CMD, *args], input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=240)


@pytest.mark.parametrize(
    "corpus",
    ["anthropics-skills", "composio-awesome-claude-skills", "obra-superpowers", "openai-skills", "pai"],
)
def test_validate_every_public_corpus_never_crashes(corpus: str) -> None:
    out = run("validate", str(CORPUS / corpus))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split()[:3] == ["status", "name", "path"]
    rows = [line for line in lines[1:] if line.split()[:1] in (["ok"], ["warning"], ["skipped"])]
    assert len(rows) == len(list((CORPUS / corpus).rglob("SKILL.md")))
    assert "Traceback" not in out.stderr


def test_validate_reports_skips_with_reasons(tmp_path: Path) -> None:
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "SKILL.md").write_text("---\nname: good\ndescription: Does good things.\n---\n")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "SKILL.md").write_text("---\nname: bad\n---\nno description\n")
    out = run("validate", str(tmp_path))
    assert out.returncode == 0
    assert any(
        line.startswith("skipped") and "missing description" in line for line in out.stdout.splitlines()
    )
    assert run("validate", "--strict", str(tmp_path)).returncode == 1
    assert run("validate", str(tmp_path / "nope")).returncode == 2


def test_route_prints_the_match_as_json() -> None:
    out = run("route", "--skills-dir", str(ROOT / "skills"), "--bm25", "Draft a tweet about our launch")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) == {"skill", "confidence", "alternatives"}
    assert data["skill"] == "SOCIAL_MEDIA" and 0 < data["confidence"] <= 1
    assert all(set(a) == {"skill", "confidence"} for a in data["alternatives"])


def test_route_stdin_one_line_out_per_line_in() -> None:
    lines = [
        {"request": "make me a GIF of a dancing taco for Slack"},
        {"request": "what's the weather in Paris tomorrow"},
        "not json",
        {"request": "/webapp-testing check the login page"},
    ]
    stdin = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n"
    out = run("route", "--skills-dir", str(CORPUS / "anthropics-skills"), "--stdin", stdin=stdin)
    assert out.returncode == 0, out.stderr
    results = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(results) == 4
    assert results[0]["skill"] == "slack-gif-creator"
    assert results[1]["skill"] is None
    assert results[2]["skill"] is None and "error" in results[2]
    assert results[3] == {"skill": "webapp-testing", "confidence": 1.0, "alternatives": []}


def test_names_come_from_frontmatter_else_folder(tmp_path: Path) -> None:
    (tmp_path / "folder-name").mkdir()
    (tmp_path / "folder-name" / "SKILL.md").write_text(
        "---\ndescription: Bake sourdough bread at home.\n---\n"
    )
    (tmp_path / "video-downloader").mkdir()
    (tmp_path / "video-downloader" / "SKILL.md").write_text(
        "---\nname: youtube-downloader\ndescription: Download YouTube videos as mp4 or mp3.\n---\n"
    )
    stdin = (
        json.dumps({"request": "bake sourdough bread"})
        + "\n"
        + json.dumps({"request": "download a youtube video"})
    )
    out = run("route", "--skills-dir", str(tmp_path), "--bm25", "--stdin", stdin=stdin)
    assert [json.loads(line)["skill"] for line in out.stdout.splitlines()] == [
        "folder-name",
        "youtube-downloader",
    ]


def test_compile_check_passes_on_the_repo() -> None:
    out = run("compile", "--check")
    assert out.returncode == 0, out.stdout + out.stderr
