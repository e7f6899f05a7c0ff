"""Tests of spacy_biolm.transformer."""
