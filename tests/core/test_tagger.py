"""The rule tagger: polarity reading, evidence offsets, Markdown, caching, serialization."""

from __future__ import annotations

import dataclasses

import pytest
import spacy

from spstories.core.codebook import load_codebook_text
from spstories.core.nlp.inflect import comparative_forms, lemma, word_forms
from spstories.core.nlp.pipeline import build_nlp
from spstories.core.tagging import (
    RuleTagger,
    Tagger,
    build_tagger,
    register_tagger,
    tagger_kinds,
)
from spstories.core.tags import Polarity, Tag
from spstories.errors import ModelUnavailable

# (text, the (code, polarity) pairs it must carry, codes it must not carry)
CASES = [
    ("I no longer feel lonely.", {("loneliness", "improved")}, set()),
    ("I'm still lonely.", {("loneliness", "unchanged")}, set()),
    ("I used to be lonely.", {("loneliness", "improved")}, set()),
    ("I don't feel so alone any more.", {("loneliness", "improved")}, set()),
    ("Since her husband died she has become very isolated.", {("loneliness", "worsened")}, set()),
    ("I've never been so lonely in my life.", {("loneliness", "worsened")}, set()),
    ("I feel more confident.", {("confidence", "improved")}, set()),
    ("My confidence has really grown.", {("confidence", "improved")}, set()),
    ("I lost all my confidence after the fall.", {("confidence", "worsened")}, set()),
    ("I feel less anxious.", {("anxiety", "improved")}, set()),
    ("My anxiety has got worse.", {("anxiety", "worsened")}, set()),
    ("I'm not as stressed as I was.", {("anxiety", "improved")}, set()),
    ("My anxiety is no better.", {("anxiety", "unchanged")}, set()),
    ("I feel happier than I have for years.", {("wellbeing", "improved")}, set()),
    ("We lost our home in the spring.", {("housing", "worsened")}, set()),
    ("She was rehoused in April.", {("housing", "improved")}, set()),
    ("I've made new friends.", {("connection", "improved")}, set()),
    ("I didn't make any friends.", {("connection", "unchanged")}, set()),
    ("I started volunteering at the food bank.", {("volunteering", "improved")}, set()),
    ("He doesn't go to the day centre any more.", {("engagement", "worsened")}, set()),
    ("He stopped attending the walking group.", {("engagement", "worsened")}, set()),
    ("I've started applying for jobs.", {("employment", "improved")}, set()),
    ("I couldn't have coped without her.", {("control", "improved")}, set()),
    ("I have been on the waiting list since March.", {("access", "unchanged")}, set()),
    ("It was difficult to get an appointment.", {("access", "unchanged")}, set()),
    ("She referred me to the citizens advice bureau.", {("access", "improved")}, set()),
    (
        "I ended up in A&E after an overdose.",
        {("service_use", "worsened"), ("anxiety", "worsened")},
        set(),
    ),
    ("She has cut down her drinking.", {("substance_use", "improved")}, set()),
    ("I have learnt so much.", {("learning", "improved")}, set()),
    ("My pain has eased.", {("physical_health", "improved")}, set()),
    ("She is now off her antidepressants.", {("service_use", "improved")}, set()),
    ("Her GAD-7 score dropped from 15 to 6.", {("anxiety", "improved")}, set()),
    ("His WEMWBS score went up from 35 to 48.", {("wellbeing", "improved")}, set()),
    ("She completed a SWEMWBS at the first appointment.", set(), {"wellbeing"}),
    ("My blood pressure has come down.", {("physical_health", "improved")}, set()),
    ("I've been going to the gym twice a week.", {("physical_activity", "improved")}, set()),
    # Needs at referral, wishes, hypotheticals, treatment and praise are not outcomes.
    ("I am going to try yoga next week.", set(), {"physical_activity"}),
    ("The nurse gave me pain relief straight away.", set(), None),
    ("They gave me painkillers and sent me home.", set(), {"service_use"}),
    ("The nurse was lovely and put me at ease.", set(), None),
    ("She was referred for loneliness.", set(), {"loneliness"}),
    ("I was referred because I was lonely.", set(), {"loneliness"}),
    ("It would be nice to make some friends.", set(), {"connection"}),
    ("I hope to go back to work next year.", set(), {"employment"}),
    ("If I feel anxious I ring the helpline.", set(), {"anxiety"}),
    ("The service can help you with debt and housing.", set(), {"finances", "housing"}),
    ("The staff were lovely and the service is brilliant.", set(), None),
    ("He has a learning disability.", set(), {"learning"}),
    ("She contacted the housing department for me.", set(), {"housing"}),
    ("I would like to see more activities on the ward.", set(), {"engagement"}),
]


