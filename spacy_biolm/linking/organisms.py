"""The organism of each gene mention, for choosing among homologous genes.

A gene symbol names the genes of many organisms ("TNF": human TNF, mouse Tnf, rat
Tnf ...), and gene corpora link a mention to the gene of the organism it is
about. The organism of a mention is chosen as GNormPlus's species assignment
(SR4GN) does, first cue first:

1. an organism named inside the mention ("human IL-2", "mouse p53");
2. an organism prefix of a symbol the KB does not know as written ("hTBP",
   "mIL-2", "MmCdk1"), when it knows the rest;
3. the organism named nearest to the mention in its sentence;
4. the organism the document names most often;
5. human.

Organisms are found by a small dictionary of the words that name the organisms
of NCBI HomoloGene and a few other laboratory animals ("mice", "murine",
"Drosophila", "patients", human cell lines such as "HeLa"), and, where the
pipeline has them, by the linked Species entities of the document.
"""

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

HUMAN = 9606
MOUSE = 10090
RAT = 10116
# Taxonomy ID -> the words that name the organism (regex alternatives, matched
# case-insensitively as whole words). Fission yeast comes before yeast so that
# "fission yeast" is not read as budding yeast.
ORGANISM_PATTERNS: Tuple[Tuple[int, str], ...] = (
    (
        HUMAN,
        r"humans?|Homo sapiens|patients?|men|women|children|infants?|volunteers|"
        r"HeLa|HEK\s?293T?|Jurkat|MCF-?7|HepG2|K562|U937|A549|HL-?60|HUVECs?",
    ),
    (MOUSE, r"mouse|mice|murine|Mus musculus|NIH\s?3T3|3T3"),
    (RAT, r"rats?|Rattus(?: norvegicus)?|PC12"),
    (4896, r"fission yeast|Schizosaccharomyces pombe|S\.\s?pombe|pombe"),
    (4932, r"(?:budding )?yeasts?|Saccharomyces(?: cerevisiae)?|S\.\s?cerevisiae|cerevisiae"),
    (7227, r"Drosophila(?: melanogaster)?|fruit ?fl(?:y|ies)|D\.\s?melanogaster"),
    (7955, r"zebrafish|Danio rerio"),
    (6239, r"C\.\s?elegans|Caenorhabditis(?: elegans)?|nematodes?"),
    (3702, r"Arabidopsis(?: thaliana)?|A\.\s?thaliana"),
    (9031, r"chickens?|chick|Gallus(?: gallus)?"),
    (8364, r"Xenopus(?: laevis| tropicalis)?|frogs?"),
    (9913, r"bovine|cows?|cattle|calf|Bos taurus"),
    (9615, r"dogs?|canine"),
    (4530, r"rice|Oryza sativa"),
    (9544, r"macaques?|rhesus|monkeys?"),
    (9598, r"chimpanzees?"),
    (9823, r"pigs?|porcine|swine"),
    (10036, r"hamsters?"),
    (9986, r"rabbits?"),
    (9940, r"sheep|ovine"),
    (562, r"E\.\s?coli|Escherichia coli"),
)
ORGANISM_WORDS = re.compile(
    "|".join(rf"(?P<t{taxid}>\b(?:{words})\b)" for taxid, words in ORGANISM_PATTERNS),
    re.I,
)
# Symbol prefixes that name an organism ("hTBP", "mIL-2", "rCYP2E1", "MmCdk1"),
# taken only when the KB knows the rest of the symbol and not the whole.
PREFIXES: Dict[str, int] = {
    "h": HUMAN,
    "Hs": HUMAN,
    "m": MOUSE,
    "Mm": MOUSE,
    "r": RAT,
    "Rn": RAT,
    "Dm": 7227,
    "Sc": 4932,
    "z": 7955,
    "x": 8364,
    "Xl": 8364,
}
PREFIXED = re.compile(r"^(h|Hs|m|Mm|r|Rn|Dm|Sc|z|x|Xl)([A-Z0-9][A-Za-z0-9-]*)$")
# Sentence ends: a full stop, question or exclamation mark before a space and a
# capital letter or digit (abbreviations such as "S. cerevisiae" are lower case after).
SENTENCE_END = re.compile(r"[.!?]\s+(?=[A-Z0-9(\[])")
TAXON_PREFIX = "NCBITaxon:"
# How many times more often than people another organism must be named to be the
# document's organism (tuned on GNormPlus and NLM-Gene train: 1.5 against 1, 2, 3).
HUMAN_BIAS = 1.5


def taxid_of(match: "re.Match[str]") -> int:
    """The Taxonomy ID of an `ORGANISM_WORDS` match.

    match (re.Match): A match.
    RETURNS (int): The ID of the group that matched.
    """
    name = match.lastgroup or ""
    return int(name[1:]) if name.startswith("t") else 0


