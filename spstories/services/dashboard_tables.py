"""The dashboard's figures as display tables (suppressed), shared by the page and CSV files."""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median

from spstories.core.charts import Bar, StackedRow, bar_chart, stacked_share_chart
from spstories.core.learning.training import LOW_CONFIDENCE_F1
from spstories.core.statistics import PairedSummary
from spstories.core.suppression import is_small, show_count, show_group, show_share
from spstories.core.vocabulary import ReferralSource, ReferralStatus
from spstories.services.dashboard import (
    DOMAIN_SCALES,
    STORY_CODES_ORDER,
    Dashboard,
    MeasureRow,
    sum_groups,
)

POLARITIES = ("improved", "worsened", "unchanged")
LEGEND = (("improved", "Improved"), ("no_change", "No meaningful change"),
          ("deteriorated", "Deteriorated"))
CONFIRMED_NOTE = "Confirmed tags only (made or accepted by a person)."


@dataclass
class Table:
    slug: str
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    links: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> query
    chart: str | None = None
    note: str = ""


def _num(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _measure_cells(s: PairedSummary, k: int) -> list[str]:
    if is_small(s.n, k):  # statistics on a handful of clients are withheld
        return [show_count(s.n, k)] + ["–"] * 9
    return [
        str(s.n), _num(s.mean_baseline), _num(s.mean_follow_up), _num(s.mean_change),
        f"{_num(s.ci_low)} to {_num(s.ci_high)}" if s.ci_low is not None else "–",
        "–" if s.wilcoxon_p is None else ("<0.001" if s.wilcoxon_p < 0.001
                                           else f"{s.wilcoxon_p:.3f}"),
        _num(s.effect_size_dz, 2),
        *(show_share(getattr(s, c), s.n, k) for c, _ in LEGEND),
    ]


MEASURE_COLUMNS = ["Measure", "Clients paired", "Mean baseline", "Mean follow-up", "Mean change",
                   "95% CI of change", "Wilcoxon p", "Effect size (d_z)", "Improved",
                   "No meaningful change", "Deteriorated"]


def kpi_tables(d: Dashboard, k: int) -> list[Table]:
    totals = sum_groups(d.referrals)
    statuses = [s.value for s in ReferralStatus]
    received = sum(totals.values())
    by_status = [sum(n for (_, st), n in totals.items() if st == s) for s in statuses]
    kpis = Table("kpis", "Referrals and measures", ["Figure", "Value"])
    kpis.rows.append(["Referrals received", show_count(received, k)])
    kpis.rows += [[f"Referrals {ReferralStatus(s).label.lower()}", v]
                  for s, v in zip(statuses, show_group(by_status, k), strict=True)]
    uptake = by_status[statuses.index("accepted")] + by_status[statuses.index("completed")]
    kpis.rows.append(["Uptake (accepted or completed)", show_share(uptake, received, k)])
    days = [d_ for d_, n in d.days_to_contact for _ in range(n)]
    kpis.rows.append(["Days from referral to first contact: median",
                      "–" if is_small(len(days), k) or not days else f"{median(days):g}"])
    kpis.rows.append(["Days from referral to first contact: mean",
                      "–" if is_small(len(days), k) or not days
                      else f"{sum(days) / len(days):.1f}"])
    n, base, follow = (sum(v[i] for v in d.completion.values()) for i in range(3))
    kpis.rows += [
        ["Clients", show_count(n, k)],
        ["Clients with a baseline measure", show_count(base, k)],
        ["Clients with a follow-up measure", show_count(follow, k)],
        ["Follow-up completion (of clients with a baseline)", show_share(follow, base, k)],
    ]
    sources = Table("sources", "Referrals received by source", ["Source", "Referrals"])
    counts = [sum(n for (src, _), n in totals.items() if src == s.value) for s in ReferralSource]
    shown = show_group(counts, k)
    sources.rows = [[s.label, v] for s, v in zip(ReferralSource, shown, strict=True)]
    sources.chart = bar_chart(
        "Referrals received by source",
        [Bar(s.label, 0 if shown[i] in ("*", f"<{k}") else c, shown[i])
         for i, (s, c) in enumerate(zip(ReferralSource, counts, strict=True))],
    )
    return [kpis, sources]


def measure_table(d: Dashboard, k: int) -> Table:
    table = Table("measures", "Change in outcome measures", MEASURE_COLUMNS)
    rows = [r for r in d.measures[None] if r.summary.n]
    table.rows = [[r.label, *_measure_cells(r.summary, k)] for r in rows]
    shown = [r for r in rows if not is_small(r.summary.n, k)]
    table.chart = stacked_share_chart(
        "Share of clients by meaningful change, per measure",
        [StackedRow(r.label, tuple((c, lbl, r.summary.share(c) or 0.0) for c, lbl in LEGEND))
         for r in shown],
        LEGEND,
    )
    excluded = sum(d.modified.values())
    table.note = (f"{excluded} modified administrations excluded "
                  f"({', '.join(f'{i}: {n}' for i, n in sorted(d.modified.items()))})."
                  if excluded else "No modified administrations excluded.")
    return table


def outcome_table(d: Dashboard, k: int) -> Table:
    totals = sum_groups(d.outcomes)
    narrative = sum(a for _, a, _ in d.coverage.values())
    cols = ["Outcome"]
    for p in POLARITIES:
        cols += [f"{p.capitalize()}: clients", f"{p.capitalize()}: share", f"{p.capitalize()}: "
                 "human-confirmed", f"{p.capitalize()}: machine-only"]
    if d.trust:
        cols += ["Machine tags right", "Machine finds", "Count confidence"]
    table = Table("outcomes", "Outcomes in the stories (clients, not sentences)", cols)
    bars = []
    for code in STORY_CODES_ORDER:
        row = [code.replace("_", " ").capitalize()]
        for p in POLARITIES:
            n, ok = totals.get((code, p), (0, 0))
            col = len(row)
            row += [show_count(n, k), show_share(n, narrative, k), show_count(ok, k),
                    show_count(n - ok, k)]
            for offset, kind in ((0, "all"), (2, "confirmed"), (3, "machine")):
                if row[col + offset] not in ("0", f"<{k}"):
                    table.links[(len(table.rows), col + offset)] = (
                        f"code={code}&polarity={p}&kind={kind}")
        if d.trust:
            row += trust_cells(d.trust.get(code))
        table.rows.append(row)
        n_up = totals.get((code, "improved"), (0, 0))[0]
        bars.append(Bar(row[0], 0 if is_small(n_up, k) else n_up, show_count(n_up, k)))
    table.chart = bar_chart("Clients whose stories show improvement, by outcome", bars)
    table.note = f"Shares are of the {show_count(narrative, k)} clients with any narrative."
    if d.trust:
        table.note += (" “Machine tags right” and “Machine finds” are the tagging model's "
                       "precision and recall for the code on labelled real texts (its model "
                       f"card); a code with F1 below {LOW_CONFIDENCE_F1} is a low-confidence "
                       "count: read its machine-only figure with care.")
    if d.confirmed_only:
        table.note += (f" {CONFIRMED_NOTE} A client counts only with a tag a person made or "
                       "accepted, so none is machine-only.")
    return table


def joint_table(d: Dashboard, k: int) -> Table:
    totals = sum_groups(d.outcomes)
    narrative = sum(a for _, a, _ in d.coverage.values())
    measures = {(r.instrument.id, r.scale): r for r in d.measures[None]}
    table = Table("joint", "Joint display: measured change beside the stories",
                  ["Outcome domain", "Measured change", "Stories: improved", "Stories: worsened",
                   "Stories: unchanged"])
    for code in STORY_CODES_ORDER:
        found: list[MeasureRow] = [measures[s] for s in DOMAIN_SCALES.get(code, ())
                                   if s in measures and measures[s].summary.n]
        text = "; ".join(
            f"{r.label}: n={show_count(r.summary.n, k)}" + (
                "" if is_small(r.summary.n, k) else
                f", mean change {_num(r.summary.mean_change)}, improved "
                f"{show_share(r.summary.improved, r.summary.n, k)}")
            for r in found) or "not measured"
        row = [code.replace("_", " ").capitalize(), text]
        for p in POLARITIES:
            n = totals.get((code, p), (0, 0))[0]
            row.append(f"{show_count(n, k)} ({show_share(n, narrative, k)})")
        table.rows.append(row)
    if d.confirmed_only:
        table.note = f"Stories: {CONFIRMED_NOTE.lower()}"
    return table


def discordance_table(d: Dashboard, k: int) -> Table:
    table = Table("discordance", "Where scores and stories disagree",
                  ["Client", "Pattern", "Measure", "Baseline", "Follow-up", "Score change",
                   "Quotes"])
    labels = {"story_better": "Score fell or flat, story improved",
              "score_better": "Score improved, story worsened"}
    for x in d.discordant:
        table.rows.append([x.reference, labels[x.kind], x.instrument, f"{x.baseline:g}",
                           f"{x.follow_up:g}", x.change_class.replace("_", " "),
                           " | ".join(x.quotes)])
    table.note = ("Clients are listed individually for follow-up by the service; "
                  "do not publish this table outside the organisation.")
    if d.confirmed_only:
        table.note += f" Stories and quotes: {CONFIRMED_NOTE.lower()}"
    return table


def coverage_tables(d: Dashboard, k: int) -> list[Table]:
    n = sum(v[0] for v in d.coverage.values())
    any_ = sum(v[1] for v in d.coverage.values())
    cs = sum(v[2] for v in d.coverage.values())
    cov = Table("coverage", "Coverage of the qualitative evidence", ["Figure", "Clients", "Share"])
    cov.rows = [["Clients", show_count(n, k), ""],
                ["With any narrative (case study or feedback)", show_count(any_, k),
                 show_share(any_, n, k)],
                ["With a case study", show_count(cs, k), show_share(cs, n, k)]]
    compare = Table("case_study_comparison",
                    "Measure change: clients with and without a case study",
                    ["Measure", "Group", *MEASURE_COLUMNS[1:]])
    for with_, without in d.with_case_study:
        if with_.summary.n or without.summary.n:
            compare.rows.append([with_.label, "With case study", *_measure_cells(with_.summary, k)])
            compare.rows.append([with_.label, "Without", *_measure_cells(without.summary, k)])
    return [cov, compare]


def coverage_warning(d: Dashboard, share: float) -> str | None:
    """A warning when case studies describe only a small, selected share of clients."""
    n = sum(v[0] for v in d.coverage.values())
    cs = sum(v[2] for v in d.coverage.values())
    if n and cs / n < share:
        return (f"Case studies describe {cs} of {n} clients ({100 * cs / n:.0f}%). They were "
                "chosen by staff, so read them as illustrations, not as typical of all clients.")
    return None


def breakdown_tables(d: Dashboard, k: int) -> list[Table]:
    """KPIs, measure change and improved-story counts by the chosen breakdown, suppressed."""
    if not d.cohort.by:
        return []
    by = d.cohort.by.replace("_", " ")
    groups = list(d.groups)
    kpi = Table("breakdown_kpis", f"Referrals and measures by {by}",
                [by.capitalize(), "Clients", "Referrals", "Accepted or completed",
                 "With baseline", "With follow-up"])
    columns: list[list[int]] = []
    for g in groups:
        refs = d.referrals.get(g, {})
        n, base, follow = d.completion.get(g, (0, 0, 0))
        columns.append([n, sum(refs.values()),
                        sum(v for (_, st), v in refs.items() if st in ("accepted", "completed")),
                        base, follow])
    # Each column is a group whose total is on the main tables: suppress down the column.
    shown_cols = [show_group([row[i] for row in columns], k) for i in range(5)] if columns else []
    kpi.rows = [[g, *(shown_cols[i][j] for i in range(5))] for j, g in enumerate(groups)]
    measures = Table("breakdown_measures", f"Change in outcome measures by {by}",
                     [by.capitalize(), *MEASURE_COLUMNS])
    for g in groups:
        for r in d.measures.get(g, []):
            if r.summary.n:
                measures.rows.append([g, r.label, *_measure_cells(r.summary, k)])
    outcomes = Table("breakdown_outcomes", f"Clients whose stories show improvement, by {by}",
                     ["Outcome", *groups])
    for code in STORY_CODES_ORDER:
        counts = [d.outcomes.get(g, {}).get((code, "improved"), (0, 0))[0] for g in groups]
        outcomes.rows.append([code.replace("_", " ").capitalize(), *show_group(counts, k)])
    if d.confirmed_only:
        outcomes.note = CONFIRMED_NOTE
    return [kpi, measures, outcomes]


def in_ten(value: float) -> str:
    """A proportion as "about N in 10", the way a manager reads it."""
    return f"about {round(value * 10)} in 10"


def trust_cells(trust: dict | None) -> list[str]:
    """Precision, recall and a confidence word for one code's row."""
    if not trust:
        return ["not measured", "not measured", "unknown"]
    low = bool(trust.get("low_confidence"))
    return [in_ten(trust["precision"]), in_ten(trust["recall"]),
            "low-confidence count" if low else "ok"]


def all_tables(d: Dashboard, k: int) -> list[Table]:
    """Every table of the dashboard, in page order."""
    return [*kpi_tables(d, k), measure_table(d, k), outcome_table(d, k), joint_table(d, k),
            discordance_table(d, k), *coverage_tables(d, k), *breakdown_tables(d, k)]
