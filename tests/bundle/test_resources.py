"""Resources match their resource types, types are valid JSON schemas, and no secret is committed."""

from __future__ import annotations

from pathlib import Path

from scripts.bundle_tools import checks

from .conftest import WriteFile

TYPE = """\
description: A demo type
schema:
  type: object
  properties:
    n: {type: integer}
    apiKey: {type: string}
  required: [n, apiKey]
"""


def test_resources_in_the_repo(repo_root: Path) -> None:
    assert checks.resource_files(repo_root) == []


def test_good_resources_and_variables_pass(mini_repo: Path, write: WriteFile) -> None:
    write("demo.resource-type.yaml", TYPE)
    write(
        "f/openanalyst/demo.resource.yaml",
        "resource_type: demo\nvalue: {n: 1, apiKey: $var:f/openanalyst/key}\n",
    )
    write("f/openanalyst/pg.resource.yaml", "resource_type: postgresql\nvalue: {host: db, password: ''}\n")
    write("f/openanalyst/key.variable.yaml", "value: ''\nis_secret: true\n")
    write("f/openanalyst/max_tokens.variable.yaml", "value: '1024'\nis_secret: false\n")
    assert checks.resource_files(mini_repo) == []


def test_bad_resources_and_variables_fail(mini_repo: Path, write: WriteFile) -> None:
    write("demo.resource-type.yaml", TYPE)
    write("broken.resource-type.yaml", "schema: {type: objekt}\n")
    write("f/openanalyst/nested.resource-type.yaml", TYPE)
    write("f/openanalyst/demo.resource.yaml", "resource_type: demo\nvalue: {n: many, apiKey: sk-ant-123}\n")
    write("f/openanalyst/untyped.resource.yaml", "value: {a: 1}\n")
    write("f/openanalyst/key.variable.yaml", "value: sk-ant-123\nis_secret: true\n")
    write("f/openanalyst/hub_token.variable.yaml", "value: abc\nis_secret: false\n")
    problems = "\n".join(checks.resource_files(mini_repo))
    assert "broken.resource-type.yaml: schema is not a valid JSON schema" in problems
    assert (
        "f/openanalyst/nested.resource-type.yaml: resource types are synced only from the repository root"
        in problems
    )
    assert "f/openanalyst/demo.resource.yaml: value.apiKey holds a literal secret" in problems
    assert (
        "f/openanalyst/demo.resource.yaml: n: 'many' is not of type 'integer' (resource type demo)"
        in problems
    )
    assert "f/openanalyst/untyped.resource.yaml: needs `value` and `resource_type`" in problems
    assert "f/openanalyst/key.variable.yaml: a secret variable must be committed empty" in problems
    assert "f/openanalyst/hub_token.variable.yaml: looks like a secret but is_secret is false" in problems
