"""`annotate`: run a pipeline over a collection into resumable output shards."""

from pathlib import Path
from typing import List, Optional

import typer
from wasabi import msg

from ..annotate.formats import INPUT_FORMATS, OUTPUT_FORMATS
from ..annotate.run import Summary, annotate
from ..errors import Errors
from ._app import app

ANNOTATE_HELP = "\n\n".join(
    (
        "Annotate a collection with a pipeline: PubMed/MEDLINE XML, PubTator, BioC XML or "
        "JSON, JSONL or folders of .txt; files, folders and globs, gzipped or not.",
        "Every input file (or group of .txt files) becomes one shard in "
        "OUTPUT_DIR/shards/, numbered in input order and renamed into place only when "
        "complete; OUTPUT_DIR/ledger.jsonl lists the finished ones, and records that "
        "cannot be annotated go to OUTPUT_DIR/rejects.jsonl with the reason. Run the same "
        "command again after an interruption (even kill -9): it skips the finished units "
        "and writes the same bytes an uninterrupted run would.",
        "Example: python -m spacy_biolm annotate en_biolm pubmed25n0001.xml.gz out/ "
        "--format pubtator",
        "On a Ray cluster: python -m spacy_biolm annotate en_biolm 'baseline/*.xml.gz' "
        "out/ --engine ray --address auto --actors 8 --gpu",
    )
)


@app.command("annotate", help=ANNOTATE_HELP)
def annotate_cli(
    model: str = typer.Argument(
        ..., help="An installed pipeline package (en_biolm) or a pipeline folder."
    ),
    inputs: List[str] = typer.Argument(
        ..., metavar="INPUT...", help="Input files, folders or quoted globs."
    ),
    output_dir: Path = typer.Argument(
        ..., help="Folder for shards/, ledger.jsonl, rejects.jsonl, run.json, summary.json."
    ),
    output_format: str = typer.Option(
        "jsonl", "--format", "-f", help=f"Output format: {', '.join(OUTPUT_FORMATS)}."
    ),
    input_format: Optional[str] = typer.Option(
        None,
        "--input-format",
        help=f"Read every input as {', '.join(INPUT_FORMATS)} (default: from each file's "
        "name and first bytes).",
    ),
    batch_size: int = typer.Option(64, "--batch-size", "-b", help="nlp.pipe's batch size."),
    n_process: int = typer.Option(
        1, "--n-process", "-n", help="Processes (spaCy's n_process; local engine)."
    ),
    gpu_id: int = typer.Option(-1, "--gpu-id", "-g", help="GPU to run on (local engine)."),
    id_field: str = typer.Option("id", "--id-field", help="JSONL: the document id field."),
    text_field: str = typer.Option("text", "--text-field", help="JSONL: the text field."),
    engine: str = typer.Option(
        "local", "--engine", help="local (this machine) or ray (a Ray actor pool)."
    ),
    address: Optional[str] = typer.Option(
        None,
        "--address",
        help="Ray: the cluster to join (auto, ray://HEAD:10001); default: a local one.",
    ),
    actors: int = typer.Option(2, "--actors", help="Ray: actors, each with its own model."),
    gpu: bool = typer.Option(False, "--gpu", help="Ray: one GPU per actor."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Progress bar."),
) -> None:
    """Annotate a collection (see ANNOTATE_HELP)."""
    try:
        summary = annotate(
            model,
            inputs,
            output_dir,
            output_format=output_format,
            input_format=input_format,
            batch_size=batch_size,
            n_process=n_process,
            gpu_id=gpu_id,
            id_field=id_field,
            text_field=text_field,
            engine=engine,
            address=address,
            actors=actors,
            gpu=gpu,
            progress=progress,
        )
    except (ValueError, OSError, RuntimeError, ImportError) as error:
        msg.fail(f"Cannot annotate into {output_dir}", str(error), exits=1)
    print_summary(summary)
    if summary.failed:
        units = "; ".join(f"{failed['key']}: {failed['reason']}" for failed in summary.failed)
        msg.fail(Errors.E1242.format(n=len(summary.failed), units=units), exits=1)


def print_summary(summary: Summary) -> None:
    """Print a run's closing summary.

    summary (Summary): The summary.
    """
    msg.divider("annotate")
    rows = [
        (
            "units",
            f"{summary.units_done:,} annotated, {summary.units_skipped:,} already done "
            f"(of {summary.units:,})",
        ),
        ("docs", f"{summary.docs:,}"),
        (
            "words",
            f"{summary.words:,} in {summary.seconds:,.1f} s "
            f"({summary.words_per_second:,.0f} words/s)",
        ),
        ("rejects", ", ".join(f"{code}: {n:,}" for code, n in summary.rejects.items()) or "0"),
        ("deleted citations", f"{summary.deleted:,}"),
        ("all finished shards", f"{summary.total_docs:,} docs, {summary.total_rejects:,} rejects"),
    ]
    msg.table(rows)
    msg.good(f"Output in {summary.output_dir} (summary.json)")
