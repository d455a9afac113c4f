"""Each .script.lock pins what its script imports (through f.* modules too), at uv.lock's versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.bundle_tools import checks, locks, metadata, windmill_deps

from .conftest import WriteFile

SKILL = '''
"""Read a skill file."""

import httpx
import yaml

from f.openanalyst.lib.protocol import UserRequest

try:
    import not_installed_accelerator  # optional: never pinned
except ImportError:
    not_installed_accelerator = None


def main(path: str) -> dict:
    """Load it."""
    return {"yaml": yaml.safe_load(path), "h": httpx.__name__, "m": UserRequest.__name__}
'''


def test_every_lock_pins_what_its_script_imports(repo_root: Path) -> None:
    assert checks.script_locks(repo_root) == []


def test_plan_maps_imports_to_distributions_and_follows_workspace_modules(
    mini_repo: Path, write: WriteFile
) -> None:
    script = write("f/openanalyst/skills/read_skill.py", SKILL)
    plan = locks.plan(mini_repo, script)
    assert plan.problems == []
    # yaml is pyyaml on PyPI (Windmill renames it); pydantic comes in through f.openanalyst.lib.protocol.
    assert set(plan.direct) == {"pyyaml", "pydantic", "httpx"}
    assert plan.direct["pydantic"].startswith("f/openanalyst/lib/protocol.py:")
    assert plan.pins["pyyaml"] == "6.0.3"
    assert {"pydantic-core", "annotated-types", "anyio", "certifi"} <= set(plan.pins)  # transitive
    assert "not-installed-accelerator" not in plan.pins
    assert plan.render().splitlines()[0] == "# py: 3.11"


def test_a_lock_lacking_an_import_fails(mini_repo: Path, write: WriteFile) -> None:
    script = write("f/openanalyst/skills/read_skill.py", SKILL)
    lock = script.with_name("read_skill.script.lock")
    good = locks.plan(mini_repo, script).render()
    lock.write_text(good)
    assert locks.compare(mini_repo, script) == []

    lock.write_text("".join(line for line in good.splitlines(True) if not line.startswith("pyyaml")))
    problems = locks.compare(mini_repo, script)
    assert any(
        "lacks pyyaml, which the script imports at f/openanalyst/skills/read_skill.py:4" in p
        for p in problems
    ), problems


def test_a_lock_missing_a_workspace_modules_dependency_fails(mini_repo: Path, write: WriteFile) -> None:
    script = write("f/openanalyst/skills/read_skill.py", SKILL)
    lock = script.with_name("read_skill.script.lock")
    lock.write_text(
        "".join(ln for ln in locks.plan(mini_repo, script).render().splitlines(True) if "pydantic" not in ln)
    )
    problems = locks.compare(mini_repo, script)
    assert any(
        "lacks pydantic, which the script imports at f/openanalyst/lib/protocol.py" in p for p in problems
    )


def test_stale_or_unneeded_pins_and_a_wrong_header_fail(mini_repo: Path, write: WriteFile) -> None:
    script = write("f/openanalyst/skills/read_skill.py", SKILL)
    lock = script.with_name("read_skill.script.lock")
    text = locks.plan(mini_repo, script).render().replace("pyyaml==6.0.3", "pyyaml==5.4.1")
    lock.write_text(text.replace("# py: 3.11", "# py: 3.12") + "requests==2.32.0\n")
    problems = "\n".join(locks.compare(mini_repo, script))
    assert "pins pyyaml==5.4.1, uv.lock has 6.0.3" in problems
    assert "pins requests, which nothing the script imports needs" in problems
    assert "header is '# py: 3.12', expected '# py: 3.11'" in problems


def test_missing_lock_and_unknown_imports_fail(mini_repo: Path, write: WriteFile) -> None:
    write("f/openanalyst/x.py", "import surely_not_a_package\nfrom f.openanalyst.lib.nope import y\n")
    problems = checks.script_locks(mini_repo)
    assert any(
        p.startswith(
            "f/openanalyst/x.py:1: imports 'surely_not_a_package', which no package in uv.lock provides"
        )
        for p in problems
    ), problems
    assert any(
        "imports f.openanalyst.lib.nope, which is not a script in the repository" in p for p in problems
    )
    assert any(p.startswith("f/openanalyst/x.script.lock: missing") for p in problems)


def test_extra_requirements_block_is_pinned(mini_repo: Path, write: WriteFile) -> None:
    script = write("f/openanalyst/x.py", "# extra_requirements:\n# tzdata\n\ndef main() -> None:\n    pass\n")
    assert "tzdata" in locks.plan(mini_repo, script).pins


def test_extras_the_project_uses_must_be_declared(mini_repo: Path, write: WriteFile) -> None:
    # pyproject asks for psycopg[binary]; Windmill reads `import psycopg` as psycopg[binary, pool].
    plain = write("f/openanalyst/db.py", "import psycopg\n")
    assert any("uv.lock has no psycopg extra pool" in p for p in locks.plan(mini_repo, plain).problems)
    declared = write(
        "f/openanalyst/db2.py",
        "# extra_requirements:\n# psycopg[binary]\n\n\ndef main() -> None:\n    import psycopg  # noqa\n",
    )
    plan = locks.plan(mini_repo, declared)
    assert plan.problems == []
    assert {"psycopg", "psycopg-binary"} <= set(plan.pins)


FLOW = """\
summary: Tag posts
description: One python step
value:
  modules:
    - id: tag
      value:
        type: rawscript
        language: python3
        content: '!inline tag.py'
        lock: '!inline tag.lock'
        input_transforms: {}
