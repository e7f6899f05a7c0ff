from . import assets, encoders, evaluation, packaging  # noqa: F401  (register their commands)
from .corpora import convert  # noqa: F401  (registers convert, convert-file)
from .cli import app

if __name__ == "__main__":
    app()
