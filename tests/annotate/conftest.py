"""Fixtures for `annotate`: a tiny random pipeline saved to disk (biomedical
tokenizer, `biolm_transformer`, `biolm_ner` marking spans at threshold 0,
`doc_cleaner`, as `en_biolm` is assembled), a variant of it with a component that
raises on one marker word, and collections of hand-made texts."""

import json
import random
from pathlib import Path
from typing import Dict, List, Sequence

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example

from spacy_biolm.annotations import set_annotated_labels
from spacy_biolm.packaging import DOC_CLEANER_ATTRS

# A doc whose text has this word makes the raising pipeline raise.
RAISE_MARKER = "Boomazine"
RAISER = "annotate_test_raiser"
WORDS = (
    "aspirin",
    "cisplatin",
    "metformin",
    "glucose",
    "hepatitis",
    "nephrotoxicity",
    "hypotension",
    "diabetes",
    "BRCA1",
    "TNF",
    "IL-6",
    "p53",
    "mice",
    "rats",
    "patients",
    "cells",
    "induced",
    "reduced",
    "increased",
    "levels",
    "in",
    "of",
    "the",
    "with",
    "and",
    "after",
    "were",
    "was",
    "treated",
    "dose",
    "therapy",
    "tumor",
    "expression",
    "mutation",
    "(",
    ")",
    ",",
    ".",
)


@Language.factory(RAISER, default_config={"marker": RAISE_MARKER})
def make_raiser(nlp: Language, name: str, marker: str):
    """A component that raises on a doc with `marker` (for the rejects tests; a
    subprocess that loads the raising pipeline must import this module first)."""

    def raiser(doc: Doc) -> Doc:
        if marker in doc.text:
            raise ValueError(f"cannot process a doc with {marker}")
        return doc

    return raiser


def make_texts(n: int, *, seed: int, words: int = 40) -> List[str]:
    """Deterministic abstract-like texts of `words` words."""
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(words)) + " ." for _ in range(n)]


def write_jsonl(path: Path, records: Sequence[Dict[str, object]]) -> Path:
    """Write records one JSON object a line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf8")
    return path


def write_collection(folder: Path, *, units: int, docs: int, words: int = 40) -> Path:
    """A folder of `units` JSONL files of `docs` records each (ids "U-D")."""
    for unit in range(units):
        texts = make_texts(docs, seed=unit, words=words)
        write_jsonl(
            folder / f"part{unit:02d}.jsonl",
            [{"id": f"{unit}-{i}", "text": text} for i, text in enumerate(texts)],
        )
    return folder


@pytest.fixture(scope="session")
def pipeline_dir(tiny_bert_dir: Path, tmp_path_factory) -> Path:
    """The tiny pipeline, saved."""
    nlp = spacy.blank(
        "en", config={"nlp": {"tokenizer": {"@tokenizers": "spacy-biolm.Tokenizer.v1"}}}
    )
    nlp.add_pipe("biolm_transformer", config={"model": {"name": str(tiny_bert_dir)}})
    nlp.add_pipe("biolm_ner", config={"threshold": 0.0})
    nlp.add_pipe("doc_cleaner", config={"attrs": DOC_CLEANER_ATTRS})
    docs = [nlp.make_doc(text) for text in make_texts(2, seed=99)]
    for doc in docs:
        set_annotated_labels(doc, None)
    nlp.initialize(lambda: [Example(doc, doc) for doc in docs])
    path = tmp_path_factory.mktemp("annotate_pipeline") / "pipeline"
    nlp.to_disk(path)
    return path


@pytest.fixture(scope="session")
def raising_pipeline_dir(pipeline_dir: Path, tmp_path_factory) -> Path:
    """The tiny pipeline with a component after the NER that raises on RAISE_MARKER."""
    nlp = spacy.load(pipeline_dir)
    nlp.add_pipe(RAISER)
    path = tmp_path_factory.mktemp("annotate_raising") / "pipeline"
    nlp.to_disk(path)
    return path
