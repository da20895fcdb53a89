"""De-identification of free text before it leaves the service (pure; spaCy optional)."""

from spstories.core.deid.engine import (
    DeidConfig,
    Deidentifier,
    DeidResult,
    Replacement,
    deidentify,
    deidentify_all,
)
from spstories.core.deid.ner import load_pipeline
from spstories.core.deid.rules import nhs_number_is_valid

__all__ = [
    "DeidConfig",
    "DeidResult",
    "Deidentifier",
    "Replacement",
    "deidentify",
    "deidentify_all",
    "load_pipeline",
    "nhs_number_is_valid",
]
