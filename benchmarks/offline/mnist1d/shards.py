"""Finished generator runs packed into immutable, compressed shards that can be committed.

A long generation runs in several sittings, possibly on fresh machines, so its progress must live
somewhere that survives: the repository. A shard (``shard-NNNN.jsonl.gz``) holds the exact run
records (one JSON object a line) that were finished when it was packed and that no earlier shard
holds, so shards are only ever added, never rewritten, and a commit adds only the new runs.
:func:`unpack` writes the records back as run files, so the generator skips them and the
assembler sees every run exactly as it was trained.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any

from nas_sim.atomic import atomic_write_bytes, atomic_write_text
from nas_sim.benchmarks.offline.mnist1d.generator import GeneratorError, runs_dir

CONFIG_NAME = "config.json"


def shard_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("shard-*.jsonl.gz"))


def read_shard(path: Path) -> list[dict[str, Any]]:
    """Records of one shard; a damaged shard is an error naming it (it is never skipped)."""
    try:
        lines = gzip.decompress(path.read_bytes()).decode("utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]
    except (OSError, EOFError, ValueError, UnicodeDecodeError) as e:
        raise GeneratorError(
            f"shard {str(path)!r} is unreadable ({e}); restore it from git"
        ) from None


def packed_keys(shard_dir: str | os.PathLike[str]) -> set[str]:
    return {r["key"] for p in shard_files(Path(shard_dir)) for r in read_shard(p)}


def _check_config(run_folder: Path, shard_dir: Path) -> None:
    mine, theirs = run_folder / CONFIG_NAME, shard_dir / CONFIG_NAME
    if (
        mine.is_file()
        and theirs.is_file()
        and json.loads(mine.read_text()) != json.loads(theirs.read_text())
    ):
        raise GeneratorError(
            f"{str(run_folder)!r} and {str(shard_dir)!r} hold runs of different configurations"
        )


def pack(run_folder: str | os.PathLike[str], shard_dir: str | os.PathLike[str]) -> Path | None:
    """Pack the runs of ``run_folder`` that no shard holds into a new shard; return it (or None)."""
    run_folder, shard_dir = Path(run_folder), Path(shard_dir)
    if not (run_folder / CONFIG_NAME).is_file():
        raise GeneratorError(f"{str(run_folder)!r} is not a generator output folder")
    shard_dir.mkdir(parents=True, exist_ok=True)
    _check_config(run_folder, shard_dir)
    if not (shard_dir / CONFIG_NAME).is_file():
        atomic_write_text(shard_dir / CONFIG_NAME, (run_folder / CONFIG_NAME).read_text())
    have = packed_keys(shard_dir)
    new = []
    for p in sorted(runs_dir(run_folder).glob("*.json")):
        if p.stem not in have:
            new.append(json.loads(p.read_text()))
    if not new:
        return None
    shards = shard_files(shard_dir)
    index = int(shards[-1].name.split("-")[1].split(".")[0]) + 1 if shards else 1
    out = shard_dir / f"shard-{index:04d}.jsonl.gz"
    text = "".join(json.dumps(r, sort_keys=True) + "\n" for r in new)
    # mtime=0: the same runs give the same bytes
    atomic_write_bytes(out, gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    return out


def require_shards(shard_dir: Path) -> None:
    """A folder given as shards must be one (``pack`` writes its config first); a mistyped path is
    an error, never an empty set of shards."""
    if not (shard_dir / CONFIG_NAME).is_file():
        raise GeneratorError(f"{str(shard_dir)!r} holds no shards (no {CONFIG_NAME})")


def unpack(shard_dir: str | os.PathLike[str], run_folder: str | os.PathLike[str]) -> int:
    """Write every shard record missing from ``run_folder`` as a run file; return how many."""
    shard_dir, run_folder = Path(shard_dir), Path(run_folder)
    require_shards(shard_dir)
    _check_config(run_folder, shard_dir)
    runs_dir(run_folder).mkdir(parents=True, exist_ok=True)
    if not (run_folder / CONFIG_NAME).is_file():
        atomic_write_text(run_folder / CONFIG_NAME, (shard_dir / CONFIG_NAME).read_text())
    n = 0
    for shard in shard_files(shard_dir):
        for rec in read_shard(shard):
            path = runs_dir(run_folder) / f"{rec['key']}.json"
            if not path.exists():
                atomic_write_text(path, json.dumps(rec))
                n += 1
    return n
