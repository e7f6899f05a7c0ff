"""convert-biogpt on fake fairseq checkpoints laid out like BioGPT's fine-tunes."""

import argparse
import json
import math

import pytest
import spacy
import torch
import torch.nn.functional as F
from transformers import BioGptForCausalLM, BioGptTokenizer
from typer.testing import CliRunner

from spacy_biolm.biogpt import tasks
from spacy_biolm.biogpt.fairseq import convert_fairseq_checkpoint
from spacy_biolm.biogpt.model_io import PROMPT_ATTR
from spacy_biolm.cli import app
from spacy_biolm.testing import SEED_TEXT, write_synthetic_fairseq_vocab

from .conftest import greedy_new_tokens

PAD_ID = 1  # fairseq's dictionary: <s>=0, <pad>=1, </s>=2, <unk>=3

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


def _fairseq_weights(n_rows, model_args, *, seed=0):
    """Random weights under the names that fairseq's TransformerLanguageModel gives
    them in state_dict() (a TransformerDecoder with learned positions and pre-norm
    layers, as BioGPT's `transformer_lm_prompt_biogpt`), listed by hand from fairseq's
    TransformerDecoderBase and TransformerDecoderLayerBase: this list, not the
    converter, says what a real checkpoint holds.

    Token and position embeddings are small, so that the first layer norm's epsilon
    matters (fairseq's is 1e-5; transformers' converter writes 1e-12).
    """
    d = model_args["decoder_embed_dim"]
    ffn = model_args["decoder_ffn_embed_dim"]
    generator = torch.Generator().manual_seed(seed)

    def rand(*shape, scale=0.3, offset=0.0):
        return offset + scale * torch.randn(*shape, generator=generator)

    state = {
        "decoder.version": torch.tensor([3.0]),
        "decoder.embed_tokens.weight": rand(n_rows, d, scale=0.002),
        # LearnedPositionalEmbedding keeps padding_idx + 1 rows before position 0
        "decoder.embed_positions.weight": rand(
            model_args["max_target_positions"] + PAD_ID + 1, d, scale=0.002
        ),
    }
    for i in range(model_args["decoder_layers"]):
        layer = f"decoder.layers.{i}"
        for proj in ("k_proj", "v_proj", "q_proj", "out_proj"):
            state[f"{layer}.self_attn.{proj}.weight"] = rand(d, d)
            state[f"{layer}.self_attn.{proj}.bias"] = rand(d, scale=0.1)
        for norm in ("self_attn_layer_norm", "final_layer_norm"):
            state[f"{layer}.{norm}.weight"] = rand(d, scale=0.1, offset=1.0)
            state[f"{layer}.{norm}.bias"] = rand(d, scale=0.1)
        state[f"{layer}.fc1.weight"] = rand(ffn, d)
        state[f"{layer}.fc1.bias"] = rand(ffn, scale=0.1)
        state[f"{layer}.fc2.weight"] = rand(d, ffn)
        state[f"{layer}.fc2.bias"] = rand(d, scale=0.1)
    state["decoder.layer_norm.weight"] = rand(d, scale=0.1, offset=1.0)
    state["decoder.layer_norm.bias"] = rand(d, scale=0.1)
    if model_args["share_decoder_input_output_embed"]:
        # the same Parameter under both names, as fairseq's state_dict() lists it
        state["decoder.output_projection.weight"] = state["decoder.embed_tokens.weight"]
    else:
        state["decoder.output_projection.weight"] = rand(n_rows, d)
    return state


