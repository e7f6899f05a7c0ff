"""biolm_transformer: windows planned in wordpieces give every token features and
never exceed the encoder's limit, whatever the document length."""

import numpy
import pytest
import spacy

from spacy_biolm.transformer.windows import plan_windows

LONG_TEXT = (
    "Selegiline-induced postural hypotension in Parkinson's disease patients treated "
    "with 2,3,7,8-tetrachlorodibenzo-p-dioxin and IL-2-dependent (TNF)alpha. "
)


def _covered(windows, n_tokens):
    covered = numpy.zeros(n_tokens, dtype=bool)
    for start, end in windows:
        covered[start:end] = True
    return covered.all()


def test_plan_windows_whole_doc_when_it_fits():
    assert plan_windows([1, 2, 3], budget=6, overlap=2) == [(0, 3)]
    assert plan_windows([], budget=6, overlap=2) == []


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("budget,overlap", [(16, 4), (30, 0), (510, 128)])
def test_plan_windows_cover_fit_and_overlap(seed, budget, overlap):
    counts = numpy.random.default_rng(seed).integers(0, 6, size=2000).tolist()
    windows = plan_windows(counts, budget=budget, overlap=overlap)
    assert _covered(windows, len(counts))
    for (start, end), (next_start, next_end) in zip(windows, windows[1:]):
        assert next_start > start and next_end > end
        assert sum(counts[next_start:end]) <= overlap
    assert all(sum(counts[s:e]) <= budget for s, e in windows)


def test_plan_windows_oversize_token_gets_its_own_window():
    windows = plan_windows([1, 1, 50, 1, 1], budget=10, overlap=2)
    assert _covered(windows, 5)
    assert (2, 3) in windows


def _make_nlp(encoder_dir, **model_config):
    nlp = spacy.blank("en")
    config = {"model": {"name": str(encoder_dir), **model_config}}
    nlp.add_pipe("biolm_transformer", config=config)
    nlp.initialize()
    return nlp


@pytest.fixture(scope="module")
def trf_nlp(tiny_bert_dir):
    return _make_nlp(tiny_bert_dir)


def _window_lengths(doc):
    return doc._.trf_data.wordpieces.lengths


def test_abstract_is_one_window(trf_nlp):
    doc = trf_nlp(LONG_TEXT)
    assert len(_window_lengths(doc)) == 1


def test_long_document_every_token_gets_features(trf_nlp):
    text = LONG_TEXT * 200  # about 30,000 characters
    assert len(text) > 30_000
    doc = trf_nlp(text)
    data = doc._.trf_data
    lengths = _window_lengths(doc)
    assert len(lengths) > 1
    assert max(lengths) <= 512
    aligned = data.align.lengths
    non_space = numpy.array([not token.is_space for token in doc])
    assert (aligned[non_space] > 0).all()
    assert numpy.isfinite(data.tensors[0]).all()


def test_windows_fit_when_counted_by_the_real_tokenizer(trf_nlp):
    text = LONG_TEXT * 60
    doc = trf_nlp.make_doc(text)
    model = trf_nlp.get_pipe("biolm_transformer").model
    spans = model.attrs["get_spans"]([doc])[0]
    assert len(spans) > 1
    real = [len(model.tokenizer(span.text)["input_ids"]) for span in spans]
    assert max(real) <= 512
    # For WordPiece the per-token counts are exact: windows are filled, not guessed.
    assert max(real) >= 512 - 20
    assert spans[0].start == 0 and spans[-1].end == len(doc)


def test_max_length_is_configurable(tiny_bert_dir):
    nlp = _make_nlp(tiny_bert_dir, max_length=64, get_spans={"overlap": 16})
    doc = nlp(LONG_TEXT * 10)
    assert max(_window_lengths(doc)) <= 64
    assert (doc._.trf_data.align.lengths[[not t.is_space for t in doc]] > 0).all()


def test_position_embeddings_cap_the_limit(tmp_path):
    from spacy_biolm.testing import build_random_bert

    encoder = build_random_bert(tmp_path / "short", max_position_embeddings=100)
    nlp = _make_nlp(encoder, get_spans={"overlap": 16})
    doc = nlp(LONG_TEXT * 10)
    assert max(_window_lengths(doc)) <= 100


def test_overlap_too_large_is_a_clear_error_at_initialize(tiny_bert_dir):
    with pytest.raises(ValueError, match="E1002"):
        _make_nlp(tiny_bert_dir, max_length=64, get_spans={"overlap": 40})


def test_uninitialized_transformer_is_a_clear_error(tiny_bert_dir):
    nlp = spacy.blank("en")
    nlp.add_pipe("biolm_transformer", config={"model": {"name": str(tiny_bert_dir)}})
    model = nlp.get_pipe("biolm_transformer").model
    with pytest.raises(ValueError, match="E1000"):
        model.attrs["get_spans"]([nlp.make_doc("text")])


def test_empty_and_whitespace_docs(trf_nlp):
    assert len(trf_nlp("")._.trf_data.tensors) == 0
    for text in ("   ", "\n\n", "  \n "):
        doc = trf_nlp(text)
        # Whitespace tokens have no wordpieces, but every token is still aligned.
        assert len(doc._.trf_data.align.lengths) == len(doc)
        assert doc._.trf_data.align.lengths.sum() == 0


def test_round_trip_gives_identical_features(trf_nlp, tmp_path):
    trf_nlp.to_disk(tmp_path / "nlp")
    reloaded = spacy.load(tmp_path / "nlp")
    text = LONG_TEXT * 30
    expected = trf_nlp(text)._.trf_data
    got = reloaded(text)._.trf_data
    assert got.wordpieces.lengths == expected.wordpieces.lengths
    numpy.testing.assert_allclose(got.tensors[0], expected.tensors[0], rtol=1e-5, atol=1e-6)
