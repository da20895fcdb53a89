"""Outcome-measure scoring against the spec (shared/spec/measures.md)."""

from __future__ import annotations

import re
import textwrap
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from spstories.core.measures import (
    ADMINISTRATION_MODES,
    TIMEPOINTS,
    Direction,
    MeasureDefinitionError,
    Timepoint,
    classify_change,
    concept_for_scale,
    get_instrument,
    is_concept_id,
    load_instrument_file,
    load_instruments,
    load_snomed_concepts,
    pair_baseline_follow_up,
    parse_timepoint,
    score,
    validate_answers,
)
from spstories.errors import MeasureError, MeasureValidationError

# Typed from the spec (Stewart-Brown et al. 2009), independently of instruments.yaml.
SWEMWBS_METRIC = {
    7: 7.00, 8: 9.51, 9: 11.25, 10: 12.40, 11: 13.33, 12: 14.08, 13: 14.75, 14: 15.32,
    15: 15.84, 16: 16.36, 17: 16.88, 18: 17.43, 19: 17.98, 20: 18.59, 21: 19.25,
    22: 19.98, 23: 20.73, 24: 21.54, 25: 22.35, 26: 23.21, 27: 24.11, 28: 25.03,
    29: 26.02, 30: 27.03, 31: 28.13, 32: 29.31, 33: 30.70, 34: 32.55, 35: 35.00,
}  # fmt: skip


def answers_summing_to(total: int, count: int, low: int, high: int) -> dict[str, int]:
    """Answers q1..qN within [low, high] whose sum is ``total``, spread unevenly."""
    values = [low] * count
    remaining = total - low * count
    for index in range(count):
        step = min(high - low, remaining)
        values[index] += step
        remaining -= step
    assert remaining == 0, "total out of reach"
    return {f"q{index + 1}": value for index, value in enumerate(values)}


def instrument(instrument_id: str):
    return get_instrument(instrument_id)


# --- SWEMWBS -----------------------------------------------------------------------------


def test_the_test_table_covers_every_raw_score() -> None:
    assert sorted(SWEMWBS_METRIC) == list(range(7, 36))


@pytest.mark.parametrize(("raw", "metric"), sorted(SWEMWBS_METRIC.items()))
def test_swemwbs_raw_score_converts_to_the_published_metric(raw: int, metric: float) -> None:
    result = score(instrument("swemwbs"), answers_summing_to(raw, 7, 1, 5))
    assert result.scales["swemwbs_raw"] == raw
    assert result.scales["swemwbs_metric"] == metric
    assert result.primary_scale == "swemwbs_metric"
    assert result.primary == metric


def test_swemwbs_metric_does_not_depend_on_which_items_carry_the_score() -> None:
    swemwbs = instrument("swemwbs")
    a = score(swemwbs, {"q1": 5, "q2": 5, "q3": 1, "q4": 1, "q5": 1, "q6": 1, "q7": 1})
    b = score(swemwbs, {"q1": 1, "q2": 1, "q3": 1, "q4": 1, "q5": 1, "q6": 5, "q7": 5})
    assert a.scales == b.scales == {"swemwbs_raw": 15, "swemwbs_metric": 15.84}


# --- WEMWBS, UCLA-3 ----------------------------------------------------------------------


@pytest.mark.parametrize("total", [14, 15, 42, 69, 70])
def test_wemwbs_is_the_sum_of_fourteen_items(total: int) -> None:
    result = score(instrument("wemwbs"), answers_summing_to(total, 14, 1, 5))
    assert result.scales == {"wemwbs_total": total}
    assert result.primary == total


@pytest.mark.parametrize("total", [3, 4, 6, 9])
def test_ucla3_is_the_sum_of_three_items(total: int) -> None:
    ucla3 = instrument("ucla3")
    assert score(ucla3, answers_summing_to(total, 3, 1, 3)).scales == {"ucla3_total": total}
    assert ucla3.direction_of("ucla3_total") is Direction.LOWER_IS_BETTER


# --- ONS4 --------------------------------------------------------------------------------

