"""The test-document guard: no document of any corpus's test split is trained on.

Corpora reuse each other's abstracts (BioRED holds 69 BC5CDR test abstracts, 22
NLM-Gene, 4 GNormPlus and 1 NCBI-disease test abstract; the JNLPBA release holds
10 of its own test abstracts in train as well). A model trained on them would
inflate every test number we publish. So the conversion of every catalog corpus
drops, from its train and dev splits, each document whose id is in the test split
of any corpus in the registry (`load_test_ids`), and lists the dropped ids in the
report (`held_out_test_docs`).

Documents are matched by id: the PMID for the abstract corpora (S800's files are
named by their PMID), the MEDLINE id for JNLPBA (whose "-2" copies share their
PMID's key), the PMC id for LINNAEUS. BC2GM's sentence ids are a namespace of
their own, and its splits are disjoint by construction, so it adds nothing here.
GNormPlus and NLM-Gene, opt-in corpora that the default conversion leaves out, are
in the registry all the same: their test abstracts must not be trained on either.

The registry (`load_test_ids`) is read from the folder of every corpus that the
conversion reads, once per process: converting one corpus needs the test splits
of all the others beside it, and a missing one is an error (E1087), never a
weaker guard.
"""

import re
from functools import cache
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, Iterator, List, Mapping, Set

from ..errors import Errors
from .catalog import CORPUS_RECIPES, CorpusName, SplitSource
from .report import SplitReport
from .source import CorpusError, InvalidRecords, SourceDocument

# Corpora whose ids cannot meet another corpus's (see the module docstring).
UNKEYED_CORPORA = frozenset({CorpusName.bc2gm.value})

# Corpus -> the keys of its test split.
HeldOutRegistry = Mapping[str, FrozenSet[str]]


def document_key(doc_id: str) -> str:
    """The key a document is matched by: its id without a copy suffix ("-2").

    doc_id (str): A source document id ("98281994-2", "8701013", "pmcA1036069").
    RETURNS (str): The key ("98281994", "8701013", "pmcA1036069").
    """
    return re.sub(r"-\d+$", "", doc_id)


def in_test_splits(doc_id: str, registry: HeldOutRegistry) -> List[str]:
    """The corpora whose test split holds a document.

    doc_id (str): The document id.
    registry (HeldOutRegistry): Corpus -> the keys of its test split (`load_test_ids`).
    RETURNS (List[str]): Those corpora, in registry order; empty when none.
    """
    key = document_key(doc_id)
    return [corpus for corpus, keys in registry.items() if key in keys]


def hold_out_test_documents(
    documents: Iterable[SourceDocument],
    report: SplitReport,
    registry: HeldOutRegistry,
) -> Iterator[SourceDocument]:
    """The documents of a train or dev split less those of any test split.

    documents (Iterable[SourceDocument]): The split's documents.
    report (SplitReport): Receives the dropped ids (`held_out`).
    registry (HeldOutRegistry): Corpus -> the keys of its test split (`load_test_ids`).
    YIELDS (SourceDocument): The documents that are in no test split.
    """
    for document in documents:
        corpora = in_test_splits(document.id, registry)
        if corpora:
            report.held_out[document.id] = corpora
        else:
            yield document


def load_test_ids(corpora_dir: Path) -> HeldOutRegistry:
    """The registry of test splits: every test split's keys, read from the corpora
    once per process (`functools.cache`, per resolved folder).

    corpora_dir (Path): A folder with one folder per corpus, like ../shared/corpora.
    RETURNS (HeldOutRegistry): Corpus -> the keys of its test documents.
    """
    return _load_test_ids(corpora_dir.resolve())


@cache
def _load_test_ids(corpora_dir: Path) -> HeldOutRegistry:
    return {corpus: frozenset(keys) for corpus, keys in collect_test_ids(corpora_dir).items()}


def collect_test_ids(corpora_dir: Path) -> Dict[str, Set[str]]:
    """The keys of every test split, read from the corpora (`load_test_ids` caches them).

    corpora_dir (Path): A folder with one folder per corpus, like ../shared/corpora.
    RETURNS (Dict[str, Set[str]]): Corpus -> the keys of its test documents.
    """
    sources: Dict[str, SplitSource] = {}
    for name in CorpusName:
        recipe = CORPUS_RECIPES[name]
        splits = recipe.splits(corpora_dir / name.value, recipe.formats[0], corpora_dir)
        if "test" in splits and name.value not in UNKEYED_CORPORA:
            sources[name.value] = splits["test"]
    # Every file first: a missing one is reported before minutes of reading.
    for corpus, source in sources.items():
        for path in source.paths:
            if not path.exists():
                raise CorpusError(
                    Errors.E1087.format(path=path, corpus=corpus, corpora_dir=corpora_dir)
                )
    # Only the ids matter here: converting a split reports its invalid records.
    return {
        corpus: _keys(source.read(InvalidRecords(skip=True))) for corpus, source in sources.items()
    }


def _keys(documents: Iterable[SourceDocument]) -> Set[str]:
    return {document_key(document.id) for document in documents}
