"""Developer tools run by ./dev.sh (not part of the spstories package)."""
