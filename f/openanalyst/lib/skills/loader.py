# requirements:
# python-frontmatter
# pyyaml
#
# All of this module's requirements: Windmill would read `import frontmatter` as PyPI's unrelated
# `frontmatter` (scripts/bundle_tools/windmill_deps.py).
"""Load SKILL.md skills leniently, with progressive disclosure.

A skill is a folder holding `SKILL.md` (YAML frontmatter + Markdown), optionally `workflows/*.md`
and `prompts/*.md`. The loader accepts the Agent Skills spec, OpenAnalyst's fields (triggers,
platforms, requires_windmill, priority, scripts) and PAI's `USE WHEN` descriptions. It never
raises on a file: a bad name or an unknown key is a warning; only an unparseable frontmatter or a
missing description skips the skill, with the reason.

Progressive disclosure: loading reads only the frontmatter (the catalog tier: name, description,
triggers). `Skill.body`, `.workflows`, `.prompts`, `.system_prompt` and `.scripts` are read from
disk the first time they are used. A skill compiled into a Windmill resource carries every tier
(`Skill.from_value`), since a worker has no `skills/` folder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import frontmatter
import yaml

SPEC_KEYS = frozenset({"name", "description", "license", "compatibility", "metadata", "allowed-tools"})
# OpenAnalyst's fields and the keys Claude products add (accepted without a warning).
KNOWN_KEYS = SPEC_KEYS | {
    "triggers",
    "platforms",
    "requires_windmill",
    "priority",
    "scripts",
    "version",
    "argument-hint",
    "disable-model-invocation",
    "user-invocable",
    "model",
    "effort",
    "context",
    "agent",
    "hooks",
}
NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# The upper-case convention for skill folders (`skills/SOCIAL_MEDIA/`): accepted without a warning.
SEED_NAME_RE = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")
MAX_NAME = 64
MAX_DESCRIPTION = 1024
MAX_FILE_BYTES = 2_000_000
WINDMILL_SCRIPT_RE = re.compile(r"`((?:f|u)/[a-z0-9_]+(?:/[a-z0-9_]+)+)`")

_BLOCK_RE = re.compile(r"^---[ \t]*\r?\n(.*?)\r?\n---[ \t]*$", re.S | re.M)
_PREFIX_OK_RE = re.compile(r"\s*(<!--.*?-->\s*)*", re.S)  # only blanks / HTML comments before it
_OPEN_RE = re.compile(r"\A\s*(?:<!--.*?-->\s*)*---[ \t]*\r?\n", re.S)
_YAMLISH_LINE_RE = re.compile(r"^(?:[A-Za-z_][\w.-]*[ \t]*:|[ \t]+\S|[ \t]*-[ \t]|[ \t]*$|[ \t]*#)")
_USE_WHEN_RE = re.compile(r"\bUSE WHEN\b:?\s*(.+?)(?:\.\s+(?=[A-Z])|\.?\s*$)", re.S)
_SECTION_RE = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)


class SkillError(ValueError):
    """A skill that cannot be loaded (the message says why)."""


@dataclass
class LoadResult:
    """The outcome of loading one SKILL.md: a skill, or None with the reason in `warnings`."""

    path: Path
    skill: Skill | None
    warnings: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.skill is None:
            return "skipped"
        return "warning" if self.warnings else "ok"


@dataclass
class Skill:
    """One skill. The catalog fields are always present; the rest loads on demand."""

    name: str
    description: str
    triggers: list[str] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)
    requires_windmill: bool = False
    priority: int = 0
    # "shared" for skills shipped in the bundle, "custom" for a person's own (see `owner`).
    source: str = "shared"
    owner: str | None = None
    location: str = ""
    model_invocable: bool = True
    meta: dict[str, Any] = field(default_factory=dict, repr=False)
    warnings: list[str] = field(default_factory=list, repr=False)
    # Filled by from_value(); otherwise read from `location` on first use.
    _loaded: dict[str, Any] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------- on-demand tiers

    @property
    def directory(self) -> Path | None:
        return Path(self.location).parent if self.location and not self._loaded else None

    @cached_property
    def body(self) -> str:
        """The SKILL.md Markdown with the frontmatter stripped (tier 2)."""
        if "body" in self._loaded:
            return str(self._loaded["body"])
        if not self.directory:
            return ""
        try:
            _, body, _ = _split(_read(Path(self.location)))
        except SkillError:
            return ""
        return body

    @cached_property
    def workflows(self) -> dict[str, str]:
        """Workflow name -> Markdown (with its step-list frontmatter), from `workflows/*.md`."""
        if "workflows" in self._loaded:
            return dict(self._loaded["workflows"] or {})
        return _read_md_dir(self.directory, ("workflows", "Workflows"))

    @cached_property
    def prompts(self) -> dict[str, str]:
        """Prompt name -> Markdown, from `prompts/*.md`."""
        if "prompts" in self._loaded:
            return dict(self._loaded["prompts"] or {})
        return _read_md_dir(self.directory, ("prompts", "Prompts"))

    @cached_property
    def system_prompt(self) -> str:
        """prompts/system.md (or default.md), else the body's `## System Prompt` section."""
        if "system_prompt" in self._loaded:
            return str(self._loaded["system_prompt"] or "")
        for key in ("system", "default"):
            if key in self.prompts:
                return self.prompts[key].strip()
        section = markdown_section(self.body, "system prompt")
        fenced = re.search(r"```[^\n]*\n(.*?)```", section, re.S)
        return (fenced[1] if fenced else section).strip()

    @cached_property
    def scripts(self) -> list[str]:
        """The Windmill script paths this skill may call: frontmatter `scripts`, else the body's
        `## Windmill Scripts` section (backticked `f/...` or `u/...` paths)."""
        if "scripts" in self._loaded:
            return list(self._loaded["scripts"] or [])
        declared = _str_list(self.meta.get("scripts"))
        if declared:
            return declared
        return list(
            dict.fromkeys(WINDMILL_SCRIPT_RE.findall(markdown_section(self.body, "windmill scripts")))
        )

    # ------------------------------------------------------------------ compilation

    def to_value(self) -> dict[str, Any]:
        """The value of this skill's `openanalyst_skill` Windmill resource (every tier)."""
        return {
            "name": self.name,
            "description": self.description,
            "triggers": list(self.triggers),
            "platforms": list(self.platforms),
            "requires_windmill": self.requires_windmill,
            "priority": self.priority,
            "scripts": list(self.scripts),
            "system_prompt": self.system_prompt,
            "workflows": dict(sorted(self.workflows.items())),
            "prompts": dict(sorted(self.prompts.items())),
            "body": self.body,
            "source": self.source,
            "model_invocable": self.model_invocable,
        }

    @classmethod
    def from_value(
        cls, value: Mapping[str, Any], *, source: str = "shared", owner: str | None = None, location: str = ""
    ) -> Skill:
        """Rebuild a skill from a resource value; raises SkillError when it is unusable."""
        if not isinstance(value, Mapping):
            raise SkillError("skill resource value is not an object")
        name = value.get("name")
        description = value.get("description")
        if not isinstance(name, str) or not name.strip():
            raise SkillError("skill resource has no name")
        if not isinstance(description, str) or not description.strip():
            raise SkillError(f"skill {name!r} has no description")
        return cls(
            name=name.strip(),
            description=description.strip(),
            triggers=_str_list(value.get("triggers")),
            platforms=_str_list(value.get("platforms")),
            requires_windmill=bool(value.get("requires_windmill", False)),
            priority=_int(value.get("priority"), 0),
            source=source,
            owner=owner,
            location=location,
            model_invocable=bool(value.get("model_invocable", True)),
            _loaded={
                "body": value.get("body") or "",
                "workflows": _str_map(value.get("workflows")),
                "prompts": _str_map(value.get("prompts")),
                "system_prompt": value.get("system_prompt") or "",
                "scripts": _str_list(value.get("scripts")),
            },
        )


