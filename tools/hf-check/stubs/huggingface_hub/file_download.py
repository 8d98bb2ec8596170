import re

REGEX_COMMIT_HASH = re.compile(r"^[0-9a-f]{40}$")
from ._stub import lookup as _lookup  # noqa: E402


def __getattr__(name):
    return _lookup("huggingface_hub.file_download", name)
