"""Mean models: architecture features → compressed curve components.

LightGBM (NAS-Bench-x11's default) and a torch MLP; either can be bagged into an ensemble whose
spread gives predictive uncertainty (NAS-Bench-301's ensemble idea). Each model exports its
learned state as JSON-able metadata, float arrays and text (LightGBM model strings), never pickles.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from nas_sim.benchmarks.surrogate.compression import (
    _mlp_forward_np,
    _mlp_forward_torch,
    _seed_torch,
)
from nas_sim.torch_threads import single_torch_thread

Array = NDArray[np.float64]
State = tuple[dict[str, Any], dict[str, Array], dict[str, str]]


class LGBMeanModel:
    """One LightGBM booster per component (Ke et al., NeurIPS 2017; x11's ``svd_lgb``).

    x11 chained the components (``RegressorChain``); with centred PCA scores the components are
    uncorrelated over the training set, so we fit them independently, which also lets a batch of
    architectures be predicted without a per-component loop over earlier predictions.
    """

    kind = "lgb"

    def __init__(
        self,
        n_estimators: int = 400,
        num_leaves: int = 15,
        learning_rate: float = 0.05,
        min_data_in_leaf: int = 5,
        lambda_l2: float = 1.0,
        feature_fraction: float = 0.9,
        n_threads: int = 1,
    ) -> None:
        self.params: dict[str, Any] = dict(
            n_estimators=int(n_estimators),
            num_leaves=int(num_leaves),
            learning_rate=float(learning_rate),
            min_data_in_leaf=int(min_data_in_leaf),
            lambda_l2=float(lambda_l2),
            feature_fraction=float(feature_fraction),
            n_threads=int(n_threads),
        )

    def fit(self, x: Array, t: Array, rng: np.random.Generator) -> LGBMeanModel:
        import lightgbm as lgb

        p = self.params
        self.boosters_ = []
        for j in range(t.shape[1]):
            params = {
                "objective": "regression",
                "verbosity": -1,
                "num_leaves": p["num_leaves"],
                "learning_rate": p["learning_rate"],
                "min_data_in_leaf": p["min_data_in_leaf"],
                "lambda_l2": p["lambda_l2"],
                "feature_fraction": p["feature_fraction"],
                "num_threads": p["n_threads"],
                "seed": int(rng.integers(2**31 - 1)),
                "deterministic": True,
                "force_row_wise": True,
            }
            ds = lgb.Dataset(
                x, t[:, j], params={"min_data_in_bin": 1, "verbosity": -1}, free_raw_data=True
            )
            self.boosters_.append(lgb.train(params, ds, num_boost_round=p["n_estimators"]))
        return self

    def predict(self, x: Array) -> Array:
        if not self.boosters_:
            return np.zeros((len(x), 0))
        return np.stack(
            [b.predict(x, num_threads=1 if len(x) < 512 else 0) for b in self.boosters_], axis=1
        )

    def export(self) -> State:
        texts = {f"c{j}.txt": b.model_to_string() for j, b in enumerate(self.boosters_)}
        return (
            {"kind": self.kind, "params": self.params, "n_outputs": len(self.boosters_)},
            {},
            texts,
        )

    @classmethod
    def restore(
        cls, meta: dict[str, Any], arrays: dict[str, Array], texts: dict[str, str]
    ) -> LGBMeanModel:
        import lightgbm as lgb

        obj = cls(**meta["params"])
        obj.boosters_ = [
            lgb.Booster(model_str=texts[f"c{j}.txt"]) for j in range(meta["n_outputs"])
        ]
        return obj


class MLPMeanModel:
    """A fully connected ReLU network, x11's ``*_nn`` alternative (here in torch, trained with
    Adam on standardised inputs and outputs; inference is numpy over the stored weights)."""

    kind = "mlp"

    def __init__(
        self,
        hidden: int = 128,
        n_layers: int = 2,
        epochs: int = 400,
        lr: float = 2e-3,
        weight_decay: float = 1e-4,
        batch_size: int = 128,
    ) -> None:
        self.params: dict[str, Any] = dict(
            hidden=int(hidden),
            n_layers=int(n_layers),
            epochs=int(epochs),
            lr=float(lr),
            weight_decay=float(weight_decay),
            batch_size=int(batch_size),
        )

    def fit(self, x: Array, t: Array, rng: np.random.Generator) -> MLPMeanModel:
        import torch
        from torch import nn

        p = self.params
        self.x_mean_ = x.mean(axis=0)
        self.x_scale_ = np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
        gen = _seed_torch(rng)
        torch.manual_seed(int(rng.integers(2**31)))
        dims = [x.shape[1]] + [p["hidden"]] * p["n_layers"] + [t.shape[1]]
        mods: list[Any] = []
        for i in range(len(dims) - 1):
            mods.append(nn.Linear(dims[i], dims[i + 1]))
            if i < len(dims) - 2:
                mods.append(nn.ReLU())
        net = nn.Sequential(*mods).double()
        opt = torch.optim.Adam(net.parameters(), lr=p["lr"], weight_decay=p["weight_decay"])
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, p["epochs"])
        xt = torch.as_tensor((x - self.x_mean_) / self.x_scale_)
        tt = torch.as_tensor(t)
        n = len(xt)
        # small networks: one thread avoids oversubscription on shared CPUs
        with single_torch_thread():
            for _ in range(p["epochs"]):
                perm = torch.randperm(n, generator=gen)
                for s in range(0, n, p["batch_size"]):
                    idx = perm[s : s + p["batch_size"]]
                    loss = ((net(xt[idx]) - tt[idx]) ** 2).mean()
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                sched.step()
        self.layers_ = [
            (m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy())
            for m in net
            if isinstance(m, nn.Linear)
        ]
        return self

    def predict(self, x: Array) -> Array:
        return _mlp_forward_np((x - self.x_mean_) / self.x_scale_, self.layers_, "relu")

    def predict_torch(self, x: Any) -> Any:
        import torch

        xm = torch.as_tensor(self.x_mean_, device=x.device)
        xs = torch.as_tensor(self.x_scale_, device=x.device)
        return _mlp_forward_torch((x - xm) / xs, self.layers_, "relu")

    def export(self) -> State:
        arrays = {"x_mean": self.x_mean_, "x_scale": self.x_scale_}
        for i, (w, b) in enumerate(self.layers_):
            arrays[f"l{i}_w"], arrays[f"l{i}_b"] = w, b
        return {"kind": self.kind, "params": self.params}, arrays, {}

    @classmethod
    def restore(
        cls, meta: dict[str, Any], arrays: dict[str, Array], texts: dict[str, str]
    ) -> MLPMeanModel:
        obj = cls(**meta["params"])
        obj.x_mean_, obj.x_scale_ = arrays["x_mean"], arrays["x_scale"]
        obj.layers_, i = [], 0
        while f"l{i}_w" in arrays:
            obj.layers_.append((arrays[f"l{i}_w"], arrays[f"l{i}_b"]))
            i += 1
        return obj


MEAN_MODELS: dict[str, Any] = {"lgb": LGBMeanModel, "mlp": MLPMeanModel}


class BaggedEnsemble:
    """``n_members`` mean models fitted on bootstrap resamples of the architectures (one member:
    no resampling). The prediction is the member mean; :meth:`predict_members` gives the spread
    (Zela et al., "Surrogate NAS Benchmarks", ICLR 2022, used deep ensembles for NB301)."""

    def __init__(self, kind: str, n_members: int = 1, **params: Any) -> None:
        if kind not in MEAN_MODELS:
            raise ValueError(f"unknown mean model {kind!r}; choose from: {', '.join(MEAN_MODELS)}")
        if int(n_members) < 1:
            raise ValueError(f"n_members must be >= 1, got {n_members}")
        self.kind, self.n_members, self.params = kind, int(n_members), params

    def fit(self, x: Array, t: Array, rng: np.random.Generator) -> BaggedEnsemble:
        self.t_mean_ = t.mean(axis=0)
        self.t_scale_ = np.where(t.std(axis=0) > 0, t.std(axis=0), 1.0)
        ts = (t - self.t_mean_) / self.t_scale_
        self.members_ = []
        for _ in range(self.n_members):
            rows = (
                np.arange(len(x)) if self.n_members == 1 else rng.integers(0, len(x), size=len(x))
            )
            self.members_.append(MEAN_MODELS[self.kind](**self.params).fit(x[rows], ts[rows], rng))
        return self

    def predict_members(self, x: Array) -> Array:
        """Shape ``(n_members, n, k)``, de-standardised."""
        return np.stack([m.predict(x) for m in self.members_]) * self.t_scale_ + self.t_mean_

    def predict(self, x: Array) -> Array:
        return self.predict_members(x).mean(axis=0)

    def export(self) -> State:
        meta: dict[str, Any] = {"kind": self.kind, "n_members": self.n_members, "members": []}
        arrays = {"t_mean": self.t_mean_, "t_scale": self.t_scale_}
        texts: dict[str, str] = {}
        for i, m in enumerate(self.members_):
            mm, ma, mt = m.export()
            meta["members"].append(mm)
            arrays.update({f"m{i}_{k}": v for k, v in ma.items()})
            texts.update({f"m{i}_{k}": v for k, v in mt.items()})
        return meta, arrays, texts

    @classmethod
    def restore(
        cls, meta: dict[str, Any], arrays: dict[str, Array], texts: dict[str, str]
    ) -> BaggedEnsemble:
        obj = cls(meta["kind"], meta["n_members"])
        obj.t_mean_, obj.t_scale_ = arrays["t_mean"], arrays["t_scale"]
        obj.members_ = []
        for i, mm in enumerate(meta["members"]):
            pre = f"m{i}_"
            ma = {k[len(pre) :]: v for k, v in arrays.items() if k.startswith(pre)}
            mt = {k[len(pre) :]: v for k, v in texts.items() if k.startswith(pre)}
            obj.members_.append(MEAN_MODELS[meta["kind"]].restore(mm, ma, mt))
        return obj
