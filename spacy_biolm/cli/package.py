"""`assemble` and `package-meta`: the pipeline that ships and its meta.json."""

from pathlib import Path
from typing import Optional

import srsly
import typer
from wasabi import msg

from ..evaluation import parse_label_thresholds
from ..packaging import assemble, build_meta, converted_corpora, training_folders
from ._app import app


@app.command("assemble")
def assemble_cli(
    model: Path = typer.Argument(
        ..., help="The trained pipeline (e.g. training/biolm/model-best)."
    ),
    output: Path = typer.Argument(..., help="Where to write the pipeline to package."),
    biogpt: str = typer.Option("", help="BioGPT HF name or folder to ship disabled; '' for none."),
    kb_dir: Optional[Path] = typer.Option(
        None, "--kb-dir", help="Knowledge bases from `build-kb`: ship a linker with them."
    ),
    abbreviation_types: bool = typer.Option(
        True,
        "--abbreviation-types/--no-abbreviation-types",
        help="Ship biolm_abbreviations with consistent_types: a short form takes its "
        "long form's entity type, and short forms the NER missed become entities.",
    ),
    label_thresholds: str = typer.Option(
        "",
        help="Ship biolm_ner with these per-label thresholds, e.g. Gene=0.7 (choose them "
        "on dev splits with `evaluate --thresholds`).",
    ),
) -> None:
    """Assemble the pipeline to package: trained NER, abbreviations (with consistent
    types) and a linker with the knowledge bases (--kb-dir), a doc_cleaner, optional
    BioGPT."""
    try:
        names = assemble(
            model,
            output,
            biogpt=biogpt or None,
            kb_dir=kb_dir,
            abbreviation_types=abbreviation_types,
            label_thresholds=parse_label_thresholds(label_thresholds),
        )
    except ValueError as err:
        msg.fail(f"Cannot assemble {model}", str(err), exits=1)
    msg.good(f"Wrote {output}: {', '.join(names)}" + (" (biogpt disabled)" if biogpt else ""))


@app.command("package-meta")
def package_meta_cli(
    metrics: Path = typer.Argument(..., help="JSON written by `python -m spacy_biolm evaluate`."),
    output: Path = typer.Argument(..., help="meta.json to write (for spacy package --meta-path)."),
    name: str = typer.Option("biolm", help="Package name without the language prefix."),
    version: str = typer.Option("0.1.0", help="Package version."),
    kb_summary: Optional[Path] = typer.Option(
        None,
        "--kb-summary",
        help="sources.json of the shipped knowledge bases (`build-kb`): their sources, "
        "pins and terms go into the meta.",
    ),
    model: Optional[Path] = typer.Option(
        None,
        "--model",
        help="The trained pipeline (or its config.cfg): the corpora its paths.train names "
        "are listed with their licences, evaluated or not (BioRED has no test split).",
    ),
    corpus_dir: Path = typer.Option(
        Path("corpus"),
        "--corpus-dir",
        help="The converted corpora the metrics were computed on: an evaluated corpus "
        "whose folder is a variant (corpus/jnlpba_protein) gets the licence of the "
        "corpus its report.json names, as a trained one does.",
    ),
) -> None:
    """Write the package meta: corpora and licences, knowledge-base sources and their
    terms, evaluation table and scores."""
    summary = srsly.read_json(kb_summary) if kb_summary is not None else []
    results = srsly.read_json(metrics)
    folders = training_folders(model) if model is not None else []
    evaluated = [corpus_dir / corpus for corpus in results["corpora"]]
    meta = build_meta(
        results,
        name=name,
        version=version,
        kb_summary=summary,
        train_corpora=sorted({folder.name for folder in folders}),
        converted_from=converted_corpora([*folders, *evaluated]),
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    srsly.write_json(output, meta)
    msg.good(f"Wrote {output}")
