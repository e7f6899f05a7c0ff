"""The test-document guard (heldout.py): no train or dev document of any corpus is
in any corpus's test split. Unit tests on hand-made ids; the guarantee itself on
the real corpora (skipped when ../shared/corpora is absent)."""

from pathlib import Path
from typing import Dict, Set

import pytest
import spacy
import srsly
from spacy.tokens import DocBin

from spacy_biolm.corpora.catalog import CorpusName, corpus_splits
from spacy_biolm.corpora.convert import convert_corpus
from spacy_biolm.corpora.heldout import (
    TEST_IDS,
    collect_test_ids,
    document_key,
    hold_out_test_documents,
    in_test_splits,
)
from spacy_biolm.corpora.report import SplitReport
from spacy_biolm.corpora.source import InvalidRecords, Location, SourceDocument

from .conftest import write

# A PMID of NLM-Gene's test split (NLMgene_Test.PubTator), also in BioRED.
NLM_GENE_TEST_PMID = "28487437"


def doc(doc_id: str) -> SourceDocument:
    return SourceDocument(doc_id, "text", [], Location(Path("fixture")))


def test_hold_out_drops_and_lists_test_documents():
    registry = {"a": frozenset({"2"}), "b": frozenset({"2", "98281994"})}
    report = SplitReport("c", "train")
    documents = [doc("1"), doc("2"), doc("98281994-2"), doc("3")]
    kept = [d.id for d in hold_out_test_documents(documents, report, registry)]
    assert kept == ["1", "3"]
    # A JNLPBA "-2" copy is held out with its PMID.
    assert report.held_out == {"2": ["a", "b"], "98281994-2": ["b"]}
    data = report.to_dict()
    assert data["held_out_test_docs"] == 2
    assert data["held_out_by_test_split"] == {"a": 1, "b": 2}


def test_document_key():
    assert document_key("98281994-2") == "98281994"
    assert document_key("8701013") == "8701013"
    assert document_key("pmcA1036069") == "pmcA1036069"


def test_registry_holds_the_test_splits_the_issue_names():
    assert in_test_splits(NLM_GENE_TEST_PMID) == ["nlm_gene"]
    # A BC5CDR test abstract (CDR_TestSet.PubTator.txt's first document).
    assert in_test_splits("8701013") == ["bc5cdr"]
    assert in_test_splits("1") == []


PUBTATOR = "{pmid}|t|Aspirin and cancer.\n{pmid}|a|Text.\n{pmid}\t0\t7\tAspirin\tChemical\tD1\n\n"


def test_convert_leaves_test_documents_out_of_train_and_dev(tmp_path):
    """A corpus whose train and dev hold an NLM-Gene test abstract: convert writes
    it to neither and says so; its own test split keeps everything."""
    folder = tmp_path / "bc5cdr"
    for name in ("Training", "Development", "Test"):
        pubtator = PUBTATOR.format(pmid="11") + PUBTATOR.format(pmid=NLM_GENE_TEST_PMID)
        write(folder, f"CDR_{name}Set.PubTator.txt", pubtator)
    reports = convert_corpus(CorpusName.bc5cdr, folder, tmp_path / "out", progress=False)
    assert {r.split: r.docs for r in reports} == {"train": 1, "dev": 1, "test": 2}
    vocab = spacy.blank("en").vocab
    for split, n in {"train": 1, "dev": 1, "test": 2}.items():
        docs = list(DocBin().from_disk(tmp_path / "out" / f"{split}.spacy").get_docs(vocab))
        assert len(docs) == n
    assert all(doc.text.startswith("Aspirin") for doc in docs)
    report = srsly.read_json(tmp_path / "out" / "report.json")
    assert report["splits"]["train"]["held_out_ids"] == {NLM_GENE_TEST_PMID: ["nlm_gene"]}
    assert report["splits"]["test"]["held_out_test_docs"] == 0


@pytest.fixture(scope="module")
def test_keys(corpora_dir) -> Dict[str, Set[str]]:
    """Every test split's document keys, read from the corpora, BC2GM's included."""
    keys = collect_test_ids(corpora_dir)
    bc2gm = corpus_splits(CorpusName.bc2gm, corpora_dir / "bc2gm")["test"]
    keys["bc2gm"] = {document_key(d.id) for d in bc2gm.read(InvalidRecords())}
    return keys


def test_registry_is_what_the_corpora_hold(test_keys):
    assert {corpus: set(ids) for corpus, ids in TEST_IDS.items()} == {
        corpus: ids for corpus, ids in test_keys.items() if corpus != "bc2gm"
    }
    # Published test sizes (JNLPBA: 404 abstracts, two of them "-2" copies).
    sizes = {"bc5cdr": 500, "ncbi_disease": 100, "s800": 160, "linnaeus": 33, "jnlpba": 402}
    assert {corpus: len(test_keys[corpus]) for corpus in sizes} == sizes


@pytest.mark.parametrize("corpus", list(CorpusName))
def test_no_train_or_dev_document_is_in_any_test_split(corpora_dir, test_keys, corpus):
    """What convert writes for train and dev (the guard's output), against every
    test document of every corpus, by key."""
    every_test_key = set().union(*test_keys.values())
    for split, source in corpus_splits(corpus, corpora_dir / corpus.value).items():
        if split == "test":
            continue
        report = SplitReport(corpus.value, split)
        kept = hold_out_test_documents(source.read(InvalidRecords()), report)
        leaked = [d.id for d in kept if document_key(d.id) in every_test_key]
        assert leaked == [], (split, leaked[:5])


# What the guard removes from the releases, by corpus and split (the rest keeps
# every document): BioRED's abstracts of other test splits, and the JNLPBA train
# abstracts that its test split holds as well.
HELD_OUT = {
    ("biored", "train"): {"bc5cdr": 69, "nlm_gene": 22, "gnormplus": 4, "ncbi_disease": 1},
    ("jnlpba", "train"): {"jnlpba": 9},
    ("jnlpba", "dev"): {"jnlpba": 1},
}


@pytest.mark.parametrize("corpus", list(CorpusName))
def test_what_the_guard_holds_out(corpora_dir, corpus):
    for split, source in corpus_splits(corpus, corpora_dir / corpus.value).items():
        if split == "test":
            continue
        report = SplitReport(corpus.value, split)
        for _ in hold_out_test_documents(source.read(InvalidRecords()), report):
            pass
        assert report.held_out_by_corpus == HELD_OUT.get((corpus.value, split), {}), split
