"""Gold mentions with their concept IDs, read from the corpora's own files.

The corpus readers (`spacy_biolm.corpora`) give each mention's text, offsets and
the file line it comes from; the ID column of that line is read here and turned
into CURIEs with the corpora's prefixes:

- BC5CDR: `D009270` -> `MESH:D009270`; `-1` (no ID) -> no ID; a composite mention
  has several IDs joined by "|" and, in column 7, the text of each part.
- NCBI-disease: `D012878`, `C537666` -> `MESH:…`; `OMIM:…` kept; a composite joins
  IDs with "|", a combined concept with "+": both become a set of IDs.
- GNormPlus, NLM-Gene: `672`, `3643,3480`, `5886;5887`, `60663(Tax:10116)` ->
  `NCBIGene:…` (the taxon note is dropped). Only type "Gene" carries gene IDs.
- LINNAEUS (`species:ncbi:9606`) and Species-800 (`9606`) -> `NCBITaxon:9606`.

An ID in any other form stops the reading with the file, the line and a fix.
"""

import re
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Tuple

from ..corpora.catalog import CorpusName, corpus_splits
from ..corpora.errata import find_erratum
from ..corpora.pubtator import read_pubtator
from ..corpora.source import CorpusError, InvalidRecords, Location, SourceDocument
from ..errors import Errors

PREFIXES = ("MESH", "OMIM", "NCBITaxon", "NCBIGene")
MESH_ID = re.compile(r"^[CD]\d+$")
DIGITS = re.compile(r"^\d+$")
TAXON_NOTE = re.compile(r"\([Tt]ax:\d+\)$")


class LinkingCorpus(str, Enum):
    bc5cdr = "bc5cdr"
    ncbi_disease = "ncbi_disease"
    linnaeus = "linnaeus"
    s800 = "s800"
    gnormplus = "gnormplus"
    nlm_gene = "nlm_gene"


@dataclass(frozen=True)
class GoldMention:
    """A gold mention and the concepts it refers to.

    start (int): Offset of its first character in the document text.
    end (int): Offset after its last character.
    text (str): The mention text.
    label (str): Its label ("Disease", ...).
    ids (Tuple[str, ...]): Its CURIEs: one, several for a composite mention or an
        ambiguous gene, none where the corpus gives no ID.
    parts (Tuple[Tuple[str, str], ...]): (ID, text) of each part of a composite
        mention that has an ID, where the corpus states the parts (BC5CDR); else empty.
    where (Location): The file and line it comes from.
    """

    start: int
    end: int
    text: str
    label: str
    ids: Tuple[str, ...]
    parts: Tuple[Tuple[str, str], ...]
    where: Location


@dataclass
class GoldDocument:
    """A document with its gold mentions.

    id (str): The corpus's document id.
    text (str): The text the offsets refer to.
    mentions (List[GoldMention]): The mentions that have a label we link.
    """

    id: str
    text: str
    mentions: List[GoldMention] = field(default_factory=list)


# corpus -> (source type -> label, ID column, ID parser)
IdParser = Callable[[str, Location, str], Tuple[str, ...]]


def _mesh_or_omim(value: str, where: Location, line: str) -> Tuple[str, ...]:
    if value.strip() in ("", "-1", "-"):
        return ()
    ids = []
    for part in re.split(r"[|+]", value.strip()):
        if part == "-1":
            # A part of a composite without an ID: BC5CDR keeps the other parts' IDs.
            ids.append("")
        elif MESH_ID.match(part):
            ids.append(f"MESH:{part}")
        elif _is_curie(part):
            ids.append(part)
        else:
            raise _unknown_id(part, where, line)
    return tuple(ids)


def _is_curie(value: str) -> bool:
    prefix, _, number = value.partition(":")
    return bool(
        (prefix == "MESH" and MESH_ID.match(number)) or (prefix == "OMIM" and DIGITS.match(number))
    )


def _genes(value: str, where: Location, line: str) -> Tuple[str, ...]:
    if value.strip() in ("", "-1", "-"):
        return ()
    ids = []
    for part in re.split(r"[,;]", value.strip()):
        part = TAXON_NOTE.sub("", part.strip())
        if not DIGITS.match(part):
            raise _unknown_id(part, where, line)
        ids.append(f"NCBIGene:{part}")
    return tuple(dict.fromkeys(ids))


def _taxon(value: str, where: Location, line: str) -> Tuple[str, ...]:
    ids = []
    for part in value.strip().split("|"):
        number = part.removeprefix("species:ncbi:")
        if not DIGITS.match(number):
            raise _unknown_id(part, where, line)
        ids.append(f"NCBITaxon:{number}")
    return tuple(dict.fromkeys(ids))


def _unknown_id(value: str, where: Location, line: str) -> CorpusError:
    return CorpusError(
        Errors.E1186.format(
            where=where, id=value, what=f"the line {line!r}", prefixes=", ".join(PREFIXES)
        )
    )


@dataclass(frozen=True)
class CorpusIds:
    """Where a corpus keeps its IDs and how to read them.

    types (Dict[str, str]): Source type -> label, for the types that carry IDs.
    column (int): The 0-based tab-separated column of the ID on a mention's line.
    parse (IdParser): ID field -> CURIEs.
    parts_column (Optional[int]): The column with the texts of a composite's parts.
    """

    types: Dict[str, str]
    column: int
    parse: IdParser
    parts_column: Optional[int] = None


