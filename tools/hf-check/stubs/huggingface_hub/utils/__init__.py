from .._stub import lookup as _lookup


def __getattr__(name):
    return _lookup("huggingface_hub.utils", name)
