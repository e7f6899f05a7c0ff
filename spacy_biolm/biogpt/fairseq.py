"""Convert a fairseq BioGPT checkpoint into a Hugging Face folder.

BioGPT's relation-extraction and QA fine-tunes were released as fairseq checkpoints
only. The mapping follows transformers' own converter
(`convert_biogpt_original_pytorch_checkpoint_to_pytorch.py`, which transformers'
wheels do not ship): the fairseq dictionary becomes vocab.json, bpecodes becomes
merges.txt, `decoder.*` weights become `biogpt.*`. Two things it does not handle are
handled here: the fine-tunes' learned prompt ("learned1" … "learned9", appended to
the vocabulary by BioGPT's `language_modeling_prompt` task, hence embeddings with 9
rows more than dict.txt), which becomes added tokens and the config attribute that
the `biogpt` component fills its templates' {prompt_tokens} with; and safe loading
(torch.load with weights_only, unless the user trusts the file).
"""

import argparse
import json
import logging
import pickle
import shutil
from pathlib import Path
from typing import Any, Dict, List, Mapping, Sequence, Tuple

from ..errors import Errors
from .model_io import PROMPT_ATTR, save_model

logger = logging.getLogger("spacy_biolm")

SPECIAL_TOKENS = ("<s>", "<pad>", "</s>", "<unk>")
FAIRSEQ_FILES = ("dict.txt", "bpecodes")

# fairseq model argument -> BioGptConfig field
_CONFIG_FIELDS = {
    "decoder_embed_dim": "hidden_size",
    "decoder_ffn_embed_dim": "intermediate_size",
    "decoder_layers": "num_hidden_layers",
    "decoder_attention_heads": "num_attention_heads",
    "max_target_positions": "max_position_embeddings",
    "activation_fn": "hidden_act",
    "dropout": "hidden_dropout_prob",
    "attention_dropout": "attention_probs_dropout_prob",
    "activation_dropout": "activation_dropout",
    "decoder_layerdrop": "layerdrop",
}


def read_fairseq_dict(path: Path) -> List[str]:
    """The symbols of a fairseq dict.txt (`symbol count [#fairseq:overwrite]` lines).

    path (Path): The dict.txt file.
    RETURNS (List[str]): The symbols in file order (ids 4, 5, … in fairseq).
    """
    symbols = []
    with Path(path).open(encoding="utf8") as lines:
        for line in lines:
            fields = line.rstrip("\n").split(" ")
            if fields[-1] == "#fairseq:overwrite":
                fields = fields[:-1]
            symbols.append(" ".join(fields[:-1]))
    return symbols


def fairseq_vocab(symbols: Sequence[str]) -> Dict[str, int]:
    """The BioGptTokenizer vocabulary of a fairseq dictionary: the 4 specials, then
    the symbols in order, "word@@" (a word-internal piece) as "word" and any other
    "word" (a word end) as "word</w>".

    symbols (Sequence[str]): The dict.txt symbols.
    RETURNS (Dict[str, int]): Token -> id.
    """
    vocab = {token: i for i, token in enumerate(SPECIAL_TOKENS)}
    for i, symbol in enumerate(symbols, start=len(SPECIAL_TOKENS)):
        vocab[symbol[:-2] if symbol.endswith("@@") else symbol + "</w>"] = i
    return vocab


def write_tokenizer(
    dict_path: Path,
    bpecodes_path: Path,
    output_dir: Path,
    *,
    added_tokens: Sequence[str] = (),
    model_max_length: int = 1024,
) -> Any:
    """Write a BioGptTokenizer folder from fairseq's dict.txt and bpecodes.

    dict_path (Path): fairseq dict.txt.
    bpecodes_path (Path): fastBPE codes (`left right count` lines), the merges.
    output_dir (Path): Folder to write (created if missing).
    added_tokens (Sequence[str]): Tokens appended after the vocabulary, in order
        (a fine-tune's learned prompt).
    model_max_length (int): The model's number of positions.
    RETURNS (BioGptTokenizer): The tokenizer, as saved.
    """
    from transformers import BioGptTokenizer

    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    vocab = fairseq_vocab(read_fairseq_dict(dict_path))
    vocab_file = output_dir / "vocab.json"
    vocab_file.write_text(json.dumps(vocab, ensure_ascii=False, indent=2), encoding="utf8")
    merges_file = output_dir / "merges.txt"
    shutil.copyfile(bpecodes_path, merges_file)
    tokenizer = BioGptTokenizer(
        vocab_file=str(vocab_file),
        merges_file=str(merges_file),
        model_max_length=model_max_length,
    )
    if added_tokens:
        tokenizer.add_tokens(list(added_tokens))
    tokenizer.save_pretrained(str(output_dir))
    return tokenizer


def load_checkpoint(path: Path, *, trust: bool = False) -> Dict[str, Any]:
    """Load a fairseq checkpoint file.

    By default only tensors, containers, primitives and argparse.Namespace (the
    `args` of older checkpoints) are unpickled; anything else is refused with a
    message that names it.

    path (Path): The checkpoint .pt file.
    trust (bool): Unpickle everything: the file can run code, so only for files you
        trust (and fairseq must be importable if they hold fairseq objects).
    RETURNS (Dict[str, Any]): The checkpoint.
    """
    import torch

    if trust:
        return torch.load(path, map_location="cpu", weights_only=False)
    try:
        with torch.serialization.safe_globals([argparse.Namespace]):
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        raise ValueError(Errors.E1129.format(path=path, err=str(err).splitlines()[0])) from err


