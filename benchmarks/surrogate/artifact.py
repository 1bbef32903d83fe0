"""The portable surrogate artifact: a directory with a JSON manifest, ``.npz`` arrays and
LightGBM text models. No pickles, so loading a benchmark never executes code from a file.

``manifest.json`` holds the format name and version, the space, ``max_epochs``, metrics and
units, the feature spec, the sub-models' metadata, the training data's SHA-256, library versions
and the SHA-256 of every other file; loading checks all of them before using anything.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
from pathlib import Path
from typing import Any

import numpy as np

from nas_sim import registry
from nas_sim.atomic import atomic_write_bytes
from nas_sim.benchmarks.surrogate.compression import COMPRESSIONS
from nas_sim.benchmarks.surrogate.mean_model import BaggedEnsemble
from nas_sim.benchmarks.surrogate.model import FeatureSpec, SurrogateError, SurrogateModel
from nas_sim.benchmarks.surrogate.noise import NOISE_MODELS

FORMAT = "nas-sim-surrogate"
#: 2 adds the loss transform and the training ranges predictions are clipped to
FORMAT_VERSION = 2
#: version 1 artifacts load and predict as they were fitted (unclipped, losses linear)
READABLE_VERSIONS = (1, 2)
MANIFEST = "manifest.json"
ARRAYS = "arrays.npz"


class ArtifactError(SurrogateError):
    """A surrogate directory that is missing, corrupt, modified or of another format version."""


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("nas-sim", "numpy", "lightgbm", "torch"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    return out


def save_model(model: SurrogateModel, directory: str | os.PathLike[str]) -> Path:
    """Write ``model`` to ``directory`` (created; existing artifact files are replaced)."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {
        "prep/offset": model.offset_,
        "prep/scale": model.scale_,
        "runtime/profile": model.time_profile_,
    }
    if model.component_range_ is not None:
        arrays["prep/component_range"] = model.component_range_
    if model.metric_range_ is not None:
        arrays["prep/metric_range"] = model.metric_range_
    texts: dict[str, str] = {}
    parts: dict[str, Any] = {}
    for name, part in (
        ("mean", model.mean_model_),
        ("noise", model.noise_),
        ("runtime", model.runtime_model_),
    ):
        meta, a, t = part.export()
        parts[name] = meta
        arrays.update({f"{name}/{k}": v for k, v in a.items()})
        texts.update({f"{name}_{k}": v for k, v in t.items()})
    arrays.update({f"compression/{k}": v for k, v in model.compression_.arrays().items()})
    if model.extra_table_:
        keys = sorted(model.extra_table_)
        arrays["extra/values"] = np.stack([model.extra_table_[k] for k in keys])
        (d / "extra_archs.json").write_text(json.dumps(keys))
    files: dict[str, bytes] = {}
    buf = io.BytesIO()
    as_f64: dict[str, Any] = {k: np.asarray(v, dtype=np.float64) for k, v in arrays.items()}
    np.savez_compressed(buf, **as_f64)
    files[ARRAYS] = buf.getvalue()
    for k, v in texts.items():
        files[f"lgb/{k}"] = v.encode()
    if model.extra_table_:
        files["extra_archs.json"] = (d / "extra_archs.json").read_bytes()
    for rel, data in files.items():
        (d / rel).parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(d / rel, data)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "space": model.feature_spec.space,
        "max_epochs": model.max_epochs,
        "metrics": list(model.metrics),
        "units": model.units,
        "objective": model.objective,
        "transforms": model.transforms,
        "feature_spec": model.feature_spec.to_json(),
        "compression": {
            "kind": model.compression_.kind,
            "n_components": int(model.compression_.n_components),
        },
        "parts": parts,
        "info": model.info,
        "data_sha256": model.info.get("data_sha256"),
        "library_versions": _versions(),
        "files": {rel: hashlib.sha256(data).hexdigest() for rel, data in sorted(files.items())},
    }
    atomic_write_bytes(
        d / MANIFEST, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    )
    return d


def read_manifest(directory: str | os.PathLike[str]) -> dict[str, Any]:
    d = Path(directory)
    path = d / MANIFEST
    if not path.is_file():
        raise ArtifactError(f"{str(d)!r} is not a surrogate artifact: it has no {MANIFEST}")
    try:
        manifest = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ArtifactError(f"{str(path)!r} is not valid JSON: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArtifactError(
            f"{str(path)!r} is not a nas-sim surrogate manifest (format != {FORMAT!r})"
        )
    if manifest.get("format_version") not in READABLE_VERSIONS:
        raise ArtifactError(
            f"{str(d)!r} has surrogate format version {manifest.get('format_version')!r}; this "
            f"nas-sim reads versions {', '.join(map(str, READABLE_VERSIONS))}: re-fit it with "
            "`nas-sim surrogate fit`"
        )
    for key in ("space", "max_epochs", "metrics", "feature_spec", "parts", "files", "compression"):
        if key not in manifest:
            raise ArtifactError(f"{str(path)!r} lacks the field {key!r}")
    problem = _manifest_inconsistency(manifest)
    if problem:
        raise ArtifactError(
            f"{str(path)!r} is inconsistent: {problem}; the manifest was edited or is corrupt: "
            "re-fit the surrogate with `nas-sim surrogate fit`"
        )
    return manifest


