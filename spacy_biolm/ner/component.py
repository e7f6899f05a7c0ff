"""The `biolm_ner` pipe: trains on merged, partially annotated corpora and writes
overlapping entities with scores (`doc.spans`) and a flat selection (`doc.ents`)."""

import warnings
from itertools import islice
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple, cast

import numpy
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc, Span, SpanGroup
from spacy.training import Example, validate_examples, validate_get_examples
from spacy.vocab import Vocab
from thinc.api import Config, Model, Optimizer, set_dropout_rate
from thinc.types import Floats2d, Floats3d

from ..annotations import (
    DEFAULT_LABELS,
    SPANS_KEY,
    AnnotationStatusCheck,
    get_annotated_labels,
)
from ..errors import Errors, Warnings
from .gold import entity_spans, make_targets
from .scorer import score_entities
from .viterbi import MIN_PROB, N_TAGS, EntsPolicy, decode_entities, make_ents_by_score_v1

# Span extension (`span._.biolm_score`) reading a span's score from the scored groups.
SPAN_SCORE_EXTENSION = "biolm_score"
# SpanGroup.attrs key of the span scores: {"start end label": score}. Keyed, not a
# list parallel to the spans (spancat's attrs["scores"]), so that a user who
# filters, appends to or reorders the group cannot shift a score onto another span.
SCORES_KEY = "biolm_scores"
N_SAMPLE_DOCS = 10

DEFAULT_CONFIG_STR = f"""
[biolm_ner]
labels = {list(DEFAULT_LABELS)!r}
spans_key = "{SPANS_KEY}"
threshold = 0.5
label_thresholds = {{}}
exclusive_labels = false

[biolm_ner.ents_policy]
@misc = "spacy-biolm.ents_by_score.v1"

[biolm_ner.scorer]
@scorers = "spacy-biolm.ner_scorer.v1"

[biolm_ner.model]
@architectures = "spacy-biolm.NERHead.v1"
hidden_width = 0
nO = null

[biolm_ner.model.tok2vec]
@architectures = "spacy-transformers.TransformerListener.v1"
grad_factor = 1.0
upstream = "biolm_transformer"

[biolm_ner.model.tok2vec.pooling]
@layers = "reduce_mean.v1"
""".replace("'", '"')

DEFAULT_CONFIG = Config().from_str(DEFAULT_CONFIG_STR)


def install_extensions() -> None:
    """Register `span._.biolm_score` (once; never forced)."""
    if not Span.has_extension(SPAN_SCORE_EXTENSION):
        Span.set_extension(SPAN_SCORE_EXTENSION, getter=get_span_score)


def score_key(start: int, end: int, label: str) -> str:
    """The key of a span's score in `SpanGroup.attrs[SCORES_KEY]`: a string, so
    that msgpack (Doc.to_bytes, DocBin, nlp.pipe(n_process=...)) keeps the dict.

    start (int): The span's first token.
    end (int): The span's end token (exclusive).
    label (str): The span's label.
    RETURNS (str): "start end label".
    """
    return f"{start} {end} {label}"


def get_span_score(span: Span) -> Optional[float]:
    """The score `biolm_ner` gave a span, read from the scored span groups.

    Span extension values are kept in `doc.user_data` under the span's character
    offsets only, so two labels on the same text would collide, and DocBin drops them
    unless it stores user data. The scores live instead in the span group's attrs,
    keyed by start, end and label, which Doc.to_bytes, DocBin and
    nlp.pipe(n_process=...) keep and which editing the group's spans leaves valid.
    `doc.spans[key] = [...]` makes a new group without attrs: keep the scores with
    `SpanGroup(doc, name=key, spans=[...], attrs=old_group.attrs)`.

    span (Span): Any span, e.g. from `doc.ents` or `doc.spans["biolm_ents"]`.
    RETURNS (Optional[float]): The score in [0, 1], or None if no scored group has
        a score for a span with the same start, end and label.
    """
    doc = span.doc
    key = score_key(span.start, span.end, span.label_)
    for name in sorted(doc.spans, key=lambda name: name != SPANS_KEY):
        scores = doc.spans[name].attrs.get(SCORES_KEY)
        if isinstance(scores, dict) and key in scores:
            return float(scores[key])
    return None


