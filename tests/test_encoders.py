"""Random BERT encoders (spacy_biolm.testing) for tests and smoke runs: deterministic,
loadable by name."""

import subprocess
import sys

from transformers import AutoModel, AutoTokenizer

from spacy_biolm.testing import SEED_TEXT, train_wordpiece_vocab

SCRIPT = (
    "from spacy_biolm.testing import train_wordpiece_vocab, SEED_TEXT\n"
    "print(' '.join(train_wordpiece_vocab([SEED_TEXT], vocab_size=500)))\n"
)


def test_vocabulary_is_the_same_in_every_process():
    runs = {
        subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True).stdout
        for _ in range(2)
    }
    assert len(runs) == 1
    assert runs.pop().split() == train_wordpiece_vocab([SEED_TEXT], vocab_size=500)


def test_vocabulary_covers_unseen_text_and_respects_the_size():
    vocab = train_wordpiece_vocab([SEED_TEXT], vocab_size=300)
    assert len(vocab) == 300
    assert vocab[:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert len(set(vocab)) == len(vocab)


def test_built_encoder_loads_and_tokenizes_without_unknowns(tiny_bert_dir):
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_bert_dir))
    assert tokenizer.model_max_length > 10**6  # no limit set, like BioLinkBERT
    pieces = tokenizer.tokenize("Cisplatin-treated mice with hypotension")
    assert "[UNK]" not in pieces and len(pieces) > 4
    assert AutoModel.from_pretrained(str(tiny_bert_dir)).config.hidden_size == 32
