"""The command-line interface: thin typer wrappers over the library's plain functions.

`python -m spacy_biolm COMMAND` and `spacy biolm COMMAND` (registered through spaCy's
`spacy_cli` entry point, see spacy_cli.py) run the same commands. Library modules
never import this package; it imports them.
"""

from . import (  # noqa: F401
    annotate,
    assets,
    biogpt,
    corpora,
    evaluate,
    linking,
    package,
    project,
    testing,
)
from ._app import app

__all__ = [
    "app",
    "annotate",
    "assets",
    "biogpt",
    "corpora",
    "evaluate",
    "linking",
    "package",
    "project",
    "testing",
]
