"""Strict entity scores for merged, partially annotated corpora.

A document is scored only on the labels its reference annotates
(`doc._.annotated_labels`): a chemical predicted in an NCBI-disease abstract is
neither a true nor a false positive, because nobody looked for chemicals there.
A reference whose annotation status is unknown is scored on every label, with a
warning (once per scorer). Matches are strict: same label, same character offsets.
"""

from collections import defaultdict
from functools import partial
from typing import Any, Callable, Container, Dict, Iterable, Optional, Sequence, Set, Tuple

from spacy.scorer import PRFScore
from spacy.tokens import Doc, Span
from spacy.training import Example
from spacy.util import registry

from ..annotations import (
    SOURCE_ATTR,
    SPANS_KEY,
    AnnotationStatusCheck,
    get_annotated_labels,
    install_extensions,
)
from .gold import entity_spans

Entity = Tuple[str, int, int]
SCORER_NAME = "spacy-biolm.ner_scorer.v1"
# The status check of score_entities when called directly: once per process.
_DEFAULT_STATUS_CHECK = AnnotationStatusCheck(SCORER_NAME)


@registry.scorers(SCORER_NAME)
def make_ner_scorer_v1() -> Callable[..., Dict[str, Any]]:
    """The scorer of `biolm_ner`, also usable for any pipeline writing doc.ents.

    RETURNS (Callable[..., Dict[str, Any]]): `score_entities`, with a status check
        of its own, so that each scorer warns once about references of unknown
        annotation status.
    """
    return partial(score_entities, status_check=AnnotationStatusCheck(SCORER_NAME))


def score_entities(
    examples: Iterable[Example],
    *,
    spans_key: str = SPANS_KEY,
    labels: Optional[Sequence[str]] = None,
    status_check: Optional[AnnotationStatusCheck] = None,
    **cfg: Any,
) -> Dict[str, Any]:
    """Precision, recall and F-score of entities, overall, per type and per corpus.

    Entities are read from `doc.spans[spans_key]` where a doc has that group, else
    from `doc.ents`, for the predicted and the reference doc alike.

    examples (Iterable[Example]): Predicted docs and their references.
    spans_key (str): The span group holding the entities.
    labels (Optional[Sequence[str]]): Score only these labels (a pipe passes its own);
        None for every label.
    status_check (Optional[AnnotationStatusCheck]): Warns (once) about references
        whose annotation status is unknown; None: one check for the whole process.
    cfg (Any): Other settings of the component, ignored.
    RETURNS (Dict[str, Any]): ents_p, ents_r, ents_f (None when nothing was scored),
        ents_per_type {label: {p, r, f}} and ents_per_corpus {source: {p, r, f,
        per_type}} over the references' `doc._.biolm_source`.
    """
    install_extensions()
    examples = list(examples)
    check = status_check if status_check is not None else _DEFAULT_STATUS_CHECK
    check([example.reference for example in examples])
    total = PRFScore()
    per_type: Dict[str, PRFScore] = defaultdict(PRFScore)
    per_corpus: Dict[str, PRFScore] = defaultdict(PRFScore)
    per_corpus_type: Dict[str, Dict[str, PRFScore]] = defaultdict(lambda: defaultdict(PRFScore))
    for example in examples:
        annotated = get_annotated_labels(example.reference)
        scored: Set[str] = set(labels) if labels is not None else _all_labels(example, spans_key)
        if annotated is not None:
            scored &= set(annotated)
        gold = _entities(example.reference, spans_key, scored)
        predicted = _entities(example.predicted, spans_key, scored)
        source = example.reference._.get(SOURCE_ATTR)
        for label in {entity[0] for entity in gold | predicted}:
            gold_of, predicted_of = _of_label(gold, label), _of_label(predicted, label)
            per_type[label].score_set(predicted_of, gold_of)
            if source is not None:
                per_corpus_type[source][label].score_set(predicted_of, gold_of)
        total.score_set(predicted, gold)
        if source is not None:
            per_corpus[source].score_set(predicted, gold)
    return {
        **_prf_scores("ents", total),
        "ents_per_type": _table(per_type),
        "ents_per_corpus": {
            source: {**score.to_dict(), "per_type": _table(per_corpus_type[source])}
            for source, score in sorted(per_corpus.items())
        },
    }


def _all_labels(example: Example, spans_key: str) -> Set[str]:
    return {
        span.label_
        for doc in (example.reference, example.predicted)
        for span in entity_spans(doc, spans_key)
    }


def _entities(doc: Doc, spans_key: str, labels: Container[str]) -> Set[Entity]:
    spans: Iterable[Span] = entity_spans(doc, spans_key)
    return {
        (span.label_, span.start_char, span.end_char) for span in spans if span.label_ in labels
    }


def _of_label(entities: Set[Entity], label: str) -> Set[Entity]:
    return {entity for entity in entities if entity[0] == label}


def _prf_scores(prefix: str, score: PRFScore) -> Dict[str, Optional[float]]:
    if len(score) == 0:
        return {f"{prefix}_{key}": None for key in "prf"}
    values = (score.precision, score.recall, score.fscore)
    return {f"{prefix}_{key}": value for key, value in zip("prf", values)}


def _table(scores: Dict[str, PRFScore]) -> Dict[str, Dict[str, float]]:
    return {label: score.to_dict() for label, score in sorted(scores.items())}
