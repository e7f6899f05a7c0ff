"""A tiny corpora folder laid out like ../shared/corpora, written by hand: every
test split the test-document guard reads, and every split of the corpora that
BioRED's dev rule avoids, each holding the documents a test names."""

from pathlib import Path
from typing import Dict, Iterable, Mapping, Sequence, Tuple

from .conftest import write

PUBTATOR_DOC = (
    "{pmid}|t|Aspirin and cancer.\n{pmid}|a|Text.\n{pmid}\t0\t7\tAspirin\tChemical\tD1\n\n"
)

# (corpus, split) -> the ids of its documents, unless a test says otherwise. Ids of
# the form "1xx" are unique to their split.
DEFAULT_IDS: Dict[Tuple[str, str], Tuple[str, ...]] = {
    ("bc5cdr", "train"): ("101",),
    ("bc5cdr", "dev"): ("102",),
    ("bc5cdr", "test"): ("103",),
    ("ncbi_disease", "train"): ("111",),
    ("ncbi_disease", "dev"): ("112",),
    ("ncbi_disease", "test"): ("113",),
    ("s800", "train"): ("121",),
    ("s800", "dev"): ("122",),
    ("s800", "test"): ("123",),
    ("jnlpba", "test"): ("133",),
    ("linnaeus", "test"): ("pmcA143",),
    ("gnormplus", "train"): ("151",),
    ("gnormplus", "test"): ("153",),
    ("nlm_gene", "train"): ("161",),
    ("nlm_gene", "test"): ("163",),
}

# Every file and folder of a test split the guard needs, as the public releases
# lay them out (BC2GM's ids cannot meet another corpus's, so it needs none).
TEST_SPLIT_FILES = (
    "bc5cdr/CDR_TestSet.PubTator.txt",
    "ncbi_disease/NCBItestset_corpus.txt",
    "jnlpba/test",
    "linnaeus/txt",
    "linnaeus/tags.tsv",
    "linnaeus/split/test.txt",
    "s800/abstracts",
    "s800/S800.tsv",
    "s800/pubmedid.tsv",
    "s800/split/test.txt",
    "gnormplus/GNormPlus_Test.PubTator",
    "nlm_gene/NLMgene_Test.PubTator",
)


def pubtator(pmids: Iterable[str]) -> str:
    """PubTator documents with one Chemical mention each."""
    return "".join(PUBTATOR_DOC.format(pmid=pmid) for pmid in pmids)


def write_fake_corpora(
    root: Path, ids: Mapping[Tuple[str, str], Sequence[str]] = DEFAULT_IDS
) -> Path:
    """Write the corpora folder; (corpus, split) pairs missing from ids get the defaults.

    root (Path): The folder to write.
    ids (Mapping[Tuple[str, str], Sequence[str]]): (corpus, split) -> document ids.
    RETURNS (Path): root.
    """
    ids = {**DEFAULT_IDS, **ids}
    files = {
        "bc5cdr": {"train": "CDR_TrainingSet", "dev": "CDR_DevelopmentSet", "test": "CDR_TestSet"},
        "ncbi_disease": {
            "train": "NCBItrainset_corpus",
            "dev": "NCBIdevelopset_corpus",
            "test": "NCBItestset_corpus",
        },
    }
    suffix = {"bc5cdr": ".PubTator.txt", "ncbi_disease": ".txt"}
    for corpus, names in files.items():
        for split, name in names.items():
            write(root / corpus, name + suffix[corpus], pubtator(ids[corpus, split]))
    for corpus, prefix in (("gnormplus", "GNormPlus"), ("nlm_gene", "NLMgene")):
        for split, name in (("train", "Train"), ("test", "Test")):
            write(root / corpus, f"{prefix}_{name}.PubTator", pubtator(ids[corpus, split]))
    for name in ids["jnlpba", "test"]:
        write(root / "jnlpba" / "test", f"{name}.txt", "IL-2 is a protein.")
        write(root / "jnlpba" / "test", f"{name}.ann", "T1\tprotein 0 4\tIL-2\n")
    linnaeus = root / "linnaeus"
    for name in ids["linnaeus", "test"]:
        write(linnaeus / "txt", f"{name}.txt", "Mice were used.")
    write(linnaeus, "tags.tsv", "#species\tdocument\tstart\tend\ttext\n")
    write(linnaeus / "split", "test.txt", "\n".join(ids["linnaeus", "test"]) + "\n")
    s800 = root / "s800"
    write(s800, "S800.tsv", "# no tags\n")
    pmid_lines = []
    for split, name in (("train", "train"), ("dev", "devel"), ("test", "test")):
        for pmid in ids["s800", split]:
            write(s800 / "abstracts", f"species{pmid}.txt", "Mice were used.")
            pmid_lines.append(f"species{pmid}\tPMID:{pmid}\n")
        write(s800 / "split", f"{name}.txt", "\n".join(ids["s800", split]) + "\n")
    write(s800, "pubmedid.tsv", "".join(pmid_lines))
    return root
