"""The test-document guard (heldout.py): no train or dev document of any corpus is
in any corpus's test split. Unit tests on hand-made ids and a hand-made corpora
folder; the guarantee itself on the real corpora (skipped when ../shared/corpora
is absent)."""

import shutil
from pathlib import Path
from typing import Dict, Set

import pytest
import spacy
import srsly
from spacy.tokens import DocBin

from spacy_biolm.corpora.catalog import CorpusName, corpus_splits
from spacy_biolm.corpora.convert import convert_corpus
from spacy_biolm.corpora.heldout import (
    collect_test_ids,
    document_key,
    hold_out_test_documents,
    in_test_splits,
    load_test_ids,
)
from spacy_biolm.corpora.report import SplitReport
from spacy_biolm.corpora.source import CorpusError, InvalidRecords, Location, SourceDocument

from .fake_corpora import TEST_SPLIT_FILES, write_fake_corpora

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


def test_registry_holds_the_test_splits_the_issue_names(corpora_dir):
    registry = load_test_ids(corpora_dir)
    assert in_test_splits(NLM_GENE_TEST_PMID, registry) == ["nlm_gene"]
    # A BC5CDR test abstract (CDR_TestSet.PubTator.txt's first document).
    assert in_test_splits("8701013", registry) == ["bc5cdr"]
    assert in_test_splits("1", registry) == []


def test_convert_leaves_test_documents_out_of_train_and_dev(tmp_path):
    """A corpus whose train and dev hold an NLM-Gene test abstract: convert writes
    it to neither and says so; its own test split keeps everything."""
    both = ("11", NLM_GENE_TEST_PMID)
    corpora = write_fake_corpora(
        tmp_path / "corpora",
        {
            ("bc5cdr", "train"): both,
            ("bc5cdr", "dev"): both,
            ("bc5cdr", "test"): ("12", "13"),
            ("nlm_gene", "test"): (NLM_GENE_TEST_PMID,),
        },
    )
    out = tmp_path / "out"
    reports = convert_corpus(CorpusName.bc5cdr, corpora / "bc5cdr", out, progress=False)
    assert {r.split: r.docs for r in reports} == {"train": 1, "dev": 1, "test": 2}
    vocab = spacy.blank("en").vocab
    for split, n in {"train": 1, "dev": 1, "test": 2}.items():
        docs = list(DocBin().from_disk(out / f"{split}.spacy").get_docs(vocab))
        assert len(docs) == n
    assert all(doc.text.startswith("Aspirin") for doc in docs)
    report = srsly.read_json(out / "report.json")
    assert report["splits"]["train"]["held_out_ids"] == {NLM_GENE_TEST_PMID: ["nlm_gene"]}
    assert report["splits"]["test"]["held_out_test_docs"] == 0


# Where a document can be a test document, by the corpus whose test split holds
# it: (corpus, split) -> its id there, and the id BC5CDR's train knows it by.
TEST_HOMES = {
    "bc5cdr": ("7", "7"),
    "ncbi_disease": ("7", "7"),
    "jnlpba": ("7", "7-2"),  # a JNLPBA "-2" copy is held out with its PMID
    "linnaeus": ("pmcA7", "pmcA7"),
    "s800": ("7", "7"),
    "gnormplus": ("7", "7"),
    "nlm_gene": ("7", "7"),
}


@pytest.mark.parametrize("home", sorted(TEST_HOMES))
def test_converting_one_corpus_drops_the_test_documents_of_every_corpus(tmp_path, home):
    """BC5CDR's train holds a document of another corpus's test split (or of its
    own): converting BC5CDR alone, from a folder of every corpus, drops it."""
    test_id, train_id = TEST_HOMES[home]
    corpora = write_fake_corpora(
        tmp_path / "corpora",
        {(home, "test"): (test_id,), ("bc5cdr", "train"): ("11", train_id)},
    )
    reports = convert_corpus(
        CorpusName.bc5cdr, corpora / "bc5cdr", tmp_path / "out", progress=False
    )
    train = {r.split: r for r in reports}["train"]
    assert (train.docs, train.held_out) == (1, {train_id: [home]})


@pytest.mark.parametrize("missing", TEST_SPLIT_FILES)
def test_a_missing_test_split_stops_the_conversion(tmp_path, missing):
    """Without one corpus's test split the guard would be weaker: converting any
    corpus raises, names the file and the fix, and writes nothing."""
    corpora = write_fake_corpora(tmp_path / "corpora")
    path = corpora / missing
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink()
    out = tmp_path / "out"
    # Another corpus than the one whose file is missing (its own folder is checked first).
    name = CorpusName.ncbi_disease if missing.startswith("bc5cdr") else CorpusName.bc5cdr
    with pytest.raises(CorpusError, match="E1087") as error:
        convert_corpus(name, corpora / name.value, out, progress=False)
    assert str(path) in str(error.value) and "--corpora-dir" in str(error.value)
    assert not out.exists()


def test_corpora_dir_is_the_input_folders_parent_unless_given(tmp_path):
    """`convert bc5cdr DIR/bc5cdr OUT` reads the other corpora beside it; a corpus
    folder elsewhere needs --corpora-dir."""
    corpora = write_fake_corpora(tmp_path / "corpora", {("nlm_gene", "test"): ("101",)})
    alone = tmp_path / "alone" / "bc5cdr"
    shutil.copytree(corpora / "bc5cdr", alone)
    with pytest.raises(CorpusError, match="E1087"):
        convert_corpus(CorpusName.bc5cdr, alone, tmp_path / "out", progress=False)
    reports = convert_corpus(
        CorpusName.bc5cdr, alone, tmp_path / "out", progress=False, corpora_dir=corpora
    )
    assert {r.split: r.held_out for r in reports}["train"] == {"101": ["nlm_gene"]}


@pytest.fixture(scope="module")
def test_keys(corpora_dir) -> Dict[str, Set[str]]:
    """Every test split's document keys, read from the corpora, BC2GM's included."""
    keys = collect_test_ids(corpora_dir)
    bc2gm = corpus_splits(CorpusName.bc2gm, corpora_dir / "bc2gm")["test"]
    keys["bc2gm"] = {document_key(d.id) for d in bc2gm.read(InvalidRecords())}
    return keys


def test_registry_is_what_the_corpora_hold(corpora_dir, test_keys):
    assert {corpus: set(ids) for corpus, ids in load_test_ids(corpora_dir).items()} == {
        corpus: ids for corpus, ids in test_keys.items() if corpus != "bc2gm"
    }
    # Published test sizes (JNLPBA: 404 abstracts, two of them "-2" copies;
    # GNormPlus: 262 abstracts, NLM-Gene: 100, as their test files hold them).
    sizes = {
        "bc5cdr": 500,
        "ncbi_disease": 100,
        "s800": 160,
        "linnaeus": 33,
        "jnlpba": 402,
        "gnormplus": 262,
        "nlm_gene": 100,
    }
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
        registry = load_test_ids(corpora_dir)
        kept = hold_out_test_documents(source.read(InvalidRecords()), report, registry)
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
        registry = load_test_ids(corpora_dir)
        for _ in hold_out_test_documents(source.read(InvalidRecords()), report, registry):
            pass
        assert report.held_out_by_corpus == HELD_OUT.get((corpus.value, split), {}), split
