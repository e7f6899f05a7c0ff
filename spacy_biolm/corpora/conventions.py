"""Span conventions applied to gold entities when a corpus is read for training.

Corpora disagree on where a mention ends. BC2GM and JNLPBA include the head noun
("BRCA1 gene", "IL-2 promoter", "c-fos mRNA"); the gene-normalization corpora
(GNormPlus, NLM-Gene) and BioRED annotate the name alone ("BRCA1"), and so does a
linker's dictionary. `trim_trailing_words` cuts such words off the end of the gold
spans of a label, so that one convention is taught. `GENE_HEAD_NOUNS` is the list
measured on BioRED's train+dev release: the words that most often follow a gene
mention there, outside it ("gene" 353 times, "expression" 97, "mutations" 63,
"mRNA" 36), and never "protein" or "receptor", which end many gene names
("C-reactive protein", "insulin receptor").
"""

from typing import Collection, Dict, List, Mapping

from spacy.tokens import Doc, Span

GENE_HEAD_NOUNS = (
    "gene",
    "genes",
    "mrna",
    "mrnas",
    "cdna",
    "cdnas",
    "transcript",
    "transcripts",
    "promoter",
    "promoters",
    "mutation",
    "mutations",
    "allele",
    "alleles",
    "locus",
    "loci",
    "polymorphism",
    "polymorphisms",
    "variant",
    "variants",
    "deletion",
    "deletions",
    "expression",
)


def trim_trailing_words(
    doc: Doc, words_by_label: Mapping[str, Collection[str]], spans_key: str
) -> Dict[str, int]:
    """Cut the given words (lowercase, compared with `token.lower_`) off the end of
    each gold span of their label, repeatedly, never leaving a span empty.

    doc (Doc): A reference doc; its span group `spans_key` (or, without one,
        `doc.ents`) is rewritten in place. The cut tokens become O.
    words_by_label (Mapping[str, Collection[str]]): Label -> words to cut.
    spans_key (str): The span group with the gold entities.
    RETURNS (Dict[str, int]): Label -> number of spans shortened.
    """
    if not words_by_label:
        return {}
    words = {label: frozenset(w.lower() for w in ws) for label, ws in words_by_label.items()}
    trimmed: Dict[str, int] = {}

    def trim(span: Span, count: bool) -> Span:
        cut = words.get(span.label_)
        if not cut:
            return span
        end = span.end
        while end - span.start > 1 and doc[end - 1].lower_ in cut:
            end -= 1
        if end == span.end:
            return span
        if count:
            trimmed[span.label_] = trimmed.get(span.label_, 0) + 1
        return Span(doc, span.start, end, label=span.label, kb_id=span.kb_id)

    in_group = spans_key in doc.spans
    if in_group:
        group = doc.spans[spans_key]
        new_spans: List[Span] = [trim(span, True) for span in group]
        attrs = dict(group.attrs)
        doc.spans[spans_key] = new_spans
        doc.spans[spans_key].attrs.update(attrs)
    ents = list(doc.ents)
    new_ents = [trim(span, not in_group) for span in ents]
    if new_ents != ents:
        cut_tokens = [
            Span(doc, new.end, old.end) for old, new in zip(ents, new_ents) if new.end < old.end
        ]
        doc.set_ents(new_ents, outside=cut_tokens, default="unmodified")
    return trimmed
