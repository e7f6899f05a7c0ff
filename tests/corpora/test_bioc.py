from functools import partial

import pytest

from spacy_biolm.annotations import SPANS_KEY
from spacy_biolm.corpora.bioc import INDIVIDUAL_MENTION, read_bioc
from spacy_biolm.corpora.builder import DISCONTINUOUS
from spacy_biolm.corpora.source import CorpusError

from .conftest import accounted, build, ents, write

LABELS = {"Chemical": "Chemical", "Disease": "Disease"}


def annotation(ann_id, mention_type, locations, text, role=""):
    infons = f'<infon key="type">{mention_type}</infon><infon key="MESH">-</infon>'
    if role:
        infons += f'<infon key="CompositeRole">{role}</infon>'
    places = "".join(f"<location offset='{o}' length='{n}' />" for o, n in locations)
    return f"<annotation id='{ann_id}'>\n{infons}\n{places}\n<text>{text}</text>\n</annotation>"


BIOC = f"""<?xml version='1.0' encoding='UTF-8'?><!DOCTYPE collection SYSTEM 'BioC.dtd'>
<collection><source>PubTator</source>
<document>
<id>1</id>
<passage>
<infon key="type">title</infon>
<offset>0</offset>
<text>Cisplatin-induced nephrotoxicity in rats.</text>
{annotation(0, "Chemical", [(0, 9)], "Cisplatin")}
{annotation(1, "Disease", [(18, 14)], "nephrotoxicity")}
</passage>
<passage>
<infon key="type">abstract</infon>
<offset>42</offset>
<text>Liver and kidney damage followed cisplatin.</text>
{annotation(2, "Disease", [(42, 23)], "Liver and kidney damage", "CompositeMention")}
{annotation(3, "Disease", [(42, 5), (59, 6)], "Liver damage", "IndividualMention")}
{annotation(4, "Disease", [(42, 5), (59, 6)], "Liver damage")}
{annotation(5, "Chemical", [(75, 9)], "cisplatin")}
</passage>
<relation id='R0'><infon key="relation">CID</infon><infon key="type">x</infon></relation>
</document>
<document>
<id>2</id>
<passage><offset>0</offset><text>Famotidine and delirium.</text>
{annotation(0, "Chemical", [(0, 10)], "Famotidine")}
</passage>
</document>
</collection>
"""


def read(tmp_path, content, nlp, **kwargs):
    path = write(tmp_path, "corpus.BioC.xml", content)
    return build(nlp, partial(read_bioc, path), LABELS, **kwargs)


def test_bioc_documents_and_gold(tmp_path, ws_nlp):
    docs, report, _ = read(tmp_path, BIOC, ws_nlp)
    assert [doc.text for doc in docs] == [
        "Cisplatin-induced nephrotoxicity in rats. Liver and kidney damage followed cisplatin.",
        "Famotidine and delirium.",
    ]
    assert ents(docs[0], SPANS_KEY) == [
        ("Cisplatin-induced", "Chemical"),
        ("nephrotoxicity", "Disease"),
        ("Liver and kidney damage", "Disease"),
        ("cisplatin.", "Chemical"),
    ]
    assert ents(docs[1]) == [("Famotidine", "Chemical")]


def test_bioc_composite_parts_and_discontinuous_mentions_are_counted(tmp_path, ws_nlp):
    _, report, _ = read(tmp_path, BIOC, ws_nlp)
    assert report.ignored == {INDIVIDUAL_MENTION: 1}
    assert report.dropped == {DISCONTINUOUS: 1}
    assert report.source_mentions == {"Chemical": 3, "Disease": 3}
    assert report.converted == {"Chemical": 3, "Disease": 2}
    assert accounted(report)


BAD_INPUT = [
    pytest.param("<location offset='18' length='14' />", "", "E1062", 14, id="no location"),
    pytest.param(
        "<location offset='18' length='14' />",
        "<location offset='18' length='x' />",
        "E1062",
        16,
        id="length",
    ),  # fmt: skip
    pytest.param("<text>nephrotoxicity</text>", "<text>nephritis</text>", "E1064", 14, id="text"),
    pytest.param(
        "<location offset='75' length='9' />",
        "<location offset='75' length='90' />",
        "E1063",
        39,
        id="range",
    ),  # fmt: skip
    pytest.param("<offset>42</offset>", "<offset>12</offset>", "E1075", 23, id="passage overlap"),
]


@pytest.mark.parametrize("old,new,code,line", BAD_INPUT)
def test_bioc_bad_input_names_file_and_line(tmp_path, ws_nlp, old, new, code, line):
    assert BIOC.count(old) == 1
    content = BIOC.replace(old, new)
    with pytest.raises(CorpusError) as excinfo:
        read(tmp_path, content, ws_nlp)
    assert excinfo.value.code == f"BIOLM-{code}"
    assert f"corpus.BioC.xml:{line}:" in str(excinfo.value)
    docs, report, _ = read(tmp_path, content, ws_nlp, skip=True)
    assert report.skipped_invalid == {f"BIOLM-{code}": 1}
    assert docs[-1].text == "Famotidine and delirium."
    assert accounted(report)


def test_bioc_truncated_file_keeps_documents_before_the_error(tmp_path, ws_nlp):
    content = BIOC[: BIOC.index("<id>2</id>")]
    with pytest.raises(CorpusError, match=r"corpus.BioC.xml:\d+: not well-formed") as excinfo:
        read(tmp_path, content, ws_nlp)
    assert excinfo.value.code == "BIOLM-E1067"
    docs, report, _ = read(tmp_path, content, ws_nlp, skip=True)
    assert len(docs) == 1
    assert report.skipped_invalid == {"BIOLM-E1067": 1}


def test_bioc_non_utf8_file(tmp_path, ws_nlp):
    content = BIOC.encode("utf8").replace(b"Famotidine and", b"Famotidin\xe9 and")
    line = BIOC[: BIOC.index("Famotidine and")].count("\n") + 1
    with pytest.raises(CorpusError, match=rf"corpus.BioC.xml:{line}: the file is not valid UTF-8"):
        read(tmp_path, content, ws_nlp)
