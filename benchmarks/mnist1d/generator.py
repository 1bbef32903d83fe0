"""Resumable generator: trains planned (architecture, seed) runs and stores one JSON file per run.

Each finished run is written atomically (temporary file + ``os.replace``) to ``OUT/runs/``, so a
killed generator leaves only whole run files plus, at worst, stray temporary files. On start the
generator removes and reports those strays and any unreadable run file, skips runs already done,
and refuses an output folder made with a different configuration (``OUT/config.json``) so runs of
two pipelines are never mixed.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from nas_sim.atomic import atomic_write_text
from nas_sim.benchmarks.mnist1d.data import DataConfig, Splits
from nas_sim.benchmarks.mnist1d.network import Arch201, NetworkConfig
from nas_sim.benchmarks.mnist1d.training import TrainingConfig
from nas_sim.benchmarks.spaces.nb201 import NB201Space

Job = tuple[Arch201, int]
RUN_FORMAT_VERSION = 1


class GeneratorError(ValueError):
    """A generator input or output folder that cannot be used."""


@dataclass(frozen=True)
class GeneratorConfig:
    """Everything that determines a run's numbers besides (arch, seed) and the device."""

    training: TrainingConfig = field(default_factory=TrainingConfig)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    data: DataConfig = field(default_factory=DataConfig)

    def to_json(self) -> dict[str, Any]:
        return {"format_version": RUN_FORMAT_VERSION, **asdict(self)}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> GeneratorConfig:
        return cls(
            training=TrainingConfig(**d["training"]),
            network=NetworkConfig(**d["network"]),
            data=DataConfig(**d["data"]),
        )


def run_key(arch: Arch201, seed: int) -> str:
    """File stem of a run: op digits in arch-string order and the seed, e.g. ``a310042-s0``."""
    return f"a{''.join(map(str, arch))}-s{seed}"


def runs_dir(out: Path) -> Path:
    return out / "runs"


def prepare_output(out: str | os.PathLike[str], config: GeneratorConfig) -> tuple[Path, list[str]]:
    """Create/check ``out``, remove leftovers of a killed run; return the folder and what was removed.

    Raises :class:`GeneratorError` if ``out`` cannot be written or holds runs of another config.
    """
    out = Path(out)
    try:
        runs_dir(out).mkdir(parents=True, exist_ok=True)
        atomic_write_text(out / ".write-probe", "ok")
        (out / ".write-probe").unlink()
    except OSError as e:
        raise GeneratorError(f"output folder {str(out)!r} is not writable: {e}") from None
    cfg_path = out / "config.json"
    wanted = config.to_json()
    if cfg_path.exists():
        try:
            found = json.loads(cfg_path.read_text())
        except (OSError, ValueError) as e:
            raise GeneratorError(
                f"{cfg_path} is unreadable ({e}); remove it to start afresh"
            ) from None
        if found != wanted:
            raise GeneratorError(
                f"output folder {str(out)!r} holds runs of another configuration ({found}); "
                f"this run uses {wanted}; choose another --out"
            )
    else:
        atomic_write_text(cfg_path, json.dumps(wanted, indent=1, sort_keys=True))
    removed = []
    for p in sorted(runs_dir(out).iterdir()):
        if p.name.endswith(".tmp"):
            # atomic_write_* names its temporary files ".NAME.XXXX.tmp": a write cut off by a kill
            p.unlink()
            removed.append(f"{p.name} (temporary file of an interrupted write)")
        elif p.suffix == ".json":
            try:
                rec = json.loads(p.read_text())
                if rec.get("key") != p.stem or len(rec["val_accuracy"]) != config.training.epochs:
                    raise ValueError("incomplete record")
            except (OSError, ValueError, KeyError, TypeError) as e:
                p.unlink()
                removed.append(f"{p.name} (unreadable run file: {e})")
    return out, removed


def finished_keys(out: Path) -> set[str]:
    return {p.stem for p in runs_dir(out).glob("*.json")}


# -------------------------------------------------------------------- worker side
_WORKER: dict[str, Any] = {}


