"""Tests of linking: abbreviations, knowledge bases, their sources, the linker, evaluation."""
