from . import assets, encoders  # noqa: F401  (register their commands)
from .cli import app

if __name__ == "__main__":
    app()
