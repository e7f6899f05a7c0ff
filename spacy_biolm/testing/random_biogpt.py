"""Test scaffolding: BioGPT models with random weights, saved as Hugging Face folders.

Tests and the speed benchmark use them in place of microsoft/biogpt: the hub cannot
be reached here, and random weights of the right shape cost exactly what trained
ones cost. The tokenizer is BioGPT's real one when its fairseq files (dict.txt and
bpecodes, e.g. the corpora folder's biogpt_tokenizer/) are given, else a small one
learnt from text in the same fastBPE format.
"""

import logging
import tempfile
from collections import Counter
from pathlib import Path
from string import ascii_letters, digits, punctuation
from typing import Dict, Iterable, Optional

from ..biogpt.fairseq import write_tokenizer
from ..biogpt.model_io import save_model
from .random_bert import SEED_TEXT

logger = logging.getLogger("spacy_biolm")


def write_synthetic_fairseq_vocab(output_dir: Path, *, texts: Iterable[str]) -> Path:
    """Write a fairseq dict.txt and fastBPE bpecodes that spell every word of texts.

    Words are Moses-tokenized as BioGptTokenizer does; each word gets the chain of
    merges that builds it left to right, every ASCII character is a symbol, so any
    ASCII text tokenizes without unknown pieces.

    output_dir (Path): Folder to write (created if missing).
    texts (Iterable[str]): Text to take the words from.
    RETURNS (Path): output_dir.
    """
    from sacremoses import MosesTokenizer

    moses = MosesTokenizer(lang="en")
    words: Counter = Counter()
    for text in texts:
        words.update(moses.tokenize(text, aggressive_dash_splits=True, escape=True))
    symbols: Dict[str, int] = {}
    for char in ascii_letters + digits + punctuation:
        symbols[char + "@@"] = symbols[char] = 1
    merges: Dict[str, int] = {}
    for word, count in words.most_common():
        pieces = [*word[:-1], word[-1] + "</w>"]
        current = pieces[0]
        for piece in pieces[1:]:
            merges[f"{current} {piece}"] = merges.get(f"{current} {piece}", 0) + count
            current += piece
            symbol = current[:-4] if current.endswith("</w>") else current + "@@"
            symbols[symbol] = symbols.get(symbol, 0) + count
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    ranked = sorted(symbols.items(), key=lambda item: -item[1])
    (output_dir / "dict.txt").write_text(
        "".join(f"{symbol} {count}\n" for symbol, count in ranked), encoding="utf8"
    )
    (output_dir / "bpecodes").write_text(
        "".join(f"{pair} {count}\n" for pair, count in merges.items()), encoding="utf8"
    )
    return output_dir


def build_random_biogpt(
    output_dir: Path,
    *,
    fairseq_vocab_dir: Optional[Path] = None,
    texts: Optional[Iterable[str]] = None,
    hidden_size: int = 32,
    num_layers: int = 2,
    num_heads: int = 2,
    intermediate_size: int = 64,
    max_position_embeddings: int = 1024,
    initializer_range: float = 0.02,
    tie_word_embeddings: bool = True,
    seed: int = 0,
) -> Path:
    """Write a BioGPT causal LM with random weights and a BioGPT tokenizer.

    microsoft/biogpt is hidden_size=1024, num_layers=24, num_heads=16,
    intermediate_size=4096, max_position_embeddings=1024.

    output_dir (Path): Folder to write (created if missing).
    fairseq_vocab_dir (Optional[Path]): Folder with BioGPT's dict.txt and bpecodes
        (42,384 ids); None: a small vocabulary learnt from texts.
    texts (Optional[Iterable[str]]): Text for the small vocabulary; SEED_TEXT if None.
    hidden_size (int): Width of the model.
    num_layers (int): Number of decoder layers.
    num_heads (int): Attention heads per layer.
    intermediate_size (int): Width of the feed-forward layers.
    max_position_embeddings (int): Most positions (prompt plus generated tokens).
    initializer_range (float): Standard deviation of the random weights.
    tie_word_embeddings (bool): Share input and output embeddings, as BioGPT does.
        Tests untie them (with larger weights): a tied random model mostly repeats
        its last input token, whatever the context.
    seed (int): Seed for the random weights.
    RETURNS (Path): output_dir.
    """
    import torch
    from transformers import BioGptConfig, BioGptForCausalLM

    output_dir = Path(output_dir)
    with tempfile.TemporaryDirectory() as tmp:
        vocab_dir = Path(fairseq_vocab_dir) if fairseq_vocab_dir is not None else Path(tmp)
        if fairseq_vocab_dir is None:
            write_synthetic_fairseq_vocab(vocab_dir, texts=texts or [SEED_TEXT])
        tokenizer = write_tokenizer(
            vocab_dir / "dict.txt",
            vocab_dir / "bpecodes",
            output_dir,
            model_max_length=max_position_embeddings,
        )
    config = BioGptConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        intermediate_size=intermediate_size,
        max_position_embeddings=max_position_embeddings,
        initializer_range=initializer_range,
        tie_word_embeddings=tie_word_embeddings,
    )
    torch.manual_seed(seed)
    save_model(BioGptForCausalLM(config), output_dir)
    logger.info("Wrote a random BioGPT (%d ids) to %s", len(tokenizer), output_dir)
    return output_dir
