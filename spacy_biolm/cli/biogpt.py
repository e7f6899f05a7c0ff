"""`convert-biogpt`: a fairseq BioGPT checkpoint to a Hugging Face folder."""

from pathlib import Path

import typer
from wasabi import msg

from ..biogpt.fairseq import convert_fairseq_checkpoint
from ._app import app


@app.command("convert-biogpt")
def convert_biogpt_cli(
    fairseq_dir: Path = typer.Argument(
        ..., help="fairseq checkpoint folder: the checkpoint, dict.txt and bpecodes."
    ),
    output_dir: Path = typer.Argument(..., help="Folder to write the Hugging Face model to."),
    checkpoint: str = typer.Option(
        "checkpoint.pt", "--checkpoint", "-c", help="Checkpoint file name in FAIRSEQ_DIR."
    ),
    trust_checkpoint: bool = typer.Option(
        False,
        "--trust-checkpoint",
        help="Unpickle any object in the checkpoint (it can run code: trusted files only).",
    ),
) -> None:
    """Convert a fairseq BioGPT checkpoint (e.g. the RE-DDI, RE-DTI, RE-BC5CDR or
    PubMedQA fine-tunes) into a folder that the `biogpt` component loads:
    `--components.biogpt.model OUTPUT_DIR`.
    """
    convert_fairseq_checkpoint(
        fairseq_dir, output_dir, checkpoint_name=checkpoint, trust_checkpoint=trust_checkpoint
    )
    msg.good(f"Wrote a Hugging Face BioGPT to {output_dir}")
