"""Tests of spacy_biolm."""
