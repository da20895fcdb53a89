"""Reading uploads, mapping columns and validating rows (pure core)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from spstories.core.importing import (
    KINDS,
    ImportFileError,
    bare_message,
    check_mapping,
    error_report_csv,
    get_kind,
    guess_mapping,
    parse_date,
    read_csv,
    read_table,
    read_xlsx,
    safe_csv_cell,
    sniff_delimiter,
    template_csv,
    template_xlsx,
    validate_rows,
)
from spstories.core.measures import get_instrument, score
from spstories.errors import ImportRowError

DOCS = Path(__file__).resolve().parents[2] / "docs" / "importing.md"


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def validated(kind_name: str, text: str):  # type: ignore[no-untyped-def]
    kind = get_kind(kind_name)
    table = read_csv(text.encode("utf-8"))
    mapping = guess_mapping(kind, table.header)
    assert check_mapping(kind, table, mapping) == {}
    return validate_rows(kind, table, mapping)


# --- reading -------------------------------------------------------------------------------

def test_csv_with_bom_semicolons_quotes_and_blank_rows_keeps_file_row_numbers():
    data = "\ufeffClient ID;Notes\r\nA1;\"one; two\"\r\n;\r\n\r\nA2;\"multi\nline\"\r\nA3;x\r\n"
    table = read_csv(data.encode("utf-8"), "export.csv")
    assert table.header == ("Client ID", "Notes")
    assert table.rows == [(2, ("A1", "one; two")), (5, ("A2", "multi\nline")), (6, ("A3", "x"))]


def test_windows_1252_csv_is_decoded():
    table = read_csv("reference,area\nChloë’s,LS6\n".encode("cp1252"))
    assert table.rows[0][1] == ("Chloë’s", "LS6")


@pytest.mark.parametrize(("line", "expected"), [
    ("a,b,c", ","), ("a;b;c", ";"), ("a\tb\tc", "\t"), ("a|b", "|"), ("single", ","),
    ('"x;y",b,c', ","),
])
def test_delimiter_is_sniffed_from_the_header(line, expected):
    assert sniff_delimiter(line + "\n1,2,3\n") == expected


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"", "a.csv", "is empty"),
    (b"\n\n", "a.csv", "is empty"),
    (b"reference\n", "a.csv", "no data rows"),
    (b"ref\x00\x01", "a.csv", "not a text"),
    (b"\x81\x8d\x8f", "a.csv", "encoding"),
    (b"whatever", "a.xls", "old Excel"),
    (b"whatever", "a.pdf", "choose a .csv or .xlsx"),
    (b"not a zip", "a.xlsx", "not an Excel"),
    (b"PK\x03\x04 broken", "a.xlsx", "could not be read"),
])
def test_unreadable_files_are_refused_with_a_reason(data, name, message):
    with pytest.raises(ImportFileError, match=message):
        read_table(data, name)


def test_row_limit_refuses_the_whole_file():
    data = "reference\n" + "".join(f"C{n}\n" for n in range(11))
    assert len(read_csv(data.encode(), max_rows=11).rows) == 11
    with pytest.raises(ImportFileError, match="more than 10 rows"):
        read_csv(data.encode(), max_rows=10)


def test_xlsx_values_read_as_text_without_evaluating_formulas():
    data = xlsx_bytes([
        ["Client ID", "IMD", "Referral date", "Formula"],
        ["C1", 3, datetime(2024, 3, 1), "=1+1"],
        [None, None, None, None],
        ["C2", 4.0, date(2024, 2, 29), '=HYPERLINK("http://x","y")'],
    ])
    table = read_xlsx(data, "book.xlsx")
    assert table.header == ("Client ID", "IMD", "Referral date", "Formula")
    # openpyxl saves formulas without a cached value: read-only/data-only mode yields none.
    assert table.rows == [(2, ("C1", "3", "2024-03-01")), (4, ("C2", "4", "2024-02-29"))]


# --- mapping -------------------------------------------------------------------------------

def test_mapping_is_guessed_from_case_management_headers():
    header = ("NHS ref", "Referral date", "Source", "Presenting needs", "Unrelated", "Status")
    guess = guess_mapping(get_kind("referrals"), header)
    assert guess["client_reference"] == 0
    assert guess["referred_on"] == 1
    assert guess["source"] == 2
    assert guess["needs"] == 3
    assert guess["status"] == 5
    assert guess["service"] is None


def test_field_names_win_over_aliases_and_a_column_is_used_once():
    guess = guess_mapping(get_kind("clients"), ("Client ID", "reference"))
    assert guess["reference"] == 1


def test_mapping_problems_name_each_field():
    kind = get_kind("referrals")
    table = read_csv(b"a,b\n1,2\n")
    problems = check_mapping(kind, table, {"client_reference": 0, "referred_on": 0,
                                           "source": 7, "nonsense": 1})
    assert "already chosen for Client reference" in problems["referred_on"]
    assert problems["source"] == "choose one of the file's columns"
    assert "no field" in problems["nonsense"]
    assert check_mapping(kind, table, {"client_reference": 0})["source"].endswith(
        "choose its column")


# --- validation ----------------------------------------------------------------------------

def test_all_errors_are_collected_with_file_row_and_column():
    rows, errors = validated("clients", (
        "Client ID,Age group,Sex,IMD\n"
        "C1,45-54,F,3\n"
        ",75 and over,Non binary,x\n"
        "\n"
        "C3,ninety,,11\n"
    ))
    assert [r.row for r in rows] == [2]
    assert rows[0].values == {"reference": "C1", "age_band": "45-54", "gender": "female",
                              "ethnic_group": "not_stated", "area": None, "imd_decile": 3}
    found = [(e.row, e.column) for e in errors]
    assert found == [(3, "Client ID"), (3, "IMD"), (5, "Age group"), (5, "IMD")]
    assert "Client reference is required" in str(errors[0])
    assert bare_message(errors[2]).startswith("'ninety' is not a valid age band; use one of")


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-03-01", date(2024, 3, 1)), ("01/03/2024", date(2024, 3, 1)),
    ("1/3/2024", date(2024, 3, 1)), ("01.03.2024", date(2024, 3, 1)),
    ("01-03-2024", date(2024, 3, 1)), ("2024-03-01 00:00:00", date(2024, 3, 1)),
    ("01/03/2024 09:30", date(2024, 3, 1)), ("2024-03-01T10:15:00", date(2024, 3, 1)),
])
def test_dates_in_iso_and_uk_formats(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("31/02/2024", "not a real date"), ("03/13/2024", "not a real date"),
    ("1/3/24", "YYYY-MM-DD or DD/MM/YYYY"), ("March 1st", "YYYY-MM-DD or DD/MM/YYYY"),
    ("2024-03-01 lunchtime", "YYYY-MM-DD or DD/MM/YYYY"),
])
def test_bad_dates_say_why(text, message):
    with pytest.raises(ValueError, match=message):
        parse_date(text)


def test_vocabularies_accept_values_labels_and_synonyms_in_any_case():
    rows, errors = validated("referrals", (
        "Client ID,Referral date,Source,Status,Needs,First contact\n"
        "C1,01/03/2024,GP,ACCEPTED,\"Loneliness; physical activity, loneliness\",2024-03-02\n"
        "C1,01/03/2024,self-referral,closed,,\n"
        "C1,01/03/2024,VCSE organisation,,,\n"
        "C1,01/03/2024,the pub,,,2024-02-01\n"
    ))
    assert [r.values["source"] for r in rows] == ["gp", "self", "vcse"]
    assert [r.values["status"] for r in rows] == ["accepted", "completed", "offered"]
    assert rows[0].values["needs"] == ["loneliness", "physical_activity"]
    assert len(errors) == 1 and errors[0].row == 5 and errors[0].column == "Source"
    assert "use one of: gp, self, other_professional, vcse, other" in str(errors[0])


def test_a_referral_cannot_be_contacted_before_it_was_made():
    _, errors = validated("referrals", (
        "Client ID,Referral date,Source,First contact\nC1,2024-03-01,gp,2024-02-01\n"))
    assert [(e.row, e.column) for e in errors] == [(2, "First contact")]
    assert "before the referral date 01/03/2024" in str(errors[0])


def test_measure_rows_are_scored_positionally_and_errors_name_the_item_column():
    rows, errors = validated("measures", (
        "Client ID,Measure,Stage,Date,Q1,Q2,Q3,Q4,Q5,Q6,Q7,Q8\n"
        "C1,SWEMWBS,baseline,01/03/2024,1,2,3,4,5,1,2,\n"
        "C1,swemwbs,review 2,2024-06-01,1,2,3,9,5,1.0,,3\n"
        "C1,ONS4,exit,2024-09-01,7,8,6,3,,,,\n"
        "C1,EQ5D,later,2024-09-01,1,,,,,,,\n"
    ))
    swemwbs = get_instrument("swemwbs")
    expected = score(swemwbs, dict(zip(swemwbs.item_ids, [1, 2, 3, 4, 5, 1, 2], strict=True)))
    assert rows[0].values["score"] == expected
    assert rows[1].values["score"].scales["anxiety"] == 3
    assert rows[1].values["timepoint"].kind == "exit"
    assert [(e.row, e.column) for e in errors] == [
        (3, "Q8"), (3, "Q4"), (3, "Q7"), (5, "Measure"), (5, "Stage")]
    assert "9 is out of range" in str(errors[1])
    assert "SWEMWBS has 7 items" in str(errors[0])


def test_measure_answers_must_be_whole_numbers():
    _, errors = validated("measures", "client,instrument,timepoint,date,item_1,item_2,item_3\n"
                                      "C1,ucla3,baseline,2024-01-01,1,2.5,often\n")
    assert [e.column for e in errors] == ["item_2", "item_3"]


# --- output --------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_templates_map_themselves_and_their_example_row_is_valid(kind, fmt):
    data = template_csv(KINDS[kind]) if fmt == "csv" else template_xlsx(KINDS[kind])
    table = read_table(data, f"{kind}.{fmt}")
    mapping = guess_mapping(KINDS[kind], table.header)
    assert mapping == {f.name: i for i, f in enumerate(KINDS[kind].fields)}
    rows, errors = validate_rows(KINDS[kind], table, mapping)
    assert errors == []
    assert len(rows) == 1


def test_error_report_cannot_smuggle_formulas_into_a_spreadsheet():
    errors = [ImportRowError("=HYPERLINK(\"http://evil\") is not a date", row=3, column="@SUM"),
              ImportRowError("is required", row=4, column="+cmd|' /C calc'!A0")]
    report = list(csv.reader(io.StringIO(error_report_csv(errors).decode("utf-8-sig"))))
    assert report[0] == ["row", "column", "message"]
    assert report[1] == ["3", "SUM", 'HYPERLINK("http://evil") is not a date']
    assert report[2][1] == "cmd|' /C calc'!A0"
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in report for cell in row)
    assert safe_csv_cell("-\t=1") == "1"


def test_docs_describe_every_field_of_every_kind():
    text = DOCS.read_text(encoding="utf-8")
    for kind in KINDS.values():
        section = re.search(rf"^## {kind.label}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
        assert section, f"docs/importing.md has no section '## {kind.label}'"
        for target in kind.fields:
            if target.name.startswith("item_") and target.name != "item_1":
                continue  # items are documented as a range
            assert f"`{target.name}`" in section.group(1), f"{kind.name}.{target.name}"
