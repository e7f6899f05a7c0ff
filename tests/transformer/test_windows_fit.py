"""biolm_transformer windows against the encoder's own tokenization: every token gets
features and no window is truncated, whatever the text, the stream, the threads or
the encoder (issue 15: items 1, 2, 8, 9; issue 10: item 9)."""

import json
import logging
import shutil
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy
import pytest
import spacy
from spacy.tokens import Doc
from spacy.vocab import Vocab

from spacy_biolm.testing import SEED_TEXT, build_random_bert
from spacy_biolm.transformer.windows import fit_windows

MAX_LENGTH = 64
OVERLAP = 16
SENTENCE = "Naloxone reverses the antihypertensive effect of clonidine in rats."


def _make_nlp(encoder_dir, *, max_length=MAX_LENGTH, use_fast=True):
    nlp = spacy.blank("en")
    model = {
        "name": str(encoder_dir),
        "max_length": max_length,
        "get_spans": {"overlap": OVERLAP},
        "tokenizer_config": {"use_fast": use_fast},
    }
    nlp.add_pipe("biolm_transformer", config={"model": model})
    nlp.initialize()
    return nlp


def _model(nlp):
    return nlp.get_pipe("biolm_transformer").model


def _windows(nlp, docs):
    return _model(nlp).attrs["get_spans"](docs)


def _real_lengths(nlp, spans):
    """Wordpieces of each window as the encoder gets it (special tokens included)."""
    return [len(_model(nlp).tokenizer(span.text)["input_ids"]) for span in spans]


def _should_have_pieces(tokenizer, doc):
    """Brute force, independent of the windows: a token should get features when
    the untruncated tokenization of the whole text has a piece overlapping it
    (whitespace and characters the tokenizer drops have none)."""
    expected = numpy.zeros(len(doc), dtype=bool)
    encoding = tokenizer(doc.text, add_special_tokens=False, return_offsets_mapping=True)
    starts = numpy.array([token.idx for token in doc])
    ends = starts + numpy.array([len(token) for token in doc])
    for begin, finish in encoding["offset_mapping"]:
        if finish > begin:
            expected |= (starts < finish) & (ends > begin)
    return expected


def _assert_every_token_has_features(docs, fast_tokenizer):
    for doc in docs:
        aligned = doc._.trf_data.align.lengths
        assert len(aligned) == len(doc)
        expected = _should_have_pieces(fast_tokenizer, doc)
        missing = [doc[i].text for i in numpy.flatnonzero(expected & (aligned == 0))]
        assert missing == [], f"tokens without features in {doc.text[:60]!r}"


def _assert_windows_fit(nlp, docs):
    for doc, spans in zip(docs, _windows(nlp, docs)):
        assert spans[0].start == 0 and spans[-1].end == len(doc)
        for span, length in zip(spans, _real_lengths(nlp, spans)):
            # Only a window of a single token longer than the limit may exceed it.
            assert length <= MAX_LENGTH or len(span) == 1, (length, span.text[:60])
        for before, after in zip(spans, spans[1:]):
            assert after.start <= before.end < after.end


@pytest.fixture(scope="module")
def nlp(tiny_bert_dir):
    return _make_nlp(tiny_bert_dir)


@pytest.fixture(scope="module")
def fast_tokenizer(tiny_bert_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(tiny_bert_dir))


# Item 2: windows are measured the way the encoder tokenizes them.


@pytest.mark.parametrize("seed", range(20))
def test_fit_windows_follow_the_measure_not_the_estimates(seed):
    rng = numpy.random.default_rng(seed)
    n_tokens = int(rng.integers(1, 400))
    estimates = rng.integers(0, 6, size=n_tokens)
    # The truth differs from the estimates per token, and a window that does not
    # start the doc costs a piece more (a word cut at its edge).
    truth = numpy.maximum(estimates + rng.integers(-1, 4, size=n_tokens), 0)

    def measure(windows):
        return [int(truth[s:e].sum()) + 2 + (s > 0) for s, e in windows]

    windows, lengths = fit_windows(estimates, budget=30, overlap=8, limit=32, measure=measure)
    assert lengths == measure(windows)
    assert windows[0][0] == 0 and windows[-1][1] == n_tokens
    for (start, end), (next_start, next_end) in zip(windows, windows[1:]):
        assert start < next_start <= end < next_end
        assert estimates[next_start:end].sum() <= 8
    for (start, end), length in zip(windows, lengths):
        assert length <= 32 or end - start == 1


