"""Routing: explicit mentions, the hybrid score, abstention, priority, per-person custom skills."""

from __future__ import annotations

import subprocess
import sys

import pytest

from f.openanalyst.lib.skills.router import SkillRegistry
from tests.skills.conftest import make_skill

MODES = [pytest.param(False, id="bm25"), pytest.param(None, id="hybrid")]


@pytest.mark.parametrize("use_embeddings", MODES)
def test_routes_to_the_obvious_skill(small_skills, use_embeddings) -> None:
    reg = SkillRegistry(small_skills, use_embeddings=use_embeddings)
    assert reg.route("draft a tweet about our new office").skill == "social-posts"
    assert reg.route("make a chart of last quarter's sales").skill == "sales-report"
    match = reg.route("generate the changelog for version 2.0 from the commits")
    assert match.skill == "release-notes"
    assert 0 < match.confidence <= 1
    assert all(a.skill != "release-notes" and a.confidence <= match.confidence for a in match.alternatives)
    if use_embeddings is None:
        assert reg.can_embed()
        assert len(match.alternatives) == 2  # cosine gives every other skill a score


@pytest.mark.parametrize("use_embeddings", MODES)
def test_unrelated_request_matches_nothing(small_skills, use_embeddings) -> None:
    reg = SkillRegistry(small_skills, use_embeddings=use_embeddings)
    match = reg.route("what is the capital of Australia")
    assert match.skill is None
    assert "below threshold" in match.reason


def test_explicit_slash_command_and_name_mention_win(small_skills) -> None:
    reg = SkillRegistry(small_skills, use_embeddings=False)
    # The text is about sales, but the person named the skill: that wins.
    slash = reg.route("/release-notes summarise the sales figures")
    assert slash.skill == "release-notes" and slash.confidence == 1.0 and "explicit" in slash.reason
    named = reg.route("use sales-report on the tweet engagement")
    assert named.skill == "sales-report" and named.confidence == 1.0
    phrase = reg.route("social posts please: the webinar recap")
    assert phrase.skill == "social-posts"
    assert reg.route("/no-such-skill hello").reason != "explicit /no-such-skill"


def test_single_plain_word_names_are_not_explicit_mentions() -> None:
    reg = SkillRegistry(
        [
            make_skill("linear", "Manage issues and tickets in Linear."),
            make_skill("stats", "Fit a linear regression and other statistics."),
        ],
        use_embeddings=False,
    )
    assert "explicit" not in reg.route("fit a linear regression on this data").reason


def test_priority_breaks_ties() -> None:
    a = make_skill("alpha-skill", "Summarise meeting notes into action items.", priority=1)
    b = make_skill("beta-skill", "Summarise meeting notes into action items.", priority=9)
    c = make_skill("gamma-skill", "Translate documents into French.", priority=5)
    for order in ([a, b, c], [b, a, c]):
        assert (
            SkillRegistry(order, use_embeddings=False).route("summarise my meeting notes").skill
            == "beta-skill"
        )


def test_custom_skills_route_only_for_their_owner(small_skills) -> None:
    reg = SkillRegistry(small_skills, use_embeddings=False)
    custom = make_skill(
        "bakery-orders", "Take cake and bread orders for Alice's bakery.", triggers=["cake order"]
    )
    assert reg.add_custom("alice", custom)
    assert reg.route("a cake order for saturday", user_id="alice").skill == "bakery-orders"
    assert reg.route("a cake order for saturday", user_id="bob").skill is None
    assert reg.route("a cake order for saturday").skill is None
    assert reg.route("/bakery-orders now", user_id="bob").skill is None  # not even explicitly
    with pytest.raises(KeyError):
        reg.get("bakery-orders", user_id="bob")
    assert reg.get("bakery-orders", user_id="alice").owner == "alice"
    assert "bakery-orders" not in [s["name"] for s in reg.catalog("bob")]


def test_custom_skill_cannot_shadow_shared_or_widen_scripts(small_skills) -> None:
    shared = make_skill("poster", "Post things.", scripts=["f/openanalyst/social/create_post"])
    reg = SkillRegistry([*small_skills, shared], use_embeddings=False)
    assert not reg.add_custom("alice", make_skill("social-posts", "Evil twin of a shared skill."))
    assert reg.get("social-posts").source == "shared"
    mine = make_skill(
        "mine",
        "Mine.",
        scripts=[
            "f/openanalyst/social/create_post",
            "u/alice/scripts/x",
            "u/bob/scripts/steal",
            "f/openanalyst/admin/drop_all",
        ],
    )
    reg.add_custom("alice", mine)
    assert reg.get("mine", "alice").scripts == ["f/openanalyst/social/create_post", "u/alice/scripts/x"]
    assert reg.get("mine", "alice").to_value()["scripts"] == [
        "f/openanalyst/social/create_post",
        "u/alice/scripts/x",
    ]


def test_invalid_user_id_is_refused(small_skills) -> None:
    reg = SkillRegistry(small_skills, use_embeddings=False)
    with pytest.raises(ValueError):
        reg.route("a tweet", user_id="../admin")


def test_model_invocation_disabled_skill_routes_only_explicitly() -> None:
    hidden = make_skill("deploy-prod", "Deploy the application to production servers.", model_invocable=False)
    reg = SkillRegistry([hidden, make_skill("other", "Write poems.")], use_embeddings=False)
    assert reg.route("deploy the application to production").skill is None
    assert reg.route("/deploy-prod now").skill == "deploy-prod"
    assert [s["name"] for s in reg.catalog()] == ["other"]


def test_falls_back_to_bm25_when_embeddings_are_off(small_skills, monkeypatch) -> None:
    monkeypatch.setenv("OPENANALYST_EMBEDDINGS", "off")
    reg = SkillRegistry(small_skills)
    assert not reg.can_embed()
    match = reg.route("make a chart of last quarter's sales")
    assert match.skill == "sales-report" and match.reason.startswith("bm25")


def test_importing_the_router_does_not_import_numpy_or_tokenizers() -> None:
    code = (
        "import sys; import f.openanalyst.lib.skills.router, f.openanalyst.lib.skills.loader;"
        "print(sorted(m for m in ('numpy', 'tokenizers', 'bm25s', 'safetensors') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# Measured on tests/data/routing (README section `skills`; `uv run scripts/skills.py eval`): over
# the five corpora the hybrid routes 0.950 top-1 with 0.946 of the no-skill requests getting none,
# BM25 alone 0.915 / 0.804. The floors leave room for small changes without hiding a regression.
FLOORS = {"hybrid": (0.92, 0.90), "bm25": (0.88, 0.70)}


@pytest.mark.parametrize("mode", ["hybrid", "bm25"])
def test_dev_set_accuracy_stays_above_the_floor(mode: str) -> None:
    from scripts.skills_eval import evaluate

    res = evaluate(bm25_only=mode == "bm25")
    top1, none_recall = FLOORS[mode]
    corpora = res["five corpora"]
    assert corpora["top1"] >= top1, corpora
    assert corpora["none_recall"] >= none_recall, corpora
    assert res["all"]["top3"] >= 0.95, res["all"]
    if mode == "hybrid":
        bm25 = evaluate(bm25_only=True)["five corpora"]
        assert corpora["top1"] > bm25["top1"] and corpora["none_recall"] > bm25["none_recall"]