def organisms_in(text: str) -> List[Tuple[int, int, int]]:
    """The organism words of a text.

    text (str): The text.
    RETURNS (List[Tuple[int, int, int]]): (start, end, taxid) of each, in order.
    """
    return [(m.start(), m.end(), taxid_of(m)) for m in ORGANISM_WORDS.finditer(text)]


def strip_prefix(text: str) -> Optional[Tuple[int, str]]:
    """The organism a symbol's prefix names, and the symbol without it
    ("mIL-2" -> (10090, "IL-2")).

    text (str): The mention text.
    RETURNS (Optional[Tuple[int, str]]): (taxid, rest), or None without such a prefix.
    """
    match = PREFIXED.match(text.strip())
    if match is None:
        return None
    return PREFIXES[match.group(1)], match.group(2)


def strip_organism(text: str) -> Optional[Tuple[int, str]]:
    """The organism named inside a mention and the mention without it
    ("human IL-2" -> (9606, "IL-2"), "p53 of mouse" -> (10090, "p53")).

    text (str): The mention text.
    RETURNS (Optional[Tuple[int, str]]): (taxid, rest; "" if nothing is left), or None.
    """
    match = ORGANISM_WORDS.search(text)
    if match is None:
        return None
    rest = (text[: match.start()] + " " + text[match.end() :]).strip()
    rest = re.sub(r"^(?:of|from|in)\s+|\s+(?:of|from|in)$", "", rest).strip(" -")
    return taxid_of(match), " ".join(rest.split())


@dataclass
class DocOrganisms:
    """Where a document names organisms, to choose the organism of each mention.

    text (str): The document text.
    mentions (Sequence[Tuple[int, int, int]]): Further organism mentions (start and
        end characters, taxid), e.g. its linked Species entities.
    """

    text: str
    mentions: Sequence[Tuple[int, int, int]] = ()
    occurrences: List[Tuple[int, int, int]] = field(init=False)
    sentence_starts: List[int] = field(init=False)
    most_frequent: int = field(init=False)

    def __post_init__(self) -> None:
        found = {(s, e): t for s, e, t in organisms_in(self.text)}
        for start, end, taxid in self.mentions:
            if taxid:
                # An entity overrides a dictionary word it overlaps.
                for s, e in [k for k in found if k[0] < end and start < k[1]]:
                    del found[(s, e)]
                found[(start, end)] = taxid
        self.occurrences = sorted((s, e, t) for (s, e), t in found.items())
        self.sentence_starts = [0] + [m.end() for m in SENTENCE_END.finditer(self.text)]
        counts: Dict[int, int] = {}
        for _, _, taxid in self.occurrences:
            counts[taxid] = counts.get(taxid, 0) + 1
        # Ties go to the organism named first.
        order = {t: -i for i, (_, _, t) in reversed(list(enumerate(self.occurrences)))}
        other = max(
            (t for t in counts if t != HUMAN), key=lambda t: (counts[t], order[t]), default=0
        )
        # Another organism must be named clearly more often than people: gene
        # papers about human genes mention mice and rats in passing.
        human = counts.get(HUMAN, 0)
        self.most_frequent = other if other and counts[other] > HUMAN_BIAS * human else HUMAN

    def _sentence(self, offset: int) -> Tuple[int, int]:
        i = bisect_right(self.sentence_starts, offset) - 1
        end = self.sentence_starts[i + 1] if i + 1 < len(self.sentence_starts) else len(self.text)
        return self.sentence_starts[i], end

    def in_sentence(self, start: int, end: int) -> int:
        """The organism named nearest to a mention in its sentence (outside it).

        start (int): The mention's first character.
        end (int): The character after its last.
        RETURNS (int): The taxid, or 0 if its sentence names none.
        """
        first, last = self._sentence(start)
        best: Tuple[int, int] = (len(self.text) + 1, 0)
        for s, e, taxid in self.occurrences:
            if s < first or e > last or (s < end and start < e):
                continue
            distance = start - e if e <= start else s - end
            best = min(best, (distance, taxid))
        return best[1]

    def organism(self, start: int, end: int) -> int:
        """The organism of a mention without cues of its own: the one named nearest
        in its sentence, else the document's most frequent one, else human.

        start (int): The mention's first character.
        end (int): The character after its last.
        RETURNS (int): The taxid.
        """
        return self.in_sentence(start, end) or self.most_frequent


def species_mentions(spans: Iterable[Tuple[int, int, str]]) -> List[Tuple[int, int, int]]:
    """The organisms of linked Species entities.

    spans (Iterable[Tuple[int, int, str]]): (start char, end char, kb_id) of each.
    RETURNS (List[Tuple[int, int, int]]): (start, end, taxid) of those linked to
        one NCBI Taxonomy ID.
    """
    result = []
    for start, end, kb_id in spans:
        if kb_id.startswith(TAXON_PREFIX) and kb_id[len(TAXON_PREFIX) :].isdigit():
            result.append((start, end, int(kb_id[len(TAXON_PREFIX) :])))
    return result
