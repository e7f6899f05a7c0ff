"""The biomedical tokenizer: each rule, what it must leave alone, and serialization.
Every expected tokenization is written out by hand. The alignment of the gold
mentions of the real corpora, which README states, is checked on every split of
every corpus in tests/corpora/test_real_corpora.py."""

from typing import List

import pytest
import spacy
from spacy.lang.en import English
from spacy.language import Language
from spacy.tokenizer import Tokenizer

from spacy_biolm.tokenizer import create_biolm_tokenizer_v1

CONFIG = {"nlp": {"tokenizer": {"@tokenizers": "spacy-biolm.Tokenizer.v1"}}}

# Sentences that exercise every rule, with their tokens written out by hand, for the
# round trips: a saved or reloaded tokenizer must give these, not merely what the
# original gives.
TEXTS = [
    (
        "Selegiline-induced (+/-)-PG-9 toxicity in vav-/- mice (mean 1.21 +/- 0.23).",
        ["Selegiline", "-", "induced", "(", "+/-", ")", "-", "PG-9", "toxicity", "in", "vav",
         "-/-", "mice", "(", "mean", "1.21", "+/-", "0.23", ")", "."],
    ),
    (
        "Activation of NF-kappa B. [Ca](2+)-dependent p56(lck) in (TNF)alpha-treated cells.",
        ["Activation", "of", "NF", "-", "kappa", "B", ".", "[", "Ca", "]", "(", "2+", ")", "-",
         "dependent", "p56", "(", "lck", ")", "in", "(", "TNF", ")", "alpha", "-", "treated",
         "cells", "."],
    ),
    (
        "Na+/K+-ATPase of CD16- IgM+ cells; CHX+Pilo; FUS1::lacZ; Lyn-->Ras; RAR*RXR.",
        ["Na", "+", "/", "K", "+", "-", "ATPase", "of", "CD16", "-", "IgM", "+", "cells", ";",
         "CHX", "+", "Pilo", ";", "FUS1", "::", "lacZ", ";", "Lyn", "-->", "Ras", ";", "RAR", "*",
         "RXR", "."],
    ),
    (
        "E. coli, S.cerevisiae and c-Jun. Id proteins (Fig. 2) et al., i.v. in the U.S.A.",
        ["E", ".", "coli", ",", "S.cerevisiae", "and", "c", "-", "Jun", ".", "Id", "proteins",
         "(", "Fig.", "2", ")", "et", "al.", ",", "i.v.", "in", "the", "U.S.A."],
    ),
    (
        "expression.(ABSTRACT TRUNCATED AT 250 WORDS)",
        ["expression", ".", "(", "ABSTRACT", "TRUNCATED", "AT", "250", "WORDS", ")"],
    ),
]  # fmt: skip
TEXT_STRINGS = [text for text, _ in TEXTS]


@pytest.fixture(scope="module")
def nlp() -> Language:
    return spacy.blank("en", config=CONFIG)


def tokens(nlp: Language, text: str) -> List[str]:
    return [token.text for token in nlp.make_doc(text)]


