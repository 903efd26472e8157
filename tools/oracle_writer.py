"""The array files and index a preprocessing oracle writes for the tests to read.

Each array goes to <out>/<subdir>/<key with / as .>.u8 or .f32 (raw little-endian), and
oracle.json maps every key to its file, dtype and shape.
"""
import json
import os

import numpy as np


class Writer:
    def __init__(self, out, subdir):
        self.dir = os.path.join(out, subdir)
        os.makedirs(self.dir, exist_ok=True)
        self.index = {}

    def put(self, key, arr):
        arr = np.ascontiguousarray(arr)
        dtype = {np.dtype('uint8'): 'uint8', np.dtype('float32'): 'float32'}[arr.dtype]
        name = key.replace('/', '.') + ('.u8' if dtype == 'uint8' else '.f32')
        arr.astype('<f4' if dtype == 'float32' else 'u1').tofile(os.path.join(self.dir, name))
        self.index[key] = {'file': name, 'dtype': dtype, 'shape': list(arr.shape)}

    def finish(self):
        with open(os.path.join(self.dir, 'oracle.json'), 'w') as f:
            json.dump(self.index, f, indent=1, sort_keys=True)
