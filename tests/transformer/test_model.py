"""`spacy-biolm.TransformerModel.v1`: spacy-transformers' model and forward, with a
length-grouped encoder layer; it saves, loads and copies with identical output."""

import numpy
import pytest
import spacy
from spacy.util import registry
from spacy_transformers.layers import TransformerModel, transformer_model

from spacy_biolm.transformer.model import BioLMTransformerModel, build_transformer_model_v1

TEXTS = [
    "Aspirin.",
    "Selegiline-induced postural hypotension in Parkinson's disease patients.",
    "IL-2-dependent (TNF)alpha production in T cells " * 6,
    "",
    "Cisplatin nephrotoxicity.",
]


def _nlp(encoder_dir, **model_config):
    nlp = spacy.blank("en")
    nlp.add_pipe("biolm_transformer", config={"model": {"name": str(encoder_dir), **model_config}})
    nlp.initialize()
    return nlp


def _model(nlp):
    return nlp.get_pipe("biolm_transformer").model


def _hidden(model, docs):
    """The encoder output on the attended wordpieces of each window."""
    out = model.predict(docs)
    hidden = numpy.asarray(out.model_output.last_hidden_state)
    lengths = numpy.asarray(out.wordpieces.attention_mask).sum(axis=1).astype(int)
    return [hidden[row, :length] for row, length in enumerate(lengths)]


def _count_calls(model):
    calls = []
    model.transformer.register_forward_pre_hook(lambda module, args: calls.append(1))
    return calls


def _assert_same(got, expected):
    assert len(got) == len(expected)
    for x, y in zip(got, expected):
        numpy.testing.assert_array_equal(x, y)


@pytest.fixture(scope="module")
def nlp(tiny_bert_dir):
    return _nlp(tiny_bert_dir, group_overhead=0)


@pytest.fixture(scope="module")
def expected(nlp):
    return _hidden(_model(nlp), [nlp.make_doc(text) for text in TEXTS])


def test_model_is_spacy_transformers_model_with_its_forward(nlp):
    model = _model(nlp)
    assert isinstance(model, TransformerModel)
    assert model._func is transformer_model.forward
    assert model.tokenizer is not None and model.transformer is not None


def test_to_disk_and_spacy_load_give_the_same_grouped_output(nlp, expected, tmp_path):
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    model = _model(loaded)
    assert isinstance(model, BioLMTransformerModel)
    calls = _count_calls(model)
    _assert_same(_hidden(model, [loaded.make_doc(text) for text in TEXTS]), expected)
    assert len(calls) > 1


def test_to_bytes_from_bytes_give_the_same_output(nlp, expected):
    loaded = spacy.util.load_model_from_config(nlp.config, auto_fill=False)
    loaded.from_bytes(nlp.to_bytes())
    model = _model(loaded)
    assert model.layers[0].attrs["group_overhead"] == 0
    _assert_same(_hidden(model, [loaded.make_doc(text) for text in TEXTS]), expected)


def test_loads_weights_saved_by_the_stock_model(nlp, tiny_bert_dir):
    """Pipelines saved before the encoder layer was grouped hold spacy-transformers'
    own model tree: their weights load."""
    get_spans = registry.span_getters.get("spacy-transformers.strided_spans.v1")(
        window=64, stride=48
    )
    stock = TransformerModel(str(tiny_bert_dir), get_spans, {"use_fast": True}, {})
    stock.initialize()
    ours = _model(spacy.util.load_model_from_config(nlp.config, auto_fill=False))
    ours.from_bytes(stock.to_bytes())
    assert ours.attrs["has_transformer"]
    state, stock_state = ours.transformer.state_dict(), stock.transformer.state_dict()
    assert state.keys() == stock_state.keys()
    for key in state:
        numpy.testing.assert_array_equal(state[key].numpy(), stock_state[key].numpy())


def test_copy_is_independent_and_grouped(nlp, expected):
    model = _model(nlp)
    copied = model.copy()
    assert isinstance(copied, BioLMTransformerModel) and copied.id != model.id
    assert copied.get_dim("nO") == model.get_dim("nO")
    assert copied.attrs["get_spans"] is not model.attrs["get_spans"]
    calls = _count_calls(copied)
    docs = [nlp.make_doc(text) for text in TEXTS]
    _assert_same(_hidden(copied, docs), expected)
    assert len(calls) > 1
    # The copy owns its weights: changing the original leaves it as it was.
    original_weights = dict(model.transformer.named_parameters())
    try:
        for param in original_weights.values():
            param.data.add_(1.0)
        _assert_same(_hidden(copied, docs), expected)
    finally:
        for param in original_weights.values():
            param.data.sub_(1.0)


def test_mixed_precision_is_not_switched_off_by_an_earlier_model(tiny_bert_dir):
    """The grad scaler settings default to a shared dict: building one model must
    not write into it and decide the next model's gradient scaling."""
    get_spans = registry.span_getters.get("spacy-biolm.wordpiece_windows.v1")
    build_transformer_model_v1(str(tiny_bert_dir), get_spans(), {}, {}, mixed_precision=False)
    model = build_transformer_model_v1(
        str(tiny_bert_dir), get_spans(), {}, {}, mixed_precision=True
    )
    assert model.layers[0].shims[0]._grad_scaler._enabled
