"""BioRED's fixed train/dev split (the release here holds its 500 train + dev
abstracts in one file; the official test set is not redistributed).

BioRED reuses abstracts of other corpora: of its 500 documents, 170 are BC5CDR
abstracts (69 of them BC5CDR test), 10 NCBI-disease (1 test), 43 GNormPlus (4
test) and 116 NLM-Gene (22 test); none is in S800, and no JNLPBA, BC2GM or
LINNAEUS text is repeated in it (checked by text: those corpora have no PMIDs).
A model trained on any of those corpora has seen those abstracts, so they make a
poor dev set. The rule, which depends on nothing but the PMIDs:

- candidates: the documents whose PMID is in no split (train, dev or test) of
  BC5CDR, NCBI-disease, S800, GNormPlus or NLM-Gene (161 of 500);
- dev: the 100 candidates with the smallest md5 digest of the PMID;
- train: the other 400 documents, less those in any corpus's test split, which
  the conversion holds out (`heldout.py`: 96 of them, so 304 are written).

The conversion applies the rule to the corpora it reads (`catalog.py`), so
converting BioRED needs the corpora it avoids beside it. The result on the pinned
releases is pinned by its digest (`BIORED_DEV_MD5`, the md5 of the sorted dev
PMIDs joined by newlines): a release that yields another dev split is an error,
not a silently different dev set.
"""

import hashlib
from pathlib import Path
from typing import Collection, Iterable, List

from ..errors import Errors
from .source import CorpusError

BIORED_DEV_SIZE = 100
# The rule's result on the pinned releases (see the module docstring).
BIORED_DEV_MD5 = "0222481e92c1ed440925a6d82460febd"

# The corpora whose documents BioRED's dev split avoids (all their splits).
BIORED_DEV_AVOIDS = ("bc5cdr", "ncbi_disease", "s800", "gnormplus", "nlm_gene")


def biored_dev_pmids(pmids: Iterable[str], reused: Collection[str]) -> List[str]:
    """The PMIDs of BioRED's dev split, by the rule in the module docstring.

    pmids (Iterable[str]): The PMIDs of BioRED's train + dev release.
    reused (Collection[str]): The PMIDs in any split of the corpora it avoids.
    RETURNS (List[str]): The dev PMIDs, sorted.
    """
    candidates = sorted({pmid for pmid in pmids if pmid not in reused}, key=_md5)
    return sorted(candidates[:BIORED_DEV_SIZE])


def dev_split_digest(dev: Iterable[str]) -> str:
    """The digest `BIORED_DEV_MD5` pins: the md5 of the sorted PMIDs, one a line.

    dev (Iterable[str]): The dev PMIDs.
    RETURNS (str): The hex digest.
    """
    return _md5("\n".join(sorted(dev)))


def check_dev_pin(dev: Iterable[str], release: Path, corpora_dir: Path) -> None:
    """Raise unless a dev split is the pinned one.

    dev (Iterable[str]): The dev PMIDs the rule chose.
    release (Path): The BioRED file they were chosen from, for the message.
    corpora_dir (Path): The folder of the corpora the rule avoids, for the message.
    """
    digest = dev_split_digest(dev)
    if digest != BIORED_DEV_MD5:
        raise CorpusError(
            Errors.E1091.format(
                path=release,
                corpora_dir=corpora_dir,
                digest=digest,
                pinned=BIORED_DEV_MD5,
                avoids=", ".join(BIORED_DEV_AVOIDS),
            )
        )


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf8")).hexdigest()