schema: {type: object, properties: {}}
"""


def test_flow_step_locks_are_written_and_checked(mini_repo: Path, write: WriteFile) -> None:
    write("f/openanalyst/tag__flow/flow.yaml", FLOW)
    write("f/openanalyst/tag__flow/tag.py", "import yaml\n\n\ndef main() -> str:\n    return yaml.__name__\n")
    assert checks.script_locks(mini_repo) == [
        "f/openanalyst/tag__flow/tag.lock: missing "
        "(run `uv run scripts/bundle.py metadata f/openanalyst/tag__flow`)"
    ]
    outcome = metadata.regenerate(mini_repo, ["f/openanalyst/tag__flow"])  # no script: no CLI run
    assert outcome.written == ["f/openanalyst/tag__flow/tag.lock"]
    assert checks.script_locks(mini_repo) == []
    lock = mini_repo / "f/openanalyst/tag__flow/tag.lock"
    lock.write_text("# py: 3.11\n")
    assert any(
        "lacks pyyaml, which the script imports at f/openanalyst/tag__flow/tag.py:1" in p
        for p in checks.script_locks(mini_repo)
    )


# Each form below is one Windmill's import parser does not turn into the requirement the code needs
# (scripts/bundle_tools/windmill_deps.py cites the parser), so a re-lock on a server would drop it.
UNSEEN = {
    "package import": (
        "from f.openanalyst.lib import protocol\n",
        "Windmill reads this import as the script f/openanalyst/lib, which does not exist",
    ),
    "import in a function": (
        "def helper() -> None:\n    import yaml  # noqa\n",
        "imports 'yaml', which Windmill's import parser does not see",
    ),
    "import after main": (
        "def main() -> None:\n    pass\n\n\nimport yaml  # noqa\n",
        "imports 'yaml', which Windmill's import parser does not see",
    ),
    "import under if": (
        "import os\nif os.environ.get('X'):\n    import yaml  # noqa\n",
        "imports 'yaml', which Windmill's import parser does not see",
    ),
    "package with another name": (
        "import frontmatter\n",
        "Windmill would install 'frontmatter' from PyPI, which is not in uv.lock",
    ),
    "main in a string": (
        'TEMPLATE = "def main(): pass"\nimport yaml\n',
        "Windmill cannot parse its imports",
    ),
}


@pytest.mark.parametrize("form", sorted(UNSEEN))
def test_an_import_form_windmill_would_not_see_fails(mini_repo: Path, write: WriteFile, form: str) -> None:
    code, message = UNSEEN[form]
    script = write("f/openanalyst/x.py", code)
    problems = locks.plan(mini_repo, script).problems
    assert any(message in p for p in problems), problems


def test_the_forms_windmill_sees_pass(mini_repo: Path, write: WriteFile) -> None:
    write("f/openanalyst/pkg/helpers.py", "import httpx\n")
    script = write(
        "f/openanalyst/pkg/step.py",
        "# extra_requirements:\n# numpy\n"
        "import yaml\n"
        "import f.openanalyst.lib.users as users\n"
        "from f.openanalyst.lib.protocol import UserRequest\n"
        "from .helpers import httpx\n\n\n"
        "def main() -> None:\n    import numpy  # noqa: declared above\n",
    )
    plan = locks.plan(mini_repo, script)
    assert plan.problems == []
    assert {"pyyaml", "pydantic", "httpx", "numpy"} <= set(plan.direct)


def test_a_requirements_header_replaces_what_windmill_infers(mini_repo: Path, write: WriteFile) -> None:
    script = write(
        "f/openanalyst/x.py",
        "# requirements:\n# python-frontmatter\n#\n# why: frontmatter is python-frontmatter\n"
        "import frontmatter\n",
    )
    plan = locks.plan(mini_repo, script)
    assert plan.problems == []
    assert set(plan.direct) == {"python-frontmatter"}
    assert windmill_deps.infer(mini_repo, script).requirements == {
        "python-frontmatter": "f/openanalyst/x.py (# requirements)"
    }
