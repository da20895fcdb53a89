"""Renaming, moving and merging a project's codes; managers read, researchers change."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from spstories.services import research, research_codebook, research_coding, research_exchange
from spstories.services.accounts import create_user
from spstories.storage.models import AuditEvent, Coding, Memo, ProjectCode, Settlement

TEXT = "I was lonely. Now I go to the walking group every week and I feel much happier."


@pytest.fixture
def project(db, users, orgs):
    made = research.create_project(db, users["researcher"], "Codes study", orgs["north"].id)
    me = users["researcher"]
    research.add_code(db, me, made, "Loneliness")
    research.add_code(db, me, made, "Feeling alone", parent="loneliness")
    research.add_code(db, me, made, "Isolation")
    research.add_code(db, me, made, "Connection")
    research.add_code(db, me, made, "Groups", parent="connection")
    db.commit()
    return made


@pytest.fixture
def second(db, orgs):
    user = create_user(db, email="r2@north.test", name="Second coder", role="researcher",
                       password="correct horse battery", organisations=[orgs["north"]])
    db.commit()
    return user


def _doc(db, users, project):
    return research.add_transcript(db, users["researcher"], project, "i.txt", TEXT.encode())


def _tree(project):
    return {c.key: (c.label, c.parent_key) for c in project.codes}


def _events(db, action):
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# --- rename -----------------------------------------------------------------------------

def test_rename_keeps_the_key_and_codings_and_is_audited(db, users, project):
    me = users["researcher"]
    doc = _doc(db, users, project)
    research_coding.add_coding(db, me, project, doc, ["isolation"], 0, 13)
    research_codebook.rename_code(db, me, project, "isolation", "  Social isolation ")
    assert _tree(project)["isolation"] == ("Social isolation", None)
    assert db.scalars(select(Coding.code_key)).one() == "isolation"
    latest = research.revisions(db, project)[0]
    assert latest.note == "renamed Isolation to Social isolation"
    assert latest.changes == ["isolation: label 'Isolation' → 'Social isolation'"]
    event = _events(db, "research.code.rename")[0]
    assert event.details["old"] == "Isolation" and event.details["new"] == "Social isolation"
    assert event.user_id == me.id


def test_rename_may_change_only_the_case(db, users, project):
    research_codebook.rename_code(db, users["researcher"], project, "isolation", "ISOLATION")
    assert _tree(project)["isolation"][0] == "ISOLATION"


@pytest.mark.parametrize(("key", "label", "message"), [
    ("isolation", "   ", "give the code a name"),
    ("isolation", "x" * 201, "at most 200"),
    ("isolation", "Isolation", "already has that name"),
    ("isolation", "loneliness", "already a code called 'Loneliness' at the top level"),
    ("groups", "Feeling alone", None),  # a name used under another parent is fine
    ("nowhere", "Anything", "no code 'nowhere' in this project"),
    ("", "Anything", "choose a code"),
])
def test_rename_validation(db, users, project, key, label, message):
    revision = project.codebook_revision
    if message is None:
        research_codebook.rename_code(db, users["researcher"], project, key, label)
        assert _tree(project)[key][0] == label
        return
    with pytest.raises(research.ResearchError, match=message):
        research_codebook.rename_code(db, users["researcher"], project, key, label)
    assert project.codebook_revision == revision
    assert _events(db, "research.code.rename") == []


# --- move -------------------------------------------------------------------------------

def test_move_under_another_code_and_back_to_the_top(db, users, project):
    me = users["researcher"]
    research_codebook.move_code(db, me, project, "isolation", "loneliness")
    assert _tree(project)["isolation"] == ("Isolation", "loneliness")
    # a code moves with its subcodes
    research_codebook.move_code(db, me, project, "connection", "loneliness")
    assert _tree(project)["groups"] == ("Groups", "connection")
    assert _tree(project)["connection"][1] == "loneliness"
    research_codebook.move_code(db, me, project, "isolation", None)
    assert _tree(project)["isolation"] == ("Isolation", None)
    moves = _events(db, "research.code.move")
    assert [(e.details["code"], e.details["new_parent"]) for e in moves] == [
        ("isolation", "loneliness"), ("connection", "loneliness"), ("isolation", None)]
    assert research.revisions(db, project)[0].note == "moved Isolation to the top level"


@pytest.mark.parametrize(("key", "parent", "message"), [
    ("loneliness", "loneliness", "cannot go under itself"),
    ("loneliness", "feeling_alone", "one of its own subcodes"),
    ("isolation", None, "already there"),
    ("feeling_alone", "loneliness", "already there"),
    ("isolation", "nowhere", "no code 'nowhere' in this project"),
    ("nowhere", None, "no code 'nowhere' in this project"),
])
def test_move_validation(db, users, project, key, parent, message):
    before = _tree(project)
    with pytest.raises(research.ResearchError, match=message):
        research_codebook.move_code(db, users["researcher"], project, key, parent)
    assert _tree(project) == before
    assert _events(db, "research.code.move") == []


def test_move_refuses_a_name_already_used_under_the_new_parent(db, users, project):
    me = users["researcher"]
    research.add_code(db, me, project, "Groups")  # a top-level "Groups" besides connection's
    with pytest.raises(research.ResearchError, match="already a code called 'Groups'"):
        research_codebook.move_code(db, me, project, "groups_2", "connection")
    assert _tree(project)["groups_2"] == ("Groups", None)


def test_adding_a_code_refuses_a_duplicate_name_among_siblings(db, users, project):
    with pytest.raises(research.ResearchError, match="already a code called 'Groups'"):
        research.add_code(db, users["researcher"], project, "groups", parent="connection")
    research.add_code(db, users["researcher"], project, "Groups", parent="loneliness")


# --- merge ------------------------------------------------------------------------------

def test_merge_moves_codings_keeps_coders_apart_and_collapses_duplicates(
        db, users, project, second):
    me = users["researcher"]
    doc = _doc(db, users, project)
    mine_source = research_coding.add_coding(db, me, project, doc, ["isolation"], 0, 13)[0]
    research_coding.add_coding(db, me, project, doc, ["loneliness"], 0, 13)
    research_coding.add_coding(db, me, project, doc, ["isolation"], 14, 40)
    research_coding.add_coding(db, second, project, doc, ["isolation"], 0, 13)
    research.add_memo(db, me, project, "On the duplicate", coding_id=mine_source.id)
    research.add_memo(db, me, project, "About isolation", code_key="isolation")
    research_coding.settle(db, me, project, doc.id, "isolation", 14, 40, "not_code")
    db.commit()

    result = research_codebook.merge_code(db, me, project, "isolation", "loneliness")
    db.commit()

    assert (result.moved, result.collapsed, result.memos) == (2, 1, 1)
    assert result.by_coder == {me.name: {"moved": 1, "collapsed": 1},
                               "Second coder": {"moved": 1, "collapsed": 0}}
    assert "isolation" not in _tree(project)
    rows = db.scalars(select(Coding).order_by(Coding.id)).all()
    me_coder = research.coder_for(db, project, me).id
    second_coder = research.coder_for(db, project, second).id
    assert sorted((c.coder_id, c.code_key, c.start_offset) for c in rows) == sorted([
        (me_coder, "loneliness", 0), (me_coder, "loneliness", 14),
        (second_coder, "loneliness", 0)])
    # nothing is lost: the memo on the dropped duplicate now hangs on the kept coding
    kept = next(c for c in rows if c.coder_id == me_coder and c.start_offset == 0)
    segment_memo = db.scalars(select(Memo).where(Memo.text == "On the duplicate")).one()
    assert segment_memo.coding_id == kept.id
    assert db.scalars(select(Memo).where(Memo.text == "About isolation")).one().code_key \
        == "loneliness"
    assert db.scalars(select(Settlement.code_key)).one() == "loneliness"
    # each coder's codings stay attributable: the two coders now agree on the passage
    report = research_coding.agreement(db, project, [me_coder, second_coder])
    assert set(report.per_code) == {"loneliness"}
    event = _events(db, "research.code.merge")[0]
    assert event.details["source"] == "isolation" and event.details["target"] == "loneliness"
    assert event.details["collapsed"] == 1 and event.user_id == me.id
    assert research.revisions(db, project)[0].note == "merged Isolation into Loneliness"


def test_merge_sends_subcodes_to_the_target(db, users, project):
    research_codebook.merge_code(db, users["researcher"], project, "connection", "isolation")
    assert _tree(project)["groups"] == ("Groups", "isolation")
    assert "connection" not in _tree(project)


def test_merge_into_one_of_its_own_subcodes_takes_its_place(db, users, project):
    me = users["researcher"]
    research.add_code(db, me, project, "Lonely at night", parent="loneliness")
    research_codebook.merge_code(db, me, project, "loneliness", "feeling_alone")
    tree = _tree(project)
    assert tree["feeling_alone"] == ("Feeling alone", None)
    assert tree["lonely_at_night"][1] == "feeling_alone"


@pytest.mark.parametrize(("source", "target", "message"), [
    ("isolation", "isolation", "cannot be merged into itself"),
    ("isolation", "nowhere", "no code 'nowhere' in this project"),
    ("nowhere", "isolation", "no code 'nowhere' in this project"),
    ("", "isolation", "choose a code to merge"),
    ("isolation", "", "choose a code to merge into"),
])
def test_merge_validation(db, users, project, source, target, message):
    me = users["researcher"]
    doc = _doc(db, users, project)
    research_coding.add_coding(db, me, project, doc, ["isolation"], 0, 13)
    db.commit()
    before = _tree(project)
    with pytest.raises(research.ResearchError, match=message):
        research_codebook.merge_code(db, me, project, source, target)
    db.rollback()
    assert _tree(project) == before
    assert db.scalars(select(Coding.code_key)).all() == ["isolation"]
    assert _events(db, "research.code.merge") == []


def test_merge_refuses_clashing_subcode_names_and_changes_nothing(db, users, project):
    me = users["researcher"]
    research.add_code(db, me, project, "Groups", parent="isolation")
    doc = _doc(db, users, project)
    research_coding.add_coding(db, me, project, doc, ["connection"], 0, 13)
    db.commit()
    with pytest.raises(research.ResearchError, match="already a code called 'Groups'"):
        research_codebook.merge_code(db, me, project, "connection", "isolation")
    db.rollback()
    assert "connection" in _tree(project)
    assert db.scalars(select(Coding.code_key)).all() == ["connection"]


def test_merge_across_projects_is_refused(db, users, orgs, project):
    me = users["researcher"]
    other = research.create_project(db, me, "Other", orgs["north"].id)
    research.add_code(db, me, other, "Only elsewhere")
    db.commit()
    with pytest.raises(research.ResearchError, match="no code 'only_elsewhere'"):
        research_codebook.merge_code(db, me, project, "isolation", "only_elsewhere")
    with pytest.raises(research.ResearchError, match="no code 'only_elsewhere'"):
        research_codebook.move_code(db, me, project, "isolation", "only_elsewhere")
    assert db.scalars(select(ProjectCode.key).where(
        ProjectCode.project_id == other.id)).all() == ["only_elsewhere"]


# --- read-only for managers -------------------------------------------------------------

def test_managers_read_but_cannot_change(db, users, orgs, project):
    manager, me = users["manager"], users["researcher"]
    doc = _doc(db, users, project)
    coding = research_coding.add_coding(db, me, project, doc, ["isolation"], 0, 13)[0]
    db.commit()
    assert research.get_project(db, manager, project.id) is project
    assert research.can_change(me, project) and not research.can_change(manager, project)
    changes = [
        lambda: research_codebook.rename_code(db, manager, project, "isolation", "New"),
        lambda: research_codebook.move_code(db, manager, project, "isolation", "loneliness"),
        lambda: research_codebook.merge_code(db, manager, project, "isolation", "loneliness"),
        lambda: research.add_code(db, manager, project, "Managers' code"),
        lambda: research.add_memo(db, manager, project, "A note"),
        lambda: research.add_transcript(db, manager, project, "m.txt", b"Some text."),
        lambda: research.create_project(db, manager, "Mine", orgs["north"].id),
        lambda: research.coder_for(db, project, manager),
        lambda: research_coding.add_coding(db, manager, project, doc, ["isolation"], 0, 13),
        lambda: research_coding.accept(db, manager, project, coding.id),
        lambda: research_coding.remove_coding(db, manager, project, coding.id),
        lambda: research_coding.suggest(db, manager, project, doc),
        lambda: research_coding.settle(db, manager, project, doc.id, "isolation", 0, 13,
                                       "code"),
        lambda: research_exchange.import_codebook(db, manager, project, "c.yaml", b"x: 1"),
        lambda: research_exchange.import_qdpx(db, manager, project, b"not a zip"),
        lambda: research_exchange.export_qdpx(db, manager, project),
        lambda: research_exchange.segments_csv(db, project, manager),
        lambda: research_exchange.segments_xlsx(db, project, manager),
    ]
    for change in changes:
        with pytest.raises(research.ReadOnlyError):
            change()
        db.rollback()
    assert db.scalars(select(Coding)).one().code_key == "isolation"
    assert research.find_coder(db, project, manager) is None
    # reading works: codings, agreement figures, the codebook
    assert len(research_coding.codings(db, project)) == 1
    assert research_coding.code_counts(db, project) == {"isolation": 1}
    assert "isolation" in research_exchange.codebook_yaml(project)


def test_researchers_of_another_organisation_cannot_change(db, orgs, project):
    outsider = create_user(db, email="r@south.test", name="South researcher",
                           role="researcher", password="correct horse battery",
                           organisations=[orgs["south"]])
    with pytest.raises(research.ReadOnlyError):
        research_codebook.rename_code(db, outsider, project, "isolation", "New")
