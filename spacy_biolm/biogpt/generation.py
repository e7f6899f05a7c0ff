"""Batched BioGPT inference: left-padded generation with the KV cache, and answer
scoring in one forward pass.

Left padding is safe for BioGPT because its positions come from the attention mask,
not from the column: `generate` passes position_ids = cumsum(attention_mask) - 1,
so every prompt's first real token sits at position 0 whatever its padding, and the
padded batch computes what each prompt computes alone.

This module imports torch and transformers; the component imports it only when
weights load.
"""

from typing import Any, List, Optional, Sequence, Tuple, Union

import torch
from torch.nn.utils.rnn import pad_sequence
from transformers import BioGptForCausalLM, GenerationConfig
from transformers.modeling_outputs import CausalLMOutputWithCrossAttentions

Ids = List[int]


class BioGptForBatchedGeneration(BioGptForCausalLM):
    """BioGptForCausalLM that can project only the last positions to the vocabulary.

    `generate` passes `logits_to_keep=1` to models that accept it, so the prompt
    pass computes one position's logits instead of (batch x prompt length x 42,384)
    of them: gigabytes for a batch of abstracts. The weights and their names are
    BioGptForCausalLM's.
    """

    def forward(  # type: ignore[override]
        self,
        input_ids: Optional[torch.LongTensor] = None,
        attention_mask: Optional[torch.Tensor] = None,
        past_key_values: Any = None,
        position_ids: Optional[torch.LongTensor] = None,
        logits_to_keep: int = 0,
        **kwargs: Any,
    ) -> CausalLMOutputWithCrossAttentions:
        """The causal LM forward pass.

        input_ids (Optional[torch.LongTensor]): Token ids (batch, length).
        attention_mask (Optional[torch.Tensor]): 1 for tokens, 0 for padding.
        past_key_values (Any): The KV cache.
        position_ids (Optional[torch.LongTensor]): Positions of the tokens.
        logits_to_keep (int): Project only the last this many positions (0: all).
        RETURNS (CausalLMOutputWithCrossAttentions): logits and the cache.
        """
        kwargs["return_dict"] = True
        outputs = self.biogpt(
            input_ids,
            attention_mask=attention_mask,
            past_key_values=past_key_values,
            position_ids=position_ids,
            **kwargs,
        )
        hidden = outputs.last_hidden_state
        if logits_to_keep:
            hidden = hidden[:, -logits_to_keep:]
        return CausalLMOutputWithCrossAttentions(
            logits=self.output_projection(hidden),
            past_key_values=outputs.past_key_values,
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
        )


def encode(tokenizer: Any, texts: Sequence[str]) -> List[Ids]:
    """Token ids of prompts, with BioGPT's leading </s>, not truncated.

    tokenizer (BioGptTokenizer): The model's tokenizer.
    texts (Sequence[str]): The prompts.
    RETURNS (List[List[int]]): One id list per prompt.
    """
    if not texts:
        return []
    # verbose=False: lengths are checked (and cut) by truncate_left, not here.
    return tokenizer(list(texts), add_special_tokens=True, verbose=False)["input_ids"]


def truncate_left(ids: Ids, limit: int) -> Ids:
    """Cut a prompt from the left to at most `limit` tokens, keeping its first
    token (BioGPT's </s>, which starts every sequence it was trained on).

    ids (List[int]): The prompt's token ids.
    limit (int): The most tokens to keep (>= 2).
    RETURNS (List[int]): ids itself if short enough, else the cut prompt.
    """
    if len(ids) <= limit:
        return ids
    return ids[:1] + ids[len(ids) - (limit - 1) :]


def left_pad(
    sequences: Sequence[Ids], *, pad_id: int, device: torch.device
) -> Tuple[torch.Tensor, torch.Tensor]:
    """Pad sequences on the left into a batch.

    sequences (Sequence[List[int]]): Token ids.
    pad_id (int): The padding id.
    device (torch.device): Where the tensors go.
    RETURNS (Tuple[torch.Tensor, torch.Tensor]): input_ids and attention_mask.
    """
    rows = [torch.tensor(seq, dtype=torch.long) for seq in sequences]
    # padding_side exists since torch 2.6, the floor in setup.cfg.
    input_ids = pad_sequence(rows, batch_first=True, padding_value=pad_id, padding_side="left")
    attention_mask = pad_sequence(
        [torch.ones_like(row) for row in rows], batch_first=True, padding_side="left"
    )
    return input_ids.to(device), attention_mask.to(device)


