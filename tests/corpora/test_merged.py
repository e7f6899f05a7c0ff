import random
from collections import Counter
from itertools import islice

import pytest
import spacy
from spacy.tokens import DocBin
from spacy.training.loop import create_train_batches
from spacy.util import minibatch, registry
from thinc.api import Config

from spacy_biolm.annotations import (
    SOURCE_ATTR,
    SPANS_KEY,
    get_annotated_labels,
    set_annotated_labels,
)
from spacy_biolm.corpora.merged import MergedCorpus, draw, find_spacy_files

# corpus name -> (number of docs, annotated labels); "" writes docs without a source
CORPORA = {"big": (40, ["Gene"]), "small": (4, ["Species"]), "": (6, None)}


@pytest.fixture
def nlp():
    return spacy.blank("en")


@pytest.fixture
def corpus_dir(tmp_path, nlp):
    for name, (n, labels) in CORPORA.items():
        docbin = DocBin(store_user_data=True)
        for i in range(n):
            doc = nlp.make_doc(f"{name or 'plain'} doc {i} mentions BRCA1")
            span = doc.char_span(len(doc.text) - 5, len(doc.text), label="Gene")
            doc.spans[SPANS_KEY] = [span]
            doc.ents = [span]
            set_annotated_labels(doc, labels)
            doc._.set(SOURCE_ATTR, name or None)
            docbin.add(doc)
        (tmp_path / (name or "plain")).mkdir()
        docbin.to_disk(tmp_path / (name or "plain") / "train.spacy")
    return tmp_path


def corpus_of(example):
    return example.reference._.biolm_source or "plain"


def test_find_spacy_files(corpus_dir):
    by_glob = find_spacy_files([str(corpus_dir / "*" / "train.spacy")])
    assert [path.parent.name for path in by_glob] == ["big", "plain", "small"]
    assert find_spacy_files([corpus_dir]) == by_glob
    both = [str(corpus_dir / "small" / "train.spacy"), str(corpus_dir / "big")]
    assert [path.parent.name for path in find_spacy_files(both)] == ["small", "big"]
    with pytest.raises(ValueError, match="E1076"):
        find_spacy_files([str(corpus_dir / "*" / "dev.spacy")])


def test_default_weights_follow_the_temperature(corpus_dir, nlp):
    reader = MergedCorpus([str(corpus_dir)])
    # sizes in tokens: every fixture doc has 5
    sizes = reader.corpus_sizes(nlp)
    assert sizes == {"big": 200, "small": 20, str(corpus_dir / "plain" / "train.spacy"): 30}
    p = reader.probabilities({"big": 400, "small": 4})
    assert p["big"] / p["small"] == pytest.approx(10.0)
    assert MergedCorpus([str(corpus_dir)], temperature=1.0).probabilities(
        {"big": 30, "small": 10}
    ) == pytest.approx({"big": 0.75, "small": 0.25})
    assert MergedCorpus([str(corpus_dir)], temperature=0.0).probabilities(
        {"big": 30, "small": 10}
    ) == pytest.approx({"big": 0.5, "small": 0.5})


def test_explicit_weights_must_name_every_corpus(corpus_dir, nlp):
    reader = MergedCorpus([str(corpus_dir)], weights={"big": 1.0, "small": 3.0})
    with pytest.raises(ValueError, match="E1077"):
        list(reader(nlp))
    plain = str(corpus_dir / "plain" / "train.spacy")
    reader = MergedCorpus([str(corpus_dir)], weights={"big": 1.0, "small": 3.0, plain: 0.0})
    with pytest.warns(UserWarning, match="W1021"):
        counts = Counter(corpus_of(eg) for eg in reader(nlp))
    # 250 tokens: a quarter (62.5) to big, three quarters (187.5) to small
    assert counts == {"big": 13, "small": 38}
    with pytest.raises(ValueError, match="E1078"):
        MergedCorpus([str(corpus_dir)], weights={"big": -1.0})
    with pytest.raises(ValueError, match="E1078"):
        list(MergedCorpus([str(corpus_dir)], weights={"big": 0, "small": 0, plain: 0})(nlp))
    with pytest.raises(ValueError, match="E1079"):
        MergedCorpus([str(corpus_dir)], mode="test")


def tokens_by_corpus(examples):
    counts = Counter()
    for eg in examples:
        counts[corpus_of(eg)] += len(eg.reference)
    return counts


def test_train_mode_shares_tokens_and_upsamples_small_corpora(corpus_dir, nlp):
    reader = MergedCorpus([str(corpus_dir / "*" / "train.spacy")], temperature=0.5)
    examples = list(reader(nlp))
    shares = reader.probabilities({"big": 200, "small": 20, "plain": 30})
    for name, tokens in tokens_by_corpus(examples).items():
        # each corpus fills its share of the 250 tokens, overshooting by < 1 doc
        assert 0 <= tokens - shares[name] * 250 < 5, name
    small = Counter(eg.reference.text for eg in examples if corpus_of(eg) == "small")
    assert sum(small.values()) == 10  # 4 docs upsampled, in reshuffled passes
    assert max(small.values()) - min(small.values()) <= 1