def _fairseq_logits(state, ids, model_args):
    """fairseq's TransformerLanguageModel forward pass (eval mode, one unpadded
    sequence), computed in float64 straight from the weights by their fairseq names."""
    w = {name: tensor.double() for name, tensor in state.items()}
    d = model_args["decoder_embed_dim"]
    n_heads = model_args["decoder_attention_heads"]
    head_dim = d // n_heads
    n = len(ids)

    def linear(prefix, x):
        return x @ w[f"{prefix}.weight"].T + w[f"{prefix}.bias"]

    def layer_norm(prefix, x):
        return F.layer_norm(x, (d,), w[f"{prefix}.weight"], w[f"{prefix}.bias"], eps=1e-5)

    ids = torch.tensor(ids)
    x = math.sqrt(d) * w["decoder.embed_tokens.weight"][ids]
    # fairseq numbers positions from padding_idx + 1
    x = x + w["decoder.embed_positions.weight"][PAD_ID + 1 + torch.arange(n)]
    future = torch.full((n, n), -math.inf, dtype=torch.float64).triu(1)
    for i in range(model_args["decoder_layers"]):
        layer = f"decoder.layers.{i}"
        h = layer_norm(f"{layer}.self_attn_layer_norm", x)
        q = linear(f"{layer}.self_attn.q_proj", h) * head_dim**-0.5
        k = linear(f"{layer}.self_attn.k_proj", h)
        v = linear(f"{layer}.self_attn.v_proj", h)
        q, k, v = (t.view(n, n_heads, head_dim).transpose(0, 1) for t in (q, k, v))
        attention = torch.softmax(q @ k.transpose(1, 2) + future, dim=-1) @ v
        x = x + linear(f"{layer}.self_attn.out_proj", attention.transpose(0, 1).reshape(n, d))
        h = layer_norm(f"{layer}.final_layer_norm", x)
        x = x + linear(f"{layer}.fc2", F.gelu(linear(f"{layer}.fc1", h)))
    x = layer_norm("decoder.layer_norm", x)
    return x @ w["decoder.output_projection.weight"].T


def _dict_symbols(folder):
    """The symbols of dict.txt ("symbol count" lines), read here, not by the converter."""
    lines = (folder / "dict.txt").read_text(encoding="utf8").splitlines()
    return [line.rsplit(" ", 1)[0] for line in lines]


def _fairseq_folder(
    folder, *, n_prompt=9, task=None, legacy=False, extra_state=None, model_args=MODEL_ARGS
):
    """dict.txt, bpecodes and a checkpoint.pt laid out like BioGPT's fine-tunes;
    returns the checkpoint's weights (fairseq's names) and the size of dict.txt's
    vocabulary with the 4 special tokens."""
    write_synthetic_fairseq_vocab(folder, texts=[SEED_TEXT])
    n_vocab = 4 + len(_dict_symbols(folder))
    state = _fairseq_weights(n_vocab + n_prompt, model_args)
    if task is None:
        task = {
            "_name": "language_modeling_prompt",
            "learned_prompt": n_prompt or None,
            "learned_prompt_pattern": "learned",
            "prefix": False,
        }
    if legacy:
        checkpoint = {"args": argparse.Namespace(**{**model_args, **task}), "model": state}
    else:
        checkpoint = {"args": None, "cfg": {"model": model_args, "task": task}, "model": state}
    checkpoint["extra_state"] = extra_state or {"epoch": 100}
    torch.save(checkpoint, folder / "checkpoint.pt")
    return state, n_vocab


