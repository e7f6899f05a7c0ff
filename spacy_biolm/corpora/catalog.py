"""The public releases the project is built on, one record each: the nine NER
corpora (where their splits are, how their types map to labels) and the other
pinned sources; for every one its title, URL and licence (the packaged model's
meta) and its files pinned to upstream commits with their checksums (project.yml's
assets and `verify-corpora` are derived from these; tests check they agree).

Seven are the default training corpora (`DEFAULT_CORPORA`: `convert-all`
converts them, the project trains on them). GNormPlus and NLM-Gene
(`OPT_IN_CORPORA`: gene mentions by the gene-normalization guidelines, for the
study of what trains the Gene label) are converted only when asked for (`convert
gnormplus`, `convert-all --opt-in`); every conversion reads their test splits all
the same (the test-document guard below).

Each input folder is laid out like the public release (as in shared/corpora/).
Splits are the standard ones; some need a decision, made here once:

- JNLPBA, GNormPlus and NLM-Gene have no development set. Dev is carved from train
  by PMID: the 10 % of train PMIDs with the smallest md5 digest of the PMID (JNLPBA
  200 of 2,000 documents, GNormPlus 43 of 432, NLM-Gene 45 of 450). The rule
  depends on nothing but the ids, so it is the same on every machine.
- The JNLPBA release holds three abstracts twice ("98281994" and "98281994-2"):
  the same text re-aligned to the two annotated copies that the original data
  contains, with differing annotations. Both copies are kept (the published
  mention counts include both) and share their PMID's split, so a dev or test
  abstract never also appears in train. NCBI-disease train likewise holds
  PMID 8528200 twice, identically; both are kept (593 documents as published)
  and the report lists the repeated id.
- BioRED's release here is its train + dev set in one file. Dev is the 100
  abstracts that no other corpus we use holds, chosen by PMID (`biored.py`); the
  conversion drops from train the abstracts that another corpus tests on.

No train or dev split ever holds a document of any corpus's test split: the
conversion leaves them out and reports them (`heldout.py`).
"""

import hashlib
import re
from dataclasses import dataclass
from enum import Enum
from functools import cache, partial
from pathlib import Path
from typing import (
    Any,
    Callable,
    Dict,
    FrozenSet,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Set,
    Tuple,
)

from ..errors import Errors
from .bc2gm import read_bc2gm
from .bioc import read_bioc
from .biored import BIORED_DEV_AVOIDS, biored_dev_pmids, check_dev_pin
from .brat import brat_documents, read_brat
from .labels import LabelScheme
from .pubtator import read_pubtator
from .reader import ReadSource
from .source import CorpusError, InvalidRecords, SourceDocument, read_text
from .species_tsv import read_species_tsv

# The share of train PMIDs that form the dev split of a corpus without one.
CARVED_DEV_FRACTION = 0.1


class CorpusName(str, Enum):
    bc5cdr = "bc5cdr"
    ncbi_disease = "ncbi_disease"
    bc2gm = "bc2gm"
    jnlpba = "jnlpba"
    linnaeus = "linnaeus"
    s800 = "s800"
    biored = "biored"
    gnormplus = "gnormplus"
    nlm_gene = "nlm_gene"


# Converted only when asked for: no default training, evaluation or smoke run
# reads them (their test splits are read by every conversion: heldout.py).
OPT_IN_CORPORA: Tuple[CorpusName, ...] = (CorpusName.gnormplus, CorpusName.nlm_gene)
# What `convert-all` converts and the project trains and evaluates on.
DEFAULT_CORPORA: Tuple[CorpusName, ...] = tuple(
    name for name in CorpusName if name not in OPT_IN_CORPORA
)


@dataclass(frozen=True)
class Pin:
    """One upstream file or folder, pinned to a commit of a GitHub repository.

    dest (str): Its path in the release's folder ("train/GENE.eval"); a folder's ends in "/".
    repo (str): The repository ("spyysalo/bc2gm-corpus").
    commit (str): The commit.
    path (str): Its path in the repository.
    checksum (str): The md5 of the file, or `assets.tree_digest` of the folder.
    """

    dest: str
    repo: str
    commit: str
    path: str
    checksum: str

    @property
    def is_folder(self) -> bool:
        return self.dest.endswith("/")

    @property
    def url(self) -> str:
        """The raw file's URL at the pinned commit."""
        return f"https://raw.githubusercontent.com/{self.repo}/{self.commit}/{self.path}"


