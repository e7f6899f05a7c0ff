"""`assemble` and `package-meta`: the pipeline that ships and its meta.json."""

from pathlib import Path

import srsly
import typer
from wasabi import msg

from ..packaging import assemble, build_meta
from ._app import app


@app.command("assemble")
def assemble_cli(
    model: Path = typer.Argument(
        ..., help="The trained pipeline (e.g. training/biolm/model-best)."
    ),
    output: Path = typer.Argument(..., help="Where to write the pipeline to package."),
    biogpt: str = typer.Option("", help="BioGPT HF name or folder to ship disabled; '' for none."),
) -> None:
    """Assemble the pipeline to package: trained NER, a doc_cleaner, optional BioGPT."""
    names = assemble(model, output, biogpt=biogpt or None)
    msg.good(f"Wrote {output}: {', '.join(names)}" + (" (biogpt disabled)" if biogpt else ""))


@app.command("package-meta")
def package_meta_cli(
    metrics: Path = typer.Argument(..., help="JSON written by `python -m spacy_biolm evaluate`."),
    output: Path = typer.Argument(..., help="meta.json to write (for spacy package --meta-path)."),
    name: str = typer.Option("biolm", help="Package name without the language prefix."),
    version: str = typer.Option("0.1.0", help="Package version."),
) -> None:
    """Write the package meta: corpora and licences, evaluation table and scores."""
    meta = build_meta(srsly.read_json(metrics), name=name, version=version)
    output.parent.mkdir(parents=True, exist_ok=True)
    srsly.write_json(output, meta)
    msg.good(f"Wrote {output}")