def _init_worker(config: GeneratorConfig, device: str, out: str) -> None:
    """Per-process setup: one torch thread (workers = cores), deterministic kernels, data once."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # needed by deterministic cuBLAS
    import torch

    from nas_sim.benchmarks.mnist1d.data import load_splits
    from nas_sim.benchmarks.mnist1d.training import resolve_device

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True, warn_only=True)
    dev = resolve_device(device)
    _WORKER.update(config=config, device=dev, out=Path(out), data=load_splits(config.data))


def _train_job(job: Job) -> dict[str, Any]:
    from nas_sim.benchmarks.mnist1d.training import train_run

    arch, seed = job
    cfg: GeneratorConfig = _WORKER["config"]
    data: Splits = _WORKER["data"]
    t0, c0 = time.perf_counter(), time.process_time()
    rec = train_run(arch, seed, data, cfg.training, cfg.network, _WORKER["device"])
    rec["key"] = run_key(arch, seed)
    rec["arch"] = NB201Space().format(arch)
    rec["run_wall_s"] = time.perf_counter() - t0
    # CPU seconds of this (single-threaded) worker: the cost on one core even on a busy machine
    rec["run_cpu_s"] = time.process_time() - c0
    # written by the worker, so a run finished just before the parent is killed is still kept
    atomic_write_text(runs_dir(_WORKER["out"]) / f"{rec['key']}.json", json.dumps(rec))
    return {
        "key": rec["key"],
        "val_accuracy": rec["val_accuracy"][-1],
        "run_wall_s": rec["run_wall_s"],
    }


# -------------------------------------------------------------------- driver
def generate(
    jobs: Sequence[Job],
    out: str | os.PathLike[str],
    config: GeneratorConfig | None = None,
    device: str = "auto",
    workers: int = 1,
    log: TextIO | None = None,
    on_done: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Train every job of ``jobs`` not yet in ``out``; return counts and timings.

    ``workers == 0`` trains in this process (tests, debugging); otherwise a pool of ``workers``
    processes, each with one torch thread. Jobs are handed out in order, a few at a time, so the
    finished set is always (nearly) a prefix of the plan.
    """
    from nas_sim.benchmarks.mnist1d.training import resolve_device

    config = config or GeneratorConfig()
    log = log or sys.stdout
    resolve_device(device)  # refuse an unknown device before touching the output folder
    if workers < 0:
        raise GeneratorError(f"workers must be >= 0, got {workers}")
    out_path, removed = prepare_output(out, config)
    for r in removed:
        print(f"recovered: removed {r}", file=log, flush=True)
    done = finished_keys(out_path)
    todo = [j for j in jobs if run_key(*j) not in done]
    print(
        f"plan: {len(jobs)} runs, {len(jobs) - len(todo)} already done, {len(todo)} to train "
        f"on {device} with {workers} worker(s)",
        file=log,
        flush=True,
    )
    t_start = time.perf_counter()
    n_done = 0

    def report(res: dict[str, Any]) -> None:
        nonlocal n_done
        n_done += 1
        elapsed = time.perf_counter() - t_start
        rate = n_done / elapsed * 60
        print(
            f"[{n_done}/{len(todo)}] {res['key']} val_acc={res['val_accuracy']:.4f} "
            f"run={res['run_wall_s']:.1f}s elapsed={elapsed / 60:.1f}min rate={rate:.1f} runs/min",
            file=log,
            flush=True,
        )
        if on_done:
            on_done(res)

    if workers == 0:
        import torch

        # in-process: restore the caller's torch settings afterwards
        threads, det = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
        try:
            _init_worker(config, device, str(out_path))
            for job in todo:
                report(_train_job(job))
        finally:
            torch.set_num_threads(threads)
            torch.use_deterministic_algorithms(det)
            _WORKER.clear()
    elif todo:
        import multiprocessing as mp

        ctx = mp.get_context("spawn")  # fork after torch init is unsafe; spawn is portable
        with ProcessPoolExecutor(
            workers,
            mp_context=ctx,
            initializer=_init_worker,
            initargs=(config, device, str(out_path)),
        ) as pool:
            it = iter(todo)
            pending: set[Future[dict[str, Any]]] = set()
            for job in it:
                pending.add(pool.submit(_train_job, job))
                if len(pending) >= 2 * workers:
                    break
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in finished:
                    report(f.result())
                    nxt = next(it, None)
                    if nxt is not None:
                        pending.add(pool.submit(_train_job, nxt))
    elapsed = time.perf_counter() - t_start
    summary = {
        "planned": len(jobs),
        "skipped": len(jobs) - len(todo),
        "trained": n_done,
        "elapsed_s": elapsed,
        "recovered": removed,
    }
    print(f"done: {summary}", file=log, flush=True)
    return summary
