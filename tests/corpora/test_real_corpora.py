"""Counts and alignment on the real corpora (skipped when ../shared/corpora is absent).

Every split of every default corpus is read and built once per session, with the
project's tokenizer, without writing DocBins (the CLI path is tested on S800 end to
end; the opt-in gene corpora are tested in test_gene_corpora.py).
"""

import re
from typing import Dict

import pytest
import srsly

from spacy_biolm.corpora.brat import brat_documents
from spacy_biolm.corpora.builder import DocBuilder, make_nlp
from spacy_biolm.corpora.catalog import (
    CORPUS_RECIPES,
    DEFAULT_CORPORA,
    CorpusName,
    corpus_splits,
    jnlpba_dev_documents,
)
from spacy_biolm.corpora.convert import convert_corpus
from spacy_biolm.corpora.report import SplitReport
from spacy_biolm.corpora.source import InvalidRecords

from ..conftest import REPO_ROOT
from .conftest import accounted

# The claim README makes about the project tokenizer, checked as written on every
# split of every corpus: the share of gold mentions whose two ends fall on token
# boundaries. Measured on all splits: lowest LINNAEUS train 99.622 %, then
# BC2GM test 99.637 %; over all six corpora 99.87 %.
README_CLAIM = re.compile(
    r"puts both ends of ≥ (?P<pct>[0-9.]+) % of the\s+gold mentions of every split of six corpora"
)

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
    for name in DEFAULT_CORPORA:
        result[name.value] = {}
        for split, source in corpus_splits(name, corpora_dir / name.value).items():
            report = SplitReport(name.value, split)
            # Skip and count, as `convert --skip-invalid` does, so that a bad record
            # fails the tests that rely on complete splits instead of every test.
            invalid = InvalidRecords(skip=True)
            builder = DocBuilder(
                nlp, CORPUS_RECIPES[name].scheme, source=name.value, invalid=invalid, report=report
            )
            for _ in builder(source.read(invalid)):
                pass
            report.add_skipped(invalid.counts(), (str(error) for error in invalid.skipped))
            result[name.value][split] = report
    return result


@pytest.fixture(scope="module")
def readme_strict_pct() -> float:
    match = README_CLAIM.search((REPO_ROOT / "README.md").read_text(encoding="utf8"))
    assert match is not None, "README no longer states the tokenizer's alignment claim"
    return float(match.group("pct"))


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


# README's claim covers the six corpora it names; BioRED's own is in test_biored.py.
@pytest.mark.parametrize(
    "corpus", [name.value for name in DEFAULT_CORPORA if name != CorpusName.biored]
)
def test_every_mention_is_converted_and_aligned(reports, corpus, readme_strict_pct):
    for split, report in reports[corpus].items():
        # Every record was read: a skipped one would leave its mentions out of the
        # percentage below.
        assert report.skipped_invalid == {}, (split, report.invalid_examples)
        assert accounted(report), split
        assert not report.dropped and not report.invalid_mentions, split
        assert report.aligned == sum(report.converted.values()), split
        worst = report.misaligned.most_common(3)
        assert report.strict_pct >= readme_strict_pct, (split, report.strict_pct, worst)


def test_bc5cdr_bioc_and_pubtator_give_the_same_docs(corpora_dir):
    nlp = make_nlp()
    docs = {}
    for fmt in ("pubtator", "bioc"):
        source = corpus_splits(CorpusName.bc5cdr, corpora_dir / "bc5cdr", fmt)["test"]
        report = SplitReport("bc5cdr", "test")
        invalid = InvalidRecords()
        builder = DocBuilder(
            nlp,
            CORPUS_RECIPES[CorpusName.bc5cdr].scheme,
            source="bc5cdr",
            invalid=invalid,
            report=report,
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
    # The test split's mentions counted in the release files themselves: the S800.tsv
    # rows ("taxid, speciesNNN:PMID, start, end, text") of the PMIDs in split/test.txt.
    s800 = corpora_dir / "s800"
    test_pmids = set((s800 / "split" / "test.txt").read_text(encoding="utf8").split())
    rows = (s800 / "S800.tsv").read_text(encoding="utf8").splitlines()
    expected = sum(row.split("\t")[1].split(":")[1] in test_pmids for row in rows if row)
    written = srsly.read_json(tmp_path / "report.json")
    assert written["splits"]["test"]["converted"] == {"Species": expected}
