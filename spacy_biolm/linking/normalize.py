"""Name normalisation shared by the knowledge bases and the mentions they link.

Two strings that a curator would call the same name should normalise to the same
key: case, Unicode forms, Greek letters written as symbols or words, accents,
punctuation, hyphens and spaces, possessives, simple plurals, British spellings and
Roman numerals do not change a biomedical name's meaning. Word order and function words do in
general, so they only enter a second, looser key (`bag_key`).
"""

import re
import unicodedata
from typing import List

GREEK = {
    "α": "alpha",
    "β": "beta",
    "γ": "gamma",
    "δ": "delta",
    "ε": "epsilon",
    "ζ": "zeta",
    "η": "eta",
    "θ": "theta",
    "ι": "iota",
    "κ": "kappa",
    "λ": "lambda",
    "μ": "mu",
    "ν": "nu",
    "ξ": "xi",
    "ο": "omicron",
    "π": "pi",
    "ρ": "rho",
    "σ": "sigma",
    "ς": "sigma",
    "τ": "tau",
    "υ": "upsilon",
    "φ": "phi",
    "χ": "chi",
    "ψ": "psi",
    "ω": "omega",
}
# Roman numerals as words ("type II diabetes"); "i", "v" and "x" are left alone
# because they are more often letters ("vitamin A", "X-linked") than numbers.
ROMAN = {"ii": "2", "iii": "3", "iv": "4", "vi": "6", "vii": "7", "viii": "8", "ix": "9"}
# Words that carry no identity in a name: dropped from the bag-of-words key only.
FUNCTION_WORDS = frozenset(
    ("a", "an", "and", "the", "of", "in", "on", "for", "to", "with", "by", "from", "or")
    + ("as", "at", "due", "nos", "type", "other")
)
# A plural "s" is kept after these endings ("abscess", "virus", "psoriasis").
KEEP_S = ("ss", "us", "is", "ys", "as", "os")
# Plurals the "s" rule misses ("white-footed mice" is the "white-footed mouse").
IRREGULAR_PLURALS = {
    "mice": "mouse",
    "lice": "louse",
    "geese": "goose",
    "teeth": "tooth",
    "feet": "foot",
    "women": "woman",
    "men": "man",
    "children": "child",
}
WORD = re.compile(r"[a-z0-9]+")
POSSESSIVE = re.compile(r"(?<=[a-z0-9])['’]s\b")


def normalize_name(text: str) -> str:
    """The normalised form of a name or mention: lower-case ASCII words joined by
    single spaces, Greek letters spelt out, plurals and numerals folded.

    text (str): The name as written.
    RETURNS (str): Its key; "" when it has no letters or digits.
    """
    return " ".join(normalized_words(text))