def _pins(repo: str, commit: str, files: Mapping[str, Tuple[str, str]]) -> Tuple[Pin, ...]:
    """The pins of one repository at one commit: dest -> (upstream path, checksum)."""
    return tuple(Pin(dest, repo, commit, path, digest) for dest, (path, digest) in files.items())


@dataclass(frozen=True)
class Release:
    """A public release: what a packaged model's meta says about it, and its files.

    title (str): Its name ("NCBI Disease").
    url (str): Where it is published.
    license (str): Its licence, as the meta states it.
    pins (Tuple[Pin, ...]): Its files and folders, pinned to upstream commits.
    citation (str): The publication to cite, where its authors ask for one.
    """

    title: str
    url: str
    license: str
    pins: Tuple[Pin, ...]
    citation: str = ""


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
    """A public NER corpus: its release, label scheme, formats and splits.

    release (Release): Title, URL, licence and pinned files.
    scheme (LabelScheme): How its types map to labels.
    formats (Tuple[str, ...]): The formats it is released in, the default first.
    layout (str): The expected layout of its input folder, for messages.
    splits (Callable[[Path, str, Path], Dict[str, SplitSource]]): Input folder,
        format and the folder of every corpus (BioRED's dev split depends on the
        others) -> the sources of the train, dev and (where it has one) test splits.
    """

    release: Release
    scheme: LabelScheme
    formats: Tuple[str, ...]
    layout: str
    splits: Callable[[Path, str, Path], Dict[str, SplitSource]]


def _bc5cdr(input_dir: Path, fmt: str, corpora_dir: Path) -> Dict[str, SplitSource]:
    names = {"train": "Training", "dev": "Development", "test": "Test"}
    suffix, read = (".BioC.xml", read_bioc) if fmt == "bioc" else (".PubTator.txt", read_pubtator)
    sources = {}
    for split, name in names.items():
        path = input_dir / f"CDR_{name}Set{suffix}"
        sources[split] = SplitSource((path,), partial(read, path))
    return sources


def _ncbi_disease(input_dir: Path, fmt: str, corpora_dir: Path) -> Dict[str, SplitSource]:
    names = {"train": "train", "dev": "develop", "test": "test"}
    sources = {}
    for split, name in names.items():
        path = input_dir / f"NCBI{name}set_corpus.txt"
        sources[split] = SplitSource((path,), partial(read_pubtator, path))
    return sources


def _bc2gm(input_dir: Path, fmt: str, corpora_dir: Path) -> Dict[str, SplitSource]:
    names = {"train": "train", "dev": "devel", "test": "test"}
    sources = {}
    for split, name in names.items():
        text, gene = input_dir / name / f"{name}.in", input_dir / name / "GENE.eval"
        sources[split] = SplitSource((text, gene), partial(read_bc2gm, text, gene))
    return sources


def carved_dev_documents(names: Sequence[str]) -> Set[str]:
    """The train documents that form the dev split of a corpus released without
    one (JNLPBA, GNormPlus, NLM-Gene).

    names (Sequence[str]): The train document names ("98281994", "98281994-2", ...).
    RETURNS (Set[str]): The names whose PMID is among the 10 % of PMIDs with the
        smallest md5 digest; both copies of a repeated PMID go together.
    """
    pmids = sorted({_pmid(name) for name in names}, key=_md5)
    chosen = set(pmids[: round(len(pmids) * CARVED_DEV_FRACTION)])
    return {name for name in names if _pmid(name) in chosen}


def jnlpba_dev_documents(names: Sequence[str]) -> Set[str]:
    """The JNLPBA train documents that form the dev split (`carved_dev_documents`).

    names (Sequence[str]): The train document names ("98281994", "98281994-2", ...).
    RETURNS (Set[str]): The dev split's names.
    """
    return carved_dev_documents(names)


