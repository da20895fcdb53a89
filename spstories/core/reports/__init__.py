"""Impact reports for commissioners: a plain-data model and its renderers (pure)."""

from spstories.core.reports.consent import ConsentRecord, Permission, consent_in_force, permission
from spstories.core.reports.model import Bar, Block, Chart, Report
from spstories.core.reports.to_docx import to_docx
from spstories.core.reports.to_html import to_html
from spstories.core.reports.to_markdown import to_markdown
from spstories.core.reports.to_pdf import to_pdf

__all__ = [
    "Bar",
    "Block",
    "Chart",
    "ConsentRecord",
    "Permission",
    "Report",
    "consent_in_force",
    "permission",
    "to_docx",
    "to_html",
    "to_markdown",
    "to_pdf",
]
