"""Seeded, counter-based initialisers: the Python twin of src/nn/init.ts
and src/util/rng.ts.

Every value is a pure function of (seed, parameter name, element index), so the
TypeScript side and PyTorch get identical weights without committing them. Keep
this file in step with src/nn/init.ts and src/util/rng.ts, line for line.
"""
import math

import numpy as np

M32 = np.uint64(0xFFFFFFFF)


def _imul(x, c):
    return (x.astype(np.uint64) * np.uint64(c)) & M32


def hash32(x):
    """Chris Wellons' lowbias32, vectorised over uint64 arrays holding uint32 values."""
    x = np.asarray(x, dtype=np.uint64) & M32
    x ^= x >> np.uint64(16)
    x = _imul(x, 0x7FEB352D)
    x ^= x >> np.uint64(15)
    x = _imul(x, 0x846CA68B)
    x ^= x >> np.uint64(16)
    return x


def fnv1a(s):
    h = 0x811C9DC5
    for b in s.encode("utf-8"):
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def stream_key(seed, name):
    return int(hash32(np.uint64((int(hash32(np.uint64(seed & 0xFFFFFFFF))) ^ fnv1a(name)) & 0xFFFFFFFF)))


def uniform_at(key, idx):
    """((bits >> 8) + 0.5) / 2**24 for element indices idx (uint64 array)."""
    idx = np.asarray(idx, dtype=np.uint64)
    k = np.uint64(key)
    bits = hash32((hash32(idx ^ k) + k) & M32)
    return ((bits >> np.uint64(8)).astype(np.float64) + 0.5) / 16777216.0


def _attempt_key(key, attempt):
    if attempt == 0:
        return key
    return int(hash32(np.uint64((key + attempt * 0x9E3779B9) & 0xFFFFFFFF)))


def normal_at(key, idx):
    idx = np.asarray(idx, dtype=np.uint64)
    u1 = uniform_at(key, np.uint64(2) * idx)
    u2 = uniform_at(key, np.uint64(2) * idx + np.uint64(1))
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * math.pi * u2)


def generate(spec, n, seed, name):
    """spec is the same dict as InitSpec in src/graph/graph.ts."""
    key = stream_key(seed, name)
    idx = np.arange(n, dtype=np.uint64)
    kind = spec["kind"]
    if kind == "constant":
        out = np.full(n, spec["value"], dtype=np.float64)
    elif kind in ("uniform", "glorot_uniform"):
        if kind == "uniform":
            lo, hi = spec["low"], spec["high"]
        else:
            lim = math.sqrt(6.0 / (spec["fanIn"] + spec["fanOut"]))
            lo, hi = -lim, lim
        out = lo + (hi - lo) * uniform_at(key, idx)
    elif kind == "normal":
        out = spec["mean"] + spec["stddev"] * normal_at(key, idx)
    elif kind == "truncated_normal":
        z = normal_at(key, idx)
        attempt = 1
        bad = np.nonzero(np.abs(z) > 2)[0]
        while bad.size:
            z[bad] = normal_at(_attempt_key(key, attempt), bad.astype(np.uint64))
            bad = bad[np.abs(z[bad]) > 2]
            attempt += 1
        out = spec["mean"] + spec["stddev"] * z
    else:
        raise ValueError("unknown init kind %r" % kind)
    return out.astype(np.float32)


def init_params(specs, seed):
    """specs: list of {name, shape, init}; returns {name: float32 ndarray}."""
    out = {}
    for p in specs:
        n = int(np.prod(p["shape"])) if p["shape"] else 1
        out[p["name"]] = generate(p["init"], n, seed, p["name"]).reshape(p["shape"])
    return out
