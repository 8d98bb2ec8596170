def _deprecate_method(*args, **kwargs):
    return lambda f: f


def _deprecate_arguments(*args, **kwargs):
    return lambda f: f