def _pmid(name: str) -> str:
    return re.sub(r"-\d+$", "", name)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf8")).hexdigest()


def _jnlpba(input_dir: Path, fmt: str, corpora_dir: Path) -> Dict[str, SplitSource]:
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


def _linnaeus(input_dir: Path, fmt: str, corpora_dir: Path) -> Dict[str, SplitSource]:
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


def _s800(input_dir: Path, fmt: str, corpora_dir: Path) -> Dict[str, SplitSource]:
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
    read = read_species_tsv(texts, tags, invalid, documents=documents, end_inclusive=True)
    return _by_pmid(read, {file: pmid for pmid, file in files.items()})


def _by_pmid(
    documents: Iterator[SourceDocument], pmids: Dict[str, str]
) -> Iterator[SourceDocument]:
    # S800 documents are known by PMID, as its split files and the other abstract
    # corpora know them (the test-document guard matches on it).
    for document in documents:
        document.id = pmids[document.id]
        yield document


# The gene-normalization corpora's releases: folder -> split -> file (PubTator,
# train and test only). BioRED's dev split avoids all their documents.
GENE_CORPUS_FILES: Dict[str, Dict[str, str]] = {
    "gnormplus": {"train": "GNormPlus_Train.PubTator", "test": "GNormPlus_Test.PubTator"},
    "nlm_gene": {"train": "NLMgene_Train.PubTator", "test": "NLMgene_Test.PubTator"},
}


def _gene_corpus(
    corpus: str, input_dir: Path, fmt: str, corpora_dir: Path
) -> Dict[str, SplitSource]:
    files = GENE_CORPUS_FILES[corpus]
    train, test = input_dir / files["train"], input_dir / files["test"]
    return {
        "train": SplitSource((train,), partial(_read_carved, train, dev=False)),
        "dev": SplitSource((train,), partial(_read_carved, train, dev=True)),
        "test": SplitSource((test,), partial(read_pubtator, test)),
    }


def _read_carved(path: Path, invalid: InvalidRecords, *, dev: bool) -> Iterator[SourceDocument]:
    # Chosen from the ids before the first document is written. Only the ids
    # matter here: the conversion itself reports invalid records.
    ids = [doc.id for doc in read_pubtator(path, InvalidRecords(skip=True))]
    chosen = carved_dev_documents(ids)
    return (doc for doc in read_pubtator(path, invalid) if (doc.id in chosen) == dev)


BIORED_RELEASE = "BioRED_TrainDev.PubTator"


def _biored(input_dir: Path, fmt: str, corpora_dir: Path) -> Dict[str, SplitSource]:
    path = input_dir / BIORED_RELEASE
    return {
        split: SplitSource((path,), partial(_read_biored, path, corpora_dir, dev=split == "dev"))
        for split in ("train", "dev")
    }


def _read_biored(
    path: Path, corpora_dir: Path, invalid: InvalidRecords, *, dev: bool
) -> Iterator[SourceDocument]:
    # Chosen before the first document is read, so that a missing corpus or a
    # release other than the pinned one stops the conversion before it writes.
    dev_pmids = biored_dev_split(path, corpora_dir)
    return (doc for doc in read_pubtator(path, invalid) if (doc.id in dev_pmids) == dev)


def biored_dev_split(release: Path, corpora_dir: Path) -> FrozenSet[str]:
    """The PMIDs of BioRED's dev split: the rule of `biored.py` applied to the
    release and the corpora it avoids, checked against the pinned result. Computed
    once per process for each pair of (resolved) paths.

    release (Path): BioRED's train + dev file.
    corpora_dir (Path): The folder with the corpora the rule avoids (one folder
        per corpus, like ../shared/corpora).
    RETURNS (FrozenSet[str]): The dev PMIDs.
    """
    return _biored_dev_split(release.resolve(), corpora_dir.resolve())


@cache
def _biored_dev_split(release: Path, corpora_dir: Path) -> FrozenSet[str]:
    reused = _reused_pmids(corpora_dir)
    # Only the ids matter here: the conversion itself reports invalid records.
    pmids = [doc.id for doc in read_pubtator(release, InvalidRecords(skip=True))]
    dev = biored_dev_pmids(pmids, reused)
    check_dev_pin(dev, release, corpora_dir)
    return frozenset(dev)


