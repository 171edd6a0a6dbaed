"""Hugging Face model ids: ``config.json`` from a Hub cache laid out as huggingface_hub writes it.

Each test builds a temporary cache folder with ``models--org--name/refs/main`` (a commit hash) and
``snapshots/<commit>/config.json`` (in huggingface_hub the snapshot file is a symlink into
``blobs/``; both are made here), points ``HF_HUB_CACHE``/``HF_HOME`` at it, and reads ids with no
network. Expected parameter counts are transformers' own (fixtures/transformers_params.json).
"""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest

import symparams
from symparams.cli import main
from symparams.errors import ConfigError, UnknownModelError
from symparams.hf import hub

FIXTURES = Path(__file__).parents[1] / "fixtures" / "hf_configs"
TRANSFORMERS = json.loads((FIXTURES.parent / "transformers_params.json").read_text())
COMMIT = "01c7f73d771dfac7d292323805ebc428287df4f9"


def cache_with(root: Path, repo_id: str, fixture: str, *, commit: str = COMMIT, ref: str = "main",
               symlink: bool = True) -> Path:
    """A Hub cache holding ``repo_id``'s config.json (the fixture's text) at ``ref`` → ``commit``."""
    repo = root / ("models--" + repo_id.replace("/", "--"))
    text = (FIXTURES / f"{fixture}.json").read_text()
    (repo / "refs").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / ref).parent.mkdir(parents=True, exist_ok=True)
    (repo / "refs" / ref).write_text(commit)  # huggingface_hub writes the hash with no newline
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True, exist_ok=True)
    if symlink:
        blob = repo / "blobs" / f"{abs(hash(text)):x}"
        blob.parent.mkdir(exist_ok=True)
        blob.write_text(text)
        (snapshot / "config.json").symlink_to(Path("..") / ".." / "blobs" / blob.name)
    else:
        (snapshot / "config.json").write_text(text)
    return root


@pytest.fixture
def hub_cache(tmp_path, monkeypatch):
    root = tmp_path / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(root))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.chdir(tmp_path)  # 'meta-llama/...' is not a local folder here
    return root


def test_cache_dir_follows_the_environment(tmp_path, monkeypatch):
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert hub.cache_dir() == tmp_path / ".cache" / "huggingface" / "hub"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert hub.cache_dir() == tmp_path / "xdg" / "huggingface" / "hub"
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    assert hub.cache_dir() == tmp_path / "hf" / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "direct"))
    assert hub.cache_dir() == tmp_path / "direct"


