"""Resumable generator: trains planned (architecture, seed) runs and stores one JSON file per run.

Each finished run is written atomically (temporary file + ``os.replace``) to ``OUT/runs/``, so a
killed generator leaves only whole run files plus, at worst, stray temporary files. On start the
generator removes and reports those strays and any unreadable run file, skips runs already done,
and refuses an output folder made with a different configuration (``OUT/config.json``) so runs of
two pipelines are never mixed.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from nas_sim.atomic import atomic_write_text
from nas_sim.benchmarks.offline.mnist1d.data import DataConfig, Splits
from nas_sim.benchmarks.offline.mnist1d.network import Arch201, NetworkConfig
from nas_sim.benchmarks.offline.mnist1d.training import TrainingConfig
from nas_sim.benchmarks.spaces.nb201 import NB201Space
from nas_sim.interrupt import ignore_sigint, signals_raise, terminate_pool_workers

Job = tuple[Arch201, int]
Group = tuple[Arch201, tuple[int, ...]]
RUN_FORMAT_VERSION = 1


class GeneratorError(ValueError):
    """A generator input or output folder that cannot be used."""


#: ``plain``: one network per process (:func:`~benchmarks.mnist1d.training.train_run`, mnist1d
#: v1); ``seed-batched``: the seeds of a cell in one batched loop
#: (:func:`~benchmarks.mnist1d.seed_batched.train_seeds`, mnist1d v2).
TRAINERS = ("plain", "seed-batched")


@dataclass(frozen=True)
class GeneratorConfig:
    """Everything that determines a run's numbers besides (arch, seed) and the device."""

    training: TrainingConfig = field(default_factory=TrainingConfig)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    data: DataConfig = field(default_factory=DataConfig)
    trainer: str = "plain"

    def __post_init__(self) -> None:
        if self.trainer not in TRAINERS:
            raise GeneratorError(
                f"unknown trainer {self.trainer!r}; choose from: {', '.join(TRAINERS)}"
            )

    def to_json(self) -> dict[str, Any]:
        d = {"format_version": RUN_FORMAT_VERSION, **asdict(self)}
        if self.trainer == "plain":
            # v1 folders were written before the field existed: keep their config.json equal
            del d["trainer"]
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> GeneratorConfig:
        """Parse a config; missing sections and fields take their defaults (v1's)."""
        known = {"format_version", "training", "network", "data", "trainer"}
        unknown = sorted(set(d) - known)
        if unknown:
            raise GeneratorError(
                f"unknown generator config keys {unknown}; valid: {', '.join(sorted(known))}"
            )
        try:
            return cls(
                training=TrainingConfig(**d.get("training", {})),
                network=NetworkConfig(**d.get("network", {})),
                data=DataConfig(**d.get("data", {})),
                trainer=d.get("trainer", "plain"),
            )
        except TypeError as e:
            raise GeneratorError(f"invalid generator config: {e}") from None


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


def cpu_model() -> str:
    """The CPU's model name (Linux ``/proc/cpuinfo``), else what :mod:`platform` says."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_label() -> str:
    """Which machine, and which boot of it, a run was trained on: CPU model and boot id.

    Generation spans sittings on different machines whose speeds differ about 2×, so the
    epoch-time fit needs to know which runs shared a machine (hostnames of cloned virtual
    machines are all alike; a boot id is unique per start of a machine).
    """
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()[:8]
    except OSError:
        boot = platform.node() or "unknown"
    return f"{cpu_model()}, boot {boot}"


def _init_worker(config: GeneratorConfig, device: str, out: str) -> None:
    """Per-process setup: one torch thread (workers = cores), deterministic kernels, data once."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # needed by deterministic cuBLAS
    import torch

    from nas_sim.benchmarks.offline.mnist1d.data import load_splits
    from nas_sim.benchmarks.offline.mnist1d.training import resolve_device

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True, warn_only=True)
    dev = resolve_device(device)
    _WORKER.update(
        config=config,
        device=dev,
        out=Path(out),
        data=load_splits(config.data),
        machine=machine_label(),
    )


def _init_pool_worker(config: GeneratorConfig, device: str, out: str) -> None:
    ignore_sigint()  # Ctrl-C reaches the whole process group; the driver stops the workers
    _init_worker(config, device, out)


