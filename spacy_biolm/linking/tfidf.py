"""Character n-gram TF-IDF vectors of names and their cosine nearest neighbours.

scikit-learn fits the vectoriser (vocabulary and idf) when a knowledge base is
built, as scispaCy's linker does. The fitted index keeps only numpy arrays: the
vocabulary, the idf weights and the name vectors as an inverted index (for each
n-gram, the names that contain it and their weights). Queries are vectorised here
with the same analyzer and the same formula as sklearn's `TfidfVectorizer`
(raw counts times idf, l2-normalised), so a saved pipeline links without
scikit-learn or scipy installed.
"""

from typing import Dict, List, Sequence, Tuple

import numpy

from ..errors import Errors

DEFAULT_NGRAM_SIZES = (3,)


def char_ngrams(text: str, sizes: Sequence[int] = DEFAULT_NGRAM_SIZES) -> List[str]:
    """The character n-grams of each word of `text`, the word padded with one space
    on each side (sklearn's "char_wb" scheme); a word shorter than n gives itself.

    text (str): A normalised name (words separated by single spaces).
    sizes (Sequence[int]): The n-gram lengths.
    RETURNS (List[str]): The n-grams, repeated as often as they occur.
    """
    ngrams: List[str] = []
    for word in text.split():
        padded = f" {word} "
        for n in sizes:
            if len(padded) <= n:
                ngrams.append(padded)
            else:
                ngrams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return ngrams