def _reused_pmids(corpora_dir: Path) -> Set[str]:
    """The PMIDs of every split of the corpora BioRED's dev split avoids."""
    reads: List[Tuple[Tuple[Path, ...], ReadSource]] = []
    for name in BIORED_DEV_AVOIDS:
        recipe = CORPUS_RECIPES[CorpusName(name)]
        for source in recipe.splits(corpora_dir / name, recipe.formats[0], corpora_dir).values():
            reads.append((source.paths, source.read))
    pmids: Set[str] = set()
    for paths, read in reads:
        for path in paths:
            if not path.exists():
                raise CorpusError(
                    Errors.E1088.format(
                        path=path, avoids=", ".join(BIORED_DEV_AVOIDS), corpora_dir=corpora_dir
                    )
                )
        pmids.update(doc.id for doc in read(InvalidRecords(skip=True)))
    return pmids


PUBLIC_DOMAIN = "Public domain (US government work)"
AIONER_REPO = ("ncbi/AIONER", "b8fa941dc8f49e1c99756832da0c61e9c58dcef8")
AIONER_MIT = "MIT (the AIONER repository's redistribution; annotations by NCBI)"
BIOGPT_REPO = ("microsoft/BioGPT", "648f7d6503c038b44e70b7510bf431c7be94e891")
CDR = "data/BC5CDR/raw/CDR_Data"

