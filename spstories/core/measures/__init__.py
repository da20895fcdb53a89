"""Outcome measures: instruments as data, exact scoring, change and timepoints (pure core).

See docs/measures.md for the instruments, the definition-file schema and the rules.
"""

from spstories.core.measures.instruments import (
    Band,
    Direction,
    Flag,
    Instrument,
    Item,
    MeasureDefinitionError,
    Scale,
    ScaleMethod,
    ScoringKind,
)
from spstories.core.measures.loader import (
    SHIPPED_INSTRUMENTS,
    get_instrument,
    load_instrument_file,
    load_instruments,
)
from spstories.core.measures.scoring import (
    Change,
    Score,
    band_for,
    classify_change,
    score,
    validate_answers,
)
from spstories.core.measures.snomed import (
    SnomedConcept,
    concept_for_scale,
    is_concept_id,
    load_snomed_concepts,
)
from spstories.core.measures.timepoints import (
    ADMINISTRATION_MODES,
    TIMEPOINTS,
    Pairing,
    Timepoint,
    pair_baseline_follow_up,
    parse_timepoint,
)

__all__ = [
    "ADMINISTRATION_MODES",
    "SHIPPED_INSTRUMENTS",
    "TIMEPOINTS",
    "Band",
    "Change",
    "Direction",
    "Flag",
    "Instrument",
    "Item",
    "MeasureDefinitionError",
    "Pairing",
    "Scale",
    "ScaleMethod",
    "Score",
    "ScoringKind",
    "SnomedConcept",
    "Timepoint",
    "band_for",
    "classify_change",
    "concept_for_scale",
    "get_instrument",
    "is_concept_id",
    "load_instrument_file",
    "load_instruments",
    "load_snomed_concepts",
    "pair_baseline_follow_up",
    "parse_timepoint",
    "score",
    "validate_answers",
]