@pytest.mark.hub
def test_cache_dir_is_the_one_huggingface_hub_uses(tmp_path):
    """Same environment, same folder as huggingface_hub's own constants (read in a fresh process)."""
    import subprocess

    env = {"HOME": str(tmp_path), "HF_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
    code = "from huggingface_hub import constants; print(constants.HF_HUB_CACHE)"
    theirs = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout.strip()
    ours = subprocess.run([sys.executable, "-c", "from symparams.hf.hub import cache_dir; print(cache_dir())"],
                          env=env, capture_output=True, text=True).stdout.strip()
    assert theirs and ours == theirs


@pytest.mark.parametrize("symlink", [True, False])
def test_model_id_reads_the_cached_snapshot(hub_cache, symlink):
    cache_with(hub_cache, "meta-llama/Llama-2-7b-hf", "llama-2-7b", symlink=symlink)
    m = symparams.from_hf_config("meta-llama/Llama-2-7b-hf")
    assert m.params.total == TRANSFORMERS["llama-2-7b"]
    assert m.name == "meta-llama/Llama-2-7b-hf"
    assert "meta-llama/Llama-2-7b-hf" in m.source and COMMIT[:12] in m.source and "local Hub cache" in m.source
    assert symparams.model("meta-llama/Llama-2-7b-hf").params.total == TRANSFORMERS["llama-2-7b"]


def test_revision_is_a_branch_tag_or_commit(hub_cache):
    other = "f" * 40
    cache_with(hub_cache, "mistralai/Mistral-7B-v0.1", "mistral-7b-v0.1")
    cache_with(hub_cache, "mistralai/Mistral-7B-v0.1", "llama-2-7b", commit=other, ref="refs/pr/3")
    assert symparams.model("mistralai/Mistral-7B-v0.1").params.total == TRANSFORMERS["mistral-7b-v0.1"]
    by_ref = symparams.model("mistralai/Mistral-7B-v0.1", revision="refs/pr/3")
    by_commit = symparams.model("mistralai/Mistral-7B-v0.1", revision=other)
    assert by_ref.params.total == by_commit.params.total == TRANSFORMERS["llama-2-7b"]
    with pytest.raises(UnknownModelError, match="at revision v2.0"):
        symparams.model("mistralai/Mistral-7B-v0.1", revision="v2.0")
    with pytest.raises(ConfigError, match="revision"):
        symparams.model("mistralai/Mistral-7B-v0.1", revision="../../etc")


def test_offline_and_not_cached_is_one_clear_line(hub_cache):
    with pytest.raises(UnknownModelError) as err:
        symparams.model("org/not-cached")
    message = str(err.value)
    assert "\n" not in message
    assert "org/not-cached: not in the local Hugging Face cache" in message and str(hub_cache) in message
    assert "HF_HUB_OFFLINE is set" in message and "hf download org/not-cached config.json" in message


def test_cli_id_not_cached_offline(hub_cache, capsys):
    code = main(["count", "org/not-cached"])
    out = capsys.readouterr()
    assert code == 2 and out.out == "" and out.err.count("\n") == 1
    assert out.err.startswith("symparams: error: org/not-cached: not in the local Hugging Face cache")


def test_without_huggingface_hub_says_how_to_get_it(hub_cache, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setitem(sys.modules, "huggingface_hub", None)  # import fails
    with pytest.raises(UnknownModelError, match=r"pip install 'symparams\[hub\]'"):
        symparams.model("org/not-cached")


def test_download_fetches_only_config_json_when_allowed(hub_cache, monkeypatch):
    """With huggingface_hub (extra 'hub') and HF_HUB_OFFLINE unset, only config.json is asked for,
    at the revision given, into the cache symparams reads."""
    monkeypatch.delenv("HF_HUB_OFFLINE")
    calls = []

    def hf_hub_download(repo_id, filename, *, revision=None, cache_dir=None):
        calls.append((repo_id, filename, revision, cache_dir))
        cache_with(Path(cache_dir), repo_id, "qwen2-7b", commit="a" * 40, ref=revision or "main")
        return str(Path(cache_dir) / ("models--" + repo_id.replace("/", "--")) / "snapshots" / ("a" * 40)
                   / "config.json")

    monkeypatch.setitem(sys.modules, "huggingface_hub", types.SimpleNamespace(hf_hub_download=hf_hub_download))
    m = symparams.model("Qwen/Qwen2-7B", revision="v1")
    assert calls == [("Qwen/Qwen2-7B", "config.json", "v1", str(hub_cache))]
    assert m.params.total == TRANSFORMERS["qwen2-7b"] and "downloaded" in m.source
    calls.clear()
    symparams.model("Qwen/Qwen2-7B", revision="v1")  # now cached: no second download
    assert calls == []


def test_download_failure_is_one_line(hub_cache, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE")

    def hf_hub_download(*args, **kwargs):
        raise OSError("401 Client Error.\nCannot access gated repo")

    monkeypatch.setitem(sys.modules, "huggingface_hub", types.SimpleNamespace(hf_hub_download=hf_hub_download))
    with pytest.raises(UnknownModelError) as err:
        symparams.model("meta-llama/Llama-3.1-8B")
    assert "\n" not in str(err.value) and "Cannot access gated repo" in str(err.value)


def test_a_local_folder_wins_over_an_id(tmp_path, monkeypatch):
    """As in transformers: an existing folder named like an id is read as a folder."""
    folder = tmp_path / "org" / "local"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text((FIXTURES / "gemma-2b.json").read_text())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty"))
    assert not hub.is_repo_id("org/local")
    assert symparams.model("org/local").params.total == TRANSFORMERS["gemma-2b"]


@pytest.mark.parametrize("name,expected", [("meta-llama/Llama-2-7b-hf", True), ("gpt2", False),
                                           ("a/b/c", False), ("org/name.json", False), ("org--x/name", False),
                                           ("org/..", False), ("-org/name", False), ("org/name.git", False)])
def test_what_an_id_is(name, expected, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert hub.is_repo_id(name) is expected


def test_cli_counts_ids_and_files_in_one_call(hub_cache, capsys):
    cache_with(hub_cache, "google/gemma-7b", "gemma-7b")
    code = main(["count", str(FIXTURES / "llama-2-7b.json"), "google/gemma-7b", "gpt2", "--json"])
    out = capsys.readouterr()
    assert code == 0 and out.err == ""
    docs = [json.loads(line) for line in out.out.splitlines()]
    assert [d["params"]["total"] for d in docs] == [TRANSFORMERS["llama-2-7b"], TRANSFORMERS["gemma-7b"], 124_439_808]
    assert docs[1]["model"] == "google/gemma-7b"


def test_revision_without_an_id_is_an_error(capsys):
    code = main(["count", "gpt2", "--revision", "main"])
    out = capsys.readouterr()
    assert code == 2 and out.out == "" and "--revision main is for Hugging Face model ids" in out.err


@pytest.mark.oracle
@pytest.mark.parametrize("name", sorted(TRANSFORMERS))
def test_a_pretrained_config_is_accepted_as_it_is(name):
    """transformers' own config object (AutoConfig from the published config.json) counts the same."""
    from _oracle import require_oracle

    require_oracle()
    from transformers import AutoConfig

    data = json.loads((FIXTURES / f"{name}.json").read_text())
    cfg = AutoConfig.for_model(data.pop("model_type"), **data)
    m = symparams.from_hf_config(cfg)
    assert m.params.total == TRANSFORMERS[name]
    assert type(cfg).__name__ in m.source
    assert symparams.model(cfg).params.total == TRANSFORMERS[name]
