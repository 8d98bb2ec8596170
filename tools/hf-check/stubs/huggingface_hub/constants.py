import os

HF_HOME = os.path.expanduser("~/.cache/huggingface-stub")
HF_HUB_CACHE = os.path.join(HF_HOME, "hub")
default_cache_path = HF_HUB_CACHE
HUGGINGFACE_HUB_CACHE = HF_HUB_CACHE
HF_HUB_OFFLINE = True
HF_HUB_DISABLE_TELEMETRY = True
ENDPOINT = "http://127.0.0.1:9"
HUGGINGFACE_CO_URL_TEMPLATE = ENDPOINT + "/{repo_id}/resolve/{revision}/{filename}"
from ._stub import lookup as _lookup  # noqa: E402


def __getattr__(name):
    return _lookup("huggingface_hub.constants", name)