def pairs(tags: list[Tag]) -> set[tuple[str, str]]:
    return {(t.code, str(t.polarity)) for t in tags}


# Cessation cues end only the phrase they govern: "no longer" what follows it (or its
# subject: "anxiety is no longer..."), "any more" the verb phrase before it; neither
# reaches past a subject pronoun or an "and" that starts another clause or verb phrase.
# (text, (code, polarity) pairs it must carry, pairs it must not carry)
SCOPE_CASES = [
    (
        "Since joining the walking group I no longer feel lonely.",
        {("loneliness", "improved"), ("engagement", "improved"), ("physical_activity", "improved")},
        {("engagement", "worsened"), ("physical_activity", "worsened")},
    ),
    (
        "Ever since joining the choir he doesn't feel isolated anymore.",
        {("loneliness", "improved"), ("engagement", "improved")},
        {("engagement", "worsened")},
    ),
    (
        "She goes to the craft group and no longer feels so anxious.",
        {("anxiety", "improved"), ("engagement", "improved")},
        {("engagement", "worsened")},
    ),
    (
        "He isn't depressed anymore and goes to the allotment every week.",
        {("anxiety", "improved"), ("engagement", "improved")},
        {("engagement", "worsened")},
    ),
    (
        "I'm not stressed anymore and feel more confident.",
        {("anxiety", "improved"), ("confidence", "improved")},
        {("confidence", "worsened")},
    ),
    (
        "I no longer drink and I sleep much better.",
        {("physical_health", "improved")},
        {("physical_health", "worsened")},
    ),
    (
        "She joined a gardening group and stopped feeling so low.",
        {("engagement", "improved")},
        {("engagement", "worsened")},
    ),
    (
        "Since starting at the lunch club she has stopped feeling lonely.",
        {("loneliness", "improved"), ("engagement", "improved")},
        {("engagement", "worsened"), ("loneliness", "worsened")},
    ),
    # Two codes of different polarity in one sentence, each cue on its own phrase.
    (
        "He no longer goes to the day centre but his confidence has grown.",
        {("engagement", "worsened"), ("confidence", "improved")},
        {("confidence", "worsened"), ("engagement", "improved")},
    ),
    (
        "I don't go to the gym any more, but I feel less lonely.",
        {("physical_activity", "worsened"), ("loneliness", "improved")},
        {("physical_activity", "improved"), ("loneliness", "worsened")},
    ),
    (
        "They stopped attending the art class and their mood got worse.",
        {("engagement", "worsened"), ("wellbeing", "worsened")},
        {("engagement", "improved"), ("wellbeing", "improved")},
    ),
    # What the cues did before still holds.
    ("Anxiety is no longer a problem for her.", {("anxiety", "improved")}, set()),
    ("He doesn't see his friends any more.", {("connection", "worsened")}, set()),
    (
        "She stopped going to the walking group after her fall.",
        {("engagement", "worsened"), ("physical_activity", "worsened")},
        {("engagement", "improved"), ("physical_activity", "improved")},
    ),
    (
        "I have given up smoking and taken up swimming.",
        {("physical_health", "improved"), ("physical_activity", "improved")},
        {("physical_activity", "worsened")},
    ),
]


