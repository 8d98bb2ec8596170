#!/usr/bin/env python3
"""HDF5 fixtures for src/io/tf-h5.ts written by h5py (Debian's python3-h5py 3.7 / HDF5 1.10.8) with the
Keras save_weights layout (root @layer_names, per-layer @weight_names): one file per filter chain h5py writes,
plus files with filters the reader must name (lzf, scaleoffset) and a decompression bomb.
Run: /usr/bin/python3 tools/make_h5_filter_fixtures.py test/fixtures/hostile/h5
"""
import sys
import numpy as np
import h5py

out = sys.argv[1]
kernel = (np.arange(6 * 5, dtype=np.float32).reshape(6, 5) - 7.5) / 4  # exact in float32
bias = np.array([0.5, -1.25, 2.0, 0.0, 3.75], dtype=np.float32)


def keras_file(path, chunks=True, libver="earliest", **dataset_options):
    with h5py.File(path, "w", libver=libver) as f:
        f.attrs["layer_names"] = [b"dense"]
        f.attrs["backend"] = b"tensorflow"
        g = f.create_group("dense")
        g.attrs["weight_names"] = [b"model/dense/kernel:0", b"model/dense/bias:0"]
        g.create_dataset("model/dense/kernel:0", data=kernel, chunks=chunks, **dataset_options)
        g.create_dataset("model/dense/bias:0", data=bias, chunks=chunks if chunks in (True, None) else chunks[1:], **dataset_options)


keras_file(f"{out}/gzip.h5", compression="gzip")
keras_file(f"{out}/shuffle-gzip.h5", compression="gzip", shuffle=True, chunks=(3, 2))
keras_file(f"{out}/shuffle-gzip-fletcher32.h5", compression="gzip", compression_opts=9, shuffle=True, fletcher32=True, chunks=(4, 3))
keras_file(f"{out}/fletcher32.h5", fletcher32=True, chunks=(2, 5))
keras_file(f"{out}/latest-shuffle-gzip-fletcher32.h5", libver="latest", compression="gzip", shuffle=True, fletcher32=True, chunks=(4, 3))
keras_file(f"{out}/latest-contiguous.h5", libver="latest", chunks=None)
keras_file(f"{out}/lzf.h5", compression="lzf")
keras_file(f"{out}/scaleoffset.h5", scaleoffset=4)

# A bomb: 160 MB of zeros in gzip chunks of 16 MB (a file of ~160 KB)
with h5py.File(f"{out}/bomb.h5", "w") as f:
    f.attrs["layer_names"] = [b"dense"]
    g = f.create_group("dense")
    g.attrs["weight_names"] = [b"model/dense/kernel:0"]
    d = g.create_dataset("model/dense/kernel:0", shape=(40_000_000,), dtype=np.float32, chunks=(4_000_000,), compression="gzip", compression_opts=9)
    block = np.zeros(4_000_000, dtype=np.float32)
    for i in range(0, 40_000_000, 4_000_000):
        d[i : i + 4_000_000] = block
