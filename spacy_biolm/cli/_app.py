"""The typer app that every command module of `spacy_biolm.cli` registers on."""

import typer

app = typer.Typer(
    name="spacy_biolm",
    help="spacy-biolm: convert biomedical corpora, evaluate, package and build test models.",
    no_args_is_help=True,
    add_completion=False,
)
