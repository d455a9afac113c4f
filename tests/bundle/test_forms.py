"""Every script's Windmill form: each argument described, in signature order, contracts typed.

Windmill's Python parser reads descriptions from `main()`'s docstring `Args:` section
(https://github.com/windmill-labs/windmill/blob/main/backend/parsers/windmill-parser-py/src/lib.rs,
`parse_docstring_args`); the committed `.script.yaml` is what a person sees in the UI.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from scripts.bundle_tools import forms, repo

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = [s for s in repo.scripts(ROOT) if forms.main_function(s) is not None]


def test_windmill_reads_the_docstring_args_as_its_parser_does() -> None:
    doc = """Do it.

    Args:
        user_id: the person.
        when (str): a time, e.g. 9:30.
        wrapped: a long text
            that goes on: this line would be read as an argument.

    Returns:
        something.
    """
    assert forms.docstring_args(doc) == {
        "user_id": "the person.",
        "when": "a time, e.g. 9:30.",
        "wrapped": "a long text",
        "that goes on": "this line would be read as an argument.",
    }


def test_a_wrapped_description_is_reported_as_windmill_would_cut_it(tmp_path: Path) -> None:
    script = tmp_path / "step.py"
    script.write_text(
        'def main(topic: str, tone: str = "casual") -> None:\n'
        '    """Write.\n\n    Args:\n        topic: what the post is about, in the person\n'
        '            own words.\n        tone: the tone.\n    """\n'
    )
    assert forms.problems(script) == [
        "topic: its description wraps, and Windmill's form shows only the first line: keep it on one"
    ]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_argument_has_a_description_in_the_order_of_the_signature(script: Path) -> None:
    assert forms.problems(script) == []
    fn = forms.main_function(script)
    assert fn is not None
    names = forms.arg_names(fn)
    schema = yaml.safe_load(repo.metadata_path(script).read_text())["schema"]
    described = forms.docstring_args(ast.get_docstring(fn) or "")
    assert {n: schema["properties"][n]["description"] for n in names} == {n: described[n] for n in names}
    assert schema["order"] == names


def test_the_brain_steps_forms_show_the_contracts_fields() -> None:
    plan = yaml.safe_load((ROOT / "f/openanalyst/brain/plan.script.yaml").read_text())["schema"]
    route = plan["properties"]["route"]
    assert route["type"] == "object" and "format" not in route  # a form, not a resource picker
    assert route["properties"]["skill"] == {"type": "string", "description": "the chosen skill, or none"}
    intent = plan["properties"]["intent"]["properties"]
    assert intent["entities"]["properties"]["platform"]["enum"] == [
        "twitter",
        "linkedin",
        "instagram",
        "facebook",
    ]
    evaluate = yaml.safe_load((ROOT / "f/openanalyst/brain/evaluate.script.yaml").read_text())["schema"]
    assert evaluate["properties"]["execution"]["properties"]["results"]["items"]["properties"]["success"] == {
        "type": "boolean"
    }


def test_fetch_metrics_asks_for_the_database_with_windmills_postgresql_picker() -> None:
    """Windmill's parser makes an argument annotated with an unknown class name a resource of that
    type (`parse_typ` in windmill-parser-py), which its form shows as a picker of the person's
    resources of that type (`format: resource-postgresql`) and its worker resolves as the job's user."""
    script = ROOT / "f/openanalyst/analytics/fetch_metrics.py"
    fn = forms.main_function(script)
    assert fn is not None
    database = next(a for a in fn.args.args if a.arg == "database")
    assert ast.unparse(database.annotation) == "postgresql | None"  # type: ignore[arg-type]
    schema = yaml.safe_load(repo.metadata_path(script).read_text())["schema"]
    prop = schema["properties"]["database"]
    assert (prop["type"], prop["format"]) == ("object", "resource-postgresql")
    assert "database" not in schema["required"]
