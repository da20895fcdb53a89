"""Learned tagging: a scikit-learn classifier trained from confirmed tags and codebook
examples, combined with the rules (see ``docs/tagger.md``, "Learned tagger").

Importing ``spstories.core.learning.tagger`` registers the ``model`` and ``hybrid``
tagger kinds.
"""
