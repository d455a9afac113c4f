"""Compiled Windmill resources stay in sync with skills/, and match the resource type."""

from __future__ import annotations

from pathlib import Path

import yaml

from f.openanalyst.lib.skills.loader import Skill, load_skills_dir
from scripts.skills import RESOURCE_DIR, RESOURCE_TYPE_FILE, compile_drift, compiled_files, resource_name

ROOT = Path(__file__).resolve().parents[2]


def test_compiled_resources_are_up_to_date() -> None:
    problems = compile_drift()
    assert problems == [], "run `uv run scripts/skills.py compile`: " + "; ".join(problems)


def test_drift_is_detected(tmp_path: Path) -> None:
    files = compiled_files()
    target = RESOURCE_DIR / "social_media.resource.yaml"
    assert target in files
    # Editing a SKILL.md changes what compile writes: the drift check compares content, not names.
    src = tmp_path / "SOCIAL_MEDIA"
    src.mkdir()
    original = (ROOT / "skills" / "SOCIAL_MEDIA" / "SKILL.md").read_text()
    (src / "SKILL.md").write_text(original.replace("Write, schedule", "Draft, schedule"))
    edited = compiled_files(tmp_path)
    assert edited[target] != files[target]


def test_every_shipped_skill_has_a_resource_matching_the_type() -> None:
    rtype = yaml.safe_load(RESOURCE_TYPE_FILE.read_text())
    props = rtype["schema"]["properties"]
    skills, results = load_skills_dir(ROOT / "skills")
    assert {s.name for s in skills} == {"CORE", "SOCIAL_MEDIA", "ANALYTICS", "WORKFLOW_BUILDER"}
    assert all(r.status == "ok" for r in results), [(r.path, r.warnings) for r in results]
    for skill in skills:
        doc = yaml.safe_load((RESOURCE_DIR / f"{resource_name(skill.name)}.resource.yaml").read_text())
        assert doc["resource_type"] == "openanalyst_skill"
        value = doc["value"]
        assert set(value) <= set(props), set(value) - set(props)
        assert set(rtype["schema"]["required"]) <= set(value)
        # What a worker rebuilds from the resource is the skill the repo defines.
        again = Skill.from_value(value)
        assert again.scripts == skill.scripts and again.workflows == skill.workflows
        assert again.system_prompt == skill.system_prompt and again.body == skill.body
        assert all(p.startswith("f/openanalyst/") for p in again.scripts)
    core = yaml.safe_load((RESOURCE_DIR / "core.resource.yaml").read_text())["value"]
    assert core["requires_windmill"] is False and core["scripts"] == []


def test_shipped_skills_allow_only_scripts_that_exist() -> None:
    skills, _ = load_skills_dir(ROOT / "skills")
    for skill in skills:
        for path in skill.scripts:
            assert (ROOT / f"{path}.py").exists(), f"{skill.name} allows {path}, which is not in the bundle"
            assert (ROOT / f"{path}.script.yaml").exists()