# ----------------------------------------------------------------------- loading


def load_skill(path: str | Path, *, source: str = "shared", owner: str | None = None) -> LoadResult:
    """Load one SKILL.md (or a skill folder). Never raises: failures come back as skipped."""
    path = Path(path)
    if path.is_dir():
        path = path / "SKILL.md"
    try:
        text = _read(path)
        meta, _body, warnings = _split(text)
    except SkillError as exc:
        return LoadResult(path, None, [str(exc)])
    except Exception as exc:
        return LoadResult(path, None, [f"cannot load: {type(exc).__name__}: {exc}"])
    try:
        skill = _build(meta, path, warnings, source=source, owner=owner)
    except SkillError as exc:
        return LoadResult(path, None, [*warnings, str(exc)])
    return LoadResult(path, skill, warnings)


def load_skills_dir(
    path: str | Path, *, source: str = "shared", owner: str | None = None
) -> tuple[list[Skill], list[LoadResult]]:
    """Load every `*/SKILL.md` below `path` (nested skills included, sorted by path).

    Returns (skills, results): `results` has one entry per file, in order, so a caller can report
    ok / warning / skipped. Names are unique: a later duplicate is skipped with a warning.
    """
    root = Path(path)
    if not root.is_dir():
        raise FileNotFoundError(f"skills directory {str(root)!r} does not exist")
    results: list[LoadResult] = []
    skills: list[Skill] = []
    seen: dict[str, Path] = {}
    for file in sorted(root.rglob("SKILL.md")):
        if any(part.startswith(".") for part in file.relative_to(root).parts):
            continue
        result = load_skill(file, source=source, owner=owner)
        if result.skill is not None:
            key = normalize_name(result.skill.name)
            if key in seen:
                result = LoadResult(
                    file,
                    None,
                    [*result.warnings, f"duplicate name {result.skill.name!r} (first: {seen[key]})"],
                )
            else:
                seen[key] = file
                skills.append(result.skill)
        results.append(result)
    return skills, results


