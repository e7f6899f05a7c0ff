"""A knowledge base for one entity label: concepts, their names, and candidates.

A concept has a CURIE (`MESH:D003920`), alternative IDs it is also known by
(MEDIC's OMIM IDs of a MeSH concept), a canonical name, synonyms, and a prior:
how often the training corpora link a mention to it. A concept whose ID is several
CURIEs joined by "|" (`MESH:D001943|MESH:D010051`) stands for a composite mention
seen in training ("breast and ovarian cancer").

Candidates for a mention come from exact lookup of its normalised name (then of
the name without spaces, then of its bag of content words), and from the nearest
names by character n-gram TF-IDF. A concept's score is the best score of its names,
in [0, 1]: 1 for an exact match, the cosine similarity for an approximate one (at
most 0.95, the score of a bag-of-words match). Concepts are ranked by score plus a
small bonus for their prior, so that priors order near-ties; then by how often the
corpora link this very name to the concept.

A KB may also have an exact-lookup table of names too many for TF-IDF (NCBI
Taxonomy's 2.6 M, `lookup.NameTable`): its hits score 1 and may be concepts the KB
does not otherwise hold. Where a KB has one, a mention that matches no name as a
whole takes the longest leading words that do ("Streptococcus ursoris sp. nov."
-> "Streptococcus", score 0.9). Any KB tries a mention without leading qualifiers
("sporadic", "familial") or trailing salt words ("hydrochloride") when it matches
nothing as written (score 0.96), and, failing that, its words with organ
adjectives, generic heads and adjective endings folded ("renal damage" -> "Kidney
Diseases", "dystonic" -> "Dystonia"; `normalize.canonical_key`, score 0.94).
"""

import gc
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import numpy
import srsly

from ..errors import Errors
from .lookup import NameTable
from .normalize import bag_key, canonical_key, compact_key, loose_variants, normalize_name
from .tfidf import DEFAULT_NGRAM_SIZES, NgramIndex

# Scores of the exact tiers. A bag-of-words
# match ("neoplasm breast" for "breast neoplasms") is likelier wrong than a
# literal one, so it ranks just below it.
EXACT_SCORE = 1.0
COMPACT_SCORE = 1.0
BAG_SCORE = 0.95
# How much a concept's prior (log count, scaled to [0, 1]) adds to its score for
# ranking: enough to order near-ties, too little to outrank a clearly better name.
PRIOR_WEIGHT = 0.05
# How many nearest names to take from the TF-IDF index per query: several names
# of one concept often come first, so this is a multiple of the candidates asked for.
NAMES_PER_CANDIDATE = 8
# The score of a concept found through the longest leading words of a mention that
# name it exactly ("Streptococcus ursoris sp. nov.", "Vibrio cholerae strain X"),
# where the KB has an exact-lookup table: below an exact match, above most
# approximate ones.
PREFIX_SCORE = 0.9
# The score of an exact match of the name without its leading qualifiers
# ("sporadic", "familial") or trailing salt words ("hydrochloride").
LOOSE_SCORE = 0.96
# The score of a match of the name's words with organ adjectives and generic heads
# folded ("renal damage" -> "Kidney Diseases", `normalize.canonical_key`): below a
# bag-of-words match, above all but the closest approximate ones.
CANONICAL_SCORE = 0.94
KB_FILE = "kb.msgpack"
INDEX_FILE = "ngrams.npz"
TABLE_FILE = "names.npz"
FORMAT_VERSION = 1
SEP = "|"


@dataclass(frozen=True)
class Candidate:
    """One candidate concept for a mention.

    id (str): The concept's CURIE ("MESH:D003920").
    name (str): Its canonical name.
    score (float): How well the mention matches its best name, in [0, 1].
    prior (int): How often the training corpora link a mention to the concept.
    """

    id: str
    name: str
    score: float
    prior: int = 0

    def to_dict(self) -> Dict[str, Union[str, float]]:
        """The candidate as stored in `span._.biolm_candidates`."""
        return {"id": self.id, "name": self.name, "score": round(float(self.score), 4)}