CORPUS_RECIPES: Dict[CorpusName, CorpusRecipe] = {
    CorpusName.bc5cdr: CorpusRecipe(
        release=Release(
            "BioCreative V CDR (BC5CDR)",
            "https://biocreative.bioinformatics.udel.edu/tasks/biocreative-v/track-3-cdr/",
            PUBLIC_DOMAIN,
            _pins(
                *BIOGPT_REPO,
                {
                    "CDR_TrainingSet.PubTator.txt": (
                        f"{CDR}/CDR.Corpus.v010516/CDR_TrainingSet.PubTator.txt",
                        "45bb1f679d5b1a055eae3d4a9f67ac74",
                    ),
                    "CDR_TrainingSet.BioC.xml": (
                        f"{CDR}/CDR.Corpus.v010516/CDR_TrainingSet.BioC.xml",
                        "490178ee0f76a44df1f2b90945f954ab",
                    ),
                    "CDR_DevelopmentSet.PubTator.txt": (
                        f"{CDR}/CDR.Corpus.v010516/CDR_DevelopmentSet.PubTator.txt",
                        "2dfda7a1dc66a5599417a9db2417084b",
                    ),
                    "CDR_DevelopmentSet.BioC.xml": (
                        f"{CDR}/CDR.Corpus.v010516/CDR_DevelopmentSet.BioC.xml",
                        "8c99a1f69ca4e6f1b1e3f77b5666c92a",
                    ),
                    "CDR_TestSet.PubTator.txt": (
                        f"{CDR}/CDR.Corpus.v010516/CDR_TestSet.PubTator.txt",
                        "96b142b3cc1774d7437c285a88b9694c",
                    ),
                    "CDR_TestSet.BioC.xml": (
                        f"{CDR}/CDR.Corpus.v010516/CDR_TestSet.BioC.xml",
                        "3a9e6b64d05e033911be9f4fb005a485",
                    ),
                    "README.txt": (f"{CDR}/README.txt", "4c2d5c5ec2c3bc98f08cb44c80fa533d"),
                },
            ),
        ),
        scheme=LabelScheme.create({"Chemical": "Chemical", "Disease": "Disease"}),
        formats=("pubtator", "bioc"),
        layout="CDR_{Training,Development,Test}Set.{PubTator.txt,BioC.xml}",
        splits=_bc5cdr,
    ),
    CorpusName.ncbi_disease: CorpusRecipe(
        release=Release(
            "NCBI Disease",
            "https://www.ncbi.nlm.nih.gov/CBBresearch/Dogan/DISEASE/",
            PUBLIC_DOMAIN,
            _pins(
                "spyysalo/ncbi-disease",
                "5a266c6fc76fb2b5184cfa397ff0a5ecdb133aec",
                {
                    "NCBItrainset_corpus.txt": (
                        "original-data/train/NCBItrainset_corpus.txt",
                        "b5355e5229455e77ba2de17511856609",
                    ),
                    "NCBIdevelopset_corpus.txt": (
                        "original-data/devel/NCBIdevelopset_corpus.txt",
                        "f4fc2f17c6fff3562a5aea85dfb8c7e3",
                    ),
                    "NCBItestset_corpus.txt": (
                        "original-data/test/NCBItestset_corpus.txt",
                        "933607f5b3f889fec54becf9abb06499",
                    ),
                    "LICENSE": ("original-data/LICENSE", "6741835b982a47e40bb2c10379ec76e1"),
                },
            ),
        ),
        scheme=LabelScheme.create(
            {
                "SpecificDisease": "Disease",
                "DiseaseClass": "Disease",
                "Modifier": "Disease",
                "CompositeMention": "Disease",
            }
        ),
        formats=("pubtator",),
        layout="NCBI{train,develop,test}set_corpus.txt",
        splits=_ncbi_disease,
    ),
    CorpusName.bc2gm: CorpusRecipe(
        release=Release(
            "BioCreative II Gene Mention (BC2GM)",
            "https://github.com/spyysalo/bc2gm-corpus",
            PUBLIC_DOMAIN,
            _pins(
                "spyysalo/bc2gm-corpus",
                "018161681145daf751af037cb890f3a54f62a74d",
                {
                    "train/train.in": (
                        "devel-split/train/train.in",
                        "5a72225e03e60bf39f723877ddb7ee12",
                    ),
                    "train/GENE.eval": (
                        "devel-split/train/GENE.eval",
                        "7ed6f8cc50ab922a323874aa8b50e6d3",
                    ),
                    "train/ALTGENE.eval": (
                        "devel-split/train/ALTGENE.eval",
                        "34fcbd44cd625dcb978ae7bb4752ebfa",
                    ),
                    "devel/devel.in": (
                        "devel-split/devel/devel.in",
                        "49cb1361541701de3cf55559d75412d1",
                    ),
                    "devel/GENE.eval": (
                        "devel-split/devel/GENE.eval",
                        "13b58cb863c97da2e03510aa1ad252f0",
                    ),
                    "devel/ALTGENE.eval": (
                        "devel-split/devel/ALTGENE.eval",
                        "73d558897ce8b04c2f39dc7c3b3e77b0",
                    ),
                    "test/test.in": (
                        "original-data/test/test.in",
                        "1b08f7d9c29b80962f0fca019c843da1",
                    ),
                    "test/GENE.eval": (
                        "original-data/test/GENE.eval",
                        "371c5bacc75187b8bf79b6f1073edc7b",
                    ),
                    "test/ALTGENE.eval": (
                        "original-data/test/ALTGENE.eval",
                        "ab1a6637ca433087775a9dea88d2c434",
                    ),
                    "NOTICE": ("original-data/NOTICE", "1f44b6ff46f0c4523e3206254db4bfd9"),
                    "README.GM": ("original-data/README.GM", "edc1652f8a7852083b6e55abd45bf3b6"),
                },
            ),
        ),
        scheme=LabelScheme.create({"GENE": "Gene"}),
        formats=("bc2gm",),
        layout="{train,devel,test}/{train,devel,test}.in and GENE.eval",
        splits=_bc2gm,
    ),
    CorpusName.jnlpba: CorpusRecipe(
        release=Release(
            "JNLPBA / GENIA",
            "https://github.com/spyysalo/jnlpba",
            "CC BY 3.0 (GENIA corpus licence)",
            _pins(
                "spyysalo/jnlpba",
                "4455122de861c6e448e2e8c7f19ef8f49dbc32b2",
                {
                    "LICENSE": ("LICENSE", "95b225cbe55ba898e8268c8d128dcce5"),
                    "train/": ("standoff/train", "1980cad64f2592ed9154fc5960ab926b"),
                    "test/": ("standoff/test", "d85c53099b18353599a0a74e399078e9"),
                },
            ),
        ),
        scheme=LabelScheme.create(
            {"protein": "Gene", "DNA": "Gene", "RNA": "Gene"},
            ignore_types=("cell_type", "cell_line"),
        ),
        formats=("brat",),
        layout="train/ and test/ folders of NAME.txt + NAME.ann",
        splits=_jnlpba,
    ),
    CorpusName.linnaeus: CorpusRecipe(
        release=Release(
            "LINNAEUS",
            "https://github.com/spyysalo/linnaeus-corpus-data",
            "CC BY 4.0",
            _pins(
                "spyysalo/linnaeus-corpus-data",
                "274ef6ed11178320832f58f8cca158a93889aeda",
                {
                    "tags.tsv": ("tags.tsv", "896987d03c1b02cb1084ebbaae9fe39c"),
                    "filtered_tags.tsv": ("filtered_tags.tsv", "0257bb3c52322c5db1f08041fef719a3"),
                    "LICENSE.txt": ("LICENSE.txt", "7e8219d7b9202e3ebd75020504f62965"),
                    "README.md": ("README.md", "3f3212ab9a8bcc9c379042c2b9e86fbd"),
                    "txt/": ("txt", "6498010557e4745461fea921d12f47df"),
                },
            )
            + _pins(
                "spyysalo/linnaeus-corpus",
                "f75269c93b887d256061faf1339628b1c7e472db",
                {
                    "split/train.txt": ("split/train.txt", "a28dbcc2dd509eee9b2d7971705bc434"),
                    "split/devel.txt": ("split/devel.txt", "5df125226a2edf1725b0259a1df5fabf"),
                    "split/test.txt": ("split/test.txt", "9cee48d149c81519737e3c593eb7e54a"),
                },
            ),
        ),
        scheme=LabelScheme.create({"species": "Species"}),
        formats=("species-tsv",),
        layout="txt/, tags.tsv and split/{train,devel,test}.txt",
        splits=_linnaeus,
    ),
    CorpusName.s800: CorpusRecipe(
        release=Release(
            "Species-800 (S800)",
            "https://github.com/spyysalo/s800",
            "No licence file upstream (none stated by the authors)",
            _pins(
                "spyysalo/s800-revision-data",
                "3f41fbb3e6a0d1056e939541dc35a26a8a659862",
                {
                    "S800.tsv": ("original-data/S800.tsv", "69dab7a555719690a6c5e07715af9979"),
                    "pubmedid.tsv": (
                        "original-data/pubmedid.tsv",
                        "c3ab245c964c32a3f97f51e2e31072ac",
                    ),
                    "abstracts/": ("original-data/abstracts", "9171ee09f0b0b2893b044f6f3605673b"),
                },
            )
            + _pins(
                "spyysalo/s800",
                "f5425e7498930757c8577828eabc41cf88d80348",
                {
                    "split/train.txt": ("split/train.txt", "6b8e7fe24d848624b1a63f7adc6a550d"),
                    "split/devel.txt": ("split/devel.txt", "04d482aca30e6ae2e4a5acd66afc9766"),
                    "split/test.txt": ("split/test.txt", "ab944a1f204663243b0d6f510cb7e78f"),
                },
            ),
        ),
        scheme=LabelScheme.create({"species": "Species"}),
        formats=("species-tsv",),
        layout="abstracts/, S800.tsv, pubmedid.tsv and split/{train,devel,test}.txt (PMIDs)",
        splits=_s800,
    ),
    CorpusName.biored: CorpusRecipe(
        release=Release(
            "BioRED (train + dev)",
            "https://ftp.ncbi.nlm.nih.gov/pub/lu/BioRED/",
            AIONER_MIT,
            _pins(
                *AIONER_REPO,
                {
                    "BioRED_TrainDev.PubTator": (
                        "data/pubtator/BioRED_TrainDev.PubTator",
                        "792100ec725b370d17fcc34793d89e4c",
                    ),
                    "AIONER_LICENSE": ("LICENSE", "d9194371a066c895c7483d8b29e8f8e5"),
                },
            ),
            citation=(
                "Luo L, Lai PT, Wei CH, Arighi CN, Lu Z. BioRED: a rich biomedical relation "
                "extraction dataset. Briefings in Bioinformatics 23(5), bbac282, 2022."
            ),
        ),
        # Every document annotates all four labels; variants and cell lines are not ours.
        scheme=LabelScheme.create(
            {"Chemical": "Chemical", "Disease": "Disease", "Gene": "Gene", "Species": "Species"},
            ignore_types=("Variant", "CellLine"),
        ),
        formats=("pubtator",),
        layout="BioRED_TrainDev.PubTator (train + dev in one file)",
        splits=_biored,
    ),
    # Opt-in: gene mentions by the gene-normalization guidelines ("BRCA1", not
    # "BRCA1 gene"). Also read for the test-document guard and BioRED's dev split
    # at every conversion, and for the Gene linker's names and evaluation.
    CorpusName.gnormplus: CorpusRecipe(
        release=Release(
            "GNormPlus corpus (BioCreative II GN + Citation GIA, with NCBI Gene IDs)",
            "https://github.com/ncbi/AIONER",
            AIONER_MIT,
            _pins(
                *AIONER_REPO,
                {
                    GENE_CORPUS_FILES["gnormplus"]["train"]: (
                        "data/pubtator/GNormPlus_Train.PubTator",
                        "1c6a06b5c9d29736b1f0c0983612d0e2",
                    ),
                    GENE_CORPUS_FILES["gnormplus"]["test"]: (
                        "data/pubtator/GNormPlus_Test.PubTator",
                        "71364bf9ae91e0eef37d41e25b0f2e75",
                    ),
                },
            ),
            citation=(
                "Wei CH, Kao HY, Lu Z. GNormPlus: an integrative approach for tagging genes, "
                "gene families, and protein domains. BioMed Research International 2015, "
                "918710, 2015."
            ),
        ),
        # Families and domains are not genes by its guidelines (--types adds them).
        scheme=LabelScheme.create({"Gene": "Gene"}, ignore_types=("FamilyName", "DomainMotif")),
        formats=("pubtator",),
        layout="GNormPlus_{Train,Test}.PubTator",
        splits=partial(_gene_corpus, "gnormplus"),
    ),
    CorpusName.nlm_gene: CorpusRecipe(
        release=Release(
            "NLM-Gene corpus (with NCBI Gene IDs)",
            "https://github.com/ncbi/AIONER",
            AIONER_MIT,
            _pins(
                *AIONER_REPO,
                {
                    GENE_CORPUS_FILES["nlm_gene"]["train"]: (
                        "data/pubtator/NLMgene_Train.PubTator",
                        "b436f6e95b8b411df6bb35bedfb504ce",
                    ),
                    GENE_CORPUS_FILES["nlm_gene"]["test"]: (
                        "data/pubtator/NLMgene_Test.PubTator",
                        "96ec6026bc95decf080d5a9e9e4cb865",
                    ),
                },
            ),
            citation=(
                "Islamaj R, Wei CH, Cissel D, et al. NLM-Gene, a richly annotated gold "
                "standard dataset for gene entities that addresses ambiguity and "
                "multi-species gene recognition. Journal of Biomedical Informatics 118, "
                "103779, 2021."
            ),
        ),
        scheme=LabelScheme.create(
            {"Gene": "Gene"},
            ignore_types=("FamilyName", "DomainMotif", "Cell", "ChromosomeLocation"),
        ),
        formats=("pubtator",),
        layout="NLMgene_{Train,Test}.PubTator",
        splits=partial(_gene_corpus, "nlm_gene"),
    ),
}

