"""spstories: mixed-methods evidence for social prescribing."""

__version__ = "0.1.0"
