"""`make-encoder` and `make-biogpt`: random models for offline tests and smoke runs."""

from pathlib import Path
from typing import List, Optional

import typer
from wasabi import msg

from ..testing import build_random_bert, build_random_biogpt, read_texts
from ._app import app

TEXTS_HELP = ".spacy or text files (one text a line) to train the vocabulary."


@app.command("make-encoder")
def make_encoder_cli(
    output_dir: Path = typer.Argument(..., help="Folder to write the encoder to."),
    texts: List[Path] = typer.Option([], "--texts", "-t", help=TEXTS_HELP),
    vocab_size: int = typer.Option(2000, help="WordPiece vocabulary size."),
    hidden_size: int = typer.Option(32, help="Encoder width (768 for BERT-base)."),
    num_layers: int = typer.Option(2, help="Transformer layers (12 for BERT-base)."),
    num_heads: int = typer.Option(2, help="Attention heads (12 for BERT-base)."),
    intermediate_size: int = typer.Option(64, help="Feed-forward width (3072 for BERT-base)."),
    max_texts: int = typer.Option(20000, help="Use at most this many texts for the vocabulary."),
) -> None:
    """Write a randomly initialised BERT encoder for offline tests and smoke runs.

    The folder loads anywhere a model name is accepted, e.g.
    `--components.biolm_transformer.model.name encoders/tiny`.
    """
    build_random_bert(
        output_dir,
        texts=list(read_texts(texts, limit=max_texts)) if texts else None,
        vocab_size=vocab_size,
        hidden_size=hidden_size,
        num_layers=num_layers,
        num_heads=num_heads,
        intermediate_size=intermediate_size,
    )
    msg.good(f"Wrote a random BERT encoder to {output_dir}")


@app.command("make-biogpt")
def make_biogpt_cli(
    output_dir: Path = typer.Argument(..., help="Folder to write the model to."),
    vocab: Optional[Path] = typer.Option(
        None,
        "--vocab",
        "-v",
        help="Folder with BioGPT's fairseq dict.txt and bpecodes (the real tokenizer); "
        "default: a small vocabulary learnt from --texts.",
    ),
    texts: List[Path] = typer.Option(
        [], "--texts", "-t", help=".spacy or text files (one text a line) for the small vocabulary."
    ),
    hidden_size: int = typer.Option(32, help="Model width (1024 for BioGPT)."),
    num_layers: int = typer.Option(2, help="Decoder layers (24 for BioGPT)."),
    num_heads: int = typer.Option(2, help="Attention heads (16 for BioGPT)."),
    intermediate_size: int = typer.Option(64, help="Feed-forward width (4096 for BioGPT)."),
    max_positions: int = typer.Option(1024, help="Positions (1024 for BioGPT)."),
    max_texts: int = typer.Option(20000, help="Use at most this many texts for the vocabulary."),
) -> None:
    """Write a randomly initialised BioGPT for offline tests and smoke runs.

    The folder loads wherever a model name is accepted, e.g.
    `--components.biogpt.model encoders/tiny-biogpt`.
    """
    build_random_biogpt(
        output_dir,
        fairseq_vocab_dir=vocab,
        texts=list(read_texts(texts, limit=max_texts)) if texts else None,
        hidden_size=hidden_size,
        num_layers=num_layers,
        num_heads=num_heads,
        intermediate_size=intermediate_size,
        max_position_embeddings=max_positions,
    )
    msg.good(f"Wrote a random BioGPT to {output_dir}")
