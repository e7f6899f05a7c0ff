"""BioRED: the dev rule (biored.py), its pin, and the conversion of hand-made and
of the real release (skipped when ../shared/corpora is absent)."""

import hashlib
import re
from collections import Counter
from typing import Dict, List, Set

import pytest
import spacy
from spacy.tokens import DocBin

from spacy_biolm.annotations import get_annotated_labels
from spacy_biolm.corpora import biored
from spacy_biolm.corpora.biored import BIORED_DEV_AVOIDS, BIORED_DEV_MD5, biored_dev_pmids
from spacy_biolm.corpora.catalog import (
    CORPUS_RECIPES,
    CorpusName,
    biored_dev_split,
    corpus_splits,
)
from spacy_biolm.corpora.convert import convert_corpus
from spacy_biolm.corpora.merged import find_spacy_files
from spacy_biolm.corpora.pubtator import read_pubtator
from spacy_biolm.corpora.source import CorpusError, InvalidRecords
from spacy_biolm.packaging import build_meta

from .conftest import accounted, write
from .fake_corpora import pubtator, write_fake_corpora

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
        if name in ("gnormplus", "nlm_gene"):
            # Read as the files are, not through their recipes' carved splits.
            for path in (corpora_dir / name).glob("*.PubTator"):
                pmids.update(d.id for d in read_pubtator(path, InvalidRecords()))
        else:
            for source in corpus_splits(CorpusName(name), corpora_dir / name).values():
                pmids.update(d.id for d in source.read(InvalidRecords()))
    return pmids


def _digest(pmids: List[str]) -> str:
    return hashlib.md5("\n".join(sorted(pmids)).encode()).hexdigest()


@pytest.fixture(scope="module")
def dev_pmids(corpora_dir) -> List[str]:
    """The rule's dev split on the release, from the files read here."""
    release = [d.id for d in read_pubtator(corpora_dir / "biored" / RELEASE, InvalidRecords())]
    reused = _pmids_of_other_corpora(corpora_dir)
    assert len(release) == 500
    assert sum(pmid not in reused for pmid in release) == 161
    return biored_dev_pmids(release, reused)


def test_dev_split_is_the_rules_result_on_the_release(corpora_dir, dev_pmids):
    """The pin holds the rule's result on the pinned releases, and the conversion
    chooses that split."""
    assert len(dev_pmids) == 100 and _digest(dev_pmids) == BIORED_DEV_MD5
    assert biored_dev_split(corpora_dir / "biored" / RELEASE, corpora_dir) == set(dev_pmids)


# A hand-made release: three abstracts of other corpora (BC5CDR train, NCBI-disease
# test, GNormPlus test) and five that no other corpus holds (the dev split).
REUSED = ("101", "113", "153")
FRESH = ("201", "202", "203", "204", "205")


def _fake_biored(root) -> None:
    write_fake_corpora(root)
    write(root / "biored", RELEASE, pubtator(REUSED + FRESH))


def test_convert_chooses_the_pinned_dev_split(tmp_path, monkeypatch):
    monkeypatch.setattr(biored, "BIORED_DEV_MD5", _digest(list(FRESH)))
    _fake_biored(tmp_path / "corpora")
    out = tmp_path / "out"
    reports = convert_corpus(
        CorpusName.biored, tmp_path / "corpora" / "biored", out, progress=False
    )
    assert {r.split: r.docs for r in reports} == {"train": 1, "dev": 5}
    assert {r.split: r.held_out for r in reports}["train"] == {
        "113": ["ncbi_disease"],
        "153": ["gnormplus"],
    }
    # Train is the three reused abstracts less two test ones, so dev is the five others.
    assert len(DocBin().from_disk(out / "dev.spacy")) == 5


def test_the_pin_catches_a_changed_dev_split(tmp_path, monkeypatch):
    """The same release beside a changed corpus that it avoids (NLM-Gene's train
    now holds one of its abstracts) yields another dev split: an error, not a
    silently different dev set."""
    monkeypatch.setattr(biored, "BIORED_DEV_MD5", _digest(list(FRESH)))
    _fake_biored(tmp_path / "corpora")
    changed = tmp_path / "changed"
    _fake_biored(changed)
    write(changed / "nlm_gene", "NLMgene_Train.PubTator", pubtator(["161", "201"]))
    release = changed / "biored" / RELEASE
    with pytest.raises(CorpusError, match="E1091") as error:
        convert_corpus(CorpusName.biored, changed / "biored", tmp_path / "out", progress=False)
    assert str(release) in str(error.value) and "differs from the pinned" in str(error.value)
    assert not (tmp_path / "out").exists()
    # The pinned digest itself (the real releases' split) rejects the hand-made one.
    monkeypatch.undo()
    with pytest.raises(CorpusError, match="E1091"):
        biored_dev_split(tmp_path / "corpora" / "biored" / RELEASE, tmp_path / "corpora")


def test_dev_split_needs_the_corpora_it_avoids(tmp_path):
    corpora = tmp_path / "corpora"
    _fake_biored(corpora)
    (corpora / "gnormplus" / "GNormPlus_Train.PubTator").unlink()
    with pytest.raises(CorpusError, match="E1088") as error:
        convert_corpus(CorpusName.biored, corpora / "biored", tmp_path / "out", progress=False)
    assert "GNormPlus_Train.PubTator" in str(error.value)
    assert "--corpora-dir" in str(error.value)


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


def test_convert_biored(corpora_dir, converted, dev_pmids):
    out, reports = converted
    assert set(reports) == {"train", "dev"}
    assert not (out / "test.spacy").exists()
    # 400 train abstracts less the 96 that other corpora test on.
    assert (reports["train"].docs, len(reports["train"].held_out)) == (304, 96)
    assert reports["dev"].docs == 100 and not reports["dev"].held_out
    dev = reports["dev"]
    assert dev.source_mentions == _file_counts(corpora_dir / "biored" / RELEASE, set(dev_pmids))
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
