"""Zero-shot code suggestions on the add-a-missed-tag page, with the real sentence model,
in headless Chromium (runs in the embeddings stage: ./dev.sh test-embeddings)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from spstories.services.tagging import tag_document
from spstories.storage.models import Feedback, Tag
from tests.browser.conftest import login
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.embeddings]

TEXT = (
    "I have started volunteering at the food bank. "
    "Since the choir began I have made friends and see people every week."
)


@pytest.fixture
def server_env(monkeypatch, tmp_path):
    """Set before the live server starts, which inherits it: the installed model is on,
    and no trained model from models/ takes part."""
    monkeypatch.setenv("SPSTORIES_EMBEDDINGS", "auto")
    monkeypatch.setenv("SPSTORIES_MODELS_DIR", str(tmp_path / "models"))


def test_selecting_a_passage_suggests_codes_by_meaning(server_env, page, live_server, db,
                                                        orgs, users):
    item = Feedback(organisation_id=orgs["north"].id, source="client", channel="email",
                    received_on=date(2026, 1, 5), text=TEXT)
    db.add(item)
    db.flush()
    (tag, *_) = tag_document(db, item)
    db.commit()
    login(page, live_server, "researcher@north.test", PASSWORD)
    page.goto(f"{live_server.url}/review/tags/{tag.id}/document")
    assert page.locator("#code-suggestions").get_attribute("data-mode") == "minilm"
    page.evaluate("""() => {
        const node = document.getElementById('doc-text').firstChild;
        const range = document.createRange();
        range.setStart(node, node.data.indexOf('Since the choir'));
        range.setEnd(node, node.data.length);
        window.getSelection().removeAllRanges();
        window.getSelection().addRange(range);
    }""")
    page.locator("#code-suggestions .suggestion").first.wait_for()
    suggested = page.locator("#code-suggestions .suggestion").evaluate_all(
        "buttons => buttons.map(b => b.dataset.code)")
    assert "connection" in suggested and len(suggested) == 3
    code = page.get_by_label("Code")
    assert code.input_value() == suggested[0]  # the nearest is preselected
    page.locator('#code-suggestions .suggestion[data-code="connection"]').click()
    assert code.input_value() == "connection"
    page.get_by_role("button", name="Add tag").click()
    assert page.get_by_role("status").first.inner_text() == "Missed tag added."
    db.expire_all()
    added = db.scalars(select(Tag).where(Tag.origin == "human")).one()
    assert added.code.key == "connection"
    assert added.evidence == "Since the choir began I have made friends and see people every week."
