"""GNormPlus and NLM-Gene, the opt-in gene corpora: `convert gnormplus` and
`convert nlm_gene` on hand-made PubTator files (dev carved from train by PMID, the
types that are not genes counted as unmapped, the test-document guard), and on the
real releases (skipped when ../shared/corpora is absent)."""

import hashlib
from collections import Counter
from typing import Dict, List, Tuple

import pytest
import srsly

from spacy_biolm.annotations import SPANS_KEY, get_annotated_labels
from spacy_biolm.corpora.builder import DocBuilder, make_nlp
from spacy_biolm.corpora.catalog import (
    CORPUS_RECIPES,
    DEFAULT_CORPORA,
    OPT_IN_CORPORA,
    CorpusName,
    corpus_splits,
    releases,
    split_names,
)
from spacy_biolm.corpora.convert import convert_all
from spacy_biolm.corpora.report import SplitReport
from spacy_biolm.corpora.source import InvalidRecords

from .conftest import accounted, write
from .fake_corpora import write_fake_corpora
from .test_convert import read_docs, run

# corpus -> its release files and the types it annotates besides Gene.
GENE_CORPORA = {
    "gnormplus": (
        "GNormPlus_Train.PubTator", "GNormPlus_Test.PubTator", ("FamilyName", "DomainMotif")
    ),
    "nlm_gene": (
        "NLMgene_Train.PubTator",
        "NLMgene_Test.PubTator",
        ("FamilyName", "DomainMotif", "Cell", "ChromosomeLocation"),
    ),
}  # fmt: skip
# A document NLM-Gene's (hand-made) test split holds, also in the train files below.
TEST_DOC = "909"
TITLE = "BRCA1 and the kinase family in T cells."


def gene_doc(pmid: str, others: Tuple[str, ...]) -> str:
    """A PubTator abstract with one Gene ("BRCA1") and one mention of each other type."""
    lines = [f"{pmid}|t|{TITLE}", f"{pmid}|a|Abstract {pmid}.", f"{pmid}\t0\t5\tBRCA1\tGene\t672"]
    spans = [(14, 27, "kinase family"), (31, 38, "T cells"), (10, 13, "the"), (21, 27, "family")]
    for other, (start, end, text) in zip(others, spans):
        lines.append(f"{pmid}\t{start}\t{end}\t{text}\t{other}\t-")
    return "\n".join(lines) + "\n\n"


def smallest_md5(ids: List[str], fraction: float = 0.1) -> List[str]:
    """Brute force: the fraction of ids with the smallest md5 digest."""
    ranked = sorted(ids, key=lambda pmid: hashlib.md5(pmid.encode()).hexdigest())
    return ranked[: round(len(ids) * fraction)]


@pytest.fixture
def gene_corpora(tmp_path):
    """A corpora folder whose GNormPlus and NLM-Gene train files hold 30 abstracts
    each and an NLM-Gene test abstract; their test files hold two abstracts."""
    root = write_fake_corpora(tmp_path / "corpora", {("nlm_gene", "test"): (TEST_DOC,)})
    train_ids = [str(5000 + i) for i in range(30)] + [TEST_DOC]
    for corpus, (train, test, others) in GENE_CORPORA.items():
        write(root / corpus, train, "".join(gene_doc(pmid, others) for pmid in train_ids))
        test_ids = (TEST_DOC,) if corpus == "nlm_gene" else ("7001", "7002")
        write(root / corpus, test, "".join(gene_doc(pmid, others) for pmid in test_ids))
    return root, train_ids


@pytest.mark.parametrize("corpus", sorted(GENE_CORPORA))
def test_convert_gene_corpus(gene_corpora, tmp_path, corpus):
    root, train_ids = gene_corpora
    others = GENE_CORPORA[corpus][2]
    out = tmp_path / "out"
    result = run("convert", corpus, root / corpus, out)
    assert result.exit_code == 0, result.output
    report = srsly.read_json(out / "report.json")
    splits = report["splits"]
    # Dev: the 10 % of the 31 train PMIDs with the smallest md5 (3), less the test document.
    dev = smallest_md5(train_ids)
    held_out = {"dev" if TEST_DOC in dev else "train": {TEST_DOC: ["nlm_gene"]}}
    expected = {
        "train": [pmid for pmid in train_ids if pmid not in dev and pmid != TEST_DOC],
        "dev": [pmid for pmid in dev if pmid != TEST_DOC],
        "test": [TEST_DOC] if corpus == "nlm_gene" else ["7001", "7002"],
    }
    for split, pmids in expected.items():
        n = len(pmids)
        assert splits[split]["docs"] == n, split
        assert splits[split]["held_out_ids"] == held_out.get(split, {}), split
        assert splits[split]["converted"] == {"Gene": n}, split
        # Families, domains, cells and loci are not genes here: counted, not converted.
        assert splits[split]["unmapped_type"] == dict.fromkeys(sorted(others), n)
        written = read_docs(out / f"{split}.spacy")
        assert sorted(doc.text.rsplit(" ", 1)[1][:-1] for doc in written) == sorted(pmids)
        for doc in written:
            assert [(s.text, s.label_) for s in doc.spans[SPANS_KEY]] == [("BRCA1", "Gene")]
            assert get_annotated_labels(doc) == ["Gene"]
            assert doc._.biolm_source == corpus
    assert report["corpus"] == corpus
    assert report["label_scheme"] == {
        "label_map": {"Gene": "Gene"},
        "ignore_types": sorted(others),
        "annotated_labels": ["Gene"],
        "default": True,
    }