def test_fit_windows_give_up_an_overlap_too_long_for_the_next_token():
    # Estimated 1 piece a token, really 4 in the middle: there 8 estimated pieces
    # of overlap are 32 real ones, and no token fits beside them.
    estimates = [1] * 80
    truth = numpy.array([1] * 10 + [4] * 60 + [1] * 10)

    def measure(windows):
        return [int(truth[s:e].sum()) + 2 for s, e in windows]

    windows, lengths = fit_windows(estimates, budget=30, overlap=8, limit=32, measure=measure)
    assert max(lengths) <= 32
    assert windows[0][0] == 0 and windows[-1][1] == 80
    for (start, end), (next_start, next_end) in zip(windows, windows[1:]):
        assert start < next_start <= end < next_end
    assert any(end == next_start for (_, end), (next_start, _) in zip(windows, windows[1:]))
    # Cut to the longest that fits, not to what the estimates call the excess.
    assert all(measure([(start, end + 1)])[0] > 32 for start, end in windows[:-1])


def test_doc_planned_as_one_window_that_tokenizes_longer(nlp, fast_tokenizer):
    # "20mg" alone is "20" (2 pieces) + "mg" (1); as one word it is 2 ##0 ##m ##g.
    assert len(fast_tokenizer("20", add_special_tokens=False)["input_ids"]) == 2
    assert len(fast_tokenizer("mg", add_special_tokens=False)["input_ids"]) == 1
    assert len(fast_tokenizer("20mg", add_special_tokens=False)["input_ids"]) == 4
    text = " ".join(["20mg"] * 20)  # 60 pieces counted per token, 80 + 2 in fact
    doc = nlp(text)
    assert len(doc) == 40
    assert (doc._.trf_data.align.lengths > 0).all()
    _assert_windows_fit(nlp, [doc])


# Degree signs and primes join digits into one word (20°04'S is one [UNK] in
# context); a word of over 100 characters is one [UNK]; a shorter long one splits
# into many pieces; unknown scripts are [UNK]; separators glue fragments together.
FRAGMENTS = [
    "20°04'S", "147°48′E", "5'-AGCTTGCA-3'", "Ca2+", "IL-2-dependent", "(TNF)alpha",
    "2,3,7,8-tetrachlorodibenzo-p-dioxin", "N-(4-hydroxyphenyl)acetamide", "20mg",
    "10mg/kg", "37°C", "α-synuclein", "β2-adrenergic", "μM", "Müller", "naïve", "中文",
    "Parkinson's", "patients'", "[PAD]", "[SEP]", "x1y2z3", "TNF-α", "≥", "±0.5",
    "hypotension", "the", "of", ".", ",", ";", "(", ")", "%", "1", "42", "3.14",
]  # fmt: skip
SEPARATORS = [" ", " ", " ", "", "", "\n", "  ", " - "]


def _random_text(rng, n_fragments):
    parts = []
    for _ in range(n_fragments):
        if rng.random() < 0.05:
            letters = rng.choice(list("acgtxyzk0123"), size=int(rng.integers(20, 130)))
            parts.append("".join(letters))
        else:
            parts.append(FRAGMENTS[rng.integers(len(FRAGMENTS))])
        parts.append(SEPARATORS[rng.integers(len(SEPARATORS))])
    return "".join(parts)


# Some random strings alone have more pieces than the limit (W1000).
@pytest.mark.filterwarnings("ignore:.*W1000")
@pytest.mark.parametrize("seed", range(3))
def test_random_docs_every_token_gets_features(nlp, fast_tokenizer, seed):
    rng = numpy.random.default_rng(seed)
    texts = [_random_text(rng, int(rng.integers(1, 400))) for _ in range(12)]
    docs = list(nlp.pipe(texts, batch_size=4))
    _assert_every_token_has_features(docs, fast_tokenizer)
    _assert_windows_fit(nlp, docs)