class KnowledgeBase:
    """The concepts of one label with their names, searchable by mention text.

    label (str): The entity label ("Disease").
    ids (List[str]): The concept CURIEs.
    names (List[str]): Their canonical names.
    alt_ids (List[List[str]]): Further CURIEs of each concept.
    priors (numpy.ndarray): How often the corpora link each concept (int64).
    entries (List[str]): The distinct normalised names.
    entry_ptr (numpy.ndarray): Entry i names the concepts
        entry_concepts[entry_ptr[i]:entry_ptr[i + 1]] (int64).
    entry_concepts (numpy.ndarray): Concept indices (int32).
    entry_counts (numpy.ndarray): How often the corpora link that name to that
        concept (int32).
    index (NgramIndex): The TF-IDF index of the entries.
    sources (List[Dict]): What the KB was built from (file, md5, counts).
    compact_keys (Optional[List[str]]): `compact_key` of each entry (computed if None).
    bag_keys (Optional[List[str]]): `bag_key` of each entry (computed if None).
    table (Optional[NameTable]): Names beyond the entries, for exact lookup only
        (NCBI Taxonomy's 2.6 M names); its concepts need not be among `ids`.
    taxa (Optional[numpy.ndarray]): The NCBI Taxonomy ID of each concept's organism
        (int64, 0 if unknown), for genes: picks among homologous genes by the
        species a document is about.
    """

    def __init__(
        self,
        label: str,
        *,
        ids: List[str],
        names: List[str],
        alt_ids: List[List[str]],
        priors: numpy.ndarray,
        entries: List[str],
        entry_ptr: numpy.ndarray,
        entry_concepts: numpy.ndarray,
        entry_counts: numpy.ndarray,
        index: NgramIndex,
        sources: Sequence[Dict] = (),
        compact_keys: Optional[List[str]] = None,
        bag_keys: Optional[List[str]] = None,
        table: Optional[NameTable] = None,
        taxa: Optional[numpy.ndarray] = None,
    ) -> None:
        self.label = label
        self.table = table
        self.taxa = numpy.asarray(taxa, dtype=numpy.int64) if taxa is not None else None
        self.ids = ids
        self.names = names
        self.alt_ids = alt_ids
        self.priors = numpy.asarray(priors, dtype=numpy.int64)
        self.entries = entries
        self.entry_ptr = numpy.asarray(entry_ptr, dtype=numpy.int64)
        self.entry_concepts = numpy.asarray(entry_concepts, dtype=numpy.int32)
        self.entry_counts = numpy.asarray(entry_counts, dtype=numpy.int32)
        self.index = index
        self.sources = list(sources)
        # The looser keys are computed once, when the KB is built, and saved:
        # computing them for every name would slow loading down.
        self.compact_keys = (
            list(compact_keys) if compact_keys is not None else [compact_key(e) for e in entries]
        )
        self.bag_keys = list(bag_keys) if bag_keys is not None else [bag_key(e) for e in entries]
        self._exact = {entry: i for i, entry in enumerate(entries)}
        self._compact = _group(self.compact_keys)
        self._bag = _group(self.bag_keys)
        self._id_index = {concept_id: i for i, concept_id in enumerate(ids)}
        # Built on first use: most mentions match before it is needed.
        self._canonical: Optional[Dict[str, List[int]]] = None
        top = numpy.log1p(self.priors.max(initial=0))
        self._prior_weights = numpy.log1p(self.priors) / max(float(top), 1.0)

    def __len__(self) -> int:
        """The number of concepts."""
        return len(self.ids)

    def __contains__(self, concept_id: str) -> bool:
        """Whether `concept_id` is a concept's primary ID."""
        return concept_id in self._id_index

    def equivalent_ids(self, concept_id: str) -> List[str]:
        """The primary and alternative IDs of a concept (for scoring against gold
        IDs that name the concept by an alternative ID, e.g. OMIM for a MeSH concept).

        concept_id (str): A primary ID; several joined by "|" for a composite.
        RETURNS (List[str]): The IDs the concept(s) are known by, primary first.
        """
        result: List[str] = []
        for part in concept_id.split(SEP):
            index = self._id_index.get(part)
            result.append(part)
            if index is not None:
                result.extend(self.alt_ids[index])
        return result

    def candidates(self, text: str, k: int = 5) -> List[Candidate]:
        """The `k` best concepts for a mention.

        text (str): The mention as written.
        k (int): How many candidates to return.
        RETURNS (List[Candidate]): The candidates, best first.
        """
        key = normalize_name(text)
        if not key or k <= 0:
            return []
        scores = self._exact_scores(key)
        if EXACT_SCORE not in scores.values():
            # No exact match: the name without qualifiers or salt words may have one.
            for variant in loose_variants(key):
                for entry, score in self._exact_scores(variant).items():
                    if score >= EXACT_SCORE:
                        scores.setdefault(entry, LOOSE_SCORE)
        if not any(score >= BAG_SCORE for score in scores.values()):
            # Nor without them: the words with organ adjectives and generic heads
            # folded ("renal damage" -> "Kidney Diseases").
            for variant in (key, *loose_variants(key)):
                for entry in self._canonical_entries(variant):
                    scores.setdefault(entry, CANONICAL_SCORE)
        outside = self._table_ids(key)
        if self.table is not None and not outside and EXACT_SCORE not in scores.values():
            # No name matches as a whole: the longest leading words that do.
            words = key.split()
            for n in range(len(words) - 1, 0, -1):
                prefix = " ".join(words[:n])
                if prefix in self._exact or self._table_ids(prefix):
                    exact = self._exact.get(prefix)
                    if exact is not None:
                        scores.setdefault(exact, PREFIX_SCORE)
                    outside = self._table_ids(prefix)
                    break
        rows, similarities = self.index.search(key, k * NAMES_PER_CANDIDATE)
        for row, similarity in zip(rows.tolist(), similarities.tolist()):
            # Only an exact match scores 1: names with the same words in another
            # order have the same n-grams, and score like a bag-of-words match.
            similarity = min(float(similarity), BAG_SCORE)
            if similarity > scores.get(row, 0.0):
                scores[row] = similarity
        # concept -> (score, count of the best name for it)
        best: Dict[int, Tuple[float, int]] = {}
        for entry, score in scores.items():
            start, end = self.entry_ptr[entry], self.entry_ptr[entry + 1]
            for concept, count in zip(
                self.entry_concepts[start:end].tolist(), self.entry_counts[start:end].tolist()
            ):
                if (score, count) > best.get(concept, (-1.0, -1)):
                    best[concept] = (score, count)
        # Table hits: concepts of the KB gain the score, others become candidates
        # named by the text they matched, ranked after the KB's at equal score.
        extra: List[Tuple[Tuple[float, int, int, int], Candidate]] = []
        outside_score = EXACT_SCORE if self._table_ids(key) else PREFIX_SCORE
        for rank, concept_id in enumerate(outside):
            concept = self._id_index.get(concept_id)
            if concept is not None:
                if (outside_score, 0) > best.get(concept, (-1.0, -1)):
                    best[concept] = (outside_score, 0)
            else:
                candidate = Candidate(concept_id, text, outside_score, 0)
                extra.append(((-outside_score, 0, 0, len(self.ids) + rank), candidate))
        ranked = [
            (
                self._rank_key(c, score, count),
                Candidate(self.ids[c], self.names[c], score, int(self.priors[c])),
            )
            for c, (score, count) in best.items()
        ]
        ranked.sort(key=lambda item: item[0])
        extra.sort(key=lambda item: item[0])
        merged = sorted(ranked + extra, key=lambda item: (item[0][0], item[0][3] >= len(self.ids)))
        return [candidate for _, candidate in merged[:k]]

    def taxon(self, concept_id: str) -> int:
        """The organism of a concept, where the KB knows it.

        concept_id (str): A primary ID.
        RETURNS (int): Its NCBI Taxonomy ID; 0 if unknown.
        """
        index = self._id_index.get(concept_id)
        if self.taxa is None or index is None:
            return 0
        return int(self.taxa[index])

    def knows(self, text: str) -> bool:
        """Whether a name matches a name of the KB exactly (after normalisation).

        text (str): The name as written.
        RETURNS (bool): Whether it is a name of some concept.
        """
        key = normalize_name(text)
        return bool(key) and (
            key in self._exact or compact_key(key) in self._compact or bool(self._table_ids(key))
        )

    def _canonical_entries(self, key: str) -> List[int]:
        canonical = canonical_key(key)
        if not canonical or canonical == bag_key(key):
            return []
        if self._canonical is None:
            self._canonical = _group(canonical_key(entry) for entry in self.entries)
        return self._canonical.get(canonical, [])

    def _table_ids(self, key: str) -> List[str]:
        return self.table.lookup(key) if self.table is not None else []

    def _rank_key(self, concept: int, score: float, count: int) -> Tuple[float, int, int, int]:
        boosted = score + PRIOR_WEIGHT * float(self._prior_weights[concept])
        return (-boosted, -count, -int(self.priors[concept]), concept)

    def _exact_scores(self, key: str) -> Dict[int, float]:
        # The entries that match `key` literally, without spaces, or as a bag of words.
        scores: Dict[int, float] = {}
        exact = self._exact.get(key)
        if exact is not None:
            scores[exact] = EXACT_SCORE
        for entry in self._compact.get(compact_key(key), ()):
            scores.setdefault(entry, COMPACT_SCORE)
        bag = bag_key(key)
        for entry in self._bag.get(bag, ()) if bag else ():
            scores.setdefault(entry, BAG_SCORE)
        return scores

    def to_dict(self) -> Dict:
        """The knowledge base as plain values and numpy arrays (msgpack-able)."""
        return {
            "format": FORMAT_VERSION,
            "label": self.label,
            "ids": self.ids,
            "names": self.names,
            "alt_ids": self.alt_ids,
            "entries": self.entries,
            "compact_keys": self.compact_keys,
            "bag_keys": self.bag_keys,
            "sources": self.sources,
            "arrays": {
                "priors": self.priors,
                **({"taxa": self.taxa} if self.taxa is not None else {}),
                "entry_ptr": self.entry_ptr,
                "entry_concepts": self.entry_concepts,
                "entry_counts": self.entry_counts,
            },
            "index": self.index.to_arrays(),
            "table": self.table.to_arrays() if self.table is not None else None,
        }

    @classmethod
    def from_dict(cls, data: Dict) -> "KnowledgeBase":
        """Restore a knowledge base from `to_dict` output."""
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(Errors.E1181.format(found=data.get("format"), expected=FORMAT_VERSION))
        arrays = data["arrays"]
        with _paused_gc():
            return cls(
                data["label"],
                ids=list(data["ids"]),
                names=list(data["names"]),
                alt_ids=[list(ids) for ids in data["alt_ids"]],
                priors=arrays["priors"],
                taxa=arrays.get("taxa"),
                entries=list(data["entries"]),
                entry_ptr=arrays["entry_ptr"],
                entry_concepts=arrays["entry_concepts"],
                entry_counts=arrays["entry_counts"],
                index=NgramIndex.from_arrays(data["index"]),
                sources=data.get("sources", []),
                compact_keys=data.get("compact_keys"),
                bag_keys=data.get("bag_keys"),
                table=NameTable.from_arrays(data["table"]) if data.get("table") else None,
            )

    def to_bytes(self) -> bytes:
        """The knowledge base as msgpack bytes."""
        return srsly.msgpack_dumps(self.to_dict())

    @classmethod
    def from_bytes(cls, data: bytes) -> "KnowledgeBase":
        """Restore a knowledge base from `to_bytes` output."""
        with _paused_gc():
            loaded = srsly.msgpack_loads(data)
        return cls.from_dict(loaded)

    def to_disk(self, path: Union[str, Path]) -> None:
        """Save to a folder: strings and small arrays as msgpack, the TF-IDF index
        as an uncompressed .npz (read straight into arrays, so loading is fast).

        path (Union[str, Path]): The folder (created if missing).
        """
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        data = self.to_dict()
        numpy.savez(path / INDEX_FILE, **data.pop("index"))
        table = data.pop("table")
        if table is not None:
            numpy.savez(path / TABLE_FILE, **table)
        elif (path / TABLE_FILE).exists():
            (path / TABLE_FILE).unlink()
        srsly.write_msgpack(path / KB_FILE, data)

    @classmethod
    def from_disk(cls, path: Union[str, Path]) -> "KnowledgeBase":
        """Load a knowledge base saved with `to_disk`.

        path (Union[str, Path]): The folder.
        RETURNS (KnowledgeBase): The knowledge base.
        """
        path = Path(path)
        if not (path / KB_FILE).exists() or not (path / INDEX_FILE).exists():
            raise ValueError(Errors.E1182.format(path=path, files=f"{KB_FILE}, {INDEX_FILE}"))
        with _paused_gc():
            data = srsly.read_msgpack(path / KB_FILE)
        with numpy.load(path / INDEX_FILE, allow_pickle=False) as arrays:
            data["index"] = {key: arrays[key] for key in arrays.files}
        data["table"] = None
        if (path / TABLE_FILE).exists():
            with numpy.load(path / TABLE_FILE, allow_pickle=False) as arrays:
                data["table"] = {key: arrays[key] for key in arrays.files}
        return cls.from_dict(data)


