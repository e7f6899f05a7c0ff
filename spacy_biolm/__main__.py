from . import assets, encoders, evaluation, packaging  # noqa: F401  (register their commands)
from .cli import app

if __name__ == "__main__":
    app()