POSITIVE_BAND_EDGES = [
    (0, "low"), (4, "low"), (5, "medium"), (6, "medium"),
    (7, "high"), (8, "high"), (9, "very high"), (10, "very high"),
]  # fmt: skip
ANXIETY_BAND_EDGES = [
    (0, "very low"), (1, "very low"), (2, "low"), (3, "low"),
    (4, "medium"), (5, "medium"), (6, "high"), (10, "high"),
]  # fmt: skip


@pytest.mark.parametrize("item", ["life_satisfaction", "worthwhile", "happiness"])
@pytest.mark.parametrize(("value", "band"), POSITIVE_BAND_EDGES)
def test_ons4_positive_item_band_edges(item: str, value: int, band: str) -> None:
    result = score(instrument("ons4"), {item: value})
    assert result.scales == {item: value}
    assert result.bands == {item: band}


@pytest.mark.parametrize(("value", "band"), ANXIETY_BAND_EDGES)
def test_ons4_anxiety_band_edges(value: int, band: str) -> None:
    assert score(instrument("ons4"), {"anxiety": value}).bands == {"anxiety": band}


def test_ons4_reports_four_separate_scales_and_no_total() -> None:
    ons4 = instrument("ons4")
    result = score(ons4, {"life_satisfaction": 7, "worthwhile": 8, "happiness": 6, "anxiety": 3})
    assert result.scales == {"life_satisfaction": 7, "worthwhile": 8, "happiness": 6, "anxiety": 3}
    assert result.primary_scale is None and result.primary is None
    assert result.bands == {
        "life_satisfaction": "high", "worthwhile": "high", "happiness": "medium", "anxiety": "low"
    }  # fmt: skip
    assert ons4.direction_of("anxiety") is Direction.LOWER_IS_BETTER
    assert ons4.direction_of("happiness") is Direction.HIGHER_IS_BETTER


def test_ons4_items_stand_alone_when_others_are_blank() -> None:
    result = score(instrument("ons4"), {"anxiety": 7, "happiness": None})
    assert result.scales == {"anxiety": 7}
    assert result.bands == {"anxiety": "high"}
    assert result.missing_items == ("life_satisfaction", "worthwhile", "happiness")
    assert result.unscored_scales == ("life_satisfaction", "worthwhile", "happiness")


def test_ons4_with_nothing_answered_is_refused() -> None:
    with pytest.raises(MeasureValidationError, match="no items answered"):
        score(instrument("ons4"), {"anxiety": None})


# --- WHO-5 -------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "percent"), [(0, 0), (1, 4), (12, 48), (13, 52), (25, 100)])
def test_who5_percentage_is_raw_times_four(raw: int, percent: int) -> None:
    result = score(instrument("who5"), answers_summing_to(raw, 5, 0, 5))
    assert result.scales == {"who5_raw": raw, "who5_percent": percent}
    assert result.primary == percent


@pytest.mark.parametrize(("raw", "poor"), [(0, True), (12, True), (13, False), (25, False)])
def test_who5_raw_below_13_flags_poor_wellbeing(raw: int, poor: bool) -> None:
    result = score(instrument("who5"), answers_summing_to(raw, 5, 0, 5))
    assert ("poor wellbeing" in result.flags) is poor


@pytest.mark.parametrize(
    ("baseline", "follow_up", "expected"),
    [(40, 50, "improved"), (40, 49.5, "no_change"), (60, 50, "deteriorated"), (48, 60, "improved")],
)
def test_who5_ten_percentage_points_is_meaningful(baseline, follow_up, expected) -> None:
    assert classify_change(instrument("who5"), "who5_percent", baseline, follow_up) == expected


def test_who5_raw_threshold_matches_ten_percentage_points() -> None:
    who5 = instrument("who5")
    # 2 raw points = 8 percentage points (not meaningful); 3 = 12 (meaningful).
    assert classify_change(who5, "who5_raw", 10, 12) == "no_change"
    assert classify_change(who5, "who5_raw", 10, 13) == "improved"
    assert classify_change(who5, "who5_percent", 40, 48) == "no_change"
    assert classify_change(who5, "who5_percent", 40, 52) == "improved"


# --- MyCaW -------------------------------------------------------------------------------


