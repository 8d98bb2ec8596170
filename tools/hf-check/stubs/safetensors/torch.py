from . import safe_open


def load_file(filename, device="cpu"):
    with safe_open(filename, framework="pt") as f:
        return {k: f.get_tensor(k) for k in f.keys()}


def save_file(tensors, filename, metadata=None):
    raise NotImplementedError("the stub reads safetensors only")


def storage_ptr(tensor):
    return tensor.untyped_storage().data_ptr() if hasattr(tensor, "untyped_storage") else tensor.storage().data_ptr()


def _end_ptr(tensor):
    return tensor.view(-1)[-1].data_ptr() + tensor.element_size() if tensor.nelement() else storage_ptr(tensor)


def storage_size(tensor):
    return tensor.storage().size() * tensor.element_size()
