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
bigger batches are nearly free. Training runs the batch as one call.

The grouping lives in the encoder layer, the `layers[0]` that spacy-transformers'
own forward calls once per batch with the tokenized windows: its forward, with its
cache flush and memory logging, runs unchanged around it.
"""

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, cast

import torch
from spacy_transformers.data_classes import WordpieceBatch
from thinc.api import Model, PyTorchShim
from thinc.layers.pytorchwrapper import forward as pytorch_forward
from transformers.file_utils import ModelOutput

from ..errors import Errors

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


def with_length_groups(
    wrapper: Model[WordpieceBatch, ModelOutput], *, overhead: Optional[int], max_pieces: int
) -> Model[WordpieceBatch, ModelOutput]:
    """spacy-transformers' HF wrapper layer, grouping its rows by length at inference.

    The new layer is the wrapper's twin: the same shim (holding the Hugging Face model
    and tokenizer), convert functions and dims, so everything that reaches the model
    through `layers[0].shims[0]` (the `tokenizer` and `transformer` properties,
    `set_pytorch_transformer`, `init`, serialization) works unchanged, and the model
    tree keeps its shape, so pipelines saved before load into it. Only the forward
    differs.

    wrapper (Model[WordpieceBatch, ModelOutput]): The `HFWrapper` of a TransformerModel.
    overhead (Optional[int]): Cost of one encoder call in wordpieces; None: 16 on CPU,
        2048 on GPU.
    max_pieces (int): Most padded wordpieces in one encoder call.
    RETURNS (Model[WordpieceBatch, ModelOutput]): The layer.
    """
    return Model(
        wrapper.name,
        grouped_forward,
        attrs={**wrapper.attrs, "group_overhead": overhead, "group_max_pieces": max_pieces},
        shims=list(wrapper.shims),
        dims={name: wrapper.maybe_get_dim(name) for name in wrapper.dim_names},
    )


def grouped_forward(
    model: Model[WordpieceBatch, ModelOutput], wordpieces: WordpieceBatch, is_train: bool
) -> Tuple[ModelOutput, Callable]:
    """The HF wrapper's forward (thinc's PyTorch forward), in length groups at inference."""
    if is_train:
        return pytorch_forward(model, wordpieces, is_train)
    lengths = attended_lengths(wordpieces)
    groups = plan_groups(lengths, group_overhead(model), model.attrs["group_max_pieces"])
    if len(groups) <= 1:
        return pytorch_forward(model, wordpieces, is_train)
    output = run_grouped(model, wordpieces, lengths, groups)
    return output, _no_backprop


def _no_backprop(d_output: ModelOutput) -> Any:
    raise ValueError(Errors.E1010)


def attended_lengths(wordpieces: WordpieceBatch) -> List[int]:
    """Per row, the position after its last attended wordpiece.

    Not `wordpieces.lengths`: that counts piece strings other than the pad token, so
    a text holding a literal "[PAD]" reads short, and spacy-transformers' truncation
    sets it to the padded width for every row once a batch reaches the encoder's
    limit. The attention mask is what the encoder reads; the last attended position
    (not the count) keeps every real piece wherever the padding sits.

    wordpieces (WordpieceBatch): The padded batch.
    RETURNS (List[int]): Wordpieces to keep per row.
    """
    mask = wordpieces.attention_mask
    width = mask.shape[1]
    return [width - int(n) for n in (mask[:, ::-1] != 0).argmax(axis=1).tolist()]


def group_overhead(model: Model) -> int:
    """The configured group overhead, or the default for the encoder's device."""
    configured: Optional[int] = model.attrs.get("group_overhead")
    if configured is not None:
        return configured
    on_gpu = cast(PyTorchShim, model.shims[0]).device.type != "cpu"
    return GPU_GROUP_OVERHEAD if on_gpu else CPU_GROUP_OVERHEAD


def run_grouped(
    model: Model, wordpieces: WordpieceBatch, lengths: List[int], groups: List[List[int]]
) -> ModelOutput:
    """Run the HF wrapper over length groups and reassemble one padded output.

    Outputs other than the hidden states and the pooler (attentions, say) cannot be
    reassembled cheaply: then the batch runs as one call, as in spacy-transformers.
    """
    n_rows, width = wordpieces.input_ids.shape
    outputs = []
    for rows in groups:
        longest = max(lengths[i] for i in rows)
        output, _ = pytorch_forward(model, _select(wordpieces, rows, longest, lengths), False)
        outputs.append(output)
        if len(outputs) == 1 and any(
            output.get(key) is not None for key in output if key not in _KNOWN
        ):
            return pytorch_forward(model, wordpieces, False)[0]
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


def _select(
    wordpieces: WordpieceBatch, rows: List[int], width: int, lengths: List[int]
) -> WordpieceBatch:
    token_type_ids = wordpieces.token_type_ids
    return WordpieceBatch(
        strings=[wordpieces.strings[i][:width] for i in rows],
        input_ids=wordpieces.input_ids[rows, :width],
        attention_mask=wordpieces.attention_mask[rows, :width],
        lengths=[lengths[i] for i in rows],
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
