"""A .npy object array pickled by a real Python 2 pickler, for test/weights/npy.test.ts.

Run with any Python 2.7 (numpy not needed), e.g.
    ~/.pyenv/versions/2.7.18/bin/python tools/make_py2_npy_fixture.py
Writes test/fixtures/weights/npy/dict_py2_real.npy and dict_py2_real.json.

kratzert/guerzhoy's bvlc_alexnet.npy was written by numpy under Python 2. numpy is not
installed for Python 2 here, so this script registers stand-in `numpy`,
`numpy.core.multiarray` modules whose classes reduce exactly like numpy's
(numpy/core/src/multiarray/methods.c array_reduce: _reconstruct(ndarray, (0,), 'b') with
state (1, shape, dtype, is_fortran, rawdata); descriptor.c arraydescr_reduce:
dtype('f4', 0, 1) with state (3, '<', None, None, None, -1, -1, flags)), then lets
Python 2's own pickle module choose the opcodes (SHORT_BINSTRING / BINSTRING for str,
BINPUT / BINGET memo, LONG1 for Python 2 longs). tools/make_weight_fixtures.py has the
hand-assembled counterpart.
"""
import json
import os
import pickle
import struct
import sys
import types

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "weights", "npy")

np = types.ModuleType("numpy")
core = types.ModuleType("numpy.core")
multiarray = types.ModuleType("numpy.core.multiarray")
sys.modules.update({"numpy": np, "numpy.core": core, "numpy.core.multiarray": multiarray})


def _reconstruct(*args):
    raise AssertionError("never called: this script only pickles")


_reconstruct.__module__ = "numpy.core.multiarray"
multiarray._reconstruct = _reconstruct


class dtype(object):
    def __init__(self, code, order):
        self.code, self.order = code, order

    def __reduce__(self):
        flags = 63 if self.code == "O8" else 0
        return (dtype, (self.code, 0, 1), (3, self.order, None, None, None, -1, -1, flags))


class ndarray(object):
    def __init__(self, shape, dt, data):
        self.shape, self.dt, self.data = shape, dt, data

    def __reduce__(self):
        return (_reconstruct, (ndarray, (0,), "b"), (1, self.shape, self.dt, False, self.data))


dtype.__module__ = ndarray.__module__ = "numpy"
np.dtype, np.ndarray = dtype, ndarray

F4 = dtype("f4", "<")  # one object, as numpy's builtin descriptors are: later uses are BINGETs
O8 = dtype("O8", "|")


def f32(values, shape):
    return ndarray(shape, F4, struct.pack("<%df" % len(values), *values)), {"dtype": "float32", "shape": [int(d) for d in shape], "data": values}


def main():
    w, we = f32([i / 4.0 - 2 for i in range(24)], (2, 3, 2, 2))
    b, be = f32([1.5, -2.0], (2,))
    big, bige = f32([i * 0.5 for i in range(100)], (10, 10))  # 400 bytes: BINSTRING
    lw, lwe = f32([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], (long(2), long(3)))  # noqa: F821 (Python 2 long)
    layers = {"conv1": [w, b], "fc6": [big, b], "longs": [lw]}
    arr = ndarray((), O8, [layers])
    body = pickle.dumps(arr, 2)
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (), }"
    header += " " * (-(10 + len(header) + 1) % 64) + "\n"
    with open(os.path.join(OUT, "dict_py2_real.npy"), "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + body)
    expected = {"conv1/weights": we, "conv1/biases": be, "fc6/weights": bige, "fc6/biases": be, "longs/weights": lwe}
    with open(os.path.join(OUT, "dict_py2_real.json"), "w") as f:
        json.dump({"tensors": expected, "keys": sorted(layers)}, f, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
