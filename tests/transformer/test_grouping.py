"""Inference in length groups: the plan is optimal and complete, and the features
equal those of one padded call over the whole batch."""

import hashlib
import inspect
import itertools
import logging

import numpy
import pytest
import spacy
from spacy_transformers.layers import transformer_model

from spacy_biolm.transformer.grouping import plan_groups

TEXTS = [
    "Aspirin.",
    "Selegiline-induced postural hypotension in Parkinson's disease patients.",
    "IL-2-dependent (TNF)alpha production in T cells " * 6,
    "Ca2+ channels and 2,3,7,8-tetrachlorodibenzo-p-dioxin toxicity in mice. " * 12,
    "",
    "Cisplatin nephrotoxicity.",
]


def _cost(groups, lengths, overhead):
    return sum(overhead + len(g) * max(lengths[i] for i in g) for g in groups)


def _brute_force(lengths, overhead, max_pieces):
    """Least cost over every split of the sorted rows into consecutive groups."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    best = float("inf")
    for n_cuts in range(len(order)):
        for cuts in itertools.combinations(range(1, len(order)), n_cuts):
            bounds = [0, *cuts, len(order)]
            groups = [order[a:b] for a, b in zip(bounds, bounds[1:])]
            fits = (
                len(g) == 1 or len(g) * max(lengths[i] for i in g) <= max_pieces for g in groups
            )
            if all(fits):
                best = min(best, _cost(groups, lengths, overhead))
    return best


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("overhead", [0, 16, 200])
def test_plan_is_complete_and_optimal(seed, overhead):
    lengths = numpy.random.default_rng(seed).integers(1, 512, size=7).tolist()
    groups = plan_groups(lengths, overhead, max_pieces=1500)
    assert sorted(i for g in groups for i in g) == list(range(len(lengths)))
    assert all(len(g) == 1 or len(g) * max(lengths[i] for i in g) <= 1500 for g in groups)
    assert _cost(groups, lengths, overhead) == _brute_force(lengths, overhead, 1500)


def test_plan_extremes():
    lengths = [300, 100, 300, 100]
    assert plan_groups(lengths, overhead=0, max_pieces=10_000) == [[1, 3], [0, 2]]
    assert plan_groups(lengths, overhead=10**9, max_pieces=10_000) == [[1, 3, 0, 2]]
    # A row longer than the memory bound still runs, alone.
    assert plan_groups([600, 10], overhead=10**9, max_pieces=512) == [[1], [0]]
    assert plan_groups([], overhead=16, max_pieces=512) == []


def _nlp(encoder_dir, **model_config):
    nlp = spacy.blank("en")
    nlp.add_pipe("biolm_transformer", config={"model": {"name": str(encoder_dir), **model_config}})
    nlp.initialize()
    return nlp


def _encoder_calls(nlp):
    """Record (rows, width) of every call into the HF model."""
    model = nlp.get_pipe("biolm_transformer").model.transformer
    calls = []
    forward = model.forward

    def recording(*args, **kwargs):
        calls.append(tuple(kwargs["input_ids"].shape))
        return forward(*args, **kwargs)

    model.forward = recording
    return calls


def _twins(encoder_dir, **model_config):
    """The same weights, grouped (overhead 0) and as one padded call."""
    grouped = _nlp(encoder_dir, group_overhead=0, **model_config)
    single = _nlp(encoder_dir, group_overhead=10**9, **model_config)
    single.get_pipe("biolm_transformer").model.transformer.load_state_dict(
        grouped.get_pipe("biolm_transformer").model.transformer.state_dict()
    )
    return grouped, single


@pytest.mark.parametrize("transformer_config", [{}, {"output_hidden_states": True}])
def test_grouped_outputs_equal_one_padded_call(tiny_bert_dir, transformer_config):
    grouped, single = _twins(tiny_bert_dir, transformer_config=transformer_config)
    grouped_calls, single_calls = _encoder_calls(grouped), _encoder_calls(single)
    docs = [grouped.make_doc(text) for text in TEXTS]
    out_a = grouped.get_pipe("biolm_transformer").model.predict(docs)
    out_b = single.get_pipe("biolm_transformer").model.predict(docs)
    assert len(single_calls) == 1 and len(grouped_calls) > 1
    padded = sum(rows * width for rows, width in grouped_calls)
    assert padded < single_calls[0][0] * single_calls[0][1]
    assert out_a.wordpieces.lengths == out_b.wordpieces.lengths
    assert list(out_a.model_output.keys()) == list(out_b.model_output.keys())
    for key in out_a.model_output:
        _assert_same_unpadded(out_a.model_output[key], out_b.model_output[key], out_a)
    if transformer_config:
        assert len(out_a.model_output["hidden_states"]) == 3  # embeddings + 2 layers


def test_grouped_doc_features_equal_one_padded_call(tiny_bert_dir):
    grouped, single = _twins(tiny_bert_dir)
    for a, b in zip(grouped.pipe(TEXTS, batch_size=6), single.pipe(TEXTS, batch_size=6)):
        assert a._.trf_data.wordpieces.lengths == b._.trf_data.wordpieces.lengths
        if len(a):
            _assert_same_unpadded(
                a._.trf_data.model_output.last_hidden_state,
                b._.trf_data.model_output.last_hidden_state,
                a._.trf_data,
            )


def _assert_same_unpadded(x, y, data):
    """Equal on real wordpieces; padding is zeros in one and garbage in the other."""
    if isinstance(x, tuple):
        assert len(x) == len(y)
        for layer_x, layer_y in zip(x, y):
            _assert_same_unpadded(layer_x, layer_y, data)
        return
    x, y = numpy.asarray(x), numpy.asarray(y)
    assert x.shape[0] == y.shape[0] == len(data.wordpieces.lengths)
    if x.ndim == 2:  # pooler output: one row per window
        numpy.testing.assert_allclose(x, y, rtol=1e-4, atol=1e-5)
        return
    for row, length in enumerate(data.wordpieces.lengths):
        numpy.testing.assert_allclose(x[row, :length], y[row, :length], rtol=1e-4, atol=1e-5)


def test_training_keeps_one_call(tiny_bert_dir):
    nlp = _nlp(tiny_bert_dir, group_overhead=0)
    calls = _encoder_calls(nlp)
    docs = [nlp.make_doc(text) for text in TEXTS if text]
    nlp.get_pipe("biolm_transformer").model.begin_update(docs)
    assert len(calls) == 1


def test_outputs_it_cannot_reassemble_fall_back_to_one_call(tiny_bert_dir):
    grouped, single = _twins(tiny_bert_dir, transformer_config={"output_attentions": True})
    calls = _encoder_calls(grouped)
    docs = [grouped.make_doc(text) for text in TEXTS]
    out_a = grouped.get_pipe("biolm_transformer").model.predict(docs)
    out_b = single.get_pipe("biolm_transformer").model.predict(docs)
    assert calls[-1] == tuple(out_b.wordpieces.input_ids.shape)  # the whole batch, once more
    assert len(calls) == 2  # the first group, then the fallback
    for x, y in zip(out_a.model_output["attentions"], out_b.model_output["attentions"]):
        numpy.testing.assert_allclose(x, y, rtol=1e-4, atol=1e-5)


# Texts holding the tokenizer's special-token strings: the tokenizer maps them to the
# special ids, so they read as "[PAD]" among the wordpiece strings while the
# attention mask marks them as real input.
SPECIAL_TEXTS = [
    "Aspirin [PAD] induced [SEP] hepatitis [CLS] in patients.",
    "[PAD] " * 30 + "cisplatin nephrotoxicity",
    "Selegiline-induced postural hypotension [PAD] in Parkinson's disease patients.",
    "[SEP] [CLS] [PAD]",
    "Aspirin.",
]


def _mask_lengths(data):
    """Real wordpieces per row: what the encoder attends to."""
    return numpy.asarray(data.wordpieces.attention_mask).sum(axis=1).astype(int).tolist()


def _assert_equal_on_mask(out_a, out_b, atol=1e-5):
    x = numpy.asarray(out_a.model_output.last_hidden_state)
    y = numpy.asarray(out_b.model_output.last_hidden_state)
    assert x.shape == y.shape
    for row, length in enumerate(_mask_lengths(out_b)):
        numpy.testing.assert_allclose(x[row, :length], y[row, :length], rtol=1e-5, atol=atol)


def test_full_width_window_keeps_grouping(tiny_bert_dir):
    """A window as wide as the encoder's limit must not switch grouping off for the
    rest of its batch (spacy-transformers' truncation rewrites every row's length
    to the limit once the batch is that wide)."""
    grouped, single = _twins(tiny_bert_dir)
    calls = _encoder_calls(grouped)
    # 510 one-piece words: one window of exactly 512 pieces with [CLS] and [SEP].
    texts = ["the " * 510, "Aspirin.", "Cisplatin nephrotoxicity.", "IL-2 in T cells. " * 3]
    docs = [grouped.make_doc(text) for text in texts]
    out_a = grouped.get_pipe("biolm_transformer").model.predict(docs)
    out_b = single.get_pipe("biolm_transformer").model.predict(docs)
    assert out_b.wordpieces.input_ids.shape == (4, 512)
    assert _mask_lengths(out_b)[0] == 512
    # The short windows run in calls narrower than the full-width one.
    assert len(calls) > 1 and min(width for _, width in calls) < 512
    assert sum(rows * width for rows, width in calls) < 4 * 512
    _assert_equal_on_mask(out_a, out_b)


def test_special_token_strings_in_text_are_not_padding(tiny_bert_dir):
    grouped, single = _twins(tiny_bert_dir)
    calls = _encoder_calls(grouped)
    docs = [grouped.make_doc(text) for text in SPECIAL_TEXTS]
    out_a = grouped.get_pipe("biolm_transformer").model.predict(docs)
    out_b = single.get_pipe("biolm_transformer").model.predict(docs)
    assert len(calls) > 1
    # Precondition: the texts really hold the pad id as attended input.
    pad_id = grouped.get_pipe("biolm_transformer").model.tokenizer.pad_token_id
    ids, mask = out_b.wordpieces.input_ids, out_b.wordpieces.attention_mask
    assert ((ids == pad_id) & (mask == 1)).sum() >= 30
    _assert_equal_on_mask(out_a, out_b)
    for a, b in zip(grouped.pipe(SPECIAL_TEXTS), single.pipe(SPECIAL_TEXTS)):
        numpy.testing.assert_allclose(_aligned(a), _aligned(b), rtol=1e-5, atol=1e-5)


def _aligned(doc):
    """The wordpiece vectors aligned to the doc's tokens, in token order."""
    hidden = numpy.asarray(doc._.trf_data.tensors[0])
    rows = numpy.asarray(doc._.trf_data.align.data).ravel()
    return hidden.reshape(-1, hidden.shape[-1])[rows]


