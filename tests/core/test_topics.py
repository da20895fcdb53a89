"""Topic runs on generated corpora: planted themes must come back as topics."""

from __future__ import annotations

import json
from datetime import date

import pytest

from spstories.core.topics.artifacts import RunRecord, load_topic_model, run_folder, save_run
from spstories.core.topics.corpus import SourceText, build_units, codes_by_unit, residual
from spstories.core.topics.model import TopicParams, fit_topics
from spstories.core.topics.planted import THEMES, planted_corpus, recovered
from spstories.core.topics.promote import add_draft_code, next_draft_version
from spstories.core.topics.results import OUTLIER, summarise
from spstories.errors import CodebookError, SpstoriesError
from spstories.paths import CODEBOOKS_DIR

PARAMS = TopicParams(min_topic_size=15, seed=7)


@pytest.fixture(scope="module")
def planted():
    sources, truth = planted_corpus(600, seed=3)
    units = build_units(sources)
    return units, truth, fit_topics([u.text for u in units], PARAMS)


def test_every_planted_theme_is_the_majority_of_a_topic(planted):
    units, truth, fitted = planted
    assert len(units) == len(truth) == 600
    found = recovered(truth, fitted.assignments, purity=0.8)
    assert set(found) == set(THEMES)
    assert all(topic is not None for topic in found.values()), found
    assert len(set(found.values())) == len(THEMES)  # five themes, five different topics


def test_a_topics_terms_are_its_themes_words(planted):
    _units, truth, fitted = planted
    for theme, topic in recovered(truth, fitted.assignments).items():
        top = {w for w, _ in fitted.terms[topic][:5]}
        assert top <= set(THEMES[theme]), (theme, top)


def test_boilerplate_never_becomes_a_term(planted):
    _units, _truth, fitted = planted
    words = {w for terms in fitted.terms.values() for w, _ in terms}
    assert not words & {"link", "worker", "said", "told", "really"}


def test_same_seed_same_topics(planted):
    units, _truth, fitted = planted
    again = fit_topics([u.text for u in units], PARAMS)
    assert again.assignments == fitted.assignments
    assert again.terms == fitted.terms


def test_summaries_have_sizes_examples_months_and_code_overlap(planted):
    units, truth, fitted = planted
    codes = {u.id: {"food"} for u, t in zip(units, truth, strict=True) if t == "cooking"}
    summaries = summarise(units, fitted, codes)
    assert sum(s.size for s in summaries) == len(units)
    cooking = recovered(truth, fitted.assignments)["cooking"]
    top = next(s for s in summaries if s.number == cooking)
    assert top.code_overlap["food"] >= 0.8 * top.size
    assert len(top.representatives) == PARAMS.representatives
    assert all(set(r["text"].lower().rstrip(".").split()) & set(THEMES["cooking"])
               for r in top.representatives)
    assert sum(top.over_time.values()) == top.size
    assert set(top.over_time) <= {f"2025-{m:02d}" for m in range(1, 13)}
    assert [s.number for s in summaries if s.number != OUTLIER] == sorted(
        s.number for s in summaries if s.number != OUTLIER)


def test_k_means_gives_the_asked_number_of_topics_and_no_outliers():
    sources, truth = planted_corpus(300, seed=1, noise=0.0)
    units = build_units(sources)
    fitted = fit_topics([u.text for u in units], TopicParams(n_topics=5, seed=1))
    assert sorted(set(fitted.assignments)) == [0, 1, 2, 3, 4]
    assert all(v is not None for v in recovered(truth, fitted.assignments).values())


def test_too_small_a_corpus_is_refused_with_a_reason():
    with pytest.raises(SpstoriesError, match="too few texts"):
        fit_topics(["one short text here"] * 5, TopicParams())


def test_sentences_and_passages_keep_offsets_ids_and_dates():
    text = "- We dug the allotment together.\nShe loves it there now.\n\nThe bills were paid off."
    source = SourceText("feedback:4", "text", text, date(2025, 3, 1))
    sentences = build_units([source], "sentence")
    assert [u.text for u in sentences] == [
        "We dug the allotment together.", "She loves it there now.", "The bills were paid off."]
    assert all(text[u.start:u.end] == u.text and u.on == date(2025, 3, 1) for u in sentences)
    assert len({u.id for u in sentences}) == 3
    passages = build_units([source], "passage")
    assert [u.text for u in passages][1] == "The bills were paid off."


