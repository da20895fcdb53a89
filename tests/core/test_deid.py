"""De-identification rules on realistic UK text."""

from __future__ import annotations

import pytest
import spacy

from spstories.core.deid import DeidConfig, deidentify, deidentify_all, nhs_number_is_valid


def nhs_with_check(nine: str) -> str:
    """A valid NHS number from nine digits (modulus 11), or '' when none exists."""
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return "" if check == 10 else nine + str(check)


def test_nhs_check_digit():
    assert nhs_number_is_valid("9434765919")  # the NHS's published example
    assert not nhs_number_is_valid("9434765918")
    assert nhs_with_check("401023213") == "4010232137"
    assert nhs_number_is_valid("4010232137")
    assert not nhs_number_is_valid("123456789")


@pytest.mark.parametrize("shown", ["943 476 5919", "943-476-5919", "9434765919"])
def test_valid_nhs_numbers_are_replaced(shown):
    result = deidentify(f"Her NHS number is {shown}, GP practice notified.")
    assert result.text == "Her NHS number is [NHS NUMBER], GP practice notified."


def test_ten_digits_with_a_wrong_check_digit_are_not_nhs_numbers():
    assert "[NHS NUMBER]" not in deidentify("Reference 943 476 5918 on file").text


@pytest.mark.parametrize("postcode", [
    "M1 1AE", "B33 8TH", "W1A 0AX", "CR2 6XH", "DN55 1PT", "EC1A 1BB", "GIR 0AA",
    "m11ae", "dn551pt", "ec1a1bb", "sw1a 2aa", "Ls6 2Ab",
])
def test_postcodes_of_every_format(postcode):
    result = deidentify(f"She moved to {postcode} last year.")
    assert result.text == "She moved to [POSTCODE] last year.", postcode


@pytest.mark.parametrize("phone", [
    "07700 900123", "07700900123", "+44 7700 900123", "+44 (0)7700 900 123", "020 7946 0018",
    "(020) 7946 0018", "0161 496 0000", "01632 960123", "0113-496-0000",
])
def test_uk_phone_numbers(phone):
    assert deidentify(f"Ring {phone} after 5pm.").text == "Ring [PHONE] after 5pm."


@pytest.mark.parametrize("when", [
    "03/02/2025", "3.2.25", "2025-02-03", "3rd March 2025", "3 March", "21st of June 2024",
    "March 3rd, 2025", "Tuesday 4 March", "September 2024",
])
def test_dates_in_uk_forms(when):
    assert deidentify(f"We met on {when} at the centre.").text == "We met on [DATE] at the centre."


def test_email_and_a_realistic_case_note():
    text = ("My name is Margaret Okafor, I'm 74 and live in Headingley, LS6 2AB. Mrs Okafor "
            "was referred by Dr Patel on 12/03/2025. Contact: maggie.okafor@example.co.uk or "
            "0113 496 0000. NHS 943 476 5919. Margaret now goes to the Knit and Natter group at "
            "St Chad's with her neighbour Sarah.")
    config = DeidConfig(places=("Headingley",), organisations=("Knit and Natter", "St Chad's"))
    result = deidentify(text, config)
    for gone in ("Margaret", "Okafor", "Patel", "Headingley", "LS6 2AB", "12/03/2025",
                 "maggie.okafor", "0113", "943 476", "Knit and Natter", "St Chad's", "Sarah"):
        assert gone not in result.text, gone
    # one person, one placeholder, however she is named
    assert result.text.count("[NAME 1]") == 3
    assert "[NAME 2]" in result.text and "[NAME 3]" in result.text
    assert "I'm 74" in result.text and "neighbour" in result.text
    # offsets point into the original, for the before/after view
    for r in result.replacements:
        assert text[r.start:r.end] == r.original
    assert "".join(t for t, _ in result.segments()) == text


def test_introductions_and_ambiguous_names():
    result = deidentify("I called the GP. My friend is called Joy Adeyemi. Will you come? "
                        "I hope so. Grace Hall helped.")
    assert "Joy Adeyemi" not in result.text and "Grace Hall" not in result.text
    assert "Will you come?" in result.text and "I hope so" in result.text
    assert "the GP" in result.text


def test_numbering_is_shared_across_a_report():
    first, second = deidentify_all(["Sarah Jones came.", "Later Sarah and Tom came."])
    assert first.text == "[NAME 1] came."
    assert second.text == "Later [NAME 1] and [NAME 2] came."


def test_keep_list_and_named_consent():
    config = DeidConfig(keep=("Age UK",), keep_names=True)
    result = deidentify("Sarah Jones (07700 900123) joined Age UK.", config)
    assert result.text == "Sarah Jones ([PHONE]) joined Age UK."


def test_named_entity_recognition_when_a_pipeline_is_given():
    # A blank pipeline with an entity ruler stands in for a trained one (none is installed).
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "PERSON", "pattern": "Blessing Nwosu"},
                        {"label": "GPE", "pattern": "Chapeltown"}])
    result = deidentify("Blessing Nwosu from Chapeltown joined.", DeidConfig(nlp=nlp))
    assert result.text == "[NAME 1] from [PLACE 1] joined."
