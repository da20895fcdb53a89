"""Narrative text that leaves spstories through the API: consent first, then de-identified.

The API serves an organisation's own systems (a token is a member's, scoped to their
organisations), so the use is *internal*; but the text leaves this system, so it is
de-identified as report quotes are. The rules, in order (docs/api.md, "Narrative text"):

1. A case study's text is shared only once a manager has approved it.
2. The consent in force (``core.reports.consent``: the case study's own, else the client's;
   withdrawal ends it) must allow internal use. Feedback not linked to a client has no
   consent to check, so its text is withheld as well.
3. What is shared is de-identified (names, contact details, NHS and NI numbers, addresses,
   dates, ages over 89, the organisations' activity providers), one numbering per document.

Withheld text is ``None`` with the reason beside it; structured fields are never withheld.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from spstories.core.deid import DeidConfig, Deidentifier, DeidResult
from spstories.core.reports.consent import ConsentRecord, Permission
from spstories.core.vocabulary import ConsentLevel
from spstories.services.evidence import consent_records, permission_for
from spstories.storage.models import CaseStudy, Feedback, LinkedActivity, Tag

AUDIENCE = ConsentLevel.INTERNAL
NO_CLIENT = "Not linked to a client, so there is no consent to check."
# Free-text fields of a case study, in the order a reader meets them.
CASE_STUDY_TEXT = ("title", "referral_route", "needs_notes", "what_matters", "support_given",
                   "narrative", "outcomes_in_own_words", "client_quote")


@dataclass(frozen=True)
class Shared:
    """What may leave: de-identified text by field, or nothing and the reason."""

    texts: dict[str, str | None] | None
    withheld: str | None
    consent_basis: str

    @property
    def allowed(self) -> bool:
        return self.texts is not None


class Sharing:
    """Decides and de-identifies the text of many documents, reading consent once."""

    def __init__(self, session: Session, organisation_ids: Iterable[int],
                 client_ids: Iterable[int | None]) -> None:
        self._consents = consent_records(session, [c for c in client_ids if c is not None])
        providers = session.scalars(
            select(LinkedActivity.provider).join(CaseStudy)
            .where(CaseStudy.organisation_id.in_(sorted(set(organisation_ids)))).distinct()
        )
        # Providers are removed because a small group at a named provider can identify
        # someone (the reports' rule); structured activity fields still name them.
        self._config = DeidConfig(organisations=tuple(p for p in providers if p and len(p) > 2))
        self._results: dict[tuple[str, int, str], DeidResult] = {}

    def _permission(self, client_id: int | None, status: str | None,
                    case_study_id: int | None) -> Permission:
        if client_id is None:
            return Permission(False, NO_CLIENT)
        records: Sequence[ConsentRecord] = self._consents.get(client_id, [])
        return permission_for(records, AUDIENCE, status, case_study_id)

    def _share(self, permission: Permission, fields: dict[str, str | None]) -> Shared:
        if not permission.allowed:
            return Shared(None, permission.reason, permission.basis)
        deid = Deidentifier(self._config)
        return Shared({name: deid.run(value).text if value else value
                       for name, value in fields.items()}, None, permission.basis)

    def case_study(self, item: CaseStudy) -> Shared:
        permission = self._permission(item.client_id, item.status, item.id)
        return self._share(permission, {f: getattr(item, f) for f in CASE_STUDY_TEXT})

    def feedback(self, item: Feedback) -> Shared:
        return self._share(self._permission(item.client_id, None, None), {"text": item.text})

    def tag(self, tag: Tag, document: CaseStudy | Feedback | None) -> Shared:
        """A tag's evidence sentence, under its document's rule, de-identified in the context
        of the whole text it was found in (a name met earlier in the text is caught too)."""
        status = document.status if isinstance(document, CaseStudy) else None
        permission = self._permission(tag.client_id, status, tag.case_study_id)
        text = getattr(document, tag.field, None) if document is not None else None
        if not permission.allowed or not isinstance(text, str) or (
                text[tag.start_offset:tag.end_offset] != tag.evidence):
            return self._share(permission, {"evidence": tag.evidence})
        key = (type(document).__name__, document.id, tag.field)
        if key not in self._results:  # several tags on one text: de-identify it once
            self._results[key] = Deidentifier(self._config).run(text)
        result = self._results[key]
        return Shared({"evidence": result.within(tag.start_offset, tag.end_offset)}, None,
                      permission.basis)


def documents_of(session: Session, tags: Sequence[Tag]) -> dict[int, CaseStudy | Feedback]:
    """tag id -> the case study or feedback it is on, read in two queries."""
    def load(model: type[CaseStudy] | type[Feedback], ids: set[int | None]) -> dict[int, Any]:
        wanted = sorted(i for i in ids if i is not None)
        if not wanted:
            return {}
        return {d.id: d for d in session.scalars(select(model).where(model.id.in_(wanted)))}

    studies = load(CaseStudy, {t.case_study_id for t in tags})
    feedback = load(Feedback, {t.feedback_id for t in tags})
    found: dict[int, CaseStudy | Feedback] = {}
    for t in tags:
        document = studies.get(t.case_study_id or 0) or feedback.get(t.feedback_id or 0)
        if document is not None:
            found[t.id] = document
    return found

