"""The test-document guard: no document of any corpus's test split is trained on.

Corpora reuse each other's abstracts (BioRED holds 69 BC5CDR test abstracts, 22
NLM-Gene, 4 GNormPlus and 1 NCBI-disease test abstract; the JNLPBA release holds
10 of its own test abstracts in train as well). A model trained on them would
inflate every test number we publish. So the conversion of every catalog corpus
drops, from its train and dev splits, each document whose id is in the test split
of any corpus in `TEST_IDS`, and lists the dropped ids in the report
(`held_out_test_docs`).

Documents are matched by id: the PMID for the abstract corpora (S800's files are
named by their PMID), the MEDLINE id for JNLPBA (whose "-2" copies share their
PMID's key), the PMC id for LINNAEUS. BC2GM's sentence ids are a namespace of
their own, and its splits are disjoint by construction, so it adds nothing here.
GNormPlus and NLM-Gene are in the registry although not (yet) catalog corpora:
their test abstracts must not be trained on either.

`TEST_IDS` is written out (`heldout_ids.py`) so that converting one corpus needs
no other; `collect_test_ids` derives it from the corpora, and
`tests/corpora/test_test_guard.py` checks that the two agree.
"""

import re
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, Iterator, List, Mapping, Set

from .catalog import CorpusName, corpus_splits
from .heldout_ids import TEST_ID_LISTS
from .pubtator import read_pubtator
from .report import SplitReport
from .source import InvalidRecords, SourceDocument

# Test splits of corpora outside the catalog, by folder: the file in it.
EXTRA_TEST_FILES = {
    "gnormplus": "GNormPlus_Test.PubTator",
    "nlm_gene": "NLMgene_Test.PubTator",
}
# Corpora whose ids cannot meet another corpus's (see the module docstring).
UNKEYED_CORPORA = frozenset({CorpusName.bc2gm.value})

TEST_IDS: Mapping[str, FrozenSet[str]] = {
    corpus: frozenset(ids.split()) for corpus, ids in TEST_ID_LISTS.items()
}


def document_key(doc_id: str) -> str:
    """The key a document is matched by: its id without a copy suffix ("-2").

    doc_id (str): A source document id ("98281994-2", "8701013", "pmcA1036069").
    RETURNS (str): The key ("98281994", "8701013", "pmcA1036069").
    """
    return re.sub(r"-\d+$", "", doc_id)


def in_test_splits(doc_id: str, registry: Mapping[str, FrozenSet[str]] = TEST_IDS) -> List[str]:
    """The corpora whose test split holds a document.

    doc_id (str): The document id.
    registry (Mapping[str, FrozenSet[str]]): Corpus -> the keys of its test split.
    RETURNS (List[str]): Those corpora, in registry order; empty when none.
    """
    key = document_key(doc_id)
    return [corpus for corpus, keys in registry.items() if key in keys]


def hold_out_test_documents(
    documents: Iterable[SourceDocument],
    report: SplitReport,
    registry: Mapping[str, FrozenSet[str]] = TEST_IDS,
) -> Iterator[SourceDocument]:
    """The documents of a train or dev split less those of any test split.

    documents (Iterable[SourceDocument]): The split's documents.
    report (SplitReport): Receives the dropped ids (`held_out`).
    registry (Mapping[str, FrozenSet[str]]): Corpus -> the keys of its test split.
    YIELDS (SourceDocument): The documents that are in no test split.
    """
    for document in documents:
        corpora = in_test_splits(document.id, registry)
        if corpora:
            report.held_out[document.id] = corpora
        else:
            yield document


def collect_test_ids(corpora_dir: Path) -> Dict[str, Set[str]]:
    """The keys of every test split, read from the corpora (what `TEST_IDS` holds).

    corpora_dir (Path): A folder with one folder per corpus, like ../shared/corpora.
    RETURNS (Dict[str, Set[str]]): Corpus -> the keys of its test documents.
    """
    found: Dict[str, Set[str]] = {}
    for name in CorpusName:
        test = corpus_splits(name, corpora_dir / name.value).get("test")
        if test is not None and name.value not in UNKEYED_CORPORA:
            found[name.value] = _keys(test.read(InvalidRecords(skip=True)))
    for corpus, file in EXTRA_TEST_FILES.items():
        path = corpora_dir / corpus / file
        found[corpus] = _keys(read_pubtator(path, InvalidRecords(skip=True)))
    return found


def _keys(documents: Iterable[SourceDocument]) -> Set[str]:
    return {document_key(document.id) for document in documents}
