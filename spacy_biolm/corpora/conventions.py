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

Corpora also disagree on which words are mentions at all. S800 annotates species
but never "patients", "women" or "rats", which LINNAEUS and BioRED annotate every
time: trained on both, a model learns them as not species from S800.
`mark_unknown_words` marks such words as unknown (neither entity nor O) for a label
in one corpus's documents, so that the loss ignores them there and the corpora that
annotate them teach them; `S800_UNANNOTATED_SPECIES` is S800's list.
"""

from typing import Collection, Dict, List, Mapping, Sequence, Set, Union

from spacy.tokens import Doc, Span

from ..annotations import UNKNOWN_SPANS_KEY
from ..errors import Errors

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

# Single-token Species gold spans / all occurrences of the word, train splits
# (LINNAEUS, S800, BioRED): patients 246/246, 0/102, 352/352; patient 46/46, 0/18,
# 79/79; women 33/34, 0/13, 22/22; men 10/10, 0/0, 15/15; rats 59/61, 0/2, 131/131;
# murine 66/69, 0/5, 8/8.
S800_UNANNOTATED_SPECIES = (
    "patients",
    "patient",
    "women",
    "woman",
    "men",
    "man",
    "rats",
    "murine",
)
"""Words S800 never annotates as Species although it annotates Species, while
LINNAEUS and BioRED annotate them nearly every time (counts above; "woman" and "man"
go with their plurals). Marked unknown for Species in S800's documents
(`mark_unknown_words`), S800 no longer teaches them as O against the other two
corpora; BioRED dev, fully annotated, has 238 of its 341 Species mentions on
"patient(s)"."""

# The lists a config may name instead of spelling them out.
WORD_LISTS: Dict[str, Sequence[str]] = {
    "GENE_HEAD_NOUNS": GENE_HEAD_NOUNS,
    "S800_UNANNOTATED_SPECIES": S800_UNANNOTATED_SPECIES,
}


def resolve_words(words: Union[str, Sequence[str]], setting: str) -> List[str]:
    """A word list given in a config: the words, or the name of one of `WORD_LISTS`.

    words (Union[str, Sequence[str]]): Words, or a list's name ("GENE_HEAD_NOUNS").
    setting (str): Where the list was given, for the error message.
    RETURNS (List[str]): The words.
    """
    if not isinstance(words, str):
        return list(words)
    if words not in WORD_LISTS:
        expected = (
            "a list of words or the name of a list of spacy_biolm/corpora/conventions.py ("
            + ", ".join(WORD_LISTS)
            + ")"
        )
        raise ValueError(Errors.E1189.format(setting=setting, expected=expected, value=words))
    return list(WORD_LISTS[words])


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


def mark_unknown_words(
    doc: Doc, words_by_label: Mapping[str, Collection[str]], spans_key: str
) -> Dict[str, int]:
    """Mark the tokens that are one of the given words (lowercase, compared with
    `token.lower_`) and lie in no gold span of their label as unknown for it.

    The tokens are added to the span group `UNKNOWN_SPANS_KEY` with the label, where
    `biolm_ner` masks its loss for that label, and get missing entity annotation in
    `doc.ents`, which is unknown for spaCy's `ner` (a token inside an entity of
    another label keeps that entity). The other entities are kept.

    doc (Doc): A reference doc, changed in place.
    words_by_label (Mapping[str, Collection[str]]): Label -> words unknown for it.
    spans_key (str): The span group with the gold entities (without one, `doc.ents`).
    RETURNS (Dict[str, int]): Label -> number of tokens marked.
    """
    gold = doc.spans.get(spans_key, doc.ents)
    unknown: List[Span] = []
    counts: Dict[str, int] = {}
    for label, words in words_by_label.items():
        lowered = frozenset(word.lower() for word in words)
        covered = {i for span in gold if span.label_ == label for i in range(span.start, span.end)}
        marked = [
            Span(doc, token.i, token.i + 1, label=label)
            for token in doc
            if token.lower_ in lowered and token.i not in covered
        ]
        if marked:
            counts[label] = len(marked)
            unknown.extend(marked)
    if not unknown:
        return counts
    previous = list(doc.spans[UNKNOWN_SPANS_KEY]) if UNKNOWN_SPANS_KEY in doc.spans else []
    doc.spans[UNKNOWN_SPANS_KEY] = previous + unknown
    in_entity: Set[int] = {i for ent in doc.ents for i in range(ent.start, ent.end)}
    missing = sorted({span.start for span in unknown} - in_entity)
    if missing:
        doc.set_ents([], missing=[doc[i : i + 1] for i in missing], default="unmodified")
    return counts
