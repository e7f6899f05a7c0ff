"""Batched inference equals one-by-one inference: a greedy loop written out in
conftest, and plain transformers for beam search."""

import pytest
import torch
from transformers import GenerationConfig

from spacy_biolm.biogpt import generation
from spacy_biolm.testing import SEED_TEXT

from .conftest import greedy_new_tokens

# Prompts of very different lengths, so that batches are heavily left-padded.
TEXTS = [
    "Cisplatin",
    SEED_TEXT,
    "Naloxone reverses the antihypertensive effect of clonidine.",
    "IL-2",
    SEED_TEXT[:300],
    "Mutations in BRCA1 and BRCA2 genes increase the risk of breast cancer.",
]


@pytest.fixture(scope="module")
def batched_model(tiny_biogpt_dir):
    return generation.BioGptForBatchedGeneration.from_pretrained(tiny_biogpt_dir).eval()


@pytest.fixture(scope="module")
def prompts(tiny_tokenizer):
    return generation.encode(tiny_tokenizer, TEXTS)


def _config(**settings):
    base = {
        "max_new_tokens": 12,
        "do_sample": False,
        "num_beams": 1,
        "pad_token_id": 1,
        "eos_token_id": 2,
        "bos_token_id": 0,
    }
    return GenerationConfig(**{**base, **settings})


def _greedy_one_by_one(model, prompts, max_new_tokens=12):
    """The written-out greedy loop, one unpadded prompt at a time, up to </s>."""
    return [greedy_new_tokens(model, prompt, max_new_tokens) for prompt in prompts]


def _one_by_one(model, prompts, config):
    """Plain transformers generate, one unpadded prompt at a time, up to </s>."""
    outputs = []
    for prompt in prompts:
        with torch.inference_mode():
            row = model.generate(torch.tensor([prompt]), generation_config=config)[0]
        new = row[len(prompt) :].tolist()
        outputs.append(new[: new.index(2)] if 2 in new else new)
    return outputs


def test_prompts_start_with_biogpts_separator(prompts, tiny_tokenizer):
    assert all(p[0] == tiny_tokenizer.eos_token_id for p in prompts)
    assert len({len(p) for p in prompts}) == len(prompts)


def test_batched_greedy_equals_one_by_one(batched_model, tiny_model, prompts):
    config = _config()
    reference = _greedy_one_by_one(tiny_model, prompts)
    assert generation.generate(batched_model, prompts, config) == reference
    assert max(len(ids) for ids in reference) == 12


def test_each_sequence_stops_at_its_eos(batched_model, tiny_model, prompts):
    free = _greedy_one_by_one(tiny_model, prompts)
    # Make a token that one prompt generates third an EOS as well: that sequence must
    # stop after two tokens while the others go on.
    row = next(i for i, ids in enumerate(free) if len(ids) > 2 and ids[2] not in ids[:2])
    eos = free[row][2]
    batched = generation.generate(batched_model, prompts, _config(eos_token_id=[2, eos]))
    assert batched == [ids[: ids.index(eos)] if eos in ids else ids for ids in free]
    assert batched[row] == free[row][:2]
    assert max(len(ids) for ids in batched) > 2
    assert all(eos not in ids and 2 not in ids for ids in batched)


def test_batched_beam_search_equals_one_by_one(batched_model, tiny_model, prompts):
    config = _config(num_beams=3, max_new_tokens=6)
    assert generation.generate(batched_model, prompts, config) == _one_by_one(
        tiny_model, prompts, config
    )


def test_answer_scores_equal_one_pass_per_answer(
    batched_model, tiny_model, prompts, tiny_tokenizer
):
    answers = [
        tiny_tokenizer(a, add_special_tokens=False)["input_ids"] for a in ("yes", "no", "maybe")
    ]
    assert max(len(a) for a in answers) > 1  # "maybe" is several pieces
    scores = generation.score_continuations(batched_model, prompts, answers)
    for prompt, row in zip(prompts, scores):
        for answer, score in zip(answers, row):
            with torch.inference_mode():
                logits = tiny_model(torch.tensor([prompt + answer])).logits[0]
            logprobs = logits.log_softmax(-1)
            expected = sum(logprobs[len(prompt) - 1 + j, t].item() for j, t in enumerate(answer))
            assert score == pytest.approx(expected, abs=1e-4)


def test_last_position_logits_equal_full_logits(batched_model, tiny_model, prompts):
    ids = torch.tensor([prompts[2]])
    with torch.inference_mode():
        last = batched_model(ids, logits_to_keep=1).logits
        full = tiny_model(ids).logits
    assert last.shape == (1, 1, full.shape[-1])
    assert torch.allclose(last[0, -1], full[0, -1], atol=1e-5)


def test_truncate_left_keeps_the_first_token_and_the_end():
    ids = list(range(10))
    assert generation.truncate_left(ids, 10) is ids
    assert generation.truncate_left(ids, 4) == [0, 7, 8, 9]


def test_left_pad():
    input_ids, mask = generation.left_pad([[5, 6, 7], [8]], pad_id=1, device=torch.device("cpu"))
    assert input_ids.tolist() == [[5, 6, 7], [1, 1, 8]]
    assert mask.tolist() == [[1, 1, 1], [0, 0, 1]]