def test_gene_corpora_are_opt_in_with_their_licence():
    assert [name.value for name in OPT_IN_CORPORA] == ["gnormplus", "nlm_gene"]
    assert set(DEFAULT_CORPORA) == set(CorpusName) - set(OPT_IN_CORPORA)
    assert [name.value for name in DEFAULT_CORPORA] == [
        "bc5cdr", "ncbi_disease", "bc2gm", "jnlpba", "linnaeus", "s800", "biored"
    ]  # fmt: skip
    for name in OPT_IN_CORPORA:
        recipe = CORPUS_RECIPES[name]
        assert split_names(name) == ("train", "dev", "test")
        assert recipe.scheme.annotated_labels == ("Gene",)
        assert recipe.release.license.startswith("MIT") and "AIONER" in recipe.release.license
        assert recipe.release.citation
        # One record per release: the pins are the recipe's, not listed twice.
        assert releases()[name.value] is recipe.release


def test_convert_all_converts_the_corpora_asked_for(gene_corpora, tmp_path):
    """`convert-all --opt-in` asks for these too (test_convert.py: by default
    convert-all writes the seven default corpora only)."""
    root, _ = gene_corpora
    reports = convert_all(root, tmp_path / "out", progress=False, corpora=OPT_IN_CORPORA)
    assert sorted(reports) == ["gnormplus", "nlm_gene"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["gnormplus", "nlm_gene"]


# Counted in the release files (shared/corpora): title lines, and mention lines by type.
RELEASE_COUNTS = {
    ("gnormplus", "train"): (432, {"DomainMotif": 294, "FamilyName": 1253, "Gene": 4246}),
    ("gnormplus", "test"): (262, {"DomainMotif": 359, "FamilyName": 1202, "Gene": 3288}),
    ("nlm_gene", "train"): (450, {
        "Cell": 956, "ChromosomeLocation": 9, "DomainMotif": 71, "FamilyName": 1528, "Gene": 11233
    }),
    ("nlm_gene", "test"): (100, {
        "Cell": 272, "ChromosomeLocation": 5, "DomainMotif": 20, "FamilyName": 391, "Gene": 2365
    }),
}  # fmt: skip


@pytest.fixture(scope="module")
def real_reports(corpora_dir) -> Dict[str, Dict[str, SplitReport]]:
    nlp = make_nlp()
    result: Dict[str, Dict[str, SplitReport]] = {}
    for name in OPT_IN_CORPORA:
        result[name.value] = {}
        for split, source in corpus_splits(name, corpora_dir / name.value).items():
            report = SplitReport(name.value, split)
            invalid = InvalidRecords()
            scheme = CORPUS_RECIPES[name].scheme
            builder = DocBuilder(nlp, scheme, source=name.value, invalid=invalid, report=report)
            for _ in builder(source.read(invalid)):
                pass
            result[name.value][split] = report
    return result


@pytest.mark.parametrize("corpus", ["gnormplus", "nlm_gene"])
def test_real_release_counts(real_reports, corpus):
    reports = real_reports[corpus]
    train_docs, train_counts = RELEASE_COUNTS[corpus, "train"]
    # Dev is carved from train: 10 % of its PMIDs (GNormPlus 43, NLM-Gene 45).
    assert reports["dev"].docs == round(train_docs * 0.1)
    assert reports["train"].docs + reports["dev"].docs == train_docs
    train = reports["train"].source_mentions + reports["dev"].source_mentions
    assert train == Counter(train_counts)
    assert (reports["test"].docs, reports["test"].source_mentions) == RELEASE_COUNTS[corpus, "test"]
    for split, report in reports.items():
        assert accounted(report), split
        assert report.converted["Gene"] == report.source_mentions["Gene"], split
        assert set(report.unmapped) == set(report.source_mentions) - {"Gene"}, split