# Pinned releases that are not NER training corpora, by folder name.
OTHER_RELEASES: Dict[str, Release] = {
    "pubmedqa": Release(
        "PubMedQA (labelled set)",
        "https://github.com/pubmedqa/pubmedqa",
        "MIT",
        _pins(
            "pubmedqa/pubmedqa",
            "1cbae8e92f72f20c8d3747cbb3bf5bc53554d997",
            {
                "ori_pqal.json": ("data/ori_pqal.json", "05b2b70949907e260d2aa82bc5d20c6f"),
                "test_ground_truth.json": (
                    "data/test_ground_truth.json",
                    "f52c9d953b2833b43486fb1c00f1737f",
                ),
                "LICENSE": ("LICENSE", "d72694f73d4e2ed4479be5b46b15570e"),
            },
        ),
    ),
    "biogpt_tokenizer": Release(
        "BioGPT tokenizer (fairseq dict.txt and bpecodes)",
        "https://github.com/microsoft/BioGPT",
        "MIT",
        _pins(
            *BIOGPT_REPO,
            {
                "dict.txt": ("data/BioGPT/dict.txt", "e8c6184677300d5cd094f52499f04eb6"),
                "bpecodes": ("data/BioGPT/bpecodes", "9e8a300ee3669f399a15fbfe9415f38d"),
                "LICENSE": ("LICENSE", "ae2ae19756298e6cf8d055817e446aed"),
            },
        ),
    ),
}


