"""Small weight-file fixtures for test/weights/*.test.ts.

Run: /usr/bin/python3 tools/make_weight_fixtures.py
Writes test/fixtures/weights/: PyTorch checkpoints (zip and legacy, views, shared
storages, wrappers, big-endian, deflate, ZIP64), .npy files (plain, Fortran order, a
Python 3 np.save dict, a hand-assembled Python 2 pickle), ONNX files, safetensors,
pickles of every protocol, hostile and corrupt files, and expected.json with exact
tensor contents (float16 as raw bits, int64 as decimal strings).

Everything is deterministic (fixed seeds, fixed zip timestamps), so re-running the
script reproduces the committed bytes -- except the legacy-format .pth files, whose
storage keys are memory addresses (str(storage._cdata), torch/serialization.py). Hostile files are only ever written here,
never loaded by Python.
"""
import io
import json
import os
import pickle
import struct
import sys
import zipfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from weight_fixture_lib import (FIXED_DATE, P, canon, model, npy_header, py2_ndarray,  # noqa: E402
                                py2_ndarray_obj_header, rezip, tensor_proto, zip64)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "weights")
# A file the hostile pickles would create if anything ever executed them.
PWNED = "/tmp/alexnet-ts-pwned"

EXPECTED = {}


# ---- expected values ------------------------------------------------------------------------

def enc_array(a):
    a = np.asarray(a)
    shape = list(a.shape)  # before ascontiguousarray, which makes 0-d arrays 1-d
    a = np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("="))  # native byte order for .view()
    dt = {np.float32: "float32", np.float64: "float64", np.float16: "float16", np.int64: "int64", np.int32: "int32",
          np.uint8: "uint8", np.int8: "int8", np.bool_: "bool"}[a.dtype.type]
    flat = a.reshape(-1)
    if dt == "float16":
        data = flat.view(np.uint16).tolist()
    elif dt == "int64":
        data = [str(int(x)) for x in flat]
    elif dt == "bool":
        data = [int(x) for x in flat]
    else:
        data = flat.tolist()  # float32 -> exact double, repr round-trips
    return {"dtype": dt, "shape": shape, "data": data}


def expect(fixture, tensors, metadata=None):
    entry = {"tensors": {k: enc_array(v.detach().numpy() if isinstance(v, torch.Tensor) else v) for k, v in tensors.items()}}
    if metadata is not None:
        entry["metadata"] = metadata
    EXPECTED[fixture] = entry