NCBI_TYPES = ("SpecificDisease", "DiseaseClass", "Modifier", "CompositeMention")
CORPUS_IDS: Dict[LinkingCorpus, CorpusIds] = {
    LinkingCorpus.bc5cdr: CorpusIds(
        {"Chemical": "Chemical", "Disease": "Disease"}, 5, _mesh_or_omim, parts_column=6
    ),
    LinkingCorpus.ncbi_disease: CorpusIds(dict.fromkeys(NCBI_TYPES, "Disease"), 5, _mesh_or_omim),
    LinkingCorpus.linnaeus: CorpusIds({"species": "Species"}, 0, _taxon),
    LinkingCorpus.s800: CorpusIds({"species": "Species"}, 0, _taxon),
    LinkingCorpus.gnormplus: CorpusIds({"Gene": "Gene"}, 5, _genes),
    LinkingCorpus.nlm_gene: CorpusIds({"Gene": "Gene"}, 5, _genes),
}
# GNormPlus and NLM-Gene have a train and a test file, no dev split.
GENE_FILES = {
    LinkingCorpus.gnormplus: {
        "train": "GNormPlus_Train.PubTator",
        "test": "GNormPlus_Test.PubTator",
    },
    LinkingCorpus.nlm_gene: {"train": "NLMgene_Train.PubTator", "test": "NLMgene_Test.PubTator"},
}


def corpus_files(corpus: LinkingCorpus, split: str) -> List[str]:
    """The annotation files (relative to the corpora folder) a split's IDs come from.

    corpus (LinkingCorpus): The corpus.
    split (str): "train", "dev" or "test".
    RETURNS (List[str]): Their paths, e.g. ["bc5cdr/CDR_TestSet.PubTator.txt"].
    """
    name = corpus.value
    if corpus in GENE_FILES:
        file = GENE_FILES[corpus].get(split)
        return [f"{name}/{file}"] if file else []
    if corpus == LinkingCorpus.bc5cdr:
        names = {"train": "Training", "dev": "Development", "test": "Test"}
        return [f"{name}/CDR_{names[split]}Set.PubTator.txt"]
    if corpus == LinkingCorpus.ncbi_disease:
        names = {"train": "train", "dev": "develop", "test": "test"}
        return [f"{name}/NCBI{names[split]}set_corpus.txt"]
    split_file = {"train": "train", "dev": "devel", "test": "test"}[split]
    tags = "tags.tsv" if corpus == LinkingCorpus.linnaeus else "S800.tsv"
    return [f"{name}/{tags}", f"{name}/split/{split_file}.txt"]


def read_gold(corpora_dir: Path, corpus: LinkingCorpus, split: str) -> List[GoldDocument]:
    """The documents of a corpus split with their ID-carrying gold mentions.

    corpora_dir (Path): The folder holding one folder per corpus (shared/corpora).
    corpus (LinkingCorpus): The corpus.
    split (str): "train", "dev" or "test"; a split the corpus lacks gives [].
    RETURNS (List[GoldDocument]): The documents in corpus order.
    """
    corpus = LinkingCorpus(corpus)
    spec = CORPUS_IDS[corpus]
    documents = _source_documents(Path(corpora_dir), corpus, split)
    lines = _LineCache()
    result = []
    for document in documents:
        gold = GoldDocument(document.id, document.text)
        for mention in document.mentions:
            label = spec.types.get(mention.type)
            if label is None:
                continue
            line = lines.get(mention.where)
            fields = line.split("\t")
            value = fields[spec.column] if len(fields) > spec.column else ""
            ids = spec.parse(value, mention.where, line)
            parts: Tuple[Tuple[str, str], ...] = ()
            if spec.parts_column is not None and len(fields) > spec.parts_column and len(ids) > 1:
                texts = fields[spec.parts_column].split("|")
                if len(texts) == len(ids):
                    parts = tuple((i, t) for i, t in zip(ids, texts) if i)
            known = tuple(dict.fromkeys(i for i in ids if i))
            # The release records conversion corrects (errata.py) are corrected here
            # too, so a mention is the text its offsets point at.
            start, end, text = mention.start, mention.end, mention.text
            erratum = find_erratum(document.id, start, end, text)
            if erratum is not None:
                start, end, text = erratum.start, erratum.end, erratum.text
            gold.mentions.append(GoldMention(start, end, text, label, known, parts, mention.where))
        result.append(gold)
    return result


def _source_documents(
    corpora_dir: Path, corpus: LinkingCorpus, split: str
) -> Iterable[SourceDocument]:
    invalid = InvalidRecords()
    if corpus in GENE_FILES:
        files = corpus_files(corpus, split)
        return list(read_pubtator(corpora_dir / files[0], invalid)) if files else []
    splits = corpus_splits(CorpusName(corpus.value), corpora_dir / corpus.value)
    return list(splits[split].read(invalid))


class _LineCache:
    """The text of a file line by location, reading each file once (split as
    `corpora.source.iter_lines` splits, so line numbers agree)."""

    def __init__(self) -> None:
        self._files: Dict[Path, List[bytes]] = {}

    def get(self, where: Location) -> str:
        if where.path not in self._files:
            self._files[where.path] = where.path.read_bytes().splitlines()
        assert where.line is not None
        return self._files[where.path][where.line - 1].decode("utf-8")
