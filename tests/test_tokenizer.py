"""The biomedical tokenizer: each rule, what it must leave alone, serialization, and
the alignment of gold mentions of the real corpora."""

from itertools import islice
from typing import List

import pytest
import spacy
from spacy.lang.en import English
from spacy.language import Language
from spacy.tokenizer import Tokenizer

from spacy_biolm.tokenizer import create_biolm_tokenizer

CONFIG = {"nlp": {"tokenizer": {"@tokenizers": "spacy-biolm.Tokenizer.v1"}}}

# Sentences that exercise every rule, for the serialization round trips.
TEXTS = [
    "Selegiline-induced (+/-)-PG-9 toxicity in vav-/- mice (mean 1.21 +/- 0.23).",
    "Activation of NF-kappa B. [Ca](2+)-dependent p56(lck) in (TNF)alpha-treated cells.",
    "Na+/K+-ATPase of CD16- IgM+ cells; CHX+Pilo; FUS1::lacZ; Lyn-->Ras; RAR*RXR.",
    "E. coli, S.cerevisiae and c-Jun. Id proteins (Fig. 2) et al., i.v. in the U.S.A.",
    "expression.(ABSTRACT TRUNCATED AT 250 WORDS)",
]


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
    "text",
    [
        "2.5 mg/kg",
        "p < 0.05",
        "e.g.",
        "et al.",
        "The patients were treated with 10 mg of the drug.",
        "It's 3.5% higher (n = 10).",
        "pH 7.4 at 37 degrees",
        "10-40 mg",
        "IL-2",
        "S.cerevisiae",
        "5'-flanking region",
        "PU.1",
        "interleukin-2",
        "N-acetylcysteine",
        "2,3,7,8-tetrachlorodibenzo-p-dioxin",
    ],
)
def test_ordinary_text_is_not_shattered(nlp, text):
    # As English tokenizes it, or fewer tokens where an abbreviation stays whole.
    english = tokens(English(), text)
    ours = tokens(nlp, text)
    assert len(ours) <= len(english)
    assert "".join(ours) == "".join(english)


def test_abbreviations_are_configurable():
    config = {"nlp": {"tokenizer": {**CONFIG["nlp"]["tokenizer"], "abbreviations": ["Eq."]}}}
    nlp = spacy.blank("en", config=config)
    assert tokens(nlp, "Eq. 3 et al.") == ["Eq.", "3", "et", "al", "."]


def test_config_names_the_tokenizer(nlp):
    assert nlp.config["nlp"]["tokenizer"]["@tokenizers"] == "spacy-biolm.Tokenizer.v1"


def test_empty_text(nlp):
    assert len(nlp("")) == 0


def test_pipe_equals_call(nlp):
    assert [tokens(nlp, text) for text in TEXTS] == [
        [token.text for token in doc] for doc in nlp.tokenizer.pipe(TEXTS)
    ]


def test_to_disk_spacy_load_round_trip(nlp, tmp_path):
    nlp.to_disk(tmp_path)
    loaded = spacy.load(tmp_path)
    assert loaded.config.to_str() == nlp.config.to_str()
    for text in TEXTS:
        assert tokens(loaded, text) == tokens(nlp, text)


def test_saved_rules_reload_without_the_registered_function(nlp, tmp_path):
    # The rules travel in the saved tokenizer itself: a bare spaCy Tokenizer
    # loaded from disk tokenizes like ours, not like English.
    nlp.tokenizer.to_disk(tmp_path / "tokenizer")
    bare = English()
    bare.tokenizer = Tokenizer(bare.vocab).from_disk(tmp_path / "tokenizer")
    for text in TEXTS:
        assert tokens(bare, text) == tokens(nlp, text)
    assert tokens(bare, TEXTS[1]) != tokens(English(), TEXTS[1])


def test_to_bytes_round_trip(nlp):
    data = nlp.tokenizer.to_bytes()
    other = spacy.blank("en")
    other.tokenizer.from_bytes(data)
    for text in TEXTS:
        assert tokens(other, text) == tokens(nlp, text)


def test_factory_returns_a_spacy_tokenizer(nlp):
    tokenizer = create_biolm_tokenizer()(nlp)
    assert isinstance(tokenizer, Tokenizer)
    assert tokens(nlp, TEXTS[0]) == [token.text for token in tokenizer(TEXTS[0])]


# A fast, spread-out subset: every STRIDE-th document of each split, all of the
# small corpora. The full measurement is the convert report.
STRIDE = {"bc5cdr": 3, "ncbi_disease": 1, "bc2gm": 5, "jnlpba": 5, "linnaeus": 2, "s800": 1}
MIN_STRICT_PCT = 99.5


@pytest.mark.parametrize("corpus", sorted(STRIDE))
def test_gold_mentions_align(nlp, corpora_dir, corpus):
    from spacy_biolm.corpora.builder import DocBuilder
    from spacy_biolm.corpora.catalog import CORPORA, CorpusName, corpus_splits
    from spacy_biolm.corpora.report import SplitReport
    from spacy_biolm.corpora.source import InvalidRecords

    name = CorpusName(corpus)
    for split, source in corpus_splits(name, corpora_dir / corpus).items():
        report = SplitReport(corpus, split)
        invalid = InvalidRecords(skip=True)
        builder = DocBuilder(
            nlp, CORPORA[name].scheme, source=corpus, invalid=invalid, report=report
        )
        for _ in builder(islice(source.read(invalid), 0, None, STRIDE[corpus])):
            pass
        assert report.aligned >= 200, f"{corpus}/{split}: too few mentions to measure"
        worst = report.misaligned.most_common(3)
        assert report.strict_pct >= MIN_STRICT_PCT, f"{corpus}/{split}: {worst}"
