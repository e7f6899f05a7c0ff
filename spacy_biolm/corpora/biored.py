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

`BIORED_DEV_PMIDS` is the rule's result, written out so that converting BioRED
needs no other corpus; `tests/corpora/test_biored.py` derives it again from the
corpora and checks that the two agree.
"""

import hashlib
from typing import Collection, Iterable, List

BIORED_DEV_SIZE = 100

# The rule's result on the pinned release (see the module docstring).
_DEV_PMIDS = """
    14510914 15018851 15064320 15122708 15177686 15198485 15461822 15599941 15609295
    15754732 15755837 15770495 15807692 15814629 15851735 15951966 15983230 16001362
    16005363 16018252 16120104 16152606 16157158 16181814 16200390 16288197 16288199
    16391785 16410744 16418600 16419642 16506214 16575011 16781314 16838170 17003357
    17065198 17083016 17177139 17221831 17250663 17273972 17286451 17495183 17628794
    17634480 17671735 17683901 17910065 17959715 18046082 18050247 18166824 18189233
    18235024 18385794 18408250 18470323 18672102 18790087 18791947 18945288 19082493
    19101703 19218574 19365571 19370764 19592582 19624920 19918264 20005218 20080916
    20126413 20143913 20534142 20579626 20583543 20606392 20651814 20801104 20806042
    20846357 20854438 21042587 21059483 21080147 21130517 21163864 21496008 21533187
    21615796 21666969 21682595 21695597 21771880 21799811 22048266 22051099 22104738
    22180037
"""
BIORED_DEV_PMIDS = frozenset(_DEV_PMIDS.split())

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


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf8")).hexdigest()