@pytest.mark.filterwarnings("ignore:.*W1000")
def test_random_docs_slow_tokenizer(tiny_bert_dir):
    slow_nlp = _make_nlp(tiny_bert_dir, use_fast=False)
    assert not _model(slow_nlp).tokenizer.is_fast
    rng = numpy.random.default_rng(7)
    texts = [_random_text(rng, int(rng.integers(1, 300))) for _ in range(6)]
    docs = list(slow_nlp.pipe(texts, batch_size=3))
    # Not every token is aligned here: spacy-transformers aligns the pieces of a
    # slow tokenizer by their strings, which fails for [UNK] and joined words.
    _assert_windows_fit(slow_nlp, docs)


# LINNAEUS full texts: long, with coordinates, temperatures and Greek letters. With
# a vocabulary of whole words (as real encoders have) planning from per-token counts
# made 4 windows of 65 and 66 pieces in pmcA147033.
LINNAEUS_DOCS = ["pmcA2367482.txt", "pmcA335194.txt", "pmcA147033.txt"]


def test_real_full_texts_every_token_gets_features(corpora_dir, tmp_path):
    from transformers import AutoTokenizer

    folder = corpora_dir / "linnaeus" / "txt"
    texts = [(folder / name).read_text(encoding="utf8") for name in LINNAEUS_DOCS]
    encoder = build_random_bert(tmp_path / "words", texts=texts, vocab_size=4000)
    words_nlp = _make_nlp(encoder)
    docs = list(words_nlp.pipe(texts))
    assert all(len(doc._.trf_data.wordpieces.lengths) > 20 for doc in docs)
    _assert_every_token_has_features(docs, AutoTokenizer.from_pretrained(str(encoder)))
    _assert_windows_fit(words_nlp, docs)


# Item 1: no cache can make a lookup fail, in a long stream or between threads.


def _distinct_words(first, n, prefix="q"):
    return [f"{prefix}{i:x}" for i in range(first, first + n)]


def test_stream_of_many_distinct_strings_then_a_sentence(tiny_bert_dir):
    stream_nlp = _make_nlp(tiny_bert_dir, max_length=512)
    get_spans = _model(stream_nlp).attrs["get_spans"]
    # Cheap to make and to tokenize: a blank vocab has no lexical attributes to
    # compute, a word with a letter outside the vocabulary is one [UNK], and a doc
    # of 500 of them is one window.
    vocab = Vocab()
    common = ["the", "of", "cells"]
    per_doc, n_docs, batch_size = 500, 1040, 65  # 509,600 distinct strings
    for batch_start in range(0, n_docs, batch_size):
        docs = []
        for i in range(batch_start, batch_start + batch_size):
            words = _distinct_words(i * per_doc, per_doc, prefix="ж")
            words[::50] = [common[j % 3] for j in range(len(words[::50]))]
            docs.append(Doc(vocab, words=words))
        windows = [[(s.start, s.end) for s in spans] for spans in get_spans(docs)]
        assert windows == [[(0, per_doc)]] * batch_size
    doc = stream_nlp(SENTENCE)
    assert [(span.start, span.end) for span in get_spans([doc])[0]] == [(0, len(doc))]
    assert (doc._.trf_data.align.lengths > 0).all()


def _signature(doc):
    """Windows, alignment and the features of every attended wordpiece."""
    data = doc._.trf_data
    attended = data.wordpieces.attention_mask.astype(bool)
    ids = data.wordpieces.input_ids[attended].tolist()
    return ids, data.align.lengths.tolist(), data.tensors[0][attended]


