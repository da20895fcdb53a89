"""Importing records from a case-management export: all rows or none.

Every row is validated, duplicates are looked for (within the file and against the
database) and client references are resolved before anything is written; only an
import with no errors is inserted, in bulk, in the caller's transaction, with one
audit event. The caller commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from spstories.core.corpus.engines import Engine, engine_from_environment
from spstories.core.importing import (
    ImportKind,
    ParsedRow,
    Table,
    bare_message,
    check_mapping,
    error_report_csv,
    get_kind,
    guess_mapping,
    read_table,
    validate_rows,
)
from spstories.core.measures import parse_timepoint
from spstories.core.vocabulary import Role
from spstories.errors import ImportRowError, MeasureError, SpstoriesError
from spstories.services import audit
from spstories.services.import_writers import WRITERS
from spstories.services.jobs import Progress, register_task
from spstories.storage.models import (
    Client,
    Feedback,
    MeasureResponse,
    Organisation,
    Referral,
    User,
)

IMPORT_ROLES = frozenset({Role.LINK_WORKER, Role.MANAGER, Role.ADMIN})
PREVIEW_ROWS = 10


class ImportRefused(SpstoriesError):
    """The import cannot start: unknown kind, or an organisation the user does not belong to."""


class ImportMappingError(SpstoriesError):
    """The column mapping cannot be used; ``problems`` maps field name to message."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__("; ".join(f"{name}: {msg}" for name, msg in self.problems.items()))


class ImportConflictError(SpstoriesError):
    """Someone else saved some of the same records while this import ran; nothing was saved."""


@dataclass(frozen=True)
class Preview:
    """The first rows of a file with the guessed mapping, for the mapping page."""

    kind: ImportKind
    header: tuple[str, ...]
    rows: list[tuple[int, tuple[str, ...]]]
    mapping: dict[str, int | None]
    total_rows: int


