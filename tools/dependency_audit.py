"""The dependency audit behind `./dev.sh audit`: known vulnerabilities in every installed
dependency, with an honest account of what could be checked.

pip-audit asks PyPI for each installed *version* (``/pypi/<name>/<version>/json``) or asks
osv.dev; whichever answers is used. Where neither does (a network that lets only pypi.org's
project pages through), pip-audit cannot run, and passing would pretend it did. Then this
falls back to what is reachable: PyPI's project page (``/pypi/<name>/json``) lists the known
vulnerabilities of the project's *latest* release only, so it settles every package installed
at its latest version and none other. Those it cannot settle are named, with the reason.

Exit status: 1 when a known vulnerability is found (and not accepted in
``requirements/audit-ignore.txt``); 0 when none is found, however much was checked, because
CI must not fail for a network outside our code; with ``--require-complete`` (or
``SPSTORIES_AUDIT_REQUIRE_COMPLETE=1``) 2 when some packages could not be checked.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import Distribution, distributions
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

PYPI = "https://pypi.org/pypi"
OSV = "https://api.osv.dev/v1/query"
IGNORE_FILE = Path(__file__).resolve().parents[1] / "requirements" / "audit-ignore.txt"
TIMEOUT = 30

# A URL (and a JSON body to POST) -> the answer's JSON; raises LookupError for a 404, or
# OSError / ValueError when there is no usable answer.
Fetch = Callable[..., Any]


@dataclass(frozen=True)
class Finding:
    """What is known of one installed package."""

    name: str
    version: str
    status: str  # "vulnerable", "clean" or "unchecked"
    vulnerabilities: tuple[str, ...] = ()  # advisory ids, with their fixed versions
    reason: str = ""


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)

    def of(self, status: str) -> list[Finding]:
        return [f for f in self.findings if f.status == status]


def read_ignores(path: Path = IGNORE_FILE) -> set[str]:
    """Accepted advisory ids: the first word of each line that is not blank or a comment."""
    ids = set()
    for line in path.read_text().splitlines():
        words = line.split("#", 1)[0].split()
        if words:
            ids.add(words[0])
    return ids


def _same_version(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def assess(name: str, version: str, project: Mapping[str, Any], ignored: set[str]) -> Finding:
    """One package from its PyPI project page: its ``vulnerabilities`` describe the latest
    release only, so a package installed at another version is left unchecked."""
    latest = str(project.get("info", {}).get("version", ""))
    if not _same_version(version, latest):
        return Finding(name, version, "unchecked",
                       reason=f"PyPI's project page describes only the latest release ({latest})")
    found = []
    for advisory in project.get("vulnerabilities") or []:
        ids = {advisory.get("id"), *(advisory.get("aliases") or [])}
        if advisory.get("withdrawn") or ids & ignored:
            continue
        fixed = ", ".join(advisory.get("fixed_in") or []) or "no fixed release"
        found.append(f"{advisory.get('id')} (fixed in {fixed})")
    return Finding(name, version, "vulnerable" if found else "clean", tuple(found))


def audit_latest(packages: Iterable[tuple[str, str]], fetch: Fetch, ignored: set[str]
                 ) -> Report:
    """Every (name, version) through its PyPI project page; what cannot be fetched is
    unchecked, with the reason."""
    report = Report()
    for name, version in packages:
        try:
            project = fetch(f"{PYPI}/{name}/json")
        except LookupError:
            report.findings.append(Finding(name, version, "unchecked", reason="not on PyPI"))
            continue
        except (OSError, ValueError) as exc:
            report.findings.append(Finding(name, version, "unchecked",
                                           reason=f"PyPI did not answer ({exc})"))
            continue
        report.findings.append(assess(name, version, project, ignored))
    return report


def verdict(report: Report, *, require_complete: bool = False) -> tuple[int, str]:
    """The exit status and what to print."""
    lines = []
    vulnerable, clean, unchecked = (report.of(s) for s in ("vulnerable", "clean", "unchecked"))
    for f in vulnerable:
        lines.append(f"VULNERABLE {f.name} {f.version}: {'; '.join(f.vulnerabilities)}")
    total = len(report.findings)
    if not clean and not vulnerable:
        lines.append(f"Dependency audit NOT run: none of the {total} installed packages could "
                     "be checked (no vulnerability database answered).")
    else:
        lines.append(f"Checked {len(clean) + len(vulnerable)} of {total} installed packages "
                     f"against PyPI's advisories: {len(vulnerable)} with known vulnerabilities.")
    if unchecked:
        lines.append(f"NOT checked ({len(unchecked)}; pip-audit could not reach its "
                     "vulnerability database):")
        lines += [f"  {f.name} {f.version}: {f.reason}" for f in unchecked]
    if vulnerable:
        return 1, "\n".join(lines)
    if unchecked and require_complete:
        return 2, "\n".join([*lines, "A complete audit was required."])
    return 0, "\n".join(lines)


# --- the machine: installed packages, the network, pip-audit -------------------------


def installed(dists: Iterable[Distribution] | None = None) -> list[tuple[str, str]]:
    """(name, version) of every installed distribution but editable ones (our own code)."""
    found = {}
    for dist in distributions() if dists is None else dists:
        direct = dist.read_text("direct_url.json")
        if direct and json.loads(direct).get("dir_info", {}).get("editable"):
            continue
        found[canonicalize_name(dist.metadata["Name"])] = dist.version
    return sorted(found.items())


def fetch_json(url: str, body: Mapping[str, Any] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data,  # noqa: S310 - fixed https URLs
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return json.load(response)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise LookupError(url) from None
        raise


def pip_audit_service(packages: Sequence[tuple[str, str]], fetch: Fetch = fetch_json
                      ) -> str | None:
    """The vulnerability service pip-audit can use here ("pypi" or "osv"), tried on an
    installed package with what pip-audit itself asks; None when neither answers."""
    name, version = next(((n, v) for n, v in packages if n == "pip"), packages[0])
    asks = {"pypi": ((f"{PYPI}/{name}/{version}/json",), {}),
            "osv": ((OSV,), {"body": {"package": {"name": name, "ecosystem": "PyPI"},
                                      "version": version}})}
    for service, (args, kwargs) in asks.items():
        try:
            fetch(*args, **kwargs)
        except (LookupError, OSError, ValueError):
            continue
        return service
    return None


def run_pip_audit(service: str, ignored: set[str]) -> int:
    command = [str(Path(sys.executable).with_name("pip-audit")), "--strict", "--skip-editable",
               "--progress-spinner", "off", "--vulnerability-service", service]
    for advisory in sorted(ignored):
        command += ["--ignore-vuln", advisory]
    return subprocess.run(command, check=False).returncode  # noqa: S603 - our own argv


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--require-complete", action="store_true",
                        default=os.environ.get("SPSTORIES_AUDIT_REQUIRE_COMPLETE") == "1",
                        help="exit 2 when some packages could not be checked")
    args = parser.parse_args(argv)
    ignored = read_ignores()
    packages = installed()
    service = pip_audit_service(packages)
    if service is not None:
        print(f"pip-audit ({service}): every installed package, by its installed version.")
        return run_pip_audit(service, ignored)
    print(f"pip-audit cannot run here: neither {PYPI}/<name>/<version>/json nor {OSV} "
          "answers. Falling back to PyPI's project pages, which cover each project's latest "
          "release only.")
    status, text = verdict(audit_latest(packages, fetch_json, ignored),
                           require_complete=args.require_complete)
    print(text)
    return status


if __name__ == "__main__":
    sys.exit(main())
