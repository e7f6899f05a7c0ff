"""Known defects of the public corpus releases, each fixed by an exact rule.

A rule applies only to the record it names (document id, offsets and text exactly
as the release states them), so it can never touch other data; every application
is listed in the conversion report. Anything else that does not match its document
is an error.
"""

from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple


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


Record = Tuple[str, int, int, str]


def _shifted(
    doc_id: str, shift: int, records: Sequence[Tuple[int, int, str]]
) -> Dict[Record, Erratum]:
    """The errata of records of one document whose offsets are all `shift` off."""
    after = "after" if shift < 0 else "before"
    reason = f"the offsets are {abs(shift)} character(s) {after} the mention"
    return {
        (doc_id, start, end, text): Erratum(start + shift, end + shift, text, reason)
        for start, end, text in records
    }


def _same_place(
    doc_id: str, start: int, end: int, text: str, corrected: str, reason: str
) -> Dict[Record, Erratum]:
    """The erratum of a record whose offsets are right but whose text column is not."""
    return {(doc_id, start, end, text): Erratum(start, end, corrected, reason)}


def _end(doc_id: str, start: int, end: int, text: str) -> Dict[Record, Erratum]:
    """The erratum of a record whose end offset does not reach the end of its text."""
    reason = "the end offset falls short of the end of the mention text"
    return {(doc_id, start, end, text): Erratum(start, start + len(text), text, reason)}


QUOTES = "the text column has the document's quotes as spaces"
CASE = "the text column's case differs from the document's"

# (document id, start, end, text as released) -> correction
ERRATA: Dict[Record, Erratum] = {
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
    # GNormPlus (AIONER's GNormPlus_Train.PubTator): offsets counted on a text one
    # character longer from some point on (7649249: from within "Krüppel").
    **_shifted(
        "7520377",
        -1,
        [
            (507, 511, "Ge-1"),
            (563, 567, "Ge-1"),
            (719, 739, "Ge-1 fusion proteins"),
            (790, 794, "Ge-1"),
            (935, 964, "nuclear localization sequence"),
            (966, 969, "NLS"),
            (1050, 1053, "NLS"),
            (1326, 1335, "NLS motif"),
            (1372, 1376, "Ge-1"),
            (1426, 1429, "NLS"),
        ],
    ),
    ("7649249", 239, 262, "Krüppel-associated box"): Erratum(
        239, 261, "Krüppel-associated box", "the end offset is one character past the mention"
    ),
    **_shifted(
        "7649249",
        -1,
        [
            (349, 368, "zinc finger repeats"),
            (386, 404, "DNA binding domain"),
            (406, 412, "ZNF133"),
            (417, 423, "ZNF140"),
            (438, 462, "KRAB A- and KRAB B-boxes"),
            (500, 506, "ZNF136"),
            (525, 535, "KRAB A-box"),
            (578, 590, "KRAB domains"),
            (604, 610, "ZNF133"),
            (615, 621, "ZNF140"),
            (626, 667, "potent transcriptional repression domains"),
            (739, 750, "KRAB domain"),
            (756, 762, "ZNF136"),
            (798, 836, "considerable weaker suppression domain"),
            (878, 894, "KRAB B subdomain"),
            (898, 903, "ZNF10"),
            (905, 909, "KOX1"),
            (937, 948, "KRAB domain"),
            (1009, 1021, "KRAB domains"),
        ],
    ),
    **_same_place("8248204", 936, 948, "  DEAD   box", '" DEAD " box', QUOTES),
    **_shifted(
        "8248204",
        -1,
        [
            (1224, 1246, "140-kDa subunit of RFC"),
            (1248, 1275, "poly(ADP-ribose) polymerase"),
            (1291, 1302, "DNA ligases"),
        ],
    ),
    **_end("10880510", 15, 24, "2P domain mechano-sensitive K+ channel"),
    # GNormPlus_Test.PubTator.
    **_same_place("11121057", 724, 734, " TATA  box", '"TATA" box', QUOTES),
    **_same_place("14576168", 1077, 1085, "intersex", "Intersex", CASE),
    **_end("15280356", 676, 703, "Fas-associated death domain (FADD) protein"),
    **_same_place(
        "9149941",
        934,
        988,
        "52-kD Ro/SSA lupus and Sjogren''s syndrome auto-antigen",
        "52-kD Ro/SSA lupus and Sjogren's syndrome auto-antigen",
        "the text column doubles the apostrophe",
    ),
    # NLM-Gene (AIONER's NLMgene_Train.PubTator).
    **_same_place("20105280", 1441, 1444, "ERK", "Erk", CASE),
    **_shifted(
        "19430421",
        7,
        [
            (1933, 1937, "KRAS"),
            (1939, 1943, "BRAF"),
            (1945, 1948, "BMI"),
            (1950, 1956, "PIK3CA"),
            (1958, 1962, "HDAC"),
            (1964, 1967, "p53"),
            (1969, 1981, "beta-catenin"),
            (1983, 1988, "COX-2"),
            (2027, 2032, "SIRT1"),
            (2122, 2127, "SIRT1"),
        ],
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