@Language.factory(
    "biolm_ner",
    assigns=["doc.ents", "doc.spans", "token.ent_iob", "token.ent_type"],
    default_config=DEFAULT_CONFIG["biolm_ner"],
    default_score_weights={
        "ents_f": 1.0,
        "ents_p": 0.0,
        "ents_r": 0.0,
        "ents_per_type": None,
        "ents_per_corpus": None,
    },
)
def make_biolm_ner(
    nlp: Language,
    name: str,
    model: Model[List[Doc], List[Floats2d]],
    *,
    labels: Sequence[str],
    spans_key: str,
    ents_policy: EntsPolicy,
    threshold: float,
    scorer: Optional[Callable],
    exclusive_labels: bool = False,
    label_thresholds: Optional[Dict[str, float]] = None,
) -> "BioLMEntityRecognizer":
    """Named entities of several types (Chemical, Disease, Gene, Species by
    default) that may overlap, learned from corpora that each annotate only some
    of the types.

    model (Model[List[Doc], List[Floats2d]]): Usually `spacy-biolm.NERHead.v1`.
    labels (Sequence[str]): The labels to predict; empty to take them from the
        training data (or the `labels` given to initialize).
    spans_key (str): The doc.spans key of the predictions, and of the gold
        entities in training data (`doc.ents` where a doc lacks it).
    ents_policy (Callable): Chooses the non-overlapping `doc.ents` among the
        predictions, e.g. `spacy-biolm.ents_by_score.v1`.
    threshold (float): Drop predicted spans scored below this (0: keep every span
        of the best tag paths). 0.5 drops spans whose tags are on average less likely
        than not: where few training documents annotate a label, its softmax stays
        near uniform on unfamiliar text and would otherwise yield guesses.
    scorer (Optional[Callable]): Usually `spacy-biolm.ner_scorer.v1`.
    exclusive_labels (bool): Training only: a gold entity of one label is a
        negative for every other label, also in corpora that do not annotate the
        other labels (a BC2GM gene is not a chemical). Off: those labels are masked.
    label_thresholds (Optional[Dict[str, float]]): A threshold per label that
        replaces `threshold` for that label, e.g. {"Gene": 0.7} for a pipeline that
        must keep Gene precision high (`evaluate --thresholds` prints each label's
        precision and recall at several thresholds from one pass).
    RETURNS (BioLMEntityRecognizer): The component.
    """
    return BioLMEntityRecognizer(
        nlp.vocab,
        model,
        name,
        labels=labels,
        spans_key=spans_key,
        ents_policy=ents_policy,
        threshold=threshold,
        scorer=scorer,
        exclusive_labels=exclusive_labels,
        label_thresholds=label_thresholds,
    )


