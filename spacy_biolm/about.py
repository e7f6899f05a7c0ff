__title__ = "spacy-biolm"
__version__ = "0.1.0"
