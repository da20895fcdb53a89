"""Throughput of the rule tagger next to spaCy's bare English tokenizer, same texts, one core.

    .venv/bin/python benchmarks/tagging.py            # 20,000 paragraphs of about 80 words
    .venv/bin/python benchmarks/tagging.py --n 2000   # a quick run

Paragraphs are generated, not real: a small grammar of sentence shapes is filled with
words drawn from spaCy's English lookup tables (tens of thousands of nouns, verbs and
adjectives, weighted by their corpus frequency), so the tokenizer meets a realistic
share of unseen words; a quarter of the sentences are social-prescribing-style
sentences, so the tagger's matcher and polarity reader have about as much work per word
as on the development texts. Each pipeline is warmed up on other paragraphs, then both
tag the timed paragraphs cold, in interleaved chunks, timed in CPU seconds of this
process (the figures hold for one core even on a busy machine). The last line printed
holds the figures.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import math
import random
import re
import sys
import time
from pathlib import Path

import spacy
import spacy_lookups_data
import srsly

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from spstories.core.codebook import find_codebook, load_codebook
from spstories.core.tagging import RuleTagger

CHUNK = 1000
SHAPES = [
    "The {adj} {noun} {verb}s the {noun} of my {noun}.",
    "I {verb}ed {adv} with the {noun} and the {adj} {noun}.",
    "We had a {adj} {noun} at the {noun} on {noun}.",
    "My {noun} was {adj} because the {noun} {verb}ed too {adv}.",
    "They {verb} every {noun} and {verb} the {adj} {noun}s.",
    "After the {noun}, {pron} {verb}ed to the {noun} with {num} {noun}s.",
    "Is the {noun} {adj} enough for a {adj} {noun}?",
    "{Pron} said the {noun} would {verb} the {noun} by {day}.",
    "There were {num} {noun}s in the {adj} {noun}, and nobody {verb}ed them.",
    "It's {adv} {adj} when the {noun} {verb}s your {noun}!",
]
DOMAIN = [
    "Since joining the {group} I feel {cmp} and {cmp2}.",
    "I no longer feel {neg} and I {verb2} the {group} every week.",
    "{Pron} was referred by the GP because {pron} felt {neg}.",
    "The staff were {praise} and the {group} was {praise}.",
    "I have made new friends and my confidence has grown.",
    "I'm still {neg} at times but I can cope better now.",
    "It would be nice to have more {group}s in the area.",
    "She helped me sort out my benefits and now I'm not so worried.",
    "{Pron} started volunteering at the {place} in {month}.",
    "My {rel} has learnt so much and her speech has improved.",
]
FILL = {
    "pron": ["he", "she", "they", "we", "I"],
    "num": [str(n) for n in range(2, 40)],
    "day": ["Monday", "Tuesday", "Friday", "the weekend", "June"],
    "group": ["walking group", "craft session", "lunch club", "choir", "art class"],
    "cmp": ["happier", "less lonely", "more confident", "calmer", "less anxious"],
    "cmp2": ["more hopeful", "less isolated", "more in control", "fitter"],
    "neg": ["lonely", "isolated", "anxious", "low", "stressed"],
    "verb2": ["go to", "attend", "enjoy", "love"],
    "praise": ["lovely", "brilliant", "friendly", "amazing", "welcoming"],
    "place": ["food bank", "community garden", "hospice shop", "library"],
    "month": ["March", "May", "September"],
    "rel": ["son", "daughter", "grandson"],
}


def word_pools(rng: random.Random) -> dict[str, tuple[list[str], list[float]]]:
    """Frequency-weighted pools of nouns, verbs, adjectives and adverbs."""
    base = Path(str(spacy_lookups_data.get_file("en_lemma_index.json.gz"))).parent
    index = srsly.read_gzip_json(base / "en_lemma_index.json.gz")
    prob = srsly.read_gzip_json(base / "en_lexeme_prob.json.gz")
    pools = {}
    for pos in ("noun", "verb", "adj", "adv"):
        words = [w for w in index[pos] if w.isalpha() and w in prob]
        words.sort(key=lambda w: -prob[w])
        words = words[:25000]
        pools[pos] = (words, list(itertools.accumulate(math.exp(prob[w]) for w in words)))
    return pools


NAMES = (
    "Sarah",
    "Tracey",
    "Jamie",
    "Priya",
    "Mohammed",
    "Kaleigh",
    "Bridget",
    "Olu",
    "Mansfield",
    "Warsop",
    "Bulwell",
    "Clifton",
    "Beeston",
    "Arnold",
    "Hucknall",
)
EXTRAS = (
    "I've",
    "don't",
    "it's",
    "we're",
    "couldn't",
    "she's",
    "they'd",
    "won't",
    "10:30",
    "£25",
    "3pm",
    "2019",
    "12-week",
    "one-to-one",
    "follow-up",
    "(GP)",
    "w/c",
    "&amp;",
    "!!",
    "...",
    "- ",
    "/",
    '"',
    "e.g.",
    "etc.",
)


def _typo(word: str, rng: random.Random) -> str:
    """Patient feedback is typed in a hurry: drop, double or swap a letter."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    edit = rng.randrange(3)
    if edit == 0:
        return word[:i] + word[i + 1 :]
    if edit == 1:
        return word[:i] + word[i] + word[i:]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def _roughen(sentence: str, rng: random.Random) -> str:
    """Names, numbers, contractions, possessives, stray punctuation and typos, at rates
    that bring the tokenizer's cost per word close to real feedback text."""
    words = sentence.split(" ")
    out = []
    for word in words:
        roll = rng.random()
        if roll < 0.03 and word.isalpha():
            word = _typo(word, rng)
        elif roll < 0.06:
            out.append(rng.choice(NAMES))
        elif roll < 0.10:
            out.append(rng.choice(EXTRAS))
        elif roll < 0.12 and word.isalpha():
            word += "'s"
        out.append(word)
    return " ".join(out)