@pytest.mark.parametrize(
    ("text", "wanted", "unwanted"), SCOPE_CASES, ids=[c[0][:40] for c in SCOPE_CASES]
)
def test_cessation_cues_end_only_the_phrase_they_govern(tagger, text, wanted, unwanted):
    found = pairs(tagger.tag(text))
    assert wanted <= found
    assert not found & unwanted


@pytest.mark.parametrize(("text", "wanted", "unwanted"), CASES, ids=[c[0][:40] for c in CASES])
def test_polarity_cases(tagger, text, wanted, unwanted):
    tags = tagger.tag(text)
    assert wanted <= pairs(tags)
    if unwanted is None:
        assert tags == []
    else:
        assert not {t.code for t in tags} & unwanted


def test_tags_carry_evidence_offsets_score_and_codebook(tagger):
    text = "The group was fun. Since joining I feel far less lonely!  Thanks."
    (tag,) = [t for t in tagger.tag(text) if t.code == "loneliness"]
    assert text[tag.start : tag.end] == tag.evidence == "Since joining I feel far less lonely!"
    assert tag.polarity is Polarity.IMPROVED and 0 < tag.score <= 1 and tag.source == "rule"
    assert (tag.codebook, tag.codebook_version) == ("sp-outcomes", "1.0.0")
    assert Tag.from_dict(tag.to_dict()) == tag
    assert set(tag.to_dict(with_codebook=False)) == {
        "code",
        "polarity",
        "start",
        "end",
        "evidence",
        "score",
        "source",
    }


def test_tags_are_sorted_by_score_and_one_per_sentence_code_polarity(tagger):
    text = (
        "I feel less lonely and less isolated. Now I go out more. "
        "I'm much more confident and happier."
    )
    tags = tagger.tag(text)
    assert [t.score for t in tags] == sorted((t.score for t in tags), reverse=True)
    keys = [(t.start, t.code, t.polarity) for t in tags]
    assert len(keys) == len(set(keys))
    assert {
        ("loneliness", "improved"),
        ("confidence", "improved"),
        ("wellbeing", "improved"),
    } <= pairs(tags)


def test_markdown_does_not_glue_list_items_or_headings(tagger):
    text = (
        "# How it went\n\n- I **no longer** feel lonely\n- I'm still anxious\n"
        "Overall I made new friends"
    )
    tags = tagger.tag(text)
    found = {(t.code, str(t.polarity)): t for t in tags}
    assert found[("loneliness", "improved")].evidence == "I **no longer** feel lonely"
    assert found[("anxiety", "unchanged")].evidence == "I'm still anxious"
    assert ("anxiety", "improved") not in found  # "no longer" stays in its own item
    for tag in tags:
        assert text[tag.start : tag.end] == tag.evidence
        assert not tag.evidence.startswith(("-", "#", " "))


def test_hard_wrapped_sentence_stays_whole(tagger):
    text = "Before the group I was\nvery lonely, but now I\nfeel much less lonely."
    (tag,) = [t for t in tagger.tag(text) if t.code == "loneliness"]
    assert tag.evidence == text


def test_tag_many_matches_tag_and_streams(tagger):
    texts = ["I feel less lonely.", "", "Nothing to see here.", "I've stopped smoking."]
    assert list(tagger.tag_many(iter(texts))) == [tagger.tag(t) for t in texts]


def test_taggers_are_cached_per_codebook_content(outcomes, tagger):
    assert build_tagger(outcomes) is tagger
    assert build_tagger(dataclasses.replace(outcomes)) is tagger  # same content digest
    stricter = build_tagger(outcomes, min_score=0.8)
    assert stricter is not tagger and stricter.min_score == 0.8
    assert all(t.score >= 0.8 for t in stricter.tag("I feel much more confident now."))
    assert isinstance(tagger, Tagger)
    assert tagger.codebook_id == "sp-outcomes" and tagger.codebook_version == "1.0.0"