def write(name, data):
    path = os.path.join(OUT, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def torch_bytes(obj, legacy=False):
    b = io.BytesIO()
    torch.save(obj, b, _use_new_zipfile_serialization=not legacy)
    return b.getvalue()  # torch's writers are deterministic (no timestamps), keep their layout


# ---- fixtures -----------------------------------------------------------------------------------

def rng(seed):
    return np.random.default_rng(seed)


def pth_fixtures():
    g = torch.Generator().manual_seed(0)
    base = torch.randn(3, 4, generator=g)
    shared = torch.arange(10, dtype=torch.float32) * 0.25
    sd = {
        "f32": torch.randn(2, 3, generator=g),
        "f16": torch.randn(4, generator=g).half(),
        "f64": torch.randn(2, 2, generator=g).double(),
        "i64": torch.tensor([0, -5, 2**40, -(2**62), 7], dtype=torch.int64),
        "i32": torch.tensor([1, -2, 2**31 - 1], dtype=torch.int32),
        "u8": torch.tensor([0, 1, 200, 255], dtype=torch.uint8),
        "i8": torch.tensor([-128, -1, 0, 127], dtype=torch.int8),
        "bool": torch.tensor([True, False, True]),
        "transposed": base.t(),  # size (4,3) stride (1,4) on base's storage
        "row": base[1],  # storage offset 4
        "strided": base[:, ::2],  # stride (4, 2)
        "shared_a": shared[:6].view(2, 3),
        "shared_b": shared[4:],  # same storage, offset 4
        "scalar": torch.tensor(3.5),
        "param": torch.nn.Parameter(torch.tensor([[1.0, 2.0]])),
        "empty": torch.zeros(0, 3),
    }
    data = torch_bytes(sd)
    write("zip_dtypes.pth", data)
    expect("zip_dtypes.pth", sd)
    write("legacy.pth", torch_bytes(sd, legacy=True))
    expect("legacy.pth", sd)

    # Deflated entries (torch writes stored ones; other zip tools may not).
    write("zip_deflate.pth", rezip(data, compress=zipfile.ZIP_DEFLATED))
    expect("zip_deflate.pth", sd)

    # A real module's state_dict (OrderedDict with _metadata -> BUILD) behind DataParallel
    # and a training-checkpoint wrapper.
    torch.manual_seed(1)
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 2), torch.nn.BatchNorm2d(2), torch.nn.Flatten(), torch.nn.Linear(2, 3))
    dp = torch.nn.DataParallel(net)
    ck = {"epoch": 3, "arch": "alexnet", "state_dict": dp.state_dict(), "best_acc1": 0.5}
    write("zip_wrapped.pth", torch_bytes(ck))
    expect("zip_wrapped.pth", net.state_dict(), {"epoch": "3", "arch": "alexnet", "best_acc1": "0.5"})
    write("zip_model.pth", torch_bytes({"model": net.state_dict()}))
    expect("zip_model.pth", net.state_dict())

    # Big-endian storages: torch >= 2.1 writes <dir>/byteorder; torch 1.13 does not, so
    # swap the bytes of a little-endian checkpoint by hand and add the record.
    small = {"w": torch.tensor([[1.5, -2.25], [3.0, 1e-3]]), "h": torch.tensor([0.5, -1.0]).half(),
             "n": torch.tensor([1, -2, 2**40]), "t": torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).t()}
    little = torch_bytes(small)
    src = zipfile.ZipFile(io.BytesIO(little))
    itemsize = {"0": 4, "1": 2, "2": 8, "3": 4}  # storages are numbered in pickling order: w, h, n, t

    def swap(name, body):
        key = name.rsplit("/", 1)[-1]
        if "/data/" in name:
            size = itemsize[key]
            return b"".join(body[i:i + size][::-1] for i in range(0, len(body), size))
        return body

    write("zip_bigendian.pth", rezip(little, swap, extra=[("archive/byteorder", b"big")]))
    expect("zip_bigendian.pth", small)
    write("zip_little_byteorder.pth", rezip(little, extra=[("archive/byteorder", b"little")]))
    expect("zip_little_byteorder.pth", small)

    # ZIP64 records and extra fields (torch writes these only for > 4 GiB archives).
    entries = [(i.filename, src.read(i.filename)) for i in src.infolist()]
    write("zip64.pth", zip64(entries))
    expect("zip64.pth", small)

    # Corrupt copies
    write("bad/cut_zip.pth", data[: len(data) // 2])
    write("bad/cut_storage.pth", rezip(data, lambda n, b: b[: len(b) // 2] if n == "archive/data/0" else b))
    write("bad/crc.pth", flip_storage_byte(data))
    write("bad/cut_legacy.pth", torch_bytes(sd, legacy=True)[:-7])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("readme.txt", FIXED_DATE), b"hello")
    write("bad/not_a_checkpoint.zip", out.getvalue())

    # A (1e8, 1000) view with stride 0 over a one-element storage: must be refused, not allocated.
    p = P(2).op(b"}").uni("w").glob("torch._utils", "_rebuild_tensor_v2").op(b"(")
    p.op(b"(").uni("storage").glob("torch", "FloatStorage").uni("0").uni("cpu").int(1).op(b"tQ")
    p.int(0).int(100000000).int(1000).op(b"\x86").int(0).int(0).op(b"\x86")
    p.op(b"\x89").glob("collections", "OrderedDict").op(b")Rt").op(b"Rs")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("archive/data.pkl", FIXED_DATE), p.bytes())
        z.writestr(zipfile.ZipInfo("archive/data/0", FIXED_DATE), struct.pack("<f", 1.0))
        z.writestr(zipfile.ZipInfo("archive/version", FIXED_DATE), b"3\n")
    write("bad/expand_bomb.pth", out.getvalue())


def flip_storage_byte(data):
    """Flip one byte inside archive/data/0 without touching the directory: a CRC mismatch."""
    z = zipfile.ZipFile(io.BytesIO(data))
    info = z.getinfo("archive/data/0")
    off = info.header_offset
    name_len, extra_len = struct.unpack("<HH", data[off + 26:off + 30])
    start = off + 30 + name_len + extra_len
    b = bytearray(data)
    b[start + 1] ^= 0xFF
    return bytes(b)


def legacy_view_fixture():
    """Legacy storage views (view_metadata = (view_key, offset, size)), which torch < 0.4
    wrote for storage slices and torch 1.13 can no longer produce: written with
    pickle.Pickler and a persistent_id, following torch/serialization.py _legacy_save."""
    from collections import OrderedDict

    class Storage:
        pass

    root = Storage()

    class Rebuild:
        def __init__(self, offset, size, stride):
            self.a = (root, offset, size, stride, False, OrderedDict())

        def __reduce__(self):
            return torch._utils._rebuild_tensor_v2, self.a

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj):
            if obj is root:
                return ("storage", torch.FloatStorage, "94000000", "cpu", 8, ("94000008", 2, 5))
            return None

    data = np.arange(8, dtype="<f4") * 1.5
    out = io.BytesIO()
    for v in (0x1950A86A20F9469CFC6C, 1001, {"protocol_version": 1001, "little_endian": True, "type_sizes": {"short": 2, "int": 4, "long": 4}}):
        pickle.dump(v, out, protocol=2)
    # view = root[2:7]; tensor a = view[1:4], b = view viewed as (5,) with offset 0
    Pickler(out, protocol=2).dump(OrderedDict([("a", Rebuild(1, (3,), (1,))), ("b", Rebuild(0, (5,), (1,)))]))
    pickle.dump(["94000000"], out, protocol=2)
    out.write(struct.pack("<q", 8) + data.tobytes())
    write("legacy_view.pth", out.getvalue())
    expect("legacy_view.pth", {"a": data[3:6], "b": data[2:7]})


def hostile_fixtures():
    class Reduce:
        def __init__(self, fn, args):
            self.fn, self.args = fn, args

        def __reduce__(self):
            return self.fn, self.args

    import builtins
    import subprocess

    # os.system written by hand (pickling os.system itself records posix.system)
    p = P(2).glob("os", "system").op(b"X" + struct.pack("<I", len("touch " + PWNED))).op(("touch " + PWNED).encode()).op(b"\x85R")
    write("evil/os_system.pth", p.bytes())
    # protocol 4: STACK_GLOBAL with the names as strings
    p = P(4).op(b"\x8c\x02os\x8c\x06system\x93").op(b"\x8c" + bytes([len("touch " + PWNED)]) + ("touch " + PWNED).encode()).op(b"\x85R")
    write("evil/stack_global.pkl", p.bytes())
    # protocol 0 INST
    write("evil/inst.pkl", b"(S'touch " + PWNED.encode() + b"'\nios\nsystem\n.")
    # builtins.eval inside a real torch zip checkpoint
    write("evil/eval.pth", torch_bytes({"w": torch.ones(2), "x": Reduce(builtins.eval, ("__import__('os').system('touch %s')" % PWNED,))}))
    # subprocess.Popen inside an np.save object array
    arr = np.empty((), dtype=object)
    arr[()] = {"conv1": Reduce(subprocess.Popen, (["touch", PWNED],))}
    b = io.BytesIO()
    np.save(b, arr, allow_pickle=True)
    write("evil/popen.npy", b.getvalue())
    # A legacy-format checkpoint whose main pickle calls os.system after a valid preamble.
    pre = io.BytesIO()
    for v in (0x1950A86A20F9469CFC6C, 1001, {"protocol_version": 1001, "little_endian": True, "type_sizes": {"short": 2, "int": 4, "long": 4}}):
        pickle.dump(v, pre, protocol=2)
    write("evil/legacy_system.pth", pre.getvalue() + P(2).glob("posix", "system").op(b"X\x04\x00\x00\x00true\x85R").bytes())
    # Prototype-chain names must not resolve through the JS allow-list object.
    write("evil/proto.pkl", P(2).glob("__proto__", "constructor").op(b")R").bytes())


def npy_fixtures():
    r = rng(2)
    cases = {
        "f4.npy": r.standard_normal((2, 3)).astype("<f4"),
        "f8_big.npy": r.standard_normal((3,)).astype(">f8"),
        "f2.npy": r.standard_normal((2, 2)).astype("<f2"),
        "f2_big.npy": np.array([1.0, -2.5, 65504.0], dtype=">f2"),
        "i8.npy": np.array([[1, -2], [2**50, -(2**63)]], dtype="<i8"),
        "i4_big.npy": np.array([1, -2, 123456789], dtype=">i4"),
        "u1.npy": np.array([[0, 255], [7, 128]], dtype="|u1"),
        "i1.npy": np.array([-128, 5, 127], dtype="|i1"),
        "b1.npy": np.array([True, False, False, True]),
        "scalar_f8.npy": np.array(2.75),
        "empty_f4.npy": np.zeros((0, 3), dtype="<f4"),
    }
    for name, a in cases.items():
        b = io.BytesIO()
        np.save(b, a)
        write("npy/" + name, b.getvalue())
        expect("npy/" + name, {name[:-4]: a})
    # Fortran order: data on disk is column-major; readers must return C order.
    for name, a in {"fortran_f4.npy": r.standard_normal((3, 4)).astype("<f4"),
                    "fortran_i4_3d.npy": np.arange(24, dtype="<i4").reshape(2, 3, 4) * 3 - 7}.items():
        f = np.asfortranarray(a)
        b = io.BytesIO()
        np.save(b, f)
        assert b"'fortran_order': True" in b.getvalue()
        write("npy/" + name, b.getvalue())
        expect("npy/" + name, {name[:-4]: a})
    # Format versions 2.0 and 3.0 (written explicitly; np.save picks them only when needed)
    a = r.standard_normal((2, 2)).astype("<f4")
    for ver in ((2, 0), (3, 0)):
        b = io.BytesIO()
        np.lib.format.write_array(b, a, version=ver)
        name = "npy/v%d.npy" % ver[0]
        write(name, b.getvalue())
        expect(name, {"v%d" % ver[0]: a})

    # np.save of a dict in Python 3 (pickle protocol 3: raw data as BINBYTES), kratzert layout.
    conv1_w = r.standard_normal((3, 3, 2, 4)).astype(np.float32)
    conv1_b = r.standard_normal((4,)).astype(np.float32)
    fc8_w = r.standard_normal((5, 3)).astype(np.float32)
    fc8_b = r.standard_normal((3,)).astype(np.float32)
    d = {"conv1": [conv1_w, conv1_b], "fc8": [fc8_w, fc8_b], "scale": np.float64(0.125)}
    b = io.BytesIO()
    np.save(b, d, allow_pickle=True)
    write("npy/dict_py3.npy", b.getvalue())
    flat = {"conv1/weights": conv1_w, "conv1/biases": conv1_b, "fc8/weights": fc8_w, "fc8/biases": fc8_b, "scale": np.array(0.125)}
    expect("npy/dict_py3.npy", flat)

    # The same at pickle protocol 2: Python 3 then pickles bytes as _codecs.encode(str, 'latin1').
    arr = np.empty((), dtype=object)
    arr[()] = {"conv1": [conv1_w, conv1_b], "fc8": [fc8_w, fc8_b]}
    body = pickle.dumps(arr, protocol=2)
    assert b"_codecs" in body
    write("npy/dict_py3_proto2.npy", npy_header("|O", False, ()) + body)
    expect("npy/dict_py3_proto2.npy", {k: v for k, v in flat.items() if k != "scale"})

    # caffe-tensorflow's layout: {layer: {'weights': w, 'biases': b}}
    b = io.BytesIO()
    np.save(b, {"conv1": {"weights": conv1_w, "biases": conv1_b}}, allow_pickle=True)
    write("npy/dict_nested.npy", b.getvalue())
    expect("npy/dict_nested.npy", {"conv1/weights": conv1_w, "conv1/biases": conv1_b})

    # Python 2 np.save of a dict, as in kratzert/guerzhoy's bvlc_alexnet.npy, assembled
    # opcode by opcode: protocol 2, Python 2 str (SHORT_BINSTRING / BINSTRING) for keys,
    # dtype codes and raw data, numpy.core.multiarray._reconstruct + BUILD.
    fc6_w = r.standard_normal((8, 10)).astype(np.float32)  # 320 bytes: BINSTRING
    fc6_b = r.standard_normal((10,)).astype(np.float32)
    f_w = r.standard_normal((2, 3)).astype(np.float32)
    be_b = np.array([1.25, -0.5], dtype=">f4")
    p = P(2)
    memo = {}
    py2_ndarray_obj_header(p, memo)
    p.op(b"]")  # object array's data: a list of one element, the dict
    p.put()
    p.op(b"}")
    p.put()
    p.op(b"(")
    layers = [("conv1", [conv1_w, conv1_b], None), ("fc6", [fc6_w, fc6_b], None), ("fortran", [f_w], "F"), ("bigend", [be_b], None)]
    for name, arrays, order in layers:
        p.py2str(name)
        p.put()
        p.op(b"]")
        p.put()
        p.op(b"(")
        for a in arrays:
            py2_ndarray(p, memo, a, fortran=order == "F")
        p.op(b"e")  # APPENDS
    p.op(b"u")  # SETITEMS
    p.op(b"a")  # APPEND the dict to the object array's list
    p.op(b"tb")  # close the object array's state tuple, BUILD
    body = p.bytes()
    # Python 3 reads Python 2 numpy pickles with encoding='latin1'; check ours round-trips.
    back = pickle.loads(body, encoding="latin1").item()
    assert list(back) == ["conv1", "fc6", "fortran", "bigend"]
    assert np.array_equal(back["fortran"][0], f_w) and back["fortran"][0].flags.f_contiguous
    assert np.array_equal(back["conv1"][0], conv1_w) and np.array_equal(back["bigend"][0], be_b)
    write("npy/dict_py2.npy", npy_header("|O", False, ()) + body)
    expect("npy/dict_py2.npy", {"conv1/weights": conv1_w, "conv1/biases": conv1_b, "fc6/weights": fc6_w,
                                "fc6/biases": fc6_b, "fortran/weights": f_w, "bigend/weights": be_b.astype("<f4")})

    # np.savez / np.savez_compressed: a zip of .npy files (re-packed for fixed timestamps)
    b = io.BytesIO()
    np.savez(b, w=conv1_w, b=conv1_b)
    write("npy/arrays.npz", rezip(b.getvalue()))
    expect("npy/arrays.npz", {"w": conv1_w, "b": conv1_b})
    write("npy/arrays_compressed.npz", rezip(b.getvalue(), compress=zipfile.ZIP_DEFLATED))
    expect("npy/arrays_compressed.npz", {"w": conv1_w, "b": conv1_b})

    # Broken .npy files
    write("bad/header.npy", b"\x93NUMPY\x01\x00\x10\x00{'descr': <f4 }\n" + b"\x00" * 8)
    good = io.BytesIO()
    np.save(good, cases["f4.npy"])
    write("bad/cut_data.npy", good.getvalue()[:-3])
    write("bad/structured.npy", npy_header([("a", "<f4")], False, (1,)) + b"\x00" * 4)
    write("bad/garbage.bin", bytes(rng(9).integers(0, 256, 300, dtype=np.uint8)))


# ---- ONNX ---------------------------------------------------------------------------------------

def onnx_fixtures():
    r = rng(3)
    t = {
        "conv1_w_0": (r.standard_normal((2, 3, 3, 3)).astype(np.float32), "raw"),
        "conv1_b_0": (r.standard_normal((2,)).astype(np.float32), "float_data"),
        "fc6_w_0": (r.standard_normal((4, 6)).astype(np.float32), "raw"),
        "fc6_b_0": (np.array([0.5, -0.25, 1e-8, 3e4], dtype=np.float32), "float_data"),
        "OC2_DUMMY_1": (np.array([1, -1], dtype=np.int64), "int64_data"),
        "big_i64": (np.array([2**40, -(2**62)], dtype=np.int64), "raw"),
        "d64": (np.array([1.0 / 3, -2.5], dtype=np.float64), "double_data"),
        "h16": (np.array([1.0, -0.5, 65504.0], dtype=np.float16), "int32_data"),
        "h16_raw": (np.array([0.25, 2.0], dtype=np.float16), "raw"),
        "u8": (np.array([0, 200, 255], dtype=np.uint8), "int32_data"),
        "i8": (np.array([-128, -3, 127], dtype=np.int8), "int32_data"),
        "b": (np.array([True, False, True]), "int32_data"),
        "i32": (np.array([[-7, 8]], dtype=np.int32), "raw"),
        "scalar": (np.array(4.5, dtype=np.float32), "raw"),
    }
    write("onnx/bvlc_names.onnx", model([tensor_proto(k, a, how) for k, (a, how) in t.items()], [("source", "fixture")]))
    expect("onnx/bvlc_names.onnx", {k: a for k, (a, _) in t.items()}, {"producer_name": "make_weight_fixtures", "producer_version": "1", "source": "fixture"})
    ext = model([tensor_proto("conv1_w_0", t["conv1_w_0"][0], "external")])
    write("onnx/external.onnx", ext)

    # A real exporter's output: torch.onnx.export of a tiny conv net.
    torch.manual_seed(4)
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(8, 3))
    b = io.BytesIO()
    torch.onnx.export(net, torch.zeros(1, 1, 4, 4), b, opset_version=12, do_constant_folding=False)
    write("onnx/torch_export.onnx", b.getvalue())
    expect("onnx/torch_export.onnx", net.state_dict())


# ---- safetensors -----------------------------------------------------------------------------

def safetensors_fixtures():
    """Written per the format spec (huggingface/safetensors README), without the library."""
    r = rng(5)
    ts = {
        "conv1.weight": r.standard_normal((2, 1, 2, 2)).astype(np.float32),
        "conv1.bias": np.array([0.5, -1.5], dtype=np.float32),
        "h": np.array([1.0, -2.0], dtype=np.float16),
        "d": np.array([[1e-300, 2.0]], dtype=np.float64),
        "n": np.array([2**60, -3], dtype=np.int64),
        "i": np.array([-1, 2], dtype=np.int32),
        "u": np.array([9, 250], dtype=np.uint8),
        "c": np.array([-9], dtype=np.int8),
        "b": np.array([True, False]),
    }
    codes = {np.float32: "F32", np.float16: "F16", np.float64: "F64", np.int64: "I64", np.int32: "I32", np.uint8: "U8", np.int8: "I8", np.bool_: "BOOL"}
    header = {"__metadata__": {"format": "pt", "note": "fixture"}}
    body = b""
    for k, a in ts.items():
        raw = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[k] = {"dtype": codes[a.dtype.type], "shape": list(a.shape), "data_offsets": [len(body), len(body) + len(raw)]}
        body += raw
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    write("st/ref.safetensors", struct.pack("<Q", len(h)) + h + body)
    expect("st/ref.safetensors", ts, {"format": "pt", "note": "fixture"})
    # Overlapping tensors: the reference implementation rejects these.
    bad = {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}
    h = json.dumps(bad).encode()
    write("bad/overlap.safetensors", struct.pack("<Q", len(h)) + h + b"\x00" * 8)
    bad = {"a": {"dtype": "BF16", "shape": [1], "data_offsets": [0, 2]}}
    h = json.dumps(bad).encode()
    write("bad/bf16.safetensors", struct.pack("<Q", len(h)) + h + b"\x00" * 2)


# ---- pickles of every protocol -----------------------------------------------------------------

def pickle_fixtures():
    shared = [1, 2]
    strs = ["s%d" % i for i in range(300)]
    value = {
        "none": None, "t": True, "f": False,
        "small": 7, "byte": 255, "u16": 65535, "i32": -(2**31), "big": 2**70, "negbig": -(2**70), "long1": 2**40,
        "float": 1.5, "neg_float": -2.5e-300, "str": "héllo ☃ \n\\ 'q' \"dq\"", "empty": "",
        "bytes": b"\x00\xff\n\\'", "list": [1, [2, [3]]], "tuple0": (), "tuple1": (1,), "tuple2": (1, "a"),
        "tuple3": (1, 2, 3), "tuple5": (1, 2, 3, 4, 5), "shared": (shared, shared), "nested": {"a": [None, True], 3: "int key"},
        "long_list": list(range(1001)),  # two APPENDS batches
        "strs": strs,  # > 256 memoised objects: LONG_BINPUT
        "again": strs[-1],  # ... and LONG_BINGET
    }
    # Sets are only native from protocol 4, bytearray from 5 (earlier ones REDUCE builtins).
    extras = {4: {"set": {3, 1, 2}, "frozenset": frozenset({5, 4})}, 5: {"bytearray": bytearray(b"ab\x00")}}
    expected = {"base": canon(value), "extra": {"4": canon(extras[4]), "5": canon({**extras[4], **extras[5]})}}
    for proto in range(6):
        v = dict(value)
        for since, e in extras.items():
            if proto >= since:
                v.update(e)
        write("pickle/p%d.pkl" % proto, pickle.dumps(v, protocol=proto))
    # Python 2 shapes, assembled by hand: STRING/BINSTRING/SHORT_BINSTRING (py2 str),
    # INT spelled I01/I00 for bools, LONG with an L suffix, FLOAT text, UNICODE.
    p = P(0)
    p.op(b"(dp0\n")
    p.op(b"S'key'\np1\nS'a\\x00b\\'c\\n'\np2\ns")
    p.op(b"S'bools'\np3\n(I01\nI00\nlp4\ns")
    p.op(b"S'long'\np5\nL123456789012345678901L\ns")
    p.op(b"S'neg'\np6\nI-42\ns")
    p.op(b"S'float'\np7\nF0.1\ns")
    p.op(b"S'uni'\np8\nVcaf\\u00e9 \\u2603\np9\ns")
    p.op(b"S'again'\np10\ng2\ns")
    p.op(b"S'bin'\np11\n")
    p.b += b"T" + struct.pack("<i", 3) + b"\xff\x00A" + b"s"
    p.op(b"S'short'\np12\nU\x02hi")
    p.op(b"s")
    write("pickle/py2_p0.pkl", p.bytes())
    back = pickle.loads(p.bytes(), encoding="bytes")
    assert back[b"key"] == b"a\x00b'c\n" and back[b"bools"] == [True, False] and back[b"again"] == back[b"key"], back
    expected["py2_p0"] = {"dict": [
        ["key", {"py2str": b"a\x00b'c\n".hex()}], ["bools", [True, False]], ["long", {"int": "123456789012345678901"}],
        ["neg", -42], ["float", 0.1], ["uni", "café ☃"], ["again", {"py2str": b"a\x00b'c\n".hex()}],
        ["bin", {"py2str": "ff0041"}], ["short", {"py2str": b"hi".hex()}]]}
    EXPECTED["pickles"] = expected


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    pth_fixtures()
    legacy_view_fixture()
    hostile_fixtures()
    npy_fixtures()
    onnx_fixtures()
    safetensors_fixtures()
    pickle_fixtures()
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(EXPECTED, f, indent=None, separators=(",", ":"), sort_keys=True)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs)
    print("wrote %s (%d bytes)" % (OUT, total), file=sys.stderr)


if __name__ == "__main__":
    main()
