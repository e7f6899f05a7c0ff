"""Map a corpus's entity types to our labels."""

from dataclasses import dataclass
from typing import Any, Dict, FrozenSet, Iterable, Mapping, Optional, Sequence, Tuple

from ..annotations import DEFAULT_LABELS
from ..errors import Errors
from .source import CorpusError, SourceMention


@dataclass(frozen=True)
class LabelScheme:
    """How the types of one corpus become labels, and which labels it annotates.

    label_map (Mapping[str, str]): Source type -> label. Empty: every type is its
        own label (data already labelled with our labels).
    ignore_types (FrozenSet[str]): Known types that are not our labels (JNLPBA's
        cell_type): not converted, counted as "unmapped" in the report. Any other
        type missing from a non-empty label_map is an error.
    annotated_labels (Optional[Tuple[str, ...]]): The labels the corpus annotates
        (`doc._.annotated_labels`); None: all labels.
    """

    label_map: Mapping[str, str]
    ignore_types: FrozenSet[str]
    annotated_labels: Optional[Tuple[str, ...]]

    @classmethod
    def create(
        cls,
        label_map: Mapping[str, str],
        *,
        ignore_types: Iterable[str] = (),
        annotated_labels: Optional[Iterable[str]] = None,
    ) -> "LabelScheme":
        """A checked scheme; annotated_labels=None with a label_map means its labels.

        label_map (Mapping[str, str]): Source type -> label.
        ignore_types (Iterable[str]): Known types that are not converted.
        annotated_labels (Optional[Iterable[str]]): The labels the corpus annotates.
        RETURNS (LabelScheme): The scheme.
        """
        ignored = frozenset(ignore_types)
        both = sorted(ignored.intersection(label_map))
        if both:
            raise CorpusError(Errors.E1073.format(types=", ".join(both)))
        if annotated_labels is None and label_map:
            annotated_labels = set(label_map.values())
        annotated = None if annotated_labels is None else tuple(sorted(set(annotated_labels)))
        missing = sorted(set(label_map.values()).difference(annotated or ()))
        if annotated is not None and missing:
            raise CorpusError(
                Errors.E1074.format(labels=", ".join(missing), annotated=", ".join(annotated))
            )
        return cls(dict(label_map), ignored, annotated)

    @property
    def known_types(self) -> FrozenSet[str]:
        """The source types the scheme names: mapped or ignored."""
        return frozenset(self.label_map).union(self.ignore_types)

    def select_types(
        self, types: Mapping[str, str], *, corpus: str, labels: Sequence[str] = DEFAULT_LABELS
    ) -> "LabelScheme":
        """A variant that converts only some of the known types (`convert --types`):
        those named, to the labels given; every other known type is ignored (counted
        as unmapped), and the variant annotates only the labels it maps to.

        types (Mapping[str, str]): Source type -> label, e.g. {"protein": "Gene"}.
        corpus (str): The corpus name, for messages.
        labels (Sequence[str]): The labels a type may map to.
        RETURNS (LabelScheme): The variant.
        """
        known = sorted(self.known_types)
        unknown = sorted(set(types).difference(known))
        if unknown:
            raise CorpusError(
                Errors.E1163.format(corpus=corpus, types=", ".join(unknown), known=", ".join(known))
            )
        wrong = sorted({label for label in types.values() if label not in labels})
        if wrong:
            raise CorpusError(Errors.E1164.format(labels=", ".join(wrong), known=", ".join(labels)))
        return LabelScheme.create(types, ignore_types=self.known_types.difference(types))

    def to_dict(self) -> Dict[str, Any]:
        """The scheme as JSON-serializable data (report.json's "label_scheme")."""
        return {
            "label_map": dict(sorted(self.label_map.items())),
            "ignore_types": sorted(self.ignore_types),
            "annotated_labels": None
            if self.annotated_labels is None
            else list(self.annotated_labels),
        }

    def label(self, mention: SourceMention) -> Optional[str]:
        """The label of a mention, or None for an ignored type.

        mention (SourceMention): The mention.
        RETURNS (Optional[str]): Its label, None if its type is ignored.
        """
        if mention.type in self.ignore_types:
            return None
        if not self.label_map:
            return mention.type
        if mention.type not in self.label_map:
            raise CorpusError(Errors.E1065.format(where=mention.where, type=mention.type))
        return self.label_map[mention.type]


def parse_label_map(spec: str) -> Dict[str, str]:
    """Parse 'TYPE=LABEL,TYPE=LABEL' (the convert-file option) into a dict.

    spec (str): The option value; empty for no mapping.
    RETURNS (Dict[str, str]): Source type -> label.
    """
    mapping: Dict[str, str] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        source_type, sep, label = (part.strip() for part in item.partition("="))
        if not sep or not source_type or not label:
            raise CorpusError(Errors.E1072.format(spec=spec, item=item))
        mapping[source_type] = label
    return mapping
