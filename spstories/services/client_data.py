"""Everything held about one client, found by following the schema: what subject access
exports and erasure removes, from one definition.

Rows are found by walking foreign keys outwards from the client: every row of every table
that references a row already found (a referral, a case study, a tag on it, a review of the
tag, a research copy of the case study, a coding on the copy, a memo on the coding…). A new
table that points at client data is therefore found without anyone listing it here.

Four kinds of material hold client words without a foreign key, and are found here by name:

- research documents imported from a .qdpx whose ``client`` attribute is the reference;
- topic runs' representative sentences, by the document id each names;
- report versions' quotes and case studies, by the tag or case study each rests on;
- draft codebook versions whose examples are sentences of those representatives.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
from sqlalchemy import Table, select, tuple_
from sqlalchemy.orm import Session

from spstories.storage.models import (
    Base,
    Client,
    Codebook,
    ProjectDocument,
    Report,
    ReportVersion,
    ResearchProject,
    Topic,
    TopicRun,
)

_CHUNK = 500


@dataclass(frozen=True)
class QuoteUse:
    """A report version's block that came from the client (a quote or a case study)."""

    version: ReportVersion
    block: int  # index into content["blocks"]
    basis: int  # index into consent_basis
    kind: str  # "quote" or "case_study"
    text: str


@dataclass
class ClientData:
    """The client's rows in every table with a foreign-key path to them, and the rest."""

    client: Client
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    topics: list[tuple[Topic, list[dict[str, Any]]]] = field(default_factory=list)
    quotes: list[QuoteUse] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)  # filters naming their quotes
    codebooks: list[tuple[Codebook, list[str]]] = field(default_factory=list)

    def ids(self, table: str) -> set[int]:
        return {row["id"] for row in self.rows.get(table, ())}

    @property
    def tables(self) -> list[str]:
        return [name for name, rows in self.rows.items() if rows]


def _key(table: Table, row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[c.name] for c in table.primary_key.columns)


def _select_in(session: Session, table: Table, column: Any, values: set[Any]
               ) -> Iterator[dict[str, Any]]:
    ordered = sorted(values, key=str)
    for start in range(0, len(ordered), _CHUNK):
        stmt = select(table).where(column.in_(ordered[start:start + _CHUNK]))
        for row in session.execute(stmt.order_by(*table.primary_key.columns)).mappings():
            yield dict(row)


def _walk(session: Session, client_id: int, seeds: dict[str, list[dict[str, Any]]]
          ) -> dict[str, list[dict[str, Any]]]:
    """Rows reached from the seeds by foreign keys; a row that names another client is
    never taken (it would be theirs, whatever it points at)."""
    tables = Base.metadata.tables
    found: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {
        name: {_key(tables[name], row): row for row in rows} for name, rows in seeds.items()}
    grew = True
    while grew:
        grew = False
        for table in Base.metadata.sorted_tables:
            for fk in table.foreign_keys:
                parent = fk.column.table.name
                if parent not in found or parent == table.name:
                    continue
                values = {row[fk.column.name] for row in found[parent].values()}
                mine = found.setdefault(table.name, {})
                for row in _select_in(session, table, fk.parent, values):
                    if row.get("client_id", client_id) not in (client_id, None):
                        continue
                    if _key(table, row) not in mine:
                        mine[_key(table, row)] = row
                        grew = True
    return {name: list(rows.values()) for name, rows in found.items()}


def _imported_documents(session: Session, client: Client) -> list[dict[str, Any]]:
    """Documents imported into the organisation's projects that name the client."""
    table = ProjectDocument.__table__
    stmt = (select(table).join(ResearchProject, ResearchProject.id == table.c.project_id)
            .where(ResearchProject.organisation_id == client.organisation_id,
                   table.c.case_study_id.is_(None), table.c.feedback_id.is_(None)))
    return [dict(row) for row in session.execute(stmt).mappings()
            if (row["attributes"] or {}).get("client") == client.reference]