def test_residual_keeps_only_units_no_code_touches():
    text = "She sleeps better now. We dug the allotment together on Sunday."
    units = build_units([SourceText("feedback:1", "text", text)])
    codes = codes_by_unit(units, [("feedback:1", "text", 4, 10, "sleep")])
    assert [u.text for u in residual(units, codes)] == ["We dug the allotment together on Sunday."]


def test_a_saved_run_has_parameters_a_table_and_a_card_but_no_narrative(planted, tmp_path):
    units, _truth, fitted = planted
    summaries = summarise(units, fitted)
    record = RunRecord("9", PARAMS, len(units), "abc123", None, "feedback")
    folder = save_run(run_folder(tmp_path, "9", date(2026, 1, 2)), record, fitted, summaries)
    assert folder.name == "topics-2026-01-02-9"
    params = json.loads((folder / "params.json").read_text())
    assert (params["seed"], params["min_topic_size"], params["corpus_sha256"]) == (7, 15, "abc123")
    table = json.loads((folder / "topics.json").read_text())
    assert [t["size"] for t in table] == [s.size for s in summaries]
    assert "text" not in table[0]["representatives"][0]
    card = (folder / "MODEL_CARD.md").read_text()
    assert "Seed: 7" in card and "## Limits" in card
    assert not list(folder.glob("*.pkl")) and not list(folder.glob("*.pickle"))


def test_promoting_adds_a_valid_draft_code_with_examples():
    source = (CODEBOOKS_DIR / "sp-outcomes.yaml").read_text()
    _text, spec, key = add_draft_code(
        source, version="1.1.0-draft.1", label="Growing food", definition="Gardening, edit me.",
        examples=["We dug the allotment."], source="topic 3 of run 9", polarity="improved")
    assert key == "growing_food" and spec.version == "1.1.0-draft.1"
    code = spec.code("growing_food")
    assert code.examples[0].text == "We dug the allotment." and code.source == "topic 3 of run 9"
    with pytest.raises(CodebookError, match="polarity"):
        add_draft_code(source, version="x", label="A", definition="b", examples=["c"],
                       source="s", polarity=None)


def test_draft_versions_never_collide():
    assert next_draft_version("1.0.0", set()) == "1.1.0-draft.1"
    assert next_draft_version("1.1.0-draft.1", {"1.1.0-draft.1"}) == "1.1.0-draft.2"
    assert next_draft_version("1.0.0", {"1.1.0-draft.1"}) == "1.1.0-draft.2"


def test_the_fitted_model_is_saved_safely_and_loads_back(planted, tmp_path):
    units, _truth, fitted = planted
    record = RunRecord("9", PARAMS, len(units), "abc123", None, "feedback")
    folder = save_run(run_folder(tmp_path, "9"), record, fitted, summarise(units, fitted))
    saved = {p.name for p in (folder / "bertopic").iterdir()}
    assert {"topic_embeddings.safetensors", "ctfidf.safetensors", "config.json"} <= saved
    model, embed = load_topic_model(folder)
    assert model.get_topics().keys() == fitted.model.get_topics().keys()
    assert [w for w, _ in model.get_topic(0)] == [w for w, _ in fitted.model.get_topic(0)]
    # New text lands in the topic whose theme it shares, through the saved embedder alone.
    texts = [u.text for u in units[:40]]
    again, _ = model.transform(texts, embed(texts))
    assert list(again) == fitted.assignments[:40]


def test_no_saved_file_holds_narrative_text(planted, tmp_path):
    units, _truth, fitted = planted
    record = RunRecord("9", PARAMS, len(units), "abc123", None, "feedback")
    folder = save_run(run_folder(tmp_path, "9"), record, fitted, summarise(units, fitted))
    written = " ".join(p.read_text(errors="ignore") for p in folder.rglob("*.json"))
    assert not [u.text for u in units if u.text in written]
