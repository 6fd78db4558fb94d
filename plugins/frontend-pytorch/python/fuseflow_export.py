#!/usr/bin/env python3
"""Export a PyTorch model for FuseFlow: torch.fx JSON, ONNX, and PyTorch's own reference outputs.

Usage:
  fuseflow_export.py model.py --out DIR [--class Name] [--inputs spec.json] [--name NAME] [--opset 17]
  fuseflow_export.py --batch jobs.json          (several exports in one python start-up)

The model file defines an nn.Module subclass (chosen with --class, or the module attribute
`MODEL`, or the only nn.Module subclass defined in the file) and optionally
`example_inputs(config) -> dict[str, Tensor]` (ordered as forward's parameters; sparse COO
tensors allowed) and `CONFIG` (constructor keyword arguments).

spec.json (all keys optional): {"config": {...ctor kwargs...}, "seed": 0,
  "inputs": {"x": {"shape": [32, 64], "sparse": false, "density": 1.0}}}

Writes DIR/NAME.fx.json, DIR/NAME.onnx and DIR/NAME.io.json. The FX graph keeps torch.sparse.mm
and sparse inputs, which ONNX cannot express: for the ONNX file, sparse inputs are densified
and torch.sparse.mm is exported as MatMul. Works with torch >= 1.13.
"""
import argparse
import base64
import importlib.util
import inspect
import json
import math
import os
import sys

import torch
import torch.fx as fx
from torch.fx.node import _get_qualified_name
from torch.fx.passes.shape_prop import ShapeProp

FORMAT_VERSION = 1


def load_module(path):
    spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(path))[0], path)
    mod = importlib.util.module_from_spec(spec)
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    spec.loader.exec_module(mod)
    return mod


def pick_class(mod, name):
    if name:
        if not hasattr(mod, name):
            raise SystemExit(f"fuseflow-export: {mod.__name__} has no class '{name}'")
        return getattr(mod, name)
    if hasattr(mod, "MODEL"):
        return mod.MODEL
    classes = [c for c in vars(mod).values()
               if inspect.isclass(c) and issubclass(c, torch.nn.Module) and c.__module__ == mod.__name__]
    if len(classes) != 1:
        raise SystemExit(f"fuseflow-export: found {len(classes)} nn.Module classes "
                         f"({', '.join(c.__name__ for c in classes)}); choose one with --class")
    return classes[0]


def make_inputs(mod, cls, model, config, spec):
    names = [p for p in inspect.signature(model.forward).parameters]
    if spec.get("inputs"):
        gen = torch.Generator().manual_seed(int(spec.get("seed", 0)))
        out = {}
        for n in names:
            s = spec["inputs"].get(n)
            if s is None:
                raise SystemExit(f"fuseflow-export: spec has no entry for forward parameter '{n}'")
            t = torch.randn(*s["shape"], generator=gen)
            d = float(s.get("density", 1.0))
            if d < 1.0:
                t = t * (torch.rand(*s["shape"], generator=gen) < d)
            out[n] = t.to_sparse() if s.get("sparse") else t
        return out
    if hasattr(mod, "example_inputs"):
        ins = mod.example_inputs(config)
        missing = [n for n in names if n not in ins]
        if missing:
            raise SystemExit(f"fuseflow-export: example_inputs() lacks {missing}")
        return {n: ins[n] for n in names}
    raise SystemExit("fuseflow-export: give --inputs spec.json or define example_inputs(config) in the model file")


def f32_b64(t):
    return base64.b64encode(t.detach().to(torch.float32).contiguous().numpy().tobytes()).decode("ascii")


def enc_tensor(t):
    t = t.detach()
    if t.is_sparse:
        t = t.to_dense()
    return {"shape": list(t.shape), "dtype": "f32", "b64": f32_b64(t)}


def enc_arg(a):
    if isinstance(a, fx.Node):
        return {"node": a.name}
    if isinstance(a, (list, tuple)):
        return [enc_arg(x) for x in a]
    if isinstance(a, dict):
        return {"dict": {k: enc_arg(v) for k, v in a.items()}}
    if isinstance(a, float) and (math.isinf(a) or math.isnan(a)):
        return {"float": "inf" if a > 0 else ("-inf" if a < 0 else "nan")}
    if isinstance(a, (bool, int, float, str)) or a is None:
        return a
    if isinstance(a, torch.dtype):
        return {"dtype": str(a)}
    if isinstance(a, slice):
        return {"slice": [a.start, a.stop, a.step]}
    if a is Ellipsis:
        return {"ellipsis": True}
    return {"repr": repr(a)}


MODULE_ATTRS = {
    "Linear": ["in_features", "out_features"],
    "LayerNorm": ["normalized_shape", "eps", "elementwise_affine"],
    "Conv2d": ["in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups"],
    "BatchNorm2d": ["num_features", "eps"],
    "MaxPool2d": ["kernel_size", "stride", "padding", "dilation", "ceil_mode"],
    "AvgPool2d": ["kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"],
    "AdaptiveAvgPool2d": ["output_size"],
    "Flatten": ["start_dim", "end_dim"],
    "Softmax": ["dim"],
    "Dropout": ["p"],
}


