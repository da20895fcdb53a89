"""Subject access (UK GDPR Article 15): everything held about one client, in one zip.

The zip holds a summary to read (``summary.html``, and the same as ``summary.md``), every
row as stored (``data.json``, and ``tables/<table>.csv``) and the audit events about the
client (``audit_events.csv``): who opened, changed or exported their record, and when.
What is in it comes from ``client_data.gather``, the same definition erasure uses.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spstories.core.markdown import render_markdown
from spstories.core.vocabulary import Role
from spstories.errors import SpstoriesError
from spstories.services import audit, audit_log
from spstories.services.client_data import ClientData, gather
from spstories.storage.models import Client, Code, Organisation, User

TABLE_NAMES = {
    "clients": "The client record",
    "referrals": "Referrals",
    "consents": "Consent",
    "case_studies": "Case studies",
    "linked_activities": "Activities and services linked to",
    "feedback": "Feedback",
    "measure_responses": "Outcome measures (answers as given)",
    "measure_scores": "Outcome measure scores",
    "tags": "Outcomes found in their words (tags)",
    "tag_reviews": "Reviews of those tags",
    "starred_quotes": "Quotes starred for reports",
    "project_documents": "Copies in research projects",
    "codings": "Research codings on those copies",
    "coding_settlements": "Settled coding disagreements",
    "memos": "Researchers' memos on those copies",
    "dashboard_clients": "Dashboard summary",
    "dashboard_pairs": "Dashboard summary: paired measures",
    "dashboard_outcomes": "Dashboard summary: outcomes",
}
# Shown in full in the summary; the other tables are listed as rows (all are in data.json).
_TEXT_TABLES = ("case_studies", "feedback", "project_documents")
_HIDDEN_COLUMNS = {"organisation_id", "draft_key", "guid"}


class ClientRightsError(SpstoriesError):
    """A subject access or erasure request that cannot be done (message for the user)."""


def require_rights_staff(user: User | None, client: Client) -> None:
    """Only managers and administrators of the client's organisation answer rights
    requests (``None`` is an operator at the command line)."""
    if user is None:
        return
    if not user.has_role(Role.MANAGER, Role.ADMIN) or (
            client.organisation_id not in user.organisation_ids):
        raise ClientRightsError("only managers and administrators of the client's "
                                "organisation can export or erase a client's data")


def can_answer_rights(user: User, client: Client) -> bool:
    try:
        require_rights_staff(user, client)
    except ClientRightsError:
        return False
    return True


@dataclass(frozen=True)
class Download:
    data: bytes
    filename: str
    counts: dict[str, int]


def plain(value: Any) -> Any:
    """A stored value as JSON can hold it (dates as ISO 8601, in UTC)."""
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def _cell(value: Any) -> str:
    value = plain(value)
    if value is None or value in ("", [], {}):
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text.replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _table(rows: list[Mapping[str, Any]], columns: Iterable[str] | None = None) -> str:
    columns = [c for c in (columns or rows[0].keys()) if c not in _HIDDEN_COLUMNS]
    lines = ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
    lines += ["| " + " | ".join(_cell(row.get(c)) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def _events(session: Session, data: ClientData) -> list[audit_log.Entry]:
    objects = {
        "CaseStudy": data.rows.get("case_studies", []),
        "Feedback": data.rows.get("feedback", []),
        "MeasureResponse": data.rows.get("measure_responses", []),
        "Referral": data.rows.get("referrals", []),
        "Tag": data.rows.get("tags", []),
        "ProjectDocument": data.rows.get("project_documents", []),
    }
    found = audit_log.events_about(session, data.client, {
        kind: [(r["id"], r.get("created_at")) for r in rows] for kind, rows in objects.items()})
    return audit_log.entries(session, found)


def _document(title: str, row: Mapping[str, Any], fields: Iterable[tuple[str, str]]) -> str:
    parts = [f"### {title}"]
    for name, label in fields:
        value = row.get(name)
        if value not in (None, "", []):
            parts.append(f"**{label}**\n\n{value if isinstance(value, str) else _cell(value)}")
    return "\n\n".join(parts)


def summary(data: ClientData, events: list[audit_log.Entry], organisation: str,
            generated_by: str, generated_at: datetime, codes: Mapping[int, str]) -> str:
    """The human-readable summary (Markdown): the record, the words in full, the rest as
    tables, and who has seen or changed the record."""
    c = data.client
    out = [f"# Everything held about client {c.reference}",
           f"Held by **{organisation}** in spstories. Prepared on {generated_at:%d %B %Y} at "
           f"{generated_at:%H:%M} UTC by {generated_by}, in answer to a subject access "
           "request. `data.json` and the `tables/` folder hold every item below exactly as "
           "stored; `audit_events.csv` lists who has seen or changed the record.",
           "## " + TABLE_NAMES["clients"], _table(data.rows["clients"])]
    for row in data.rows.get("case_studies", []):
        out.append(_document(f"Case study: {row['title']}", row, (
            ("status", "Review state"), ("referral_route", "How they were referred"),
            ("presenting_needs", "Needs"), ("needs_notes", "About their needs"),
            ("what_matters", "What matters to them"), ("support_given", "Support given"),
            ("narrative", "The story, as written"),
            ("outcomes_in_own_words", "Outcomes in their own words"),
            ("client_quote", "Their words"), ("review_comment", "Reviewer's comment"))))
    for row in data.rows.get("feedback", []):
        out.append(_document(f"Feedback of {row['received_on']}", row, (
            ("source", "From"), ("channel", "Received by"), ("text", "What was said"))))
    for row in data.rows.get("project_documents", []):
        out.append(_document(f"Research copy: {row['title']}", row, (("text", "Text"),)))
    order = [*TABLE_NAMES, *sorted(set(data.rows) - set(TABLE_NAMES))]
    for table in order:
        rows = data.rows.get(table)
        if not rows or table in ("clients", *_TEXT_TABLES):
            continue
        out.append(f"## {TABLE_NAMES.get(table, table.replace('_', ' ').capitalize())}")
        if table == "tags":  # the codes by name, not number
            rows = [{"code": codes.get(r["code_id"], r["code_id"]), **r} for r in rows]
        out.append(_table(rows))
    if data.quotes:
        out += ["## Their words in impact reports",
                _table([{"report": q.version.report.title, "version": q.version.number,
                         "kind": q.kind, "text": q.text} for q in data.quotes])]
    if data.topics:
        out += ["## Sentences of theirs shown as examples of a topic",
                _table([{"topic run": t.run_id, "topic": t.label, "text": r.get("text", "")}
                        for t, reps in data.topics for r in reps])]
    if data.codebooks:
        out += ["## Sentences of theirs used as examples in draft codes",
                _table([{"codebook": f"{cb.key} {cb.version}", "text": text}
                        for cb, texts in data.codebooks for text in texts])]
    out += ["## Who has seen or changed the record",
            _table([{"when (UTC)": e.occurred_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
                     "who": e.who, "role": e.role, "what": e.description} for e in events])
            if events else "No events are recorded."]
    return "\n\n".join(out) + "\n"


def _html(title: str, markdown: str) -> str:
    return (f"<!doctype html><html lang=en><meta charset=utf-8><title>{title}</title>"
            "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
            "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .4em;"
            "vertical-align:top;text-align:left}</style>"
            f"<body>{render_markdown(markdown)}</body></html>\n")


def _csv(rows: list[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    columns = list(dict.fromkeys(k for row in rows for k in row))
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) if not isinstance(v, str) else
                         ("'" + v if v[:1] in ("=", "+", "-", "@") else v)
                         for k, v in row.items()})
    return out.getvalue()


def export(session: Session, user: User | None, client: Client, *,
           operator: str | None = None, now: datetime | None = None) -> Download:
    """The zip answering a subject access request for ``client`` (audited)."""
    require_rights_staff(user, client)
    now = now or datetime.now(UTC)
    data = gather(session, client)
    events = _events(session, data)
    org = session.scalar(select(Organisation.name).where(
        Organisation.id == client.organisation_id)) or ""
    by = f"{user.name} ({user.role})" if user else f"an operator ({operator or 'command line'})"
    code_ids = {r["code_id"] for r in data.rows.get("tags", [])}
    codes = dict(session.execute(select(Code.id, Code.key).where(Code.id.in_(code_ids))).all())
    text = summary(data, events, org, by, now, codes)
    machine = {
        "client": plain(data.rows["clients"][0]), "organisation": org,
        "generated_at": now.isoformat(), "generated_by": by,
        "tables": {name: plain(rows) for name, rows in data.rows.items() if rows},
        "report_quotes": [{"report_id": q.version.report_id, "version": q.version.number,
                           "kind": q.kind, "text": q.text} for q in data.quotes],
        "topic_sentences": [{"topic_id": t.id, "run_id": t.run_id, **r}
                            for t, reps in data.topics for r in reps],
        "codebook_examples": [{"codebook_id": cb.id, "version": cb.version, "text": text}
                              for cb, texts in data.codebooks for text in texts],
        "audit_events": [audit_row(e) for e in events],
    }
    stem = f"subject-access-{_safe_name(client.reference)}-{now:%Y%m%d}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{stem}/summary.md", text)
        archive.writestr(f"{stem}/summary.html", _html(f"Client {client.reference}", text))
        archive.writestr(f"{stem}/data.json",
                         json.dumps(machine, indent=2, ensure_ascii=False, default=str))
        for name, rows in data.rows.items():
            if rows:
                archive.writestr(f"{stem}/tables/{name}.csv", _csv(rows))
        archive.writestr(f"{stem}/audit_events.csv", _csv([audit_row(e) for e in events]))
    counts = {name: len(rows) for name, rows in data.rows.items() if rows}
    audit.record(session, "client.subject_access", user=user, obj=client, rows=counts,
                 **({"operator": operator} if operator else {}))
    return Download(buffer.getvalue(), f"{stem}.zip", counts)


def audit_row(entry: audit_log.Entry) -> dict[str, Any]:
    e = entry.event
    return {"id": e.id, "occurred_at_utc": entry.occurred_at.astimezone(UTC).isoformat(),
            "who": entry.who, "role": entry.role, "action": e.action,
            "description": entry.description, "object_type": e.object_type,
            "object_id": e.object_id, "details": e.details}


def _safe_name(reference: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in reference)[:60]


def find_client(session: Session, organisation_id: int, reference: str) -> Client | None:
    """A client by organisation and reference (references are unique ignoring case)."""
    return session.scalars(select(Client).where(
        Client.organisation_id == organisation_id,
        func.lower(Client.reference) == reference.strip().lower())).first()