def normalize_name(name: str) -> str:
    """The form names are compared in: lower case, `_` and spaces as `-` (SOCIAL_MEDIA = social-media)."""
    return re.sub(r"[\s_]+", "-", name.strip().lower())


def name_words(name: str) -> list[str]:
    """`social-media` / `SOCIAL_MEDIA` / `ContentAnalysis` / `USMetrics` -> words."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", name)
    return [w.lower() for w in re.split(r"[\s_\-./]+", spaced) if w]


def markdown_section(markdown: str, title: str) -> str:
    """The text under the first heading whose title is `title` (case-insensitive), up to the
    next heading of the same or a higher level; "" when absent."""
    matches = list(_SECTION_RE.finditer(markdown))
    for i, m in enumerate(matches):
        if m[2].strip().lower() == title.lower():
            level = len(m[1])
            end = len(markdown)
            for nxt in matches[i + 1 :]:
                if len(nxt[1]) <= level:
                    end = nxt.start()
                    break
            return markdown[m.end() : end].strip()
    return ""


def use_when_triggers(description: str) -> list[str]:
    """PAI: the comma / OR separated phrases of a description's `USE WHEN ...` clause."""
    m = _USE_WHEN_RE.search(description)
    if not m:
        return []
    phrases = re.split(r",|;|\bOR\b|\bor\b", m[1])
    out = [re.sub(r"\s+", " ", p).strip(" .'\"") for p in phrases]
    return [p for p in dict.fromkeys(out) if 1 < len(p) <= 60]


def _read(path: Path) -> str:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SkillError(f"cannot read: {exc.strerror or exc}") from exc
    if size > MAX_FILE_BYTES:
        raise SkillError(f"file is {size} bytes (> {MAX_FILE_BYTES})")
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")  # drops a BOM, which python-frontmatter would not see past
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _quote_colon_values(text: str) -> str:
    """Quote top-level scalar values holding `: ` (`description: Use when: ...`), PyYAML's
    commonest complaint about hand-written frontmatter."""

    def fix(m: re.Match[str]) -> str:
        value = m[2].strip()
        if value[:1] in "\"'>|[{&*!" or (": " not in value and not value.endswith(":")):
            return m[0]
        return f"{m[1]}: {json.dumps(value)}"

    return re.sub(r"^([A-Za-z_][\w-]*):[ \t]+(\S.*?)[ \t]*$", fix, text, flags=re.M)


