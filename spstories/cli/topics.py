"""topics: find inductive themes (BERTopic) in the stored narratives, inline with progress."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import click
from tqdm import tqdm

from spstories.cli.context import CliContext
from spstories.core.topics.corpus import LEVELS
from spstories.core.topics.model import BACKENDS, TopicParams, backend_note
from spstories.core.topics.results import OUTLIER
from spstories.errors import SpstoriesError
from spstories.paths import MODELS_DIR
from spstories.services.codebooks import latest_version
from spstories.services.tagging import OUTCOMES_CODEBOOK
from spstories.services.topics import KINDS, create_run, run_topics
from spstories.storage.queries import all_organisations, organisation_by_slug


@click.command("topics")
@click.option("--codebook", "key", default=OUTCOMES_CODEBOOK, show_default=True,
              help="Stored codebook id: its tags give the code overlap (and --residual).")
@click.option("--residual", is_flag=True, help="Only sentences with no tag from the codebook.")
@click.option("--level", type=click.Choice(LEVELS), default="sentence", show_default=True)
@click.option("--n-topics", type=int, default=None,
              help="Fixed number of topics (k-means, no outliers); default: found by HDBSCAN.")
@click.option("--min-topic-size", type=int, default=10, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--embeddings", type=click.Choice(BACKENDS), default="tfidf", show_default=True)
@click.option("--org", "org_slug", default=None,
              help="Organisation slug (needed when the database holds more than one).")
@click.option("--kind", "kinds", type=click.Choice(list(KINDS)), multiple=True,
              help="Document kinds (default: case studies and feedback).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--models-dir", type=click.Path(file_okay=False), default=str(MODELS_DIR),
              show_default=True, help="Where the run's folder (parameters, table, card) goes.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Also write every topic, with its sentences, to this JSON file.")
@click.pass_obj
def topics(ctx: CliContext, key: str, residual: bool, level: str, n_topics: int | None,
           min_topic_size: int, seed: int, embeddings: str, org_slug: str | None,
           kinds: tuple[str, ...], since: datetime | None, until: datetime | None, models_dir: str,
           output: str | None) -> None:
    """Find topics the codebook does not name, in case studies and feedback."""
    params = TopicParams(level=level, residual=residual, n_topics=n_topics,
                         min_topic_size=min_topic_size, seed=seed, backend=embeddings)
    filters = {"kinds": list(kinds) or list(KINDS),
               "since": since and since.date().isoformat(),
               "until": until and until.date().isoformat()}
    click.echo(backend_note(embeddings), err=True)
    with ctx.session() as session:
        codebook = latest_version(session, key)
        if codebook is None:
            raise SpstoriesError(f"no codebook {key!r} in the database; run "
                                 "'spstories upgrade-db'.")
        if org_slug:
            org = organisation_by_slug(session, org_slug)
            if org is None:
                raise SpstoriesError(f"no organisation {org_slug!r}")
        else:
            orgs = all_organisations(session)
            if len(orgs) != 1:
                raise SpstoriesError("give --org: the database holds "
                                     f"{len(orgs)} organisations")
            org = orgs[0]
        run = create_run(session, None, org.id, codebook, params, filters)
        with tqdm(total=100, desc="Topics", file=sys.stderr, unit="%") as bar:
            def progress(fraction: float, message: str) -> None:
                bar.set_postfix_str(message)
                bar.update(round(fraction * 100) - bar.n)

            result = run_topics(session, run, progress, Path(models_dir))
        rows = [{"number": t.number, "label": t.label, "size": t.size, "terms": t.terms,
                 "representatives": t.representatives, "over_time": t.over_time,
                 "code_overlap": t.code_overlap} for t in run.topics]
        for t in run.topics:
            if t.number != OUTLIER:
                click.echo(f"{t.number:>3}  {t.size:>5}  {', '.join(w for w, _ in t.terms[:6])}")
        click.echo(f"Run {run.id}: {result['topics']} topics in {result['units']} {level}s, "
                   f"{result['outliers']} outliers; saved in {result['model_path']}")
    if output:
        with open(output, "w", encoding="utf-8") as f:
            json.dump({"run": result, "params": params.to_dict(), "topics": rows}, f, indent=2)