def test_mycaw_scores_each_item_separately_and_allows_one_concern() -> None:
    mycaw = instrument("mycaw")
    result = score(mycaw, {"concern_1": 5, "wellbeing": 2})
    assert result.scales == {"concern_1": 5, "wellbeing": 2}
    assert result.primary_scale is None
    assert result.missing_items == ("concern_2",)
    assert all(mycaw.direction_of(scale) is Direction.LOWER_IS_BETTER for scale in mycaw.scale_ids)
    assert "licence" in mycaw.licence_note


def test_mycaw_answers_run_from_0_to_6() -> None:
    mycaw = instrument("mycaw")
    assert score(mycaw, {"concern_1": 0, "concern_2": 6, "wellbeing": 3}).scales["concern_2"] == 6
    with pytest.raises(MeasureValidationError, match="0 to 6"):
        score(mycaw, {"concern_1": 7})


# --- Missing, out-of-range and non-integer answers ----------------------------------------

FULL = {
    "swemwbs": answers_summing_to(21, 7, 1, 5),
    "wemwbs": answers_summing_to(42, 14, 1, 5),
    "who5": answers_summing_to(12, 5, 0, 5),
    "ucla3": answers_summing_to(6, 3, 1, 3),
}


@pytest.mark.parametrize("instrument_id", sorted(FULL))
def test_all_item_instruments_are_not_scored_with_an_item_missing(instrument_id: str) -> None:
    answers = dict(FULL[instrument_id])
    answers["q3"] = None
    with pytest.raises(MeasureValidationError) as caught:
        score(instrument(instrument_id), answers)
    assert caught.value.item == "q3"
    assert caught.value.problems == [(caught.value.item, str(caught.value))]
    assert "Item 3" in str(caught.value) and "missing" in str(caught.value)


def test_an_absent_key_counts_as_missing() -> None:
    answers = dict(FULL["swemwbs"])
    del answers["q7"]
    with pytest.raises(MeasureValidationError, match="Item 7 is missing") as caught:
        score(instrument("swemwbs"), answers)
    assert caught.value.item == "q7"


@pytest.mark.parametrize(
    ("instrument_id", "answers", "item", "expected"),
    [
        ("swemwbs", {"q2": 6}, "q2", r"SWEMWBS Item 2: 6 is out of range.*from 1 to 5"),
        ("swemwbs", {"q1": 0}, "q1", r"Item 1: 0 is out of range.*from 1 to 5"),
        ("who5", {"q5": -1}, "q5", r"WHO-5 Item 5: -1 is out of range.*from 0 to 5"),
        ("ucla3", {"q1": 4}, "q1", r"UCLA-3 Item 1 \(companionship\): 4.*from 1 to 3"),
        ("ons4", {"anxiety": 11}, "anxiety", r"ONS4 Anxiety: 11 is out of range.*from 0 to 10"),
    ],
)
def test_out_of_range_answers_name_the_item_and_range(instrument_id, answers, item, expected):
    full = {**FULL.get(instrument_id, {}), **answers}
    with pytest.raises(MeasureValidationError, match=expected) as caught:
        score(instrument(instrument_id), full)
    assert caught.value.item == item


@pytest.mark.parametrize("bad", [2.5, 3.0, "3", True, [3]])
def test_non_integer_answers_are_refused(bad: object) -> None:
    with pytest.raises(MeasureValidationError, match=r"Item 4: .* is not valid") as caught:
        score(instrument("swemwbs"), {**FULL["swemwbs"], "q4": bad})
    assert caught.value.item == "q4"


def test_numpy_integers_are_whole_numbers() -> None:
    answers = {key: np.int64(value) for key, value in FULL["swemwbs"].items()}
    assert score(instrument("swemwbs"), answers).scales["swemwbs_raw"] == 21


def test_every_problem_is_reported_at_once_for_inline_display() -> None:
    answers = {**FULL["swemwbs"], "q1": 9, "q2": None, "q5": "x", "q9": 3}
    with pytest.raises(MeasureValidationError) as caught:
        score(instrument("swemwbs"), answers)
    assert [item for item, _ in caught.value.problems] == ["q9", "q1", "q2", "q5"]
    assert caught.value.item is None  # several problems: no single item
    assert isinstance(caught.value, MeasureError)
    assert validate_answers(instrument("swemwbs"), answers) == caught.value.problems
    assert validate_answers(instrument("swemwbs"), FULL["swemwbs"]) == []


