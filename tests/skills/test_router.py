"""Routing: explicit mentions, the hybrid score, abstention, priority, per-person custom skills."""

from __future__ import annotations

import subprocess
import sys

import pytest

from f.openanalyst.lib import embeddings
from f.openanalyst.lib.skill_router import SkillRegistry
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
    if use_embeddings is None and embeddings.available():
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


def test_falls_back_to_bm25_when_the_model_is_missing(small_skills, monkeypatch) -> None:
    monkeypatch.setattr(embeddings, "available", lambda: False)
    reg = SkillRegistry(small_skills)
    assert not reg.can_embed()
    match = reg.route("make a chart of last quarter's sales")
    assert match.skill == "sales-report" and match.reason.startswith("bm25")


def test_decisive_lexical_match_skips_the_embedding(small_skills, monkeypatch) -> None:
    if not embeddings.available():
        pytest.skip("embedding model not installed")
    reg = SkillRegistry(small_skills)
    calls = []
    encoder = embeddings.get_encoder()
    monkeypatch.setattr(encoder, "encode_query", lambda text: calls.append(text) or encoder.encode([text])[0])
    decisive = "schedule a tweet and a linkedin post on social media for twitter and linkedin"
    assert reg.route(decisive).reason == "bm25 (decisive)"
    assert calls == []
    reg.route("tell my followers about the party")
    assert calls == ["tell my followers about the party"]


def test_importing_the_router_does_not_import_numpy_or_tokenizers() -> None:
    code = (
        "import sys; import f.openanalyst.lib.skill_router, f.openanalyst.lib.skill_loader;"
        "print(sorted(m for m in ('numpy', 'tokenizers', 'bm25s', 'safetensors') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# Measured on tests/data/routing (README section `skills`): over all 228 rows hybrid 0.921, BM25
# 0.864 top-1; on the 74 shipped-skill rows alone hybrid 0.878, BM25 0.838. The public corpora sit
# in ../shared, so a clone without it measures the shipped set only: each scope has its own floor.
# The floors leave room for small changes without hiding a real regression.
FLOORS = {"all": {"hybrid": 0.88, "bm25": 0.82}, "shipped": {"hybrid": 0.85, "bm25": 0.80}}


def test_dev_set_accuracy_stays_above_the_floor() -> None:
    from scripts.skills import CORPUS_DIR, evaluate

    scope = "all" if CORPUS_DIR.is_dir() else "shipped"
    bm25 = evaluate(bm25_only=True)
    assert bm25["all"]["top1"] >= FLOORS[scope]["bm25"], bm25["all"]
    if not embeddings.available():
        pytest.skip("embedding model not installed: hybrid not measured")
    hybrid = evaluate(bm25_only=False)
    assert hybrid["all"]["top1"] >= FLOORS[scope]["hybrid"], hybrid["all"]
    assert hybrid["all"]["top1"] > bm25["all"]["top1"]
    for name, res in hybrid.items():
        if name != "all":
            assert res["no_match_precision"] >= 0.6, (name, res)
