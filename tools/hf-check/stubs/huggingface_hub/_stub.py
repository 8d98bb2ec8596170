# Stand-in for names transformers imports from huggingface_hub but never calls when loading from a local
# directory: exceptions are Exception subclasses, anything else a callable that also works as a decorator.
import types

_classes = {}


class _Anything:
    def __init__(self, name):
        self._name = name

    def __call__(self, *args, **kwargs):
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return args[0]  # used as a decorator
        return _Anything(self._name + "()")

    def __getattr__(self, name):
        return _Anything(self._name + "." + name)

    def __repr__(self):
        return f"<huggingface_hub stub {self._name}>"


def lookup(module, name):
    if name.startswith("__"):
        raise AttributeError(name)
    if name.endswith("Error") or name.endswith("Exception") or name.endswith("Warning"):
        if name not in _classes:
            _classes[name] = type(name, (Exception,), {})
        return _classes[name]
    if name.isupper() or name.startswith("HF_") or name.endswith("_PATH") or name.endswith("_CACHE"):
        return "/nonexistent-hf-stub"
    return _Anything(f"{module}.{name}")
