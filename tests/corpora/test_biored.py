"""BioRED: the dev rule (biored.py) and the conversion of the real release (skipped
when ../shared/corpora is absent)."""

import hashlib
import re
from collections import Counter
from typing import Dict, Set

import pytest
import spacy
from spacy.tokens import DocBin

from spacy_biolm.annotations import get_annotated_labels
from spacy_biolm.corpora.biored import BIORED_DEV_AVOIDS, BIORED_DEV_PMIDS, biored_dev_pmids
from spacy_biolm.corpora.catalog import CORPUS_RECIPES, CorpusName, corpus_splits
from spacy_biolm.corpora.convert import convert_corpus
from spacy_biolm.corpora.heldout import EXTRA_TEST_FILES
from spacy_biolm.corpora.merged import find_spacy_files
from spacy_biolm.corpora.pubtator import read_pubtator
from spacy_biolm.corpora.source import InvalidRecords
from spacy_biolm.packaging import build_meta

from .conftest import accounted

RELEASE = "BioRED_TrainDev.PubTator"
LABELS = ["Chemical", "Disease", "Gene", "Species"]


def test_dev_rule_avoids_reused_pmids_and_is_order_free():
    pmids = [str(n) for n in range(1000, 1300)]
    reused = set(pmids[:150])
    dev = biored_dev_pmids(pmids, reused)
    # Brute force: of the 150 others, the 100 with the smallest md5 digest.
    digest = {p: hashlib.md5(p.encode()).hexdigest() for p in pmids[150:]}
    assert dev == sorted(sorted(digest, key=digest.get)[:100])
    assert biored_dev_pmids(list(reversed(pmids)), reused) == dev
    assert not reused.intersection(dev)
    # Fewer candidates than 100: all of them.
    assert biored_dev_pmids(pmids[:160], reused) == pmids[150:160]


def test_recipe_annotates_all_four_labels():
    recipe = CORPUS_RECIPES[CorpusName.biored]
    assert recipe.scheme.annotated_labels == tuple(LABELS)
    assert recipe.scheme.ignore_types == {"Variant", "CellLine"}
    assert "MIT" in recipe.release.license
    assert "Briefings in Bioinformatics" in recipe.release.citation


def _pmids_of_other_corpora(corpora_dir) -> Set[str]:
    pmids: Set[str] = set()
    for name in BIORED_DEV_AVOIDS:
        if name in EXTRA_TEST_FILES:
            for path in (corpora_dir / name).glob("*.PubTator"):
                pmids.update(d.id for d in read_pubtator(path, InvalidRecords()))
        else:
            for source in corpus_splits(CorpusName(name), corpora_dir / name).values():
                pmids.update(d.id for d in source.read(InvalidRecords()))
    return pmids


def test_dev_split_is_the_rules_result_on_the_release(corpora_dir):
    release = [d.id for d in read_pubtator(corpora_dir / "biored" / RELEASE, InvalidRecords())]
    reused = _pmids_of_other_corpora(corpora_dir)
    assert len(release) == 500
    assert sum(pmid not in reused for pmid in release) == 161
    assert biored_dev_pmids(release, reused) == sorted(BIORED_DEV_PMIDS)


def _file_counts(path, pmids: Set[str]) -> Dict[str, int]:
    """Mention types of the given documents, read as plain text lines."""
    counts: Counter = Counter()
    for line in path.read_text(encoding="utf8").splitlines():
        fields = line.split("\t")
        if len(fields) >= 5 and fields[0] in pmids and re.fullmatch(r"\d+", fields[1]):
            counts[fields[4]] += 1
    return dict(counts)


@pytest.fixture(scope="module")
def converted(corpora_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("biored")
    reports = convert_corpus(CorpusName.biored, corpora_dir / "biored", out, progress=False)
    return out, {report.split: report for report in reports}


def test_convert_biored(corpora_dir, converted):
    out, reports = converted
    assert set(reports) == {"train", "dev"}
    assert not (out / "test.spacy").exists()
    # 400 train abstracts less the 96 that other corpora test on.
    assert (reports["train"].docs, len(reports["train"].held_out)) == (304, 96)
    assert reports["dev"].docs == 100 and not reports["dev"].held_out
    dev = reports["dev"]
    assert dev.source_mentions == _file_counts(corpora_dir / "biored" / RELEASE, BIORED_DEV_PMIDS)
    assert dev.unmapped == {t: dev.source_mentions[t] for t in ("CellLine", "Variant")}
    assert sum(dev.converted.values()) == sum(dev.source_mentions[label] for label in LABELS)
    for report in reports.values():
        # Measured: 99.49 % (train) and 99.39 % (dev) of the mentions align exactly.
        assert report.strict_pct >= 99.3 and not report.dropped, report.split
        assert accounted(report), report.split
    vocab = spacy.blank("en").vocab
    docs = list(DocBin().from_disk(out / "dev.spacy").get_docs(vocab))
    assert len(docs) == 100
    assert all(get_annotated_labels(doc) == LABELS for doc in docs)
    assert {doc._.biolm_source for doc in docs} == {"biored"}


def test_packaged_meta_cites_biored():
    stats = {"docs": 1, "words": 1, "seconds": 1.0, "words_per_second": 1.0}
    scores = {"ents_p": 0.5, "ents_r": 0.5, "ents_f": 0.5, "ents_per_type": {}}
    results = {"split": "dev", "corpora": {"biored": {**stats, **scores}}}
    (source,) = build_meta(results, name="biolm", version="0.1.0")["sources"]
    assert source["license"].startswith("MIT")
    assert source["citation"].startswith("Luo L, Lai PT, Wei CH, Arighi CN, Lu Z. BioRED")


def test_brace_list_picks_the_training_corpora(tmp_path):
    """project.yml trains on `corpus/{${vars.train_corpora}}/train.spacy`: BioRED,
    converted beside the others, is read only when the list names it."""
    for name in ("bc5cdr", "s800", "biored"):
        (tmp_path / name).mkdir()
        DocBin().to_disk(tmp_path / name / "train.spacy")
    found = find_spacy_files([f"{tmp_path}/{{bc5cdr,s800}}/train.spacy"])
    assert found == [tmp_path / "bc5cdr" / "train.spacy", tmp_path / "s800" / "train.spacy"]
    assert find_spacy_files([f"{tmp_path}/{{biored}}/train.spacy"]) == [
        tmp_path / "biored" / "train.spacy"
    ]
    with pytest.raises(ValueError, match="E1076"):
        find_spacy_files([f"{tmp_path}/{{bc5cdr,ncbi_disease}}/train.spacy"])
