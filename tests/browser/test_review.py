"""The review queue in headless Chromium: keyboard decisions, changes, missed tags, filters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from spstories.services.tagging import tag_document
from spstories.storage.models import CaseStudy, Client, Code, Feedback, Tag, TagReview
from tests.browser.conftest import ARTIFACTS, login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

# Stored as a browser submits a textarea: line breaks are CR LF, which the page's DOM shows
# as LF, so offsets taken from a selection must be mapped back to the stored text.
NARRATIVE = "Sam felt stuck at home.\r\n\r\nI feel much more confident now. The parking was bad."
FEEDBACK = (
    "I have started volunteering at the food bank.",
    "My debts are sorted and I can pay my bills now.",
    "My sleep got worse after the move.",
)


@pytest.fixture(autouse=True)
def _rules_only(monkeypatch, tmp_path):
    """No trained model from models/ may change what the machine suggests."""
    monkeypatch.setenv("SPSTORIES_MODELS_DIR", str(tmp_path / "models"))


@pytest.fixture
def machine_tags(db, orgs, users) -> dict[str, Tag]:
    """One machine tag per document, keyed by code; the queue shows the newest first."""
    north = orgs["north"].id
    client = Client(organisation_id=north, reference="N-001")
    db.add(client)
    db.flush()
    story = CaseStudy(organisation_id=north, client_id=client.id, title="Back out",
                      narrative=NARRATIVE)
    db.add(story)
    db.flush()
    tags = tag_document(db, story)
    for text in FEEDBACK:
        item = Feedback(organisation_id=north, client_id=client.id, source="client",
                        channel="email", received_on=date(2026, 1, 5), text=text)
        db.add(item)
        db.flush()
        tags += tag_document(db, item)
    db.commit()
    by_code = {tag.code.key: tag for tag in tags}
    assert [(t.code.key, t.polarity, t.origin) for t in tags] == [
        ("confidence", "improved", "rule"),
        ("volunteering", "improved", "rule"),
        ("finances", "improved", "rule"),
        ("physical_health", "worsened", "rule"),
    ]
    return by_code


def _snapshot(tag: Tag) -> tuple:
    """The machine's suggestion, which no decision may overwrite."""
    return (tag.code_id, tag.polarity, tag.start_offset, tag.end_offset, tag.evidence,
            tag.origin, tag.score)


def _focused_tag(page) -> str | None:  # type: ignore[no-untyped-def]
    return page.evaluate(
        "() => document.activeElement.closest('.review-item')?.dataset.tag ?? null")


