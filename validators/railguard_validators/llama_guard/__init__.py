"""``llama_guard``: Meta's Llama Guard as a validator.

Modules: :mod:`.categories` (hazard categories per version), :mod:`.prompt` (exact prompt
rendering), :mod:`.verdict` (reading the answer), :mod:`.backends` (SageMaker, Bedrock,
OpenAI-compatible completions, Python callables), :mod:`.validator` (the validator itself).
"""

from railguard import hookimpl

from .validator import LlamaGuard

__all__ = ["LlamaGuard"]


@hookimpl
def register_validators():
    return [LlamaGuard]
