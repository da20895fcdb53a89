"""The researcher workbench in headless Chromium: code a passage, agreement, .qdpx download."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from spstories.services import research, research_coding
from spstories.services.accounts import create_user
from spstories.services.codebooks import latest_version
from tests.browser.conftest import login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

TEXT = "I was lonely. Now I go to the walking group. I feel happier."


@pytest.fixture
def study(db, users, orgs):
    project = research.create_project(db, users["researcher"], "Walking study", orgs["north"].id,
                                      codebook=latest_version(db, "sp-outcomes"))
    doc = research.add_transcript(db, users["researcher"], project, "ann.txt", TEXT.encode())
    second = create_user(db, email="second@north.test", name="Second coder", role="researcher",
                         password=PASSWORD, organisations=[orgs["north"]])
    research_coding.add_coding(db, second, project, doc, ["loneliness"], 0, 13)
    research_coding.add_coding(db, second, project, doc, ["wellbeing"], 45, 60)
    db.commit()
    return project, doc


def test_code_a_passage_check_agreement_and_download(page, live_server, study):
    project, doc = study
    login(page, live_server, "researcher@north.test", PASSWORD)
    page.goto(f"{live_server.url}/research/{project.id}/documents/{doc.id}")
    # Select "I was lonely." as a user would, then let the page turn it into offsets.
    page.evaluate("""() => {
        const node = document.getElementById('doc-text').firstChild;
        const range = document.createRange();
        range.setStart(node, 0); range.setEnd(node, 14);
        const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
    }""")
    page.locator("#selection-status", has_text="characters 0–13").wait_for()
    assert page.locator("#start").input_value() == "0"
    assert page.locator("#end").input_value() == "13"
    page.locator("#code-loneliness").check()
    page.get_by_role("button", name="Apply codes").click()
    assert "Coded with 1 code" in page.get_by_role("status").first.inner_text()
    assert page.locator("#doc-text mark").first.inner_text() == "I was lonely."

    page.goto(f"{live_server.url}/research/{project.id}/agreement")
    page.get_by_label("researcher north (human)").check()
    page.get_by_label("Second coder (human)").check()
    page.get_by_role("button", name="Compare").click()
    # By hand: units [0,13) [13,45) [45,60) for each of two codes = 6 pooled units.
    # Coder A: 1 0 0 | 0 0 0; coder B: 1 0 0 | 0 0 1 -> 5/6 agree = 83.3%.
    # kappa: p_o = 5/6, p_e = (1/6)(2/6) + (5/6)(4/6) = 22/36 -> (8/36)/(14/36) = 0.571.
    # alpha: coincidences o11 = 2, o00 = 8, o01 = o10 = 1; n1 = 3, n0 = 9, n = 12
    #        -> 1 - (n - 1) * 2 / (2 * 3 * 9) = 1 - 22/54 = 0.593.
    assert page.locator("#overall-percent").inner_text() == "83.3%"
    assert page.locator("#overall-kappa").inner_text() == "0.571"
    assert page.locator("#overall-alpha").inner_text() == "0.593"
    assert "I feel happier." in page.locator("main").inner_text()  # the one disagreement

    page.goto(f"{live_server.url}/research/{project.id}")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download .qdpx (REFI-QDA project)").click()
    with zipfile.ZipFile(io.BytesIO(Path(info.value.path()).read_bytes())) as archive:
        names = archive.namelist()
        qde = archive.read("project.qde").decode()
    assert "project.qde" in names and any(n.startswith("sources/") for n in names)
    assert 'startPosition="0" endPosition="13"' in qde
