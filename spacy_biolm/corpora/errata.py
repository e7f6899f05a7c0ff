"""Known defects of the public corpus releases, each fixed by an exact rule.

A rule applies only to the record it names (document id, offsets and text exactly
as the release states them), so it can never touch other data; every application
is listed in the conversion report. Anything else that does not match its document
is an error.
"""

from dataclasses import dataclass
from typing import Dict, Optional, Tuple


@dataclass(frozen=True)
class Erratum:
    """The corrected offsets and text of one defective mention record.

    start (int): The corrected start offset.
    end (int): The corrected end offset.
    text (str): The corrected mention text.
    reason (str): What is wrong in the release.
    """

    start: int
    end: int
    text: str
    reason: str


# (document id, start, end, text as released) -> correction
ERRATA: Dict[Tuple[str, int, int, str], Erratum] = {
    # NCBI-disease NCBItrainset_corpus.txt: the text column has two trailing spaces.
    (
        "10923035",
        711,
        761,
        'generalized epilepsy and febrile seizures " plus "  ',
    ): Erratum(
        711,
        761,
        'generalized epilepsy and febrile seizures " plus "',
        "the text column has trailing spaces that are not in the document",
    ),
    # BC2GM train/GENE.eval line 1517 ("162 187"): the start counts the '/' before
    # the mention, so the offsets cover "/translation upstream factor".
    ("P02196565T0000", 184, 212, "translation upstream factor"): Erratum(
        185,
        212,
        "translation upstream factor",
        "the start offset counts the '/' before the mention",
    ),
}


def find_erratum(doc_id: str, start: int, end: int, text: str) -> Optional[Erratum]:
    """The correction of a mention record, if it is a known defect.

    doc_id (str): The document id.
    start (int): The start offset as released.
    end (int): The end offset as released.
    text (str): The mention text as released.
    RETURNS (Optional[Erratum]): The correction, or None.
    """
    return ERRATA.get((doc_id, start, end, text))