def test_a_second_kind_of_tagger_plugs_in(outcomes):
    class Fixed:
        kind = "fixed"

        def __init__(self, codebook):
            self.codebook = codebook

        codebook_id = property(lambda self: self.codebook.id)
        codebook_version = property(lambda self: self.codebook.version)

        def tag(self, text):
            return []

        def tag_many(self, texts):
            return iter([[] for _ in texts])

        def rollup(self, code):
            return code

    register_tagger("fixed", Fixed)
    try:
        assert "fixed" in tagger_kinds()
        built = build_tagger(outcomes, kind="fixed")
        assert isinstance(built, Fixed) and isinstance(built, Tagger)
    finally:
        from spstories.core import tagging

        tagging._FACTORIES.pop("fixed")
    with pytest.raises(ValueError, match="unknown tagger"):
        build_tagger(outcomes, kind="fixed")


def test_codebook_without_polarity_gives_plain_tags(practice_tagger):
    tags = practice_tagger.tag("We send our KPIs to the PCN every quarter.")
    assert tags and all(t.polarity is None for t in tags)
    assert all(t.to_dict()["polarity"] is None for t in tags)


def test_sub_codes_replace_their_parent_in_the_same_sentence():
    cb = load_codebook_text(
        """
id: nested
version: "2"
title: Nested
codes:
  - id: finances
    label: Finances
    definition: Money.
    patterns:
      negative: [money worries]
  - id: finances.debt
    label: Debt
    definition: Debt.
    patterns:
      negative: [=debt, money worries]
""",
        "nested.yaml",
    )
    tagger = RuleTagger.from_codebook(cb)
    tags = tagger.tag("My money worries have gone and my debt is much lower.")
    assert {t.code for t in tags} == {"finances.debt"}
    assert tagger.rollup("finances.debt") == "finances"


def test_pipeline_round_trips_through_disk(tmp_path, outcomes, tagger):
    nlp = build_nlp(outcomes)
    nlp.to_disk(tmp_path / "pipeline")
    patterns = (tmp_path / "pipeline" / "sp_codebook_matcher" / "patterns.jsonl").read_text()
    assert '"code": "loneliness"' in patterns or '"code":"loneliness"' in patterns
    assert (tmp_path / "pipeline" / "sp_polarity" / "cues.json").is_file()
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.pipe_names == ["sp_codebook_matcher", "sp_polarity"]
    text = "I no longer feel lonely but I'm still anxious. I've made new friends."
    assert tagger.tags_of(loaded(text), text) == tagger.tag(text)


def test_a_missing_trained_pipeline_is_reported_not_downloaded(outcomes):
    with pytest.raises(ModelUnavailable, match="not installed"):
        build_nlp(outcomes, base="en_core_web_no_such_model")


def test_inflection_comes_from_lookup_tables():
    assert {"lose", "loses", "losing", "lost"} <= word_forms("lose")
    assert {"friend", "friends"} <= word_forms("friend")
    assert "housing" not in word_forms("house") or "house" not in word_forms("housing")
    assert word_forms("housing") >= {"housing"} and "house" not in word_forms("housing")
    assert "lonelier" in comparative_forms("lonely")
    assert "worse" in comparative_forms("bad")
    assert comparative_forms("anxious") == frozenset()
    assert lemma("volunteering") == "volunteer"


def test_the_decision_can_be_read_for_one_match(tagger):
    """``judge`` works on a Match and the sentence's cues, without the pipeline's
    matcher: the rules can be checked one by one."""
    from spstories.core.nlp.extensions import Match
    from spstories.core.nlp.verdict import judge

    reader = tagger.nlp.get_pipe("sp_polarity")
    doc = tagger.nlp.make_doc("I no longer feel so lonely.")
    lonely = Match("loneliness", "negative", 5, 6, "test", 1.0, False)
    sentence = reader.read_sentence(doc, 0, len(doc))
    assert sorted(sentence.cues[0].categories) == ["no_longer"]
    assert judge(lonely, sentence) == ("improved", 0.85, "no longer")
    friends = Match("connection", "improved", 5, 6, "test", 0.5, False)
    assert judge(friends, sentence) == ("worsened", 0.35, "no longer")
