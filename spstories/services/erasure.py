"""Erasure (UK GDPR Article 17): a client and everything held about them, removed in one
transaction, with a record that it happened and none of what was removed.

Removed: every row ``client_data.gather`` finds (the client, referrals, consent, case
studies with their activities, feedback, measures and scores, tags, reviews, starred
quotes, research copies with their codings, settlements and memos, dashboard summaries),
their sentences among topic runs' representatives and draft codebook examples, and their
quotes and case studies in saved report versions, which are replaced by a line saying
material was removed (the version stays exportable). The figures of old report versions
stay as generated: counts with small numbers suppressed identify no one.

Kept: the audit trail, which is append-only and holds ids, counts and choices, never
content. The erasure's own event names the pseudonymous reference, who erased it and what
was removed, and lists report versions that had been exported with the client's words:
copies outside spstories must be dealt with by hand.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from spstories.core.reports import Report as ReportModel
from spstories.core.reports import to_markdown
from spstories.core.reports.model import Block
from spstories.core.topics.promote import without_examples
from spstories.services import audit
from spstories.services.client_data import ClientData, delete_rows, gather, topic_document
from spstories.services.subject_access import TABLE_NAMES, ClientRightsError, require_rights_staff
from spstories.storage.models import AuditEvent, Client, ReportVersion, User


@dataclass(frozen=True)
class Export:
    """A report version exported while it held the client's words."""

    report_id: int
    version: int
    title: str
    format: str
    exported_at: datetime


@dataclass
class Plan:
    """What erasing the client removes, for the confirmation page and the command line."""

    reference: str
    rows: dict[str, int]
    report_versions: list[ReportVersion] = field(default_factory=list)
    exports: list[Export] = field(default_factory=list)
    topics: int = 0
    codebooks: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The plan in words."""
        out = [f"{n} × {TABLE_NAMES.get(t, t.replace('_', ' '))}" for t, n in self.rows.items()]
        if self.report_versions:
            out.append(f"their words in {len(self.report_versions)} saved report version(s), "
                       "replaced by a note that material was removed")
        if self.topics:
            out.append(f"their sentences among the examples of {self.topics} topic(s)")
        if self.codebooks:
            out.append("their sentences among the examples of draft codebook version(s) "
                       + ", ".join(self.codebooks))
        return out


def _exports(session: Session, versions: list[ReportVersion]) -> list[Export]:
    by_id = {v.id: v for v in versions}
    if not by_id:
        return []
    stmt = (select(AuditEvent).where(AuditEvent.action == "report.export",
                                     AuditEvent.object_type == "ReportVersion",
                                     AuditEvent.object_id.in_(list(by_id)))
            .order_by(AuditEvent.id))
    out = []
    for event in session.scalars(stmt):
        v = by_id[event.object_id]
        out.append(Export(v.report_id, v.number, v.report.title,
                          str(event.details.get("format", "")), event.occurred_at))
    return out


def _plan(session: Session, data: ClientData) -> Plan:
    versions = list({q.version.id: q.version for q in data.quotes}.values())
    return Plan(
        reference=data.client.reference,
        rows={name: len(rows) for name, rows in data.rows.items() if rows},
        report_versions=versions, exports=_exports(session, versions),
        topics=len(data.topics),
        codebooks=[f"{cb.key} {cb.version}" for cb, _texts in data.codebooks])


def plan(session: Session, user: User | None, client: Client) -> Plan:
    """What ``erase`` would remove (nothing is changed)."""
    require_rights_staff(user, client)
    return _plan(session, gather(session, client))


def removed_note(on: datetime) -> str:
    return (f"*Material from one client was removed here on {on:%d %B %Y}: their data was "
            "erased at their request.*")


def _redact_reports(data: ClientData, on: datetime) -> None:
    tags, studies = data.ids("tags"), data.ids("case_studies")
    by_version: dict[int, list] = {}
    for use in data.quotes:
        by_version.setdefault(use.version.id, []).append(use)
    for uses in by_version.values():
        version = uses[0].version
        content = dict(version.content)
        blocks = list(content.get("blocks", []))
        for use in uses:
            blocks[use.block] = asdict(Block("text", text=removed_note(on)))
        gone = {use.basis for use in uses}
        content["blocks"] = blocks
        version.content = content
        version.consent_basis = [b for i, b in enumerate(version.consent_basis) if i not in gone]
        version.markdown = to_markdown(ReportModel.from_dict(content))
        version.filters = _without(version.filters, tags, studies)
    for report in data.reports:
        report.filters = _without(report.filters, tags, studies)


def _without(filters: dict, tags: set[int], studies: set[int]) -> dict:
    return {**filters,
            "quote_ids": [i for i in filters.get("quote_ids", []) if i not in tags],
            "case_study_ids": [i for i in filters.get("case_study_ids", []) if i not in studies]}


def _strip_topics(data: ClientData) -> None:
    documents = ({f"case_study:{i}" for i in data.ids("case_studies")}
                 | {f"feedback:{i}" for i in data.ids("feedback")})
    for topic, _theirs in data.topics:
        topic.representatives = [r for r in topic.representatives
                                 if topic_document(r) not in documents]


def erase(session: Session, user: User | None, client: Client, confirmation: str, *,
          operator: str | None = None, now: datetime | None = None) -> Plan:
    """Remove the client and everything held about them (the caller commits).

    ``confirmation`` must be the client's reference, typed by the person erasing.
    """
    require_rights_staff(user, client)
    if confirmation.strip() != client.reference:
        raise ClientRightsError(f"Type the client's reference, {client.reference}, exactly "
                                "to confirm the erasure. Nothing was erased.")
    now = now or datetime.now(UTC)
    session.flush()
    data = gather(session, client)
    done = _plan(session, data)
    _redact_reports(data, now)
    _strip_topics(data)
    for codebook, texts in data.codebooks:
        codebook.source_yaml = without_examples(codebook.source_yaml, texts)
    session.flush()
    delete_rows(session, data)
    audit.record(
        session, "client.erase", user=user, obj=client, reference=client.reference,
        rows=done.rows, report_versions=[v.id for v in done.report_versions],
        exported=[f"report {e.report_id} version {e.version} ({e.format}, "
                  f"{e.exported_at:%Y-%m-%d})" for e in done.exports],
        topics=done.topics, codebooks=done.codebooks,
        **({"operator": operator} if operator else {}))
    session.expunge(client)
    return done
