"""Encoders and encoder-decoders from Hugging Face configs: closed forms, head models, lengths, bad input.

Expected numbers come from transformers 5.23 (``transformers_head_params.json``, measured on the meta
device, see fixtures/hf_configs/SOURCES.md), from the published model cards, or are written out by hand
from the modeling files in the seed notation (l, h, a, V, d_ff, s, ...).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sympy import expand

import symparams
from symparams.costs.registry import COSTS, breakdown
from symparams.errors import ConfigError, ConventionError
from symparams.families import architecture
from symparams.hf import from_hf_config
from symparams.reports.count import count_json
from symparams.symbols import V, a, b, d_ff, h, l, l_dec, n, n_rb, n_type, s, s_enc, s_max

FIXTURES = Path(__file__).parents[1] / "fixtures" / "hf_configs"
HEAD_PARAMS = json.loads((FIXTURES.parent / "transformers_head_params.json").read_text())


def _config(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


@pytest.mark.parametrize("name", sorted(HEAD_PARAMS))
def test_head_params_equal_transformers(name):
    assert from_hf_config(_config(name)).with_head.params.total == HEAD_PARAMS[name]


# published totals (model cards and papers, rounded as they are published); BERT-Base's "110M" and
# ELECTRA-Small's "14M" are the pretraining models' (BertModel alone is 109.5M, ElectraModel 13.5M)
PUBLISHED = {"bert-base-uncased": ("with_head", 110), "roberta-base": ("params", 125),
             "distilbert-base-uncased": ("params", 66), "modernbert-base": ("params", 149),
             "electra-small-discriminator": ("with_head", 14), "t5-small": ("params", 61),
             "flan-t5-base": ("with_head", 248), "bart-large": ("params", 406),
             "vit-base-patch16-224": ("params", 86)}


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_published_totals(name):
    which, millions = PUBLISHED[name]
    m = from_hf_config(_config(name))
    total = m.params.total if which == "params" else m.with_head.params.total
    assert round(total / 1e6) == millions


def test_bert_closed_form_by_hand():
    # BertModel: word + position + type tables, their LayerNorm; per layer Q, K, V, O with biases (4h² + 4h),
    # two LayerNorms (4h), the MLP (2·h·d_ff + d_ff + h); the pooler h² + h
    expected = (V + s_max + n_type) * h + 2 * h + l * (4 * h**2 + 4 * h + 4 * h + 2 * h * d_ff + d_ff + h) + h**2 + h
    m = from_hf_config(_config("bert-base-uncased"))
    assert expand(m.architecture.params().total - expected) == 0
    assert expand(architecture("bert").params().total - expected) == 0
    # BertForPreTraining: MLM transform h² + h, its LayerNorm 2h, the output bias V (decoder tied); NSP 2h + 2
    head = expected + h**2 + h + 2 * h + V + 2 * h + 2
    assert expand(architecture("bert").with_head.params().total - head) == 0


def test_t5_closed_form_by_hand():
    # T5Model v1.0: shared table; per stack its relative bias n_rb·a and a final RMSNorm h; encoder layer:
    # Q, K, V, O (4h²), ReLU MLP (2·h·d_ff), 2 RMSNorms; decoder layer adds cross-attention (4h²) and a norm
    expected = (V * h + 2 * n_rb * a + 2 * h + l * (4 * h**2 + 2 * h * d_ff + 2 * h)
                + l_dec * (8 * h**2 + 2 * h * d_ff + 3 * h))
    assert expand(architecture("t5").params().total - expected) == 0
    m = from_hf_config(_config("t5-small"))
    assert expand(m.architecture.params().total - expected) == 0
    # forward, FlopCounterMode: encoder over s_enc tokens, decoder over s; scores and values 2·2·b·s·k·h each
    enc = 2 * b * s_enc * (4 * h**2 + 2 * h * d_ff) + 2 * 2 * b * s_enc**2 * h
    dec = (2 * b * s * (4 * h**2 + 2 * h * d_ff) + 2 * 2 * b * s**2 * h
           + 2 * b * (2 * s * h**2 + 2 * s_enc * h**2) + 2 * 2 * b * s * s_enc * h)
    assert expand(architecture("t5").forward_flops().total - (l * enc + l_dec * dec)) == 0
    head = l * enc + l_dec * dec + 2 * b * s * h * V
    assert expand(architecture("t5").with_head.forward_flops().total - head) == 0


def test_kv_cache_of_an_encoder_is_zero():
    for name in ("bert-base-uncased", "modernbert-base", "vit-base-patch16-224"):
        m = from_hf_config(_config(name))
        assert m.architecture.kv_cache().total == 0
        assert count_json(str(FIXTURES / f"{name}.json"), seq=16)["memory"]["kv_cache"] == \
            {"self_bytes": 0, "cross_bytes": 0}


def test_encoder_decoder_cache_is_self_plus_cross():
    # after encoding s_enc tokens and decoding s (plus n generated): per decoder layer K and V
    expected = 2 * 2 * b * h * l_dec * (s + n) + 2 * 2 * b * h * l_dec * s_enc
    assert expand(architecture("t5").kv_cache(dtype="bf16").total - expected) == 0
    data = count_json(str(FIXTURES / "bart-large.json"), batch=2, seq=100, decoder_seq=30)
    layers, width = 12, 1024
    assert data["memory"]["kv_cache"] == {"self_bytes": 2 * 2 * layers * 30 * width * 2,
                                          "cross_bytes": 2 * 2 * layers * 100 * width * 2}
    assert data["memory"]["kv_cache_bytes"] == sum(data["memory"]["kv_cache"].values())


def test_lengths_and_defaults():
    bart = from_hf_config(_config("bart-large"))
    assert bart.default_seq() == 1024 and bart.lengths == {s_enc: 1024}
    vit = from_hf_config(_config("vit-base-patch16-224"))
    assert vit.default_seq() == (224 // 16) ** 2 + 1
    # given, the length is an image of s − 1 patches: the patch embedding scales with it
    conv = lambda m, seq: m.forward_flops(1, seq)["patch_embedding.projection"]  # noqa: E731
    assert conv(vit, 50) == 2 * 49 * 3 * 16 * 16 * 768
    data = count_json("vit-base-patch16-224")
    assert data["workload"]["seq"] == 197 and data["workload"]["decoder_seq"] is None


def test_pooler_and_classifier_read_one_token():
    m = from_hf_config(_config("bert-base-uncased"))
    fwd = m.with_head.forward_flops(batch=3, seq=128)
    assert fwd["pooler.pooler.dense"] == 2 * 3 * 768 * 768          # 2·b·h², not 2·b·s·h²
    assert fwd["classifier.classifier.out"] == 2 * 3 * 768 * 2      # next-sentence logits
    assert fwd["mlm_head.decoder"] == 2 * 3 * 128 * 768 * 30522     # every token's logits


def test_head_model_drops_the_pooler_where_transformers_does():
    keys = lambda m: {p.key for p in m.architecture.with_head.params().pieces}  # noqa: E731
    assert "pooler" in keys(from_hf_config(_config("bert-base-uncased")))     # BertForPreTraining keeps it
    assert "pooler" not in keys(from_hf_config(_config("roberta-base")))      # RobertaForMaskedLM does not
    assert "pooler" not in keys(from_hf_config(_config("vit-base-patch16-224")))


def test_t5_tie_flag_follows_the_checkpoint():
    tied, untied = (from_hf_config({**_config("flan-t5-base"), "tie_word_embeddings": flag}) for flag in (True, False))
    assert untied.with_head.params.total - tied.with_head.params.total == 32128 * 768
    assert untied.params.total == tied.params.total  # the base model has no head


def test_modernbert_layer_stacks():
    m = from_hf_config(_config("modernbert-base"))
    stacks = {st.name: m.value(st.count) for st in m.architecture.layer_stacks}
    assert stacks == {"layer0": 1, "local": 14, "global": 7}  # global every third layer from layer 0
    first = m.architecture.stack("layer0").block
    assert [c.key for c in first] == ["attention", "norm", "mlp"]  # no attention norm in layer 0
    # local layers keep keys within local_attention // 2 = 64 positions on either side (ModernBertConfig's
    # sliding_window, as transformers' bidirectional sliding-window mask reads it)
    local = next(c for c in m.architecture.stack("local").block if c.key == "attention")
    assert local.mask == "local" and m.value(local.window) == 128 // 2
    exact = m.forward_flops(1, 300, convention="causal=exact")["attention.scores"]
    dense = m.forward_flops(1, 300)["attention.scores"]
    kept = 300 * 129 - 64 * 65  # pairs with |i − j| ≤ 64 over 300 tokens
    assert dense - exact == 14 * 2 * 12 * 64 * (300 * 300 - kept)


def test_every_cost_works_for_encoders_and_encoder_decoders():
    for name in ("bert-base", "t5-small", "vit-base-patch16-224", "modernbert-base", "bart-large"):
        m = symparams.model(name)
        for model in (m, m.with_head):
            for cost in COSTS:
                if cost == "saved_tensor_bytes":
                    with pytest.raises(ConventionError, match="saved tensors"):
                        breakdown(model.architecture, cost)
                    continue
                for conv in (None, "kaplan", "selective-recompute"):
                    value = model.cost(cost, 2, None, convention=conv, n=3).total
                    assert isinstance(value, int) and value >= 0, (name, cost, conv)
    m = symparams.model("t5-small")
    assert m.training_memory(2, 64, lengths={"s_enc": 256}).total > m.weights_bytes("fp32")
    assert m.activation_memory(2, 64, lengths={"s_enc": 256}).total > 0


def test_count_json_keys_for_a_decoder_are_unchanged_in_value():
    data = count_json("gpt2", seq=64)
    assert data["params"]["with_head"] == data["params"]["total"]
    assert data["flops"]["forward_with_head"] == data["flops"]["forward"]
    assert data["memory"]["kv_cache"] == {"self_bytes": data["memory"]["kv_cache_bytes"], "cross_bytes": 0}


# ---- bad input: one line naming the field ---------------------------------------------------------

_BERT = {"model_type": "bert", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
         "intermediate_size": 96, "vocab_size": 100}
_T5 = {"model_type": "t5", "d_model": 64, "num_layers": 2, "num_heads": 4, "d_ff": 96, "vocab_size": 100}
_VIT = {"model_type": "vit", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
        "intermediate_size": 96}

BAD = [
    ({**_T5, "feed_forward_proj": "gated-swiglu"}, "'feed_forward_proj' = 'gated-swiglu'"),
    ({**_T5, "feed_forward_proj": "relu-gated"}, "'feed_forward_proj' = 'relu-gated'"),
    ({**_VIT, "image_size": 225}, "'image_size' = 225 is not divisible by 'patch_size' = 16"),
    ({**_VIT, "image_size": [224, 200], "patch_size": 16}, "'image_size' = [224, 200]"),
    ({**_VIT, "patch_size": [16, 8]}, "'patch_size' = [16, 8] is not square"),
    ({**_VIT, "image_size": 22.4}, "'image_size' = 22.4"),
    ({**_BERT, "is_decoder": True}, "'is_decoder' = true"),
    ({**_BERT, "position_embedding_type": "relative_key"}, "'position_embedding_type' = 'relative_key'"),
    ({**_BERT, "hidden_size": 66}, "'hidden_size' = 66 is not divisible"),
    ({"model_type": "modernbert", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
      "intermediate_size": 96, "vocab_size": 100, "sparse_prediction": True}, "'sparse_prediction' = true"),
    ({"model_type": "bart", "d_model": 64, "encoder_layers": 1, "decoder_layers": 1, "encoder_attention_heads": 4,
      "decoder_attention_heads": 4, "encoder_ffn_dim": 8, "decoder_ffn_dim": 8, "vocab_size": 10,
      "encoder_layerdrop": 0.1}, "'encoder_layerdrop' = 0.1"),
    ({"model_type": "bart", "d_model": 64, "encoder_layers": 1, "decoder_layers": 1, "encoder_attention_heads": 4,
      "decoder_attention_heads": 5, "encoder_ffn_dim": 8, "decoder_ffn_dim": 8, "vocab_size": 10},
     "'decoder_attention_heads' = 5"),
]


@pytest.mark.parametrize("cfg, message", BAD, ids=[m for _, m in BAD])
def test_bad_configs_name_the_field(cfg, message):
    with pytest.raises(ConfigError) as err:
        from_hf_config(cfg).params  # noqa: B018
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def _cli(tmp_path, argv, cfg=None):
    from symparams.cli import main

    if cfg is not None:
        path = tmp_path / "config.json"
        path.write_text(json.dumps(cfg))
        argv = [str(path) if x == "CFG" else x for x in argv]
    return main(argv)


@pytest.mark.parametrize("argv, cfg, message", [
    (["count", "bert-base", "--decoder-seq", "8"], None, "--decoder-seq 8: bert-base has no decoder"),
    (["count", "gpt2", "--decoder-seq", "8"], None, "--decoder-seq 8: gpt2 has no decoder"),
    (["count", "CFG", "--seq", "8"], _T5, "missing --decoder-seq"),
    (["count", "CFG", "--decoder-seq", "8"], _T5, "missing --seq"),
    (["count", "CFG"], {**_T5, "feed_forward_proj": "swiglu"}, "'feed_forward_proj' = 'swiglu'"),
    (["count", "CFG"], {**_VIT, "image_size": 100}, "'image_size' = 100"),
])
def test_cli_bad_lengths_exit_2(tmp_path, capsys, argv, cfg, message):
    assert _cli(tmp_path, argv, cfg) == 2
    out, err = capsys.readouterr()
    assert out == "" and message in err and err.count("\n") == 1


def test_cli_encoder_decoder_lengths(tmp_path, capsys):
    assert _cli(tmp_path, ["count", "CFG", "--seq", "32", "--decoder-seq", "8", "--json"], _T5) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["workload"]["seq"] == 32 and data["workload"]["decoder_seq"] == 8
    m = from_hf_config(_T5)
    assert data["flops"]["forward"] == m.forward_flops(1, 8, s_enc=32).total
    assert data["flops"]["forward_with_head"] == m.with_head.forward_flops(1, 8, s_enc=32).total


def test_formula_json_for_the_builtin_encoders():
    from symparams.reports.count import formula_json

    bert = formula_json("bert")
    assert {"params", "forward_flops", "params_with_head", "forward_flops_with_head"} <= set(bert)
    assert bert["stacks"] == {"embedding": "1", "block": "l", "pooler": "1"}
    t5 = formula_json("t5", leading=True)
    assert t5["params"] == str(2 * d_ff * h * l + 2 * d_ff * h * l_dec + 4 * h**2 * l + 8 * h**2 * l_dec)
    assert "n_{\\mathrm{type}}" in formula_json("bert", latex=True)["params"]


@pytest.mark.parametrize("cfg, keys", [
    ({**_T5, "num_hidden_layers": 3}, ("num_hidden_layers", "num_layers")),
    ({**_T5, "num_attention_heads": 8}, ("num_attention_heads", "num_heads")),
    ({"model_type": "distilbert", "dim": 64, "hidden_size": 32, "n_layers": 2, "n_heads": 4, "hidden_dim": 8,
      "vocab_size": 10}, ("hidden_size", "dim")),
])
def test_a_field_and_its_attribute_map_name_that_disagree_are_refused(cfg, keys):
    # transformers' attribute_map lets one name win silently; a config holding both with different values
    # is ambiguous, so it is refused naming both keys (equal values are fine)
    from symparams.errors import ConfigError

    with pytest.raises(ConfigError) as exc:
        from_hf_config(cfg)
    assert all(repr(key) in str(exc.value) or key in str(exc.value) for key in keys)
    agreeing = {**cfg, keys[1]: cfg[keys[0]]}
    assert from_hf_config(agreeing).params.total > 0


def test_readme_encoder_table_matches_transformers():
    """The README's encoder table: both transformers columns are the measured tables."""
    import re

    from _oracle import published_params

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    rows = re.findall(r"^\| ([a-z0-9.\-_]+) \| ([\d,]+) \| ([\d,]+) \| ([\d,]+) \| ([\d,]+) \|$", readme, re.M)
    assert len(rows) == len(HEAD_PARAMS)
    base = published_params()
    number = lambda text: int(text.replace(",", ""))  # noqa: E731
    for name, ours, theirs, ours_head, theirs_head in rows:
        assert number(theirs) == base[name] and number(theirs_head) == HEAD_PARAMS[name], name
        model = from_hf_config(_config(name))
        assert (number(ours), number(ours_head)) == (model.params.total, model.with_head.params.total), name
