"""What the `biogpt` component and the fairseq converter share at run time: the
config attribute holding a converted fine-tune's learned prompt, and how a model
folder is written. Kept apart from fairseq.py so the component never imports the
converter.
"""

from pathlib import Path
from typing import Any

# config.json attribute naming a converted fine-tune's learned prompt.
PROMPT_ATTR = "biolm_prompt_tokens"


def save_model(model: Any, output_dir: Path) -> None:
    """save_pretrained, recording the architecture as plain BioGptForCausalLM so the
    folder loads the same anywhere.

    model (BioGptForCausalLM): The model (or a subclass).
    output_dir (Path): Folder to write.
    """
    model.save_pretrained(str(output_dir))
    config = model.config.__class__.from_dict(model.config.to_dict())
    config.architectures = ["BioGptForCausalLM"]
    config.save_pretrained(str(output_dir))
