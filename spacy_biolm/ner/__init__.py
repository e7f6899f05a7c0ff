"""The biolm_ner component: a masked, multi-type NER head on the transformer."""

from . import component, decoding, model, scorer  # noqa: F401
