"""REFI-QDA exchange (QDA-XML 1.0): ``.qdc`` codebooks and ``.qdpx`` projects."""

from spstories.core.refiqda.model import (
    Case,
    Code,
    Coding,
    Note,
    Project,
    Selection,
    Source,
    User,
    Variable,
    guid,
)
from spstories.core.refiqda.read import RefiQdaError, read_project, read_qdc, read_qdpx
from spstories.core.refiqda.write import codebook_xml, project_xml, write_qdpx

__all__ = [
    "Case", "Code", "Coding", "Note", "Project", "RefiQdaError", "Selection", "Source", "User",
    "Variable", "codebook_xml", "guid", "project_xml", "read_project", "read_qdc", "read_qdpx",
    "write_qdpx",
]