# --- classify_change ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "follow_up", "expected"),
    [
        (20.73, 23.21, "no_change"),  # 2.48 metric points
        (20.73, 24.11, "improved"),  # 3.38
        (24.11, 20.73, "deteriorated"),
        (7.0, 7.0, "no_change"),
        (10.03, 7.03, "deteriorated"),  # exactly 3 in decimal, 2.9999999999999996 in floats
        (7.03, 10.03, "improved"),
    ],
)
def test_swemwbs_change_uses_three_metric_points_by_default(baseline, follow_up, expected):
    assert classify_change(instrument("swemwbs"), "swemwbs_metric", baseline, follow_up) == expected


def test_threshold_can_be_configured() -> None:
    swemwbs = instrument("swemwbs")
    assert classify_change(swemwbs, "swemwbs_metric", 20.73, 22.35, threshold=1) == "improved"
    assert classify_change(swemwbs, "swemwbs_metric", 20.73, 24.11, threshold=5) == "no_change"


@pytest.mark.parametrize(
    ("scale", "baseline", "follow_up", "expected"),
    [
        ("anxiety", 6, 4, "improved"),
        ("anxiety", 4, 6, "deteriorated"),
        ("life_satisfaction", 6, 4, "deteriorated"),
        ("life_satisfaction", 4, 6, "improved"),
        ("happiness", 5, 5, "no_change"),
    ],
)
def test_ons4_change_honours_each_item_direction(scale, baseline, follow_up, expected) -> None:
    assert classify_change(instrument("ons4"), scale, baseline, follow_up) == expected


@pytest.mark.parametrize(
    ("baseline", "follow_up", "threshold", "expected"),
    [(7, 6, None, "improved"), (6, 7, None, "deteriorated"), (7, 6, 2, "no_change"),
     (9, 3, 2, "improved")],
)  # fmt: skip
def test_ucla3_lower_is_better(baseline, follow_up, threshold, expected) -> None:
    assert classify_change(instrument("ucla3"), "ucla3_total", baseline, follow_up, threshold) == (
        expected
    )


def test_defaults_are_documented_values() -> None:
    thresholds = {i.id: dict(i.meaningful_change) for i in load_instruments().values()}
    assert thresholds["swemwbs"] == {"swemwbs_metric": 3}
    assert thresholds["wemwbs"] == {"wemwbs_total": 3}
    assert thresholds["who5"] == {"who5_raw": 2.5, "who5_percent": 10}
    assert thresholds["ucla3"] == {"ucla3_total": 1}
    assert set(thresholds["ons4"].values()) == {1} and len(thresholds["ons4"]) == 4
    assert set(thresholds["mycaw"].values()) == {1} and len(thresholds["mycaw"]) == 3


@pytest.mark.parametrize(
    ("scale", "baseline", "follow_up", "threshold", "message"),
    [
        ("swemwbs_raw", 20, 25, None, "no default meaningful-change threshold"),
        ("swemwbs_metric", 20, 25, 0, "threshold must be a number above 0"),
        ("swemwbs_metric", 20, 25, -3, "threshold must be a number above 0"),
        ("swemwbs_metric", 6.5, 25, None, "baseline 6.5 is not a possible SWEMWBS"),
        ("swemwbs_metric", 20, 36, None, "follow-up 36 is not a possible SWEMWBS"),
        ("swemwbs_total", 20, 25, None, "SWEMWBS has no scale 'swemwbs_total'"),
    ],
)
def test_classify_change_refuses_what_it_cannot_judge(
    scale, baseline, follow_up, threshold, message
):
    with pytest.raises(MeasureError, match=message):
        classify_change(instrument("swemwbs"), scale, baseline, follow_up, threshold)


# --- Shipped definitions ------------------------------------------------------------------