def test_draw_fills_a_token_share_in_whole_passes(nlp):
    docs = [nlp.make_doc(" ".join(["w"] * n)) for n in (1, 2, 3, 4)]  # 10 tokens
    rng = random.Random(0)
    assert draw(docs, 0, rng) == []
    drawn = draw(docs, 25, rng)
    assert sum(len(doc) for doc in drawn) >= 25
    assert sum(len(doc) for doc in drawn[:-1]) < 25
    # two whole passes (20 tokens) come first, each doc once per pass
    assert sorted(map(len, drawn[:4])) == sorted(map(len, drawn[4:8])) == [1, 2, 3, 4]


def test_train_mode_is_reproducible_and_reshuffled_per_epoch(corpus_dir, nlp):
    paths = [str(corpus_dir)]

    def texts(reader):
        return [eg.reference.text for eg in reader(nlp)]

    first = MergedCorpus(paths, seed=1)
    epoch_0, epoch_1 = texts(first), texts(first)
    assert epoch_0 == texts(MergedCorpus(paths, seed=1))
    assert epoch_0 != epoch_1
    assert epoch_0 != texts(MergedCorpus(paths, seed=2))
    # the stream is interleaved, not corpus after corpus
    assert len({text.split()[0] for text in epoch_0[:10]}) > 1


def test_limit_and_epoch_tokens(corpus_dir, nlp):
    assert len(list(MergedCorpus([str(corpus_dir)], limit=7)(nlp))) == 7
    examples = list(MergedCorpus([str(corpus_dir)], epoch_tokens=600)(nlp))
    assert 600 <= sum(len(eg.reference) for eg in examples) < 600 + 3 * 5
    assert len(list(MergedCorpus([str(corpus_dir)], mode="dev", limit=3)(nlp))) == 3


def test_dev_mode_reads_every_doc_once_in_order(corpus_dir, nlp):
    reader = MergedCorpus([str(corpus_dir / "small"), str(corpus_dir / "big")], mode="dev")
    examples = list(reader(nlp))
    assert [eg.reference.text for eg in examples] == [
        f"{name} doc {i} mentions BRCA1"
        for name in ("small", "big")
        for i in range(CORPORA[name][0])
    ]
    assert {corpus_of(eg) for eg in examples[:4]} == {"small"}


def test_examples_keep_the_reference_annotations(corpus_dir, nlp):
    (example, *_) = MergedCorpus([str(corpus_dir / "small")], mode="dev")(nlp)
    assert example.predicted.text == example.reference.text
    assert not example.predicted.ents
    assert example.predicted is not example.reference
    # DocBin round trip of the user_data: annotated labels (a tuple after msgpack,
    # hence the contract's getter) and the source survive
    assert get_annotated_labels(example.reference) == ["Species"]
    assert example.reference._.biolm_source == "small"
    assert [span.text for span in example.reference.spans[SPANS_KEY]] == ["BRCA1"]
    assert [ent.label_ for ent in example.reference.ents] == ["Gene"]


@pytest.mark.parametrize("max_epochs", [-1, 2])
def test_works_in_spacys_training_loop(corpus_dir, nlp, max_epochs):
    reader = MergedCorpus([str(corpus_dir)])
    batches = create_train_batches(
        nlp, reader, lambda examples: minibatch(examples, size=1000), max_epochs
    )
    (epoch_0, first), (epoch_1, second) = islice(batches, 2)
    assert (epoch_0, epoch_1) == (0, 1)
    first_texts = sorted(eg.reference.text for eg in first)
    second_texts = sorted(eg.reference.text for eg in second)
    if max_epochs == -1:
        # streamed: the reader is called every epoch and draws a fresh sample
        assert reader.epoch == 2
        assert first_texts != second_texts
    else:
        # spaCy reads the sample once and reshuffles it every epoch
        assert reader.epoch == 1
        assert first_texts == second_texts


def test_resolves_from_a_config(corpus_dir):
    config = Config().from_str(
        f"""
        [corpora]

        [corpora.train]
        @readers = "spacy-biolm.MergedCorpus.v1"
        paths = ["{corpus_dir}/*/train.spacy"]
        temperature = 0.5
        seed = 3

        [corpora.dev]
        @readers = "spacy-biolm.MergedCorpus.v1"
        paths = "{corpus_dir}"
        mode = "dev"
        """
    )
    corpora = registry.resolve(config)["corpora"]
    assert isinstance(corpora["train"], MergedCorpus)
    assert corpora["train"].seed == 3
    assert corpora["dev"].mode == "dev"
    assert len(corpora["dev"].files) == 3
