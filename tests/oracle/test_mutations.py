"""Oracle: real configs mutated, every figure compared with transformers, or both refuse.

Each example takes a published fixture config (shrunk to 2 layers, as the other oracle
tests do) and applies a few mutations drawn from the family's own field table: flags
flipped, a size moved to one of its aliases (or given under both names, equal or not),
an explicit ``head_dim``, KV heads (dividing the heads or not, null), sliding windows and
``use_sliding_window`` / ``max_window_layers``, RoPE scaling dicts (valid, unknown type,
missing keys, a partial rotary factor), activations (every ``ACT2FN`` name and a few it
does not know), expert counts, nulls in the fields the family reads, unknown extra keys.
(A null in a field no count depends on, such as ``rms_norm_eps``, is refused by
transformers' typed config and read by nobody here: not drawn.)

Then: if symparams accepts the variant, transformers must build it and run a prefill,
and parameters, buffers, forward FLOPs (FlopCounterMode) and the KV cache must be equal,
exactly. If transformers refuses it (its config class, the model's constructor or its
forward raises), symparams must refuse it too (a ``ConfigError`` naming the field). A
variant symparams refuses and transformers accepts is allowed (counted as conservative).

``HYPOTHESIS_PROFILE=ci`` draws 1,200 variants, the default profile 40.
``SYMPARAMS_MUTATION_STATS=path`` writes the tallies (tried, exact, refused by both,
refused by symparams only, by reason) as JSON. ``SYMPARAMS_MUTATION_RECORD=path`` writes every variant
(config, batch, length, transformers' four figures or the exception it raised, symparams' verdict) as
gzipped JSON: ``tests/fixtures/mutation_variants.json.gz`` is such a record (see
``tests/hf/test_recorded_variants.py``, which replays it without torch).
"""

from __future__ import annotations

import copy
import io
import json
import logging
import os
import warnings
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from symparams.errors import SymparamsError
from symparams.families import FAMILIES
from symparams.hf.fields import ACTIVATIONS, WEIGHTED_ACTIVATIONS

from _oracle import workload, FIXTURE_NAMES, fixture, flops_mode, require_oracle
from _oracle import symparams_figures as _symparams

pytestmark = pytest.mark.oracle

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "dev")
VARIANTS = int(os.environ.get("SYMPARAMS_MUTATION_VARIANTS", 0)) or {"ci": 1200}.get(PROFILE, 40)
STATS: Counter = Counter()
RECORD: list = []

ROPE = [
    {"rope_type": "linear", "factor": 2.0},
    {"rope_type": "dynamic", "factor": 4.0},
    {"type": "linear", "factor": 2.0},
    {"rope_type": "yarn", "factor": 2.0},
    {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
     "original_max_position_embeddings": 64},
    {"rope_type": "linear"},  # no factor: transformers refuses
    {"rope_type": "ntk-magic", "factor": 2.0},  # unknown type
    {"rope_type": "linear", "factor": 2.0, "partial_rotary_factor": 0.5},
    {"rope_type": "default", "partial_rotary_factor": 0.25},
    "linear",  # not an object
]
ACTS = sorted(ACTIVATIONS | WEIGHTED_ACTIVATIONS) + ["swiglu", "geglu", "GELU", ""]


@pytest.fixture(autouse=True)
def _oracle():
    require_oracle()
    logging.getLogger("transformers").setLevel(logging.CRITICAL)


_SHRUNK: dict = {}


def _shrunk(name: str) -> dict:
    if name not in _SHRUNK:
        from symparams.testing.oracle import shrink_config

        _SHRUNK[name] = shrink_config(fixture(name))
    return copy.deepcopy(_SHRUNK[name])


def _present_key(cfg, spec):
    return next((k for k in (spec.key, *spec.aliases) if k in cfg), None)


