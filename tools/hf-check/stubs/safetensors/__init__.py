# A minimal reader of the safetensors format (what transformers' from_pretrained uses from the real package):
# the 8-byte little-endian header length, the JSON header, the raw little-endian tensor bytes.
import json

import numpy as np

__version__ = "0.4.1"
_DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64, "I32": np.int32, "U8": np.uint8}


class SafetensorError(Exception):
    pass


class safe_open:
    def __init__(self, filename, framework="pt", device="cpu"):
        with open(filename, "rb") as f:
            data = f.read()
        n = int.from_bytes(data[:8], "little")
        self._header = json.loads(data[8 : 8 + n])
        self._meta = self._header.pop("__metadata__", None)
        self._data = data[8 + n :]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def metadata(self):
        return self._meta

    def keys(self):
        return list(self._header.keys())

    def get_tensor(self, name):
        import torch

        e = self._header[name]
        begin, end = e["data_offsets"]
        array = np.frombuffer(self._data[begin:end], dtype=_DTYPES[e["dtype"]]).reshape(e["shape"]).copy()
        return torch.from_numpy(array)
