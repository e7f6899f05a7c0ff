"""The command-line interface: thin typer wrappers over the library's plain functions.

`python -m spacy_biolm COMMAND` and `spacy biolm COMMAND` (registered through spaCy's
`spacy_cli` entry point, see spacy_cli.py) run the same commands. Library modules
never import this package; it imports them.
"""

from . import assets, biogpt, corpora, evaluate, package, project, testing  # noqa: F401
from ._app import app

__all__ = ["app", "assets", "biogpt", "corpora", "evaluate", "package", "project", "testing"]
