"""The lenient SKILL.md loader: every oddity of a real SKILL.md loads or is skipped with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from f.openanalyst.lib.skills.loader import load_skill, load_skills_dir, use_when_triggers

CORPUS = Path(__file__).resolve().parents[1] / "data" / "routing" / "corpora"
GOOD = "---\nname: {name}\ndescription: Draft posts. Use when asked for a tweet.\n---\n\n# Body\n\nText.\n"


def write(tmp_path: Path, text: str | bytes, folder: str = "my-skill") -> Path:
    path = tmp_path / folder / "SKILL.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_plain_skill_loads_without_warnings(tmp_path: Path) -> None:
    result = load_skill(write(tmp_path, GOOD.format(name="my-skill")))
    assert result.status == "ok"
    assert result.skill is not None
    assert result.skill.name == "my-skill"
    assert result.skill.description == "Draft posts. Use when asked for a tweet."
    assert result.skill.body.startswith("# Body")


def test_utf8_bom_is_not_fatal(tmp_path: Path) -> None:
    result = load_skill(write(tmp_path, b"\xef\xbb\xbf" + GOOD.format(name="my-skill").encode()))
    assert result.skill is not None and result.skill.name == "my-skill"
    assert result.warnings == []


def test_html_comment_before_frontmatter_is_recovered_with_warning(tmp_path: Path) -> None:
    text = "<!-- generated, do not edit -->\n" + GOOD.format(name="my-skill")
    result = load_skill(write(tmp_path, text))
    assert result.skill is not None
    assert result.skill.description.startswith("Draft posts")
    assert any("not at start" in w for w in result.warnings)
    assert "<!--" not in result.skill.body


def test_missing_closing_delimiter_is_recovered_with_warning(tmp_path: Path) -> None:
    text = "---\nname: my-skill\ndescription: Draft posts for social media\n\n# Heading\n\nBody text.\n"
    result = load_skill(write(tmp_path, text))
    assert result.skill is not None
    assert result.skill.description == "Draft posts for social media"
    assert any("no closing" in w for w in result.warnings)
    assert result.skill.body.startswith("# Heading")


def test_unclosed_block_followed_by_markdown_rule_is_not_misparsed(tmp_path: Path) -> None:
    text = "---\nname: my-skill\ndescription: Draft posts\n\n# Title\n\nSome paragraph: a colon.\n---\nMore\n"
    result = load_skill(write(tmp_path, text))
    assert result.skill is not None
    assert result.skill.description == "Draft posts"
    assert "Title" in result.skill.body


@pytest.mark.parametrize(
    ("front", "reason"),
    [("- a\n- b", "a list"), ("just a string", "a str"), ("", "empty")],
)
def test_list_scalar_or_empty_frontmatter_is_skipped_with_reason(
    tmp_path: Path, front: str, reason: str
) -> None:
    result = load_skill(write(tmp_path, f"---\n{front}\n---\n\nBody\n"))
    assert result.skill is None
    assert result.status == "skipped"
    assert any(reason in w for w in result.warnings), result.warnings


@pytest.mark.parametrize("key", ["content", "handler"])
def test_reserved_keys_do_not_raise(tmp_path: Path, key: str) -> None:
    text = f"---\nname: my-skill\ndescription: Draft posts\n{key}: something\n---\nBody\n"
    result = load_skill(write(tmp_path, text))
    assert result.skill is not None
    assert result.skill.meta[key] == "something"
    assert any(key in w for w in result.warnings)  # reported as a non-spec key


def test_non_string_keys_are_reported_not_fatal(tmp_path: Path) -> None:
    text = "---\nname: my-skill\ndescription: Draft posts\n1: one\ntrue: yes\n---\nBody\n"
    result = load_skill(write(tmp_path, text))
    assert result.skill is not None
    assert any("non-string keys" in w for w in result.warnings)


def test_unquoted_colon_in_description_is_repaired(tmp_path: Path) -> None:
    text = "---\nname: my-skill\ndescription: Use when: the person asks for a post\n---\nBody\n"
    result = load_skill(write(tmp_path, text))
    assert result.skill is not None
    assert result.skill.description == "Use when: the person asks for a post"


@pytest.mark.parametrize(
    "front",
    [
        "name: my-skill\ndescription: [unclosed, list\n",
        "name: my-skill\n\tdescription: tab indented\n",
        "name: !!python/object:os.system rm\ndescription: evil\n",
    ],
)
def test_unparseable_yaml_is_skipped_with_reason(tmp_path: Path, front: str) -> None:
    result = load_skill(write(tmp_path, f"---\n{front}---\nBody\n"))
    assert result.skill is None
    assert any("unparseable" in w for w in result.warnings), result.warnings


@pytest.mark.parametrize("desc", ["", "description:", 'description: ""', "description: '   '"])
def test_missing_or_empty_description_is_skipped(tmp_path: Path, desc: str) -> None:
    result = load_skill(write(tmp_path, f"---\nname: my-skill\n{desc}\n---\nBody\n"))
    assert result.skill is None
    assert any("missing description" in w for w in result.warnings)


def test_no_frontmatter_at_all_is_skipped(tmp_path: Path) -> None:
    result = load_skill(write(tmp_path, "# Just markdown\n\nNo metadata here.\n"))
    assert result.skill is None
    assert any("no frontmatter" in w for w in result.warnings)


def test_binary_garbage_and_empty_files_never_crash(tmp_path: Path) -> None:
    assert load_skill(write(tmp_path, bytes(range(256)) * 4, "bin")).skill is None
    assert load_skill(write(tmp_path, b"", "empty")).skill is None
    assert load_skill(tmp_path / "absent" / "SKILL.md").skill is None


def test_name_rules_are_warnings(tmp_path: Path) -> None:
    mismatch = load_skill(write(tmp_path, GOOD.format(name="other-name"), "folder-name"))
    assert mismatch.skill is not None and mismatch.skill.name == "other-name"
    assert any("!= directory" in w for w in mismatch.warnings)
    title = load_skill(write(tmp_path, GOOD.format(name="TitleCase"), "TitleCase"))
    assert title.skill is not None and any("spec rules" in w for w in title.warnings)
    seed = load_skill(write(tmp_path, GOOD.format(name="SOCIAL_MEDIA"), "SOCIAL_MEDIA"))
    assert seed.status == "ok"  # the seed's own folder convention


def test_missing_or_non_string_name_falls_back_to_folder(tmp_path: Path) -> None:
    absent = load_skill(write(tmp_path, "---\ndescription: Draft posts\n---\n", "from-folder"))
    assert absent.skill is not None and absent.skill.name == "from-folder"
    yes = load_skill(write(tmp_path, "---\nname: yes\ndescription: Draft posts\n---\n", "yes-skill"))
    assert yes.skill is not None and yes.skill.name == "yes-skill"
    assert any("bool" in w for w in yes.warnings)


def test_long_description_warns(tmp_path: Path) -> None:
    text = f"---\nname: my-skill\ndescription: {'word ' * 300}\n---\n"
    result = load_skill(write(tmp_path, text))
    assert result.skill is not None and any("> 1024" in w for w in result.warnings)


def test_seed_fields_and_triggers(tmp_path: Path) -> None:
    text = (
        "---\nname: my-skill\n"
        "description: Posts. USE WHEN tweet, linkedin post OR schedule post. More text.\n"
        "triggers: post, social media\nplatforms: [Twitter, linkedin]\n"
        "requires_windmill: true\npriority: high\n---\n"
    )
    result = load_skill(write(tmp_path, text))
    skill = result.skill
    assert skill is not None
    assert skill.triggers == ["post", "social media", "tweet", "linkedin post", "schedule post"]
    assert skill.platforms == ["twitter", "linkedin"]
    assert skill.requires_windmill is True
    assert skill.priority == 0 and any("priority" in w for w in result.warnings)


def test_use_when_clause_parsing() -> None:
    text = "Does X. USE WHEN alpha, b thing OR gamma. NOT for d."
    assert use_when_triggers(text) == ["alpha", "b thing", "gamma"]
    assert use_when_triggers("No clause here.") == []


def test_progressive_disclosure_reads_tiers_on_demand(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.format(name="my-skill"))
    (path.parent / "workflows").mkdir()
    (path.parent / "workflows" / "go.md").write_text("---\nname: go\nsteps: []\n---\nGo.\n")
    (path.parent / "prompts").mkdir()
    (path.parent / "prompts" / "system.md").write_text("You are helpful.\n")
    skill = load_skill(path).skill
    assert skill is not None
    assert {"body", "workflows", "prompts", "system_prompt"}.isdisjoint(vars(skill))  # nothing loaded yet
    # Changes on disk before first use are what the skill then shows: the tiers really load lazily.
    path.write_text(GOOD.format(name="my-skill").replace("Text.", "Edited."), encoding="utf-8")
    assert "Edited." in skill.body
    assert set(skill.workflows) == {"go"}
    assert skill.system_prompt == "You are helpful."


def test_scripts_from_frontmatter_or_body_section(tmp_path: Path) -> None:
    path = "`f/openanalyst/social/create_post`"
    body = f"## Windmill Scripts\n- {path} - x\n- {path}\n"
    skill = load_skill(write(tmp_path, GOOD.format(name="my-skill") + body)).skill
    assert skill is not None and skill.scripts == ["f/openanalyst/social/create_post"]
    declared = "---\nname: b\ndescription: d\nscripts: [f/openanalyst/a/b]\n---\n" + body
    skill2 = load_skill(write(tmp_path, declared, "b")).skill
    assert skill2 is not None and skill2.scripts == ["f/openanalyst/a/b"]


def test_duplicate_names_in_a_directory_keep_the_first(tmp_path: Path) -> None:
    write(tmp_path, GOOD.format(name="same"), "a")
    write(tmp_path, GOOD.format(name="same"), "b")
    skills, results = load_skills_dir(tmp_path)
    assert [s.name for s in skills] == ["same"]
    assert results[1].skill is None and "duplicate" in results[1].warnings[-1]


def test_value_round_trip(tmp_path: Path) -> None:
    from f.openanalyst.lib.skills.loader import Skill

    skill = load_skill(write(tmp_path, GOOD.format(name="my-skill"))).skill
    assert skill is not None
    again = Skill.from_value(skill.to_value(), source="custom", owner="alice")
    assert again.to_value() == {**skill.to_value(), "source": "custom"}


def test_whole_public_corpus_loads_with_the_expected_warnings() -> None:
    loaded: dict[str, list[str]] = {}
    for corpus in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        _, results = load_skills_dir(corpus)
        for r in results:
            assert r.skill is not None, (r.path, r.warnings)
            loaded[f"{corpus.name}/{r.path.parent.name}"] = r.warnings
    assert len(loaded) == 72
    assert any("!= directory" in w for w in loaded["composio-awesome-claude-skills/video-downloader"])
    assert any("not at start" in w for w in loaded["pai/PAI"])
    assert any("> 1024" in w for w in loaded["pai/Utilities"])
    assert any("> 1024" in w for w in loaded["anthropics-skills/claude-api"])
    assert loaded["obra-superpowers/brainstorming"] == []