def test_shipped_instruments_are_the_specs() -> None:
    instruments = load_instruments()
    assert set(instruments) == {"swemwbs", "wemwbs", "ons4", "who5", "ucla3", "mycaw"}
    counts = {key: len(value.items) for key, value in instruments.items()}
    assert counts == {"swemwbs": 7, "wemwbs": 14, "ons4": 4, "who5": 5, "ucla3": 3, "mycaw": 3}
    ranges = {key: {(i.min, i.max) for i in value.items} for key, value in instruments.items()}
    assert ranges == {
        "swemwbs": {(1, 5)}, "wemwbs": {(1, 5)}, "ons4": {(0, 10)}, "who5": {(0, 5)},
        "ucla3": {(1, 3)}, "mycaw": {(0, 6)},
    }  # fmt: skip
    assert [i.id for i in instruments["ons4"].items] == [
        "life_satisfaction", "worthwhile", "happiness", "anxiety"
    ]  # fmt: skip
    requires_all = {key for key, value in instruments.items() if value.requires_all_items}
    assert requires_all == {"swemwbs", "wemwbs", "who5", "ucla3"}
    assert all(value.licence_note and value.reference for value in instruments.values())
    assert all(value.timepoints == TIMEPOINTS for value in instruments.values())


@pytest.mark.parametrize("instrument_id", ["swemwbs", "wemwbs", "who5", "mycaw"])
def test_licensed_instruments_ship_no_question_wording(instrument_id: str) -> None:
    neutral = re.compile(r"(Item \d+|Concern \d|Wellbeing)")
    assert all(neutral.fullmatch(item.label) for item in instrument(instrument_id).items)


@pytest.mark.parametrize("instrument_id", ["swemwbs", "wemwbs"])
def test_warwick_scales_ask_users_to_register(instrument_id: str) -> None:
    assert "register" in instrument(instrument_id).licence_note


def test_shipped_file_is_parsed_once_and_callers_get_their_own_dict() -> None:
    first = load_instruments()
    first.pop("swemwbs")
    second = load_instruments()
    assert "swemwbs" in second
    assert second["ons4"] is load_instruments()["ons4"]


def test_unknown_instrument_lists_the_known_ones() -> None:
    with pytest.raises(MeasureError, match=r"unknown instrument 'eq5d' \(known: mycaw, ons4"):
        get_instrument("eq5d")


def test_instruments_are_hashable_and_comparable() -> None:
    assert len({instrument("ons4"), instrument("ons4"), instrument("who5")}) == 2


# --- Custom instruments -------------------------------------------------------------------

CUSTOM = """\
schema_version: 1
instruments:
  - id: garden
    name: Garden club check-in
    version: "2"
    scoring: mean
    direction: higher_is_better
    item_range: [1, 4]
    items:
      - {id: mood, label: Mood}
      - {id: energy, label: Energy}
      - {id: connection, label: Connection, min: 0, max: 4}
  - id: worries
    name: Worries count
    version: 1
    scoring: sum
    direction: lower_is_better
    item_range: [0, 3]
    items:
      - {id: money, label: Money}
      - {id: housing, label: Housing}
    scales:
      - id: worries_total
        label: Total
        method: sum
        items: all
        meaningful_change: 2
        bands:
          - {label: few, min: 0, max: 2}
          - {label: many, min: 3, max: 6}
"""


