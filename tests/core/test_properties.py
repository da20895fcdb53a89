"""Property-based tests (hypothesis) of the pure parts that take untrusted input: importers,
the codebook loader, measure scoring and the Markdown renderer. Example counts come from
the hypothesis profile in tests/conftest.py (fewer in CI)."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import yaml
from hypothesis import assume, given
from hypothesis import strategies as st

from spstories.core.codebook import load_codebook_text
from spstories.core.importing import (
    KINDS,
    ImportFileError,
    Table,
    guess_mapping,
    read_csv,
    read_table,
    validate_rows,
)
from spstories.core.markdown import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    ALLOWED_URL_SCHEMES,
    render_markdown,
    sanitise_html,
)
from spstories.core.measures import get_instrument, load_instruments, score
from spstories.errors import CodebookError, ImportRowError, MeasureValidationError
from tests.core.conftest import SHARED

# --- importers -----------------------------------------------------------------------

CELL = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=";\t|\""),
               max_size=12)


@given(st.binary(max_size=2000))
def test_any_bytes_read_as_csv_give_a_table_or_a_file_error(data):
    try:
        table = read_csv(data, "upload.csv")
    except ImportFileError as exc:
        assert "upload.csv" in str(exc)
    else:
        assert table.header and table.rows


@given(st.binary(max_size=2000))
def test_any_bytes_named_xlsx_give_a_file_error(data):
    try:
        read_table(b"PK\x03\x04" + data, "upload.xlsx")
    except ImportFileError as exc:
        assert "upload.xlsx" in str(exc)


@given(st.lists(st.lists(CELL, min_size=1, max_size=6), min_size=2, max_size=12))
def test_a_csv_reads_back_as_written(rows):
    header = [f"col {i}" for i in range(len(rows[0]))]
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    expected = [tuple(c.strip() for c in row) for row in rows]
    expected = [row[:max((i + 1 for i, c in enumerate(row) if c), default=0)]
                for row in expected]
    table = None
    try:
        table = read_csv(out.getvalue().encode(), "t.csv")
    except ImportFileError:
        assert not any(expected), "only a file without data rows may be refused"
        return
    assert table.header == tuple(header)
    assert [cells for _, cells in table.rows] == [row for row in expected if row]
    numbers = [n for n, _ in table.rows]
    assert numbers == sorted(numbers) and numbers[0] >= 2


@given(kind=st.sampled_from(sorted(KINDS)), data=st.data())
def test_validating_any_table_names_the_row_and_column_of_every_error(kind, data):
    target = KINDS[kind]
    header = tuple(data.draw(st.permutations([f.label for f in target.fields]))[:6])
    body = data.draw(st.lists(st.lists(CELL | st.sampled_from(
        ["2024-02-30", "01/03/2024", "yes", "7", "-1", "baseline", "review 2", "gp", "25-34",
         "female", "99999999999999999999", "１２", "1e5", " "]), min_size=len(header),
        max_size=len(header)), min_size=1, max_size=8))
    table = Table(header=header, rows=[(n + 2, tuple(r)) for n, r in enumerate(body)])
    parsed, errors = validate_rows(target, table, guess_mapping(target, header))
    numbers = {n for n, _ in table.rows}
    assert {p.row for p in parsed} | {e.row for e in errors} <= numbers
    assert {p.row for p in parsed}.isdisjoint({e.row for e in errors})
    for error in errors:
        assert isinstance(error, ImportRowError)
        assert str(error).startswith(f"row {error.row}")
        assert error.column is None or error.column in header or error.column in {
            f.label for f in target.fields}


# --- the codebook loader -------------------------------------------------------------

VALID = {
    "id": "test-book", "version": "1", "title": "Test", "polarity": True,
    "codes": [{"id": "connection", "label": "Connection", "definition": "People.",
               "examples": [{"text": "I made friends.", "polarity": "improved"}]}],
}
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(
    max_size=10)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.sampled_from(["id", "label", "codes", "parent", "patterns", "examples", "polarity",
                     "definition", "version", "title", "x"]) | st.text(max_size=5),
    inner, max_size=5), max_leaves=25)


def _load(text):
    try:
        book = load_codebook_text(text, "upload.yaml")
    except CodebookError:
        return None
    assert book.codes and book.id and book.version
    return book


@given(VALUES)
def test_any_yaml_structure_gives_a_codebook_or_a_codebook_error(value):
    _load(yaml.safe_dump(value))


@given(st.sampled_from(["id", "version", "title", "polarity", "codes", "assignment"]), VALUES)
def test_a_valid_codebook_with_any_field_replaced_loads_or_says_why(key, value):
    _load(yaml.safe_dump({**VALID, key: value}))


@given(st.sampled_from(["id", "label", "definition", "examples", "parent", "patterns"]), VALUES)
def test_a_code_with_any_field_replaced_loads_or_says_why(key, value):
    codes = [{**VALID["codes"][0], key: value}]
    _load(yaml.safe_dump({**VALID, "codes": codes}))


@given(st.text(max_size=300))
def test_any_text_gives_a_codebook_or_a_codebook_error(text):
    _load(text)


def test_the_valid_codebook_loads_and_aliases_and_deep_nesting_are_refused():
    assert _load(yaml.safe_dump(VALID)) is not None
    laughs = "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\n"
    assert _load(laughs) is None
    assert _load("[" * 5000 + "]" * 5000) is None


# --- measure scoring -----------------------------------------------------------------

INSTRUMENTS = sorted(load_instruments())


def _answers(instrument, data, *, blanks):
    out = {}
    for item in instrument.items:
        out[item.id] = data.draw(st.integers(item.min, item.max) if not blanks
                                 else st.none() | st.integers(item.min, item.max))
    return out


@given(st.sampled_from(INSTRUMENTS), st.data())
def test_every_complete_answer_set_scores_within_each_scales_range(instrument_id, data):
    instrument = get_instrument(instrument_id)
    result = score(instrument, _answers(instrument, data, blanks=False))
    for scale in instrument.scales:
        value = result.scales[scale.id]
        assert scale.min <= value <= scale.max, (scale.id, value)
        if scale.integer_valued:
            assert value == int(value)


@given(st.sampled_from(INSTRUMENTS), st.data())
def test_blank_items_are_refused_or_named(instrument_id, data):
    instrument = get_instrument(instrument_id)
    answers = _answers(instrument, data, blanks=True)
    assume(None in answers.values())
    try:
        result = score(instrument, answers)
    except MeasureValidationError as exc:
        assert exc.problems
        if instrument.requires_all_items:
            blank = {k for k, v in answers.items() if v is None}
            assert blank <= {item for item, _ in exc.problems}
    else:
        assert not instrument.requires_all_items
        assert set(result.missing_items) == {k for k, v in answers.items() if v is None}


@given(st.sampled_from(INSTRUMENTS), st.data())
def test_answers_out_of_range_or_not_whole_numbers_are_refused_by_item(instrument_id, data):
    instrument = get_instrument(instrument_id)
    answers = _answers(instrument, data, blanks=False)
    item = data.draw(st.sampled_from(instrument.items))
    answers[item.id] = data.draw(st.integers(max_value=item.min - 1)
                                 | st.integers(min_value=item.max + 1)
                                 | st.floats(allow_nan=True) | st.text(max_size=3)
                                 | st.just(True))
    try:
        score(instrument, answers)
    except MeasureValidationError as exc:
        assert item.id in {i for i, _ in exc.problems}
    else:
        raise AssertionError(f"{answers[item.id]!r} for {item.id} was scored")


@given(st.sampled_from(INSTRUMENTS), st.data())
def test_raising_one_answer_never_lowers_a_scale(instrument_id, data):
    instrument = get_instrument(instrument_id)
    answers = _answers(instrument, data, blanks=False)
    item = data.draw(st.sampled_from(instrument.items))
    assume(answers[item.id] < item.max)
    before = score(instrument, answers).scales
    after = score(instrument, {**answers, item.id: answers[item.id] + 1}).scales
    assert all(after[s] >= before[s] for s in before)


def _published_swemwbs_table():
    spec = (SHARED / "spec" / "measures.md").read_text()
    rows = re.findall(r"^\| (raw|metric) \|(.*)\|$", spec, re.M)
    raws = [int(v) for kind, line in rows if kind == "raw" for v in line.split("|")]
    metrics = [float(v) for kind, line in rows if kind == "metric" for v in line.split("|")]
    return dict(zip(raws, metrics, strict=True))


@given(st.lists(st.integers(1, 5), min_size=7, max_size=7))
def test_swemwbs_metric_is_the_published_conversion_of_the_raw_sum(items):
    table = _published_swemwbs_table()
    assert sorted(table) == list(range(7, 36))
    result = score(get_instrument("swemwbs"), {f"q{i}": v for i, v in enumerate(items, 1)})
    assert result.scales["swemwbs_raw"] == sum(items)
    assert result.scales["swemwbs_metric"] == table[sum(items)]


# --- the Markdown renderer -----------------------------------------------------------

FRAGMENTS = ["<script>", "</script>", "<img src=x onerror=alert(1)>", "javascript:", "JaVaS",
             "cript:", "data:text/html,", "vbscript:", "[", "]", "(", ")", "![", "<", ">", "\"",
             "'", "=", "on", "onload", "&#", "&#x6a;", "&lt;", "x", " ", "\n", "\n\n", "*", "`",
             "```", "<svg", "<a href=", "style=", "expression(", "<!--", "-->", "|", "---",
             "http://e.org", "mailto:a@b.c", "\t", "\\", "<iframe", "srcdoc=", "{{7*7}}"]
MARKDOWN = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=5), max_size=40).map("".join)


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))


def _check_safe(html):
    parser = _Elements()
    parser.feed(html)
    for tag, attrs in parser.found:
        assert tag in ALLOWED_TAGS, tag
        for name, value in attrs:
            assert name in ALLOWED_ATTRIBUTES.get(tag, set()) | {"rel", "align"}, (tag, name)
            if name == "href":
                scheme = value.split(":", 1)[0].lower() if ":" in value else ""
                assert scheme in ALLOWED_URL_SCHEMES, value


@given(MARKDOWN)
def test_any_markdown_renders_to_html_with_nothing_that_runs(text):
    _check_safe(render_markdown(text))  # script URLs and markup may remain only as text


@given(st.text(max_size=200) | MARKDOWN)
def test_sanitised_output_is_left_alone_by_a_second_sanitising(text):
    html = render_markdown(text)
    assert sanitise_html(html) == html


@given(st.text(max_size=300) | MARKDOWN)
def test_any_html_fragment_is_cleaned_to_the_allow_list(fragment):
    _check_safe(sanitise_html(fragment))
