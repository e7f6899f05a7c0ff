from . import encoders  # noqa: F401  (registers make-encoder)
from .cli import app

if __name__ == "__main__":
    app()
