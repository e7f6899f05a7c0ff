"""Inference over windows grouped by length, so the encoder computes little padding.

spacy-transformers pads every window of a batch to the longest one. Abstracts vary
from 100 to 500 wordpieces, so a batch of 16 spends about a third of its encoder
time on padding (13,164 padded pieces for 9,838 real ones over 32 BC5CDR abstracts).
At inference the windows are sorted by length and cut into groups that minimise

    sum over groups of (overhead + rows * longest row)

(dynamic programming, exact), each group runs through the encoder trimmed to its own
longest row, and the outputs are put back in order, padded with zeros, so that the
rest of spacy-transformers (alignment, pooling, `doc._.trf_data`) is unchanged.
`overhead` is the fixed cost of one encoder call in wordpieces: small on CPU, where
compute scales with the pieces; large on GPU, where a call has launch costs and
bigger batches are nearly free. Training keeps spacy-transformers' own forward.
"""

from typing import Any, Dict, List, Optional, Sequence

import torch
from spacy.tokens import Doc
from spacy_transformers.align import get_alignment, get_alignment_via_offset_mapping
from spacy_transformers.data_classes import FullTransformerBatch, WordpieceBatch
from spacy_transformers.layers.transformer_model import TransformerModel, huggingface_tokenize
from spacy_transformers.layers.transformer_model import forward as stock_forward
from spacy_transformers.truncate import truncate_oversize_splits
from thinc.api import Model

CPU_GROUP_OVERHEAD = 16
GPU_GROUP_OVERHEAD = 2048
PADDED_FIELDS = ("last_hidden_state",)
ROW_FIELDS = ("pooler_output",)
LAYER_FIELDS = ("hidden_states",)


def plan_groups(lengths: Sequence[int], overhead: int, max_pieces: int) -> List[List[int]]:
    """Split rows into groups of similar length at the least padded cost.

    lengths (Sequence[int]): Wordpieces of each row.
    overhead (int): Cost of one group (one encoder call), in wordpieces.
    max_pieces (int): Most padded pieces in a group (rows * longest), bounding
        memory; a row longer than this is a group of its own.
    RETURNS (List[List[int]]): Row indices per group, each sorted by length.
    """
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    sorted_lengths = [max(lengths[i], 1) for i in order]
    n = len(order)
    best = [0.0] + [float("inf")] * n
    back = [0] * (n + 1)
    for end in range(1, n + 1):
        longest = sorted_lengths[end - 1]
        most_rows = max(1, max_pieces // longest)
        for start in range(max(0, end - most_rows), end):
            cost = best[start] + overhead + (end - start) * longest
            if cost < best[end]:
                best[end] = cost
                back[end] = start
    groups: List[List[int]] = []
    end = n
    while end > 0:
        start = back[end]
        groups.append(order[start:end])
        end = start
    groups.reverse()
    return groups


def grouped_forward(model: TransformerModel, docs: List[Doc], is_train: bool):
    """spacy-transformers' forward, with length-grouped encoder calls at inference."""
    if is_train:
        return stock_forward(model, docs, is_train)
    tokenizer = model.tokenizer
    nested_spans = model.attrs["get_spans"](docs)
    flat_spans = [span for doc_spans in nested_spans for span in doc_spans]
    encoding = huggingface_tokenize(tokenizer, [span.text for span in flat_spans])
    wordpieces = WordpieceBatch.from_batch_encoding(encoding)
    if "offset_mapping" in encoding:
        align = get_alignment_via_offset_mapping(flat_spans, encoding["offset_mapping"])
    else:
        align = get_alignment(flat_spans, wordpieces.strings, tokenizer.all_special_tokens)
    wordpieces, align = truncate_oversize_splits(wordpieces, align, tokenizer.model_max_length)
    model_output = run_grouped(
        model.layers[0],
        wordpieces,
        overhead=group_overhead(model),
        max_pieces=model.attrs["group_max_pieces"],
    )
    output = FullTransformerBatch(
        spans=nested_spans, wordpieces=wordpieces, model_output=model_output, align=align
    )
    return output, lambda d_output: docs


def group_overhead(model: Model) -> int:
    """The configured group overhead, or the default for the encoder's device."""
    configured: Optional[int] = model.attrs.get("group_overhead")
    if configured is not None:
        return configured
    on_gpu = model.transformer.device.type != "cpu"  # type: ignore[attr-defined]
    return GPU_GROUP_OVERHEAD if on_gpu else CPU_GROUP_OVERHEAD


def run_grouped(encoder: Model, wordpieces: WordpieceBatch, *, overhead: int, max_pieces: int):
    """Run the HF wrapper over length groups and reassemble one padded output.

    Outputs other than the hidden states and the pooler (attentions, say) cannot be
    reassembled cheaply: then the batch runs as one call, as in spacy-transformers.
    """
    groups = plan_groups(wordpieces.lengths, overhead, max_pieces)
    if len(groups) <= 1:
        return encoder.predict(wordpieces)
    n_rows, width = wordpieces.input_ids.shape
    outputs = []
    for rows in groups:
        longest = max(wordpieces.lengths[i] for i in rows)
        outputs.append(encoder.predict(_select(wordpieces, rows, longest)))
        if len(outputs) == 1 and any(
            outputs[0].get(key) is not None for key in outputs[0] if key not in _KNOWN
        ):
            return encoder.predict(wordpieces)
    first = outputs[0]
    fields: Dict[str, Any] = {}
    for key in first:
        parts = [out[key] for out in outputs]
        if key in PADDED_FIELDS:
            fields[key] = _scatter_padded(parts, groups, n_rows, width)
        elif key in ROW_FIELDS:
            fields[key] = _scatter_rows(parts, groups, n_rows)
        else:  # hidden_states: one padded tensor per layer
            fields[key] = tuple(
                _scatter_padded(list(layer), groups, n_rows, width) for layer in zip(*parts)
            )
    return type(first)(**fields)


_KNOWN = set(PADDED_FIELDS + ROW_FIELDS + LAYER_FIELDS)


def _select(wordpieces: WordpieceBatch, rows: List[int], width: int) -> WordpieceBatch:
    token_type_ids = wordpieces.token_type_ids
    return WordpieceBatch(
        strings=[wordpieces.strings[i][:width] for i in rows],
        input_ids=wordpieces.input_ids[rows, :width],
        attention_mask=wordpieces.attention_mask[rows, :width],
        lengths=[wordpieces.lengths[i] for i in rows],
        token_type_ids=token_type_ids[rows, :width] if token_type_ids is not None else None,
    )


def _scatter_padded(parts, groups, n_rows: int, width: int) -> torch.Tensor:
    first = parts[0]
    full = first.new_zeros((n_rows, width, *first.shape[2:]))
    for part, rows in zip(parts, groups):
        full[torch.as_tensor(rows, device=full.device), : part.shape[1]] = part
    return full


def _scatter_rows(parts, groups, n_rows: int) -> torch.Tensor:
    first = parts[0]
    full = first.new_zeros((n_rows, *first.shape[1:]))
    for part, rows in zip(parts, groups):
        full[torch.as_tensor(rows, device=full.device)] = part
    return full
