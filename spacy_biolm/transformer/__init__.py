"""The biolm_transformer component: BioLinkBERT through spacy-transformers."""

from . import component, model, windows  # noqa: F401
