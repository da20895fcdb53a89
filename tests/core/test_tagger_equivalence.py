"""The rule tagger's output, pinned: speed work on the tagger must not change one tag.

Fingerprints (SHA-256 of every tag: code, polarity, start, end, evidence, score) were
taken from the tagger before its speed-up, for both codebooks on: the development quotes
(only their hash is stored here, not the texts), the codebooks' examples, the first 2,000
benchmark paragraphs, those texts roughened with line breaks and Markdown, and word salad
built from the cue lists and codebook phrases to reach rule branches that real text
seldom does. They depend on spaCy's tokenizer and lookup tables too: after upgrading
spaCy or spacy-lookups-data, check the tags by other means before taking new ones
(``python tests/core/test_tagger_equivalence.py`` prints them).

Changed on purpose once since: cessation cues were limited to the phrase they govern
("since joining the walking group I no longer feel lonely" no longer ends the group) and
"since joining/starting/attending/coming" became a taking-part cue (sp-outcomes:
examples, benchmark, roughened, salad; the dev tags did not change). The salad of both
codebooks is drawn from the cue lists, so adding cue phrases changes its texts: the
sp-data-practice salad changed for that reason alone (on the old salad texts its tags
are the same).

The tagger has two paths to the same tags, the spaCy components (``nlp.pipe`` then
``tags_of``) and one shared matcher pass (``tag``/``tag_many``): they are compared too.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import random
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType

import pytest
from spacy.tokens import Doc

from spstories.core.codebook import find_codebook, load_codebook
from spstories.core.nlp.cues import DEFAULT_CUES, WORD_CLASSES
from spstories.core.nlp.matcher import _winners
from spstories.core.tagging import RuleTagger
from spstories.core.tags import Tag

ROOT = Path(__file__).resolve().parents[2]
DEV_QUOTES = ROOT.parent / "shared" / "data" / "dev-quotes.jsonl"
CODEBOOKS = ("sp-outcomes", "sp-data-practice")

FINGERPRINTS = {
    "sp-outcomes": {
        "dev": "cd3e6227b2f57f2e0c1965929c92379dc7515b8f85b242737ca07dfb71c4ba9e",
        "examples": "b389399d9d88d6cf42c91864046f8838d87ff0e772f25aff175e70d9fb5a4191",
        "benchmark": "7c9d0cc5c22f15237ed2a61e3e2e3295f6a7d7163bca248f3ff0c812615088ba",
        "roughened": "cb77d55f869a80911a24217cb5ec37d80e4a9be4d906a691c1cec709c3ba72e8",
        "salad": "b912f222dad9e96c55e6878d09a3a9e1b0f9732cc6729b59ea0669c919c87b5c",
    },
    "sp-data-practice": {
        "dev": "eec8b516592f57a25b8bd94bacf47bd04e648959af405145190f737f5e66e0b1",
        "examples": "b2f34cb32ce8645466ca071ce10817d08c1ed179330cb9b84901054185c2b107",
        "benchmark": "5d7fdd3027ee086ed19063d80a222d45a867d4494576f09cc55daabdc06c383b",
        "roughened": "e6825651fb1cda97d3dfee7e273ce6dab2f69dd121064c2a681e32a17e694415",
        "salad": "8c1c193d3f9f833e2c3e0f2f7fd5bd20dc0ea5700ce3cb83809d75464d520189",
    },
}


def _benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "tagging_benchmark", ROOT / "benchmarks" / "tagging.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def examples() -> list[str]:
    return [
        example.text
        for codebook in CODEBOOKS
        for code in load_codebook(find_codebook(codebook)).codes
        for example in code.examples
    ]


def dev_texts() -> list[str]:
    with DEV_QUOTES.open(encoding="utf-8") as lines:
        return [json.loads(line)["text"] for line in lines if line.strip()]


def roughened(texts: list[str], seed: int = 5) -> list[str]:
    """Line breaks, list markers, headings, dashes, quotes and odd spacing between words."""
    rng = random.Random(seed)
    seps = ["\n", "\n\n", "\r\n", " \n", "\n  ", "\t", "  ", "\n- ", "\n# ", "\n1. ", " - "]
    seps += [" – ", '" ', "') ", "** "]
    out = []
    for text in texts:
        pieces = []
        for word in text.split(" "):
            pieces += [word, rng.choice(seps) if rng.random() < 0.12 else " "]
        out.append("".join(pieces).strip() if rng.random() < 0.5 else "".join(pieces))
        if rng.random() < 0.3:
            out.append(text.lower())
    return [*out, "", " ", "\n", ".", "lonely", "I no longer feel lonely", "- lonely\n- happier"]


def salad(n: int, seed: int = 11) -> list[str]:
    """Word salad of cue phrases, codebook phrases, word-class words and punctuation."""
    rng = random.Random(seed)
    cues = [
        p.replace("=", "").replace('"', "'").split("|")[0] for v in DEFAULT_CUES.values() for p in v
    ]
    terms = []
    for codebook in CODEBOOKS:
        for code in load_codebook(find_codebook(codebook)).codes:
            for pattern in code.patterns:
                words = [w.strip("[]").split("|")[0].lstrip("=") for w in pattern.phrase.split()]
                gaps = ["the", "my", "a lot of"]
                terms.append(" ".join(w if w != "*" else rng.choice(gaps) for w in words))
    classes = [w for words in WORD_CLASSES.values() for w in words]
    fillers = "I we she they he it the group and was feel felt really now much very so me my"
    fillers += " have been am is not don't can't since because when after"
    fill = [*fillers.split(), "wouldn't have", "without them"]
    punctuation = [".", ",", "!", "?", ";", " - ", "...", "\n", "\n\n", "\n- ", ")", '"', "'"]
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randrange(4, 30)):
            roll = rng.random()
            pool = (
                cues
                if roll < 0.25
                else terms
                if roll < 0.45
                else classes
                if roll < 0.55
                else punctuation
                if roll < 0.65
                else fill
            )
            parts.append(rng.choice(pool))
        text = " ".join(parts)
        out.append(text[0].upper() + text[1:] + "." if rng.random() < 0.5 else text)
    return out


def corpora() -> dict[str, Callable[[], list[str]]]:
    def benchmark() -> list[str]:
        return _benchmark().make_paragraphs(2000, 13)

    return {
        "dev": dev_texts,
        "examples": examples,
        "benchmark": benchmark,
        "roughened": lambda: roughened(dev_texts() + examples() + benchmark()[:300]),
        "salad": lambda: salad(1500),
    }


def fingerprint(tagged: Iterable[list[Tag]]) -> str:
    rows = [
        [
            [t.code, t.polarity and t.polarity.value, t.start, t.end, t.evidence, t.score]
            for t in tags
        ]
        for tags in tagged
    ]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


@pytest.fixture(scope="module")
def texts() -> dict[str, list[str]]:
    if not DEV_QUOTES.is_file():
        pytest.fail(f"the shared development data is missing: {DEV_QUOTES}")
    return {name: make() for name, make in corpora().items()}


@pytest.fixture(scope="module", params=CODEBOOKS)
def built(request: pytest.FixtureRequest) -> RuleTagger:
    return RuleTagger.from_codebook(load_codebook(find_codebook(request.param)))


@pytest.mark.parametrize("corpus", list(corpora()))
def test_tags_are_unchanged(built: RuleTagger, texts: dict[str, list[str]], corpus: str) -> None:
    expected = FINGERPRINTS[built.codebook.id][corpus]
    assert fingerprint(built.tag_many(texts[corpus])) == expected


@pytest.mark.parametrize("corpus", ["dev", "roughened", "salad"])
def test_shared_pass_gives_what_the_components_give(
    built: RuleTagger, texts: dict[str, list[str]], corpus: str
) -> None:
    fast = list(built.tag_many(texts[corpus]))
    assert [built.tag(text) for text in texts[corpus][:200]] == fast[:200]
    docs = built.nlp.pipe(texts[corpus])
    assert [built.tags_of(doc, text) for doc, text in zip(docs, texts[corpus], strict=True)] == fast
    # ... down to each piece of evidence, before the tags pick the best.
    scanner = built._fast()
    assert scanner is not None
    for doc in built.nlp.pipe(texts[corpus][:300]):
        assert scanner.evidence(built.nlp.make_doc(doc.text)) == doc._.sp_evidence


if __name__ == "__main__":  # print the fingerprints of the tagger on sys.path
    made = {name: make() for name, make in corpora().items()}
    for codebook in CODEBOOKS:
        tagger = RuleTagger.from_codebook(load_codebook(find_codebook(codebook)))
        for name, corpus in made.items():
            print(codebook, name, fingerprint(tagger.tag_many(corpus)))
    sys.exit(0)


def test_phrase_groups_keep_the_matchers_order_of_keys(built: RuleTagger) -> None:
    """A phrasing shared by patterns reports their keys in the whole matcher's order,
    though ``phrase_groups`` reads that order from a matcher of the shared phrasings only."""
    matcher = built.nlp.get_pipe("sp_codebook_matcher")
    strings = built.nlp.vocab.strings
    groups = {p: entries for _, phrases, entries in matcher.phrase_groups() for p in phrases}
    keys_of: dict[tuple[int, ...], set[int]] = {}
    for key, phrases in matcher.anchors:
        for phrase in phrases:
            keys_of.setdefault(phrase, set()).add(strings[key])
    shared = [phrase for phrase, keys in keys_of.items() if len(keys) > 1]
    assert shared, "the codebook has no shared phrasings: this test checks nothing"
    for phrase in shared:
        doc = Doc(built.nlp.vocab, words=[strings[i] for i in phrase])
        order = [k for k, s, e in matcher._matcher(doc) if s == 0 and e == len(doc)]
        assert groups[phrase] == _winners([matcher._entries[k][0] for k in order])