def releases() -> Dict[str, Release]:
    """Every pinned release by folder name: the NER corpora, then the others."""
    return {
        **{name.value: recipe.release for name, recipe in CORPUS_RECIPES.items()},
        **OTHER_RELEASES,
    }


def pinned_checksums() -> Dict[str, str]:
    """`<folder>/<dest>` -> md5 or tree digest, for every pinned file and folder
    (what `verify-corpora` checks by default)."""
    return {
        f"{name}/{pin.dest}".rstrip("/"): pin.checksum
        for name, release in releases().items()
        for pin in release.pins
    }


def project_assets(root: str = "assets") -> List[Dict[str, Any]]:
    """The `assets` section of project.yml: every pinned file by URL and md5, then
    every pinned folder as a git asset (weasel's git assets name a branch, not a
    commit: `verify-corpora` checks the folder's digest).

    root (str): The folder the assets are written to.
    RETURNS (List[Dict[str, Any]]): The asset entries, in project.yml's order.
    """
    pins = [(name, pin) for name, release in releases().items() for pin in release.pins]
    files = [
        {"dest": f"{root}/{name}/{pin.dest}", "url": pin.url, "checksum": pin.checksum}
        for name, pin in pins
        if not pin.is_folder
    ]
    folders = [
        {
            "dest": f"{root}/{name}/{pin.dest}".rstrip("/"),
            "git": {"repo": f"https://github.com/{pin.repo}", "branch": "master", "path": pin.path},
            "description": f"Pinned to {pin.commit}: verify-corpora checks its digest.",
        }
        for name, pin in pins
        if pin.is_folder
    ]
    return files + folders