def fx_json(name, model, traced, inputs, outputs_names):
    mods = dict(traced.named_modules())
    nodes = []
    for n in traced.graph.nodes:
        meta = n.meta.get("tensor_meta")
        entry = {"name": n.name, "op": n.op, "args": enc_arg(n.args), "kwargs": enc_arg(n.kwargs)}
        if n.op == "call_function":
            entry["target"] = _get_qualified_name(n.target)
        else:
            entry["target"] = str(n.target)
        if meta is not None and hasattr(meta, "shape"):
            entry["shape"] = list(meta.shape)
            entry["dtype"] = str(meta.dtype)
        if n.op == "call_module":
            m = mods[n.target]
            t = type(m).__name__
            attrs = {}
            for a in MODULE_ATTRS.get(t, []):
                v = getattr(m, a, None)
                attrs[a] = list(v) if isinstance(v, tuple) else v
            params = {k: f"{n.target}.{k}" for k, _ in list(m.named_parameters(recurse=False)) + list(m.named_buffers(recurse=False))
                      if getattr(m, k) is not None}
            entry["module"] = {"type": t, "attrs": enc_arg(attrs), "params": params}
        nodes.append(entry)
    params = {}
    for k, v in list(model.named_parameters()) + list(model.named_buffers()):
        params[k] = enc_tensor(v)
    ins = []
    for k, v in inputs.items():
        ins.append({"name": k, "shape": list(v.shape), "dtype": "f32", "sparse": bool(v.is_sparse)})
    return {
        "format": "fuseflow-fx", "version": FORMAT_VERSION, "name": name, "torch": torch.__version__,
        "inputs": ins, "outputs": outputs_names, "nodes": nodes, "params": params,
    }


class _DenseSparseMM:
    """Exports torch.sparse.mm as MatMul (ONNX has no sparse tensors)."""

    def __enter__(self):
        self.saved = torch.sparse.mm
        torch.sparse.mm = lambda a, b: torch.matmul(a.to_dense() if a.is_sparse else a, b)
        return self

    def __exit__(self, *exc):
        torch.sparse.mm = self.saved


def as_tuple(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def export_one(model_path, out_dir, class_name=None, spec=None, name=None, opset=17):
    spec = spec or {}
    mod = load_module(model_path)
    cls = pick_class(mod, class_name)
    config = dict(getattr(mod, "CONFIG", {}) or {})
    config.update(spec.get("config", {}))
    torch.manual_seed(int(spec.get("seed", 0)))
    model = cls(**config).eval()
    inputs = make_inputs(mod, cls, model, config, spec)
    name = name or os.path.splitext(os.path.basename(model_path))[0]
    os.makedirs(out_dir, exist_ok=True)

    traced = fx.symbolic_trace(model)
    ShapeProp(traced).propagate(*inputs.values())
    with torch.no_grad():
        out_f32 = as_tuple(model(*inputs.values()))
    out_names = ["out"] if len(out_f32) == 1 else [f"out{i}" for i in range(len(out_f32))]

    with open(os.path.join(out_dir, f"{name}.fx.json"), "w") as f:
        json.dump(fx_json(name, model, traced, inputs, out_names), f)

    dense_inputs = tuple(v.to_dense() if v.is_sparse else v for v in inputs.values())
    with _DenseSparseMM(), torch.no_grad():
        torch.onnx.export(model, dense_inputs, os.path.join(out_dir, f"{name}.onnx"), opset_version=opset,
                          input_names=list(inputs.keys()), output_names=out_names, do_constant_folding=True)

    # The oracle runs in float64 on the float32 weights and inputs, which is what the FuseFlow
    # evaluators compute (they read the float32 data into float64).
    model64 = cls(**config)
    model64.load_state_dict(model.state_dict())
    model64 = model64.double().eval()
    ins64 = [v.double() for v in inputs.values()]
    with torch.no_grad():
        out64 = as_tuple(model64(*ins64))
    io = {
        "name": name, "torch": torch.__version__, "config": config,
        "inputs": {k: {**enc_tensor(v), "sparse": bool(v.is_sparse)} for k, v in inputs.items()},
        "outputs": {n: {"shape": list(o.shape), "data": o.detach().to_dense().flatten().tolist()} for n, o in zip(out_names, out64)},
    }
    with open(os.path.join(out_dir, f"{name}.io.json"), "w") as f:
        json.dump(io, f)
    return {"name": name, "files": [os.path.join(out_dir, f"{name}{s}") for s in (".fx.json", ".onnx", ".io.json")]}


def main(argv):
    p = argparse.ArgumentParser(prog="fuseflow-export", description="Export a PyTorch model for FuseFlow (FX JSON, ONNX, reference outputs).")
    p.add_argument("model", nargs="?", help="python file defining the nn.Module")
    p.add_argument("--out", help="output directory")
    p.add_argument("--class", dest="cls", help="nn.Module class name")
    p.add_argument("--inputs", help="spec.json: config, seed and input shapes")
    p.add_argument("--name", help="base name of the written files (default: the model file's name)")
    p.add_argument("--opset", type=int, default=17, help="ONNX opset (13-17)")
    p.add_argument("--batch", help="jobs.json: a list of {model, out, class?, spec?, name?, opset?}")
    a = p.parse_args(argv)
    if a.batch:
        with open(a.batch) as f:
            jobs = json.load(f)
        results = [export_one(j["model"], j["out"], j.get("class"), j.get("spec"), j.get("name"), j.get("opset", 17)) for j in jobs]
    else:
        if not a.model or not a.out:
            p.error("model.py and --out are required (or --batch jobs.json)")
        spec = {}
        if a.inputs:
            with open(a.inputs) as f:
                spec = json.load(f)
        results = [export_one(a.model, a.out, a.cls, spec, a.name, a.opset)]
    print(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1:])
