"""An exact-lookup table of millions of names: 64-bit hashes of normalised names to
concept numbers, as two sorted numpy arrays.

A vocabulary the size of NCBI Taxonomy (2.6 M scientific names) is too big for a
TF-IDF index and too big to keep as Python strings in a packaged pipeline: the
table keeps 12 bytes a name (about 35 MB for the taxonomy), loads with one
`numpy.load` and answers with a binary search. Names are not kept, only their
hashes: two names share a hash with probability about n² / 2⁶⁵ (2e-7 for the
taxonomy), and a candidate from the table is named by the text it matched.
"""

import hashlib
from typing import Dict, Iterable, List, Sequence, Tuple

import numpy

from ..errors import Errors


def name_hash(normalized: str) -> int:
    """The 64-bit hash of a normalised name (stable across runs and machines).

    normalized (str): A normalised name (`normalize.normalize_name`).
    RETURNS (int): The hash, as an unsigned integer.
    """
    digest = hashlib.blake2b(normalized.encode("utf8"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


class NameTable:
    """Normalised names to concept numbers; a name may name several concepts.

    prefix (str): What turns a number into a CURIE ("NCBITaxon:").
    keys (numpy.ndarray): The name hashes, sorted (uint64).
    values (numpy.ndarray): The concept number of each key (int64); the concepts
        of one name in order of preference.
    loose_words (Sequence[str]): Words that a name may be written with or without
        ("sp", "strain": "Vibrio sp. MED222", "Vibrio MED222"): each name is also
        stored without them, and a name not found as written is looked up without
        them.
    """

    def __init__(
        self,
        prefix: str,
        keys: numpy.ndarray,
        values: numpy.ndarray,
        loose_words: Sequence[str] = (),
    ) -> None:
        self.prefix = prefix
        self.loose_words = tuple(loose_words)
        self.keys = numpy.asarray(keys, dtype=numpy.uint64)
        self.values = numpy.asarray(values, dtype=numpy.int64)
        if self.keys.shape != self.values.shape:
            raise ValueError(Errors.E1195.format(keys=self.keys.shape, values=self.values.shape))

    def __len__(self) -> int:
        """The number of (name, concept) pairs."""
        return len(self.keys)

    @classmethod
    def build(
        cls, prefix: str, pairs: Iterable[Tuple[str, int]], loose_words: Sequence[str] = ()
    ) -> "NameTable":
        """Build a table from (normalised name, concept number) pairs; for a name
        that several concepts share, the pair that comes first is preferred.

        prefix (str): What turns a number into a CURIE.
        pairs (Iterable[Tuple[str, int]]): The pairs, in order of preference.
        loose_words (Sequence[str]): See the class.
        RETURNS (NameTable): The table.
        """
        seen: Dict[Tuple[int, int], None] = {}
        loose: List[Tuple[int, int]] = []
        for name, value in pairs:
            if name:
                seen.setdefault((name_hash(name), int(value)), None)
                tight = _without(name, loose_words)
                if tight != name and tight:
                    loose.append((name_hash(tight), int(value)))
        # A name as written is preferred over another name without its loose words.
        for pair in loose:
            seen.setdefault(pair, None)
        keys = numpy.fromiter((k for k, _ in seen), dtype=numpy.uint64, count=len(seen))
        values = numpy.fromiter((v for _, v in seen), dtype=numpy.int64, count=len(seen))
        # A stable sort keeps the order of preference among equal keys.
        order = numpy.argsort(keys, kind="stable")
        return cls(prefix, keys[order], values[order], loose_words)

    def lookup(self, normalized: str) -> List[str]:
        """The CURIEs of the concepts a normalised name names, preferred first.

        normalized (str): A normalised name.
        RETURNS (List[str]): The CURIEs; [] if the name is not in the table.
        """
        if not normalized or not len(self.keys):
            return []
        found = self._find(normalized)
        tight = _without(normalized, self.loose_words)
        if not found and tight and tight != normalized:
            found = self._find(tight)
        return [f"{self.prefix}{v}" for v in found]

    def _find(self, normalized: str) -> List[int]:
        key = numpy.uint64(name_hash(normalized))
        start = int(numpy.searchsorted(self.keys, key, side="left"))
        end = int(numpy.searchsorted(self.keys, key, side="right"))
        return self.values[start:end].tolist()

    def to_arrays(self) -> Dict[str, numpy.ndarray]:
        """The table as named arrays, for `numpy.savez`."""
        return {
            "prefix": numpy.array(self.prefix),
            "keys": self.keys,
            "values": self.values,
            "loose_words": numpy.array(self.loose_words, dtype=str),
        }

    @classmethod
    def from_arrays(cls, arrays: Dict[str, numpy.ndarray]) -> "NameTable":
        """Restore a table from `to_arrays` output."""
        loose = arrays.get("loose_words")
        return cls(
            str(arrays["prefix"]),
            arrays["keys"],
            arrays["values"],
            [str(w) for w in loose.tolist()] if loose is not None else (),
        )


def _without(normalized: str, words: Sequence[str]) -> str:
    if not words:
        return normalized
    return " ".join(w for w in normalized.split() if w not in words)
