"""Reading a suite file (TOML) into a :class:`~nas_sim.suite.spec.SuiteSpec`: every key is
checked where it is read, so each error names the file and the key; the format is documented in
:mod:`nas_sim.suite.spec` and ``docs/suites.md``."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn

from nas_sim import registry
from nas_sim.budget import parse_budget
from nas_sim.path_component import PathComponentError, check_path_component
from nas_sim.simulator import OVERHEAD_MODES
from nas_sim.suite.spec import (
    DEFAULT_LCE_WRAPPER,
    LCE_OPTIONS,
    NO_LCE,
    BenchmarkEntry,
    OptimizerEntry,
    SuiteSpec,
    SuiteSpecError,
)
from nas_sim.suite.validate import check_lce_cells

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

_SUITE_KEYS = {
    "name",
    "description",
    "seeds",
    "budget",
    "workers",
    "overhead",
    "lce",
    "e_few",
    "max_jobs",
}
_LCE_KEYS = {"wrapper", "params", *LCE_OPTIONS}
_BENCH_KEYS = {"name", "path", "label", "budget", "e_few", "requires", "lce_options"}
_OPT_KEYS = {"name", "label", "params", "lce", "lce_options"}
_TOP_KEYS = {"suite", "lce", "benchmark", "optimizer"}
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def load_suite(
    path: str | os.PathLike[str], benchmark_paths: Mapping[str, str] | None = None
) -> SuiteSpec:
    """Parse and validate a suite file.

    benchmark_paths : ``{benchmark label: path}`` overrides (``--benchmark-path``), for presets
        whose benchmarks the user built somewhere else.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SuiteSpecError(f"suite file {str(path)!r} does not exist") from None
    except OSError as exc:
        raise SuiteSpecError(f"suite file {str(path)!r} cannot be read: {exc.strerror}") from exc
    try:
        text = raw.decode("utf-8")  # TOML is UTF-8 by definition
    except UnicodeDecodeError as exc:
        raise SuiteSpecError(
            f"{path}: not a TOML suite file: byte {exc.start} is not UTF-8 text (a binary file?)"
        ) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SuiteSpecError(f"{path}: not valid TOML: {exc}") from exc
    return parse_suite(
        data, source=str(path), base_dir=path.parent, benchmark_paths=benchmark_paths
    )


