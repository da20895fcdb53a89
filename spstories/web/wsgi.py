"""The WSGI entry point for production servers: ``gunicorn spstories.web.wsgi:app``.

Use ``gunicorn -c gunicorn.conf.py`` (docs/deployment.md) for the tested settings.
"""

from spstories.web.production import create_production_app

app = create_production_app()
