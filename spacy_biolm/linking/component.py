"""The `biolm_abbreviations` and `biolm_linker` pipes.

`biolm_abbreviations` (after `biolm_ner`) finds abbreviation definitions and the
occurrences of their short forms (`doc._.abbreviations`, `span._.long_form`) and,
with `consistent_types`, gives a long form and its short forms one entity type.

`biolm_linker` (after both) sets `span.kb_id_` on every span of
`doc.spans["biolm_ents"]` and `doc.ents` to the CURIE of its best concept in the
knowledge base of the span's label ("" when no candidate scores `threshold` or
more, or the label has no KB) and keeps the top candidates in
`span._.biolm_candidates`. A short form is linked through its long form, and so
is, if it matches no name exactly, a short form the document does not define
("PB" after "phenobarbital") or the head of a longer mention ("malformations"
after "drug-induced malformations"), when that mention links better. A
composite mention ("breast and ovarian cancer") that matches no name as a whole is
split into its parts; if every part links, its ID is the parts' IDs joined by "|"
("MESH:D001943|MESH:D010051"), as BC5CDR writes them.

Species mentions that abbreviate their genus ("L. whitmani") link through the genus
the document writes out ("Lutzomyia"), and a bare strain name ("LPU83") through the
longer mention of the document it ends ("Rhizobium sp. strain LPU83"), else, if it
is a strain designation ("YC6903", "DSM 18155(T)"), through the nearest preceding
species mention the KB knows (strains link to their species, as S800 annotates
them). Among equally good gene candidates, one of the mention's organism comes
first (`organisms`: the organism named in the mention or by a symbol prefix,
"mouse p53", "hTBP", else the nearest one named in its sentence, else the one the
document names most, human unless other organisms clearly outnumber people; the
Gene KB knows its concepts' organisms). Where that organism has no equally good
candidate but the best human gene's symbol names one of its genes (mouse "Il2"
for "IL-2"), that gene is taken.

The knowledge bases are saved with the component, so a packaged pipeline links
offline and needs neither scikit-learn nor scipy: see `kb.py`.
"""

import re
import warnings
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import srsly
from spacy.language import Language
from spacy.pipeline import Pipe
from spacy.tokens import Doc, Span
from spacy.training import Example
from spacy.util import SimpleFrozenList, filter_spans
from spacy.vocab import Vocab
from thinc.api import Config

from ..annotations import SPANS_KEY
from ..errors import Errors, Warnings
from ..ner.component import SCORES_KEY, score_key
from . import abbreviations
from .composite import split_composite
from .kb import EXACT_SCORE, SEP, Candidate, KnowledgeBase
from .normalize import normalize_name
from .organisms import DocOrganisms, species_mentions, strip_organism, strip_prefix

CANDIDATES_ATTR = "biolm_candidates"
# Labels whose names abbreviate a genus to its initial ("E. coli"): such a mention
# links through the full name the document spells out ("Escherichia coli").
GENUS_LABELS = ("Species",)
ABBREVIATED_GENUS = re.compile(r"^([A-Z])\.\s*([a-z][\w-]*(?:\s.*)?)$")
CAPITALIZED = re.compile(r"\b[A-Z][a-z]{2,}\b")
# A strain designation: a code with a digit, optionally after a culture
# collection's acronym and with the type-strain mark ("YC6903", "DSM 18155(T)").
STRAIN_CODE = re.compile(r"^(?:[A-Z]{2,5}\s)?[A-Za-z]*\d[A-Za-z0-9-]*(?:\s?\(T\))?$")
# Words that say a document is about people or about another organism, for
# choosing among homologous genes (`doc_organism`).
HUMAN = 9606
HUMAN_WORDS = re.compile(
    r"\b(?:humans?|patients?|Homo sapiens|men|women|children|subjects|individuals|families)\b",
    re.I,
)
OTHER_ORGANISM_WORDS = re.compile(
    r"\b(?:mouse|mice|murine|rats?|yeasts?|Saccharomyces|cerevisiae|pombe|Drosophila|flies|"
    r"zebrafish|Xenopus|Arabidopsis|elegans|bovine|porcine|chickens?|chick|rice|maize|"
    r"plants?|bacteria|bacterial|coli|hamsters?|rabbits?|canine|sheep|pigs?|worms?|"
    r"Caenorhabditis|Danio|Bacillus|tobacco|tomato|wheat|soybean)\b",
    re.I,
)
# How many gene candidates are ranked by organism: a symbol may name the genes of
# 21 organisms, all matching equally well.
ORGANISM_POOL = 40
# Candidates within this of the best one count as equally good when the organism
# picks among them (float rounding only).
ORGANISM_MARGIN = 1e-6
LINKS_ATTR = "biolm_links"
KB_FOLDER = "kb"
CFG_FILE = "cfg"

