"""The synthetic demo generator: seeded, varied, and containing discordant stories."""

from __future__ import annotations

from collections import Counter

from spstories.core.demo import DEMO_LABEL, ORGANISATIONS, generate
from spstories.core.measures import load_instruments, score


def test_same_seed_same_data_and_different_seed_differs():
    instruments = load_instruments()
    a = generate(instruments, clients=40, seed=3)
    b = generate(instruments, clients=40, seed=3)
    c = generate(instruments, clients=40, seed=4)
    assert [p.reference for p in a] == [p.reference for p in b]
    assert [p.measures for p in a] == [p.measures for p in b]
    assert [p.measures for p in a] != [p.measures for p in c]


def test_three_organisations_and_realistic_mix():
    people = generate(load_instruments(), clients=300, seed=7)
    assert {p.organisation for p in people} == set(range(len(ORGANISATIONS)))
    statuses = Counter(p.status for p in people)
    assert statuses["completed"] > statuses["declined"] > 0
    with_case_study = [p for p in people if p.case_study]
    assert 20 < len(with_case_study) < 150
    assert all(DEMO_LABEL in p.case_study.narrative for p in with_case_study)


def test_every_generated_answer_set_scores():
    instruments = load_instruments()
    for person in generate(instruments, clients=120, seed=11):
        for measure in person.measures:
            score(instruments[measure.instrument], measure.answers)


def test_some_scores_fall_while_the_story_shows_progress():
    instruments = load_instruments()
    swemwbs = instruments["swemwbs"]
    fell = 0
    for person in generate(instruments, clients=300, seed=7):
        if person.trajectory != "score_fell_story_improved" or len(person.measures) < 2:
            continue
        scores = [
            score(swemwbs, m.answers).primary for m in person.measures if m.instrument == "swemwbs"
        ]
        if len(scores) == 2 and scores[1] < scores[0]:
            fell += 1
    assert fell >= 3