def make_paragraphs(n: int, seed: int, words_per: int = 80) -> list[str]:
    rng = random.Random(seed)
    pools = word_pools(rng)

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        lower = key.lower()
        if lower in pools:
            words, cumulative = pools[lower]
            word = words[bisect.bisect(cumulative, rng.random() * cumulative[-1])]
        else:
            word = rng.choice(FILL[lower])
        return word.capitalize() if key[0].isupper() else word

    paragraphs = []
    for _ in range(n):
        sentences: list[str] = []
        count = 0
        while count < words_per:
            domain = rng.random() < 0.25
            sentence = re.sub(r"\{(\w+)\}", fill, rng.choice(DOMAIN if domain else SHAPES))
            if not domain:  # keep the outcome sentences readable for the tagger
                sentence = _roughen(sentence, rng)
            sentence = sentence[0].upper() + sentence[1:]
            sentences.append(sentence)
            count += len(sentence.split())
        paragraphs.append(" ".join(sentences))
    return paragraphs


def timed(run: object, texts: list[str]) -> float:
    """CPU seconds of this process (the machine may be busy with other work)."""
    start = time.process_time()
    for _ in run(texts):  # type: ignore[operator]
        pass
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000, help="paragraphs to tag")
    parser.add_argument("--codebook", default="sp-outcomes")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()

    texts = make_paragraphs(args.n, args.seed)
    warm = make_paragraphs(min(1000, args.n), args.seed + 1)
    words = sum(len(t.split()) for t in texts)
    tokenizer = spacy.blank("en").tokenizer
    tagger = RuleTagger.from_codebook(load_codebook(find_codebook(args.codebook)))
    timed(tokenizer.pipe, warm)
    timed(tagger.tag_many, warm)
    # Interleaved chunks: both meet each chunk cold, under the same machine load.
    tokenizer_s = tagger_s = 0.0
    for i in range(0, len(texts), CHUNK):
        chunk = texts[i : i + CHUNK]
        tokenizer_s += timed(tokenizer.pipe, chunk)
        tagger_s += timed(tagger.tag_many, chunk)
    tags = sum(len(t) for t in tagger.tag_many(texts[:1000]))
    print(
        f"{len(texts)} paragraphs, {words / len(texts):.0f} words each on average; "
        f"{tags / min(1000, len(texts)):.2f} tags per paragraph"
    )
    print(
        f"tagger: {len(texts) / tagger_s:,.0f} docs/s, {words / tagger_s:,.0f} words/s; "
        f"tokenizer: {len(texts) / tokenizer_s:,.0f} docs/s, {words / tokenizer_s:,.0f} "
        f"words/s; ratio {tokenizer_s / tagger_s:.2f}"
    )


if __name__ == "__main__":
    main()
