"""Every table of the database as plain JSON-ready rows, and back again: the storage side of
``spstories backup`` and ``spstories restore`` (the file format is in services/backup.py).

Tables are found by reflecting the database itself, so a backup holds whatever the schema
at its revision has, and a restore writes into the tables that the same revision's
migrations create. The dashboard's summary tables are left out: they are derived, and are
rebuilt from the restored base tables. Tables are copied in foreign-key order, rows in
primary-key order; the next id each table would hand out is kept as well, so a restored
database never gives a new record the id of one that was deleted (audit events name ids).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    LargeBinary,
    MetaData,
    Numeric,
    Table,
    func,
    insert,
    select,
    text,
)

from spstories.storage.dashboard_summaries import SUMMARIES
from spstories.storage.models import Base, DashboardStale

DERIVED_TABLES = frozenset({DashboardStale.__tablename__, *(m.__tablename__ for m in SUMMARIES)})
NOT_DATA = frozenset({"alembic_version"})
BATCH = 500


@contextmanager
def consistent_read(connection: Connection) -> Iterator[Connection]:
    """Read every table as of one moment, while others go on writing (WAL / MVCC)."""
    if connection.dialect.name == "postgresql":
        connection = connection.execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        )
        with connection.begin():
            yield connection
        return
    # pysqlite starts no transaction for reads: without BEGIN each SELECT would see the
    # database as it was at that statement, not at the start of the backup.
    connection.exec_driver_sql("BEGIN")
    try:
        yield connection
    finally:
        connection.rollback()


def data_tables(connection: Connection) -> list[Table]:
    """The database's own tables that hold data, parents before children."""
    metadata = MetaData()
    metadata.reflect(bind=connection)
    return [
        t for t in metadata.sorted_tables if t.name not in DERIVED_TABLES | NOT_DATA
    ]


def count_rows(connection: Connection, table: Table) -> int:
    return connection.scalar(select(func.count()).select_from(table)) or 0


def read_rows(connection: Connection, table: Table) -> Iterator[list[Any]]:
    """The table's rows in primary-key order, each a list of JSON-ready values."""
    order = list(table.primary_key.columns) or list(table.columns)
    result = connection.execution_options(yield_per=BATCH).execute(
        select(table).order_by(*order)
    )
    for row in result:
        yield [_to_json(value) for value in row]


def write_rows(
    connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[list[Any]]
) -> None:
    """Insert rows read by ``read_rows`` (with these ``columns``) into ``table``."""
    if not rows:
        return
    types = [table.c[name].type for name in columns]
    connection.execute(
        insert(table),
        [
            {name: _from_json(value, kind) for name, value, kind in zip(columns, row, types,
                                                                       strict=True)}
            for row in rows
        ],
    )


def next_ids(connection: Connection, tables: Sequence[Table]) -> dict[str, int]:
    """The id each table with a generated integer key would give its next row."""
    found = {}
    for table in tables:
        column = _generated_key(table)
        if column is None:
            continue
        highest = connection.scalar(select(func.max(column))) or 0
        found[table.name] = max(highest, _sequence_position(connection, table) or 0) + 1
    return found


def set_next_ids(connection: Connection, tables: Sequence[Table], ids: dict[str, int]) -> None:
    """Make each table hand out ``ids[table]`` next (after rows with their ids were inserted).

    Only PostgreSQL keeps a counter apart from the rows; SQLite (no AUTOINCREMENT in this
    schema) takes the highest id + 1, as it did in the database that was backed up.
    """
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        column = _generated_key(table)
        if column is not None and table.name in ids:
            connection.execute(
                text("SELECT setval(pg_get_serial_sequence(:table, :column), :next, false)"),
                {"table": table.name, "column": column.name, "next": ids[table.name]},
            )


def drop_all(connection: Connection) -> None:
    """Remove every spstories table, trigger and trigger function (restore --replace); any
    other table in the database is left alone.

    Children go first, so dropping a table never orphans a row; the append-only audit
    trail's triggers do not fire on DROP TABLE.
    """
    ours = {*Base.metadata.tables, *NOT_DATA}
    metadata = MetaData()
    metadata.reflect(bind=connection, only=lambda name, _: name in ours)
    tables = metadata.sorted_tables
    functions: list[str] = []
    if connection.dialect.name == "postgresql":
        functions = list(
            connection.scalars(
                text(
                    "SELECT DISTINCT t.tgfoid::regprocedure::text FROM pg_trigger t "
                    "JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal "
                    "AND c.relnamespace = current_schema()::regnamespace "
                    "AND c.relname = ANY(:tables)"
                ),
                {"tables": [t.name for t in tables]},
            )
        )
    for table in reversed(tables):
        table.drop(connection)
    for function in functions:
        connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function}")


def _generated_key(table: Table) -> Any:
    keys = list(table.primary_key.columns)
    if len(keys) != 1 or keys[0].foreign_keys:
        return None
    try:
        python_type = keys[0].type.python_type
    except NotImplementedError:
        return None
    return keys[0] if python_type is int and keys[0].autoincrement is not False else None


def _sequence_position(connection: Connection, table: Table) -> int | None:
    """The highest id PostgreSQL's sequence has handed out (rolled-back inserts included)."""
    if connection.dialect.name != "postgresql":
        return None
    sequence = connection.scalar(
        text("SELECT pg_get_serial_sequence(:table, :column)"),
        {"table": table.name, "column": _generated_key(table).name},
    )
    if sequence is None:
        return None
    last, called = connection.execute(
        text(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608 - from the catalogue
    ).one()
    return last if called else last - 1


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Decimal):
        return str(value)
    return value


def _from_json(value: Any, kind: Any) -> Any:
    if value is None:
        return None
    if isinstance(kind, DateTime):
        moment = datetime.fromisoformat(value)
        # SQLite keeps no time zone; spstories writes UTC, so a SQLite backup restored into
        # PostgreSQL's timestamptz means UTC.
        if kind.timezone and moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    if isinstance(kind, LargeBinary):
        return base64.b64decode(value)
    if isinstance(kind, Numeric) and isinstance(value, str):
        return Decimal(value)
    return value