# sha256 of `inspect.getsource` of spacy-transformers' TransformerModel forward
# (spacy-transformers 1.4). Length grouping lives in the layer that forward calls.
STOCK_FORWARD_SHA256 = "36cf9614a5f61b9e9e8e862bda9e2a0a3bb31a9b374e89038de83ec7fca25b4f"


def test_stock_forward_is_the_one_we_checked():
    source = inspect.getsource(transformer_model.forward)
    digest = hashlib.sha256(source.encode("utf8")).hexdigest()
    assert digest == STOCK_FORWARD_SHA256, (
        "spacy-transformers' TransformerModel forward changed. Re-check that it still "
        "calls model.layers[0](wordpieces, is_train) exactly once, with the whole "
        "batch after truncate_oversize_splits, and that its output is one padded "
        "ModelOutput; then update STOCK_FORWARD_SHA256 (spacy_biolm/transformer/"
        "grouping.py groups windows inside that call)."
    )


def test_stock_hooks_run_at_inference(tiny_bert_dir, monkeypatch):
    """The cache flush and the memory logging of spacy-transformers' forward run
    while the encoder calls are grouped."""
    nlp = _nlp(tiny_bert_dir, group_overhead=0)
    model = nlp.get_pipe("biolm_transformer").model
    flushes, logged = [], []
    monkeypatch.setattr(
        transformer_model, "maybe_flush_pytorch_cache", lambda chance: flushes.append(chance)
    )
    # Recorders in place of the loggers: spacy-transformers 1.4's log_batch_size
    # indexes a WordpieceBatch like a dict and fails.
    monkeypatch.setattr(
        transformer_model, "log_gpu_memory", lambda logger, context: logged.append(context)
    )
    monkeypatch.setattr(
        transformer_model,
        "log_batch_size",
        lambda logger, wordpieces, is_train: logged.append(wordpieces.input_ids.shape),
    )
    model.attrs["flush_cache_chance"] = 1.0
    model.attrs["logger"] = logging.getLogger("spacy_biolm.tests")
    calls = _encoder_calls(nlp)
    out = model.predict([nlp.make_doc(text) for text in TEXTS])
    assert flushes == [1.0]
    assert logged == [
        "begin forward",
        out.wordpieces.input_ids.shape,
        "after forward",
        "return from forward",
    ]
    assert len(calls) > 1
