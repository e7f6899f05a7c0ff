"""Tests of spacy_biolm.ner."""