@pytest.mark.parametrize(
    "text,expected",
    [
        # SIGN_PAIR: "+/-" and zygosity stay one token
        ("1.21 +/- 0.23", ["1.21", "+/-", "0.23"]),
        ("vav-/- mice", ["vav", "-/-", "mice"]),
        ("+/+ littermates", ["+/+", "littermates"]),
        # LEADING_HYPHEN: after a stereo descriptor
        ("(+/-)-PG-9", ["(", "+/-", ")", "-", "PG-9"]),
        ("(-)-baclofen", ["(", "-", ")", "-", "baclofen"]),
        # FINAL_PERIOD_AFTER_CAPITAL
        ("activation of NF-kappa B.", ["activation", "of", "NF", "-", "kappa", "B", "."]),
        ("protein kinase C.", ["protein", "kinase", "C", "."]),
        ("RelA.", ["RelA", "."]),
        # TRAILING_HYPHEN: coordinated compounds
        ("quinine- and", ["quinine", "-", "and"]),
        ("CD16- cells", ["CD16", "-", "cells"]),
        # TRAILING_PLUS
        ("IgM+ cells", ["IgM", "+", "cells"]),
        ("K+ channel", ["K", "+", "channel"]),
        # BRACKET inside words
        ("(TNF)alpha", ["(", "TNF", ")", "alpha"]),
        ("p56(lck)", ["p56", "(", "lck", ")"]),
        ("GSW-R14(T)", ["GSW", "-", "R14", "(", "T", ")"]),
        ("[3H]GABA", ["[", "3H", "]", "GABA"]),
        ("factor(s)", ["factor", "(", "s", ")"]),
        # PERIOD_BEFORE_BRACKET
        ("expression.(ABSTRACT", ["expression", ".", "(", "ABSTRACT"]),
        # HYPHEN_AT_BRACKET
        ("(DOX)-induced", ["(", "DOX", ")", "-", "induced"]),
        ("Ca2+-containing", ["Ca2", "+", "-", "containing"]),
        ("D2Mit1-(Dbh)", ["D2Mit1", "-", "(", "Dbh", ")"]),
        ("CD4-/CD8-", ["CD4", "-", "/", "CD8", "-"]),
        # SLASH after a bracket, charge or minus
        ("(TCR)/CD3", ["(", "TCR", ")", "/", "CD3"]),
        ("Na+/K+-ATPase", ["Na", "+", "/", "K", "+", "-", "ATPase"]),
        # LEADING_SLASH, TRAILING_SLASH
        ("STK/ RON", ["STK", "/", "RON"]),
        ("mil /raf", ["mil", "/", "raf"]),
        # DOUBLE_HYPHEN, ARROW, DOUBLE_COLON, OPERATOR
        ("encephalopathy--19", ["encephalopathy", "--", "19"]),
        ("Lyn-->Ras-->Raf-1", ["Lyn", "-->", "Ras", "-->", "Raf-1"]),
        ("FUS1::lacZ", ["FUS1", "::", "lacZ"]),
        ("CHX+Pilo", ["CHX", "+", "Pilo"]),
        ("Mg+2", ["Mg", "+", "2"]),
        ("RAR*RXR", ["RAR", "*", "RXR"]),
        # the examples of the design
        ("Selegiline-induced", ["Selegiline", "-", "induced"]),
        ("IL-2-dependent", ["IL-2", "-", "dependent"]),
        ("Chemical/Disease", ["Chemical", "/", "Disease"]),
        ("5-FU-treated", ["5", "-", "FU", "-", "treated"]),
        ("1,25(OH)2D3", ["1,25", "(", "OH", ")", "2D3"]),
        ("E. coli", ["E", ".", "coli"]),
        # gene and chemical names that English leaves in one piece with their context
        ("p53-/- mice", ["p53", "-/-", "mice"]),
        ("CD4+CD25+ T cells", ["CD4", "+", "CD25", "+", "T", "cells"]),
        ("N(6)-methyladenosine", ["N", "(", "6", ")", "-", "methyladenosine"]),
        ("[3H]thymidine", ["[", "3H", "]", "thymidine"]),
        ("Ca2+-ATPase", ["Ca2", "+", "-", "ATPase"]),
        ("(E)-2-hexenal", ["(", "E", ")", "-", "2", "-", "hexenal"]),
    ],
)
def test_splits(nlp, text, expected):
    assert tokens(nlp, text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        # English exceptions that collide with symbols are gone
        ("c-Jun.", ["c", "-", "Jun", "."]),
        ("type Ia.", ["type", "Ia", "."]),
        ("24 h.", ["24", "h", "."]),
        ("Id proteins", ["Id", "proteins"]),
        ("Hes genes", ["Hes", "genes"]),
        ("XD", ["XD"]),
        ("(1-8)", ["(", "1", "-", "8", ")"]),
        # abbreviations, titles and initialisms keep their period
        ("et al., 2005", ["et", "al.", ",", "2005"]),
        ("(Fig. 2)", ["(", "Fig.", "2", ")"]),
        ("e.g. i.e. vs.", ["e.g.", "i.e.", "vs."]),
        ("given i.v. in the U.S.A.", ["given", "i.v.", "in", "the", "U.S.A."]),
        ("(S.E.M.)", ["(", "S.E.M.", ")"]),
        ("Dr. Smith", ["Dr.", "Smith"]),
    ],
)
def test_special_cases(nlp, text, expected):
    assert tokens(nlp, text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        # English's own splits, which the biomedical rules must keep
        ("2.5 mg/kg", ["2.5", "mg", "/", "kg"]),
        ("p < 0.05", ["p", "<", "0.05"]),
        ("The patients were treated with 10 mg of the drug.",
         ["The", "patients", "were", "treated", "with", "10", "mg", "of", "the", "drug", "."]),
        ("It's 3.5% higher (n = 10).",
         ["It", "'s", "3.5", "%", "higher", "(", "n", "=", "10", ")", "."]),
        ("10-40 mg", ["10", "-", "40", "mg"]),
        ("N-acetylcysteine", ["N", "-", "acetylcysteine"]),
        ("2,3,7,8-tetrachlorodibenzo-p-dioxin",
         ["2,3,7,8", "-", "tetrachlorodibenzo", "-", "p", "-", "dioxin"]),
        ("TNF-alpha", ["TNF", "-", "alpha"]),
        ("HLA-DR4", ["HLA", "-", "DR4"]),
        ("beta2-adrenergic", ["beta2", "-", "adrenergic"]),
        ("LPS-stimulated", ["LPS", "-", "stimulated"]),
        ("IL-6/STAT3", ["IL-6", "/", "STAT3"]),
        # what neither splits: symbols with digits, periods and primes inside
        ("e.g.", ["e.g."]),
        ("pH 7.4 at 37 degrees", ["pH", "7.4", "at", "37", "degrees"]),
        ("IL-2", ["IL-2"]),
        ("interleukin-2", ["interleukin-2"]),
        ("S.cerevisiae", ["S.cerevisiae"]),
        ("5'-flanking region", ["5'-flanking", "region"]),
        ("PU.1", ["PU.1"]),
        ("H2O2", ["H2O2"]),
        ("BRCA1 and BRCA2", ["BRCA1", "and", "BRCA2"]),
    ],
)  # fmt: skip
def test_ordinary_text_is_not_shattered(nlp, text, expected):
    assert tokens(nlp, text) == expected


