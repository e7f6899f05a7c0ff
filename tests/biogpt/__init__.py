"""Tests of spacy_biolm.biogpt."""
