#!/usr/bin/env python3
"""Reference side of the safetensors tests: reads and writes files with the
`safetensors` Python package (the Hugging Face reference implementation) so
that tests/formats/safetensors_*_test.cpp can compare polysafe against it.

Commands (all print one JSON document on stdout):
  dump FILE          tensors of FILE as loaded by safetensors.numpy.load_file
                     (BF16, which numpy lacks, through safetensors.deserialize)
  dump-sharded DIR   same for a sharded checkpoint (model.safetensors.index.json)
  resave SRC DST     loads SRC with load_file and writes it back with save_file
                     (same __metadata__) to DST, for byte-for-byte comparison
  write FILE         writes a fixed set of tensors with the reference writer and
                     dumps them

Each tensor is reported as {dtype, shape, hex (raw bytes), f32_hex (values as
float32, float dtypes only)}; F32 tensors also carry f16_hex / bf16_hex, their
round-to-nearest-even conversions computed by numpy, so the C++ conversions can
be compared bit for bit. Hex keeps NaN/inf exact where JSON numbers cannot.
"""
import json
import os
import sys

import numpy as np
from safetensors import deserialize, serialize_file
from safetensors.numpy import load_file, save_file


def bf16_bits_from_f32(a):
    """float32 -> bfloat16 bits, round to nearest even; NaN stays a quiet NaN."""
    u = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    nan = np.isnan(a)
    rounded[nan] = ((u[nan] >> 16) | 0x40).astype(np.uint16)
    return rounded


def describe(dtype, shape, raw):
    out = {"dtype": dtype, "shape": list(shape), "hex": raw.hex()}
    if dtype == "F32":
        arr = np.frombuffer(raw, dtype="<f4")
        out["f32_hex"] = raw.hex()
        with np.errstate(over="ignore", invalid="ignore"):
            out["f16_hex"] = arr.astype("<f2").tobytes().hex()
        out["bf16_hex"] = bf16_bits_from_f32(arr).astype("<u2").tobytes().hex()
    elif dtype == "F16":
        out["f32_hex"] = np.frombuffer(raw, dtype="<f2").astype("<f4").tobytes().hex()
    elif dtype == "BF16":
        bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
        out["f32_hex"] = bits.astype("<u4").tobytes().hex()
    return out


NP_TO_ST = {"float32": "F32", "float16": "F16", "float64": "F64", "int64": "I64",
            "int32": "I32", "uint8": "U8", "int8": "I8", "bool": "BOOL", "int16": "I16",
            "uint16": "U16", "uint32": "U32", "uint64": "U64"}


def dump_file(path):
    with open(path, "rb") as f:
        blob = f.read()
    # deserialize() runs the reference validation and gives raw bytes for every
    # dtype; load_file() is the numpy path users call, checked to agree.
    raw = {name: info for name, info in deserialize(blob)}
    has_bf16 = any(info["dtype"] in ("bfloat16", "BF16") for info in raw.values())
    arrays = {} if has_bf16 else load_file(path)
    header_len = int.from_bytes(blob[:8], "little")
    header = json.loads(blob[8:8 + header_len])
    tensors = {}
    for name, info in raw.items():
        dtype = header[name]["dtype"]
        data = bytes(info["data"])
        if name in arrays:
            arr = arrays[name]
            assert NP_TO_ST[str(arr.dtype)] == dtype, (name, arr.dtype, dtype)
            assert list(arr.shape) == list(info["shape"]), name
            assert arr.astype(arr.dtype.newbyteorder("<")).tobytes() == data, name
        tensors[name] = describe(dtype, info["shape"], data)
    return {"metadata": header.get("__metadata__", {}), "header_len": header_len,
            "numpy_loaded": not has_bf16, "tensors": tensors}


def dump_sharded(directory):
    with open(os.path.join(directory, "model.safetensors.index.json")) as f:
        index = json.load(f)
    tensors, files = {}, {}
    for shard in sorted(set(index["weight_map"].values())):
        d = dump_file(os.path.join(directory, shard))
        files[shard] = sorted(d["tensors"])
        tensors.update(d["tensors"])
    assert sorted(tensors) == sorted(index["weight_map"]), "weight_map and shards disagree"
    return {"index_metadata": index.get("metadata", {}), "files": files, "tensors": tensors}


def write(path):
    f32 = np.array([[0.0, -0.0, 1.0, -2.5], [1e-40, 3.4e38, np.inf, -np.inf],
                    [np.nan, 65504.0, 1.0 / 3.0, -7.25e-5]], dtype=np.float32)
    f16 = np.array([0.0, -1.0, 6.1e-5, 5.96e-8, 65504.0, -np.inf, 0.333], dtype=np.float16)
    tensors = {
        "model.embed.weight": f32,
        "model.norm.weight": f16,
        "model.positions": np.arange(-3, 5, dtype=np.int64).reshape(2, 4),
        "model.mask": np.array([0, 1, 255, 7, 9], dtype=np.uint8),
        "model.empty": np.zeros((0, 3), dtype=np.float32),
        "model.scalar": np.array(2.75, dtype=np.float32),
    }
    save_file(tensors, path, metadata={"format": "np", "writer": "safetensors-python"})
    # numpy has no bfloat16: write a second file through the dtype-agnostic API.
    bf16 = bf16_bits_from_f32(np.array([1.0, -0.15625, 3.0e38, 1e-39, 0.1, -7.0], dtype=np.float32))
    data = np.ascontiguousarray(bf16.astype("<u2"))
    try:  # safetensors >= 0.8 takes TensorSpec (raw pointer); older versions a dict
        from safetensors import TensorSpec
        spec = TensorSpec(dtype="bfloat16", shape=[2, 3], data_ptr=data.ctypes.data,
                          data_len=data.nbytes)
    except ImportError:
        spec = {"dtype": "bfloat16", "shape": [2, 3], "data": data.tobytes()}
    serialize_file({"lm_head.weight": spec}, path + ".bf16", metadata={"format": "pt"})
    return {"main": dump_file(path), "bf16": dump_file(path + ".bf16")}


def resave(src, dst):
    with open(src, "rb") as f:
        blob = f.read()
    header = json.loads(blob[8:8 + int.from_bytes(blob[:8], "little")])
    save_file(load_file(src), dst, metadata=header.get("__metadata__"))
    return {"written": dst}


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "resave":
        json.dump(resave(sys.argv[2], sys.argv[3]), sys.stdout)
        return
    if len(sys.argv) != 3 or sys.argv[1] not in ("dump", "dump-sharded", "write"):
        sys.exit(__doc__)
    cmd, arg = sys.argv[1], sys.argv[2]
    result = {"dump": dump_file, "dump-sharded": dump_sharded, "write": write}[cmd](arg)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