@dataclass
class ImportResult:
    """What an import did: ``created`` rows, or ``errors`` and nothing saved."""

    kind: str
    file_name: str
    total_rows: int
    created: int = 0
    errors: list[ImportRowError] = field(default_factory=list)
    skipped: list[ImportRowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def preview(table: Table, kind_name: str, limit: int = PREVIEW_ROWS) -> Preview:
    """The first ``limit`` rows of ``table`` and a guessed mapping for ``kind_name``."""
    kind = _kind(kind_name)
    return Preview(
        kind, table.header, table.rows[:limit], guess_mapping(kind, table.header), len(table.rows)
    )


def importable_organisation(user: User, organisation_id: int) -> Organisation:
    """The user's organisation with this id; ImportRefused for any other (or a wrong role)."""
    if user.role not in {role.value for role in IMPORT_ROLES}:
        raise ImportRefused("Your role does not allow importing records.")
    for org in user.organisations:
        if org.id == organisation_id:
            return org
    raise ImportRefused("You can only import into an organisation you belong to.")


def run_import(
    session: Session,
    user: User,
    organisation: Organisation | int,
    kind_name: str,
    table: Table,
    mapping: Mapping[str, int | None],
    *,
    skip_duplicates: bool = False,
    engine: Engine | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Validate every row of ``table`` and, only if there are no errors, insert them all.

    Duplicates are errors unless ``skip_duplicates``: then they are left out and listed in
    ``skipped``. Raises ImportRefused or ImportMappingError before reading any row, and
    ImportConflictError (after rolling the session back) if a concurrent writer got there
    first. Feedback is tagged on ``engine`` (default: this process); ``progress`` hears
    how far the import has got (a background job passes its own).
    """
    report = progress or (lambda fraction, message: None)
    kind = _kind(kind_name)
    org_id = organisation if isinstance(organisation, int) else organisation.id
    org = importable_organisation(user, org_id)
    problems = check_mapping(kind, table, mapping)
    if problems:
        raise ImportMappingError(problems)
    result = ImportResult(kind.name, table.file_name, len(table.rows))
    report(0.02, f"Checking {len(table.rows):,} rows")
    rows, result.errors = validate_rows(kind, table, mapping)
    if kind.name != "clients":
        rows = _resolve_clients(session, org, rows, result.errors, _columns(table, mapping))
    rows = _drop_duplicates(session, org, kind, rows, result, skip_duplicates)
    if result.errors:
        result.errors.sort(key=lambda error: error.row)  # stable: columns stay in file order
        return result
    report(0.1, f"Importing {len(rows):,} rows")
    extra: dict[str, Any] = {}
    if kind.name == "feedback":
        tagged = 0

        def step(n: int) -> None:
            nonlocal tagged
            tagged += n
            report(0.1 + 0.85 * tagged / len(rows), f"Tagged {tagged:,} of {len(rows):,} items")

        extra = {"engine": engine, "progress": step}
    try:
        result.created = WRITERS[kind.name](session, org, user, rows, **extra)
    except IntegrityError:
        session.rollback()
        raise ImportConflictError(
            "Some of these records were saved by someone else while the import ran. "
            "Nothing from this file was saved; run the import again to see which rows are "
            "now duplicates."
        ) from None
    audit.record(
        session,
        "import.commit",
        user=user,
        organisation_id=org.id,
        kind=kind.name,
        rows=result.created,
        skipped=len(result.skipped),
        file=table.file_name,
    )
    session.flush()
    return result


def _kind(name: str) -> ImportKind:
    try:
        return get_kind(name)
    except KeyError as exc:
        raise ImportRefused(str(exc.args[0])) from None


def _columns(table: Table, mapping: Mapping[str, int | None]) -> dict[str, str]:
    return {name: table.column_name(i) for name, i in mapping.items() if i is not None}


def _resolve_clients(
    session: Session,
    org: Organisation,
    rows: list[ParsedRow],
    errors: list[ImportRowError],
    columns: Mapping[str, str],
) -> list[ParsedRow]:
    """Turn client references into ids; a reference not in the organisation is an error."""
    known = {
        reference: client_id
        for reference, client_id in session.execute(
            select(Client.reference, Client.id).where(Client.organisation_id == org.id)
        )
    }
    kept = []
    for parsed in rows:
        reference = parsed.values["client_reference"]
        if reference is None:  # optional for feedback
            parsed.values["client_id"] = None
        elif reference in known:
            parsed.values["client_id"] = known[reference]
        else:
            errors.append(
                ImportRowError(
                    f"no client {reference!r} in {org.name}; import or add the client first",
                    row=parsed.row,
                    column=columns.get("client_reference"),
                )
            )
            continue
        kept.append(parsed)
    return kept


def _squash(text: str) -> str:
    return " ".join(text.split())


def _file_key(kind: str, values: Mapping[str, Any]) -> tuple[Any, ...]:
    if kind == "clients":
        return (values["reference"],)
    if kind == "referrals":
        return (values["client_id"], values["referred_on"], values["source"])
    if kind == "measures":
        timepoint = values["timepoint"]
        return (
            values["client_id"],
            values["instrument"],
            timepoint.kind,
            timepoint.number,
            values["administered_on"],
        )
    return (values["client_id"], values["received_on"], _squash(values["text"]))


def _existing_keys(
    session: Session, org: Organisation, kind: str, rows: list[ParsedRow]
) -> set[tuple[Any, ...]]:
    """Keys already stored, in the same shape as ``_file_key``; dated kinds look only at
    the file's date range, so a large organisation is not read whole."""
    if kind == "clients":
        stmt: Any = select(Client.reference).where(Client.organisation_id == org.id)
        return {tuple(row) for row in session.execute(stmt)}
    model, date_column = {
        "referrals": (Referral, Referral.referred_on),
        "measures": (MeasureResponse, MeasureResponse.administered_on),
        "feedback": (Feedback, Feedback.received_on),
    }[kind]
    dates = [p.values[date_column.key] for p in rows]
    if not dates:
        return set()
    where = and_(model.organisation_id == org.id, date_column.between(min(dates), max(dates)))
    if kind == "referrals":
        stmt = select(Referral.client_id, Referral.referred_on, Referral.source).where(where)
        return {tuple(row) for row in session.execute(stmt)}
    if kind == "measures":
        stmt = select(
            MeasureResponse.client_id,
            MeasureResponse.instrument,
            MeasureResponse.timepoint,
            MeasureResponse.review_number,
            MeasureResponse.administered_on,
        ).where(where)
        return {(c, i, *_timepoint_key(t, n), d) for c, i, t, n, d in session.execute(stmt)}
    stmt = select(Feedback.client_id, Feedback.received_on, Feedback.text).where(where)
    return {(c, d, _squash(t)) for c, d, t in session.execute(stmt)}


def _timepoint_key(timepoint: str, number: int | None) -> tuple[str, int | None]:
    """Stored timepoints may be "review" + 2 or "review 2"; compare them the same way."""
    try:
        parsed = parse_timepoint(timepoint, number)
    except MeasureError:
        return timepoint, number
    return parsed.kind, parsed.number


def _drop_duplicates(
    session: Session,
    org: Organisation,
    kind: ImportKind,
    rows: list[ParsedRow],
    result: ImportResult,
    skip: bool,
) -> list[ParsedRow]:
    existing = _existing_keys(session, org, kind.name, rows)
    first_seen: dict[tuple[Any, ...], int] = {}
    kept = []
    for parsed in rows:
        key = _file_key(kind.name, parsed.values)
        if key in existing:
            message = f"already in spstories for {org.name} (same {_key_words(kind)})"
        elif key in first_seen:
            message = f"repeats row {first_seen[key]} (same {_key_words(kind)})"
        else:
            first_seen[key] = parsed.row
            kept.append(parsed)
            continue
        duplicate = ImportRowError(f"duplicate: {message}", row=parsed.row)
        (result.skipped if skip else result.errors).append(duplicate)
    return kept


def _key_words(kind: ImportKind) -> str:
    labels = [kind.field(name).label.lower() for name in kind.duplicate_key]
    return ", ".join(labels[:-1]) + " and " + labels[-1] if len(labels) > 1 else labels[0]


# Problems kept on a failed background import's job row (the report file has them all).
SHOWN_ERRORS = 200


@register_task("import")
def import_task(session: Session, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Background job: a large import, all rows or none, feedback tagged on the
    configured engine. The upload is read from ``data_path`` (and removed once
    imported); a refused import writes its problems to ``errors_path`` as CSV."""
    user = session.get(User, int(params["user_id"]))
    if user is None:
        raise ImportRefused("the account that started this import no longer exists")
    data_path = Path(params["data_path"])
    try:
        data = data_path.read_bytes()
    except OSError:
        raise SpstoriesError("the uploaded file is no longer there; upload it again") from None
    table = read_table(data, params["file_name"], max_rows=int(params["max_rows"]))
    mapping = {name: None if i is None else int(i) for name, i in params["mapping"].items()}
    where = "in this process"
    with ExitStack() as stack:
        engine = None
        if params["kind"] == "feedback":
            engine = stack.enter_context(engine_from_environment())
            where = engine.describe()
        result = run_import(session, user, int(params["organisation_id"]), params["kind"], table,
                            mapping, skip_duplicates=bool(params.get("skip_duplicates")),
                            engine=engine, progress=progress)
    summary: dict[str, Any] = {
        "ok": result.ok,
        "kind": result.kind,
        "file_name": result.file_name,
        "total_rows": result.total_rows,
        "engine": where,
    }
    if not result.ok:
        Path(params["errors_path"]).write_bytes(error_report_csv(result.errors))
        return summary | {
            "error_count": len(result.errors),
            "errors": [[e.row, e.column, bare_message(e)] for e in result.errors[:SHOWN_ERRORS]],
        }
    data_path.unlink(missing_ok=True)
    progress(1.0, f"Imported {result.created:,} rows")
    return summary | {
        "created": result.created,
        "organisation": importable_organisation(user, int(params["organisation_id"])).name,
        "skipped": [[e.row, bare_message(e)] for e in result.skipped],
    }