def parse_suite(
    data: Mapping[str, Any],
    *,
    source: str = "<suite>",
    base_dir: str | os.PathLike[str] = ".",
    benchmark_paths: Mapping[str, str] | None = None,
) -> SuiteSpec:
    """Validate a suite given as a dict (the parsed TOML); relative paths are relative to
    ``base_dir``."""
    p = _Parser(source, Path(base_dir))
    p.keys(data, _TOP_KEYS, "the top level")
    suite = p.table(data, "suite", required=True)
    p.keys(suite, _SUITE_KEYS, "[suite]")
    name = p.string(suite, "name", "[suite]", default=Path(source).stem)
    p.component(name, "[suite] name", "the suite name (it names the folder runs/<name>)")
    description = p.string(suite, "description", "[suite]", default="")
    seeds = p.seeds(suite.get("seeds", 1))
    budgets = p.budgets(suite.get("budget", "100x"), "[suite] budget")
    workers = p.int_list(suite.get("workers", 1), "[suite] workers", minimum=1)
    overhead = p.string(suite, "overhead", "[suite]", default="none")
    if overhead not in OVERHEAD_MODES:
        p.fail(
            "[suite] overhead",
            f"unknown overhead mode {overhead!r}; choose from: {', '.join(OVERHEAD_MODES)}",
        )
    max_jobs = suite.get("max_jobs")
    if max_jobs is not None:
        max_jobs = p.int_list(max_jobs, "[suite] max_jobs", minimum=1, scalar=True)[0]
    default_lce = p.lce_list(suite.get("lce", [NO_LCE]), "[suite] lce")
    default_e_few = p.int_list(suite.get("e_few", [20]), "[suite] e_few", minimum=1)

    lce = p.table(data, "lce")
    p.keys(lce, _LCE_KEYS, "[lce]")
    wrapper = p.string(lce, "wrapper", "[lce]", default=DEFAULT_LCE_WRAPPER)
    if wrapper and ":" not in wrapper and wrapper not in registry.names("wrapper"):
        p.fail(
            "[lce] wrapper",
            f"expected a registered wrapper ({', '.join(registry.names('wrapper'))}) or "
            f"'module:attribute', got {wrapper!r}",
        )
    lce_params_raw = p.table(lce, "params", where="[lce]")
    lce_params: dict[str, dict[str, Any]] = {}
    for method, params in lce_params_raw.items():
        if not isinstance(params, Mapping):
            p.fail(f"[lce.params] {method}", "expected a table of constructor parameters")
        p.check_lce_name(method, f"[lce.params] {method}")
        lce_params[method] = dict(params)
    lce_options = {k: v for k, v in lce.items() if k in LCE_OPTIONS}

    benchmarks = []
    for i, b in enumerate(p.array_of_tables(data, "benchmark")):
        where = f"[[benchmark]] #{i + 1}"
        p.keys(b, _BENCH_KEYS, where)
        benchmarks.append(p.benchmark(b, where, budgets, default_e_few, benchmark_paths or {}))
    labels = [b.label for b in benchmarks]
    for i, lab in enumerate(labels):
        p.component(lab, f"[[benchmark]] #{i + 1} label", "the benchmark label")
    if len(set(labels)) != len(labels):
        p.fail("[[benchmark]] label", f"benchmark labels must be unique, got {labels}")
    unknown_override = set(benchmark_paths or {}) - set(labels)
    if unknown_override:
        p.fail(
            "--benchmark-path",
            f"no benchmark labelled {sorted(unknown_override)[0]!r}; labels: {', '.join(labels)}",
        )

    optimizers = []
    for i, o in enumerate(p.array_of_tables(data, "optimizer")):
        where = f"[[optimizer]] #{i + 1}"
        p.keys(o, _OPT_KEYS, where)
        optimizers.append(p.optimizer(o, where, default_lce))
    opt_labels = [o.label for o in optimizers]
    for i, lab in enumerate(opt_labels):
        p.component(lab, f"[[optimizer]] #{i + 1} label", "the optimizer label")
    dup = sorted({x for x in opt_labels if opt_labels.count(x) > 1})
    if dup:
        # reports and plots group runs by label: two configurations under one label would be
        # averaged together (or one silently hidden)
        p.fail(
            "[[optimizer]] label",
            f"optimizer labels must be unique, {dup[0]!r} is used "
            f"{opt_labels.count(dup[0])} times; give each [[optimizer]] its own label = ...",
        )
    spec = SuiteSpec(
        name=name,
        description=description,
        source=source,
        seeds=seeds,
        workers=workers,
        overhead=overhead,
        max_jobs=max_jobs,
        lce_wrapper=wrapper,
        lce_options=lce_options,
        lce_params=lce_params,
        benchmarks=tuple(benchmarks),
        optimizers=tuple(optimizers),
    )
    cells = spec.expand()  # duplicate cells are an error of the file, found now
    check_lce_cells(cells, source)
    return spec