def normalized_words(text: str) -> List[str]:
    """The normalised words of a name (see `normalize_name`).

    text (str): The name as written.
    RETURNS (List[str]): Its words.
    """
    text = unicodedata.normalize("NFKC", text).lower()
    # Spell Greek letters as words, as a separate word: "TNF-α" and "TNF alpha" meet.
    text = "".join(f" {GREEK[char]} " if char in GREEK else char for char in text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = POSSESSIVE.sub("", text)
    return [_fold_word(word) for word in WORD.findall(text)]


def compact_key(normalized: str) -> str:
    """A key without spaces, so that "non-Hodgkin" and "nonhodgkin" meet.

    normalized (str): A normalised name.
    RETURNS (str): The name with its spaces removed.
    """
    return normalized.replace(" ", "")


def bag_key(normalized: str) -> str:
    """A key that ignores word order and function words, so that "cancer of the
    breast" and MeSH's inverted "Breast Neoplasms" style "neoplasm, breast" meet.

    normalized (str): A normalised name.
    RETURNS (str): Its sorted, distinct content words; "" if it has none.
    """
    words = {word for word in normalized.split() if word not in FUNCTION_WORDS}
    return " ".join(sorted(words))


def _fold_word(word: str) -> str:
    if word in ROMAN:
        return ROMAN[word]
    if word in IRREGULAR_PLURALS:
        return IRREGULAR_PLURALS[word]
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith(KEEP_S):
        word = word[:-1]
    # British spellings ("haemorrhage", "oedema", "tumour") meet American ones.
    if len(word) > 4:
        word = word.replace("ae", "e").replace("oe", "e")
        if word.endswith("our"):
            word = word[:-3] + "or"
    return word


# Words that qualify a name without changing the concept it links to in the
# corpora's conventions ("sporadic prostate cancer" is prostate cancer,
# "familial melanoma" melanoma), dropped from the front of a name that matches
# nothing as written.
QUALIFIERS = frozenset(
    (
        "sporadic",
        "familial",
        "hereditary",
        "inherited",
        "isolated",
        "primary",
        "classic",
        "classical",
        "typical",
        "severe",
        "mild",
        "human",
        "autosomal",
        "dominant",
        "recessive",
        "dominantly",
        "recessively",
        "early",
        "late",
        "onset",
        "adult",
        "childhood",
        "juvenile",
        "infantile",
    )
)
# Counter-ions and forms a chemical is named with ("phenytoin sodium", "morphine
# sulfate"), dropped from the end of a name that matches nothing as written.
SALT_WORDS = frozenset(
    (
        "sodium",
        "potassium",
        "calcium",
        "magnesium",
        "hydrochloride",
        "hcl",
        "chloride",
        "bromide",
        "hydrobromide",
        "sulfate",
        "sulphate",
        "maleate",
        "citrate",
        "tartrate",
        "mesylate",
        "acetate",
        "phosphate",
        "fumarate",
        "succinate",
        "besylate",
        "nitrate",
        "anhydrous",
        "monohydrate",
        "dihydrate",
        "hydrate",
        "dihydrochloride",
        "disodium",
    )
)


def loose_variants(normalized: str) -> List[str]:
    """Shorter forms of a name that may name the same concept: without leading
    qualifiers ("sporadic", "familial") and without trailing salt words
    ("hydrochloride", "sodium"); never empty, never the name itself.

    normalized (str): A normalised name.
    RETURNS (List[str]): The variants, most specific first.
    """
    words = normalized.split()
    start = 0
    while start < len(words) - 1 and words[start] in QUALIFIERS:
        start += 1
    end = len(words)
    while end - 1 > start and words[end - 1] in _FOLDED_SALTS:
        end -= 1
    variants = []
    for a, b in ((start, len(words)), (0, end), (start, end)):
        variant = " ".join(words[a:b])
        if variant and variant != normalized and variant not in variants:
            variants.append(variant)
    return variants


# The salt words as `normalized_words` writes them ("sulfate", "hcl").
_FOLDED_SALTS = frozenset(_fold_word(word) for word in SALT_WORDS)


# Words that name the same organ or the same kind of concept in a disease name,
# folded to one word for `canonical_key`: "renal damage" and MeSH's "Kidney
# Diseases", "liver tumours" and "Liver Neoplasms", "thyroid illness" and "Thyroid
# Diseases" meet. Only a mention that matches no name as written uses them
# (BC5CDR and NCBI-disease link such mentions to the organ's disease concept).
ORGAN_WORDS = {
    "renal": "kidney",
    "nephric": "kidney",
    "hepatic": "liver",
    "cardiac": "heart",
    "myocardial": "heart",
    "cerebral": "brain",
    "pulmonary": "lung",
    "gastric": "stomach",
    "muscular": "muscle",
    "skeletal": "muscle",
    "cutaneous": "skin",
    "dermal": "skin",
    "ocular": "eye",
    "visual": "vision",
    "osseous": "bone",
    "prostatic": "prostate",
    "ovarian": "ovary",
    "thyroidal": "thyroid",
    "hematological": "hematologic",
    "haematological": "hematologic",
    "neurological": "neurologic",
    "urinary": "bladder",
    "auditory": "hearing",
}
# Generic heads of a disease mention, folded to MeSH's words ("Diseases",
# "Neoplasms") for `canonical_key`.
HEAD_WORDS = {
    "damage": "disease",
    "injury": "disease",
    "lesion": "disease",
    "abnormality": "disease",
    "illness": "disease",
    "disorder": "disease",
    "dysfunction": "disease",
    "impairment": "disease",
    "involvement": "disease",
    "complication": "disease",
    "toxicity": "disease",
    "problem": "disease",
    "tumor": "neoplasm",
    "tumour": "neoplasm",
    "cancer": "neoplasm",
    "carcinoma": "neoplasm",
    "malignancy": "neoplasm",
}
_CANONICAL = {
    _fold_word(word): _fold_word(canonical)
    for word, canonical in {**ORGAN_WORDS, **HEAD_WORDS}.items()
}


def canonical_key(normalized: str) -> str:
    """A bag-of-words key with organ adjectives and generic heads folded to
    MeSH's words ("renal damage" -> "disease kidney", as "Kidney Diseases").

    normalized (str): A normalised name.
    RETURNS (str): Its sorted, distinct, folded content words; "" if it has none.
    """
    words = {
        _stem(_CANONICAL.get(word, word))
        for word in normalized.split()
        if word not in FUNCTION_WORDS
    }
    return " ".join(sorted(words))


# Adjective and noun endings of one disease word, cut for `canonical_key`
# ("dystonic"/"dystonia", "cataleptic"/"catalepsy", "psychotic"/"psychosis",
# "neuropathic"/"neuropathy", "hypertensive"/"hypertension"), longest first.
STEM_ENDINGS = (
    ("pathic", "path"),
    ("pathy", "path"),
    ("tic", ""),
    ("sis", ""),
    ("sy", ""),
    ("ic", ""),
    ("ia", ""),
    ("ive", ""),
    ("ion", ""),
)


def _stem(word: str) -> str:
    if len(word) <= 5 or not word.isalpha():
        return word
    for ending, replacement in STEM_ENDINGS:
        if word.endswith(ending):
            return word[: -len(ending)] + replacement
    if len(word) > 7 and word.endswith("al"):
        return word[:-2]
    return word
