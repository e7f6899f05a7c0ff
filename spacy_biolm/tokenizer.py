"""A tokenizer for biomedical text: spaCy's rule-based `Tokenizer` with the
language's own rules plus the splits that put gold entity boundaries on token
boundaries.

A mention that starts or ends inside a token cannot be a span of tokens, so the
NER can neither learn nor predict it exactly. spaCy's English rules leave 1.3 % to
3.7 % of the mentions of BC5CDR, BC2GM, JNLPBA and Species-800 inside tokens; the
rules below bring every corpus and split to at least 99.5 %. Each rule says which
pattern of which corpus it fixes and how many gold mentions are aligned because of
it (leave-one-out over all splits of BC5CDR, NCBI-disease, BC2GM, JNLPBA, LINNAEUS
and Species-800). A split only ever helps alignment, but every split costs a token
in every other document, so a pattern is split only where the data needs it:
"IL-2" stays one token, "IL-2-dependent" does not.

Everything is a regex, a special case or a token_match, so `Tokenizer.to_disk`
saves the rules themselves and a saved pipeline tokenizes identically without
calling the registered function again.
"""

import re
from typing import Callable, Dict, List, Optional, Sequence

from spacy.lang.char_classes import ALPHA, ALPHA_UPPER, HYPHENS
from spacy.lang.tokenizer_exceptions import emoticons
from spacy.language import Language
from spacy.symbols import ORTH
from spacy.tokenizer import Tokenizer
from spacy.util import (
    compile_infix_regex,
    compile_prefix_regex,
    compile_suffix_regex,
    registry,
)

# "+/-" (mean +/- SD) and zygosity ("vav-/- mice", "+/+") are one token wherever
# they occur; English splits "+" from "/-". A gene before "-/-" (JNLPBA): 6 mentions.
SIGN_PAIR = r"[+\-]/[+\-]"

# A hyphen left at the start of a word once "(+/-)" or "(+)" is split off:
# "(+/-)-PG-9", "(-)-baclofen" (BC5CDR): 25 mentions.
LEADING_HYPHEN = rf"(?:{HYPHENS})(?=[{ALPHA}])"

# A sentence-final period after a capital: "NF-kappa B.", "protein kinase C.",
# "vitamin E.", "RelA." (JNLPBA 348, BC2GM 132, BC5CDR 20, NCBI 5): 507 mentions. English
# keeps "B." together as an initial; "E. coli" becomes "E", ".", "coli", which
# still aligns.
FINAL_PERIOD_AFTER_CAPITAL = rf"(?<=[{ALPHA_UPPER}])\."

# The hyphen of a coordinated compound: "quinine- and 4-aminopyridine-induced",
# "CD16- cells" (BC5CDR 49, BC2GM 52, JNLPBA 44): 146 mentions.
TRAILING_HYPHEN = rf"(?<=[{ALPHA}0-9])(?:{HYPHENS})"

# A charge or marker sign after letters: "Na+/K+", "IgM+ cells" (English only
# splits it after digits; BC5CDR 13, BC2GM 5, JNLPBA 4): 22 mentions.
TRAILING_PLUS = rf"(?<=[{ALPHA}])\+"

# Brackets inside a word: "(TNF)alpha", "[Ca](2+)", "p56(lck)", "6A8(T)" type
# strains, "factor(s)", "[3H]GABA" (BC5CDR 186, BC2GM 238, JNLPBA 154, S800 89):
# 668 mentions, the most frequent pattern of all.
BRACKET = r"[()\[\]{}]"

# A period before a bracket: "expression.(ABSTRACT TRUNCATED AT 250 WORDS)"
# (JNLPBA 9, BC5CDR 1): 10 mentions.
PERIOD_BEFORE_BRACKET = r"\.(?=[(\[])"

# A hyphen after a bracket or charge, or before a bracket: "(DOX)-induced",
# "Ca2+-dependent", "D2Mit1-(Dbh" (English splits hyphens between letters and
# digits only; BC5CDR 19, BC2GM 8, JNLPBA 5): 32 mentions. Before a slash too, as
# TRAILING_HYPHEN would ("CD4-/CD8-"): infix pieces get no suffix splitting.
HYPHEN_AT_BRACKET = rf"(?<=[)\]+])(?:{HYPHENS})|(?<=[{ALPHA}0-9])(?:{HYPHENS})(?=[(\[/])"

# A slash after a bracket, charge or minus: "(TCR)/CD3", "Na+/K+-ATPase",
# "CD3-/CD4" (English splits a slash only before letters; BC2GM 29, JNLPBA 17,
# BC5CDR 9): 55 mentions.
SLASH = rf"(?<=[)\]+\-])/(?=[{ALPHA}(\[])|(?<=[{ALPHA}0-9])/(?=[(\[])"

# A slash at the edge of a word, coordinating like TRAILING_HYPHEN: "STK/ RON",
# "Cre/ lox", "mil /raf" (BC2GM): 6 mentions.
LEADING_SLASH = rf"/(?=[{ALPHA}])"
TRAILING_SLASH = rf"(?<=[{ALPHA}0-9])/"

