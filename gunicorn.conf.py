"""gunicorn settings for spstories in production (docs/deployment.md).

    SPSTORIES_SECRET_KEY=... DATABASE_URL=postgresql://... gunicorn -c gunicorn.conf.py

Command-line options and GUNICORN_CMD_ARGS override anything here. The app listens on the
loopback address for a reverse proxy on the same machine (nginx) that terminates HTTPS.
"""

import multiprocessing
import os

wsgi_app = "spstories.web.wsgi:app"
bind = os.environ.get("SPSTORIES_BIND", "127.0.0.1:8000")
# Processes: the usual 2 per core + 1, capped, since each holds its own database pool and
# tagger; threads let a process keep serving while a request waits on the database.
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8)))
worker_class = "gthread"
threads = int(os.environ.get("SPSTORIES_THREADS", 4))
# A large import is checked and written inside its request; SQLite's busy timeout (20 s)
# stays well inside this, so a stuck lock gives the "database busy" page, not a killed worker.
timeout = 120
graceful_timeout = 60
keepalive = 5
# Headers from the proxy on this machine only (ProxyFix in the app trusts as many hops as
# SPSTORIES_TRUSTED_PROXIES says).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("SPSTORIES_LOG_LEVEL", "info")
# No "preload_app": each worker opens its own database connections after the fork.
proc_name = "spstories"
# gunicorn 25+'s runtime control socket has one default path per user, which several
# instances on one machine would fight over; spstories does not need it.
control_socket_disable = True


def on_starting(server):
    """Before any worker: check settings and schema once, upgrading SQLite as `serve` does."""
    from spstories.web.production import prepare

    prepare()