class BioLMEntityRecognizer(TrainablePipe):
    """Tags each label with its own B/I/O softmax over the transformer's token
    vectors. A training document contributes no loss for the labels its corpus does
    not annotate (`doc._.annotated_labels`), so a disease-only corpus does not teach
    the model that its chemicals are not entities."""

    def __init__(
        self,
        vocab: Vocab,
        model: Model[List[Doc], List[Floats2d]],
        name: str = "biolm_ner",
        *,
        labels: Sequence[str] = DEFAULT_LABELS,
        spans_key: str = SPANS_KEY,
        ents_policy: Optional[EntsPolicy] = None,
        threshold: float = 0.5,
        scorer: Optional[Callable] = score_entities,
        exclusive_labels: bool = False,
        label_thresholds: Optional[Dict[str, float]] = None,
    ) -> None:
        """Initialize the component.

        vocab (Vocab): The shared vocabulary.
        model (Model[List[Doc], List[Floats2d]]): The model (see `build_ner_head_v1`).
        name (str): The component instance name, used for its losses.
        labels (Sequence[str]): The labels to predict.
        spans_key (str): Key of the predicted (and gold) span group.
        ents_policy (Optional[EntsPolicy]): Chooses `doc.ents`; by default the more
            confident span wins, ties go to the longer one.
        threshold (float): Drop predicted spans scored below this, in [0, 1].
        scorer (Optional[Callable]): The scoring method.
        exclusive_labels (bool): Training only: gold entities are negatives for
            the labels their corpus does not annotate (see `gold.make_targets`).
        label_thresholds (Optional[Dict[str, float]]): Per label, a threshold
            that replaces `threshold`.
        """
        label_thresholds = dict(label_thresholds or {})
        for value in [threshold, *label_thresholds.values()]:
            if not 0.0 <= value <= 1.0:
                raise ValueError(Errors.E1023.format(threshold=value))
        self.vocab = vocab
        self.model = model
        self.name = name
        # Labels and key are saved with the weights; the threshold is left to the
        # config, so that it can be changed when a trained pipeline is loaded.
        self.cfg: Dict = {"labels": [], "spans_key": spans_key}
        self.threshold = threshold
        self.label_thresholds = label_thresholds
        self.exclusive_labels = exclusive_labels
        self.ents_policy = ents_policy if ents_policy is not None else make_ents_by_score_v1()
        self.scorer = scorer
        self._status_check = AnnotationStatusCheck(f"biolm_ner '{name}'")
        for label in labels:
            self.add_label(label)

    @property
    def labels(self) -> Tuple[str, ...]:
        """RETURNS (Tuple[str, ...]): The labels, in the model's output order."""
        return tuple(self.cfg["labels"])

    def thresholds(self) -> numpy.ndarray:
        """The threshold of each label, in the model's label order: `threshold`,
        or the label's entry in `label_thresholds`.

        RETURNS (numpy.ndarray): (n_labels,) thresholds.
        """
        unknown = sorted(set(self.label_thresholds) - set(self.labels))
        if unknown:
            raise ValueError(
                Errors.E1089.format(
                    name=self.name, unknown=", ".join(unknown), labels=", ".join(self.labels)
                )
            )
        return numpy.asarray(
            [self.label_thresholds.get(label, self.threshold) for label in self.labels],
            dtype="float64",
        )

    @property
    def key(self) -> str:
        """RETURNS (str): The doc.spans key of the predictions."""
        return self.cfg["spans_key"]

    @property
    def is_initialized(self) -> bool:
        """RETURNS (bool): Whether the model has weights (initialized or loaded)."""
        return bool(self.model.get_ref("output_layer").has_param("W"))

    def add_label(self, label: str) -> int:
        """Add a label to predict; only before the model is initialized.

        label (str): The label.
        RETURNS (int): 0 if the label was already there, else 1.
        """
        if label in self.cfg["labels"]:
            return 0
        if self.is_initialized:
            raise ValueError(Errors.E1022.format(label=label, name=self.name, labels=self.labels))
        self.cfg["labels"].append(label)
        self.vocab.strings.add(label)
        return 1

    def predict(self, docs: Iterable[Doc]) -> List[Floats2d]:
        """Per-token B/I/O probabilities of every label, without modifying the docs.

        docs (Iterable[Doc]): The documents.
        RETURNS (List[Floats2d]): Per doc, (n_tokens, n_labels × 3) probabilities.
        """
        docs = list(docs)
        self._require_initialized()
        if not any(len(doc) for doc in docs):
            width = len(self.labels) * N_TAGS
            return [self.model.ops.alloc2f(len(doc), width) for doc in docs]
        return self.model.predict(docs)

    def set_annotations(self, docs: Iterable[Doc], scores: List[Floats2d]) -> None:
        """Decode the probabilities and write `doc.spans[spans_key]` (every entity,
        with its score in the group's attrs), `doc.ents` (chosen by the ents policy)
        and the tokens' entity attributes.

        docs (Iterable[Doc]): The documents.
        scores (List[Floats2d]): The output of `predict`.
        """
        thresholds = self.thresholds()
        for doc, probs in zip(docs, scores):
            entities = decode_entities(self.model.ops.to_numpy(probs), threshold=thresholds)
            spans = [
                Span(doc, int(start), int(end), label=self.labels[label])
                for start, end, label in zip(entities.starts, entities.ends, entities.labels)
            ]
            span_scores = [float(score) for score in entities.scores]
            keyed = {
                score_key(span.start, span.end, span.label_): score
                for span, score in zip(spans, span_scores)
            }
            doc.spans[self.key] = SpanGroup(
                doc, name=self.key, attrs={SCORES_KEY: keyed}, spans=spans
            )
            doc.ents = self.ents_policy(spans, span_scores)

    def apply_thresholds(self, doc: Doc) -> None:
        """Drop the spans of `doc.spans[spans_key]` scored below their label's
        threshold (as `set_annotations` would have at the current thresholds) and
        choose `doc.ents` again among the rest: re-thresholds a doc the pipe
        annotated at a lower threshold without running the model again.

        doc (Doc): A doc this pipe annotated.
        """
        group = doc.spans.get(self.key)
        if group is None:
            return
        by_label = dict(zip(self.labels, self.thresholds().tolist()))
        keyed = group.attrs.get(SCORES_KEY) or {}
        kept = []
        for span in group:
            score = keyed.get(score_key(span.start, span.end, span.label_))
            if score is None or score >= by_label.get(span.label_, self.threshold):
                kept.append((span, score))
        spans = [span for span, _ in kept]
        doc.spans[self.key] = SpanGroup(doc, name=self.key, attrs=group.attrs, spans=spans)
        doc.ents = self.ents_policy(spans, [1.0 if sc is None else sc for _, sc in kept])

    def update(
        self,
        examples: Iterable[Example],
        *,
        drop: float = 0.0,
        sgd: Optional[Optimizer] = None,
        losses: Optional[Dict[str, float]] = None,
    ) -> Dict[str, float]:
        """Learn from a batch of examples.

        examples (Iterable[Example]): The batch.
        drop (float): The dropout rate.
        sgd (Optional[Optimizer]): The optimizer; None to only accumulate gradients.
        losses (Optional[Dict[str, float]]): Losses by component name, updated.
        RETURNS (Dict[str, float]): The losses.
        """
        examples = list(examples)
        losses = {} if losses is None else losses
        losses.setdefault(self.name, 0.0)
        validate_examples(examples, "BioLMEntityRecognizer.update")
        self._require_initialized()
        docs = [example.predicted for example in examples]
        if not any(len(doc) for doc in docs):
            return losses
        set_dropout_rate(self.model, drop)
        scores, backprop = self.model.begin_update(docs)
        loss, d_scores = self.get_loss(examples, scores)
        backprop(d_scores)
        if sgd is not None:
            self.finish_update(sgd)
        losses[self.name] += loss
        return losses

    def get_loss(
        self, examples: Iterable[Example], scores: List[Floats2d]
    ) -> Tuple[float, List[Floats2d]]:
        """Cross-entropy of each label's B/I/O softmax, masked where the reference
        does not annotate the label (see `gold.make_targets`), averaged over the
        batch's tokens. A reference whose annotation status is unknown counts as
        annotated for every label, after a warning (once per component).

        examples (Iterable[Example]): The batch.
        scores (List[Floats2d]): The model's probabilities for the predicted docs.
        RETURNS (Tuple[float, List[Floats2d]]): The loss, and its gradient with
            respect to the logits, per doc.
        """
        examples = list(examples)
        validate_examples(examples, "BioLMEntityRecognizer.get_loss")
        self._status_check([example.reference for example in examples])
        ops = self.model.ops
        targets = [
            make_targets(eg, self.labels, spans_key=self.key, exclusive=self.exclusive_labels)
            for eg in examples
        ]
        tags = numpy.concatenate([target.tags for target in targets])
        known = numpy.concatenate([target.mask for target in targets])[..., None]
        n_tokens, n_labels = tags.shape
        truth = numpy.zeros((n_tokens, n_labels, N_TAGS), dtype="float32")
        numpy.put_along_axis(truth, tags[..., None].astype("int64"), 1.0, axis=-1)
        truth *= known
        gold = ops.asarray3f(cast(Floats3d, truth))
        weights = ops.asarray3f(cast(Floats3d, known.astype("float32")))
        probs = ops.reshape3f(ops.flatten(scores), n_tokens, n_labels, N_TAGS)
        normalizer = max(1, n_tokens)
        gradient = (probs - gold) * weights / normalizer
        log_probs = ops.xp.log(ops.xp.maximum(probs, MIN_PROB))
        loss = -float((log_probs * gold).sum()) / normalizer
        lengths = ops.asarray1i([len(target.tags) for target in targets])
        flat = ops.reshape2f(gradient, n_tokens, n_labels * N_TAGS)
        return loss, ops.unflatten(flat, lengths)

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Example]],
        *,
        nlp: Optional[Language] = None,
        labels: Optional[Sequence[str]] = None,
    ) -> None:
        """Set the labels and initialize the model with a sample of the data.

        get_examples (Callable[[], Iterable[Example]]): Returns training examples.
        nlp (Optional[Language]): The pipeline the component is part of.
        labels (Optional[Sequence[str]]): Labels to add, e.g. from `spacy init
            labels`. Without them, a component with no labels takes every label of
            the examples' gold entities and annotated_labels.
        """
        validate_get_examples(get_examples, "BioLMEntityRecognizer.initialize")
        data_labels = _labels_in(get_examples(), self.key)
        if labels is None and not self.labels:
            labels = sorted(data_labels)
        for label in labels or ():
            self.add_label(label)
        if not self.labels:
            raise ValueError(Errors.E1021.format(name=self.name))
        unknown = sorted(data_labels - set(self.labels))
        if unknown:
            warning = Warnings.W1010.format(labels=unknown, name=self.name, known=self.labels)
            warnings.warn(warning, stacklevel=2)
        self.model.get_ref("output_layer").set_dim("nO", len(self.labels) * N_TAGS)
        sample = list(islice(get_examples(), N_SAMPLE_DOCS))
        self._status_check([eg.reference for eg in sample])
        self.model.initialize(X=[eg.predicted for eg in sample])

    def _require_initialized(self) -> None:
        if not self.is_initialized:
            raise ValueError(Errors.E1020.format(name=self.name))


def _labels_in(examples: Iterable[Example], spans_key: str) -> Set[str]:
    """Labels of the gold entities and the annotated_labels of the examples."""
    found: Set[str] = set()
    for example in examples:
        found.update(span.label_ for span in entity_spans(example.reference, spans_key))
        found.update(get_annotated_labels(example.reference) or ())
    return found


install_extensions()
