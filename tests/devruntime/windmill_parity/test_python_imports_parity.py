"""backend/tests/python_jobs.rs, its relative import cases, on the dev runtime.

`test_relative_imports_python` and `test_nested_imports_python` (fixture
backend/tests/fixtures/relative_python.sql): three scripts deployed in folders `system` and
`system_relative`, then a script at `f/system/test_import` that imports them by absolute path
(`from f.system.same_folder_script import main`) and relative to its own folder
(`from .same_folder_script ...`, `from ..system_relative.different_folder_script ...`), run
deployed (`run_deployed_relative_imports`) and as a preview with that path
(`run_preview_relative_imports`). Windmill resolves a relative import against the importing
script's path. Read at the commit in catalogue.COMMITS["python_jobs.rs"].
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.support.devruntime import DevRuntime

SRC = "python_jobs.rs"

FIXTURE_SCRIPTS = {
    "f/system/same_folder_script": 'def main():\n    return "f/system/same_folder_script"\n',
    "f/system_relative/different_folder_script": (
        'def main():\n    return "f/system_relative/different_folder_script"\n'
    ),
    "f/system_relative/nested_script": (
        "from f.system.same_folder_script import main as test1\n"
        "from ..system.same_folder_script import main as test2\n"
        "from f.system_relative.different_folder_script import main as test3\n"
        "from .different_folder_script import main as test4\n\n"
        "def main():\n    return [test1(), test2(), test3(), test4()]\n"
    ),
}

RELATIVE = (
    "from f.system.same_folder_script import main as test1\n"
    "from .same_folder_script import main as test2\n"
    "from f.system_relative.different_folder_script import main as test3\n"
    "from ..system_relative.different_folder_script import main as test4\n\n"
    "def main():\n    return [test1(), test2(), test3(), test4()]\n"
)
NESTED = "\nfrom f.system_relative.nested_script import main as test\n\ndef main():\n    return test()\n"

EXPECTED = [
    "f/system/same_folder_script",
    "f/system/same_folder_script",
    "f/system_relative/different_folder_script",
    "f/system_relative/different_folder_script",
]

CASES = [
    (
        "relative_imports_deployed",
        ("test_relative_imports_python", "run_deployed_relative_imports"),
        RELATIVE,
    ),
    ("nested_imports_deployed", ("test_nested_imports_python", "run_deployed_relative_imports"), NESTED),
    ("relative_imports_preview", ("test_relative_imports_python", "run_preview_relative_imports"), RELATIVE),
    ("nested_imports_preview", ("test_nested_imports_python", "run_preview_relative_imports"), NESTED),
]


def _deploy(dev_runtime: DevRuntime, path: str, content: str) -> None:
    api, client = dev_runtime.api, dev_runtime.client
    folder = path.split("/")[1]
    if not client.get(f"{api}/folders/exists/{folder}").json():
        r = client.post(f"{api}/folders/create", json={"name": folder})
        assert r.status_code == 200, r.text
    body = {"path": path, "content": content, "language": "python3", "summary": "", "description": ""}
    r = client.post(f"{api}/scripts/create", json=body)
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_python_relative_imports(dev_runtime: DevRuntime, case: tuple[str, tuple[str, str], str]) -> None:
    name, _src, content = case
    for path, code in FIXTURE_SCRIPTS.items():
        _deploy(dev_runtime, path, code)
    if name.endswith("_deployed"):
        _deploy(dev_runtime, "f/system/test_import", content)
        job_id = dev_runtime.run_script("f/system/test_import", {})
    else:
        body: dict[str, Any] = {
            "content": content,
            "path": "f/system/test_import",
            "language": "python3",
            "args": {},
        }
        r = dev_runtime.client.post(f"{dev_runtime.api}/jobs/run/preview", json=body)
        assert r.status_code == 201, r.text
        job_id = r.text.strip().strip('"')
        uuid.UUID(job_id)
    job = dev_runtime.wait_job(job_id, timeout=120)
    assert job["success"], job.get("result")
    assert job["result"] == EXPECTED
