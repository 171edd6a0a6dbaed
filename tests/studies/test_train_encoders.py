"""Training and fine-tuning encoders and encoder-decoders: tensor-parallel shards, both lengths,
the model with its pretraining head. Expected numbers are independent counts in plain ints."""

import pytest

from symparams.errors import OptionError
from symparams.presets import model
from symparams.studies.finetune import finetune
from symparams.studies.plan import TrainingPlan, estimate

VIT = "tests/fixtures/hf_configs/vit-base-patch16-224.json"


def test_vit_tensor_parallel_replicates_the_once_only_tensors():
    h, d_ff, layers, t, labels = 768, 3072, 12, 2, 1000
    layer = (4 * h * h // t + 3 * h // t + h   # q, k, v, o weights split; q, k, v biases split, o's replicated
             + 2 * h * d_ff // t + d_ff // t + h  # MLP: up (weight, bias) column, down row (bias replicated)
             + 4 * h)                             # two LayerNorms, replicated
    once = (h * 3 * 16 * 16 + h  # patch projection: Megatron's plain Linear, replicated
            + h                  # [CLS] token (1 × 1 × h): cannot be split by t
            + 197 * h            # positions
            + 2 * h              # final LayerNorm
            + labels * h + labels)  # ViTForImageClassification's classifier (the pooler dropped)
    est = estimate(model(VIT), TrainingPlan(gpus=2, tp=2))
    assert est.parameters.total == layers * layer + once
    assert est.model.params.total == 86_567_656  # the model trained: with its head (transformers' count)


def test_bert_masked_lm_head_is_vocabulary_parallel():
    h, d_ff, layers, v, t = 768, 3072, 12, 30522, 2
    layer = 4 * h * h // t + 3 * h // t + h + 2 * h * d_ff // t + d_ff // t + h + 4 * h
    embedding = v * h // t + 512 * h + 2 * h + 2 * h  # vocabulary-parallel table; positions, types, LayerNorm
    pooler = h * h + h
    mlm = h * h + h + 2 * h + v // t  # transform (replicated), its LayerNorm, the decoder's V/t bias (tied weight)
    nsp = 2 * h + 2
    est = estimate(model("bert-base"), TrainingPlan(gpus=2, tp=2, seq=128))
    assert est.parameters.total == layers * layer + embedding + pooler + mlm + nsp


def _t5_forward(b, e, s, h=512, layers=6, d_ff=2048, v=32128):
    """T5-small with its tied LM head, FlopCounterMode's count (attention dense: s² pairs)."""
    encoder = layers * (2 * b * e * 4 * h * h + 2 * 2 * b * e * e * h + 2 * 2 * b * e * h * d_ff)
    decoder = layers * (2 * b * s * 4 * h * h + 2 * 2 * b * s * s * h                # self-attention
                        + 2 * b * s * 2 * h * h + 2 * b * e * 2 * h * h + 2 * 2 * b * s * e * h  # cross
                        + 2 * 2 * b * s * h * d_ff)
    return encoder + decoder + 2 * b * s * h * v


def test_t5_train_honours_both_lengths():
    est = estimate(model("t5-small"), TrainingPlan(gpus=1, seq=512, decoder_seq=114))
    assert (est.seq, est.decoder_seq) == (512, 114)
    assert est.step_flops == 3 * _t5_forward(1, 512, 114)
    default = estimate(model("t5-small"), TrainingPlan(gpus=1))  # the preset's 512 input, 114 target tokens
    assert default.step_flops == est.step_flops
    run = estimate(model("t5-small"), TrainingPlan(gpus=1, global_batch=128, tokens=2**35, flops_per_second=10**14))
    assert run.steps == 2**35 // (128 * 512)  # T5's pre-training: 524,288 steps of 128 × 512 input tokens


def test_train_refusals():
    with pytest.raises(OptionError, match="--pp 2: pipeline stages of an encoder-decoder"):
        estimate(model("t5-small"), TrainingPlan(gpus=2, pp=2))
    with pytest.raises(OptionError, match="--decoder-seq 7: bert-base has no decoder"):
        estimate(model("bert-base"), TrainingPlan(gpus=1, decoder_seq=7))
    with pytest.raises(OptionError, match="--seq 196: vit-base-patch16-224 reads 197 tokens"):
        estimate(model(VIT), TrainingPlan(gpus=1, seq=196))
    with pytest.raises(OptionError, match="--decoder-seq 113 is not divisible by --tp 2"):
        estimate(model("t5-small"), TrainingPlan(gpus=2, tp=2, sequence_parallel=True, decoder_seq=113))


def test_finetune_encoder_decoder_lengths():
    r = finetune(model("t5-small"), full=True)
    assert r["workload"] == {"batch": 1, "seq": 512, "decoder_seq": 114}  # not "seq 114": that is the decoder's
    assert r["flops"]["forward"] == _t5_forward(1, 512, 114)
    assert r["params"]["trainable"] == 60_506_624
    short = finetune(model("t5-small"), full=True, batch=2, seq=64, decoder_seq=16)
    assert short["flops"]["forward"] == _t5_forward(2, 64, 16)


def test_finetune_vit_length_is_the_image():
    assert finetune(model(VIT), full=True)["workload"]["seq"] == 197
    with pytest.raises(OptionError, match="--seq 100: vit-base-patch16-224 reads 197 tokens"):
        finetune(model(VIT), full=True, seq=100)
