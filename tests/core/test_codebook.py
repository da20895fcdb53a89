"""Codebook files: the shipped ones match the specs; bad files fail with file, code, field."""

from __future__ import annotations

from pathlib import Path

import pytest

from spstories.core.codebook import (
    codebook_to_markdown,
    find_codebook,
    load_codebook,
    load_codebook_text,
    shipped_codebooks,
)
from spstories.core.nlp.patterns import compile_phrase, parse_phrase
from spstories.errors import CodebookError

SPEC_OUTCOME_IDS = {
    "wellbeing",
    "anxiety",
    "confidence",
    "loneliness",
    "connection",
    "control",
    "physical_activity",
    "physical_health",
    "engagement",
    "volunteering",
    "learning",
    "employment",
    "finances",
    "housing",
    "substance_use",
    "service_use",
    "access",
    "community",
}
SPEC_PRACTICE_IDS = {
    "quant",
    "quant.data_types",
    "quant.suitability",
    "qual",
    "qual.data_types",
    "qual.collection_challenges",
    "use",
    "use.facilitating_factors",
    "use.experiences",
    "use.suggestions",
}

MINIMAL = """
id: mini
version: "1"
title: Mini
codes:
  - id: loneliness
    label: Loneliness
    definition: Feeling lonely.
    patterns:
      negative: [lonely]
    examples:
      - {text: I no longer feel lonely., polarity: improved}
  - id: finances
    label: Finances
    definition: Money.
  - id: finances.debt
    label: Debt
    definition: Debt.
"""


def test_outcomes_codebook_has_exactly_the_spec_ids(outcomes):
    assert {code.id for code in outcomes.codes} == SPEC_OUTCOME_IDS
    assert outcomes.polarity and outcomes.assignment == "multi"
    assert all(code.parent is None for code in outcomes.codes)


def test_data_practice_codebook_has_the_spec_themes(practice):
    assert {code.id for code in practice.codes} == SPEC_PRACTICE_IDS
    assert [c.id for c in practice.roots()] == ["quant", "qual", "use"]
    assert [c.id for c in practice.children("use")] == [
        "use.facilitating_factors",
        "use.experiences",
        "use.suggestions",
    ]
    assert not practice.polarity and practice.assignment == "single"


def test_every_shipped_code_has_a_definition_examples_and_a_source(outcomes, practice):
    for code in outcomes.codes:
        assert code.definition and code.source and code.patterns
        assert sum(ex.expect == "positive" for ex in code.examples) >= 3, code.id
        assert any(ex.expect == "negative" for ex in code.examples) or code.id == "access"
    for leaf in practice.leaves():
        assert leaf.patterns and len(leaf.examples) >= 3, leaf.id


def test_shipped_codebooks_are_found_by_id_and_by_path(tmp_path):
    assert {p.stem for p in shipped_codebooks()} >= {"sp-outcomes", "sp-data-practice"}
    path = find_codebook("sp-outcomes")
    assert find_codebook(str(path)) == path
    with pytest.raises(CodebookError, match="sp-outcomes"):
        find_codebook("no-such-codebook")
    with pytest.raises(CodebookError, match="no such codebook file"):
        find_codebook(str(tmp_path / "missing.yaml"))


