"""Tests of annotate: input readers, output writers, resumable runs, the Ray engine."""