class KnowledgeBaseBuilder:
    """Collects concepts and names from sources, then builds a `KnowledgeBase`.

    label (str): The entity label the KB serves.
    """

    def __init__(self, label: str) -> None:
        self.label = label
        self._ids: List[str] = []
        self._names: List[str] = []
        self._alt_ids: List[List[str]] = []
        self._priors: List[int] = []
        self._index: Dict[str, int] = {}
        # Alternative ID -> the concept that claims it first.
        self._alt_index: Dict[str, int] = {}
        # A composite's IDs as a set -> its concept: one concept whatever the order.
        self._composites: Dict[FrozenSet[str], int] = {}
        # (normalised name, concept) -> corpus count
        self._pairs: Dict[Tuple[str, int], int] = {}
        self.sources: List[Dict] = []
        self._taxa: List[int] = []
        # Names for exact lookup only (see `KnowledgeBase.table`).
        self.table: Optional[NameTable] = None

    def __len__(self) -> int:
        """The number of concepts so far."""
        return len(self._ids)

    def resolve(self, concept_id: str) -> Optional[int]:
        """The concept a (primary or alternative) ID belongs to, if any."""
        index = self._index.get(concept_id)
        return self._alt_index.get(concept_id) if index is None else index

    def add_concept(
        self,
        concept_id: str,
        name: str,
        *,
        synonyms: Iterable[str] = (),
        alt_ids: Iterable[str] = (),
        name_count: int = 0,
    ) -> int:
        """Add a concept, or names and alternative IDs to the one it already is.

        A concept known by an alternative ID (MEDIC 2012's OMIM entry that MEDIC 2017
        lists as an alternative of a MeSH concept) merges into that concept.

        concept_id (str): Its CURIE.
        name (str): Its canonical name (kept from the first source that adds it).
        synonyms (Iterable[str]): Further names.
        alt_ids (Iterable[str]): Further CURIEs it is known by.
        name_count (int): A count to give the pair (name, concept), which orders the
            concepts an exact match finds (a gene's own symbol before the same string
            as another gene's alias); corpus counts add to it.
        RETURNS (int): The concept's index.
        """
        index = self.resolve(concept_id)
        if index is None:
            index = len(self._ids)
            self._index[concept_id] = index
            self._ids.append(concept_id)
            self._names.append(name)
            self._alt_ids.append([])
            self._priors.append(0)
            self._taxa.append(0)
        for alt in alt_ids:
            if alt != self._ids[index] and alt not in self._alt_ids[index]:
                self._alt_ids[index].append(alt)
                self._alt_index.setdefault(alt, index)
        for text in (name, *synonyms):
            key = normalize_name(text)
            if key:
                self._pairs.setdefault((key, index), 0)
        key = normalize_name(name)
        if key and name_count:
            self._pairs[(key, index)] = max(self._pairs[(key, index)], name_count)
        return index

    def set_taxon(self, index: int, taxid: int) -> None:
        """Note the organism of a concept (see `KnowledgeBase.taxa`).

        index (int): The concept's index (`add_concept` returns it).
        taxid (int): Its NCBI Taxonomy ID.
        """
        self._taxa[index] = int(taxid)

    def add_mention(self, concept_ids: Sequence[str], text: str, count: int = 1) -> int:
        """Count a corpus mention of a concept, adding the concept if it is new.

        Several IDs make a composite concept ("MESH:D001943|MESH:D010051"); each
        ID is first mapped to the concept it belongs to.

        concept_ids (Sequence[str]): The mention's CURIEs.
        text (str): The mention text.
        count (int): How often it occurs.
        RETURNS (int): The concept's index.
        """
        primary = []
        for concept_id in concept_ids:
            index = self.resolve(concept_id)
            primary.append(concept_id if index is None else self._ids[index])
        concept_id = SEP.join(dict.fromkeys(primary))
        members = frozenset(primary)
        if len(members) > 1:
            # The first order seen names it ("breast and ovarian" -> D001943|D010051).
            known = self._composites.get(members)
            if known is not None:
                concept_id = self._ids[known]
        index = self.add_concept(concept_id, text)
        if len(members) > 1:
            self._composites.setdefault(members, index)
        key = normalize_name(text)
        if key:
            self._pairs[(key, index)] = self._pairs.get((key, index), 0) + count
        self._priors[index] += count
        return index

    def build(self, *, sizes: Sequence[int] = DEFAULT_NGRAM_SIZES) -> KnowledgeBase:
        """Build the knowledge base (fits the TF-IDF index: needs scikit-learn).

        sizes (Sequence[int]): The character n-gram lengths of the index.
        RETURNS (KnowledgeBase): The knowledge base.
        """
        if not self._ids:
            raise ValueError(Errors.E1183.format(label=self.label))
        by_entry: Dict[str, List[Tuple[int, int]]] = {}
        for (key, concept), count in sorted(self._pairs.items()):
            by_entry.setdefault(key, []).append((concept, count))
        entries = list(by_entry)
        ptr = numpy.zeros(len(entries) + 1, dtype=numpy.int64)
        ptr[1:] = numpy.cumsum([len(by_entry[e]) for e in entries])
        pairs = [pair for entry in entries for pair in by_entry[entry]]
        return KnowledgeBase(
            self.label,
            ids=list(self._ids),
            names=list(self._names),
            alt_ids=[list(ids) for ids in self._alt_ids],
            priors=numpy.array(self._priors, dtype=numpy.int64),
            taxa=numpy.array(self._taxa, dtype=numpy.int64) if any(self._taxa) else None,
            entries=entries,
            entry_ptr=ptr,
            entry_concepts=numpy.array([c for c, _ in pairs], dtype=numpy.int32),
            entry_counts=numpy.array([n for _, n in pairs], dtype=numpy.int32),
            index=NgramIndex.fit(entries, sizes=sizes),
            sources=self.sources,
            table=self.table,
        )


@contextmanager
def _paused_gc() -> Iterator[None]:
    # Loading creates hundreds of thousands of small lists and strings, which set
    # off cyclic garbage collection over and over (seconds for a full KB); none of
    # them form cycles.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _group(keys: Iterable[str]) -> Dict[str, List[int]]:
    groups: Dict[str, List[int]] = {}
    for i, key in enumerate(keys):
        if key:
            groups.setdefault(key, []).append(i)
    return groups
