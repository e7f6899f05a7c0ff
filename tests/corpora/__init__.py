"""Tests of spacy_biolm.corpora."""