def checkpoint_settings(checkpoint: Mapping[str, Any]) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """The model and task settings of a checkpoint: `cfg` (fairseq >= 0.10, plain
    dicts) or `args` (older, an argparse.Namespace holding both).

    checkpoint (Mapping[str, Any]): A loaded checkpoint.
    RETURNS (Tuple[Dict[str, Any], Dict[str, Any]]): (model settings, task settings).
    """
    cfg = checkpoint.get("cfg")
    if cfg:
        return dict(cfg["model"]), dict(cfg.get("task") or {})
    args = vars(checkpoint["args"])
    return args, args


def learned_prompt(task: Mapping[str, Any]) -> List[str]:
    """The learned-prompt tokens of BioGPT's `language_modeling_prompt` task.

    task (Mapping[str, Any]): The checkpoint's task settings.
    RETURNS (List[str]): e.g. ["learned1", …, "learned9"]; [] without one.
    """
    if task.get("prefix"):
        raise ValueError(Errors.E1132)
    count = task.get("learned_prompt") or 0
    pattern = task.get("learned_prompt_pattern") or "learned"
    return [f"{pattern}{i + 1}" for i in range(count)]


def biogpt_config(model_args: Mapping[str, Any], *, vocab_size: int) -> Dict[str, Any]:
    """BioGptConfig fields for fairseq `transformer_lm` model settings.

    model_args (Mapping[str, Any]): The checkpoint's model settings.
    vocab_size (int): Rows of the embedding matrix.
    RETURNS (Dict[str, Any]): Keyword arguments of BioGptConfig.
    """
    missing = [key for key in (*_CONFIG_FIELDS, "no_scale_embedding") if key not in model_args]
    if missing:
        raise ValueError(Errors.E1130.format(missing=missing))
    config = {field: model_args[key] for key, field in _CONFIG_FIELDS.items()}
    config.update(
        vocab_size=vocab_size,
        scale_embedding=not model_args["no_scale_embedding"],
        tie_word_embeddings=bool(model_args.get("share_decoder_input_output_embed", True)),
        # fairseq's LayerNorm default (transformers' converter writes 1e-12)
        layer_norm_eps=1e-5,
        bos_token_id=0,
        pad_token_id=1,
        eos_token_id=2,
    )
    return config


def rename_weights(state_dict: Mapping[str, Any]) -> Dict[str, Any]:
    """fairseq decoder weight names -> BioGptForCausalLM names.

    state_dict (Mapping[str, Any]): The checkpoint's "model".
    RETURNS (Dict[str, Any]): The renamed weights ("decoder.version" dropped).
    """
    renamed = {}
    for name, tensor in state_dict.items():
        if name == "decoder.version":
            continue
        if name.endswith("output_projection.weight"):
            renamed["output_projection.weight"] = tensor
        else:
            renamed[name.replace("decoder.", "biogpt.", 1)] = tensor
    return renamed


def convert_fairseq_checkpoint(
    fairseq_dir: Path,
    output_dir: Path,
    *,
    checkpoint_name: str = "checkpoint.pt",
    trust_checkpoint: bool = False,
) -> Path:
    """Convert a fairseq BioGPT checkpoint folder into a Hugging Face folder.

    fairseq_dir (Path): Folder with the checkpoint, dict.txt and bpecodes.
    output_dir (Path): Folder to write: config, weights and tokenizer.
    checkpoint_name (str): The checkpoint's file name (e.g. checkpoint_avg.pt).
    trust_checkpoint (bool): Unpickle arbitrary objects (see load_checkpoint).
    RETURNS (Path): output_dir.
    """
    from transformers import BioGptConfig

    from .generation import BioGptForBatchedGeneration

    fairseq_dir, output_dir = Path(fairseq_dir), Path(output_dir)
    for name in (checkpoint_name, *FAIRSEQ_FILES):
        if not (fairseq_dir / name).is_file():
            raise ValueError(Errors.E1128.format(path=fairseq_dir / name))
    checkpoint = load_checkpoint(fairseq_dir / checkpoint_name, trust=trust_checkpoint)
    model_args, task_args = checkpoint_settings(checkpoint)
    prompt = learned_prompt(task_args)
    weights = rename_weights(checkpoint["model"])
    n_vocab = len(SPECIAL_TOKENS) + len(read_fairseq_dict(fairseq_dir / "dict.txt"))
    n_rows = weights["biogpt.embed_tokens.weight"].shape[0]
    if n_rows != n_vocab + len(prompt):
        raise ValueError(
            Errors.E1131.format(rows=n_rows, n_vocab=n_vocab, n_prompt=len(prompt), prompt=prompt)
        )
    config = BioGptConfig(**biogpt_config(model_args, vocab_size=n_rows))
    setattr(config, PROMPT_ATTR, " ".join(prompt))
    model = BioGptForBatchedGeneration(config)
    if config.tie_word_embeddings:
        weights.setdefault("output_projection.weight", weights["biogpt.embed_tokens.weight"])
    model.load_state_dict(weights, strict=True)
    save_model(model, output_dir)
    write_tokenizer(
        fairseq_dir / "dict.txt",
        fairseq_dir / "bpecodes",
        output_dir,
        added_tokens=prompt,
        model_max_length=config.max_position_embeddings,
    )
    logger.info("Converted %s to %s", fairseq_dir / checkpoint_name, output_dir)
    return output_dir