def split_names(name: CorpusName) -> Tuple[str, ...]:
    """The splits a corpus is converted to ("train", "dev" and, but for BioRED, "test").

    name (CorpusName): The corpus.
    RETURNS (Tuple[str, ...]): The split names.
    """
    recipe = CORPUS_RECIPES[name]
    # Building the sources reads no file: the readers open them when called.
    not_read = Path(f"/{name.value}-not-read")
    return tuple(recipe.splits(not_read, recipe.formats[0], not_read.parent))


def corpus_splits(
    name: CorpusName, input_dir: Path, fmt: str = "", *, corpora_dir: Optional[Path] = None
) -> Dict[str, SplitSource]:
    """The split sources of a public corpus, after checking its input folder.

    name (CorpusName): The corpus.
    input_dir (Path): Its folder, laid out like the public release.
    fmt (str): Its format; "" for the default.
    corpora_dir (Optional[Path]): The folder of every corpus, which BioRED's dev
        split is chosen against (`biored_dev_split`); None: input_dir's parent.
    RETURNS (Dict[str, SplitSource]): Split name -> source.
    """
    recipe = CORPUS_RECIPES[name]
    fmt = fmt or recipe.formats[0]
    if fmt not in recipe.formats:
        raise CorpusError(
            Errors.E1071.format(corpus=name.value, format=fmt, formats=", ".join(recipe.formats))
        )
    splits = recipe.splits(input_dir, fmt, input_dir.parent if corpora_dir is None else corpora_dir)
    for source in splits.values():
        for path in source.paths:
            if not path.exists():
                raise CorpusError(
                    Errors.E1080.format(
                        path=path, missing="not found", corpus=name.value, layout=recipe.layout
                    )
                )
    return splits
