"""`span._.biolm_score` stays right when users edit the predicted span group:
filter, append, reorder, copy, and serialize it."""

import pickle

import numpy
import pytest
from spacy.tokens import Doc, DocBin, Span, SpanGroup

from spacy_biolm.annotations import SPANS_KEY

from .conftest import CHEMICAL, DISEASE, GENE, build_nlp

TEXT = "Aspirin induced hepatitis and BRCA1 deficiency"
LABELS = [CHEMICAL, DISEASE, GENE]
# Hand-made probabilities (O, B, I per label and token) and the spans they decode
# to, each scored with the mean probability of its tags.
O_ONLY = (1.0, 0.0, 0.0)
PROBS = {
    CHEMICAL: [(0.1, 0.9, 0.0), O_ONLY, O_ONLY, O_ONLY, O_ONLY, O_ONLY],
    DISEASE: [O_ONLY, O_ONLY, (0.2, 0.8, 0.0), O_ONLY, (0.3, 0.7, 0.0), (0.3, 0.1, 0.6)],
    GENE: [O_ONLY, O_ONLY, O_ONLY, O_ONLY, (0.4, 0.6, 0.0), O_ONLY],
}
EXPECTED = {
    (0, 1, CHEMICAL): 0.9,
    (2, 3, DISEASE): 0.8,
    (4, 5, GENE): 0.6,
    (4, 6, DISEASE): 0.65,
}


@pytest.fixture(scope="module")
def ner(ner_bert_dir):
    return build_nlp(ner_bert_dir, labels=LABELS, threshold=0.0).get_pipe("biolm_ner")


@pytest.fixture
def doc(ner):
    doc = Doc(ner.vocab, words=TEXT.split())
    probs = numpy.asarray([PROBS[label] for label in LABELS], dtype="float32")
    ner.set_annotations([doc], [probs.transpose(1, 0, 2).reshape(len(doc), -1)])
    return doc


def _scores(spans):
    return {
        (s.start, s.end, s.label_): None if s._.biolm_score is None else round(s._.biolm_score, 5)
        for s in spans
    }


def test_every_predicted_span_and_entity_has_its_score(doc):
    assert _scores(doc.spans[SPANS_KEY]) == EXPECTED
    assert len(doc.ents) == 3
    assert _scores(doc.ents) == {key: EXPECTED[key] for key in _scores(doc.ents)}


def _key(span):
    return (span.start, span.end, span.label_)


def test_scores_follow_the_spans_when_the_group_is_filtered_appended_and_reordered(doc):
    group = doc.spans[SPANS_KEY]
    # Filter (keep every other span) the way spaCy allows while keeping the attrs.
    kept = [span for i, span in enumerate(group) if i % 2 == 0]
    group = SpanGroup(doc, name=SPANS_KEY, spans=kept, attrs=group.attrs)
    doc.spans[SPANS_KEY] = group
    assert _scores(group) == {_key(s): EXPECTED[_key(s)] for s in kept}
    group.append(Span(doc, 1, 2, label=CHEMICAL))
    group.extend([Span(doc, 2, 3, label=DISEASE)])
    group[0], group[-1] = group[-1], group[0]
    assert [_key(s) for s in group] == [
        (2, 3, DISEASE),
        (4, 5, GENE),
        (1, 2, CHEMICAL),
        (0, 1, CHEMICAL),
    ]
    assert _scores(group) == {
        (2, 3, DISEASE): 0.8,
        (4, 5, GENE): 0.6,
        (1, 2, CHEMICAL): None,
        (0, 1, CHEMICAL): 0.9,
    }
    # A group under another key, e.g. a copy, keeps the scores in its attrs.
    doc.spans["mine"] = SpanGroup(doc, name="mine", spans=list(group)[::-1], attrs=group.attrs)
    del doc.spans[SPANS_KEY]
    assert _scores(doc.spans["mine"])[4, 5, GENE] == 0.6
    assert Span(doc, 0, 1, label="CellLine")._.biolm_score is None


def test_scores_of_an_edited_group_survive_serialization(doc, ner):
    group = doc.spans[SPANS_KEY]
    group[0] = Span(doc, 0, 6, label=DISEASE)
    group.append(Span(doc, 0, 1, label=CHEMICAL))
    expected = _scores(group)
    assert expected == {**EXPECTED, (0, 6, DISEASE): None}
    docbin = DocBin(docs=[doc], store_user_data=False)
    (from_docbin,) = DocBin().from_bytes(docbin.to_bytes()).get_docs(ner.vocab)
    from_bytes = Doc(ner.vocab).from_bytes(doc.to_bytes())
    for loaded in (from_docbin, from_bytes, pickle.loads(pickle.dumps(doc))):
        assert _scores(loaded.spans[SPANS_KEY]) == expected
        assert _scores(loaded.ents) == _scores(doc.ents)