ABBREVIATIONS_CONFIG = Config().from_str(
    f"""
[biolm_abbreviations]
consistent_types = false
spans_key = "{SPANS_KEY}"
"""
)
LINKER_CONFIG = Config().from_str(
    f"""
[biolm_linker]
spans_key = "{SPANS_KEY}"
threshold = 0.8
top_k = 5
resolve_abbreviations = true
split_composites = true
"""
)


def install_extensions() -> None:
    """Register `span._.biolm_candidates` and the Doc value it reads (once)."""
    abbreviations.install_extensions()
    if not Doc.has_extension(LINKS_ATTR):
        Doc.set_extension(LINKS_ATTR, default=None)
    if not Span.has_extension(CANDIDATES_ATTR):
        Span.set_extension(CANDIDATES_ATTR, getter=get_candidates)


def _span_key(span: Span) -> str:
    return f"{span.start} {span.end} {span.label_}"


def get_candidates(span: Span) -> Optional[List[Dict[str, Any]]]:
    """The candidates `biolm_linker` found for a span, best first.

    They are kept in `doc._.biolm_links` under the span's start, end and label, so
    that `Doc.to_bytes`, `nlp.pipe(n_process=...)` and DocBin (with user data) keep
    them and the same span in `doc.ents` and `doc.spans` shares them.

    span (Span): A span of `doc.ents` or `doc.spans["biolm_ents"]`.
    RETURNS (Optional[List[Dict[str, Any]]]): Dicts with "id", "name" and "score"
        (a composite mention's first candidate joins its parts' with "|"); None if
        the span was not linked.
    """
    links = span.doc._.get(LINKS_ATTR) or {}
    return links.get(_span_key(span))


@Language.factory(
    "biolm_abbreviations",
    assigns=["doc._.abbreviations", "span._.long_form"],
    default_config=ABBREVIATIONS_CONFIG["biolm_abbreviations"],
)
def make_biolm_abbreviations(
    nlp: Language, name: str, *, consistent_types: bool, spans_key: str
) -> "AbbreviationDetector":
    """Schwartz–Hearst abbreviation detection.

    consistent_types (bool): Give every occurrence of a short form the entity type
        of its long form (or, if the long form is no entity, the most frequent
        type among the short forms), adding the occurrences the NER missed.
    spans_key (str): The doc.spans key of the entities `consistent_types` edits.
    RETURNS (AbbreviationDetector): The component.
    """
    return AbbreviationDetector(
        nlp.vocab, name, consistent_types=consistent_types, spans_key=spans_key
    )


# The pipes that write entities, in the order `use_abbreviation_types` looks for one.
NER_PIPES = ("biolm_ner", "ner")


def use_abbreviation_types(nlp: Language) -> "AbbreviationDetector":
    """Turn on `consistent_types` in a pipeline: on its `biolm_abbreviations` pipe,
    or on one added right after its NER (`biolm_ner`, else `ner`, else last), so a
    trained model is scored as a shipped pipeline with abbreviation types runs.

    nlp (Language): The pipeline.
    RETURNS (AbbreviationDetector): The abbreviation pipe.
    """
    config: Dict[str, Any] = {"consistent_types": True}
    for name, pipe in nlp.pipeline:
        if isinstance(pipe, AbbreviationDetector):
            if not pipe.consistent_types:
                # Replaced, not edited: the pipeline's config (what to_disk saves and
                # spacy.load rebuilds from) must say consistent_types too.
                config["spans_key"] = pipe.spans_key
                pipe = nlp.replace_pipe(name, "biolm_abbreviations", config=config)
            assert isinstance(pipe, AbbreviationDetector)
            return pipe
    after = next((name for name in NER_PIPES if name in nlp.pipe_names), None)
    pipe = nlp.add_pipe("biolm_abbreviations", after=after, config=config)
    assert isinstance(pipe, AbbreviationDetector)
    return pipe