def write(tmp_path: Path, text: str, name: str = "scheme.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_scheme_adds_its_own_instruments(tmp_path: Path) -> None:
    path = write(tmp_path, CUSTOM)
    instruments = load_instruments([path])
    assert {"swemwbs", "garden", "worries"} <= set(instruments)
    garden, worries = instruments["garden"], instruments["worries"]
    assert garden.custom and garden.source == str(path) and garden.version == "2"
    assert worries.version == "1"
    mean = score(garden, {"mood": 3, "energy": 2, "connection": 0})
    assert mean.scales == {"garden_mean": pytest.approx(5 / 3)}
    assert mean.primary_scale == "garden_mean"
    assert garden.requires_all_items
    with pytest.raises(MeasureValidationError, match=r"Connection: 5 is out of range.*0 to 4"):
        score(garden, {"mood": 3, "energy": 2, "connection": 5})
    total = score(worries, {"money": 3, "housing": 2})
    assert total.scales == {"worries_total": 5} and total.bands == {"worries_total": "many"}
    assert classify_change(worries, "worries_total", 5, 3) == "improved"
    assert get_instrument("garden", [path]) == garden
    assert "garden" not in load_instruments()


def broken(replace: str, by: str) -> str:
    assert replace in CUSTOM, replace
    return CUSTOM.replace(replace, by, 1)


@pytest.mark.parametrize(
    ("text", "instrument_id", "field", "message"),
    [
        (broken("    direction: higher_is_better\n", ""), "garden", "direction", "is required"),
        (broken("direction: higher_is_better", "direction: up"), "garden", "direction",
         "must be one of higher_is_better, lower_is_better"),
        (broken("scoring: mean", "scoring: median"), "garden", "scoring", "must be one of"),
        (broken("min: 0, max: 4", "min: 4, max: 0"), "garden", "items[2].max",
         "must be greater than min"),
        (broken("min: 0, max: 4", "min: 0, max: four"), "garden", "items[2].max",
         "must be a whole number"),
        (broken("{id: mood, label: Mood}", "{id: mood, label: Mood, wording: x}"), "garden",
         "items[0].wording", "unknown key"),
        (broken("{id: energy,", "{id: mood,"), "garden", "items[1].id", "defined twice"),
        (broken("- {id: mood, label: Mood}", "- {id: Mood, label: Mood}"), "garden",
         "items[0].id", "lower-case"),
        (broken("        items: all\n", "        items: [money, rent]\n"), "worries",
         "scales.worries_total.items", "no item 'rent'"),
        (broken("{label: many, min: 3,", "{label: many, min: 4,"), "worries",
         "scales.worries_total.bands[1].min", "no gap or overlap"),
        (broken("{label: many, min: 3, max: 6}", "{label: many, min: 3, max: 5}"), "worries",
         "scales.worries_total.bands[1].max", "must end at 6"),
        (broken("meaningful_change: 2", "meaningful_change: -1"), "worries",
         "scales.worries_total.meaningful_change", "must be above 0"),
        (broken("method: sum\n", "method: table\n"), "worries",
         "scales.worries_total.items", "does not apply for method table"),
        (broken("version: \"2\"", "version: 2.0"), "garden", "version", "quote it"),
        (broken("  - id: worries", "  - id: swemwbs"), "swemwbs", "id", "already defined in"),
        (broken("  - id: worries", "  - id: garden"), "garden", "id", "defined twice in this file"),
    ],
)  # fmt: skip
def test_definition_errors_name_file_instrument_and_field(
    tmp_path: Path, text: str, instrument_id: str, field: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(MeasureDefinitionError, match=re.escape(message)) as caught:
        load_instruments([path])
    error = caught.value
    assert (error.path, error.instrument, error.field) == (str(path), instrument_id, field)
    assert f"file {path}" in str(error)
    assert f"instrument {instrument_id!r}" in str(error)
    assert f"field {field!r}" in str(error)


def test_conversion_tables_must_cover_every_raw_score(tmp_path: Path) -> None:
    text = CUSTOM.replace("    scales:\n", "    primary_scale: converted\n    scales:\n") + (
        "      - {id: converted, label: C, method: table, source: worries_total,"
        " table: {0: 0, 1: 1.5, 2: 3, 3: 4.5, 4: 6, 6: 9}}\n"
    )
    with pytest.raises(MeasureDefinitionError, match="no value for worries_total score") as caught:
        load_instrument_file(write(tmp_path, text), custom=True)
    assert (caught.value.instrument, caught.value.field) == ("worries", "scales.converted.table")
    fixed = text.replace("4: 6, 6: 9", "4: 6, 5: 7.5, 6: 9")
    worries = load_instrument_file(write(tmp_path, fixed), custom=True)[1]
    assert score(worries, {"money": 3, "housing": 2}).scales == {
        "worries_total": 5,
        "converted": 7.5,
    }


def test_a_sum_instrument_with_several_scales_must_name_its_primary(tmp_path: Path) -> None:
    text = CUSTOM + (
        "      - {id: doubled, label: D, method: multiply, source: worries_total, factor: 2}\n"
    )
    with pytest.raises(MeasureDefinitionError, match="is required") as caught:
        load_instruments([write(tmp_path, text)])
    assert (caught.value.instrument, caught.value.field) == ("worries", "primary_scale")


def test_unreadable_and_invalid_files_name_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(MeasureDefinitionError, match="cannot read it") as caught:
        load_instruments([missing])
    assert caught.value.path == str(missing)
    bad = write(tmp_path, "schema_version: 1\ninstruments: [\n", "bad.yaml")
    with pytest.raises(MeasureDefinitionError, match="not valid YAML"):
        load_instruments([bad])
    wrong = write(tmp_path, "schema_version: 2\ninstruments: []\n", "wrong.yaml")
    with pytest.raises(MeasureDefinitionError, match="must be 1") as caught:
        load_instruments([wrong])
    assert caught.value.field == "schema_version"


# --- Timepoints and pairing ---------------------------------------------------------------


def test_timepoint_and_administration_constants() -> None:
    assert TIMEPOINTS == ("baseline", "review", "exit")
    assert ADMINISTRATION_MODES == ("self_completed", "read_aloud", "phone")


@pytest.mark.parametrize(
    ("text", "number", "expected"),
    [
        ("baseline", None, Timepoint("baseline")),
        ("Exit", None, Timepoint("exit")),
        ("review 2", None, Timepoint("review", 2)),
        ("review_3", None, Timepoint("review", 3)),
        ("review", 1, Timepoint("review", 1)),
        ("review 2", 2, Timepoint("review", 2)),
    ],
)
def test_parse_timepoint(text: str, number: int | None, expected: Timepoint) -> None:
    assert parse_timepoint(text, number) == expected


def test_review_timepoints_print_with_their_number() -> None:
    assert str(Timepoint("review", 2)) == "review 2" and str(Timepoint("exit")) == "exit"


@pytest.mark.parametrize(
    ("text", "number", "message"),
    [
        ("review", None, "needs a number"),
        ("review 0", None, "needs a number"),
        ("review 2", 3, "disagrees"),
        ("follow-up", None, "unknown timepoint"),
        ("baseline", 1, "takes no review number"),
    ],
)
def test_parse_timepoint_refuses_unclear_values(text, number, message) -> None:
    with pytest.raises(MeasureError, match=message):
        parse_timepoint(text, number)


def response(timepoint: str, when: str, modified: bool = False, **scales: float) -> dict:
    return {
        "timepoint": timepoint,
        "date": date.fromisoformat(when),
        "modified": modified,
        "scales": scales or {"swemwbs_metric": 20.0},
    }


def test_pairing_prefers_exit_over_a_later_review() -> None:
    base = response("baseline", "2024-01-10")
    exit_ = response("exit", "2024-05-01")
    later_review = response("review 3", "2024-06-01")
    pairing = pair_baseline_follow_up(
        [later_review, exit_, response("review 1", "2024-03-01"), base]
    )
    assert pairing.paired and pairing.baseline is base and pairing.follow_up is exit_
    assert pairing.excluded_modified == 0 and pairing.reason is None and not pairing.modified


def test_pairing_without_exit_takes_the_latest_review() -> None:
    base = response("baseline", "2024-01-10")
    review_2 = response("review 2", "2024-04-01")
    same_day_review_1 = response("review 1", "2024-04-01")
    pairing = pair_baseline_follow_up(
        [base, response("review 1", "2024-02-01"), same_day_review_1, review_2]
    )
    assert pairing.follow_up is review_2


def test_pairing_excludes_modified_responses_and_counts_them() -> None:
    base = response("baseline", "2024-01-10")
    review = response("review 1", "2024-03-01")
    modified_exit = response("exit", "2024-05-01", modified=True)
    pairing = pair_baseline_follow_up([base, review, modified_exit])
    assert pairing.follow_up is review
    assert pairing.excluded_modified == 1
    assert not pairing.modified


def test_a_modified_baseline_leaves_no_pair_unless_modified_are_included() -> None:
    base = response("baseline", "2024-01-10", modified=True)
    exit_ = response("exit", "2024-05-01")
    pairing = pair_baseline_follow_up([base, exit_])
    assert not pairing.paired and pairing.reason == "no baseline"
    assert pairing.excluded_modified == 1
    included = pair_baseline_follow_up([base, exit_], include_modified=True)
    assert included.paired and included.modified and included.excluded_modified == 0


def test_earliest_baseline_is_used_and_follow_ups_must_come_after_it() -> None:
    early = response("baseline", "2024-01-10")
    again = response("baseline", "2024-02-10")
    stray = response("review 1", "2024-01-05")
    assert pair_baseline_follow_up([again, early]).reason == "no follow-up after the baseline"
    assert pair_baseline_follow_up([early, again, stray]).follow_up is None
    assert pair_baseline_follow_up([early, stray, again]).baseline is early


def test_same_day_ties_take_the_first_baseline_and_the_last_follow_up() -> None:
    # Responses come in the order they were recorded: a follow-up entered again on the same
    # day replaces the earlier entry, as in the dashboard's SQL pairing (ties by id).
    first_base, second_base = response("baseline", "2024-01-10"), response("baseline", "2024-01-10")
    first_exit, second_exit = response("exit", "2024-05-01"), response("exit", "2024-05-01")
    pairing = pair_baseline_follow_up([first_base, first_exit, second_base, second_exit])
    assert pairing.baseline is first_base and pairing.follow_up is second_exit
    first_review, second_review = (response("review 2", "2024-03-01"),
                                   response("review 2", "2024-03-01"))
    pairing = pair_baseline_follow_up(
        [first_base, first_review, second_review, response("review 1", "2024-03-01")]
    )
    assert pairing.follow_up is second_review


def test_pairing_by_scale_skips_responses_without_it() -> None:
    base = response("baseline", "2024-01-10", anxiety=6, happiness=5)
    review = response("review 1", "2024-03-01", happiness=7)
    assert not pair_baseline_follow_up([base, review], scale="anxiety").paired
    assert pair_baseline_follow_up([base, review], scale="happiness").follow_up is review


def test_pairing_reads_objects_iso_strings_and_review_numbers() -> None:
    base = SimpleNamespace(timepoint="baseline", date="2024-01-10", modified=False, scales={})
    first = SimpleNamespace(
        timepoint="review", review_number=1, date=datetime(2024, 3, 1, 9, 30), modified=False,
        scales={},
    )  # fmt: skip
    second = SimpleNamespace(
        timepoint="review", review_number=2, date="2024-03-01T10:00", modified=False, scales={}
    )
    assert pair_baseline_follow_up([base, second, first]).follow_up is second


def test_pairing_refuses_responses_it_cannot_read() -> None:
    with pytest.raises(MeasureError, match="response has no 'date'"):
        pair_baseline_follow_up([{"timepoint": "baseline", "modified": False}])
    with pytest.raises(MeasureError, match="not an ISO date"):
        pair_baseline_follow_up([{"timepoint": "baseline", "date": "10/01/2024"}])


# --- SNOMED CT mapping ---------------------------------------------------------------------


def test_snomed_mapping_holds_the_specs_concepts() -> None:
    codes = {concept.code: concept for concept in load_snomed_concepts().values()}
    assert set(codes) == {"871731000000106", "871711000000103", "718466001", "718426000"}
    assert codes["871731000000106"].term == "Referral to social prescribing service"
    assert codes["871711000000103"].term == "Social prescribing declined"
    assert concept_for_scale("swemwbs", "swemwbs_metric").code == "718466001"
    assert concept_for_scale("wemwbs", "wemwbs_total").code == "718426000"
    assert concept_for_scale("ons4", "anxiety") is None


def test_snomed_score_concepts_point_at_real_scales() -> None:
    instruments = load_instruments()
    for concept in load_snomed_concepts().values():
        if concept.instrument is not None:
            assert concept.scale in instruments[concept.instrument].scale_ids


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("871731000000106", True), ("718466001", True), ("718426000", True),
        ("718466002", False),  # wrong check digit
        ("871731000000110", False),  # valid check digit, partition 11: a description id
        ("12345", False), ("71846600x", False), ("", False),
    ],
)  # fmt: skip
def test_concept_id_check(code: str, valid: bool) -> None:
    assert is_concept_id(code) is valid


def test_snomed_file_errors_name_the_field(tmp_path: Path) -> None:
    path = write(tmp_path, 'concepts:\n  swemwbs_score: {code: "718466002", term: x}\n')
    with pytest.raises(MeasureDefinitionError, match="not a valid SNOMED CT concept id") as caught:
        load_snomed_concepts(path)
    assert (caught.value.path, caught.value.field) == (str(path), "concepts.swemwbs_score.code")