def _documents(data: ClientData) -> set[str]:
    return ({f"case_study:{i}" for i in data.ids("case_studies")}
            | {f"feedback:{i}" for i in data.ids("feedback")})


def topic_document(representative: dict[str, Any]) -> str:
    """The document a topic's representative sentence comes from (``case_study:12``)."""
    return ":".join(str(representative.get("id", "")).split(":")[:2])


def _topics(session: Session, client: Client, data: ClientData) -> None:
    documents = _documents(data)
    for topic in session.scalars(select(Topic).join(TopicRun).where(
            TopicRun.organisation_id == client.organisation_id).order_by(Topic.id)):
        theirs = [r for r in topic.representatives if topic_document(r) in documents]
        if theirs:
            data.topics.append((topic, theirs))


def _report_versions(session: Session, client: Client, data: ClientData) -> None:
    tags, studies = data.ids("tags"), data.ids("case_studies")
    reports = session.scalars(select(Report).where(
        Report.organisation_id == client.organisation_id).order_by(Report.id))
    for report in reports:
        f = report.filters or {}
        if tags & set(f.get("quote_ids", ())) or studies & set(f.get("case_study_ids", ())):
            data.reports.append(report)
        for version in report.versions:
            data.quotes.extend(_uses(version, tags, studies))


def _uses(version: ReportVersion, tags: set[int], studies: set[int]) -> Iterator[QuoteUse]:
    """The version's blocks from the client. Quote blocks and case-study blocks were written
    in the same order as their consent-basis entries (``report_content``), so the n-th
    quote block rests on the n-th entry with a ``tag_id``."""
    blocks = version.content.get("blocks", [])
    basis = version.consent_basis or []
    for kind, key, mine in (("quote", "tag_id", tags), ("case_study", "case_study_id", studies)):
        entries = [i for i, entry in enumerate(basis) if key in entry]
        positions = [i for i, block in enumerate(blocks) if block.get("kind") == kind]
        for entry, position in zip(entries, positions, strict=False):
            if basis[entry][key] in mine:
                yield QuoteUse(version, position, entry, kind, blocks[position].get("text", ""))


def example_texts(source_yaml: str) -> list[str]:
    """The example sentences of a codebook's YAML."""
    data = yaml.safe_load(source_yaml) or {}
    return [example.get("text", "") for code in data.get("codes") or []
            for example in code.get("examples") or [] if isinstance(example, dict)]


def _codebooks(session: Session, data: ClientData) -> None:
    texts = {r.get("text") for _topic, reps in data.topics for r in reps if r.get("text")}
    if not texts:
        return
    for codebook in session.scalars(select(Codebook).order_by(Codebook.id)):
        theirs = [t for t in example_texts(codebook.source_yaml) if t in texts]
        if theirs:
            data.codebooks.append((codebook, theirs))


def gather(session: Session, client: Client) -> ClientData:
    """Everything held about ``client`` (rows as stored, and where their words are reused)."""
    clients = Client.__table__
    seeds = {
        "clients": [dict(r) for r in session.execute(
            select(clients).where(clients.c.id == client.id)).mappings()],
        "project_documents": _imported_documents(session, client),
    }
    data = ClientData(client, _walk(session, client.id, seeds))
    _topics(session, client, data)
    _report_versions(session, client, data)
    _codebooks(session, data)
    return data


def delete_rows(session: Session, data: ClientData) -> dict[str, int]:
    """Delete every row found, children before parents; returns rows deleted per table."""
    counts: dict[str, int] = {}
    for table in reversed(Base.metadata.sorted_tables):
        rows = data.rows.get(table.name)
        if not rows:
            continue
        columns = list(table.primary_key.columns)
        keys = sorted({_key(table, row) for row in rows}, key=str)
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start:start + _CHUNK]
            where = (columns[0].in_([k[0] for k in chunk]) if len(columns) == 1
                     else tuple_(*columns).in_(chunk))
            session.execute(table.delete().where(where))
        counts[table.name] = len(keys)
    return counts