def test_abbreviations_are_configurable():
    config = {"nlp": {"tokenizer": {**CONFIG["nlp"]["tokenizer"], "abbreviations": ["Eq."]}}}
    nlp = spacy.blank("en", config=config)
    assert tokens(nlp, "Eq. 3 et al.") == ["Eq.", "3", "et", "al", "."]


def test_config_names_the_tokenizer(nlp):
    assert nlp.config["nlp"]["tokenizer"]["@tokenizers"] == "spacy-biolm.Tokenizer.v1"


def test_empty_text(nlp):
    assert len(nlp("")) == 0


def test_pipe_equals_call(nlp):
    piped = [[token.text for token in doc] for doc in nlp.tokenizer.pipe(TEXT_STRINGS)]
    called = [tokens(nlp, text) for text in TEXT_STRINGS]
    assert piped == called == [expected for _, expected in TEXTS]


def test_to_disk_spacy_load_round_trip(nlp, tmp_path):
    nlp.to_disk(tmp_path)
    loaded = spacy.load(tmp_path)
    assert loaded.config.to_str() == nlp.config.to_str()
    for text, expected in TEXTS:
        assert tokens(loaded, text) == expected


def test_saved_rules_reload_without_the_registered_function(nlp, tmp_path):
    # The rules travel in the saved tokenizer itself: a bare spaCy Tokenizer
    # loaded from disk tokenizes like ours, not like English.
    nlp.tokenizer.to_disk(tmp_path / "tokenizer")
    bare = English()
    bare.tokenizer = Tokenizer(bare.vocab).from_disk(tmp_path / "tokenizer")
    for text, expected in TEXTS:
        assert tokens(bare, text) == expected


def test_to_bytes_round_trip(nlp):
    data = nlp.tokenizer.to_bytes()
    other = spacy.blank("en")
    other.tokenizer.from_bytes(data)
    for text, expected in TEXTS:
        assert tokens(other, text) == expected


def test_factory_returns_a_spacy_tokenizer():
    # Installed on a blank English pipeline by hand, not through the config.
    english = English()
    tokenizer = create_biolm_tokenizer_v1()(english)
    assert isinstance(tokenizer, Tokenizer)
    for text, expected in TEXTS:
        assert [token.text for token in tokenizer(text)] == expected