class NgramIndex:
    """TF-IDF vectors of a list of names, searchable by cosine similarity.

    vocabulary (List[str]): The n-gram of each column.
    idf (numpy.ndarray): The idf weight of each column (float32).
    indptr (numpy.ndarray): Column j's entries are indptr[j]:indptr[j + 1] (int64).
    rows (numpy.ndarray): The name (row) of each entry (int32).
    weights (numpy.ndarray): The l2-normalised TF-IDF weight of each entry (float32).
    n_rows (int): The number of names.
    sizes (Sequence[int]): The n-gram lengths.
    """

    def __init__(
        self,
        vocabulary: List[str],
        idf: numpy.ndarray,
        indptr: numpy.ndarray,
        rows: numpy.ndarray,
        weights: numpy.ndarray,
        n_rows: int,
        sizes: Sequence[int] = DEFAULT_NGRAM_SIZES,
    ) -> None:
        self.vocabulary = list(vocabulary)
        self.columns: Dict[str, int] = {ngram: i for i, ngram in enumerate(self.vocabulary)}
        self.idf = numpy.asarray(idf, dtype=numpy.float32)
        self.indptr = numpy.asarray(indptr, dtype=numpy.int64)
        self.rows = numpy.asarray(rows, dtype=numpy.int32)
        self.weights = numpy.asarray(weights, dtype=numpy.float32)
        self.n_rows = int(n_rows)
        self.sizes = tuple(int(n) for n in sizes)

    @classmethod
    def fit(
        cls,
        names: Sequence[str],
        *,
        sizes: Sequence[int] = DEFAULT_NGRAM_SIZES,
    ) -> "NgramIndex":
        """Fit the vectoriser on `names` and index their vectors (needs scikit-learn,
        the `linking` extra).

        names (Sequence[str]): Normalised names, one row each.
        sizes (Sequence[int]): The n-gram lengths.
        RETURNS (NgramIndex): The index.
        """
        vectorizer = make_vectorizer(sizes)
        matrix = vectorizer.fit_transform(names).tocsc()
        matrix.sort_indices()
        vocabulary = [""] * len(vectorizer.vocabulary_)
        for ngram, column in vectorizer.vocabulary_.items():
            vocabulary[column] = ngram
        return cls(
            vocabulary,
            vectorizer.idf_,
            matrix.indptr,
            matrix.indices,
            matrix.data,
            len(names),
            sizes,
        )

    def vectorize(self, text: str) -> Tuple[numpy.ndarray, numpy.ndarray]:
        """The TF-IDF vector of a normalised name, as sklearn's transform computes it.

        text (str): A normalised name.
        RETURNS (Tuple[numpy.ndarray, numpy.ndarray]): Its non-zero columns (sorted)
            and their weights; empty when none of its n-grams is known.
        """
        counts: Dict[int, int] = {}
        for ngram in char_ngrams(text, self.sizes):
            column = self.columns.get(ngram)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        columns = numpy.array(sorted(counts), dtype=numpy.int64)
        values = numpy.array([counts[c] for c in columns], dtype=numpy.float64)
        values = values * self.idf[columns]
        norm = numpy.sqrt((values**2).sum())
        if norm > 0:
            values /= norm
        return columns, values.astype(numpy.float32)

    def search(self, text: str, k: int) -> Tuple[numpy.ndarray, numpy.ndarray]:
        """The `k` names most similar to `text` by cosine similarity.

        text (str): A normalised name.
        k (int): How many to return.
        RETURNS (Tuple[numpy.ndarray, numpy.ndarray]): Their rows and similarities,
            best first; names sharing no n-gram with `text` are left out.
        """
        columns, values = self.vectorize(text)
        if not len(columns) or k <= 0:
            return numpy.zeros(0, dtype=numpy.int64), numpy.zeros(0, dtype=numpy.float32)
        starts, ends = self.indptr[columns], self.indptr[columns + 1]
        rows = numpy.concatenate([self.rows[s:e] for s, e in zip(starts, ends)])
        contributions = numpy.concatenate(
            [self.weights[s:e] * v for s, e, v in zip(starts, ends, values)]
        )
        scores = numpy.bincount(rows, weights=contributions, minlength=self.n_rows)
        hit = numpy.flatnonzero(scores)
        if len(hit) > k:
            hit = hit[numpy.argpartition(-scores[hit], k - 1)[:k]]
        # Best first; equal scores in row order, so results do not depend on numpy's sort.
        hit = hit[numpy.lexsort((hit, -scores[hit]))]
        return hit.astype(numpy.int64), scores[hit].astype(numpy.float32)

    def to_arrays(self) -> Dict[str, numpy.ndarray]:
        """The index as named arrays, for `numpy.savez` or msgpack."""
        return {
            "vocabulary": numpy.array(self.vocabulary, dtype=str),
            "idf": self.idf,
            "indptr": self.indptr,
            "rows": self.rows,
            "weights": self.weights,
            "shape": numpy.array([self.n_rows, len(self.vocabulary)], dtype=numpy.int64),
            "sizes": numpy.array(self.sizes, dtype=numpy.int64),
        }

    @classmethod
    def from_arrays(cls, arrays: Dict[str, numpy.ndarray]) -> "NgramIndex":
        """Restore an index from `to_arrays` output."""
        return cls(
            [str(ngram) for ngram in arrays["vocabulary"].tolist()],
            arrays["idf"],
            arrays["indptr"],
            arrays["rows"],
            arrays["weights"],
            int(arrays["shape"][0]),
            [int(n) for n in arrays["sizes"].tolist()],
        )


def make_vectorizer(sizes: Sequence[int] = DEFAULT_NGRAM_SIZES):
    """The scikit-learn vectoriser the index is fitted with (l2 norm, smooth idf,
    raw term counts: the formula `NgramIndex.vectorize` reproduces).

    sizes (Sequence[int]): The n-gram lengths.
    RETURNS (TfidfVectorizer): The unfitted vectoriser.
    """
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
    except ImportError:
        raise ImportError(Errors.E1180) from None

    return TfidfVectorizer(
        analyzer=lambda text: char_ngrams(text, sizes),
        dtype=numpy.float32,
        norm="l2",
        use_idf=True,
        smooth_idf=True,
        sublinear_tf=False,
    )