# A double hyphen used as a dash: "encephalopathy--19 cases", "3--chlorpheniramine":
# BC5CDR: 4 mentions.
DOUBLE_HYPHEN = r"-{2,}"

# Pathway arrows: "Lyn-->Ras-->Raf-1" (JNLPBA): 6 mentions.
ARROW = r"-+>|<-+"

# Gene fusions: "FUS1::lacZ", "exs1::Tn1" (BC2GM): 26 mentions.
DOUBLE_COLON = r"::"

# "+" or "*" joining two symbols: "CHX+Pilo", "Mg+2", "Na+/K+", "RAR*RXR" (BC5CDR 28,
# BC2GM 8, JNLPBA 4, S800 1): 41 mentions.
OPERATOR = rf"(?<=[{ALPHA}0-9])[*+](?=[{ALPHA}0-9/\-])"

PREFIXES = [SIGN_PAIR, LEADING_HYPHEN, LEADING_SLASH]
SUFFIXES = [SIGN_PAIR, FINAL_PERIOD_AFTER_CAPITAL, TRAILING_HYPHEN, TRAILING_PLUS, TRAILING_SLASH]
INFIXES = [
    SIGN_PAIR,
    ARROW,
    DOUBLE_HYPHEN,
    BRACKET,
    PERIOD_BEFORE_BRACKET,
    HYPHEN_AT_BRACKET,
    SLASH,
    DOUBLE_COLON,
    OPERATOR,
]

# Initialisms such as "U.S.A.", "i.v.", "S.E.M." keep their final period, which
# FINAL_PERIOD_AFTER_CAPITAL would otherwise split off.
INITIALISM = r"(?:[A-Za-z]\.){2,}$"

# Abbreviations whose period stays attached ("et al.", "(Fig. 2)").
ABBREVIATIONS = ("al.", "approx.", "ca.", "cf.", "Fig.", "Figs.", "resp.")

# Of English's "Abbrev." exceptions only these mean the same in scientific text.
# The others collide with symbols at the end of a sentence: months ("c-Jun."),
# states ("type Ia.", "Mo."), single letters ("gamma c.", "24 h."). Dropping them,
# the emoticons ("8)") and the apostrophe-less contractions aligns 31 mentions.
KEPT_LANGUAGE_ABBREVIATIONS = frozenset(
    ["Co.", "Corp.", "Dr.", "Inc.", "Jr.", "Ltd.", "Mr.", "Mrs.", "Ms.", "Prof.", "St.", "vs."]
)


@registry.tokenizers("spacy-biolm.Tokenizer.v1")
def create_biolm_tokenizer_v1(
    *, abbreviations: Sequence[str] = ABBREVIATIONS
) -> Callable[[Language], Tokenizer]:
    """Create a factory for the biomedical tokenizer.

    abbreviations (Sequence[str]): Words that end in a period and stay one token,
        in addition to the language's titles and "vs.".
    RETURNS (Callable[[Language], Tokenizer]): Builds the tokenizer for a pipeline.
    """

    def tokenizer_factory(nlp: Language) -> Tokenizer:
        defaults = nlp.Defaults
        rules = _special_cases(defaults.tokenizer_exceptions)
        rules.update({word: [{ORTH: word}] for word in abbreviations})
        return Tokenizer(
            nlp.vocab,
            rules=rules,
            prefix_search=compile_prefix_regex(PREFIXES + list(defaults.prefixes or [])).search,
            suffix_search=compile_suffix_regex(SUFFIXES + list(defaults.suffixes or [])).search,
            infix_finditer=compile_infix_regex(INFIXES + list(defaults.infixes or [])).finditer,
            token_match=_token_match(defaults.token_match),
            url_match=defaults.url_match,
        )

    return tokenizer_factory


def _special_cases(
    exceptions: Dict[str, List[Dict[int, str]]],
) -> Dict[str, List[Dict[int, str]]]:
    """The language's special cases less those that break biomedical symbols:
    emoticons ("XD", "8)", ":O"), most "Abbrev." forms, and contractions written
    without an apostrophe, which split genes ("Id" -> "I", "d"; "Hes").

    exceptions (Dict[str, List[Dict[int, str]]]): The language's special cases.
    RETURNS (Dict[str, List[Dict[int, str]]]): The special cases to keep.
    """
    return {
        orth: tokens
        for orth, tokens in exceptions.items()
        if orth not in emoticons
        and not (len(tokens) > 1 and orth.isalnum())
        and (orth in KEPT_LANGUAGE_ABBREVIATIONS or not re.fullmatch(r"[A-Za-z]{1,5}\.", orth))
    }


def _token_match(language_match: Optional[Callable]) -> Callable:
    """Match initialisms, and whatever the language's own token_match matches.

    language_match (Optional[Callable]): The language's `token_match` (the `match`
        of a compiled pattern, which is what spaCy serializes), or None.
    RETURNS (Callable): The `match` method of the combined pattern.
    """
    pattern = INITIALISM
    if language_match is not None:
        # The language's pattern goes first: it may start with global flags.
        language_pattern = language_match.__self__.pattern  # type: ignore[attr-defined]
        pattern = f"{language_pattern}|{pattern}"
    return re.compile(pattern).match
