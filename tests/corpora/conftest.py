"""Fixtures for the corpus readers: a whitespace-tokenizing pipeline (so alignment
outcomes do not depend on the project tokenizer) and helpers to write and read
small corpus files."""

import re
from pathlib import Path
from typing import List, Optional, Tuple, Union

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from spacy_biolm.corpora.builder import DocBuilder
from spacy_biolm.corpora.labels import LabelScheme
from spacy_biolm.corpora.reader import ReadSource
from spacy_biolm.corpora.report import SplitReport
from spacy_biolm.corpora.source import InvalidRecords


class WhitespaceTokenizer:
    """Split on single spaces only: "IL-2-induced" stays one token."""

    def __init__(self, vocab) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        words: List[str] = []
        spaces: List[bool] = []
        for piece in re.findall(r"[^ ]+| ", text):
            if piece == " " and words and words[-1] != " " and not spaces[-1]:
                spaces[-1] = True
            else:
                words.append(piece)
                spaces.append(False)
        return Doc(self.vocab, words=words, spaces=spaces)


@pytest.fixture
def ws_nlp() -> Language:
    nlp = spacy.blank("en")
    nlp.tokenizer = WhitespaceTokenizer(nlp.vocab)
    return nlp


def write(folder: Path, name: str, content: Union[str, bytes]) -> Path:
    """Write a fixture file (str as UTF-8), creating folders; return its path."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf8")
    path.write_bytes(content)
    return path


def build(
    nlp: Language,
    read: ReadSource,
    label_map: Optional[dict] = None,
    *,
    ignore_types: Tuple[str, ...] = (),
    annotated_labels: Optional[List[str]] = None,
    skip: bool = False,
) -> Tuple[List[Doc], SplitReport, InvalidRecords]:
    """Read and build all docs of a source with the shared builder."""
    scheme = LabelScheme.create(
        label_map or {}, ignore_types=ignore_types, annotated_labels=annotated_labels
    )
    report = SplitReport("fixture", "test")
    invalid = InvalidRecords(skip=skip)
    builder = DocBuilder(nlp, scheme, source="fixture", invalid=invalid, report=report)
    docs = list(builder(read(invalid)))
    report.add_skipped(invalid.counts(), (str(error) for error in invalid.skipped))
    return docs, report, invalid


def ents(doc: Doc, key: Optional[str] = None) -> List[Tuple[str, str]]:
    """(text, label) of doc.ents, or of a span group."""
    spans = doc.ents if key is None else doc.spans[key]
    return [(span.text, span.label_) for span in spans]


def accounted(report: SplitReport) -> bool:
    """Every source mention ended up in exactly one bucket of the report."""
    return sum(report.source_mentions.values()) == (
        sum(report.converted.values())
        + sum(report.dropped.values())
        + sum(report.unmapped.values())
        + report.invalid_mentions
    )
