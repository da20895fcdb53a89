"""run_import: all rows or none, duplicates, client references, scoping, audit."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Insert, event, func, insert, select

from spstories.core.importing import get_kind, guess_mapping, read_csv
from spstories.core.measures import get_instrument, score
from spstories.services.imports import (
    ImportConflictError,
    ImportMappingError,
    ImportRefused,
    preview,
    run_import,
)
from spstories.storage.models import (
    AuditEvent,
    Client,
    Code,
    Feedback,
    MeasureResponse,
    MeasureScore,
    Referral,
    Tag,
)

CLIENTS = "Client ID,Age group,Sex,IMD\nC1,45-54,F,3\nC2,75 and over,male,\nC3,,,10\n"


def do_import(db, user, org, kind, text, **options):  # type: ignore[no-untyped-def]
    table = read_csv(text.encode("utf-8"), f"{kind}.csv")
    result = run_import(db, user, org, kind, table, guess_mapping(get_kind(kind), table.header),
                        **options)
    if result.ok:
        db.commit()
    return result


def count(db, model, *where) -> int:  # type: ignore[no-untyped-def]
    return db.scalar(select(func.count()).select_from(model).where(*where))


def test_clients_import_saves_every_row_and_one_audit_event(db, users, orgs):
    result = do_import(db, users["manager"], orgs["north"], "clients", CLIENTS)
    assert result.ok and result.created == 3 and result.total_rows == 3
    clients = db.scalars(select(Client).order_by(Client.reference)).all()
    assert [(c.reference, c.age_band, c.gender, c.imd_decile, c.organisation_id)
            for c in clients] == [
        ("C1", "45-54", "female", 3, orgs["north"].id),
        ("C2", "75+", "male", None, orgs["north"].id),
        ("C3", "not_known", "not_known", 10, orgs["north"].id),
    ]
    event_ = db.scalars(select(AuditEvent).where(AuditEvent.action == "import.commit")).one()
    assert event_.user_id == users["manager"].id
    assert event_.organisation_id == orgs["north"].id
    assert event_.details == {"kind": "clients", "rows": 3, "skipped": 0,
                              "file": "clients.csv"}


def test_errors_in_several_rows_refuse_the_whole_file_and_name_each(db, users, orgs):
    text = CLIENTS + "C4,ancient,,\nC5,,,\n,,,11\n"
    result = do_import(db, users["manager"], orgs["north"], "clients", text)
    assert not result.ok and result.created == 0
    assert [(e.row, e.column) for e in result.errors] == [
        (5, "Age group"), (7, "Client ID"), (7, "IMD")]
    db.rollback()
    assert count(db, Client) == 0
    assert count(db, AuditEvent, AuditEvent.action == "import.commit") == 0


def test_duplicates_in_the_file_and_the_database_are_errors_by_default(db, users, orgs):
    do_import(db, users["manager"], orgs["north"], "clients", CLIENTS)
    result = do_import(db, users["manager"], orgs["north"], "clients",
                       "reference\nC9\nC2\nC9\nC10\n")
    assert [(e.row, str(e)) for e in result.errors] == [
        (3, "row 3: duplicate: already in spstories for North SP (same client reference)"),
        (4, "row 4: duplicate: repeats row 2 (same client reference)"),
    ]
    db.rollback()
    assert count(db, Client) == 3


def test_duplicates_can_be_skipped_and_are_reported(db, users, orgs):
    do_import(db, users["manager"], orgs["north"], "clients", CLIENTS)
    result = do_import(db, users["manager"], orgs["north"], "clients",
                       "reference\nC9\nC2\nC9\nC10\n", skip_duplicates=True)
    assert result.ok and result.created == 2
    assert [e.row for e in result.skipped] == [3, 4]
    assert count(db, Client) == 5


def test_the_same_reference_in_another_organisation_is_not_a_duplicate(db, users, orgs):
    do_import(db, users["manager"], orgs["north"], "clients", CLIENTS)
    result = do_import(db, users["south_link_worker"], orgs["south"], "clients", CLIENTS)
    assert result.ok and result.created == 3
    assert count(db, Client, Client.organisation_id == orgs["south"].id) == 3


def test_referrals_need_clients_of_the_same_organisation(db, users, orgs):
    do_import(db, users["south_link_worker"], orgs["south"], "clients", "reference\nS1\n")
    do_import(db, users["manager"], orgs["north"], "clients", CLIENTS)
    text = ("NHS ref,Referral date,Source,Needs\n"
            "C1,01/03/2024,GP,loneliness; finances\n"
            "S1,02/03/2024,GP,\n"
            "C2,2024-03-05,self,\n")
    result = do_import(db, users["link_worker"], orgs["north"], "referrals", text)
    assert [(e.row, e.column) for e in result.errors] == [(3, "NHS ref")]
    assert "no client 'S1' in North SP" in str(result.errors[0])
    db.rollback()
    assert count(db, Referral) == 0
    ok = do_import(db, users["link_worker"], orgs["north"], "referrals",
                   text.replace("S1,02/03/2024,GP,\n", ""))
    assert ok.created == 2
    first = db.scalars(select(Referral).order_by(Referral.referred_on)).first()
    assert (first.client.reference, first.referred_on, first.source, first.needs,
            first.status) == ("C1", date(2024, 3, 1), "gp", ["loneliness", "finances"], "offered")
    again = do_import(db, users["link_worker"], orgs["north"], "referrals",
                      "client,date,source\nC1,2024-03-01,gp\nC1,2024-03-01,self\n")
    assert [e.row for e in again.errors] == [2]


def test_measures_are_scored_like_a_response_entered_by_hand(db, users, orgs):
    do_import(db, users["manager"], orgs["north"], "clients", CLIENTS)
    text = ("Client ID,Measure,Stage,Date completed,Q1,Q2,Q3,Q4,Q5,Q6,Q7,Modified\n"
            "C1,SWEMWBS,baseline,01/03/2024,1,2,3,4,5,1,2,no\n"
            "C1,SWEMWBS,review 2,01/06/2024,3,3,3,3,3,3,3,yes\n"
            "C2,ONS4,exit,2024-06-01,7,8,6,3,,,,\n")
    result = do_import(db, users["manager"], orgs["north"], "measures", text)
    assert result.ok and result.created == 3
    responses = db.scalars(select(MeasureResponse).order_by(MeasureResponse.id)).all()
    baseline, review, ons = responses
    swemwbs = get_instrument("swemwbs")
    expected = score(swemwbs, dict(zip(swemwbs.item_ids, [1, 2, 3, 4, 5, 1, 2], strict=True)))
    assert {s.scale: s.value for s in baseline.scores} == expected.scales
    assert baseline.answers == {"q1": 1, "q2": 2, "q3": 3, "q4": 4, "q5": 5, "q6": 1, "q7": 2}
    assert (review.timepoint, review.review_number, review.modified) == ("review", 2, True)
    assert ons.answers == {"life_satisfaction": 7, "worthwhile": 8, "happiness": 6, "anxiety": 3}
    assert {s.scale: s.band for s in ons.scores}["anxiety"] == "low"  # 2-3 is low
    assert count(db, MeasureScore) == 2 + 2 + 4
    again = do_import(db, users["manager"], orgs["north"], "measures", text)
    assert [e.row for e in again.errors] == [2, 3, 4]
    assert all("duplicate: already in spstories" in str(e) for e in again.errors)


def test_feedback_client_is_optional_and_duplicates_ignore_spacing(db, users, orgs):
    do_import(db, users["manager"], orgs["north"], "clients", CLIENTS)
    text = ("Client ID,Date,From,Channel,Comments\n"
            "C1,2024-05-01,client,survey,I feel   less lonely since joining the group.\n"
            ",2024-05-02,GP,email,Fewer appointments since.\n")
    result = do_import(db, users["link_worker"], orgs["north"], "feedback", text)
    assert result.created == 2
    rows = db.scalars(select(Feedback).order_by(Feedback.received_on)).all()
    assert rows[0].client_id is not None and rows[1].client_id is None
    assert rows[1].source == "referrer" and rows[1].recorded_by_id == users["link_worker"].id
    # Tagged on import, as feedback recorded by hand is.
    codes = db.scalars(select(Code.key).join(Tag.code).where(Tag.feedback_id == rows[0].id))
    assert "loneliness" in set(codes)
    again = do_import(db, users["link_worker"], orgs["north"], "feedback",
                      "client,date,source,channel,text\n"
                      "C1,01/05/2024,client,survey,I feel less lonely since joining the group.\n")
    assert "duplicate" in str(again.errors[0])


def test_only_an_importing_role_in_the_organisation_may_import(db, users, orgs):
    table = read_csv(CLIENTS.encode())
    mapping = guess_mapping(get_kind("clients"), table.header)
    with pytest.raises(ImportRefused, match="organisation you belong to"):
        run_import(db, users["manager"], orgs["south"], "clients", table, mapping)
    with pytest.raises(ImportRefused, match="role"):
        run_import(db, users["researcher"], orgs["north"], "clients", table, mapping)
    with pytest.raises(ImportRefused, match="unknown import kind"):
        run_import(db, users["manager"], orgs["north"], "cases", table, mapping)
    assert count(db, Client) == 0


def test_a_mapping_without_required_columns_is_refused_before_any_row(db, users, orgs):
    table = read_csv(b"Age group\n45-54\n")
    with pytest.raises(ImportMappingError) as caught:
        run_import(db, users["manager"], orgs["north"], "clients", table, {"age_band": 0})
    assert caught.value.problems == {"reference": "Client reference is required: choose its "
                                                  "column"}


def test_preview_shows_first_rows_and_guessed_mapping():
    table = read_csv(("reference\n" + "".join(f"C{n}\n" for n in range(25))).encode())
    shown = preview(table, "clients")
    assert shown.total_rows == 25
    assert [number for number, _ in shown.rows] == list(range(2, 12))
    assert shown.mapping["reference"] == 0


def test_a_client_saved_concurrently_rolls_the_import_back_whole(db, users, orgs):
    """Another writer commits C2 after validation but before the insert: nothing is kept."""
    engine = db.get_bind()

    def other_writer(conn, clauseelement, *args):  # type: ignore[no-untyped-def]
        table = getattr(clauseelement, "table", None)
        if isinstance(clauseelement, Insert) and table.name == "clients" and not fired:
            fired.append(True)
            with engine.connect() as other:
                other.execute(insert(Client).values(organisation_id=orgs["north"].id,
                                                    reference="C2"))
                other.commit()

    fired: list[bool] = []
    event.listen(engine, "before_execute", other_writer)
    try:
        with pytest.raises(ImportConflictError, match="Nothing from this file was saved"):
            do_import(db, users["manager"], orgs["north"], "clients", CLIENTS)
    finally:
        event.remove(engine, "before_execute", other_writer)
    assert fired
    assert db.scalars(select(Client.reference)).all() == ["C2"]
    assert count(db, AuditEvent, AuditEvent.action == "import.commit") == 0