@st.composite
def variants(draw):
    """``(label, config)``: a shrunk fixture with 1 to 3 mutations."""
    name = draw(st.sampled_from(FIXTURE_NAMES))
    cfg = _shrunk(name)
    fields = FAMILIES[cfg["model_type"]].fields
    labels = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["flag", "alias", "head_dim", "kv", "window", "rope", "act", "experts", "null",
                                     "extra", "size"]))
        specs = [(n, s) for n, s in fields.items()]
        if kind == "flag":
            flags = [(n, s) for n, s in specs if s.kind == "flag"]
            if flags:
                n, s = draw(st.sampled_from(flags))
                key = _present_key(cfg, s) or s.key
                cfg[key] = not cfg.get(key, s.default)
                labels.append(f"flip {key}")
        elif kind == "alias":
            aliased = [(n, s) for n, s in specs if s.aliases and _present_key(cfg, s)]
            if aliased:
                n, s = draw(st.sampled_from(aliased))
                key = _present_key(cfg, s)
                other = draw(st.sampled_from([k for k in (s.key, *s.aliases) if k != key]))
                how = draw(st.sampled_from(["move", "both equal", "both different"]))
                value = cfg[key]
                if how == "move":
                    del cfg[key]
                    cfg[other] = value
                elif how == "both equal":
                    cfg[other] = value
                else:
                    cfg[other] = value * 2 if isinstance(value, int) and not isinstance(value, bool) else value
                labels.append(f"{how}: {key} -> {other}")
        elif kind == "head_dim":
            cfg["head_dim"] = draw(st.sampled_from([3, 4, 6, 8, 16, 24, 32, 40, 48]))
            labels.append(f"head_dim {cfg['head_dim']}")
        elif kind == "kv":
            spec = fields.get("kv_heads")
            key = (_present_key(cfg, spec) or spec.key) if spec else "num_key_value_heads"
            cfg[key] = draw(st.sampled_from([None, 1, 2, 3, 4, 8]))
            labels.append(f"{key} {cfg[key]}")
        elif kind == "window":
            cfg["sliding_window"] = draw(st.sampled_from([None, 1, 2, 3, 5, 8, 4096]))
            if draw(st.booleans()):
                cfg["use_sliding_window"] = draw(st.booleans())
            if draw(st.booleans()):
                cfg["max_window_layers"] = draw(st.integers(0, 3))
            labels.append(f"window {cfg['sliding_window']}, use {cfg.get('use_sliding_window')}, "
                          f"from {cfg.get('max_window_layers')}")
        elif kind == "rope":
            key = draw(st.sampled_from(["rope_scaling", "rope_parameters"]))
            cfg[key] = copy.deepcopy(draw(st.sampled_from(ROPE)))
            if isinstance(cfg[key], dict) and key == "rope_parameters":
                cfg[key].setdefault("rope_theta", 10000.0)
            labels.append(f"{key} {cfg[key]}")
        elif kind == "act":
            spec = fields.get("act")
            key = (_present_key(cfg, spec) or spec.key) if spec else "hidden_act"
            cfg[key] = draw(st.sampled_from(ACTS))
            labels.append(f"{key} {cfg[key]!r}")
        elif kind == "experts":
            for n in ("experts", "top_k"):
                if n in fields:
                    key = _present_key(cfg, fields[n]) or fields[n].key
                    cfg[key] = draw(st.integers(1, 6))
            labels.append("experts " + ", ".join(f"{fields[n].key}" for n in ("experts", "top_k") if n in fields))
        elif kind == "null":  # a field the family reads (a null eps or initializer_range changes no count)
            keys = sorted({_present_key(cfg, s) or s.key for s in fields.values()} | {"rope_scaling", "pad_token_id"})
            key = draw(st.sampled_from(keys))
            cfg[key] = None
            labels.append(f"null {key}")
        elif kind == "extra":
            cfg[draw(st.sampled_from(["unknown_field", "foo_size", "n_experts", "moe_layers"]))] = draw(
                st.integers(1, 8))
            labels.append("extra key")
        else:  # a core size changed: divisibility and ratios move
            sizes = [(n, s) for n, s in specs if s.kind == "size" and _present_key(cfg, s)
                     and isinstance(cfg[_present_key(cfg, s)], int)]
            if sizes:
                n, s = draw(st.sampled_from(sizes))
                key = _present_key(cfg, s)
                cfg[key] = draw(st.sampled_from([1, 2, 3, 5, 8, 12, 16, 24, 64]))
                labels.append(f"{key} {cfg[key]}")
    return f"{name}: " + "; ".join(labels), cfg