def _train_group(group: Group) -> list[dict[str, Any]]:
    """Train one cell's seeds (one at a time or batched, as the config says); write each run."""
    from nas_sim.benchmarks.offline.mnist1d.seed_batched import train_seeds
    from nas_sim.benchmarks.offline.mnist1d.training import train_run

    arch, seeds = group
    cfg: GeneratorConfig = _WORKER["config"]
    data: Splits = _WORKER["data"]
    dev = _WORKER["device"]
    if cfg.trainer == "seed-batched":
        t0, c0 = time.perf_counter(), time.process_time()
        recs = train_seeds(arch, seeds, data, cfg.training, cfg.network, dev)
        # the batch's cost shared equally: what one run adds to it
        timings = [
            ((time.perf_counter() - t0) / len(seeds), (time.process_time() - c0) / len(seeds))
        ]
        timings *= len(seeds)
    else:
        recs, timings = [], []
        for seed in seeds:
            t0, c0 = time.perf_counter(), time.process_time()
            recs.append(train_run(arch, seed, data, cfg.training, cfg.network, dev))
            timings.append((time.perf_counter() - t0, time.process_time() - c0))
    out = []
    for rec, (wall_s, cpu_s) in zip(recs, timings):
        rec["key"] = run_key(arch, rec["seed"])
        rec["arch"] = NB201Space().format(arch)
        rec["run_wall_s"] = wall_s
        # CPU seconds of this (single-threaded) worker: the cost on one core even on a busy machine
        rec["run_cpu_s"] = cpu_s
        rec["machine"] = _WORKER["machine"]
        rec["finished_at_utc"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        # written by the worker, so a run finished just before the parent is killed is still kept
        atomic_write_text(runs_dir(_WORKER["out"]) / f"{rec['key']}.json", json.dumps(rec))
        out.append(
            {"key": rec["key"], "val_accuracy": rec["val_accuracy"][-1], "run_wall_s": wall_s}
        )
    return out


def group_jobs(jobs: Sequence[Job], batched: bool) -> list[Group]:
    """Jobs as work units: with ``batched``, every cell's seeds in one unit, at the position of
    the cell's first job (so a plan's priority order is kept); else one unit per job."""
    if not batched:
        return [(arch, (seed,)) for arch, seed in jobs]
    order: dict[Arch201, list[int]] = {}
    for arch, seed in jobs:
        order.setdefault(arch, []).append(seed)
    return [(arch, tuple(seeds)) for arch, seeds in order.items()]


# -------------------------------------------------------------------- driver
def _require_data_packages() -> None:
    """Fail in the driver, with the install command, rather than in every spawned worker."""
    try:
        import mnist1d  # noqa: F401
        import torch  # noqa: F401
    except ImportError as exc:
        raise GeneratorError(
            f"generating MNIST-1D runs needs the {exc.name!r} package: pip install 'nas-sim[data]'"
        ) from exc


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
    finished set is always (nearly) a prefix of the plan; the ``seed-batched`` trainer hands out
    each cell's unfinished seeds as one unit (a run's numbers do not depend on the grouping).
    """
    from nas_sim.benchmarks.offline.mnist1d.training import resolve_device

    config = config or GeneratorConfig()
    log = log or sys.stdout
    _require_data_packages()
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

    groups = group_jobs(todo, config.trainer == "seed-batched")

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
            for group in groups:
                for res in _train_group(group):
                    report(res)
        finally:
            torch.set_num_threads(threads)
            torch.use_deterministic_algorithms(det)
            _WORKER.clear()
    elif todo:
        import multiprocessing as mp

        ctx = mp.get_context("spawn")  # fork after torch init is unsafe; spawn is portable
        # SIGTERM (a scheduler, a `kill`) raises Interrupted like Ctrl-C, so the workers are
        # stopped with the driver instead of training on as orphans; their unfinished runs
        # leave at most a temporary file, which the next start removes
        with signals_raise():
            pool = ProcessPoolExecutor(
                workers,
                mp_context=ctx,
                initializer=_init_pool_worker,
                initargs=(config, device, str(out_path)),
            )
            try:
                it = iter(groups)
                pending: set[Future[list[dict[str, Any]]]] = set()
                for group in it:
                    pending.add(pool.submit(_train_group, group))
                    if len(pending) >= 2 * workers:
                        break
                while pending:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for f in finished:
                        for res in f.result():
                            report(res)
                        nxt = next(it, None)
                        if nxt is not None:
                            pending.add(pool.submit(_train_group, nxt))
            except BaseException:
                terminate_pool_workers(pool)
                raise
            pool.shutdown()
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
