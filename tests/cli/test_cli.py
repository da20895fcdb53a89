"""The spstories command line: real commands on a real database."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, func, select

from spstories.main import cli
from spstories.storage.db import make_engine, make_session_factory
from spstories.storage.models import Client, DashboardClient, Organisation, User
from tests.cli.demo_research import check_demo_research


@pytest.fixture
def run(database_url):
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(cli, ["--database-url", database_url, *args], input=input)

    return invoke


@pytest.fixture
def empty_url(tmp_path):
    return f"sqlite:///{tmp_path / 'empty.sqlite'}"


@contextmanager
def _session(url):
    engine = make_engine(url)
    session = make_session_factory(engine)()
    try:
        yield session
    finally:
        session.close()
        engine.dispose()


def test_help_lists_the_commands():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("init-db", "upgrade-db", "demo", "users", "orgs", "serve"):
        assert command in result.output


def test_init_db_on_an_empty_database_then_again(empty_url):
    runner = CliRunner()
    first = runner.invoke(cli, ["--database-url", empty_url, "init-db"])
    assert first.exit_code == 0, first.output
    assert "Initialised the database" in first.output
    assert "Codebook sp-outcomes" in first.output
    second = runner.invoke(cli, ["--database-url", empty_url, "init-db"])
    assert second.exit_code == 0
    assert "already initialised" in second.output


def test_upgrade_db_is_idempotent(run):
    result = run("upgrade-db")
    assert result.exit_code == 0
    assert "up to date" in result.output
    assert "Dashboard summaries rebuilt for 0 clients." in result.output


def test_rebuild_dashboard_recomputes_every_client(run, database_url):
    with _session(database_url) as session:
        org = Organisation(name="East", slug="east")
        session.add(org)
        session.flush()
        session.add_all([Client(organisation_id=org.id, reference=f"E{i}") for i in range(3)])
        session.commit()
        session.execute(delete(DashboardClient))  # as if written around spstories
        session.commit()
    result = run("rebuild-dashboard")
    assert result.exit_code == 0, result.output
    assert "Rebuilt the dashboard summaries of 3 clients." in result.output
    with _session(database_url) as session:
        assert session.scalar(select(func.count()).select_from(DashboardClient)) == 3


def test_orgs_and_users_create(run, database_url):
    assert run("orgs", "create", "East Links").exit_code == 0
    result = run(
        "users",
        "create",
        "--email",
        "Lw@East.test",
        "--role",
        "link_worker",
        "--org",
        "east-links",
        "--password",
        "long enough password",
    )
    assert result.exit_code == 0, result.output
    with _session(database_url) as session:
        user = session.scalars(select(User).where(User.email == "lw@east.test")).one()
        assert user.role == "link_worker"
        assert [o.slug for o in user.organisations] == ["east-links"]
    listed = run("users", "list")
    assert "lw@east.test\tlink_worker\teast-links" in listed.output


def test_users_create_prompts_for_a_password(run, database_url):
    run("orgs", "create", "East Links")
    result = run(
        "users",
        "create",
        "--email",
        "m@east.test",
        "--role",
        "manager",
        "--org",
        "east-links",
        input="long enough password\nlong enough password\n",
    )
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            (
                "users",
                "create",
                "--email",
                "x@y.test",
                "--role",
                "boss",
                "--org",
                "a",
                "--password",
                "long enough password",
            ),
            "Invalid value for '--role'",
        ),
        (
            (
                "users",
                "create",
                "--email",
                "x@y.test",
                "--role",
                "manager",
                "--org",
                "nowhere",
                "--password",
                "long enough password",
            ),
            "no organisation 'nowhere'",
        ),
        (
            (
                "users",
                "create",
                "--email",
                "x@y.test",
                "--role",
                "manager",
                "--org",
                "east-links",
                "--password",
                "short",
            ),
            "at least 10 characters",
        ),
        (
            (
                "users",
                "create",
                "--email",
                "not-an-email",
                "--role",
                "manager",
                "--org",
                "east-links",
                "--password",
                "long enough password",
            ),
            "is not an email address",
        ),
        (("users", "deactivate", "ghost@y.test"), "no user with email"),
        (("orgs", "create", "East Links"), "already exists"),
        (("demo", "--clients", "0"), "Invalid value for '--clients'"),
        (("serve", "--port", "70000"), "Invalid value for '--port'"),
    ],
)
def test_bad_arguments_give_one_line_and_non_zero_exit(run, args, message):
    run("orgs", "create", "East Links")
    result = run(*args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_unreachable_database_is_a_one_line_error():
    result = CliRunner().invoke(
        cli, ["--database-url", "sqlite:////nonexistent/dir/x.sqlite", "users", "list"]
    )
    assert result.exit_code == 1
    assert "cannot use the database" in result.output
    assert "Traceback" not in result.output


def test_demo_loads_three_organisations_and_prints_logins(empty_url, tmp_path):
    result = CliRunner().invoke(cli, ["--database-url", empty_url, "demo", "--clients", "30"])
    assert result.exit_code == 0, result.output
    assert "linkworker@demo.spstories.test" in result.output
    assert "password: spstories-demo" in result.output
    again = CliRunner().invoke(cli, ["--database-url", empty_url, "demo"])
    assert again.exit_code == 0
    assert "already loaded" in again.output
    with _session(empty_url) as session:
        assert session.scalar(select(func.count()).select_from(Organisation)) == 3
    check_demo_research(empty_url, result.output, tmp_path)
