"""Hugging Face model ids (``org/name``): the ``config.json`` from the local Hub cache, with no network.

The cache is the one ``huggingface_hub`` and ``transformers`` write: ``$HF_HUB_CACHE`` (else
``$HF_HOME/hub``, else ``~/.cache/huggingface/hub``), one folder per repository,
``models--org--name/``, holding ``refs/<branch or tag>`` (a file with a commit hash) and
``snapshots/<commit>/config.json``. A revision is a branch, a tag or a commit hash (default
``main``).

An id that is not in the cache is downloaded — ``config.json`` only — when ``huggingface_hub``
is installed (extra ``hub``) and ``HF_HUB_OFFLINE`` is not set; otherwise the error says so in
one line, and how to get the file.

>>> is_repo_id("meta-llama/Llama-2-7b-hf"), is_repo_id("gpt2"), is_repo_id("configs/llama.json")
(True, False, False)
>>> cache_folder("meta-llama/Llama-2-7b-hf")
'models--meta-llama--Llama-2-7b-hf'
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from symparams.errors import ConfigError, UnknownModelError

__all__ = ["HubConfig", "is_repo_id", "cache_dir", "cache_folder", "offline", "cached_config", "resolve"]

# huggingface_hub's rules (utils/_validators.py): namespace/name, each [A-Za-z0-9_.-]{1,96}, not starting or
# ending with '-' or '.', no '--' or '..', not ending in '.git'
_PART = r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?"
_REPO_ID = re.compile(rf"{_PART}/{_PART}")
_REVISION = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]{0,199}")
_TRUE = ("1", "ON", "YES", "TRUE")


@dataclass(frozen=True)
class HubConfig:
    """Where a model id's ``config.json`` was found: the file, the id, the revision asked for, the commit."""

    path: Path
    repo_id: str
    revision: str
    commit: str
    downloaded: bool = False

    @property
    def source(self) -> str:
        """``Hugging Face meta-llama/Llama-2-7b-hf config.json (main = 01c7f73d771d)``."""
        at = self.revision if self.revision == self.commit else f"{self.revision} = {self.commit[:12]}"
        how = "downloaded" if self.downloaded else "local Hub cache"
        return f"Hugging Face {self.repo_id} config.json ({at}, {how})"


def _valid_id(name) -> bool:
    return (isinstance(name, str) and _REPO_ID.fullmatch(name) is not None and "--" not in name
            and ".." not in name and not name.endswith((".git", ".json")))


def is_repo_id(name) -> bool:
    """Whether ``name`` has the shape of a Hub model id ``org/name`` and is not a file or folder here."""
    return _valid_id(name) and not Path(name).exists()


def cache_folder(repo_id: str) -> str:
    """The folder of a model repository in the Hub cache: ``models--org--name``."""
    return "--".join(["models", *repo_id.split("/")])


def cache_dir() -> Path:
    """The Hub cache: ``$HF_HUB_CACHE``, ``$HUGGINGFACE_HUB_CACHE``, ``$HF_HOME/hub`` or
    ``$XDG_CACHE_HOME/huggingface/hub`` (default ``~/.cache/huggingface/hub``), as huggingface_hub reads them."""
    def expand(path: str) -> Path:
        return Path(os.path.expandvars(os.path.expanduser(path)))

    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(var):
            return expand(os.environ[var])
    home = os.environ.get("HF_HOME") or os.path.join(os.environ.get("XDG_CACHE_HOME") or "~/.cache", "huggingface")
    return expand(home) / "hub"


def offline() -> bool:
    """``HF_HUB_OFFLINE`` (or ``TRANSFORMERS_OFFLINE``) is set to a true value (1, ON, YES, TRUE)."""
    value = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE") or ""
    return value.upper() in _TRUE


def _check(repo_id: str, revision: str | None) -> str:
    if not _valid_id(repo_id):
        raise UnknownModelError(f"{repo_id!r} is not a Hugging Face model id (expected org/name, e.g. "
                                "meta-llama/Llama-2-7b-hf)")
    revision = "main" if revision is None else revision
    if not isinstance(revision, str) or not _REVISION.fullmatch(revision) or ".." in revision:
        raise ConfigError(f"{repo_id}: revision {revision!r} is not a branch, tag or commit hash "
                          "(letters, digits, '_', '-', '.', '/'; e.g. main or a 40-character commit)")
    return revision


def cached_config(repo_id: str, revision: str | None = None, cache: Path | None = None) -> HubConfig | None:
    """The cached ``config.json`` of ``repo_id`` at ``revision`` (default ``main``), or None."""
    revision = _check(repo_id, revision)
    folder = (cache_dir() if cache is None else Path(cache)) / cache_folder(repo_id)
    ref = folder / "refs" / revision
    commit = ref.read_text(encoding="utf-8").strip() if ref.is_file() else revision
    if not _REVISION.fullmatch(commit) or "/" in commit:
        raise ConfigError(f"{ref}: expected a commit hash, got {commit[:60]!r} (a damaged Hub cache?)")
    if (folder / ".no_exist" / commit / "config.json").is_file():
        raise ConfigError(f"{repo_id}: the Hub cache records that revision {revision} has no config.json "
                          f"({folder / '.no_exist' / commit}); give another --revision")
    path = folder / "snapshots" / commit / "config.json"
    return HubConfig(path, repo_id, revision, commit) if path.is_file() else None


def _get_it(repo_id: str, revision: str) -> str:
    rev = "" if revision == "main" else f" --revision {revision}"
    return f"get it with `hf download {repo_id} config.json{rev}` (huggingface_hub) where the Hub is reachable"


def resolve(repo_id: str, revision: str | None = None) -> HubConfig:
    """The ``config.json`` of a model id: from the cache, else downloaded (that file only) when allowed.

    Raises :class:`~symparams.errors.UnknownModelError` in one line when the id is not cached and
    cannot be downloaded (offline, or ``huggingface_hub`` missing), naming the cache and the fix.
    """
    found = cached_config(repo_id, revision)
    if found is not None:
        return found
    revision = _check(repo_id, revision)
    where = f"{repo_id}: not in the local Hugging Face cache ({cache_dir()}) at revision {revision}"
    if offline():
        raise UnknownModelError(f"{where}, and HF_HUB_OFFLINE is set; {_get_it(repo_id, revision)}, "
                                "or unset HF_HUB_OFFLINE to let symparams download it")
    try:
        from huggingface_hub import hf_hub_download
    except ImportError:
        raise UnknownModelError(f"{where}; pip install 'symparams[hub]' to download its config.json, "
                                f"or {_get_it(repo_id, revision)}") from None
    import logging

    hub_log = logging.getLogger("huggingface_hub")
    level = hub_log.level
    hub_log.setLevel(logging.ERROR)  # its retry warnings would break the one-line error contract
    try:
        path = Path(hf_hub_download(repo_id, "config.json", revision=revision, cache_dir=str(cache_dir())))
    except Exception as exc:  # huggingface_hub's errors (offline, gated, not found, HTTP): one line
        reason = " ".join(str(exc).split())[:300] or type(exc).__name__
        raise UnknownModelError(f"{where}, and downloading its config.json failed ({type(exc).__name__}: "
                                f"{reason}); {_get_it(repo_id, revision)}, or set HF_HUB_OFFLINE=1 "
                                "to use the cache only") from None
    finally:
        hub_log.setLevel(level)
    commit = path.parent.name
    return HubConfig(path, repo_id, revision, commit, downloaded=True)
