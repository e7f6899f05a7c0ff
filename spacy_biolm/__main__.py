from . import assets, encoders, evaluation, packaging  # noqa: F401  (register their commands)
from .biogpt import convert as biogpt_convert  # noqa: F401  (registers convert-biogpt)
from .biogpt import random_model  # noqa: F401  (registers make-biogpt)
from .cli import app
from .corpora import convert  # noqa: F401  (registers convert, convert-file)

if __name__ == "__main__":
    app()
