"""Entity linking: abbreviations, knowledge bases per label, the linker component.

Plain functions for the command line: `sources.build_kbs` (build and save the KBs)
and `evaluate.evaluate_linking` (Acc@1/Acc@5 on gold mentions).
"""

from . import component  # noqa: F401  (register the factories)
from .abbreviations import find_abbreviations, find_definitions
from .component import AbbreviationDetector, EntityLinker
from .kb import Candidate, KnowledgeBase, KnowledgeBaseBuilder

__all__ = [
    "AbbreviationDetector",
    "Candidate",
    "EntityLinker",
    "KnowledgeBase",
    "KnowledgeBaseBuilder",
    "find_abbreviations",
    "find_definitions",
]
