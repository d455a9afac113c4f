"""Every .py under f/ imports cleanly with the repository root on sys.path."""

from __future__ import annotations

from pathlib import Path

from scripts.bundle_tools import checks

from .conftest import WriteFile


def test_every_module_under_f_imports(repo_root: Path) -> None:
    assert checks.importable(repo_root) == []


def test_broken_modules_fail(mini_repo: Path, write: WriteFile) -> None:
    assert checks.importable(mini_repo) == []
    write("f/openanalyst/missing_dep.py", "import surely_not_a_package\n")
    write("f/openanalyst/lib/explodes.py", "raise RuntimeError('needs a server at import time')\n")
    write("f/openanalyst/uses_lib.py", "from f.openanalyst.lib.users import no_such_name\n")
    write("f/openanalyst/step__flow/inline.py", "def main(:\n")
    problems = checks.importable(mini_repo)
    assert len(problems) == 4, problems
    text = "\n".join(problems)
    assert "f/openanalyst/missing_dep.py: does not import: ModuleNotFoundError" in text
    assert (
        "f/openanalyst/lib/explodes.py: does not import: RuntimeError: needs a server at import time" in text
    )
    assert (
        "f/openanalyst/uses_lib.py: does not import: ImportError: cannot import name 'no_such_name'" in text
    )
    assert "f/openanalyst/step__flow/inline.py: does not import: SyntaxError" in text