def test_hierarchy_rollup_and_version():
    cb = load_codebook_text(MINIMAL, "mini.yaml")
    assert cb.version == "1"
    assert cb.code("finances.debt").parent == "finances"  # from the dotted id
    assert cb.rollup("finances.debt") == "finances"
    assert cb.rollup("loneliness") == "loneliness"
    assert cb.within("finances.debt", "finances") and not cb.within("finances", "loneliness")
    assert [c.id for c in cb.leaves()] == ["loneliness", "finances.debt"]
    assert cb.digest and cb.digest != load_codebook_text(MINIMAL + "\n# edited", "m").digest


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        (('version: "1"', "version: 1"), None, "version"),
        (("id: mini", "id: Mini Book"), None, "id"),
        (("title: Mini\n", ""), None, "title"),
        (("    definition: Money.\n", ""), "finances", "definition"),
        (("  - id: finances\n", "  - id: finances\n    colour: red\n"), "finances", "colour"),
        (("negative: [lonely]", 'negative: ["lonely *"]'), "loneliness", "patterns.negative[0]"),
        (("negative: [lonely]", "sideways: [lonely]"), "loneliness", "patterns.sideways"),
        (("polarity: improved}", "polarity: better}"), "loneliness", "examples[0]"),
        (
            (
                "{text: I no longer feel lonely., polarity: improved}",
                "{text: I no longer feel lonely.}",
            ),
            "loneliness",
            "examples[0]",
        ),
        (
            ("  - id: finances.debt\n", "  - id: finances.debt\n    parent: money\n"),
            "finances.debt",
            "parent",
        ),
        (("  - id: finances\n", "  - id: loneliness\n"), "loneliness", "id"),
    ],
)
def test_validation_errors_name_file_code_and_field(change, code, field):
    old, new = change
    assert old in MINIMAL
    with pytest.raises(CodebookError) as caught:
        load_codebook_text(MINIMAL.replace(old, new, 1), "books/mini.yaml")
    error = caught.value
    assert (error.path, error.code, error.field) == ("books/mini.yaml", code, field)
    assert "books/mini.yaml" in str(error)
    assert field in str(error)


def test_invalid_yaml_and_wrong_shapes_are_reported(tmp_path: Path):
    with pytest.raises(CodebookError, match="not valid YAML at line"):
        load_codebook_text("id: [unclosed\n", "broken.yaml")
    with pytest.raises(CodebookError, match="must be a mapping"):
        load_codebook_text("- just a list\n", "list.yaml")
    with pytest.raises(CodebookError, match="codes"):
        load_codebook_text('id: x\nversion: "1"\ntitle: X\ncodes: []\n', "empty.yaml")
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("title: caf\xe9\n".encode("latin-1"))
    with pytest.raises(CodebookError, match="cannot read"):
        load_codebook(bad)


def test_parent_cycles_are_rejected():
    text = MINIMAL.replace("  - id: finances\n", "  - id: finances\n    parent: finances.debt\n")
    with pytest.raises(CodebookError, match="cycle"):
        load_codebook_text(text, "cycle.yaml")


@pytest.mark.parametrize(
    "phrase",
    ["", "*", "* lonely", "lonely *", "a * * b", "[lonely]", "a|", "lon[ely"],
)
def test_malformed_phrases_are_rejected(phrase):
    with pytest.raises(ValueError):
        parse_phrase(phrase)


def test_phrases_expand_inflections_alternatives_and_optional_words():
    (compiled,) = compile_phrase("make [new] friend", key="k", code="c", role="improved")
    (variants,) = compiled["segments"]
    assert {"made new friends", "make friends", "making new friend"} <= set(variants)
    (exact,) = compile_phrase("=lost hope|faith", key="k", code="c", role="worsened")
    assert set(exact["segments"][0]) >= {"lost hope", "lost faith", "lost hopes"}
    assert not any(v.startswith("lose") for v in exact["segments"][0])
    plain, more = compile_phrase("lonely", key="k", code="c", role="negative")
    assert "lonely" in plain["segments"][0] and more["comparative"]
    assert "lonelier" in more["segments"][0] and more["id"] == "k+more"
    gap = compile_phrase("refer * to", key="g", code="access", role="improved")[0]
    assert len(gap["segments"]) == 2 and "referred" in gap["segments"][0]


def test_markdown_rendering_is_readable(outcomes, practice):
    text = codebook_to_markdown(outcomes)
    assert text.startswith("# Social prescribing outcomes\n")
    assert "Codebook `sp-outcomes`, version 1.0.0." in text
    assert "## Loneliness and isolation (`loneliness`)" in text
    assert "I no longer feel lonely." in text and "→ this code, improved" in text
    assert "not this code" in text
    nested = codebook_to_markdown(practice)
    assert "## Quantitative data recording (`quant`)" in nested
    assert "### Quantitative data types (`quant.data_types`)" in nested
