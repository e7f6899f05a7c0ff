"""Test scaffolding, apart from the product: random models of the right shape that
tests, the `smoke` workflow and the benchmarks build offline in place of
BioLinkBERT (random_bert.py) and BioGPT (random_biogpt.py). No component imports
this package."""

from .random_bert import SEED_TEXT, build_random_bert, read_texts, train_wordpiece_vocab
from .random_biogpt import build_random_biogpt, write_synthetic_fairseq_vocab

__all__ = [
    "SEED_TEXT",
    "build_random_bert",
    "build_random_biogpt",
    "read_texts",
    "train_wordpiece_vocab",
    "write_synthetic_fairseq_vocab",
]
