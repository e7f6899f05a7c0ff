"""`biolm_ner` with its own copy of the transformer (spaCy's `replace_listeners`):
the pipeline predicts the same, saves and loads, and can be sourced elsewhere."""

import gc
import weakref

import numpy
import pytest
import spacy
from spacy.language import Language
from thinc.api import Config

from spacy_biolm.annotations import SPANS_KEY

TEXTS = [
    "Aspirin induced hepatitis in patients .",
    "",
    "BRCA1 deficiency was found in patients with diabetes .",
    "Cisplatin induced hypotension in patients .  ",
    "Hepatitis was induced in mice and rats by aspirin .",
]


def _output(nlp: Language):
    """Spans, entities and scores biolm_ner writes, and its head's probabilities."""
    docs = list(nlp.pipe(TEXTS))
    spans = [
        [(s.start, s.end, s.label_, round(s._.biolm_score, 5)) for s in doc.spans[SPANS_KEY]]
        for doc in docs
    ]
    ents = [[(e.start, e.end, e.label_) for e in doc.ents] for doc in docs]
    with nlp.select_pipes(disable=["biolm_ner"]):
        inputs = list(nlp.pipe(TEXTS))
    probs = nlp.get_pipe("biolm_ner").model.predict(inputs)
    return spans, ents, [numpy.asarray(p) for p in probs]


def _assert_same(output, expected):
    assert output[0] == expected[0]
    assert output[1] == expected[1]
    assert len(output[2]) == len(expected[2])
    for probs, expected_probs in zip(output[2], expected[2]):
        numpy.testing.assert_allclose(probs, expected_probs, rtol=0, atol=1e-6)


@pytest.fixture(scope="module")
def expected(trained_dir):
    output = _output(spacy.load(trained_dir))
    assert sum(len(spans) for spans in output[0]) >= 3
    return output


@pytest.fixture
def replaced(trained_dir) -> Language:
    """The trained pipeline, with biolm_ner's listener replaced by a transformer copy."""
    nlp = spacy.load(trained_dir)
    nlp.replace_listeners("biolm_transformer", "biolm_ner", ["model.tok2vec"])
    return nlp


def test_replaced_pipeline_predicts_the_same(replaced, expected):
    assert not replaced.get_pipe("biolm_transformer").listening_components
    assert replaced.config["components"]["biolm_ner"]["model"]["tok2vec"]["@architectures"] == (
        "spacy-biolm.Tok2VecTransformer.v1"
    )
    _assert_same(_output(replaced), expected)


def test_replaced_pipeline_saves_and_loads(replaced, expected, tmp_path):
    replaced.to_disk(tmp_path / "replaced")
    nlp = spacy.load(tmp_path / "replaced")
    _assert_same(_output(nlp), expected)
    # Without the shared transformer, biolm_ner runs on its own copy.
    nlp.remove_pipe("biolm_transformer")
    _assert_same(_output(nlp), expected)


def test_replaced_component_sources_into_a_blank_pipeline(replaced, expected, tmp_path):
    nlp = spacy.blank("en")
    nlp.add_pipe("biolm_ner", source=replaced)
    _assert_same(_output(nlp), expected)
    nlp.to_disk(tmp_path / "sourced")
    _assert_same(_output(spacy.load(tmp_path / "sourced")), expected)


def test_replaced_copy_does_not_hold_the_original_transformer(trained_dir, expected):
    """The copy's window getter reads the copy's tokenizer: once the original
    pipeline is gone, its transformer is freed, and the copy still predicts."""
    replaced = spacy.load(trained_dir)
    replaced.replace_listeners("biolm_transformer", "biolm_ner", ["model.tok2vec"])
    original = weakref.ref(replaced.get_pipe("biolm_transformer").model)
    nlp = spacy.blank("en")
    nlp.add_pipe("biolm_ner", source=replaced)
    del replaced
    gc.collect()
    assert original() is None
    _assert_same(_output(nlp), expected)


def test_source_with_replace_listeners_in_a_config(trained_dir, expected, tmp_path):
    """What `spacy train` does with `[components.biolm_ner] source = ...`."""
    config = Config().from_str(
        f"""
        [nlp]
        lang = "en"
        pipeline = ["biolm_ner"]

        [components]

        [components.biolm_ner]
        source = "{trained_dir}"
        replace_listeners = ["model.tok2vec"]
        """
    )
    nlp = spacy.util.load_model_from_config(config, auto_fill=True)
    _assert_same(_output(nlp), expected)
    nlp.to_disk(tmp_path / "sourced")
    _assert_same(_output(spacy.load(tmp_path / "sourced")), expected)
