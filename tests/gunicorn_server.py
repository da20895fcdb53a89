"""The app under gunicorn with the repository's ``gunicorn.conf.py``, and an HTTP client that
talks to it the way the reverse proxy in front of it would (HTTPS forwarded headers).

Used by the deployment tests and by ``benchmarks/load.py``.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
SECRET = "a-test-secret-that-is-at-least-32-characters-long"
PUBLIC_HOST = "spstories.example.nhs.uk"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn with ``workers`` processes on a free port; stopped with ``stop()``."""

    def __init__(self, database_url: str, log: Path, *, workers: int = 2,
                 env: dict[str, str] | None = None, wait: bool = True) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        environment = {**os.environ, "DATABASE_URL": database_url,
                       "SPSTORIES_SECRET_KEY": SECRET, **(env or {})}
        self._log: IO[str] = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers)],
            cwd=ROOT, env={k: v for k, v in environment.items() if v is not None},
            stdout=self._log, stderr=subprocess.STDOUT,
        )
        if wait:
            self._wait_until_healthy(workers)

    def _wait_until_healthy(self, workers: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.output()}")
            booted = self.output().count("Booting worker")
            try:
                with ProxiedClient(self.url) as probe:
                    if booted >= workers and probe.get("/healthz").status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"gunicorn did not become healthy:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text()  # gunicorn writes to the file itself

    def wait(self, timeout: float = 60) -> int:
        try:
            return self.process.wait(timeout=timeout)
        finally:
            self._log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # graceful: finish requests in flight
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if not self._log.closed:
            self._log.close()


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    text: str

    def csrf_token(self) -> str:
        match = _CSRF.search(self.text)
        if not match:
            raise AssertionError(f"no CSRF token on the page (status {self.status})")
        return match.group(1)


@dataclass
class ProxiedClient:
    """One browser behind the reverse proxy: keeps its cookies (Secure ones too, since the
    proxy speaks HTTPS to it), sends what nginx would add, keeps its connection open."""

    base_url: str
    client_address: str = "203.0.113.7"
    timeout: float = 60
    cookies: dict[str, str] = field(default_factory=dict)
    _connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, form: dict[str, str] | None = None,
                referer: str | None = None) -> Reply:
        body = urllib.parse.urlencode(form).encode() if form is not None else None
        headers = {
            "Host": PUBLIC_HOST,
            "X-Forwarded-For": self.client_address,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": PUBLIC_HOST,
            # Flask-WTF checks that an HTTPS form post comes from the same site.
            "Referer": f"https://{PUBLIC_HOST}{referer or path}",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            connection = self._connect()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A kept-alive connection the server closed: open a new one. Only a GET is
                # sent again; a POST might have been saved, and sending it twice would
                # make a duplicate that was the client's doing.
                self.close()
                if attempt == 2 or method != "GET":
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return Reply(response.status, response.headers, text)

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, str], referer: str | None = None) -> Reply:
        return self.request("POST", path, form, referer)

    def post_form(self, path: str, form: dict[str, str]) -> Reply:
        """GET the page at ``path`` for its CSRF token, then POST ``form`` to it."""
        token = self.get(path).csrf_token()
        return self.post(path, {**form, "csrf_token": token})

    def login(self, email: str, password: str) -> Reply:
        return self.post_form("/auth/login", {"email": email, "password": password})

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            parts = urllib.parse.urlsplit(self.base_url)
            self._connection = http.client.HTTPConnection(
                parts.hostname, parts.port, timeout=self.timeout
            )
        return self._connection

    def __enter__(self) -> ProxiedClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
