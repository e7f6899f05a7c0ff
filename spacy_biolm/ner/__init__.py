"""The biolm_ner component: a masked, multi-type NER head on the transformer."""

from . import component, model, scorer, viterbi  # noqa: F401
