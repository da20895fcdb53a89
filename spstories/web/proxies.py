"""Running behind reverse proxies (nginx, a load balancer): believe their headers, no others.

Each proxy appends to X-Forwarded-For and sets X-Forwarded-Proto/Host/Port/Prefix; only the
last ``count`` hops are trusted, so a client cannot pretend to come from elsewhere or to
have used HTTPS by sending those headers itself.
"""

from __future__ import annotations

from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix


def behind_proxies(wsgi_app: Any, count: int) -> ProxyFix:
    """Wrap ``wsgi_app`` so the URL scheme, host, prefix and client address come from the
    ``count`` trusted proxies in front of it."""
    return ProxyFix(wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count,
                    x_prefix=count)