class AbbreviationDetector(Pipe):
    """Finds abbreviation definitions and the occurrences of their short forms."""

    def __init__(
        self,
        vocab: Vocab,
        name: str = "biolm_abbreviations",
        *,
        consistent_types: bool = False,
        spans_key: str = SPANS_KEY,
    ) -> None:
        """Initialize the component.

        vocab (Vocab): The shared vocabulary.
        name (str): The component instance name.
        consistent_types (bool): See `make_biolm_abbreviations`.
        spans_key (str): The doc.spans key of the entities.
        """
        self.vocab = vocab
        self.name = name
        self.consistent_types = consistent_types
        self.spans_key = spans_key
        install_extensions()

    def __call__(self, doc: Doc) -> Doc:
        """Find the abbreviations of a doc and store them.

        doc (Doc): The doc.
        RETURNS (Doc): The same doc.
        """
        offsets = abbreviations.find_abbreviations(doc)
        abbreviations.set_abbreviations(doc, offsets)
        if self.consistent_types and offsets:
            harmonize_types(doc, offsets, self.spans_key)
        return doc


def harmonize_types(doc: Doc, offsets: Sequence[abbreviations.Offsets], spans_key: str) -> None:
    """Give the long form and the short form occurrences of each abbreviation one
    entity type: the long form's if it is an entity, else the most frequent one of
    its short forms. Occurrences of another type are relabelled; occurrences (the
    long form too) that are no entity become one: in `doc.spans[spans_key]` always,
    in `doc.ents` where they overlap no other entity. A new or relabelled span gets
    the highest score among the abbreviation's spans of the chosen type.

    doc (Doc): A doc with entities and abbreviations.
    offsets (Sequence[Offsets]): The abbreviation occurrences.
    spans_key (str): The doc.spans key of the entities (doc.ents are edited too).
    """
    group = doc.spans.get(spans_key)
    scores = dict(group.attrs.get(SCORES_KEY) or {}) if group is not None else {}
    spans: List[Tuple[Span, Optional[float]]] = []
    if group is not None:
        spans = [(span, scores.get(score_key(span.start, span.end, span.label_))) for span in group]
    ents = list(doc.ents)
    by_long: Dict[Tuple[int, int], List[Tuple[int, int]]] = {}
    for start, end, long_start, long_end in offsets:
        by_long.setdefault((long_start, long_end), []).append((start, end))
    for long_bounds, shorts in by_long.items():
        labels = [span.label_ for span, _ in spans if (span.start, span.end) == long_bounds]
        labels += [ent.label_ for ent in ents if (ent.start, ent.end) == long_bounds]
        if not labels:
            labels = [
                item.label_
                for bounds in shorts
                for item in [s for s, _ in spans] + ents
                if (item.start, item.end) == bounds
            ]
        if not labels:
            continue
        label = Counter(labels).most_common(1)[0][0]
        bounds = {long_bounds, *shorts}
        score = max(
            (
                sc
                for s, sc in spans
                if s.label_ == label and (s.start, s.end) in bounds and sc is not None
            ),
            default=None,
        )
        for start, end in [long_bounds, *shorts]:
            spans = [(s, sc) for s, sc in spans if (s.start, s.end) != (start, end)]
            new = Span(doc, start, end, label=label)
            if group is not None:
                spans.append((new, score))
            same = [e for e in ents if (e.start, e.end) == (start, end)]
            if same or not any(e.start < end and start < e.end for e in ents):
                ents = [e for e in ents if (e.start, e.end) != (start, end)] + [new]
    if group is not None:
        spans.sort(key=lambda item: (item[0].start, item[0].end, item[0].label_))
        attrs = dict(group.attrs)
        doc.spans[spans_key] = [span for span, _ in spans]
        doc.spans[spans_key].attrs.update(attrs)
        if scores:
            doc.spans[spans_key].attrs[SCORES_KEY] = {
                score_key(span.start, span.end, span.label_): sc
                for span, sc in spans
                if sc is not None
            }
    doc.ents = filter_spans(ents)


