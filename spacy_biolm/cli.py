"""The `python -m spacy_biolm` command-line app. Subcommands register themselves
on `app` in the modules that implement them (corpora, biogpt, encoders)."""

import typer

app = typer.Typer(
    name="spacy_biolm",
    help="spacy-biolm: convert biomedical corpora and models for spaCy pipelines.",
    no_args_is_help=True,
    add_completion=False,
)