def test_two_threads_sharing_one_nlp_match_one_thread(tiny_bert_dir, tmp_path):
    # thinc's PyTorchShim.predict puts the torch model back in train mode after
    # each call, so a forward pass that overlaps another runs with dropout: without
    # dropout the features must match too.
    encoder = Path(shutil.copytree(tiny_bert_dir, tmp_path / "no_dropout"))
    config = json.loads((encoder / "config.json").read_text())
    config.update(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    (encoder / "config.json").write_text(json.dumps(config))
    rng = numpy.random.default_rng(3)
    texts = [
        " ".join(_distinct_words(i * 300, 300, prefix="q")) + " " + _random_text(rng, 60)
        for i in range(24)
    ]
    shared = _make_nlp(encoder)
    # A bounded cache, where the getter keeps one, overflows every few docs here.
    get_spans = _model(shared).attrs["get_spans"]
    get_spans.max_cache_size = 1_000

    def run(nlp, half):
        return [_signature(doc) for doc in nlp.pipe(texts[half::2], batch_size=2)]

    one_thread = _make_nlp(encoder)
    expected = run(one_thread, 0) + run(one_thread, 1)
    with ThreadPoolExecutor(max_workers=2) as pool:
        halves = list(pool.map(run, [shared, shared], [0, 1]))
    got = halves[0] + halves[1]
    for (ids, align, tensor), (exp_ids, exp_align, exp_tensor) in zip(got, expected):
        assert ids == exp_ids and align == exp_align
        numpy.testing.assert_allclose(tensor, exp_tensor, rtol=1e-4, atol=1e-5)


# Item 9: a different encoder loaded into a used pipeline plans with its own pieces.


def test_loading_another_encoder_into_a_used_pipeline(tmp_path):
    words = SEED_TEXT.split()
    # Encoder A knows the words whole; encoder B knows little more than letters.
    rich = build_random_bert(tmp_path / "rich", vocab_size=2000)
    poor = build_random_bert(tmp_path / "poor", vocab_size=120)
    text = " ".join(words[:40])
    pipeline = _make_nlp(rich)
    assert len(_windows(pipeline, [pipeline.make_doc(text)])[0]) == 1
    pipeline(text)
    _make_nlp(poor).get_pipe("biolm_transformer").to_disk(tmp_path / "poor_trf")
    pipeline.get_pipe("biolm_transformer").from_disk(tmp_path / "poor_trf")
    expected = _windows(_make_nlp(poor), [pipeline.make_doc(text)])[0]
    assert len(expected) > 1  # the poor vocabulary needs several windows
    doc = pipeline(text)
    got = _windows(pipeline, [doc])[0]
    assert [(s.start, s.end) for s in got] == [(s.start, s.end) for s in expected]
    assert (doc._.trf_data.align.lengths > 0).all()


# Item 8: RoBERTa-style encoders have two positions fewer than their table.


def _build_random_roberta(output_dir: Path, max_position_embeddings: int) -> Path:
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import RobertaConfig, RobertaModel, RobertaTokenizerFast

    output_dir.mkdir(parents=True)
    bpe = ByteLevelBPETokenizer()
    special = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    bpe.train_from_iterator([SEED_TEXT], vocab_size=400, special_tokens=special)
    bpe.save_model(str(output_dir))
    tokenizer = RobertaTokenizerFast(
        vocab_file=str(output_dir / "vocab.json"), merges_file=str(output_dir / "merges.txt")
    )
    tokenizer.save_pretrained(str(output_dir))
    config = RobertaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=max_position_embeddings,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    RobertaModel(config).save_pretrained(str(output_dir))
    return output_dir


def test_roberta_position_table_caps_the_limit(tmp_path, fast_tokenizer):
    # 66 embeddings, padding index 1: positions 2..65, so 64 usable.
    encoder = _build_random_roberta(tmp_path / "roberta", max_position_embeddings=66)
    roberta_nlp = _make_nlp(encoder, max_length=512)
    text = SEED_TEXT * 3
    doc = roberta_nlp(text)  # a window of 65 or 66 pieces indexes past the table
    lengths = doc._.trf_data.wordpieces.lengths
    assert len(lengths) > 1
    assert _model(roberta_nlp).tokenizer.model_max_length == 64
    spans = _windows(roberta_nlp, [doc])[0]
    assert max(_real_lengths(roberta_nlp, spans)) <= 64
    non_space = numpy.array([not token.is_space for token in doc])
    assert (doc._.trf_data.align.lengths[non_space] > 0).all()


# Issue 10, item 9: counting a long document's pieces truncates nothing, so
# transformers' "sequence length is longer than the maximum" must not be logged.


def test_counting_a_long_doc_logs_no_sequence_length_warning(tiny_bert_dir):
    quiet_nlp = _make_nlp(tiny_bert_dir)
    records = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    hf_logger = logging.getLogger("transformers")
    hf_logger.addHandler(handler)
    try:
        # A long document, with a token that alone has more pieces than the limit.
        doc = quiet_nlp.make_doc(SEED_TEXT * 5 + " " + "acgt" * 24)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # W1000: the long token
            _windows(quiet_nlp, [doc])
    finally:
        hf_logger.removeHandler(handler)
    assert [r.getMessage() for r in records if "sequence length" in r.getMessage()] == []
