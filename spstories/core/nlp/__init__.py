"""spaCy components of the deductive tagger: codebook matcher and polarity reader."""
