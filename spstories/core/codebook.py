"""Codebooks: YAML files of codes with definitions, patterns and examples, validated on load.

Every error names the file, the code and the field, so a researcher editing a codebook
can find the mistake. The format is described in ``docs/tagger.md``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NoReturn

import yaml

from spstories.core.nlp.patterns import parse_phrase
from spstories.core.tags import Polarity
from spstories.errors import CodebookError
from spstories.paths import CODEBOOKS_DIR

POLAR_ROLES = ("positive", "negative", "activity", "improved", "worsened", "unchanged", "exclude")
PLAIN_ROLES = ("terms", "exclude")
_CODEBOOK_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_CODE_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
_TOP_KEYS = {"id", "version", "title", "description", "polarity", "assignment", "source", "codes"}
_CODE_KEYS = {
    "id",
    "label",
    "parent",
    "definition",
    "include",
    "exclude",
    "examples",
    "patterns",
    "source",
}
_EXAMPLE_KEYS = {"text", "polarity", "expect", "note"}


@dataclass(frozen=True, slots=True)
class Pattern:
    """A phrase in the codebook's phrase syntax; ``role`` says how it bears on polarity."""

    phrase: str
    role: str
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class Example:
    """A text the tagger must (``expect="positive"``) or must not tag with its code."""

    text: str
    polarity: Polarity | None = None
    expect: Literal["positive", "negative"] = "positive"
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Code:
    id: str
    label: str
    parent: str | None
    definition: str
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    examples: tuple[Example, ...] = ()
    patterns: tuple[Pattern, ...] = ()
    source: str | None = None


@dataclass(frozen=True)
class Codebook:
    """A validated codebook. ``polarity`` False means codes carry no direction of change;
    ``assignment`` "single" means each passage gets the one best-fitting leaf code."""

    id: str
    version: str
    title: str
    description: str
    codes: tuple[Code, ...]
    source_path: str | None = None
    polarity: bool = True
    assignment: Literal["multi", "single"] = "multi"
    source: str | None = None
    digest: str = ""

    def code(self, code_id: str) -> Code:
        for code in self.codes:
            if code.id == code_id:
                return code
        raise KeyError(f"codebook {self.id} has no code {code_id!r}")

    def roots(self) -> list[Code]:
        return [code for code in self.codes if code.parent is None]

    def children(self, code_id: str | None) -> list[Code]:
        return [code for code in self.codes if code.parent == code_id]

    def leaves(self) -> list[Code]:
        parents = {code.parent for code in self.codes}
        return [code for code in self.codes if code.id not in parents]

    def rollup(self, code_id: str) -> str:
        """The top-level code a (sub-)code counts towards."""
        code = self.code(code_id)
        while code.parent is not None:
            code = self.code(code.parent)
        return code.id

    def within(self, code_id: str, ancestor: str) -> bool:
        """True when ``code_id`` is ``ancestor`` or one of its descendants."""
        current: str | None = code_id
        while current is not None:
            if current == ancestor:
                return True
            current = self.code(current).parent
        return False


def shipped_codebooks() -> list[Path]:
    return sorted(CODEBOOKS_DIR.glob("*.yaml"))


def find_codebook(id_or_path: str | Path) -> Path:
    """The file of a shipped codebook id (file stem in ``codebooks/``) or of a path."""
    text = str(id_or_path)
    path = Path(text)
    if path.is_file():
        return path
    if path.suffix.lower() in {".yaml", ".yml"} or "/" in text or "\\" in text:
        raise CodebookError("no such codebook file", path=text)
    shipped = CODEBOOKS_DIR / f"{text}.yaml"
    if shipped.is_file():
        return shipped
    known = ", ".join(p.stem for p in shipped_codebooks()) or "none"
    raise CodebookError(f"no codebook {text!r}: give a file or one of: {known}")


def load_codebook(path: str | Path) -> Codebook:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CodebookError(f"cannot read: {exc}", path=str(path)) from exc
    return load_codebook_text(text, str(path))


MAX_CODEBOOK_CHARS = 2_000_000


