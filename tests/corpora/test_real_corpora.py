"""Counts and alignment on the real corpora (skipped when ../shared/corpora is absent).

Every split of every corpus is read and built once per session, with the project's
tokenizer, without writing DocBins (the CLI path is tested on S800 end to end).
"""

from typing import Dict

import pytest
import srsly

from spacy_biolm.corpora.brat import brat_documents
from spacy_biolm.corpora.builder import DocBuilder, make_nlp
from spacy_biolm.corpora.catalog import CORPORA, CorpusName, corpus_splits, jnlpba_dev_documents
from spacy_biolm.corpora.convert import convert_corpus
from spacy_biolm.corpora.report import SplitReport
from spacy_biolm.corpora.source import InvalidRecords

from .conftest import accounted

# Sanity floor of the strictly aligned share, for any reasonable tokenizer; the
# project's target is 99.5 % (see the convert report for the current numbers).
MIN_STRICT_PCT = 95.0

# Published counts (shared/corpora/README.md). JNLPBA's train counts cover our
# train + dev, which is carved from it.
PUBLISHED = {
    ("bc5cdr", "train"): {"Chemical": 5203, "Disease": 4182},
    ("bc5cdr", "dev"): {"Chemical": 5347, "Disease": 4244},
    ("bc5cdr", "test"): {"Chemical": 5385, "Disease": 4424},
    ("jnlpba", "test"): {
        "protein": 5067, "DNA": 1056, "RNA": 118, "cell_type": 1921, "cell_line": 500
    },
}  # fmt: skip
JNLPBA_TRAIN = {"protein": 30269, "DNA": 9533, "RNA": 951, "cell_type": 6718, "cell_line": 3830}
DOCS = {
    "ncbi_disease": {"train": 593, "dev": 100, "test": 100},
    "bc2gm": {"train": 12500, "dev": 2500, "test": 5000},
    "jnlpba": {"train": 1800, "dev": 200, "test": 404},
    "linnaeus": {"train": 50, "dev": 17, "test": 33},
    "s800": {"train": 560, "dev": 80, "test": 160},
}


@pytest.fixture(scope="session")
def reports(corpora_dir) -> Dict[str, Dict[str, SplitReport]]:
    nlp = make_nlp()
    result: Dict[str, Dict[str, SplitReport]] = {}
    for name in CorpusName:
        result[name.value] = {}
        for split, source in corpus_splits(name, corpora_dir / name.value).items():
            report = SplitReport(name.value, split)
            invalid = InvalidRecords()
            builder = DocBuilder(
                nlp, CORPORA[name].scheme, source=name.value, invalid=invalid, report=report
            )
            for _ in builder(source.read(invalid)):
                pass
            result[name.value][split] = report
    return result


@pytest.mark.parametrize("corpus,split", list(PUBLISHED))
def test_published_mention_counts(reports, corpus, split):
    assert reports[corpus][split].source_mentions == PUBLISHED[corpus, split]


def test_jnlpba_train_and_dev_add_up_to_the_published_train_counts(reports):
    train, dev = reports["jnlpba"]["train"], reports["jnlpba"]["dev"]
    assert train.source_mentions + dev.source_mentions == JNLPBA_TRAIN
    assert train.unmapped + dev.unmapped == {"cell_type": 6718, "cell_line": 3830}


def test_species_corpora_counts(reports):
    assert sum(sum(r.converted.values()) for r in reports["s800"].values()) == 3708
    assert sum(sum(r.converted.values()) for r in reports["linnaeus"].values()) == 4259


@pytest.mark.parametrize("corpus", list(DOCS))
def test_document_counts(reports, corpus):
    assert {split: r.docs for split, r in reports[corpus].items()} == DOCS[corpus]


def test_known_release_quirks_are_reported(reports):
    assert reports["ncbi_disease"]["train"].duplicate_doc_ids == ["8528200"]
    assert len(reports["ncbi_disease"]["train"].errata) == 1
    assert len(reports["bc2gm"]["train"].errata) == 1


def test_jnlpba_dev_carve_out(corpora_dir):
    names = brat_documents(corpora_dir / "jnlpba" / "train")
    dev = jnlpba_dev_documents(names)
    assert len(dev) == 200
    # 97218353 is in train twice (the release's "-2" copy): both go to one split
    assert ("97218353" in dev) == ("97218353-2" in dev)


@pytest.mark.parametrize("corpus", [name.value for name in CorpusName])
def test_every_mention_is_converted_and_aligned(reports, corpus):
    for split, report in reports[corpus].items():
        assert accounted(report), split
        assert not report.dropped and not report.invalid_mentions, split
        assert report.strict_pct >= MIN_STRICT_PCT, (split, report.strict_pct)


def test_bc5cdr_bioc_and_pubtator_give_the_same_docs(corpora_dir):
    nlp = make_nlp()
    docs = {}
    for fmt in ("pubtator", "bioc"):
        source = corpus_splits(CorpusName.bc5cdr, corpora_dir / "bc5cdr", fmt)["test"]
        report = SplitReport("bc5cdr", "test")
        invalid = InvalidRecords()
        builder = DocBuilder(
            nlp, CORPORA[CorpusName.bc5cdr].scheme, source="bc5cdr", invalid=invalid, report=report
        )
        docs[fmt] = [
            (doc.text, [(s.start, s.end, s.label_) for s in doc.spans["biolm_ents"]])
            for doc in builder(source.read(invalid))
        ]
    assert docs["bioc"] == docs["pubtator"]


def test_convert_s800_end_to_end(corpora_dir, tmp_path, reports):
    converted = convert_corpus(CorpusName.s800, corpora_dir / "s800", tmp_path, progress=False)
    assert [r.to_dict() | {"seconds": 0} for r in converted] == [
        r.to_dict() | {"seconds": 0} for r in reports["s800"].values()
    ]
    written = srsly.read_json(tmp_path / "report.json")
    assert written["splits"]["test"]["converted"] == {"Species": 767}
