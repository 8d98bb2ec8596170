__version__ = "0.20.3"
from . import constants  # noqa: E402
from ._stub import lookup as _lookup


def __getattr__(name):
    return _lookup("huggingface_hub", name)