def _queue(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator(".review-item").evaluate_all("items => items.map(i => i.dataset.tag)")


def _filter(page, **choices: str) -> None:  # type: ignore[no-untyped-def]
    """Choose filters by their labels (``State="accepted"``) and apply them."""
    form = page.get_by_role("form", name="Filter the queue")
    for label, value in choices.items():
        form.get_by_label(label).select_option(value)
    with page.expect_navigation():
        form.get_by_role("button", name="Filter").click()


def _item(page, tag: Tag):  # type: ignore[no-untyped-def]
    return page.locator(f'.review-item[data-tag="{tag.id}"]')


def test_review_by_keyboard_change_and_filter(page, live_server, db, users, machine_tags):
    health, finances, volunteering, confidence = (
        machine_tags[k] for k in ("physical_health", "finances", "volunteering", "confidence"))
    before = {t.id: _snapshot(t) for t in machine_tags.values()}
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if "Content Security" in m.text else None)

    # A link worker has no way in.
    login(page, live_server, "link_worker@north.test", PASSWORD)
    assert page.get_by_role("link", name="Review tags").count() == 0
    response = page.goto(live_server.url + "/review/")
    assert response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "Not allowed"
    page.get_by_role("button", name="Log out").click()

    login(page, live_server, "researcher@north.test", PASSWORD)
    page.get_by_role("link", name="Review tags").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Review machine tags")
    assert _queue(page) == [str(t.id) for t in (health, finances, volunteering, confidence)]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review-queue.png"), full_page=True)

    # Filters: only the matching tags are left in the queue.
    _filter(page, Polarity="worsened")
    assert _queue(page) == [str(health.id)]
    _filter(page, Polarity="improved", Code="finances")
    assert "code=finances" in page.url and "polarity=improved" in page.url
    assert _queue(page) == [str(finances.id)]
    assert page.locator(".review-item mark.evidence").inner_text() == FEEDBACK[1]
    _filter(page, Code="confidence", Polarity="worsened")
    assert _queue(page) == []
    assert "Nothing to review under these filters." in page.locator("main").inner_text()

    # Keyboard: the first tag has the focus as the page opens, so "a" decides it at once;
    # "j" moves to the next and "r" rejects it. After each decision the focus stays in
    # place, on the tag that took the decided one's place, and is visible.
    started = datetime.now(UTC) - timedelta(seconds=1)
    page.goto(live_server.url + "/review/")
    assert _focused_tag(page) == str(health.id)
    with page.expect_navigation():
        page.keyboard.press("a")
    assert page.get_by_role("status").first.inner_text() == "Decision recorded."
    assert _queue(page) == [str(finances.id), str(volunteering.id), str(confidence.id)]
    assert _focused_tag(page) == str(finances.id)
    page.keyboard.press("j")
    assert _focused_tag(page) == str(volunteering.id)
    with page.expect_navigation():
        page.keyboard.press("r")
    assert page.get_by_role("status").first.inner_text() == "Decision recorded."
    assert _queue(page) == [str(finances.id), str(confidence.id)]
    assert _focused_tag(page) == str(confidence.id)
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"

    db.expire_all()
    reviews = db.scalars(select(TagReview).order_by(TagReview.id)).all()
    assert [(r.tag_id, r.decision, r.user_id) for r in reviews] == [
        (health.id, "accept", users["researcher"].id),
        (volunteering.id, "reject", users["researcher"].id),
    ]
    for review in reviews:
        when = review.created_at if review.created_at.tzinfo else review.created_at.replace(
            tzinfo=UTC)
        assert started <= when <= datetime.now(UTC)
    states = {t.code.key: db.get(Tag, t.id).review_state for t in machine_tags.values()}
    assert states == {"physical_health": "accepted", "volunteering": "rejected",
                      "finances": "suggested", "confidence": "suggested"}
    assert {t.id: _snapshot(db.get(Tag, t.id)) for t in machine_tags.values()} == before
    assert db.scalars(select(Tag).where(Tag.origin == "human")).all() == []

    # The decided tags are under their new states, as the machine suggested them.
    _filter(page, State="accepted")
    assert _queue(page) == [str(health.id)]
    assert "Physical health · worsened · rule · score 0.85" in _item(page, health).inner_text()
    _filter(page, State="rejected")
    assert _queue(page) == [str(volunteering.id)]
    assert "Volunteering · improved · rule" in _item(page, volunteering).inner_text()

    # Change: "c" puts the focus on the tag's code; typing there picks a code, and decides
    # nothing, until the Change button is pressed.
    page.goto(live_server.url + "/review/")
    item = _item(page, confidence)
    item.focus()
    page.keyboard.press("c")
    assert page.evaluate("document.activeElement.name") == "code"
    assert _focused_tag(page) == str(confidence.id)
    page.keyboard.press("a")
    page.keyboard.press("r")
    item.get_by_label("Code").select_option("wellbeing")
    item.get_by_label("Polarity").select_option("unchanged")
    with page.expect_navigation():
        item.get_by_role("button", name="Change").click()
    assert page.get_by_role("status").first.inner_text() == "Decision recorded."
    assert _queue(page) == [str(finances.id)]

    db.expire_all()
    original = db.get(Tag, confidence.id)
    assert original.review_state == "rejected"
    assert _snapshot(original) == before[confidence.id]  # the machine's suggestion is kept
    review = db.scalars(select(TagReview).where(TagReview.tag_id == confidence.id)).one()
    wellbeing = db.scalars(select(Code).where(
        Code.key == "wellbeing", Code.codebook_id == confidence.code.codebook_id)).one()
    assert (review.decision, review.user_id, review.code_id, review.polarity) == (
        "change", users["researcher"].id, wellbeing.id, "unchanged")
    replacement = db.get(Tag, review.new_tag_id)
    assert (replacement.code_id, replacement.polarity, replacement.origin,
            replacement.review_state) == (wellbeing.id, "unchanged", "human", "accepted")
    assert (replacement.start_offset, replacement.end_offset, replacement.evidence) == (
        original.start_offset, original.end_offset, "I feel much more confident now.")
    assert db.scalars(select(TagReview.decision).order_by(TagReview.id)).all() == [
        "accept", "reject", "change"]
    _filter(page, State="accepted", Origin="human")
    assert _queue(page) == [str(replacement.id)]
    assert "Wellbeing and mood · unchanged · human" in _item(page, replacement).inner_text()
    assert not errors


def test_add_a_missed_tag_by_selecting_text(page, live_server, db, users, machine_tags):
    tag = machine_tags["confidence"]
    login(page, live_server, "manager@north.test", PASSWORD)
    page.goto(live_server.url + "/review/")
    _item(page, tag).focus()
    with page.expect_navigation():
        page.keyboard.press("m")
    assert page.get_by_role("heading", level=1).inner_text() == "Add a tag the machine missed"
    text = page.locator("#doc-text")
    assert text.evaluate("e => getComputedStyle(e).whiteSpace") == "pre-wrap"  # paragraphs show
    # Select the passage as a user would, on the text as the browser shows it.
    page.evaluate("""() => {
        const node = document.getElementById('doc-text').firstChild;
        const from = node.data.indexOf('The parking');
        const range = document.createRange();
        range.setStart(node, from - 1);  // with the space before it, which is trimmed
        range.setEnd(node, node.data.length);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
    }""")
    page.locator("#selection-status", has_text="“The parking was bad.”").wait_for()
    page.get_by_label("Code").select_option("access")
    page.get_by_label("Polarity").select_option("unchanged")
    page.get_by_label("Note").fill("car park")
    page.get_by_role("button", name="Add tag").click()
    assert page.get_by_role("status").first.inner_text() == "Missed tag added."

    db.expire_all()
    added = db.scalars(select(Tag).where(Tag.origin == "human")).one()
    assert added.evidence == "The parking was bad."
    assert NARRATIVE[added.start_offset:added.end_offset] == added.evidence
    assert (added.code.key, added.polarity, added.review_state, added.case_study_id,
            added.field) == ("access", "unchanged", "accepted", tag.case_study_id, "narrative")
    review = db.scalars(select(TagReview)).one()
    assert (review.tag_id, review.decision, review.user_id, review.note) == (
        added.id, "add", users["manager"].id, "car park")
    assert db.get(Tag, tag.id).review_state == "suggested"
