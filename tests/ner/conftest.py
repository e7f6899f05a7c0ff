"""Fixtures for biolm_ner: a tiny merged, partially annotated training set and one
pipeline trained on it, shared by the tests of this folder."""

import random
from pathlib import Path
from typing import Iterable, Optional, Sequence, Tuple

import pytest
import spacy
import torch
from spacy.language import Language
from spacy.training import Example
from spacy.util import filter_spans, fix_random_seed

from spacy_biolm.annotations import SOURCE_ATTR, SPANS_KEY, set_annotated_labels
from spacy_biolm.testing import build_random_bert

CHEMICAL, DISEASE, GENE, SPECIES = "Chemical", "Disease", "Gene", "Species"

Mention = Tuple[str, str]  # (text in the doc, label)

# A miniature of the merged corpora: each "corpus" annotates only some types (None:
# all), and its docs mention entities of types it does not annotate.
MINI_CORPORA = {
    "disease": (
        [DISEASE],
        [
            ("Aspirin induced hepatitis in patients .", [("hepatitis", DISEASE)]),
            ("Cisplatin caused nephrotoxicity in rats .", [("nephrotoxicity", DISEASE)]),
            ("Patients with hypotension took metformin .", [("hypotension", DISEASE)]),
        ],
    ),
    "chemical": (
        [CHEMICAL],
        [
            ("Patients with hepatitis received aspirin daily .", [("aspirin", CHEMICAL)]),
            ("Rats with nephrotoxicity were given cisplatin .", [("cisplatin", CHEMICAL)]),
            (
                "Metformin lowered glucose in mice with hypotension .",
                [("Metformin", CHEMICAL), ("glucose", CHEMICAL)],
            ),
        ],
    ),
    "gene": (
        [GENE],
        [
            ("TNF levels rose in mice with hepatitis after aspirin .", [("TNF", GENE)]),
            ("BRCA1 was mutated in rats given cisplatin with hypotension .", [("BRCA1", GENE)]),
            ("Nephrotoxicity from metformin lowered TNF in patients .", [("TNF", GENE)]),
        ],
    ),
    "species": (
        [SPECIES],
        [
            (
                "Hepatitis was induced in mice and rats by aspirin .",
                [("mice", SPECIES), ("rats", SPECIES)],
            ),
            ("BRCA1 and TNF were studied in mice with hypotension .", [("mice", SPECIES)]),
        ],
    ),
    "full": (
        None,
        [
            (
                "BRCA1 deficiency was found in patients with diabetes .",
                [("BRCA1", GENE), ("BRCA1 deficiency", DISEASE), ("diabetes", DISEASE)],
            ),
            ("The samples were analysed in patients and mice .", [("mice", SPECIES)]),
        ],
    ),
}
# (text, gold mentions, annotated labels, source corpus)
TRAIN_DATA = [
    (text, mentions, annotated, source)
    for source, (annotated, docs) in MINI_CORPORA.items()
    for text, mentions in docs
]

TRAIN_STEPS = 300
LEARN_RATE = 3e-3


def make_example(
    nlp: Language,
    text: str,
    mentions: Sequence[Mention],
    annotated: Optional[Sequence[str]] = None,
    source: Optional[str] = None,
) -> Example:
    """An Example whose reference has the mentions (first occurrence of each text)
    in doc.spans["biolm_ents"] and, without overlaps, in doc.ents."""
    reference = nlp.make_doc(text)
    spans = []
    for mention, label in mentions:
        start = text.index(mention)
        span = reference.char_span(start, start + len(mention), label=label)
        assert span is not None, mention
        spans.append(span)
    reference.spans[SPANS_KEY] = spans
    reference.ents = filter_spans(spans)
    set_annotated_labels(reference, annotated)
    reference._.set(SOURCE_ATTR, source)
    return Example(nlp.make_doc(text), reference)


def build_nlp(encoder_dir, **ner_config) -> Language:
    """A blank pipeline: biolm_transformer on `encoder_dir` + biolm_ner."""
    nlp = spacy.blank("en")
    nlp.add_pipe("biolm_transformer", config={"model": {"name": str(encoder_dir)}})
    nlp.add_pipe("biolm_ner", config=ner_config)
    return nlp


def train(nlp: Language, examples: Iterable[Example], *, steps: int, seed: int = 0) -> None:
    """Initialize `nlp` and train it on `examples`, one batch of all of them per step."""
    examples = list(examples)
    fix_random_seed(seed)
    optimizer = nlp.initialize(lambda: examples)
    optimizer.learn_rate = LEARN_RATE
    rng = random.Random(seed)
    for _ in range(steps):
        rng.shuffle(examples)
        nlp.update(examples, sgd=optimizer)


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread():
    """The machine's cores are shared: one thread is faster than contended two."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def ner_bert_dir(tmp_path_factory) -> Path:
    """A tiny random BERT (like `tiny_bert_dir`) whose WordPiece vocabulary is
    trained on TRAIN_DATA, so that its words are single pieces: the overfitting
    tests then converge in a few seconds, whatever the seed."""
    texts = [text for text, *_ in TRAIN_DATA]
    return build_random_bert(tmp_path_factory.mktemp("ner_bert"), texts=texts)


@pytest.fixture(scope="session")
def trained_nlp(ner_bert_dir) -> Language:
    """biolm_transformer + biolm_ner trained on TRAIN_DATA until it fits it."""
    nlp = build_nlp(ner_bert_dir)
    train(nlp, [make_example(nlp, *row) for row in TRAIN_DATA], steps=TRAIN_STEPS)
    return nlp


@pytest.fixture(scope="session")
def trained_dir(trained_nlp, tmp_path_factory):
    """The trained pipeline saved to disk."""
    path = tmp_path_factory.mktemp("trained") / "pipeline"
    trained_nlp.to_disk(path)
    return path