@Language.factory(
    "biolm_linker",
    assigns=["doc.spans", "doc.ents", "span._.biolm_candidates"],
    requires=["doc.spans"],
    default_config=LINKER_CONFIG["biolm_linker"],
    # The linker is not trained: its accuracy is reported, it does not pick models.
    default_score_weights={"link_acc": 0.0, "link_per_type": None},
)
def make_biolm_linker(
    nlp: Language,
    name: str,
    *,
    spans_key: str,
    threshold: float,
    top_k: int,
    resolve_abbreviations: bool,
    split_composites: bool,
) -> "EntityLinker":
    """Link entities to concept IDs of a knowledge base per label.

    spans_key (str): The doc.spans key of the entities to link (doc.ents are too).
    threshold (float): The least score of a linked concept, in [0, 1]. Exact name
        matches score 1, approximate ones their character n-gram cosine similarity.
    top_k (int): How many candidates to keep in `span._.biolm_candidates`.
    resolve_abbreviations (bool): Link a short form through its long form.
    split_composites (bool): Link the parts of a composite mention.
    RETURNS (EntityLinker): The component.
    """
    return EntityLinker(
        nlp.vocab,
        name,
        spans_key=spans_key,
        threshold=threshold,
        top_k=top_k,
        resolve_abbreviations=resolve_abbreviations,
        split_composites=split_composites,
    )


