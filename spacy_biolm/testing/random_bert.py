"""Test scaffolding: randomly initialised BERT encoders with a WordPiece vocabulary
trained on text, saved as ordinary Hugging Face folders.

Tests, the `smoke` workflow and the benchmarks use these in place of BioLinkBERT:
the hub cannot be reached here, and random weights of the right shape cost exactly
what trained ones cost. Any folder written here loads wherever a model name is
accepted (`from_pretrained(path)`).
"""

import logging
from collections import Counter
from pathlib import Path
from typing import Iterable, Iterator, List, Optional

logger = logging.getLogger("spacy_biolm")

# Text used when the caller gives none: enough biomedical vocabulary for a tiny
# WordPiece model to split corpus text into a few pieces per word.
SEED_TEXT = (
    "Selegiline-induced postural hypotension in Parkinson's disease: a longitudinal study. "
    "Naloxone reverses the antihypertensive effect of clonidine in spontaneously "
    "hypertensive rats (SHR). IL-2-dependent proliferation of T cells requires TNF-alpha "
    "and Ca2+ influx. Mutations in BRCA1 and BRCA2 genes increase the risk of breast and "
    "ovarian cancer. The Escherichia coli K-12 strain and Saccharomyces cerevisiae were "
    "grown at 37 degrees. Patients with type 2 diabetes mellitus received metformin "
    "(500 mg/day) or placebo. Cisplatin nephrotoxicity was assessed in mice, humans and "
    "Arabidopsis thaliana. The p53 tumor suppressor protein binds DNA; NF-kappaB "
    "activation was measured by electrophoretic mobility shift assay."
)


SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
# Longest word prefix or "##" suffix considered as a vocabulary piece.
MAX_PIECE_CHARS = 8


def train_wordpiece_vocab(
    texts: Iterable[str], *, vocab_size: int, lowercase: bool = True
) -> List[str]:
    """Make a WordPiece vocabulary from text, deterministically.

    Every character (alone and as "##" continuation) is in, so any text tokenizes;
    the rest of the budget goes to the most frequent whole words, word prefixes and
    "##" suffixes (ties broken by the string). `tokenizers`' own trainer gives a
    different vocabulary in every process, which made tests and smoke runs differ.

    texts (Iterable[str]): Training text.
    vocab_size (int): Most pieces, special tokens included.
    lowercase (bool): Whether the vocabulary is uncased (like BioLinkBERT).
    RETURNS (List[str]): The vocabulary, special tokens first, in id order.
    """
    from tokenizers import normalizers, pre_tokenizers

    steps = [normalizers.NFD(), normalizers.StripAccents()]
    normalizer = normalizers.Sequence([normalizers.Lowercase(), *steps] if lowercase else steps)
    pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    words: Counter = Counter()
    for text in texts:
        normalized = normalizer.normalize_str(text)
        words.update(word for word, _ in pre_tokenizer.pre_tokenize_str(normalized))
    chars = sorted({char for word in words for char in word})
    vocab = [*SPECIAL_TOKENS, *chars, *(f"##{char}" for char in chars)]
    pieces: Counter = Counter()
    for word, count in words.items():
        pieces[word] += count
        for k in range(2, min(len(word), MAX_PIECE_CHARS + 1)):
            pieces[word[:k]] += count
            pieces[f"##{word[-k:]}"] += count
    known = set(vocab)
    ranked = sorted((p for p in pieces if p not in known), key=lambda p: (-pieces[p], p))
    return vocab + ranked[: max(0, vocab_size - len(vocab))]


def build_random_bert(
    output_dir: Path,
    *,
    texts: Optional[Iterable[str]] = None,
    vocab_size: int = 2000,
    hidden_size: int = 32,
    num_layers: int = 2,
    num_heads: int = 2,
    intermediate_size: int = 64,
    max_position_embeddings: int = 512,
    lowercase: bool = True,
    seed: int = 0,
) -> Path:
    """Write a BERT encoder with random weights and a trained WordPiece vocabulary.

    The tokenizer config deliberately sets no `model_max_length`, as BioLinkBERT's
    does not, so that code relying on the tokenizer to cap lengths is caught.

    output_dir (Path): Folder to write (created if missing).
    texts (Optional[Iterable[str]]): Text to train the vocabulary on; SEED_TEXT if None.
    vocab_size (int): Target vocabulary size.
    hidden_size (int): Width of the encoder.
    num_layers (int): Number of transformer layers.
    num_heads (int): Attention heads per layer.
    intermediate_size (int): Width of the feed-forward layers.
    max_position_embeddings (int): Longest input in wordpieces.
    lowercase (bool): Uncased vocabulary and tokenizer.
    seed (int): Seed for the random weights.
    RETURNS (Path): output_dir.
    """
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    corpus = list(texts) if texts is not None else [SEED_TEXT]
    vocab = train_wordpiece_vocab(corpus, vocab_size=vocab_size, lowercase=lowercase)
    vocab_file = output_dir / "vocab.txt"
    vocab_file.write_text("\n".join(vocab) + "\n", encoding="utf8")
    tokenizer = BertTokenizerFast(vocab_file=str(vocab_file), do_lower_case=lowercase)
    tokenizer.save_pretrained(str(output_dir))
    _drop_model_max_length(output_dir)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        intermediate_size=intermediate_size,
        max_position_embeddings=max_position_embeddings,
    )
    torch.manual_seed(seed)
    BertModel(config).save_pretrained(str(output_dir))
    logger.info("Wrote a random BERT (%d pieces) to %s", len(vocab), output_dir)
    return output_dir


def _drop_model_max_length(output_dir: Path) -> None:
    # The stdlib json, not srsly: transformers writes the "no limit" value 1e30 as
    # an integer that ujson refuses to read.
    import json

    path = output_dir / "tokenizer_config.json"
    config = json.loads(path.read_text(encoding="utf8"))
    config.pop("model_max_length", None)
    path.write_text(json.dumps(config, indent=2), encoding="utf8")


def read_texts(paths: Iterable[Path], limit: int = 0) -> Iterator[str]:
    """Yield the texts of .spacy files or plain-text files (one text per line)."""
    from spacy.tokens import DocBin
    from spacy.vocab import Vocab

    count = 0
    for path in paths:
        if path.suffix == ".spacy":
            texts: Iterable[str] = (doc.text for doc in DocBin().from_disk(path).get_docs(Vocab()))
        else:
            texts = (line for line in path.open(encoding="utf8") if line.strip())
        for text in texts:
            yield text
            count += 1
            if limit and count >= limit:
                return