class _PlainLoader(yaml.SafeLoader):
    """Safe YAML without anchors and aliases: a codebook never needs them, and aliases are
    how a small file expands to billions of nodes ("billion laughs")."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed", self.peek_event().start_mark
            )
        return super().compose_node(parent, index)


def _load_plain_yaml(text: str) -> Any:
    """YAML without aliases; with libyaml when installed (ten times faster to start), its
    events checked for aliases before anything is built."""
    if not getattr(yaml, "__with_libyaml__", False):
        return yaml.load(text, Loader=_PlainLoader)  # noqa: S506 - a SafeLoader
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed", event.start_mark
            )
    return yaml.load(text, Loader=yaml.CSafeLoader)


def load_codebook_text(text: str, path_label: str = "<codebook>") -> Codebook:
    """Parse and validate YAML text; ``path_label`` names it in error messages."""
    if len(text) > MAX_CODEBOOK_CHARS:
        raise CodebookError(f"longer than {MAX_CODEBOOK_CHARS:,} characters", path=path_label)
    try:
        data = _load_plain_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise CodebookError(f"not valid YAML{where}", path=path_label) from exc
    except RecursionError:
        raise CodebookError("nested too deeply", path=path_label) from None
    return _Reader(path_label).codebook(data, hashlib.sha256(text.encode()).hexdigest())


class _Reader:
    """Validation with the file name at hand; one method per level of the format."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, message: str, code: str | None = None, field: str | None = None) -> NoReturn:
        raise CodebookError(message, path=self.path, code=code, field=field)

    def text(self, data: dict[str, Any], key: str, code: str | None, required: bool) -> str:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail("is required", code, key)
            return ""
        if not isinstance(value, str):
            self.fail(f"must be text (quote it), not {type(value).__name__}", code, key)
        return " ".join(value.split())

    def texts(self, data: dict[str, Any], key: str, code: str) -> tuple[str, ...]:
        value = data.get(key) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail("must be a list of texts", code, key)
        return tuple(" ".join(v.split()) for v in value)

    def unknown(
        self, data: dict[str, Any], allowed: set[str], code: str | None, prefix: str = ""
    ) -> None:
        extra = sorted(set(data) - allowed)
        if extra:
            self.fail(
                f"unknown field; allowed: {', '.join(sorted(allowed))}",
                code,
                prefix + str(extra[0]),
            )

    def codebook(self, data: Any, digest: str) -> Codebook:
        if not isinstance(data, dict):
            self.fail("a codebook must be a mapping with id, version, title and codes")
        self.unknown(data, _TOP_KEYS, None)
        cb_id = self.text(data, "id", None, True)
        if not _CODEBOOK_ID.match(cb_id):
            self.fail("must be lower-case letters, digits, '.', '_' or '-'", None, "id")
        version = self.text(data, "version", None, True)
        polarity = data.get("polarity", True)
        if not isinstance(polarity, bool):
            self.fail("must be true or false", None, "polarity")
        assignment = data.get("assignment", "multi")
        if assignment not in ("multi", "single"):
            self.fail("must be 'multi' or 'single'", None, "assignment")
        raw_codes = data.get("codes")
        if not isinstance(raw_codes, list) or not raw_codes:
            self.fail("must be a non-empty list of codes", None, "codes")
        codes = tuple(self.code(raw, i, polarity) for i, raw in enumerate(raw_codes))
        self.check_tree(codes)
        return Codebook(
            id=cb_id,
            version=version,
            title=self.text(data, "title", None, True),
            description=self.text(data, "description", None, False),
            codes=codes,
            source_path=self.path,
            polarity=polarity,
            assignment=assignment,
            source=self.text(data, "source", None, False) or None,
            digest=digest,
        )

    def code(self, raw: Any, index: int, polar: bool) -> Code:
        if not isinstance(raw, dict):
            self.fail(f"codes[{index}] must be a mapping", None, "codes")
        code_id = raw.get("id")
        if not isinstance(code_id, str) or not _CODE_ID.match(code_id):
            self.fail(
                f"codes[{index}]: id must look like 'loneliness' or 'finances.debt'",
                code_id if isinstance(code_id, str) else None,
                "id",
            )
        self.unknown(raw, _CODE_KEYS, code_id)
        parent = raw.get("parent")
        if parent is None and "." in code_id:
            parent = code_id.rsplit(".", 1)[0]
        if parent is not None and not isinstance(parent, str):
            self.fail("must be a code id", code_id, "parent")
        return Code(
            id=code_id,
            label=self.text(raw, "label", code_id, True),
            parent=parent,
            definition=self.text(raw, "definition", code_id, True),
            include=self.texts(raw, "include", code_id),
            exclude=self.texts(raw, "exclude", code_id),
            examples=self.examples(raw.get("examples"), code_id, polar),
            patterns=self.patterns(raw.get("patterns"), code_id, polar),
            source=self.text(raw, "source", code_id, False) or None,
        )

    def patterns(self, raw: Any, code: str, polar: bool) -> tuple[Pattern, ...]:
        if raw is None:
            return ()
        roles = POLAR_ROLES if polar else PLAIN_ROLES
        if not isinstance(raw, dict):
            self.fail(f"must be a mapping of {', '.join(roles)} to phrases", code, "patterns")
        self.unknown(raw, set(roles), code, "patterns.")
        found = []
        for role in roles:
            entries = raw.get(role) or []
            if not isinstance(entries, list):
                self.fail("must be a list of phrases", code, f"patterns.{role}")
            for i, entry in enumerate(entries):
                field = f"patterns.{role}[{i}]"
                phrase, weight = entry, 1.0
                if isinstance(entry, dict):
                    self.unknown(entry, {"phrase", "weight"}, code, field + ".")
                    phrase, weight = entry.get("phrase"), entry.get("weight", 1.0)
                if not isinstance(weight, int | float) or not 0 < weight <= 1:
                    self.fail("weight must be a number in (0, 1]", code, field)
                try:
                    parse_phrase(phrase)
                except ValueError as exc:
                    self.fail(str(exc), code, field)
                found.append(Pattern(" ".join(phrase.split()), role, float(weight)))
        return tuple(found)

    def examples(self, raw: Any, code: str, polar: bool) -> tuple[Example, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.fail("must be a list of examples", code, "examples")
        found = []
        for i, entry in enumerate(raw):
            field = f"examples[{i}]"
            if not isinstance(entry, dict):
                self.fail("must be a mapping with text", code, field)
            self.unknown(entry, _EXAMPLE_KEYS, code, field + ".")
            text = self.text(entry, "text", code, False)
            if not text:
                self.fail("text is required", code, field)
            expect = entry.get("expect", "positive")
            if expect not in ("positive", "negative"):
                self.fail("expect must be 'positive' or 'negative'", code, field)
            polarity = entry.get("polarity")
            if polarity is not None and (not polar or polarity not in set(Polarity)):
                allowed = ", ".join(Polarity) if polar else "none in this codebook"
                self.fail(f"polarity must be one of: {allowed}", code, field)
            if polar and expect == "positive" and polarity is None:
                self.fail("a positive example needs a polarity", code, field)
            found.append(
                Example(
                    str(entry["text"]).strip(),
                    Polarity(polarity) if polarity else None,
                    expect,
                    entry.get("note"),
                )
            )
        return tuple(found)

    def check_tree(self, codes: tuple[Code, ...]) -> None:
        ids = [code.id for code in codes]
        by_id = {code.id: code for code in codes}
        for code in codes:
            if ids.count(code.id) > 1:
                self.fail("is defined twice", code.id, "id")
            if code.parent is not None and code.parent not in by_id:
                self.fail(f"names an unknown code {code.parent!r}", code.id, "parent")
            seen = {code.id}
            parent = code.parent
            while parent is not None:
                if parent in seen:
                    self.fail("the parents form a cycle", code.id, "parent")
                seen.add(parent)
                parent = by_id[parent].parent


def codebook_to_markdown(codebook: Codebook) -> str:
    """The codebook as a readable document: one section per code, in hierarchy order."""
    lines = [f"# {codebook.title}", "", f"Codebook `{codebook.id}`, version {codebook.version}."]
    if codebook.description:
        lines += ["", codebook.description]
    if codebook.source:
        lines += ["", f"Source: {codebook.source}"]

    def section(code: Code, depth: int) -> None:
        lines.extend(
            ["", f"{'#' * min(depth + 2, 6)} {code.label} (`{code.id}`)", "", code.definition]
        )
        for title, items in (("Include", code.include), ("Exclude", code.exclude)):
            if items:
                lines.extend(["", f"**{title}:**", ""] + [f"- {item}" for item in items])
        if code.patterns:
            lines.extend(["", "**Patterns:**", ""])
            for role in (*POLAR_ROLES, *PLAIN_ROLES):
                phrases = [f"`{p.phrase}`" for p in code.patterns if p.role == role]
                if phrases:
                    lines.append(f"- {role}: {', '.join(phrases)}")
        if code.examples:
            lines.extend(["", "**Examples:**", ""])
            for ex in code.examples:
                verdict = "not this code" if ex.expect == "negative" else "this code"
                if ex.polarity is not None:
                    verdict += f", {ex.polarity}"
                lines.append(f"- “{ex.text}” → {verdict}")
        if code.source:
            lines.extend(["", f"*Source: {code.source}*"])
        for child in codebook.children(code.id):
            section(child, depth + 1)

    for root in codebook.roots():
        section(root, 0)
    return "\n".join(lines) + "\n"
