"""`spacy biolm COMMAND`: spaCy's CLI loads the `spacy_cli` entry point (setup.cfg)
before it runs any command, as it does for spacy-curated-transformers' commands;
importing this module adds ours under `biolm`."""

from spacy.cli import app as spacy_app

from ._app import app

GROUP = "biolm"


def register_spacy_cli() -> None:
    """Add every spacy-biolm command to spaCy's CLI as `spacy biolm COMMAND` (once)."""
    if not any(group.name == GROUP for group in spacy_app.registered_groups):
        spacy_app.add_typer(
            app, name=GROUP, help="spacy-biolm's commands (also `python -m spacy_biolm`)."
        )


register_spacy_cli()
