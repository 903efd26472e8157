"""Helpers for tools/make_weight_fixtures.py: byte-level writers for the formats the
fixtures need but that no installed Python library writes the way we want -- a pickle
opcode assembler (opcodes per Python's Lib/pickletools.py) for Python 2 style and hostile
pickles, numpy's Python 2 ndarray/dtype reduce layout (numpy/core/src/multiarray
methods.c array_reduce, descriptor.c arraydescr_reduce), ZIP64 archives (PKWARE
APPNOTE.TXT 4.3.14-4.5.3), and ONNX protobuf (onnx/onnx.proto field numbers; the
`onnx` package is not installed).
"""
import io
import struct
import zipfile
import zlib

import numpy as np

FIXED_DATE = (2020, 1, 1, 0, 0, 0)


def rezip(data, transform=None, compress=zipfile.ZIP_STORED, extra=()):
    """Re-pack a zip (e.g. a torch checkpoint) with fixed timestamps, optionally editing entries."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compress) as z:
        for info in src.infolist():
            body = src.read(info.filename)
            if transform:
                body = transform(info.filename, body)
            if body is None:
                continue
            z.writestr(zipfile.ZipInfo(info.filename, FIXED_DATE), body, compress_type=compress)
        for name, body in extra:
            z.writestr(zipfile.ZipInfo(name, FIXED_DATE), body, compress_type=compress)
    return out.getvalue()


def zip64(entries):
    """A stored zip written by hand with ZIP64 extra fields and ZIP64 end records (APPNOTE 4.3.14-4.5.3)."""
    out = bytearray()
    central = bytearray()
    for name, body in entries:
        n = name.encode()
        crc = zlib.crc32(body) & 0xFFFFFFFF
        off = len(out)
        local_extra = struct.pack("<HHQQ", 1, 16, len(body), len(body))
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0, crc, 0xFFFFFFFF, 0xFFFFFFFF, len(n), len(local_extra))
        out += n + local_extra + body
        cextra = struct.pack("<HHQQQ", 1, 24, len(body), len(body), off)
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                               len(n), len(cextra), 0, 0, 0, 0, 0xFFFFFFFF)
        central += n + cextra
    cd_off = len(out)
    out += central
    eocd64 = len(out)
    out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, len(entries), len(entries), len(central), cd_off)
    out += struct.pack("<IIQI", 0x07064B50, 0, eocd64, 1)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return bytes(out)


class P:
    """A tiny pickle assembler: enough to write what Python 2 and hostile writers emit."""

    def __init__(self, proto=2):
        self.b = bytearray(b"\x80" + bytes([proto]) if proto >= 2 else b"")
        self.memo = 0

    def op(self, raw):
        self.b += raw
        return self

    def put(self):
        i = self.memo
        self.memo += 1
        return self.op(b"q" + bytes([i]) if i < 256 else b"r" + struct.pack("<I", i))

    def uni(self, text):
        raw = text.encode()
        return self.op(b"X" + struct.pack("<I", len(raw)) + raw)  # BINUNICODE

    def get(self, i):
        return self.op(b"h" + bytes([i]))

    def glob(self, module, name):
        return self.op(b"c" + module.encode() + b"\n" + name.encode() + b"\n")

    def py2str(self, s):
        s = s if isinstance(s, bytes) else s.encode("latin1")
        if len(s) < 256:
            return self.op(b"U" + bytes([len(s)]) + s)  # SHORT_BINSTRING
        return self.op(b"T" + struct.pack("<i", len(s)) + s)  # BINSTRING

    def int(self, v):
        if 0 <= v < 256:
            return self.op(b"K" + bytes([v]))
        if 0 <= v < 65536:
            return self.op(b"M" + struct.pack("<H", v))
        return self.op(b"J" + struct.pack("<i", v))

    def bytes(self):
        return bytes(self.b + b".")


def py2_dtype(p, memo, descr, order):
    """numpy.dtype(descr, 0, 1) + BUILD (3, order, None, None, None, -1, -1, flags), memoised like Python 2."""
    key = (descr, order)
    if key in memo:
        return p.get(memo[key])
    if "dtype" not in memo:
        p.glob("numpy", "dtype")
        memo["dtype"] = p.memo
        p.put()
    else:
        p.get(memo["dtype"])
    p.py2str(descr).int(0).int(1).op(b"\x87R")  # TUPLE3, REDUCE
    memo[key] = p.memo
    p.put()
    flags = 63 if descr.startswith("O") else 0
    p.op(b"(").int(3).py2str(order).op(b"NNN").op(b"J\xff\xff\xff\xffJ\xff\xff\xff\xff").int(flags).op(b"tb")
    return p


def py2_ndarray(p, memo, arr, fortran=False):
    """numpy.core.multiarray._reconstruct(numpy.ndarray, (0,), 'b') + BUILD (1, shape, dtype, fortran, rawdata)."""
    if "recon" not in memo:
        p.glob("numpy.core.multiarray", "_reconstruct")
        memo["recon"] = p.memo
        p.put()
        p.glob("numpy", "ndarray")
        memo["ndarray"] = p.memo
        p.put()
    else:
        p.get(memo["recon"]).get(memo["ndarray"])
    p.int(0).op(b"\x85").py2str("b").op(b"\x87R")  # (0,), 'b', TUPLE3, REDUCE
    p.put()
    p.op(b"(").int(1)
    if arr.ndim > 3:
        p.op(b"(")
    for d in arr.shape:
        p.int(d)
    p.op({0: b")", 1: b"\x85", 2: b"\x86", 3: b"\x87"}.get(arr.ndim, b"t")).put()
    order = {"<": "<", ">": ">", "|": "|", "=": "<"}[arr.dtype.byteorder]
    py2_dtype(p, memo, arr.dtype.str[1:], order)
    p.op(b"\x88" if fortran else b"\x89")
    p.py2str(arr.tobytes(order="F" if fortran else "C")).put()
    return p.op(b"tb")


def npy_header(descr, fortran, shape, version=(1, 0)):
    out = io.BytesIO()
    d = {"descr": descr, "fortran_order": fortran, "shape": shape}
    if version == (1, 0):
        np.lib.format.write_array_header_1_0(out, d)
    else:
        np.lib.format.write_array_header_2_0(out, d)
    return out.getvalue()


def py2_ndarray_obj_header(p, memo):
    """_reconstruct(ndarray, (0,), 'b') + the start of BUILD (1, (), dtype('O8'), False, ..."""
    p.glob("numpy.core.multiarray", "_reconstruct")
    memo["recon"] = p.memo
    p.put()
    p.glob("numpy", "ndarray")
    memo["ndarray"] = p.memo
    p.put()
    p.int(0).op(b"\x85").py2str("b").op(b"\x87R")
    p.put()
    p.op(b"(").int(1).op(b")")
    py2_dtype(p, memo, "O8", "|")
    p.op(b"\x89")


def varint(n):
    n &= (1 << 64) - 1  # negative int32/int64 are 10-byte two's complement varints
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(num, wire, payload):
    key = varint(num << 3 | wire)
    if wire == 0:
        return key + varint(payload)
    if wire == 2:
        return key + varint(len(payload)) + payload
    raise ValueError(wire)


def s(num, text):
    return field(num, 2, text.encode() if isinstance(text, str) else text)


def tensor_proto(name, arr, how):
    code = {np.float32: 1, np.uint8: 2, np.int8: 3, np.int32: 6, np.int64: 7, np.bool_: 9, np.float16: 10, np.float64: 11}[arr.dtype.type]
    out = s(1, b"".join(varint(d) for d in arr.shape)) if arr.ndim else b""  # packed dims
    out += field(2, 0, code) + s(8, name)
    flat = arr.reshape(-1)
    if how == "raw":
        out += s(9, arr.astype(arr.dtype.newbyteorder("<")).tobytes())
    elif how == "float_data":
        out += s(4, flat.astype("<f4").tobytes())
    elif how == "double_data":
        out += s(10, flat.astype("<f8").tobytes())
    elif how == "int64_data":
        out += s(7, b"".join(varint(int(v)) for v in flat))
    elif how == "int32_data":
        vals = flat.view(np.uint16) if arr.dtype == np.float16 else flat
        out += s(5, b"".join(varint(int(v)) for v in vals))
    elif how == "external":
        out += s(13, s(1, "location") + s(2, "weights.bin")) + s(13, s(1, "offset") + s(2, "0")) + field(14, 0, 1)
    return out


def value_info(name, shape):
    dims = b"".join(s(1, field(1, 0, d)) for d in shape)
    return s(1, name) + s(2, s(1, field(1, 0, 1) + s(2, dims)))


def model(inits, metadata=()):
    graph = s(1, s(1, "data_0") + s(1, "conv1_w_0") + s(1, "conv1_b_0") + s(2, "conv1_1") + s(3, "conv1") + s(4, "Conv"))
    graph += s(2, "bvlc_alexnet_tiny")
    graph += b"".join(s(5, t) for t in inits)
    graph += s(11, value_info("data_0", [1, 3, 5, 5])) + s(12, value_info("conv1_1", [1, 2, 3, 3]))
    m = field(1, 0, 7) + s(2, "make_weight_fixtures") + s(3, "1")
    m += s(7, graph)
    for k, v in metadata:
        m += s(14, s(1, k) + s(2, v))
    # opset_import last: a file cut just before it then fails to validate (no opset).
    m += s(8, s(1, "") + field(2, 0, 12))
    return m


def canon(v):
    """The JSON shape test/weights/pickle.test.ts compares decoded values against."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v if abs(v) <= 2**53 - 1 else {"int": str(v)}
    if isinstance(v, float):
        return v
    if isinstance(v, (bytes, bytearray)):
        return {"bytes": v.hex()}
    if isinstance(v, tuple):
        return {"tuple": [canon(x) for x in v]}
    if isinstance(v, list):
        return [canon(x) for x in v]
    if isinstance(v, dict):
        return {"dict": [[canon(k), canon(x)] for k, x in v.items()]}
    if isinstance(v, (set, frozenset)):
        return {"set": sorted(v)}
    raise TypeError(type(v))
