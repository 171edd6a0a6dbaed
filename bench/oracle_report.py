"""Print what the PyTorch/transformers oracle says for every fixture config.

Run with the oracle venv (torch + transformers installed)::

    /root/oracle-venv/bin/python bench/oracle_report.py [--batch 1] [--seq 16] [--real]

For each ``tests/fixtures/hf_configs/*.json``: model_type, the class
transformers builds, parameter count and buffer elements on the ``meta``
device (full size); then for ``shrink_config(...)`` of it: the shrunk sizes,
forward FLOPs at (batch, seq) by op and by top-level module group, and the KV
cache elements and per-layer shapes after a prefill.  ``--real`` also runs the
tiny model for real on CPU and checks FLOPs/KV agree with the fake-tensor run.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "hf_configs"


def _load_oracle():
    # load the module file directly so that this script does not depend on the
    # rest of the package being importable
    path = ROOT / "symparams" / "testing" / "oracle.py"
    spec = importlib.util.spec_from_file_location("symparams_oracle", path)
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(mod)
    return mod


_SIZE_KEYS = (
    "n_embd", "hidden_size", "n_layer", "num_hidden_layers", "n_head", "num_attention_heads",
    "num_key_value_heads", "num_kv_heads", "head_dim", "n_inner", "intermediate_size", "ffn_dim",
    "word_embed_proj_dim", "vocab_size", "n_positions", "max_position_embeddings",
    "num_local_experts", "num_experts_per_tok", "rotary_pct", "partial_rotary_factor",
    "sliding_window", "tie_word_embeddings", "multi_query",
)


def _group(module_path: str) -> str | None:
    """Collapse FlopCounterMode module paths into per-layer-agnostic groups."""
    parts = module_path.split(".")
    if len(parts) < 2:
        return None
    rest = parts[1:]
    # drop the ".layers.N" / ".h.N" / ".decoder.layers.N" index
    out = []
    i = 0
    while i < len(rest):
        if rest[i].isdigit():
            out[-1] = out[-1] + "[*]"
        else:
            out.append(rest[i])
        i += 1
    return ".".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--seq", type=int, default=16)
    ap.add_argument("--real", action="store_true", help="cross-check with a real tiny CPU model")
    ap.add_argument("--only", default=None, help="regex on fixture file names")
    args = ap.parse_args(argv)

    warnings.filterwarnings("ignore")
    import torch
    import transformers
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    oracle = _load_oracle()
    print(f"# torch {torch.__version__}, transformers {transformers.__version__}")
    print(f"# batch={args.batch} seq={args.seq}\n")

    for path in sorted(FIXTURES.glob("*.json")):
        if args.only and not re.search(args.only, path.name):
            continue
        cfg = json.loads(path.read_text())
        t0 = time.time()
        print(f"## {path.stem}  (model_type={cfg['model_type']})")
        n_params = oracle.hf_param_count(cfg)
        buffers = oracle.hf_buffers(cfg)
        print(f"params (meta)      : {n_params:,}")
        print(f"buffer elements    : {sum(buffers.values()):,}")
        seen = {}
        for name, n in buffers.items():
            key = re.sub(r"\.\d+\.", ".*.", name)
            seen.setdefault(key, []).append(n)
        for key, ns in seen.items():
            print(f"    {key}: {len(ns)} x {ns[0]}")

        small = oracle.shrink_config(cfg)
        sizes = {k: small[k] for k in _SIZE_KEYS if k in small}
        print(f"shrunk             : {json.dumps(sizes)}")
        print(f"shrunk params      : {oracle.hf_param_count(small):,}")
        by_mod = oracle.hf_forward_flops_by_module(small, args.batch, args.seq)
        glob = by_mod["Global"]
        total = sum(glob.values())
        print(f"FLOPs fwd total    : {total:,}")
        print(f"FLOPs by op        : {json.dumps(dict(sorted(glob.items())))}")
        groups: dict[str, dict[str, int]] = {}
        for mod, ops in by_mod.items():
            g = _group(mod)
            if g is None:
                continue
            # keep leaves only: a module whose path is not a prefix of another
            if any(other.startswith(mod + ".") for other in by_mod):
                continue
            d = groups.setdefault(g, {})
            for op, v in ops.items():
                d[op] = d.get(op, 0) + v
        leaf_total = sum(sum(d.values()) for d in groups.values())
        for g, d in sorted(groups.items()):
            print(f"    {g}: {json.dumps(dict(sorted(d.items())))}")
        if leaf_total != total:
            print(f"    (FLOPs outside leaf modules: {total - leaf_total:,})")
        shapes = oracle.hf_kv_cache_shapes(small, args.batch, args.seq)
        kv = sum(oracle.math.prod(k) + oracle.math.prod(v) for k, v in shapes)
        print(f"KV elements        : {kv:,}  (layers={len(shapes)}, K {shapes[0][0]}, V {shapes[0][1]})")
        if args.real:
            real_total = oracle.hf_forward_flops(small, args.batch, args.seq, mode="real")
            real_kv = oracle.hf_kv_cache_elements(small, args.batch, args.seq, mode="real")
            ok = real_total == total and real_kv == kv
            print(f"real CPU check     : flops={real_total:,} kv={real_kv:,} -> {'OK' if ok else 'MISMATCH'}")
        print(f"({time.time() - t0:.1f}s)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
