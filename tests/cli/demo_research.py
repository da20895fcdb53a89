"""What the demo's research project must give a researcher who logs in (checked on the one
demo that tests/cli/test_cli.py loads, so the demo is built once)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from click.testing import CliRunner
from lxml import etree

from spstories.main import cli
from spstories.services import research, research_coding
from spstories.storage.db import make_engine, make_session_factory
from spstories.storage.models import ResearchProject

SCHEMAS = Path(__file__).resolve().parents[2].parent / "shared" / "refi-qda"


def check_demo_research(url: str, demo_output: str, tmp_path: Path) -> None:
    assert "researcher@demo.spstories.test" in demo_output
    assert "researcher2@demo.spstories.test" in demo_output  # both coders' logins printed
    listed = CliRunner().invoke(cli, ["--database-url", url, "research", "list"])
    assert listed.exit_code == 0 and listed.output.startswith("1\t"), listed.output
    engine = make_engine(url)
    session = make_session_factory(engine)()
    try:
        project = session.get(ResearchProject, 1)
        coders = [c for c in research.coders(session, project) if c.kind == "human"]
        assert len(coders) == 2 and all(c.user_id for c in coders)
        for coder in coders:
            assert research_coding.codings(session, project, coder_ids=[coder.id])
        assert research_coding.disagreements(session, project, [c.id for c in coders])
        authors = {m.author_id for m in research.memos(session, project)}
        assert authors == {c.user_id for c in coders}
    finally:
        session.close()
        engine.dispose()
    _workbench_answers(url, [c.id for c in coders])
    out = tmp_path / "demo.qdpx"
    written = CliRunner().invoke(cli, ["--database-url", url, "export-qdpx", "--project", "1",
                                       "--out", str(out)])
    assert written.exit_code == 0, written.output
    with zipfile.ZipFile(out) as archive:
        qde = etree.fromstring(archive.read("project.qde"))
    etree.XMLSchema(etree.parse(str(SCHEMAS / "Project.xsd"))).assertValid(qde)
    assert len(qde.findall(".//{*}Coding")) >= 2
    assert len({c.get("creatingUser") for c in qde.findall(".//{*}PlainTextSelection")}) >= 2


def _workbench_answers(url: str, coder_ids: list[int]) -> None:
    """The second researcher logs in and finds the project, its agreement and a passage to
    settle."""
    from spstories.web import create_app
    from tests.conftest import AuthActions

    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": url,
                      "SESSION_COOKIE_SECURE": False})
    try:
        client = app.test_client()
        auth = AuthActions(client)
        assert auth.login("researcher2@demo.spstories.test", "spstories-demo").status_code == 302
        assert "Demo: what changes" in client.get("/research/1").get_data(as_text=True)
        query = "&".join(f"coder={c}" for c in coder_ids)
        page = client.get(f"/research/1/agreement?{query}").get_data(as_text=True)
        assert "Sam Second-Coder" in page and "kappa" in page.lower()
        assert "settle" in page.lower()
    finally:
        app.extensions["spstories.jobs"].shutdown()
        app.extensions["spstories.engine"].dispose()