def _lengths(cfg, s):
    """``(s, lengths)`` of the forward both sides run (an encoder-decoder's encoder reads ``s_enc``), or
    ``(s, {})`` where symparams refuses the config (the comparison then only asks transformers)."""
    try:
        return workload(cfg, s)
    except SymparamsError:
        return s, {}


def _transformers(cfg, b, s):
    """``(params, buffers, forward FLOPs, KV elements)`` from transformers, or the exception it raises."""
    import math

    import torch

    from symparams.testing import oracle

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with torch.device("meta"):
                model = oracle._build_model(cfg)
            params = sum(p.numel() for p in model.parameters())
            buffers = sum(x.numel() for x in model.buffers())
            mode = flops_mode(cfg)
            s, lengths = _lengths(cfg, s)
            try:
                fc, out = oracle._run_forward(cfg, b, s, mode=mode, use_cache=True, count_flops=True, **lengths)
            except torch._subclasses.fake_tensor.DataDependentOutputException:
                # fake tensors cannot run what reads a tensor's value (dynamic RoPE's length check): the
                # shrunk config runs on real tensors instead
                fc, out = oracle._run_forward(cfg, b, s, mode="real", use_cache=True, count_flops=True, **lengths)
            flops = fc.get_total_flops()
            cache = getattr(out, "past_key_values", None)  # an encoder's output has none: nothing cached
            kv = 0 if cache is None else sum(math.prod(k.shape) + math.prod(v.shape)
                                             for k, v in oracle._cache_tensors(cache)
                                             if k is not None and v is not None)
    except Exception as exc:  # noqa: BLE001 - any refusal of transformers' config, constructor or forward
        return exc
    return int(params), int(buffers), int(flops), int(kv)


@settings(max_examples=VARIANTS, suppress_health_check=list(HealthCheck), deadline=None)
@given(variants(), st.integers(1, 2), st.integers(1, 9))
def test_mutated_configs_match_transformers_or_are_refused(variant, b, s):
    label, cfg = variant
    ours = _symparams(cfg, b, s)
    theirs = _transformers(cfg, b, s)
    STATS["tried"] += 1
    if os.environ.get("SYMPARAMS_MUTATION_RECORD"):
        RECORD.append({"label": label, "config": copy.deepcopy(cfg), "batch": b, "seq": s,
                       "transformers": ({"refused": type(theirs).__name__} if isinstance(theirs, Exception)
                                        else list(theirs)),
                       "symparams": "refused" if isinstance(ours, Exception) else "counted"})
    if isinstance(theirs, Exception):
        assert isinstance(ours, Exception), (
            f"transformers refuses {label} ({type(theirs).__name__}: {str(theirs)[:200]}) but symparams counted "
            f"{ours}; config {cfg}")
        STATS["refused by both"] += 1
        STATS[f"refused by both: {type(theirs).__name__}"] += 1
        return
    if isinstance(ours, Exception):
        STATS["refused by symparams only"] += 1
        STATS[f"refused by symparams only: {str(ours).split(': ', 1)[-1][:70]}"] += 1
        return
    assert ours == theirs, f"{label}: symparams {ours} != transformers {theirs} (params, buffers, FLOPs, KV); {cfg}"
    STATS["exact"] += 1


def teardown_module(module):
    path = os.environ.get("SYMPARAMS_MUTATION_STATS")
    if path and STATS:
        with open(path, "w") as fh:
            json.dump(dict(STATS.most_common()), fh, indent=1)
    record = os.environ.get("SYMPARAMS_MUTATION_RECORD")
    if record and RECORD:
        import gzip
        import transformers

        with open(record, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz, \
                io.TextIOWrapper(gz, encoding="utf-8") as fh:  # mtime 0: the same bytes on every run
            json.dump({"transformers": transformers.__version__, "profile": PROFILE, "variants": RECORD}, fh,
                      separators=(",", ":"))
