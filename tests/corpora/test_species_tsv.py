from functools import partial

import pytest

from spacy_biolm.corpora.source import CorpusError
from spacy_biolm.corpora.species_tsv import create_species_tsv_reader_v1, read_species_tsv

from .conftest import accounted, build, ents, write

LABELS = {"species": "Species"}
DOC_A = "Species of Escherichia coli and human cells.\nMice were used."
DOC_B = "Nothing here."
# LINNAEUS: header line, exclusive ends, a code column
LINNAEUS_TAGS = """\
#species id\tdocument\tstart\tend\ttext\tcode
species:ncbi:562\tdocA\t11\t27\tEscherichia coli\t
species:ncbi:9606\tdocA\t32\t37\thuman\t4
species:ncbi:10090\tdocA\t45\t49\tMice\t
"""
# S800: no header, "file:PMID" documents, inclusive ends
S800_TAGS = """\
562\tdocA:123\t11\t26\tEscherichia coli
9606\tdocA:123\t32\t36\thuman
10090\tdocA:123\t45\t48\tMice
"""


def make_texts(tmp_path):
    folder = tmp_path / "txt"
    write(folder, "docA.txt", DOC_A)
    write(folder, "docB.txt", DOC_B)
    return folder


def read(tmp_path, nlp, tags=LINNAEUS_TAGS, *, documents=None, end_inclusive=False, skip=False):
    folder = make_texts(tmp_path)
    path = write(tmp_path, "tags.tsv", tags)
    read_source = partial(
        read_species_tsv, folder, path, documents=documents, end_inclusive=end_inclusive
    )
    return build(nlp, read_source, LABELS, skip=skip)


@pytest.mark.parametrize("tags,end_inclusive", [(LINNAEUS_TAGS, False), (S800_TAGS, True)])
def test_species_tsv_layouts(tmp_path, ws_nlp, tags, end_inclusive):
    docs, report, _ = read(tmp_path, ws_nlp, tags, end_inclusive=end_inclusive)
    assert [doc.text for doc in docs] == [DOC_A, DOC_B]
    # "cells.\nMice" is one whitespace token: Mice is recovered by expansion
    assert ents(docs[0]) == [
        ("Escherichia coli", "Species"),
        ("human", "Species"),
        ("cells.\nMice", "Species"),
    ]
    assert report.source_mentions == {"species": 3}
    assert (report.strict, report.recovered) == (2, 1)
    assert report.misaligned == {"start ␣|A": 1}
    assert accounted(report)


def test_species_tsv_reads_the_listed_documents_in_order(tmp_path, ws_nlp):
    docs, report, _ = read(tmp_path, ws_nlp, documents=["docB", "docA"])
    assert [doc.text for doc in docs] == [DOC_B, DOC_A]
    docs, report, _ = read(tmp_path, ws_nlp, documents=["docB"])
    assert [doc.text for doc in docs] == [DOC_B]
    assert report.source_mentions == {}


def test_species_tsv_registered_reader(tmp_path, ws_nlp):
    folder = make_texts(tmp_path)
    tags = write(tmp_path, "S800.tsv", S800_TAGS)
    reader = create_species_tsv_reader_v1(
        folder, tags, documents=["docA"], end_inclusive=True, label_map=LABELS
    )
    (example,) = reader(ws_nlp)
    assert len(example.reference.ents) == 3


BAD_TAGS = [
    pytest.param("\tdocA\t32\t37\thuman", "\tdocA\t32\thuman", "E1062", 3, id="columns"),
    pytest.param("\tdocA\t32\t37\thuman", "\tdocA\t32\tx\thuman", "E1062", 3, id="offset"),
    pytest.param("\tdocA\t32\t37\thuman", "\tdocC\t32\t37\thuman", "E1069", 3, id="unknown doc"),
    pytest.param("\tdocA\t32\t37\thuman", "\tdocA\t32\t37\tmouse", "E1064", 3, id="text"),
    pytest.param("\tdocA\t32\t37\thuman", "\tdocA\t32\t99\thuman", "E1063", 3, id="range"),
]


@pytest.mark.parametrize("old,new,code,line", BAD_TAGS)
def test_species_tsv_bad_input_names_file_and_line(tmp_path, ws_nlp, old, new, code, line):
    tags = LINNAEUS_TAGS.replace(old, new)
    with pytest.raises(CorpusError) as excinfo:
        read(tmp_path, ws_nlp, tags)
    assert excinfo.value.code == f"BIOLM-{code}"
    assert f"tags.tsv:{line}" in str(excinfo.value)
    docs, report, _ = read(tmp_path, ws_nlp, tags, skip=True)
    assert len(docs[0].ents) == 2
    assert report.skipped_invalid == {f"BIOLM-{code}": 1}
    assert accounted(report)


def test_species_tsv_empty_tag_table(tmp_path, ws_nlp):
    with pytest.raises(CorpusError, match=r"tags.tsv is empty") as excinfo:
        read(tmp_path, ws_nlp, "")
    assert excinfo.value.code == "BIOLM-E1060"
