"""convert-biogpt on fake fairseq checkpoints laid out like BioGPT's fine-tunes."""

import argparse
import json

import pytest
import spacy
import torch
from transformers import BioGptConfig, BioGptForCausalLM, BioGptTokenizer
from typer.testing import CliRunner

from spacy_biolm.biogpt import decoding, tasks
from spacy_biolm.biogpt.convert import PROMPT_ATTR, convert_fairseq_checkpoint, read_fairseq_dict
from spacy_biolm.biogpt.random_model import write_synthetic_fairseq_vocab
from spacy_biolm.cli import app
from spacy_biolm.encoders import SEED_TEXT

LEARNED = [f"learned{i}" for i in range(1, 10)]
MODEL_ARGS = {
    "_name": "transformer_lm_prompt_biogpt",
    "decoder_embed_dim": 16,
    "decoder_ffn_embed_dim": 32,
    "decoder_layers": 2,
    "decoder_attention_heads": 2,
    "max_target_positions": 64,
    "activation_fn": "gelu",
    "dropout": 0.1,
    "attention_dropout": 0.1,
    "activation_dropout": 0.0,
    "decoder_layerdrop": 0.0,
    "no_scale_embedding": False,
    "share_decoder_input_output_embed": True,
}


class Meter:
    """Stands for the fairseq objects that full checkpoints pickle (meters, etc.)."""


def _fairseq_folder(folder, *, n_prompt=9, task=None, legacy=False, extra_state=None):
    """dict.txt, bpecodes and a checkpoint.pt whose weights carry fairseq's names;
    returns those weights under BioGptForCausalLM's names."""
    write_synthetic_fairseq_vocab(folder, texts=[SEED_TEXT])
    n_vocab = 4 + len(read_fairseq_dict(folder / "dict.txt"))
    config = BioGptConfig(
        vocab_size=n_vocab + n_prompt,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
    )
    torch.manual_seed(0)
    weights = BioGptForCausalLM(config).state_dict()
    state = {
        name.replace("biogpt.", "decoder.", 1)
        if name.startswith("biogpt.")
        else f"decoder.{name}": tensor
        for name, tensor in weights.items()
    }
    state["decoder.version"] = torch.tensor([3.0])
    if task is None:
        task = {
            "_name": "language_modeling_prompt",
            "learned_prompt": n_prompt or None,
            "learned_prompt_pattern": "learned",
            "prefix": False,
        }
    if legacy:
        checkpoint = {"args": argparse.Namespace(**{**MODEL_ARGS, **task}), "model": state}
    else:
        checkpoint = {"args": None, "cfg": {"model": MODEL_ARGS, "task": task}, "model": state}
    checkpoint["extra_state"] = extra_state or {"epoch": 100}
    torch.save(checkpoint, folder / "checkpoint.pt")
    return weights, n_vocab


def test_converted_fine_tune_loads_generates_and_keeps_its_prompt(tmp_path):
    weights, n_vocab = _fairseq_folder(tmp_path / "fairseq")
    result = CliRunner().invoke(
        app, ["convert-biogpt", str(tmp_path / "fairseq"), str(tmp_path / "hf")]
    )
    assert result.exit_code == 0, result.output
    model = BioGptForCausalLM.from_pretrained(tmp_path / "hf").eval()
    converted = model.state_dict()
    assert set(converted) == set(weights)
    assert all(torch.equal(converted[name], weights[name]) for name in weights)
    config = json.loads((tmp_path / "hf" / "config.json").read_text())
    assert config["architectures"] == ["BioGptForCausalLM"]
    assert config[PROMPT_ATTR] == " ".join(LEARNED)
    assert config["layer_norm_eps"] == 1e-5
    tokenizer = BioGptTokenizer.from_pretrained(tmp_path / "hf")
    # fairseq's ids: dict.txt in order after the 4 specials, then the learned prompt
    symbols = read_fairseq_dict(tmp_path / "fairseq" / "dict.txt")
    first_piece = next(s for s in symbols if s.endswith("@@"))
    first_word = next(s for s in symbols if not s.endswith("@@"))
    vocab = tokenizer.get_vocab()
    assert vocab[first_piece[:-2]] == 4 + symbols.index(first_piece)
    assert vocab[first_word + "</w>"] == 4 + symbols.index(first_word)
    ids = tokenizer(f"Cisplatin {' '.join(LEARNED)}")["input_ids"]
    assert ids[-9:] == list(range(n_vocab, n_vocab + 9))
    with torch.inference_mode():
        output = model.generate(torch.tensor([ids]), max_new_tokens=5, do_sample=False)
    assert output.shape == (1, len(ids) + 5)


def test_component_prompts_a_converted_fine_tune_with_its_learned_prompt(tmp_path):
    _, n_vocab = _fairseq_folder(tmp_path / "fairseq")
    convert_fairseq_checkpoint(tmp_path / "fairseq", tmp_path / "hf")
    nlp = spacy.blank("en")
    biogpt = nlp.add_pipe(
        "biogpt", config={"model": str(tmp_path / "hf"), "task": "relations", "max_new_tokens": 8}
    )
    nlp.initialize()
    assert biogpt.prompt_tokens == " ".join(LEARNED)
    doc = nlp("Cisplatin caused nausea.")
    prompt = tasks.build_prompt(
        "relations",
        doc,
        template=biogpt.template,
        lowercase=biogpt.lowercase,
        prompt_tokens=biogpt.prompt_tokens,
    )
    assert decoding.encode(biogpt.tokenizer, [prompt])[0][-9:] == list(range(n_vocab, n_vocab + 9))
    assert isinstance(doc._.biogpt_relations, list)


def test_legacy_args_checkpoint_without_prompt(tmp_path):
    weights, n_vocab = _fairseq_folder(tmp_path / "fairseq", n_prompt=0, legacy=True)
    convert_fairseq_checkpoint(tmp_path / "fairseq", tmp_path / "hf")
    model = BioGptForCausalLM.from_pretrained(tmp_path / "hf")
    assert model.config.vocab_size == n_vocab
    assert getattr(model.config, PROMPT_ATTR) == ""
    assert torch.equal(
        model.state_dict()["biogpt.embed_tokens.weight"], weights["biogpt.embed_tokens.weight"]
    )


def test_unknown_objects_need_trust(tmp_path):
    _fairseq_folder(tmp_path / "fairseq", extra_state={"meters": Meter()})
    with pytest.raises(ValueError, match="E1129"):
        convert_fairseq_checkpoint(tmp_path / "fairseq", tmp_path / "hf")
    convert_fairseq_checkpoint(tmp_path / "fairseq", tmp_path / "hf", trust_checkpoint=True)
    assert (tmp_path / "hf" / "model.safetensors").exists()


@pytest.mark.parametrize(
    "task,code",
    [
        ({"learned_prompt": None}, "E1131"),  # 9 rows more than dict.txt, no prompt
        ({"learned_prompt": 9, "prefix": True}, "E1132"),
    ],
)
def test_inconsistent_checkpoints_are_refused(tmp_path, task, code):
    _fairseq_folder(tmp_path / "fairseq", task=task)
    with pytest.raises(ValueError, match=code):
        convert_fairseq_checkpoint(tmp_path / "fairseq", tmp_path / "hf")


def test_missing_files_are_named(tmp_path):
    _fairseq_folder(tmp_path / "fairseq")
    (tmp_path / "fairseq" / "bpecodes").unlink()
    with pytest.raises(ValueError, match="E1128.*bpecodes"):
        convert_fairseq_checkpoint(tmp_path / "fairseq", tmp_path / "hf")
