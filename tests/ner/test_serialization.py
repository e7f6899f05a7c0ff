"""Trained pipelines give identical output however they are run or stored, and
span scores survive Doc and DocBin serialization."""

import json
import os
import subprocess
import sys
import textwrap

import pytest
import spacy
from spacy.tokens import Doc, DocBin, Span, SpanGroup

from spacy_biolm.annotations import SPANS_KEY

from .conftest import build_nlp

TEXTS = [
    "Aspirin induced hepatitis in patients .",
    "",
    "BRCA1 deficiency was found in patients with diabetes .",
    "Cisplatin induced hypotension in patients .  ",
    "Hepatitis was induced in mice and rats by aspirin .",
]


def _output(doc):
    """Everything biolm_ner writes, in comparable form."""
    return (
        [(s.start, s.end, s.label_, round(s._.biolm_score, 5)) for s in doc.spans[SPANS_KEY]],
        [(e.start, e.end, e.label_, round(e._.biolm_score, 5)) for e in doc.ents],
        [(t.ent_iob_, t.ent_type_) for t in doc],
    )


@pytest.fixture(scope="module")
def expected(trained_nlp):
    outputs = [_output(trained_nlp(text)) for text in TEXTS]
    assert any(output[0] for output in outputs)
    return outputs


@pytest.mark.parametrize("batch_size", [1, 2, 64])
def test_pipe_equals_call(trained_nlp, expected, batch_size):
    assert [_output(doc) for doc in trained_nlp.pipe(TEXTS, batch_size=batch_size)] == expected


def test_pipe_as_tuples(trained_nlp, expected):
    pairs = list(trained_nlp.pipe(((t, i) for i, t in enumerate(TEXTS)), as_tuples=True))
    assert [context for _, context in pairs] == list(range(len(TEXTS)))
    assert [_output(doc) for doc, _ in pairs] == expected


def test_pipe_two_processes(trained_nlp, expected):
    docs = list(trained_nlp.pipe(TEXTS, n_process=2, batch_size=2))
    assert [_output(doc) for doc in docs] == expected


def test_to_disk_from_disk(trained_dir, ner_bert_dir, expected):
    nlp = spacy.load(trained_dir)
    assert [_output(nlp(text)) for text in TEXTS] == expected
    ner = build_nlp(ner_bert_dir).get_pipe("biolm_ner")
    trained_ner = nlp.get_pipe("biolm_ner")
    ner.from_disk(trained_dir / "biolm_ner", exclude=["vocab"])
    assert ner.labels == trained_ner.labels
    assert ner.model.to_bytes() == trained_ner.model.to_bytes()


def test_to_bytes_from_bytes(trained_nlp, expected):
    config = trained_nlp.config
    nlp = spacy.util.load_model_from_config(config, auto_fill=False)
    nlp.from_bytes(trained_nlp.to_bytes())
    assert [_output(nlp(text)) for text in TEXTS] == expected


def test_scores_survive_doc_serialization(trained_nlp, expected):
    docs = list(trained_nlp.pipe(TEXTS))
    round_trip = [Doc(trained_nlp.vocab).from_bytes(doc.to_bytes()) for doc in docs]
    assert [_output(doc) for doc in round_trip] == expected
    # DocBin drops user data unless asked to keep it; the scores live elsewhere.
    doc_bin = DocBin(docs=docs, store_user_data=False)
    loaded = list(DocBin().from_bytes(doc_bin.to_bytes()).get_docs(trained_nlp.vocab))
    assert [_output(doc) for doc in loaded] == expected


def test_score_lookup_survives_an_edited_group(trained_nlp):
    doc = trained_nlp("BRCA1 deficiency was found in patients with diabetes .")
    before = {(s.start, s.end, s.label_): s._.biolm_score for s in doc.spans[SPANS_KEY]}
    assert len(before) > 1
    spans = list(doc.spans[SPANS_KEY])[::-1]
    attrs = doc.spans[SPANS_KEY].attrs
    doc.spans[SPANS_KEY] = SpanGroup(doc, name=SPANS_KEY, spans=spans, attrs=attrs)
    assert {(s.start, s.end, s.label_): s._.biolm_score for s in spans} == before
    assert Span(doc, 0, 1, label="CellLine")._.biolm_score is None


LOAD = textwrap.dedent(
    """
    import json, sys
    import spacy
    assert "spacy_biolm" not in sys.modules
    nlp = spacy.load(sys.argv[1])
    out = []
    for text in json.loads(sys.argv[2]):
        doc = nlp(text)
        out.append([[s.start, s.end, s.label_, round(s._.biolm_score, 5)]
                    for s in doc.spans["biolm_ents"]])
    print(json.dumps(out))
    """
)


def test_spacy_load_in_a_fresh_process(trained_dir, expected):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-c", LOAD, str(trained_dir), json.dumps(TEXTS)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    entities = json.loads(result.stdout.strip().splitlines()[-1])
    assert entities == [[list(span) for span in output[0]] for output in expected]