def test_converted_fine_tune_computes_what_fairseq_computes(tmp_path):
    model_args = {**MODEL_ARGS, "share_decoder_input_output_embed": False}
    state, n_vocab = _fairseq_folder(tmp_path / "fairseq", model_args=model_args)
    result = CliRunner().invoke(
        app, ["convert-biogpt", str(tmp_path / "fairseq"), str(tmp_path / "hf")]
    )
    assert result.exit_code == 0, result.output
    model = BioGptForCausalLM.from_pretrained(tmp_path / "hf").eval()
    # Tensors land in the modules that use them (by value: a swap of two same-shaped
    # tensors keeps every name and shape)
    biogpt = model.biogpt
    for module, name in [
        (biogpt.embed_tokens, "decoder.embed_tokens"),
        (biogpt.embed_positions, "decoder.embed_positions"),
        (biogpt.layers[1].self_attn.q_proj, "decoder.layers.1.self_attn.q_proj"),
        (biogpt.layers[1].self_attn.k_proj, "decoder.layers.1.self_attn.k_proj"),
        (biogpt.layers[0].fc2, "decoder.layers.0.fc2"),
        (biogpt.layers[0].final_layer_norm, "decoder.layers.0.final_layer_norm"),
        (biogpt.layer_norm, "decoder.layer_norm"),
        (model.output_projection, "decoder.output_projection"),
    ]:
        assert torch.equal(module.weight, state[f"{name}.weight"]), name
    # and the converted model computes fairseq's logits: ids of dict.txt words, then
    # the learned prompt, as a fine-tune reads it
    ids = [2, 4, 5, 6, 7, 8, 9, 10, 11, 12] + list(range(n_vocab, n_vocab + 9))
    with torch.inference_mode():
        logits = model(torch.tensor([ids])).logits[0].double()
    expected = _fairseq_logits(state, ids, model_args)
    assert torch.allclose(logits, expected, rtol=1e-4, atol=1e-5)
    config = json.loads((tmp_path / "hf" / "config.json").read_text())
    assert config["architectures"] == ["BioGptForCausalLM"]
    assert config[PROMPT_ATTR] == " ".join(LEARNED)
    assert config["layer_norm_eps"] == 1e-5


def test_converted_tokenizer_uses_fairseqs_ids(tmp_path):
    _, n_vocab = _fairseq_folder(tmp_path / "fairseq")
    convert_fairseq_checkpoint(tmp_path / "fairseq", tmp_path / "hf")
    tokenizer = BioGptTokenizer.from_pretrained(tmp_path / "hf")
    # fairseq's ids: dict.txt in order after the 4 specials, then the learned prompt
    symbols = _dict_symbols(tmp_path / "fairseq")
    first_piece = next(s for s in symbols if s.endswith("@@"))
    first_word = next(s for s in symbols if not s.endswith("@@"))
    vocab = tokenizer.get_vocab()
    assert vocab[first_piece[:-2]] == 4 + symbols.index(first_piece)
    assert vocab[first_word + "</w>"] == 4 + symbols.index(first_word)
    ids = tokenizer(f"Cisplatin {' '.join(LEARNED)}")["input_ids"]
    assert ids[-9:] == list(range(n_vocab, n_vocab + 9))


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
    # The prompt a fine-tune was trained on: lowercased text, then the learned prompt.
    tokenizer = BioGptTokenizer.from_pretrained(tmp_path / "hf")
    prompt_ids = tokenizer(f"cisplatin caused nausea. {' '.join(LEARNED)}")["input_ids"]
    assert prompt_ids[-9:] == list(range(n_vocab, n_vocab + 9))
    model = BioGptForCausalLM.from_pretrained(tmp_path / "hf").eval()
    new = greedy_new_tokens(model, prompt_ids, 8)
    expected = tasks.clean_generated_text(tokenizer.decode(new, skip_special_tokens=True))
    assert doc._.biogpt_text == expected
    # A random model writes no relation sentence, so nothing is parsed from it.
    assert "relation between" not in expected and "interaction between" not in expected
    assert doc._.biogpt_relations == []


def test_legacy_args_checkpoint_without_prompt(tmp_path):
    state, n_vocab = _fairseq_folder(tmp_path / "fairseq", n_prompt=0, legacy=True)
    convert_fairseq_checkpoint(tmp_path / "fairseq", tmp_path / "hf")
    model = BioGptForCausalLM.from_pretrained(tmp_path / "hf").eval()
    assert model.config.vocab_size == n_vocab
    assert getattr(model.config, PROMPT_ATTR) == ""
    ids = [2, 4, 5, 6, 7]
    with torch.inference_mode():
        logits = model(torch.tensor([ids])).logits[0].double()
    assert torch.allclose(logits, _fairseq_logits(state, ids, MODEL_ARGS), rtol=1e-4, atol=1e-5)


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
