"""SQLAlchemy models; import from here."""

from spstories.storage.models.accounts import Organisation, User, memberships
from spstories.storage.models.audit import AuditEvent, AuditLink, AuditTrailIsAppendOnly
from spstories.storage.models.base import Base
from spstories.storage.models.clients import Client, Consent, Referral
from spstories.storage.models.coding import Code, Codebook, Tag
from spstories.storage.models.jobs import Job
from spstories.storage.models.measures import MeasureResponse, MeasureScore
from spstories.storage.models.narratives import CaseStudy, Feedback, LinkedActivity

__all__ = [
    "AuditEvent",
    "AuditLink",
    "AuditTrailIsAppendOnly",
    "Base",
    "CaseStudy",
    "Client",
    "Code",
    "Codebook",
    "Consent",
    "Feedback",
    "Job",
    "LinkedActivity",
    "MeasureResponse",
    "MeasureScore",
    "Organisation",
    "Referral",
    "Tag",
    "User",
    "memberships",
]

from spstories.storage.models.research import (
    CodebookRevision,
    Coding,
    Memo,
    ProjectCode,
    ProjectCoder,
    ProjectDocument,
    ResearchProject,
    Settlement,
)

__all__ += [
    "CodebookRevision",
    "Coding",
    "Memo",
    "ProjectCode",
    "ProjectCoder",
    "ProjectDocument",
    "ResearchProject",
    "Settlement",
]

from spstories.storage.models.topics import Topic, TopicRun  # noqa: E402

__all__ += ["Topic", "TopicRun"]

from spstories.storage.models.reviews import TagReview  # noqa: E402

__all__ += ["TagReview"]

from spstories.storage.models.reports import Report, ReportVersion, StarredQuote  # noqa: E402

__all__ += ["Report", "ReportVersion", "StarredQuote"]

from spstories.storage.models.dashboard import (  # noqa: E402
    DashboardClient,
    DashboardOutcome,
    DashboardPair,
    DashboardStale,
)

__all__ += ["DashboardClient", "DashboardOutcome", "DashboardPair", "DashboardStale"]

from spstories.storage.models.tokens import ApiIdempotencyKey, ApiToken  # noqa: E402

__all__ += ["ApiIdempotencyKey", "ApiToken"]

from spstories.storage.models.exports import PseudonymKey  # noqa: E402

__all__ += ["PseudonymKey"]