def _yaml_mapping(block: str) -> tuple[Any, str | None]:
    """Parse a frontmatter block; on a YAML error, retry with quoted values. -> (data, error)."""
    try:
        return yaml.safe_load(block), None
    except yaml.YAMLError as first:
        try:
            return yaml.safe_load(_quote_colon_values(block)), None
        except yaml.YAMLError:
            problem = getattr(first, "problem", None) or type(first).__name__
            mark = getattr(first, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            return None, f"unparseable frontmatter YAML: {problem}{where}"


def _unclosed_block(text: str) -> tuple[str, str] | None:
    """An opening `---` never closed: take the YAML-looking lines up to the first Markdown line."""
    m = _OPEN_RE.match(text)
    if not m:
        return None
    lines = text[m.end() :].splitlines(keepends=True)
    taken: list[str] = []
    for line in lines:
        if line.startswith("#") or not _YAMLISH_LINE_RE.match(line):
            break
        taken.append(line)
    if not taken:
        return None
    return "".join(taken), "".join(lines[len(taken) :])


def _split(text: str) -> tuple[dict[Any, Any], str, list[str]]:
    """(metadata, body, warnings) from a SKILL.md text; raises SkillError when it cannot."""
    warnings: list[str] = []
    error: str | None = None
    try:
        meta, body = frontmatter.parse(text)  # parse(), not loads(): no TypeError on `content` keys
    except yaml.YAMLError:
        meta, body = {}, text
    except Exception as exc:
        meta, body = {}, text
        error = f"unparseable frontmatter: {type(exc).__name__}"
    if isinstance(meta, dict) and meta:
        # An unclosed block that a later Markdown `---` rule "closed" parses as YAML with prose
        # keys ("Some paragraph: ..."): real frontmatter keys never contain spaces.
        if not any(isinstance(k, str) and re.search(r"\s", k.strip()) for k in meta):
            return meta, body.strip(), warnings
        unclosed = _unclosed_block(text)
        if unclosed is not None:
            data, _ = _yaml_mapping(unclosed[0])
            if isinstance(data, dict) and data.get("description"):
                warnings.append("frontmatter has no closing --- (a later Markdown --- rule ended it)")
                return data, unclosed[1].strip(), warnings
        return meta, body.strip(), warnings

    # python-frontmatter found nothing usable: find out why, and recover what the spec allows.
    block = _BLOCK_RE.search(text[:20000])
    if block and _PREFIX_OK_RE.fullmatch(text[: block.start()]):
        data, error = _yaml_mapping(block[1])
        if isinstance(data, dict):
            if text[: block.start()].strip():
                warnings.append("frontmatter not at start of file (HTML comment before ---)")
            return data, text[block.end() :].strip(), warnings
        if error:
            raise SkillError(error)
        kind = "empty" if data is None else f"a {type(data).__name__}, not a mapping"
        raise SkillError(f"frontmatter is {kind}")
    else:
        unclosed = _unclosed_block(text)
    if unclosed is not None:
        data, err = _yaml_mapping(unclosed[0])
        if isinstance(data, dict) and data:
            warnings.append("frontmatter has no closing ---")
            return data, unclosed[1].strip(), warnings
        error = error or err
    if error:
        raise SkillError(error)
    raise SkillError("no frontmatter (SKILL.md must start with a --- YAML block)")


def _build(meta: dict[Any, Any], path: Path, warnings: list[str], *, source: str, owner: str | None) -> Skill:
    folder = path.parent.name
    description = meta.get("description")
    if description is None or (isinstance(description, str) and not description.strip()):
        raise SkillError("missing description")
    if not isinstance(description, str):
        warnings.append(f"description is a {type(description).__name__}, not a string")
        description = " ".join(map(str, description)) if isinstance(description, list) else str(description)
    description = re.sub(r"\s+", " ", description).strip()

    raw_name = meta.get("name")
    if raw_name is None or (isinstance(raw_name, str) and not raw_name.strip()):
        name = folder
        warnings.append("no name: using the folder name")
    elif not isinstance(raw_name, str):
        name = folder
        warnings.append(f"name is a {type(raw_name).__name__} ({raw_name!r}): using the folder name")
    else:
        name = raw_name.strip()
    if name != folder:
        warnings.append(f"name {name!r} != directory {folder!r}")
    if len(name) > MAX_NAME or not (NAME_RE.match(name) or SEED_NAME_RE.match(name)):
        warnings.append("name breaks spec rules (1-64 of a-z, 0-9, '-')")
    if len(description) > MAX_DESCRIPTION:
        warnings.append(f"description is {len(description)} chars (> {MAX_DESCRIPTION})")
    if bad := sorted(str(k) for k in meta if not isinstance(k, str)):
        warnings.append(f"non-string keys: {bad}")
    if extra := sorted(str(k) for k in meta if isinstance(k, str) and k not in KNOWN_KEYS):
        warnings.append(f"non-spec keys: {extra}")

    triggers = _str_list(meta.get("triggers"))
    for phrase in use_when_triggers(description):
        if phrase.lower() not in {t.lower() for t in triggers}:
            triggers.append(phrase)
    priority = _int(meta.get("priority"), 0)
    if "priority" in meta and priority != meta.get("priority"):
        warnings.append(f"priority {meta.get('priority')!r} is not an integer: using {priority}")
    return Skill(
        name=name,
        description=description,
        triggers=triggers,
        platforms=[p.lower() for p in _str_list(meta.get("platforms"))],
        requires_windmill=meta.get("requires_windmill") is True,
        priority=priority,
        source=source,
        owner=owner,
        location=str(path.resolve()),
        model_invocable=meta.get("disable-model-invocation") is not True,
        meta={str(k): v for k, v in meta.items()},
        warnings=warnings,
    )


def _str_list(value: Any) -> list[str]:
    """A list of non-empty strings from a YAML list or a comma-separated string."""
    if value is None:
        return []
    items: Iterable[Any] = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        items = [items]
    return [s for s in (str(v).strip() for v in items if v is not None and not isinstance(v, dict)) if s]


def _str_map(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): str(v) for k, v in value.items() if v is not None}


def _int(value: Any, default: int) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def _read_md_dir(directory: Path | None, names: tuple[str, ...]) -> dict[str, str]:
    if directory is None:
        return {}
    for name in names:
        folder = directory / name
        if folder.is_dir():
            out: dict[str, str] = {}
            for file in sorted(folder.glob("*.md")):
                try:
                    out[file.stem] = _read(file)
                except SkillError:
                    continue
            return out
    return {}
