"""A doc whose annotation status is unknown (doc._.annotated_labels never set, e.g.
read from a DocBin written without user data) must not pass silently as fully
annotated: training and scoring on it warn once, with the fix."""

import warnings
from typing import List

import pytest
import spacy
from spacy.tokens import DocBin, Span
from spacy.training import Example
from spacy.util import registry

from spacy_biolm.annotations import SPANS_KEY, get_annotated_labels, set_annotated_labels

from .conftest import CHEMICAL, DISEASE, TRAIN_DATA, build_nlp, make_example


def _through_docbin(nlp, references, *, store_user_data: bool) -> List[Example]:
    """Examples whose references went through DocBin bytes."""
    docbin = DocBin(docs=references, store_user_data=store_user_data)
    loaded = DocBin().from_bytes(docbin.to_bytes()).get_docs(nlp.vocab)
    return [Example(nlp.make_doc(doc.text), doc) for doc in loaded]


def _status_warnings(record) -> List[str]:
    return [str(warning.message) for warning in record if "W1011" in str(warning.message)]


@pytest.mark.parametrize("store_user_data,n_warnings", [(False, 1), (True, 0)])
def test_training_on_a_docbin_without_user_data_warns_once(
    ner_bert_dir, store_user_data, n_warnings
):
    nlp = build_nlp(ner_bert_dir)
    references = [make_example(nlp, *row).reference for row in TRAIN_DATA[:6]]
    examples = _through_docbin(nlp, references, store_user_data=store_user_data)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        optimizer = nlp.initialize(lambda: examples)
        for _ in range(2):
            nlp.update(examples, sgd=optimizer)
    found = _status_warnings(record)
    assert len(found) == n_warnings, found
    if found:
        assert "store_user_data=True" in found[0]
        assert "doc._.annotated_labels" in found[0]
        assert "'biolm_ner'" in found[0]
    else:
        assert get_annotated_labels(examples[0].reference) == [DISEASE]


def test_explicit_none_means_every_label_and_does_not_warn(ner_bert_dir):
    nlp = build_nlp(ner_bert_dir)
    references = [make_example(nlp, *row).reference for row in TRAIN_DATA[:3]]
    for doc in references:
        set_annotated_labels(doc, None)
    examples = _through_docbin(nlp, references, store_user_data=True)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        optimizer = nlp.initialize(lambda: examples)
        nlp.update(examples, sgd=optimizer)
    assert _status_warnings(record) == []
    assert get_annotated_labels(examples[0].reference) is None


def _scored_example(nlp, *, store_user_data: bool) -> Example:
    """A disease-only reference (hepatitis) and a prediction with an extra chemical."""
    text = "Aspirin induced hepatitis"
    reference = nlp.make_doc(text)
    reference.spans[SPANS_KEY] = [Span(reference, 2, 3, DISEASE)]
    set_annotated_labels(reference, [DISEASE])
    (example,) = _through_docbin(nlp, [reference], store_user_data=store_user_data)
    predicted = example.predicted
    predicted.spans[SPANS_KEY] = [Span(predicted, 0, 1, CHEMICAL), Span(predicted, 2, 3, DISEASE)]
    return example


@pytest.mark.parametrize("store_user_data,n_warnings,precision", [(False, 1, 0.5), (True, 0, 1.0)])
def test_scoring_docs_of_unknown_status_warns_once(store_user_data, n_warnings, precision):
    nlp = spacy.blank("en")
    score = registry.scorers.get("spacy-biolm.ner_scorer.v1")()
    example = _scored_example(nlp, store_user_data=store_user_data)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        results = [score([example]) for _ in range(3)]
    found = _status_warnings(record)
    assert len(found) == n_warnings, found
    if found:
        assert "store_user_data=True" in found[0]
    # Unknown status is scored as annotated for every label: the chemical the
    # disease-only corpus never marked counts as a false positive.
    assert [result["ents_p"] for result in results] == [precision] * 3
