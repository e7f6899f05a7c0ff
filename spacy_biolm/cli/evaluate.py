"""`evaluate` and `compare`: per-corpus scores of a pipeline, and two side by side."""

from pathlib import Path
from typing import Optional

import srsly
import typer
from wasabi import msg

from ..evaluation import compare_markdown, evaluate, to_markdown
from ._app import app


@app.command("evaluate")
def evaluate_cli(
    model: str = typer.Argument(..., help="A pipeline folder or installed package name."),
    corpus_dir: Path = typer.Argument(..., help="Folder with <corpus>/<split>.spacy files."),
    split: str = typer.Option("test", help="Which split to score: train, dev or test."),
    output: Optional[Path] = typer.Option(None, help="Write the scores as JSON here."),
    markdown: Optional[Path] = typer.Option(None, help="Write a markdown table here."),
    batch_size: int = typer.Option(64, help="Batch size for nlp.pipe."),
    n_docs: int = typer.Option(0, help="Only the first N docs of each corpus (0: all)."),
    gpu_id: int = typer.Option(-1, help="GPU id, or -1 for CPU."),
) -> None:
    """Strict P/R/F per corpus and per type (only the labels each corpus annotates),
    and words/s, for any pipeline that writes entities."""
    import spacy

    if gpu_id >= 0:
        spacy.require_gpu(gpu_id)
    nlp = spacy.load(model)
    try:
        results = evaluate(nlp, corpus_dir, split=split, batch_size=batch_size, n_docs=n_docs)
    except FileNotFoundError as err:
        msg.fail(str(err), exits=1)
    results["model"] = model
    table = to_markdown(results, title=str(model))
    print(table)
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        srsly.write_json(output, results)
        msg.good(f"Wrote {output}")
    if markdown:
        _write_markdown(markdown, table)


@app.command("compare")
def compare_cli(
    ours: Path = typer.Argument(..., help="metrics JSON written by `evaluate`."),
    baseline: Path = typer.Argument(..., help="metrics JSON of the pipeline to compare with."),
    markdown: Optional[Path] = typer.Option(None, help="Write the markdown table here."),
    names: str = typer.Option("biolm_ner,spaCy ner", help="Column names: ours,baseline."),
) -> None:
    """Two evaluations side by side, per corpus and type, with ΔF."""
    for path in (ours, baseline):
        if not path.exists():
            msg.fail(f"{path} does not exist: run the evaluate command that writes it.", exits=1)
    first, second = (part.strip() for part in names.split(",", 1))
    table = compare_markdown(srsly.read_json(ours), srsly.read_json(baseline), (first, second))
    print(table)
    if markdown:
        _write_markdown(markdown, table)


def _write_markdown(path: Path, table: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(table, encoding="utf8")
    msg.good(f"Wrote {path}")
