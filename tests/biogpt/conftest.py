"""Fixtures of the biogpt tests: a tiny random BioGPT with BioGPT's real tokenizer
(42,384 ids, from the corpora folder's biogpt_tokenizer/), or with a small synthetic
vocabulary when the corpora are absent, so that these tests always run."""

import os
from pathlib import Path
from typing import List, Optional

import pytest

from ..conftest import REPO_ROOT

EOS_ID = 2  # BioGPT's </s>


def real_vocab_dir() -> Optional[Path]:
    """BioGPT's fairseq dict.txt and bpecodes, if the corpora folder is there."""
    corpora = Path(os.environ.get("SPACY_BIOLM_CORPORA", REPO_ROOT.parent / "shared" / "corpora"))
    folder = corpora / "biogpt_tokenizer"
    return folder if (folder / "dict.txt").exists() else None


@pytest.fixture(scope="session")
def tiny_biogpt_dir(tmp_path_factory) -> Path:
    """A 2-layer, 32-wide random BioGPT with 1,024 positions. Untied, larger random
    weights make its output depend on the whole context and on positions, so that
    batched and one-by-one results can differ when padding is mishandled."""
    from spacy_biolm.testing import build_random_biogpt

    return build_random_biogpt(
        tmp_path_factory.mktemp("tiny_biogpt"),
        fairseq_vocab_dir=real_vocab_dir(),
        initializer_range=0.2,
        tie_word_embeddings=False,
    )


@pytest.fixture(scope="session")
def tiny_model(tiny_biogpt_dir):
    """The tiny model as plain transformers BioGptForCausalLM: the reference."""
    from transformers import BioGptForCausalLM

    return BioGptForCausalLM.from_pretrained(tiny_biogpt_dir).eval()


@pytest.fixture(scope="session")
def tiny_tokenizer(tiny_biogpt_dir):
    from transformers import BioGptTokenizer

    return BioGptTokenizer.from_pretrained(tiny_biogpt_dir)


@pytest.fixture
def make_nlp(tiny_biogpt_dir):
    """Build an initialized pipeline with a biogpt component (config overrides)."""
    import spacy

    def make(**config):
        nlp = spacy.blank("en")
        nlp.add_pipe("biogpt", config={"model": str(tiny_biogpt_dir), **config})
        nlp.initialize()
        return nlp

    return make


def greedy_new_tokens(model, ids: List[int], max_new_tokens: int) -> List[int]:
    """Greedy decoding written out, as the reference of the component's: one full
    forward pass per new token (no cache, no padding, no `generate`), the argmax of
    the last position, up to (not including) the first </s>."""
    import torch

    new: List[int] = []
    with torch.inference_mode():
        for _ in range(max_new_tokens):
            hidden = model.base_model(torch.tensor([ids + new])).last_hidden_state[0, -1]
            token = int(model.get_output_embeddings()(hidden).argmax())
            if token == EOS_ID:
                break
            new.append(token)
    return new
