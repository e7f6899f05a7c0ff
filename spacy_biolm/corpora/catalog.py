"""The six public corpora: where their splits are, how their types map to labels.

Each input folder is laid out like the public release (as in shared/corpora/).
Splits are the standard ones; two need a decision, made here once:

- JNLPBA has no development set. Dev is carved from train by PMID: the 10 % of
  train PMIDs with the smallest md5 digest of the PMID (200 of 2,000 documents).
  The rule depends on nothing but the ids, so it is the same on every machine.
- The JNLPBA release holds three abstracts twice ("98281994" and "98281994-2"):
  the same text re-aligned to the two annotated copies that the original data
  contains, with differing annotations. Both copies are kept (the published
  mention counts include both) and share their PMID's split, so a dev or test
  abstract never also appears in train. NCBI-disease train likewise holds
  PMID 8528200 twice, identically; both are kept (593 documents as published)
  and the report lists the repeated id.
"""

import hashlib
import re
from dataclasses import dataclass
from enum import Enum
from functools import partial
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Sequence, Set, Tuple

from ..errors import Errors
from .bc2gm import read_bc2gm
from .bioc import read_bioc
from .brat import brat_documents, read_brat
from .labels import LabelScheme
from .pubtator import read_pubtator
from .reader import ReadSource
from .source import CorpusError, InvalidRecords, SourceDocument, read_text
from .species_tsv import read_species_tsv

JNLPBA_DEV_FRACTION = 0.1


class CorpusName(str, Enum):
    bc5cdr = "bc5cdr"
    ncbi_disease = "ncbi_disease"
    bc2gm = "bc2gm"
    jnlpba = "jnlpba"
    linnaeus = "linnaeus"
    s800 = "s800"


@dataclass(frozen=True)
class SplitSource:
    """How to read one split: the input files it needs and the reader.

    paths (Tuple[Path, ...]): Files and folders that must exist.
    read (ReadSource): Yields the split's source documents.
    """

    paths: Tuple[Path, ...]
    read: ReadSource


@dataclass(frozen=True)
class CorpusRecipe:
    """A public corpus: its label scheme, formats and splits.

    scheme (LabelScheme): How its types map to labels.
    formats (Tuple[str, ...]): The formats it is released in, the default first.
    layout (str): The expected layout of its input folder, for messages.
    splits (Callable[[Path, str], Dict[str, SplitSource]]): Input folder and format
        -> the sources of the train, dev and test splits.
    """

    scheme: LabelScheme
    formats: Tuple[str, ...]
    layout: str
    splits: Callable[[Path, str], Dict[str, SplitSource]]


def _bc5cdr(input_dir: Path, fmt: str) -> Dict[str, SplitSource]:
    names = {"train": "Training", "dev": "Development", "test": "Test"}
    suffix, read = (".BioC.xml", read_bioc) if fmt == "bioc" else (".PubTator.txt", read_pubtator)
    sources = {}
    for split, name in names.items():
        path = input_dir / f"CDR_{name}Set{suffix}"
        sources[split] = SplitSource((path,), partial(read, path))
    return sources


def _ncbi_disease(input_dir: Path, fmt: str) -> Dict[str, SplitSource]:
    names = {"train": "train", "dev": "develop", "test": "test"}
    sources = {}
    for split, name in names.items():
        path = input_dir / f"NCBI{name}set_corpus.txt"
        sources[split] = SplitSource((path,), partial(read_pubtator, path))
    return sources


def _bc2gm(input_dir: Path, fmt: str) -> Dict[str, SplitSource]:
    names = {"train": "train", "dev": "devel", "test": "test"}
    sources = {}
    for split, name in names.items():
        text, gene = input_dir / name / f"{name}.in", input_dir / name / "GENE.eval"
        sources[split] = SplitSource((text, gene), partial(read_bc2gm, text, gene))
    return sources


def jnlpba_dev_documents(names: Sequence[str]) -> Set[str]:
    """The JNLPBA train documents that form the dev split.

    names (Sequence[str]): The train document names ("98281994", "98281994-2", ...).
    RETURNS (Set[str]): The names whose PMID is among the 10 % of PMIDs with the
        smallest md5 digest; both copies of a repeated PMID go together.
    """
    pmids = sorted({_pmid(name) for name in names}, key=_md5)
    chosen = set(pmids[: round(len(pmids) * JNLPBA_DEV_FRACTION)])
    return {name for name in names if _pmid(name) in chosen}


def _pmid(name: str) -> str:
    return re.sub(r"-\d+$", "", name)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf8")).hexdigest()


def _jnlpba(input_dir: Path, fmt: str) -> Dict[str, SplitSource]:
    train_dir, test_dir = input_dir / "train", input_dir / "test"
    names = brat_documents(train_dir) if train_dir.is_dir() else []
    dev = jnlpba_dev_documents(names)
    train = [name for name in names if name not in dev]
    return {
        "train": SplitSource((train_dir,), partial(read_brat, train_dir, documents=train)),
        "dev": SplitSource((train_dir,), partial(read_brat, train_dir, documents=dev)),
        "test": SplitSource((test_dir,), partial(read_brat, test_dir)),
    }