def _manifest_inconsistency(m: dict[str, Any]) -> str:
    """What in a manifest contradicts itself, or "". The manifest is not covered by its own file
    hashes, so its fields are checked against each other (and, at load, against the arrays)."""
    from nas_sim.learning_curve import METRICS, test_metric_of

    e = m["max_epochs"]
    if isinstance(e, bool) or not isinstance(e, int) or e < 1:
        return f"max_epochs must be an integer >= 1, got {e!r}"
    metrics = m["metrics"]
    if not isinstance(metrics, list) or not metrics or not all(x in METRICS for x in metrics):
        return f"metrics must be a non-empty list of {', '.join(METRICS)}, got {metrics!r}"
    if len(set(metrics)) != len(metrics):
        return f"metrics lists a metric twice: {metrics!r}"
    objective = m.get("objective", "val_accuracy")
    if objective not in metrics:
        return f"the objective {objective!r} is not among its metrics {metrics}"
    try:
        twin = test_metric_of(objective)
    except ValueError as exc:
        return str(exc)
    if twin not in metrics:
        return f"the objective {objective!r} has no test twin {twin!r} among its metrics"
    units = m.get("units", {})
    if not isinstance(units, dict) or set(units) - set(metrics):
        return f"units names metrics that are not in metrics: {units!r}"
    fs = m["feature_spec"]
    if not isinstance(fs, dict) or fs.get("space") != m["space"]:
        return f"feature_spec's space does not match space {m['space']!r}"
    if not isinstance(m["files"], dict) or ARRAYS not in m["files"]:
        return f"files must list {ARRAYS!r} with its SHA-256"
    return ""


def _check_shapes(d: Path, manifest: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """The arrays' shapes follow from max_epochs and the metrics (offsets per metric-epoch,
    scales per metric, the runtime profile per epoch): an edited manifest shows here."""
    e, n = manifest["max_epochs"], len(manifest["metrics"])
    want = {"prep/offset": (n * e,), "prep/scale": (n,), "runtime/profile": (e,)}
    for key, shape in want.items():
        got = arrays[key].shape if key in arrays else None
        if got != shape:
            raise ArtifactError(
                f"{str(d)!r} is inconsistent with its manifest: {key} has shape {got}, but "
                f"{n} metric(s) x max_epochs={e} need {shape}; re-fit it with `nas-sim surrogate fit`"
            )


def load_surrogate(directory: str | os.PathLike[str]) -> SurrogateModel:
    """Load and verify an artifact written by :meth:`SurrogateModel.save`."""
    d = Path(directory)
    manifest = read_manifest(d)
    blobs: dict[str, bytes] = {}
    for rel, digest in manifest["files"].items():
        p = d / rel
        if ".." in Path(rel).parts or Path(rel).is_absolute():
            raise ArtifactError(f"{str(d)!r}: manifest names a file outside the artifact: {rel!r}")
        if not p.is_file():
            raise ArtifactError(f"{str(d)!r} is incomplete: the file {rel!r} is missing")
        data = p.read_bytes()
        if hashlib.sha256(data).hexdigest() != digest:
            raise ArtifactError(
                f"{str(p)!r} does not match the SHA-256 in the manifest: the artifact was "
                "modified or is corrupt; re-fit or re-download it"
            )
        blobs[rel] = data
    try:
        with np.load(io.BytesIO(blobs[ARRAYS]), allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (KeyError, ValueError, OSError) as exc:
        raise ArtifactError(f"{str(d / ARRAYS)!r} is not a readable array file: {exc}") from exc
    _check_shapes(d, manifest, arrays)
    texts = {rel[4:]: data.decode() for rel, data in blobs.items() if rel.startswith("lgb/")}

    def part(name: str) -> tuple[dict[str, np.ndarray], dict[str, str]]:
        a = {k[len(name) + 1 :]: v for k, v in arrays.items() if k.startswith(name + "/")}
        t = {k[len(name) + 1 :]: v for k, v in texts.items() if k.startswith(name + "_")}
        return a, t

    try:
        parts = manifest["parts"]
        comp_kind = manifest["compression"]["kind"]
        if comp_kind not in COMPRESSIONS:
            raise ArtifactError(f"unknown compression {comp_kind!r} in {str(d)!r}")
        comp = COMPRESSIONS[comp_kind].from_arrays(part("compression")[0])
        mean = BaggedEnsemble.restore(parts["mean"], *part("mean"))
        noise_kind = parts["noise"]["kind"]
        if noise_kind not in NOISE_MODELS:
            raise ArtifactError(f"unknown noise model {noise_kind!r} in {str(d)!r}")
        noise = NOISE_MODELS[noise_kind].restore(parts["noise"], *part("noise"))
        runtime = BaggedEnsemble.restore(parts["runtime"], *part("runtime"))
        fs = manifest["feature_spec"]
        spec = FeatureSpec(
            fs["space"],
            fs["encoding"],
            int(fs["n_encoding"]),
            dict(fs.get("extra_metrics", {})),
            int(fs.get("n_extra", 0)),
        )
        space = registry.create("space", manifest["space"])
        extra_table = {}
        if "extra_archs.json" in blobs:
            keys = json.loads(blobs["extra_archs.json"])
            extra_table = dict(zip(keys, arrays["extra/values"]))
        return SurrogateModel(
            space=space,
            feature_spec=spec,
            metrics=manifest["metrics"],
            units=manifest.get("units", {}),
            objective=manifest.get("objective", "val_accuracy"),
            max_epochs=manifest["max_epochs"],
            offset=arrays["prep/offset"],
            scale=arrays["prep/scale"],
            compression=comp,
            mean_model=mean,
            noise=noise,
            runtime_model=runtime,
            time_profile=arrays["runtime/profile"],
            extra_table=extra_table,
            info={**manifest.get("info", {}), "library_versions": manifest.get("library_versions")},
            transforms=manifest.get("transforms", {}),
            component_range=arrays.get("prep/component_range"),
            metric_range=arrays.get("prep/metric_range"),
        )
    except ArtifactError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise ArtifactError(f"{str(d)!r} is inconsistent with its manifest: {exc!r}") from exc
