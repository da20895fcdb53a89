"""The one place where the project's top-level folders are resolved.

spstories runs from a checkout (``pip install -e .``): templates, codebooks and
models live beside the package, as the project layout asks.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT = PACKAGE_DIR.parent
TEMPLATES_DIR = ROOT / "templates"
CODEBOOKS_DIR = ROOT / "codebooks"
MODELS_DIR = ROOT / "models"
STATIC_DIR = PACKAGE_DIR / "web" / "static"
INSTANCE_DIR = ROOT / "instance"
DEFAULT_DATABASE_URL = f"sqlite:///{INSTANCE_DIR / 'spstories.sqlite'}"
