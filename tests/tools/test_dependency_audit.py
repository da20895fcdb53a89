"""The decisions of `./dev.sh audit` (tools/dependency_audit.py), without the network: which
service pip-audit may use, what PyPI's project pages settle, and the exit status."""

from __future__ import annotations

import json

import pytest

from tools import dependency_audit as audit

FLASK_ADVISORY = {"id": "PYSEC-2023-62", "aliases": ["CVE-2023-30861", "GHSA-m2qf-hxjv-5gpq"],
                  "fixed_in": ["2.2.5", "2.3.2"], "withdrawn": None}


def project(latest, *advisories):
    return {"info": {"version": latest}, "vulnerabilities": list(advisories)}


def test_a_package_at_the_latest_release_is_settled_by_its_project_page():
    found = audit.assess("flask", "2.3.1", project("2.3.1", FLASK_ADVISORY), set())
    assert found.status == "vulnerable"
    assert found.vulnerabilities == ("PYSEC-2023-62 (fixed in 2.2.5, 2.3.2)",)
    assert audit.assess("flask", "3.1.3", project("3.1.3"), set()).status == "clean"
    assert audit.assess("flask", "3.1.3", project("3.1.3.0"), set()).status == "clean"


def test_any_other_version_is_left_unchecked_however_clean_the_latest_is():
    found = audit.assess("numpy", "2.4.6", project("2.5.5"), set())
    assert found.status == "unchecked"
    assert "only the latest release (2.5.5)" in found.reason


@pytest.mark.parametrize("accepted", ["PYSEC-2023-62", "CVE-2023-30861"])
def test_accepted_advisories_by_id_or_alias_and_withdrawn_ones_do_not_count(accepted):
    assert audit.assess("flask", "2.3.1", project("2.3.1", FLASK_ADVISORY),
                        {accepted}).status == "clean"
    withdrawn = {**FLASK_ADVISORY, "withdrawn": "2024-01-01T00:00:00Z"}
    assert audit.assess("flask", "2.3.1", project("2.3.1", withdrawn), set()).status == "clean"


def test_packages_pypi_does_not_answer_for_are_unchecked_with_the_reason():
    def fetch(url, body=None):
        if "/private-thing/" in url:
            raise LookupError(url)
        if "/flaky/" in url:
            raise OSError("timed out")
        return project("1.0")

    report = audit.audit_latest([("flaky", "1.0"), ("private-thing", "1.0"), ("rich", "1.0")],
                                fetch, set())
    assert [(f.name, f.status, f.reason) for f in report.findings] == [
        ("flaky", "unchecked", "PyPI did not answer (timed out)"),
        ("private-thing", "unchecked", "not on PyPI"),
        ("rich", "clean", "")]


def _report(*statuses):
    return audit.Report([audit.Finding(f"p{i}", "1.0", s, ("X-1 (fixed in 2.0)",)
                                       if s == "vulnerable" else (), "why")
                         for i, s in enumerate(statuses)])


def test_a_found_vulnerability_fails_and_is_named():
    status, text = audit.verdict(_report("clean", "vulnerable", "unchecked"))
    assert status == 1
    assert "VULNERABLE p1 1.0: X-1 (fixed in 2.0)" in text
    assert "Checked 2 of 3" in text and "p2 1.0: why" in text


def test_partial_audits_pass_but_say_what_was_not_checked():
    status, text = audit.verdict(_report("clean", "unchecked"))
    assert status == 0
    assert "Checked 1 of 2 installed packages" in text
    assert "NOT checked (1;" in text and "p1 1.0: why" in text
    assert audit.verdict(_report("clean", "unchecked"), require_complete=True)[0] == 2
    assert audit.verdict(_report("clean", "clean"), require_complete=True)[0] == 0


def test_nothing_checked_says_the_audit_did_not_run():
    status, text = audit.verdict(_report("unchecked", "unchecked"))
    assert status == 0
    assert text.startswith("Dependency audit NOT run")
    assert "Checked" not in text


def _answering(*urls):
    asked = []

    def fetch(url, body=None):
        asked.append((url, body))
        if not any(url.startswith(u) for u in urls):
            raise LookupError(url) if "pypi.org" in url else OSError("no route")
        return {}
    return fetch, asked


def test_pip_audit_uses_the_service_that_answers_what_it_asks():
    packages = [("flask", "3.1.3"), ("pip", "25.3")]
    fetch, asked = _answering("https://pypi.org/pypi/pip/25.3/json")
    assert audit.pip_audit_service(packages, fetch) == "pypi"
    fetch, asked = _answering(audit.OSV)
    assert audit.pip_audit_service(packages, fetch) == "osv"
    assert asked[-1] == (audit.OSV, {"package": {"name": "pip", "ecosystem": "PyPI"},
                                     "version": "25.3"})
    fetch, asked = _answering("https://pypi.org/pypi/pip/json")  # the project page only
    assert audit.pip_audit_service(packages, fetch) is None


class _Dist:
    def __init__(self, name, version, editable=False):
        self.metadata = {"Name": name}
        self.version = version
        self._direct = json.dumps({"url": "file:///x", "dir_info": {"editable": True}}) \
            if editable else None

    def read_text(self, filename):
        return self._direct if filename == "direct_url.json" else None


def test_editable_installs_are_ours_and_not_audited_and_names_are_normalised():
    dists = [_Dist("Flask", "3.1.3"), _Dist("spstories", "0.1.0", editable=True),
             _Dist("typing_extensions", "4.15.0")]
    assert audit.installed(dists) == [("flask", "3.1.3"), ("typing-extensions", "4.15.0")]


def test_the_ignore_file_gives_the_first_word_of_each_entry(tmp_path):
    path = tmp_path / "ignore.txt"
    path.write_text("# header\n\nGHSA-aaaa-bbbb  # pkg: not used\n  PYSEC-1 trailing words\n")
    assert audit.read_ignores(path) == {"GHSA-aaaa-bbbb", "PYSEC-1"}
    assert isinstance(audit.read_ignores(), set)  # the project's own list parses