def _split_ids(path: Path) -> List[str]:
    return read_text(path).split()


def _linnaeus(input_dir: Path, fmt: str) -> Dict[str, SplitSource]:
    texts, tags = input_dir / "txt", input_dir / "tags.tsv"
    sources = {}
    for split, name in {"train": "train", "dev": "devel", "test": "test"}.items():
        ids = input_dir / "split" / f"{name}.txt"
        sources[split] = SplitSource((texts, tags, ids), partial(_read_linnaeus, texts, tags, ids))
    return sources


def _read_linnaeus(
    texts: Path, tags: Path, ids: Path, invalid: InvalidRecords
) -> Iterator[SourceDocument]:
    return read_species_tsv(texts, tags, invalid, documents=_split_ids(ids))


def _s800(input_dir: Path, fmt: str) -> Dict[str, SplitSource]:
    texts, tags, pmids = input_dir / "abstracts", input_dir / "S800.tsv", input_dir / "pubmedid.tsv"
    sources = {}
    for split, name in {"train": "train", "dev": "devel", "test": "test"}.items():
        ids = input_dir / "split" / f"{name}.txt"
        sources[split] = SplitSource(
            (texts, tags, pmids, ids), partial(_read_s800, texts, tags, pmids, ids)
        )
    return sources


def _read_s800(
    texts: Path, tags: Path, pmids: Path, ids: Path, invalid: InvalidRecords
) -> Iterator[SourceDocument]:
    # The split files list PMIDs; pubmedid.tsv names the text file of each.
    files: Dict[str, str] = {}
    for line in read_text(pmids).splitlines():
        fields = line.split("\t")
        if len(fields) >= 2:
            files[fields[1].removeprefix("PMID:")] = fields[0]
    split = _split_ids(ids)
    unknown = [pmid for pmid in split if pmid not in files]
    if unknown:
        raise CorpusError(Errors.E1069.format(where=ids, doc=f"PMID {unknown[0]}", texts=pmids))
    documents = [files[pmid] for pmid in split]
    return read_species_tsv(texts, tags, invalid, documents=documents, end_inclusive=True)


CORPORA: Dict[CorpusName, CorpusRecipe] = {
    CorpusName.bc5cdr: CorpusRecipe(
        LabelScheme.create({"Chemical": "Chemical", "Disease": "Disease"}),
        ("pubtator", "bioc"),
        "CDR_{Training,Development,Test}Set.{PubTator.txt,BioC.xml}",
        _bc5cdr,
    ),
    CorpusName.ncbi_disease: CorpusRecipe(
        LabelScheme.create(
            {
                "SpecificDisease": "Disease",
                "DiseaseClass": "Disease",
                "Modifier": "Disease",
                "CompositeMention": "Disease",
            }
        ),
        ("pubtator",),
        "NCBI{train,develop,test}set_corpus.txt",
        _ncbi_disease,
    ),
    CorpusName.bc2gm: CorpusRecipe(
        LabelScheme.create({"GENE": "Gene"}),
        ("bc2gm",),
        "{train,devel,test}/{train,devel,test}.in and GENE.eval",
        _bc2gm,
    ),
    CorpusName.jnlpba: CorpusRecipe(
        LabelScheme.create(
            {"protein": "Gene", "DNA": "Gene", "RNA": "Gene"},
            ignore_types=("cell_type", "cell_line"),
        ),
        ("brat",),
        "train/ and test/ folders of NAME.txt + NAME.ann",
        _jnlpba,
    ),
    CorpusName.linnaeus: CorpusRecipe(
        LabelScheme.create({"species": "Species"}),
        ("species-tsv",),
        "txt/, tags.tsv and split/{train,devel,test}.txt",
        _linnaeus,
    ),
    CorpusName.s800: CorpusRecipe(
        LabelScheme.create({"species": "Species"}),
        ("species-tsv",),
        "abstracts/, S800.tsv, pubmedid.tsv and split/{train,devel,test}.txt (PMIDs)",
        _s800,
    ),
}


def corpus_splits(name: CorpusName, input_dir: Path, fmt: str = "") -> Dict[str, SplitSource]:
    """The split sources of a public corpus, after checking its input folder.

    name (CorpusName): The corpus.
    input_dir (Path): Its folder, laid out like the public release.
    fmt (str): Its format; "" for the default.
    RETURNS (Dict[str, SplitSource]): Split name -> source.
    """
    recipe = CORPORA[name]
    fmt = fmt or recipe.formats[0]
    if fmt not in recipe.formats:
        raise CorpusError(
            Errors.E1071.format(corpus=name.value, format=fmt, formats=", ".join(recipe.formats))
        )
    splits = recipe.splits(input_dir, fmt)
    for source in splits.values():
        for path in source.paths:
            if not path.exists():
                raise CorpusError(
                    Errors.E1080.format(
                        path=path, missing="not found", corpus=name.value, layout=recipe.layout
                    )
                )
    return splits
