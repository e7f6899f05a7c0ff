"""`python -m spacy_biolm COMMAND`."""

from .cli import app

if __name__ == "__main__":
    app()
