# requirements:
# python-frontmatter
# pyyaml
#
# All of this module's requirements: Windmill would read `import frontmatter` as PyPI's unrelated
# `frontmatter` (scripts/bundle_tools/windmill_deps.py).
"""A workflow file's YAML frontmatter, read with libyaml.

python-frontmatter reads YAML with PyYAML's pure-Python safe loader; its C one (libyaml, which
PyYAML's wheels bundle) reads the same documents about three times as fast: routing a request
parses every skill's workflows (~7 ms a request in Python, ~2.5 ms in C, measured). SKILL.md files
keep the pure-Python reader (`loader`): its leniency with hand-written frontmatter (a comment
before it, prose after an unclosed block) follows that reader's errors.
"""

from __future__ import annotations

from typing import Any

import frontmatter
import yaml
from frontmatter.default_handlers import YAMLHandler


class _LibYAMLHandler(YAMLHandler):
    def load(self, fm: str, **kwargs: object) -> Any:
        kwargs.setdefault("Loader", getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        return super().load(fm, **kwargs)


_HANDLER = _LibYAMLHandler()


def parse(text: str) -> tuple[dict[str, Any], str]:
    """(metadata, body) of `text`; raises yaml.YAMLError on malformed frontmatter, as
    `frontmatter.parse` does (it is that call, with libyaml's safe loader)."""
    return frontmatter.parse(text, handler=_HANDLER)
