"""Audit events in plain words, for the audit log page, its export and subject access.

Each action has a phrase that follows the person's name ("Sam Lee (manager) opened the
record of client N-0042"); ``{object}`` and ``{client}`` are filled in by ``describe``.
A test checks that every action the code records has its words here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

OBJECT_NAMES = {
    "ApiToken": "API token",
    "AuditEvent": "audit event",
    "CaseStudy": "case study",
    "Client": "client",
    "Codebook": "codebook version",
    "Coding": "coding",
    "Feedback": "feedback",
    "Job": "job",
    "Memo": "memo",
    "MeasureResponse": "measure response",
    "Organisation": "organisation",
    "ProjectDocument": "research document",
    "Referral": "referral",
    "Report": "report",
    "ReportVersion": "report version",
    "ResearchProject": "research project",
    "Settlement": "settled disagreement",
    "StarredQuote": "starred quote",
    "Tag": "tag",
    "TopicRun": "topic run",
    "User": "account",
}

ACTIONS: dict[str, str] = {
    # accounts
    "login": "logged in",
    "login.failed": "failed to log in as {email}",
    "login.locked": "was refused: too many failed logins as {email}",
    "logout": "logged out",
    "login.unlock": "unlocked logins as {email}",
    "session.expired": "was logged out: the session had expired",
    "organisation.create": "created {object}",
    "user.create": "created {object}",
    "user.update": "changed {object}",
    # clients and what is recorded about them
    "client.create": "added client {client}",
    "client.list": "listed or searched clients",
    "client.view": "opened the record of client {client}",
    "client.subject_access": "downloaded everything held about client {client} "
                             "(subject access)",
    "client.erase": "erased client {client} and everything held about them",
    "referral.create": "added a referral for client {client}",
    "measure.record": "recorded an outcome measure for client {client}",
    "case_study.create": "started {object}",
    "case_study.update": "edited {object}",
    "case_study.submit": "submitted {object} for approval",
    "case_study.approve": "approved {object}",
    "case_study.return": "returned {object} to its author for changes",
    "case_study.view": "read {object}",
    "case_study.list": "listed case studies",
    "feedback.record": "recorded {object}",
    "feedback.view": "read {object}",
    "feedback.list": "listed feedback",
    "import.commit": "imported a file of records",
    "import.errors.download": "downloaded the error report of an import",
    # tags and evidence
    "tag.review": "reviewed a machine tag",
    "tag.list": "opened the tag review queue",
    "evidence.star": "starred a quote for reports",
    "evidence.unstar": "removed the star from a quote",
    "evidence.list": "looked through quotes (evidence)",
    "codebook.load": "stored {object}",
    "codebook.view": "read {object}",
    "codebook.retag": "re-tagged every narrative with {object}",
    "model.train": "trained the learned tagger",
    # figures and reports
    "dashboard.view": "opened the dashboard",
    "dashboard.export": "downloaded a dashboard table (CSV)",
    "report.create": "created {object}",
    "report.update": "changed {object}",
    "report.generate": "generated {object}",
    "report.deid_confirm": "confirmed the de-identification of {object}",
    "report.export": "exported {object}",
    "report.view": "read {object}",
    # research
    "research.project.create": "created {object}",
    "research.project.view": "opened {object}",
    "research.codebook.revise": "changed the codebook of a research project",
    "research.code.rename": "renamed a code of a research project",
    "research.code.move": "moved a code of a research project",
    "research.code.merge": "merged two codes of a research project",
    "research.code.view": "read the passages coded with a code",
    "research.document.add": "added {object} to a research project",
    "research.document.view": "read {object}",
    "research.coding.add": "coded a passage",
    "research.coding.remove": "removed a coding",
    "research.suggest": "asked the tagger to code {object}",
    "research.settle": "settled a disagreement between coders",
    "research.memo.add": "wrote a memo",
    "research.agreement.view": "compared coders' agreement",
    "research.export.qdpx": "exported a research project (.qdpx) with its documents",
    "research.export.segments": "downloaded a research project's coded passages",
    "research.export.codebook": "downloaded a research project's codebook",
    "research.import.qdpx": "imported a .qdpx project",
    # topics
    "topics.create": "started {object}",
    "topics.fit": "found the topics of {object}",
    "topics.view": "read the topics of {object}",
    "topics.promote": "made a topic into a draft code ({object})",
    # the API and exports of records
    "api_token.create": "made {object}",
    "api_token.revoke": "revoked {object}",
    "api_token.use": "called the API with {object}",
    "api_token.refused": "was refused by the API: the token was not valid",
    "api.read": "read records through the API",
    "api.write": "recorded {object} through the API",
    "export.sp_standard": "exported pseudonymised records (SP Information Standard)",
    "database.backup": "backed up the whole database",
    "database.restore": "restored the database from a backup",
    # the system and the trail itself
    "job.create": "started {object}",
    "demo.load": "loaded the synthetic demo data",
    "audit.view": "opened the audit log",
    "audit.export": "downloaded the audit log",
    "audit.verify": "checked the audit trail's hash chain",
}


def object_label(object_type: str | None, object_id: int | None) -> str:
    """``CaseStudy``, 12 -> ``case study 12``."""
    if not object_type:
        return ""
    name = OBJECT_NAMES.get(object_type, object_type)
    return f"{name} {object_id}" if object_id is not None else name


def describe(action: str, object_type: str | None = None, object_id: int | None = None,
             client: str | None = None, details: Mapping[str, Any] | None = None) -> str:
    """The event as a phrase that follows who did it."""
    words = ACTIONS.get(action)
    label = object_label(object_type, object_id)
    if words is None:
        return f"{action.replace('.', ' ').replace('_', ' ')}" + (f" ({label})" if label else "")
    values = {"object": label or "a record", "client": client or "(no longer held)",
              "email": str((details or {}).get("email", "an unknown address"))}
    return words.format(**values)