class EntityLinker(Pipe):
    """Links entities to the concepts of one knowledge base per label."""

    def __init__(
        self,
        vocab: Vocab,
        name: str = "biolm_linker",
        *,
        spans_key: str = SPANS_KEY,
        threshold: float = 0.8,
        top_k: int = 5,
        resolve_abbreviations: bool = True,
        split_composites: bool = True,
    ) -> None:
        """Initialize the component (without knowledge bases: see `initialize`).

        vocab (Vocab): The shared vocabulary.
        name (str): The component instance name.
        spans_key (str): The doc.spans key of the entities to link.
        threshold (float): The least score of a linked concept, in [0, 1].
        top_k (int): How many candidates to keep.
        resolve_abbreviations (bool): Link a short form through its long form.
        split_composites (bool): Link the parts of a composite mention.
        """
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(
                Errors.E1189.format(setting="threshold", expected="in [0, 1]", value=threshold)
            )
        if top_k < 1:
            raise ValueError(
                Errors.E1189.format(setting="top_k", expected="at least 1", value=top_k)
            )
        self.vocab = vocab
        self.name = name
        self.spans_key = spans_key
        self.threshold = threshold
        self.top_k = top_k
        self.resolve_abbreviations = resolve_abbreviations
        self.split_composites = split_composites
        self.kbs: Dict[str, KnowledgeBase] = {}
        self._warned: set = set()
        install_extensions()

    @property
    def labels(self) -> Tuple[str, ...]:
        """The labels that have a knowledge base."""
        return tuple(sorted(self.kbs))

    def add_kb(self, label: str, kb: KnowledgeBase) -> None:
        """Link the spans of `label` with `kb`.

        label (str): The entity label.
        kb (KnowledgeBase): Its knowledge base (built for that label).
        """
        if kb.label != label:
            raise ValueError(Errors.E1190.format(kb_label=kb.label, label=label))
        self.kbs[label] = kb

    def initialize(
        self,
        get_examples: Optional[Callable[[], Iterable[Example]]] = None,
        *,
        nlp: Optional[Language] = None,
        kb_dir: Optional[Union[str, Path]] = None,
        labels: Sequence[str] = SimpleFrozenList(),
    ) -> None:
        """Load the knowledge bases saved under kb_dir/LABEL (`sources.build_kbs`).

        get_examples (Optional[Callable]): Not used; the KBs are built beforehand.
        nlp (Optional[Language]): The pipeline.
        kb_dir (Optional[Union[str, Path]]): The folder of KB folders, one per label.
        labels (Sequence[str]): The labels to load; empty: every folder of kb_dir.
        """
        if kb_dir is not None:
            kb_dir = Path(kb_dir)
            names = labels or sorted(p.name for p in kb_dir.iterdir() if p.is_dir())
            for label in names:
                self.add_kb(label, KnowledgeBase.from_disk(kb_dir / label))
        if not self.kbs:
            raise ValueError(Errors.E1188.format(name=self.name))

    def __call__(self, doc: Doc) -> Doc:
        """Link the entities of a doc.

        doc (Doc): A doc with entities (`biolm_ner` output or gold spans).
        RETURNS (Doc): The same doc, with kb_id_ and candidates set.
        """
        if not self.kbs:
            raise ValueError(Errors.E1188.format(name=self.name))
        group = doc.spans.get(self.spans_key)
        spans = list(group) if group is not None else []
        targets = {(s.start, s.end, s.label_): s for s in [*spans, *doc.ents]}
        if not targets:
            return doc
        missing = {label for _, _, label in targets if label not in self.kbs}
        self._warn_unlinked(missing)
        long_forms = abbreviations.long_forms(doc) if self.resolve_abbreviations else {}
        organisms: Optional[DocOrganisms] = None
        texts: Dict[str, List[str]] = {}
        for _, _, label in targets:
            texts.setdefault(label, [])
        for (_, _, label), span in sorted(targets.items()):
            texts[label].append(span.text)
        links: Dict[str, List[Dict[str, Any]]] = dict(doc._.get(LINKS_ATTR) or {})
        ids: Dict[Tuple[int, int, str], str] = {}
        cache: Dict[Tuple[str, str, str, int], Tuple[str, List[Candidate]]] = {}
        # Genes last: the organism of a gene mention may come from the doc's
        # Species entities, linked first.
        order = sorted(targets, key=lambda k: k[2] in self.kbs and self.kbs[k[2]].taxa is not None)
        for start, end, label in order:
            span = targets[(start, end, label)]
            kb = self.kbs.get(label)
            if kb is None:
                continue
            text = span.text
            organism = 0
            if kb.taxa is not None:
                if organisms is None:
                    found = [
                        (s.start_char, s.end_char, ids.get(k, s.kb_id_)) for k, s in targets.items()
                    ]
                    organisms = DocOrganisms(doc.text, species_mentions(found))
                text, organism = mention_organism(
                    kb, text, span.start_char, span.end_char, organisms
                )
            long_form = long_forms.get((start, end))
            long_text = long_form.text if long_form is not None else None
            if long_text is None and label in GENUS_LABELS and not kb.knows(span.text):
                long_text = expand_genus(kb, span.text, doc.text, span.start_char)
                if long_text is None:
                    long_text = expand_from_doc(kb, span.text, texts.get(label, ()))
                if long_text is None and STRAIN_CODE.match(span.text.strip()):
                    preceding = [
                        s.text
                        for (b, _, la), s in sorted(targets.items())
                        if la == label and b < start
                    ]
                    long_text = strain_species(kb, span.text, preceding)
            if (
                long_text is None
                and self.resolve_abbreviations
                and label not in GENUS_LABELS
                and kb.taxa is None
                and not kb.knows(span.text)
            ):
                # A short form the doc uses without defining it, or the head of a
                # longer mention, links through that mention (if it links better).
                # Not for genes (a symbol is a name of its own, and one gene's
                # letters may match another's name) nor species (see above).
                others = _nearest_first(targets, start, label)
                long_text = undefined_short_form(span.text, others)
                if long_text is None:
                    long_text = head_of_mention(span.text, others)
            key = (label, text, long_text or "", organism)
            if key not in cache:
                cache[key] = self.link(kb, text, long_text, organism or None)
            ids[(start, end, label)], candidates = cache[key]
            links[_span_key(span)] = [c.to_dict() for c in candidates]
        _write_ids(doc, self.spans_key, ids)
        doc._.set(LINKS_ATTR, links)
        return doc

    def link(
        self,
        kb: KnowledgeBase,
        text: str,
        long_form: Optional[str] = None,
        organism: Optional[int] = None,
    ) -> Tuple[str, List[Candidate]]:
        """The ID and candidates of one mention.

        kb (KnowledgeBase): The knowledge base of its label.
        text (str): The mention text.
        long_form (Optional[str]): Its long form, if it is a short form.
        organism (Optional[int]): The organism the document is about (NCBI Taxonomy
            ID; see `doc_organism`): among equally good candidates of a KB that
            knows its concepts' organisms, one of that organism comes first.
        RETURNS (Tuple[str, List[Candidate]]): The ID ("" below the threshold) and
            the top candidates.
        """
        # Where organisms matter, the candidates of the mention's organism may rank
        # far down among equally good homologues: more are looked at.
        k = (
            max(self.top_k, ORGANISM_POOL)
            if organism is not None and kb.taxa is not None
            else self.top_k
        )
        candidates = kb.candidates(text, k)
        if long_form is not None:
            # The long form decides, unless the short form itself is a better match.
            expanded = kb.candidates(long_form, k)
            if expanded and (not candidates or expanded[0].score >= candidates[0].score):
                candidates = expanded
            text = long_form if candidates is expanded else text
        if self.split_composites and (not candidates or candidates[0].score < 1.0):
            composite = self._link_parts(kb, text)
            if composite is not None and (not candidates or composite.score > candidates[0].score):
                candidates = [composite, *candidates[: self.top_k - 1]]
        if organism is not None and kb.taxa is not None:
            candidates = prefer_organism(kb, candidates, organism)
            if candidates and organism not in (HUMAN, 0) and kb.taxon(candidates[0].id) == HUMAN:
                ortholog = same_symbol(kb, candidates[0], organism)
                if ortholog is not None:
                    candidates = [ortholog, *candidates]
            candidates = candidates[: self.top_k]
        if candidates and candidates[0].score >= self.threshold:
            return candidates[0].id, candidates
        return "", candidates

    def _link_parts(self, kb: KnowledgeBase, text: str) -> Optional[Candidate]:
        parts = split_composite(text)
        if not parts:
            return None
        best = [kb.candidates(part, 1) for part in parts]
        if not all(best) or any(c[0].score < self.threshold for c in best):
            return None
        ids = list(dict.fromkeys(c[0].id for c in best))
        if len(ids) < 2:
            return None
        return Candidate(
            SEP.join(ids),
            SEP.join(c[0].name for c in best),
            min(c[0].score for c in best),
            min(c[0].prior for c in best),
        )

    def _warn_unlinked(self, labels: Iterable[str]) -> None:
        new = sorted(set(labels) - self._warned)
        if new:
            self._warned.update(new)
            warnings.warn(Warnings.W1060.format(name=self.name, labels=new), stacklevel=2)

    def score(self, examples: Iterable[Example], **kwargs: Any) -> Dict[str, Any]:
        """Linking accuracy on the gold spans that have a KB ID: the share of them
        that the prediction has with the same boundaries, label and ID.

        examples (Iterable[Example]): Predicted and gold docs.
        RETURNS (Dict[str, Any]): {"link_acc": float or None, "link_per_type": ...}.
        """
        totals: Counter = Counter()
        correct: Counter = Counter()
        for example in examples:
            predicted = {
                (s.start_char, s.end_char, s.label_): s.kb_id_
                for s in [*example.predicted.spans.get(self.spans_key, []), *example.predicted.ents]
            }
            gold = example.reference.spans.get(self.spans_key, None)
            for span in gold if gold is not None else example.reference.ents:
                if not span.kb_id_:
                    continue
                key = (span.start_char, span.end_char, span.label_)
                totals[span.label_] += 1
                correct[span.label_] += predicted.get(key) == span.kb_id_
        n = sum(totals.values())
        return {
            "link_acc": sum(correct.values()) / n if n else None,
            "link_per_type": {label: {"acc": correct[label] / totals[label]} for label in totals},
        }

    def to_bytes(self, *, exclude: Iterable[str] = SimpleFrozenList()) -> bytes:
        """Serialize the component and its knowledge bases."""
        return srsly.msgpack_dumps(
            {"cfg": self._cfg(), "kbs": {label: kb.to_dict() for label, kb in self.kbs.items()}}
        )

    def from_bytes(
        self, bytes_data: bytes, *, exclude: Iterable[str] = SimpleFrozenList()
    ) -> "EntityLinker":
        """Load the component and its knowledge bases from bytes."""
        data = srsly.msgpack_loads(bytes_data)
        self.kbs = {label: KnowledgeBase.from_dict(kb) for label, kb in data["kbs"].items()}
        return self

    def to_disk(
        self, path: Union[str, Path], *, exclude: Iterable[str] = SimpleFrozenList()
    ) -> None:
        """Save the component: its settings and a folder per knowledge base."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / CFG_FILE, self._cfg())
        for label, kb in self.kbs.items():
            kb.to_disk(path / KB_FOLDER / label)

    def from_disk(
        self, path: Union[str, Path], *, exclude: Iterable[str] = SimpleFrozenList()
    ) -> "EntityLinker":
        """Load the component saved with `to_disk`."""
        path = Path(path)
        labels = srsly.read_json(path / CFG_FILE)["labels"]
        self.kbs = {label: KnowledgeBase.from_disk(path / KB_FOLDER / label) for label in labels}
        return self

    def _cfg(self) -> Dict[str, Any]:
        # The settings live in the config; only what the config cannot hold is saved.
        return {"labels": list(self.labels)}


def expand_genus(kb: KnowledgeBase, text: str, doc_text: str, offset: int) -> Optional[str]:
    """The full name of a mention that abbreviates its genus ("L. whitmani"), from
    the genera the document writes out: the capitalised words with that initial,
    the nearest one before the mention first, whose full name ("Lutzomyia
    whitmani") the KB knows exactly.

    kb (KnowledgeBase): The knowledge base of the mention's label.
    text (str): The mention text.
    doc_text (str): The document text.
    offset (int): The mention's character offset.
    RETURNS (Optional[str]): The full name, or None.
    """
    match = ABBREVIATED_GENUS.match(text.strip())
    if match is None:
        return None
    initial, rest = match.groups()
    words = [
        (m.start(), m.group()) for m in CAPITALIZED.finditer(doc_text) if m.group()[0] == initial
    ]
    before = [word for start, word in reversed(words) if start < offset]
    after = [word for start, word in words if start >= offset]
    for genus in dict.fromkeys(before + after):
        name = f"{genus} {rest}"
        if kb.knows(name):
            return name
    return None


def doc_organism(text: str) -> int:
    """The organism a document is about, as far as choosing among homologous genes
    goes: human (9606) unless it names other organisms more often than it names
    people ("mice", "rat", "yeast" against "human", "patients"). The linker now
    chooses per mention (`mention_organism`); this is the document-level rule.

    text (str): The document text.
    RETURNS (int): 9606, or 0 for "another organism".
    """
    human = len(HUMAN_WORDS.findall(text))
    other = len(OTHER_ORGANISM_WORDS.findall(text))
    return HUMAN if human >= other else 0


def mention_organism(
    kb: KnowledgeBase, text: str, start: int, end: int, organisms: DocOrganisms
) -> Tuple[str, int]:
    """The organism of a gene mention and the text to link (see `organisms`): the
    organism named in the mention ("mouse p53": "p53", mouse), that of a prefix the
    KB knows the symbol without ("hTBP": "TBP", human), else the one named nearest
    in its sentence, else the document's most frequent one, else human.

    kb (KnowledgeBase): The Gene KB.
    text (str): The mention text.
    start (int): Its first character in the document.
    end (int): The character after its last.
    organisms (DocOrganisms): The organisms the document names.
    RETURNS (Tuple[str, int]): The text to link and the organism's taxid.
    """
    if not kb.knows(text):
        inner = strip_organism(text)
        if inner is not None:
            taxid, rest = inner
            return (rest or text), taxid
        prefixed = strip_prefix(text)
        if prefixed is not None and kb.knows(prefixed[1]):
            return prefixed[1], prefixed[0]
    else:
        inner = strip_organism(text)
        if inner is not None and inner[1]:
            return text, inner[0]
    return text, organisms.organism(start, end)


def prefer_organism(
    kb: KnowledgeBase, candidates: List[Candidate], organism: int
) -> List[Candidate]:
    """Put first, among the candidates that score as well as the best one, the first
    one of the organism; for a non-human organism none is: the first one of unknown
    organism (a non-human gene of the corpora's names); else the first human one.
    Organism 0 stands for "any non-human organism" (`doc_organism`). So a non-human
    gene never beats an equally good human one without an organism cue.

    kb (KnowledgeBase): The knowledge base, with the organisms of its concepts.
    candidates (List[Candidate]): The candidates, best first.
    organism (int): The mention's organism (NCBI Taxonomy ID, or 0).
    RETURNS (List[Candidate]): The candidates, reordered.
    """
    if len(candidates) < 2:
        return candidates
    top = candidates[0].score
    tied = [
        (i, kb.taxon(c.id)) for i, c in enumerate(candidates) if c.score >= top - ORGANISM_MARGIN
    ]
    if organism == 0:
        tests = [lambda t: t != HUMAN]
    elif organism == HUMAN:
        tests = [lambda t: t == HUMAN]
    else:
        tests = [lambda t: t == organism, lambda t: t == 0, lambda t: t == HUMAN]
    for test in tests:
        for i, taxon in tied:
            if test(taxon):
                return [candidates[i], *candidates[:i], *candidates[i + 1 :]]
    return candidates


def same_symbol(kb: KnowledgeBase, human: Candidate, organism: int) -> Optional[Candidate]:
    """The gene of another organism whose name is a human gene's symbol (mouse
    "Il2" for human "IL2", which "IL-2" matched as an alias): most orthologs of
    mouse, rat and other vertebrates share the human symbol, and HomoloGene has no
    aliases to find them by.

    kb (KnowledgeBase): The Gene KB.
    human (Candidate): The human gene chosen.
    organism (int): The mention's organism.
    RETURNS (Optional[Candidate]): That gene with the human gene's score, or None.
    """
    for candidate in kb.candidates(human.name, ORGANISM_POOL):
        if candidate.score < EXACT_SCORE:
            break
        if kb.taxon(candidate.id) == organism:
            return Candidate(candidate.id, candidate.name, human.score, candidate.prior)
    return None


def expand_from_doc(kb: KnowledgeBase, text: str, others: Sequence[str]) -> Optional[str]:
    """The longer mention of the document a short one stands for: a strain name
    ("LPU83") that ends a mention the KB knows ("Rhizobium sp. strain LPU83").

    kb (KnowledgeBase): The knowledge base of the mention's label.
    text (str): The mention text.
    others (Sequence[str]): The texts of the document's mentions of that label.
    RETURNS (Optional[str]): The longer mention, or None.
    """
    text = text.strip()
    if not text:
        return None
    for other in dict.fromkeys(others):
        if other != text and other.endswith(f" {text}") and kb.knows(other):
            return other
    return None


def strain_species(kb: KnowledgeBase, text: str, preceding: Sequence[str]) -> Optional[str]:
    """The species a bare strain designation belongs to ("YC6903", "DSM 18155(T)",
    "M2(T)"): the nearest preceding mention the KB knows that is no strain
    designation itself, as in "Nocardioides caricicola sp. nov. ... strain YC6903".

    kb (KnowledgeBase): The knowledge base of the mention's label.
    text (str): The mention text.
    preceding (Sequence[str]): The texts of the mentions of that label before it,
        in document order.
    RETURNS (Optional[str]): That mention's text, or None.
    """
    if not STRAIN_CODE.match(text.strip()):
        return None
    for other in reversed(preceding):
        if not STRAIN_CODE.match(other.strip()) and kb.knows(other):
            return other
    return None


def _nearest_first(targets: Dict[Tuple[int, int, str], Span], start: int, label: str) -> List[str]:
    # The texts of the doc's other mentions of a label: the preceding ones,
    # nearest first, then the following ones in order.
    spans = sorted((b, e, s.text) for (b, e, la), s in targets.items() if la == label)
    before = [text for b, _, text in reversed(spans) if b < start]
    after = [text for b, _, text in spans if b > start]
    return list(dict.fromkeys(before + after))


def undefined_short_form(text: str, others: Sequence[str]) -> Optional[str]:
    """The mention of the document that a short form the document does not define
    abbreviates ("phenobarbital (PB: 15 mg ...)" -> "PB" stands for the
    "phenobarbital" mentioned before): the nearest one whose letters the short
    form's match in order, its first letter starting the mention (Schwartz and
    Hearst's test, `abbreviations.best_long_form`).

    text (str): The mention text.
    others (Sequence[str]): The texts of the document's other mentions of its
        label, nearest first.
    RETURNS (Optional[str]): That mention's text, or None.
    """
    short = text.strip()
    core = short[:-1] if short.endswith("s") else short
    if not core.isupper() or not (len(core) == 1 or abbreviations.is_short_form(short)):
        return None
    for other in others:
        other = other.strip()
        if len(other) <= len(short) or other.upper() == other:
            continue
        if abbreviations.best_long_form(core, other) == 0 and abbreviations.is_plausible(
            core, other
        ):
            return other
    return None


def head_of_mention(text: str, others: Sequence[str]) -> Optional[str]:
    """The longer mention of the document a mention is the head of
    ("malformations" after "drug-induced malformations"): the nearest one (before
    it, else after it) whose last words are the mention's words.

    text (str): The mention text.
    others (Sequence[str]): The texts of the document's other mentions of its
        label, nearest first.
    RETURNS (Optional[str]): That mention's text, or None.
    """
    words = normalize_name(text).split()
    if not words:
        return None
    for other in others:
        other_words = normalize_name(other).split()
        if len(other_words) > len(words) and other_words[-len(words) :] == words:
            return other
    return None


def _write_ids(doc: Doc, spans_key: str, ids: Dict[Tuple[int, int, str], str]) -> None:
    # Span objects of a group or of doc.ents are copies: the group and the
    # entities are rebuilt with the IDs, keeping the group's attrs (scores).
    group = doc.spans.get(spans_key)
    if group is not None:
        attrs = dict(group.attrs)
        doc.spans[spans_key] = [
            _with_id(s, ids.get((s.start, s.end, s.label_), s.kb_id_)) for s in group
        ]
        doc.spans[spans_key].attrs.update(attrs)
    doc.ents = [_with_id(e, ids.get((e.start, e.end, e.label_), e.kb_id_)) for e in doc.ents]


def _with_id(span: Span, kb_id: str) -> Span:
    return Span(span.doc, span.start, span.end, label=span.label, kb_id=kb_id, span_id=span.id)


install_extensions()