class _Parser:
    def __init__(self, source: str, base_dir: Path) -> None:
        self.source = source
        self.base_dir = base_dir

    def fail(self, key: str, msg: str) -> NoReturn:
        raise SuiteSpecError(f"{self.source}: {key}: {msg}")

    def component(self, value: str, key: str, what: str) -> None:
        try:
            check_path_component(value, what)
        except PathComponentError as exc:
            self.fail(key, str(exc))

    def keys(self, table: Mapping[str, Any], allowed: set[str], where: str) -> None:
        for k in table:
            if k not in allowed:
                self.fail(
                    f"{where} {k}", f"unknown key {k!r}; valid keys: {', '.join(sorted(allowed))}"
                )

    def table(
        self, data: Mapping[str, Any], key: str, required: bool = False, where: str = ""
    ) -> Mapping[str, Any]:
        if key not in data:
            if required:
                self.fail(f"[{key}]", "missing table")
            return {}
        v = data[key]
        if not isinstance(v, Mapping):
            self.fail(f"{where} [{key}]".strip(), f"expected a table, got {v!r}")
        return v

    def array_of_tables(self, data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
        v = data.get(key)
        if v is None:
            self.fail(f"[[{key}]]", f"empty grid: the suite lists no {key}; add a [[{key}]] table")
        if not isinstance(v, list) or not all(isinstance(x, Mapping) for x in v):
            self.fail(f"[[{key}]]", f"expected an array of tables ([[{key}]]), got {v!r}")
        if not v:
            self.fail(f"[[{key}]]", f"empty grid: the suite lists no {key}")
        return v

    def string(self, table: Mapping[str, Any], key: str, where: str, default: str) -> str:
        v = table.get(key, default)
        if not isinstance(v, str):
            self.fail(f"{where} {key}", f"expected a string, got {v!r}")
        return v

    def seeds(self, v: Any) -> tuple[int, ...]:
        where = "[suite] seeds"
        if isinstance(v, int) and not isinstance(v, bool):
            if v < 1:
                self.fail(
                    where, f"empty grid: seeds = {v} gives no seeds; give a count >= 1 or a list"
                )
            return tuple(range(v))
        seeds = self.int_list(v, where, minimum=0)
        if len(set(seeds)) != len(seeds):
            self.fail(where, f"seeds must be distinct, got {list(seeds)}")
        return seeds

    def int_list(self, v: Any, where: str, minimum: int, scalar: bool = False) -> tuple[int, ...]:
        items = [v] if not isinstance(v, list) else v
        if scalar and isinstance(v, list):
            self.fail(where, f"expected an integer, got {v!r}")
        if not items:
            self.fail(where, "empty grid: the list is empty")
        for x in items:
            if isinstance(x, bool) or not isinstance(x, int) or x < minimum:
                self.fail(where, f"expected integers >= {minimum}, got {x!r}")
        return tuple(int(x) for x in items)

    def budgets(self, v: Any, where: str) -> tuple[str, ...]:
        items = [v] if not isinstance(v, list) else v
        if not items:
            self.fail(where, "empty grid: the list is empty")
        out = []
        for x in items:
            if isinstance(x, bool) or not isinstance(x, (str, int, float)):
                self.fail(where, f"expected seconds or 'Nx', got {x!r}")
            try:
                out.append(str(parse_budget(x)))
            except ValueError as exc:
                self.fail(where, str(exc))
        return tuple(out)

    def lce_list(self, v: Any, where: str) -> tuple[str, ...]:
        items = [v] if not isinstance(v, list) else v
        if not items:
            self.fail(where, f"empty grid: the list is empty (use [{NO_LCE!r}] for no LCE)")
        for x in items:
            if not isinstance(x, str):
                self.fail(where, f"expected LCE method names, got {x!r}")
            if x != NO_LCE:
                self.check_lce_name(x, where)
        if len(set(items)) != len(items):
            self.fail(where, f"LCE methods must be distinct, got {items}")
        return tuple(items)

    def check_lce_name(self, name: str, where: str) -> None:
        known = registry.names("lce")
        # Without any LCE plugin installed the names cannot be checked here; such cells are
        # recorded as failed runs with a clear error instead (see runner.build_optimizer).
        if known and name not in known:
            self.fail(
                where, f"unknown LCE method {name!r}; choose from: {NO_LCE}, {', '.join(known)}"
            )

    def benchmark(
        self,
        b: Mapping[str, Any],
        where: str,
        budgets: tuple[str, ...],
        e_few: tuple[int, ...],
        overrides: Mapping[str, str],
    ) -> BenchmarkEntry:
        name, path = b.get("name"), b.get("path")
        label = b.get("label", name if name is not None else None)
        requires = b.get("requires", "")
        if label is not None and not isinstance(label, str):
            self.fail(f"{where} label", f"expected a string, got {label!r}")
        if label is not None and label in overrides:
            path, name = overrides[label], None
        if (name is None) == (path is None):
            self.fail(
                where,
                "give exactly one of name (a registered benchmark) or path "
                "(a learning-curve set or surrogate directory)",
            )
        if name is not None:
            if not isinstance(name, str):
                self.fail(f"{where} name", f"expected a string, got {name!r}")
            known = registry.names("benchmark")
            if name not in known:
                self.fail(
                    f"{where} name",
                    f"unknown benchmark {name!r}; choose from: "
                    f"{', '.join(known)}, or give path = ...",
                )
            ref = name
        else:
            if not isinstance(path, str):
                self.fail(f"{where} path", f"expected a string, got {path!r}")
            ref = str(self.resolve_path(path, f"{where} path", requires, label))
            label = label or Path(ref).stem
        opts = self.table(b, "lce_options", where=where)
        self.keys(opts, LCE_OPTIONS, f"{where} lce_options")
        return BenchmarkEntry(
            ref=ref,
            label=str(label),
            budgets=self.budgets(b["budget"], f"{where} budget") if "budget" in b else budgets,
            e_fews=self.int_list(b["e_few"], f"{where} e_few", 1) if "e_few" in b else e_few,
            lce_options=dict(opts),
        )

    def resolve_path(self, raw: str, where: str, requires: str, label: str | None) -> Path:
        missing = [m for m in _ENV.findall(raw) if m not in os.environ]
        hint = f" {requires.strip()}" if requires else ""
        override = f" (or pass --benchmark-path {label}=PATH)" if label else ""
        if missing:
            self.fail(
                where,
                f"{raw!r} needs the environment variable {missing[0]} to be set.{hint}{override}",
            )
        expanded = Path(_ENV.sub(lambda m: os.environ[m.group(1)], raw)).expanduser()
        path = expanded if expanded.is_absolute() else (self.base_dir / expanded)
        path = path.resolve()
        if not path.exists():
            self.fail(where, f"benchmark path {str(path)!r} does not exist.{hint}{override}")
        return path

    def optimizer(
        self, o: Mapping[str, Any], where: str, default_lce: tuple[str, ...]
    ) -> OptimizerEntry:
        name = o.get("name")
        if not isinstance(name, str):
            self.fail(f"{where} name", f"expected an optimizer name, got {name!r}")
        known = registry.names("optimizer")
        if name not in known:
            self.fail(
                f"{where} name", f"unknown optimizer {name!r}; choose from: {', '.join(known)}"
            )
        params = self.table(o, "params", where=where)
        try:
            # constructors only validate, so this catches bad hyperparameters before any run
            opt = registry.create("optimizer", name, **params)
        except (TypeError, ValueError) as exc:
            self.fail(f"{where} params", f"invalid parameters for optimizer {name!r}: {exc}")
        except registry.PluginError as exc:
            self.fail(f"{where} name", str(exc))
        label = o.get("label", name)
        if not isinstance(label, str) or not label:
            self.fail(f"{where} label", f"expected a non-empty string, got {label!r}")
        lce = self.lce_list(o["lce"], f"{where} lce") if "lce" in o else default_lce
        if getattr(opt, "multi_fidelity", False) and any(m != NO_LCE for m in lce):
            if "lce" in o:
                self.fail(
                    f"{where} lce",
                    f"{name!r} is multi-fidelity; LCE wraps single-fidelity "
                    f"optimizers only (use lce = [{NO_LCE!r}])",
                )
            lce = (NO_LCE,)  # the suite-wide default does not apply to HB/BOHB-style optimizers
        opts = self.table(o, "lce_options", where=where)
        for k, v in opts.items():
            if k in LCE_OPTIONS:
                continue
            if k not in lce or k == NO_LCE or not isinstance(v, Mapping):
                self.fail(
                    f"{where} lce_options {k}",
                    f"unknown key {k!r}; valid keys: "
                    f"{', '.join(sorted(LCE_OPTIONS))}, or a table per LCE method of this "
                    f"optimizer ({', '.join(m for m in lce if m != NO_LCE) or 'none'})",
                )
            self.keys(v, LCE_OPTIONS, f"{where} lce_options.{k}")
        return OptimizerEntry(
            name=name, label=label, params=dict(params), lce=lce, lce_options=dict(opts)
        )