def generate(
    model: BioGptForCausalLM, prompts: Sequence[Ids], generation_config: GenerationConfig
) -> List[Ids]:
    """Continue a batch of prompts.

    model (BioGptForCausalLM): The model, in eval mode.
    prompts (Sequence[List[int]]): Token ids of the prompts (any lengths).
    generation_config (GenerationConfig): Decoding settings; its pad and EOS ids
        must be set.
    RETURNS (List[List[int]]): Per prompt, the new tokens up to (not including) the
        first EOS.
    """
    input_ids, attention_mask = left_pad(
        prompts, pad_id=generation_config.pad_token_id, device=model.device
    )
    with torch.inference_mode():
        output = model.generate(
            input_ids=input_ids,
            attention_mask=attention_mask,
            generation_config=generation_config,
        )
    eos_ids = set(_as_list(generation_config.eos_token_id))
    return [_until(row, eos_ids) for row in output[:, input_ids.shape[1] :].tolist()]


def score_continuations(
    model: BioGptForCausalLM, prompts: Sequence[Ids], continuations: Sequence[Ids]
) -> List[List[float]]:
    """The log-likelihood of every continuation after every prompt, in one pass.

    Each row holds its (left-padded) prompt followed by all continuations. A 4D
    attention mask lets each continuation see the prompt and its own earlier tokens
    only, and its positions restart where the prompt ends, so the pass computes
    exactly what one pass per (prompt, continuation) pair would, at the cost of one
    prompt.

    model (BioGptForCausalLM): The model, in eval mode.
    prompts (Sequence[List[int]]): Token ids of the prompts.
    continuations (Sequence[List[int]]): Token ids of each continuation (>= 1 each).
    RETURNS (List[List[float]]): Per prompt, the summed log-probability of each
        continuation's tokens.
    """
    device = model.device
    width = max(len(p) for p in prompts)
    tail = [token for cont in continuations for token in cont]
    total = width + len(tail)
    # segment[c]: -1 for prompt columns, k for the columns of continuation k
    segment = torch.tensor(
        [-1] * width + [k for k, cont in enumerate(continuations) for _ in cont], device=device
    )
    offsets = torch.tensor([j for cont in continuations for j in range(len(cont))], device=device)
    causal = torch.ones(total, total, dtype=torch.bool, device=device).tril()
    in_prompt = segment < 0
    same = segment[:, None] == segment[None, :]
    allowed = causal & (in_prompt[None, :] | same)
    input_ids = torch.full((len(prompts), total), model.config.pad_token_id, device=device)
    positions = torch.zeros((len(prompts), total), dtype=torch.long, device=device)
    masks = []
    for row, prompt in enumerate(prompts):
        start = width - len(prompt)
        input_ids[row, start:width] = torch.tensor(prompt, device=device)
        input_ids[row, width:] = torch.tensor(tail, device=device)
        positions[row, start:width] = torch.arange(len(prompt), device=device)
        positions[row, width:] = len(prompt) + offsets
        keep = allowed.clone()
        keep[:, :start] = False
        # Padding rows attend to themselves so that no row is fully masked.
        pads = torch.arange(start, device=device)
        keep[pads, pads] = True
        masks.append(keep)
    dtype = model.dtype
    mask = torch.stack(masks)[:, None].to(dtype)
    mask = (1.0 - mask) * torch.finfo(dtype).min
    # The column whose output predicts each continuation token.
    sources, start_col = [], width
    for cont in continuations:
        sources.extend([width - 1] + list(range(start_col, start_col + len(cont) - 1)))
        start_col += len(cont)
    with torch.inference_mode():
        hidden = model.base_model(
            input_ids=input_ids, attention_mask=mask, position_ids=positions, use_cache=False
        ).last_hidden_state
        logits = model.get_output_embeddings()(hidden[:, sources]).float()
        columns = torch.arange(len(tail), device=device)
        token_logprobs = logits.log_softmax(-1)[:, columns, torch.tensor(tail, device=device)]
        sums = torch.zeros((len(prompts), len(continuations)), device=device)
        sums.index_add_(1, segment[width:], token_logprobs)
    return sums.tolist()


def _as_list(value: Union[int, Sequence[int], None]) -> List[int]:
    if value is None:
        return []
    return [value] if isinstance(value, int) else list(value)


def _until(row: Ids, stop: set) -> Ids:
    for i, token in enumerate(row):
        if token in stop:
            return row[:i]
    return row
