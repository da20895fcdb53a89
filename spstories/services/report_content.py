"""Fill a report model from the data: every figure from the dashboard's queries, each with a
note of what it counts; quotes and case studies only where consent allows the audience."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from spstories.core.reports.model import Bar, Block, Chart, Report
from spstories.core.vocabulary import ConsentLevel
from spstories.services import dashboard, dashboard_tables, evidence
from spstories.storage.models import CaseStudy, Organisation, User

SECTIONS = (
    ("kpis", "Referrals and measures (KPIs)"),
    ("sources", "Referrals by source"),
    ("measures", "Change in outcome measures"),
    ("outcomes", "Outcomes in the stories"),
    ("joint", "Joint display: measures beside stories"),
    ("coverage", "Coverage of the qualitative evidence"),
)
MEASURE_COLUMNS = (0, 1, 2, 3, 4, 5, 8, 9, 10)  # p and d_z are left to the dashboard


@dataclass(frozen=True)
class ReportFilters:
    """What a report covers; stored as JSON with the report and each version."""

    start: date | None = None
    end: date | None = None
    organisation_ids: tuple[int, ...] = ()
    outcomes: tuple[str, ...] = ()
    sections: tuple[str, ...] = tuple(s for s, _ in SECTIONS)
    quote_ids: tuple[int, ...] = ()
    case_study_ids: tuple[int, ...] = ()
    extra_terms: tuple[str, ...] = ()  # places and organisations to de-identify
    confirmed_only: bool = False  # count only tags a person made or accepted

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "organisation_ids": list(self.organisation_ids), "outcomes": list(self.outcomes),
            "sections": list(self.sections), "quote_ids": list(self.quote_ids),
            "case_study_ids": list(self.case_study_ids), "extra_terms": list(self.extra_terms),
            "confirmed_only": self.confirmed_only,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReportFilters:
        def day(v: str | None) -> date | None:
            return date.fromisoformat(v) if v else None

        return cls(day(data.get("start")), day(data.get("end")),
                   *(tuple(data.get(k, ())) for k in ("organisation_ids", "outcomes")),
                   tuple(data.get("sections", [s for s, _ in SECTIONS])),
                   *(tuple(data.get(k, ())) for k in ("quote_ids", "case_study_ids",
                                                       "extra_terms")),
                   bool(data.get("confirmed_only", False)))


@dataclass(frozen=True)
class _Scope:
    # dashboard.cohort_for only reads organisation_ids: a subset of the user's organisations.
    organisation_ids: list[int]


@dataclass
class Content:
    report: Report
    consent_basis: list[dict[str, Any]] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # selected material now locked


def _period(f: ReportFilters) -> str:
    start = f.start.strftime("%d %b %Y") if f.start else "the start of records"
    end = f.end.strftime("%d %b %Y") if f.end else "today"
    return f"{start} to {end}"


def _label(code: str) -> str:
    return code.replace("_", " ").capitalize()


def _share(text: str) -> float:
    return float(text[:-1]) / 100 if text.endswith("%") else 0.0


def _count(text: str) -> float:
    return float(text) if text.isdigit() else 0.0


def _figures(session: Session, user: User, f: ReportFilters, orgs: list[str], k: int,
             generated: date) -> list[Block]:
    figures = dashboard.build(session, _Scope(list(f.organisation_ids)),  # type: ignore[arg-type]
                              dashboard.Filters(start=f.start, end=f.end,
                                                confirmed_only=f.confirmed_only))
    scope = (f"Clients of {', '.join(orgs)} referred {_period(f)}; counts of 1 to {k - 1} are "
             f"shown as <{k}. Generated {generated:%d %b %Y}.")
    narrative = sum(a for _, a, _ in figures.coverage.values())
    clients = sum(v[0] for v in figures.coverage.values())
    tables = {t.slug: t for t in dashboard_tables.all_tables(figures, k)}
    wanted = set(f.outcomes) or set(dashboard.STORY_CODES_ORDER)
    counted = ("only tags a person made or accepted in review count" if f.confirmed_only
               else "machine suggestions count until rejected; rejected tags never count")
    blocks: list[Block] = [Block("heading", text="The figures")]
    if "kpis" in f.sections:
        t = tables["kpis"]
        blocks.append(Block("table", title=t.title, columns=tuple(t.columns),
                            rows=tuple(map(tuple, t.rows)),
                            note=f"Referrals and measure returns. {scope} n = {clients} clients."))
    if "sources" in f.sections:
        t = tables["sources"]
        blocks.append(Block("table", title=t.title, columns=tuple(t.columns),
                            rows=tuple(map(tuple, t.rows)),
                            chart=Chart(t.title, bars=tuple(Bar(r[0], _count(r[1]), r[1])
                                                            for r in t.rows)),
                            note=f"Referrals received, by who referred. {scope}"))
    if "measures" in f.sections and tables["measures"].rows:
        t = tables["measures"]
        rows = tuple(tuple(r[i] for i in MEASURE_COLUMNS) for r in t.rows)
        chart = Chart("Share of clients by meaningful change", kind="share", rows=tuple(
            (r[0], tuple((key, lbl, _share(r[6 + i])) for i, (key, lbl)
                         in enumerate(dashboard_tables.LEGEND)))
            for r in rows if r[6].endswith("%")), legend=dashboard_tables.LEGEND)
        blocks.append(Block(
            "table", title=t.title, columns=tuple(t.columns[i] for i in MEASURE_COLUMNS),
            rows=rows, chart=chart if chart.rows else None, caption=t.note,
            note=f"Clients with a baseline and a later follow-up on each measure; n per row. "
                 f"Meaningful change uses each instrument's published threshold. {scope}"))
    if "outcomes" in f.sections:
        t = tables["outcomes"]
        rows = tuple((r[0], r[1], r[2], r[5], r[9]) for r in t.rows
                     if r[0] in {_label(c) for c in wanted})
        blocks.append(Block(
            "table", title="Outcomes in the stories (clients)",
            columns=("Outcome", "Improved", "Share improved", "Worsened", "Unchanged"),
            rows=rows, caption=t.note,
            chart=Chart("Clients whose stories show improvement",
                        bars=tuple(Bar(r[0], _count(r[1]), r[1]) for r in rows)),
            note=f"Clients (not sentences) whose case studies or feedback were tagged with the "
                 f"outcome; {counted}; shares are of the {narrative} clients with any "
                 f"narrative. {scope}"))
    if "joint" in f.sections:
        t = tables["joint"]
        rows = tuple(tuple(r) for r in t.rows
                     if r[0] in {_label(c) for c in wanted} and r[1] != "not measured")
        if rows:
            blocks.append(Block("table", title=t.title, columns=tuple(t.columns), rows=rows,
                                note=f"Measured change and story counts for the same clients. "
                                     f"{scope}"))
    if "coverage" in f.sections:
        t = tables["coverage"]
        blocks.append(Block("table", title=t.title, columns=tuple(t.columns),
                            rows=tuple(map(tuple, t.rows)),
                            note=f"How many clients the stories speak for. {scope}"))
    return blocks


def _quotes(session: Session, user: User, f: ReportFilters, audience: ConsentLevel,
            content: Content) -> None:
    if not f.quote_ids:
        return
    items = evidence.search(session, user, evidence.Search(audience=audience),
                            tag_ids=f.quote_ids, limit=len(f.quote_ids))
    by_code: dict[str, list[evidence.Item]] = {}
    for item in sorted(items, key=lambda i: f.quote_ids.index(i.tag_id)):
        if not item.permission.allowed:
            content.left_out.append(f"Quote {item.tag_id}: {item.permission.reason}")
            continue
        by_code.setdefault(item.code, []).append(item)
    order = [c for c in f.outcomes if c in by_code] + sorted(set(by_code) - set(f.outcomes))
    if order:
        content.report.blocks.append(Block("heading", text="In their own words"))
    for code in order:
        content.report.blocks.append(Block("heading", text=_label(code), level=3))
        for item in by_code[code]:
            when = f", {item.recorded_on:%B %Y}" if item.recorded_on else ""
            content.report.blocks.append(Block(
                "quote", text=item.evidence,
                attribution=f"{item.source}, {_label(code).lower()} ({item.polarity}){when}",
                note=f"Quote from {item.source.lower()} evidence, used with "
                     f"{item.permission.reason[0].lower()}{item.permission.reason[1:]}; "
                     f"de-identified before export."))
            content.consent_basis.append({"tag_id": item.tag_id,
                                          "consent_id": item.permission.consent_id,
                                          "level": item.permission.level})


def _case_studies(session: Session, user: User, f: ReportFilters, audience: ConsentLevel,
                  content: Content) -> None:
    if not f.case_study_ids:
        return
    studies = session.scalars(select(CaseStudy).where(
        CaseStudy.id.in_(f.case_study_ids), CaseStudy.organisation_id.in_(f.organisation_ids))
        .order_by(CaseStudy.id)).all()
    consents = evidence.consent_records(session, (c.client_id for c in studies if c.client_id))
    blocks = []
    for cs in studies:
        perm = evidence.permission_for(consents.get(cs.client_id or 0, []), audience, cs.status,
                                    cs.id)
        if not perm.allowed:
            content.left_out.append(f"Case study {cs.id}: {perm.reason}")
            continue
        text = "\n\n".join(p for p in (cs.narrative, cs.client_quote and f"“{cs.client_quote}”")
                           if p)
        blocks.append(Block("case_study", title=cs.title, text=text,
                            note=f"Case study written by the service, approved for use; "
                                 f"{perm.reason[0].lower()}{perm.reason[1:]}; de-identified."))
        content.consent_basis.append({"case_study_id": cs.id, "consent_id": perm.consent_id,
                                      "level": perm.level})
    if blocks:
        content.report.blocks += [Block("heading", text="Case studies"), *blocks]


def build(session: Session, user: User, title: str, audience: ConsentLevel, background: str,
          f: ReportFilters, k: int, generated: date) -> Content:
    """The report model for these filters, as the data stands now."""
    orgs = [o.name for o in session.scalars(select(Organisation).where(
        Organisation.id.in_(f.organisation_ids)).order_by(Organisation.name))]
    report = Report(title, f"{', '.join(orgs)} · {_period(f)} · for "
                           f"{audience.label.lower()}")
    report.blocks += [Block("heading", text="Background"),
                      Block("text", text=background.strip() or "*Background to be written.*")]
    content = Content(report)
    report.blocks += _figures(session, user, f, orgs, k, generated)
    _quotes(session, user, f, audience, content)
    _case_studies(session, user, f, audience, content)
    return content
