"""Composite mentions: one span naming several concepts that share a head.

"breast and ovarian cancer" names breast cancer and ovarian cancer; BC5CDR and
NCBI-disease give such a mention the IDs of its parts joined by "|"
(`D001943|D010051`), and so does `biolm_linker` (`MESH:D001943|MESH:D010051`).
The parts are rebuilt by giving each conjunct the last word of the last one, its
head: "A, B and C D" -> "A D", "B D", "C D" ("hereditary breast and ovarian
cancer" -> "hereditary breast cancer", "ovarian cancer"). Conjuncts that are whole
names ("asthma and eczema", "Parkinson's disease or Alzheimer's disease") are kept
as they are.
"""

import re
from typing import List

COORDINATOR = re.compile(r"\s*(?:,\s*(?:and|or)\s+|,\s*|\s+(?:and/or|and|or|nor)\s+|\s*/\s*)", re.I)


def split_composite(text: str) -> List[str]:
    """The names a coordinated mention stands for.

    text (str): The mention text.
    RETURNS (List[str]): Two or more part names, or [] if the text has no
        coordination.
    """
    conjuncts = [c for c in COORDINATOR.split(text.strip()) if c]
    if len(conjuncts) < 2:
        return []
    words = conjuncts[-1].split()
    if len(words) < 2:
        return conjuncts
    head = words[-1]
    return [
        c if c.split()[-1].lower() == head.lower() else f"{c} {head}" for c in conjuncts[:-1]
    ] + [conjuncts[-1]]
