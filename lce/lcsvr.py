"""LcSVR: ν-support-vector regression from partial learning curves to the value at a later epoch."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from nas_sim.lce.method import (
    CurveError,
    LCEMethod,
    Prediction,
    check_features,
    check_partial_curves,
    check_training_data,
    to_generator,
)
from nas_sim.optimizer import check_positive_int

Array = NDArray[np.float64]


def curve_features(curves: Array) -> Array:
    """Baker et al.'s partial-curve features (Baker et al. 2018, as NASLib's ``all_curve=True``):
    the values (E), first differences (E−1), second differences (E−2), mean and std: 3E−1 columns."""
    d1 = np.diff(curves, n=1, axis=1)
    d2 = np.diff(curves, n=2, axis=1)
    return np.concatenate(
        [curves, d1, d2, curves.mean(axis=1, keepdims=True), curves.std(axis=1, keepdims=True)],
        axis=1,
    )


class LcSVR(LCEMethod):
    """ν-SVR learning-curve predictor (Baker, Gupta, Raskar & Naik, "Accelerating Neural
    Architecture Search using Performance Prediction", ICLR workshop 2018), as NAS-Bench-x11 uses it.

    Features: :func:`curve_features` of the partial curve, plus architecture features (an encoding)
    and hyperparameters when given. Features and the target are standardised (x11 fed raw values;
    standardising makes one hyperparameter range fit accuracies and losses alike).

    Hyperparameters: random search over ``n_configs`` configurations, C ~ log-U[1e-5, 10],
    ν ~ U(0, 1), γ ~ log-U[1e-5, 10] (x11's ranges), each scored by ``cv_folds``-fold
    cross-validated R² (unshuffled folds, as scikit-learn's default ``cross_val_score``); the best
    is refitted on all data. x11 searched 1,000 configurations on every fit; the default here is
    100 (``bench/bench_lce_lcsvr.py`` measures the difference).

    Refit schedule: the random search runs on the first fit and again whenever the training set has
    grown by ``search_growth`` (default 0.5, i.e. +50 %) since the last search; in between, the
    current best configuration is refitted on all data (one SVR fit). x11 searched on every new
    fully trained architecture, which costs O(n_configs) fits each time.

    Uncertainty: a normal predictive with std = the root-mean-square out-of-fold residual of the
    best configuration in the last search (a cross-validated, hence calibrated, residual model).
    """

    name = "lcsvr"
    needs_training_data = True
    min_epochs = 3

    def __init__(
        self,
        n_configs: int = 100,
        cv_folds: int = 3,
        min_train_size: int = 10,
        search_growth: float = 0.5,
        random_state: int = 0,
    ) -> None:
        self.n_configs = check_positive_int("n_configs", n_configs)
        self.cv_folds = check_positive_int("cv_folds", cv_folds, minimum=2)
        self.min_train_size = check_positive_int("min_train_size", min_train_size, minimum=3)
        if self.min_train_size < self.cv_folds:
            raise ValueError(f"min_train_size ({min_train_size}) must be >= cv_folds ({cv_folds})")
        if not isinstance(search_growth, (int, float)) or search_growth < 0:
            raise ValueError(f"search_growth must be a number >= 0, got {search_growth!r}")
        self.search_growth = float(search_growth)
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    def _design(self, curves: Array, feats: Array | None) -> Array:
        x = curve_features(curves)
        return x if feats is None else np.concatenate([x, feats], axis=1)

    def fit(  # type: ignore[no-untyped-def]
        self,
        partial_curves,
        targets,
        arch_features=None,
        *,
        target_epoch=None,
        metric="val_accuracy",
        rng=None,
    ):
        from sklearn.svm import NuSVR

        curves, y = check_training_data(
            partial_curves, targets, metric=metric, min_epochs=self.min_epochs, method="LcSVR"
        )
        n = len(curves)
        feats = check_features(arch_features, n, method="LcSVR")
        if n < self.min_train_size:
            raise CurveError(
                f"LcSVR needs at least {self.min_train_size} fully trained examples, got {n}"
            )
        x = self._design(curves, feats)
        self.x_mean_ = x.mean(axis=0)
        self.x_std_ = np.where(x.std(axis=0) > 1e-12, x.std(axis=0), 1.0)
        self.y_mean_ = float(y.mean())
        self.y_std_ = float(y.std()) if y.std() > 1e-12 else 1.0
        xs = (x - self.x_mean_) / self.x_std_
        ys = (y - self.y_mean_) / self.y_std_
        last = getattr(self, "n_searched_", 0)
        if last == 0 or n >= (1.0 + self.search_growth) * last or not hasattr(self, "config_"):
            self._search(xs, ys, to_generator(rng, self.random_state))
            self.n_searched_ = n
        c, nu, gamma = self.config_
        self.model_ = NuSVR(kernel="rbf", C=c, nu=nu, gamma=gamma).fit(xs, ys)
        self.n_features_ = x.shape[1]
        self.n_train_ = n
        self.target_epoch_ = target_epoch
        return self

    def _search(self, xs: Array, ys: Array, gen: np.random.Generator) -> None:
        from sklearn.svm import NuSVR

        n = len(ys)
        k = self.cv_folds
        folds = np.array_split(np.arange(n), k)  # unshuffled K-fold, like cross_val_score
        cs = 10 ** gen.uniform(-5, 1, self.n_configs)
        nus = gen.uniform(0, 1, self.n_configs)
        nus = np.clip(nus, 1e-3, 1.0)  # ν = 0 is outside NuSVR's domain
        gammas = 10 ** gen.uniform(-5, 1, self.n_configs)
        best = (-np.inf, 0)
        best_oof = np.zeros(n)
        ss_tot = [float(((ys[f] - ys[f].mean()) ** 2).sum()) for f in folds]
        for i in range(self.n_configs):
            oof = np.empty(n)
            r2 = []
            for j, test in enumerate(folds):
                train = np.concatenate([folds[m] for m in range(k) if m != j])
                model = NuSVR(kernel="rbf", C=cs[i], nu=nus[i], gamma=gammas[i])
                oof[test] = model.fit(xs[train], ys[train]).predict(xs[test])
                ss_res = float(((ys[test] - oof[test]) ** 2).sum())
                r2.append(1 - ss_res / ss_tot[j] if ss_tot[j] > 0 else -ss_res)
            score = float(np.mean(r2))
            if score > best[0]:
                best = (score, i)
                best_oof = oof
        i = best[1]
        self.config_ = (float(cs[i]), float(nus[i]), float(gammas[i]))
        self.cv_score_ = best[0]
        self.residual_std_ = float(np.sqrt(np.mean((best_oof - ys) ** 2))) * self.y_std_

    # -------------------------------------------------------------- predict
    def predict(  # type: ignore[no-untyped-def]
        self, partial_curves, target_epoch, arch_features=None, *, metric="val_accuracy", rng=None
    ) -> Prediction:
        if not hasattr(self, "model_"):
            raise CurveError("LcSVR.predict called before fit; it needs fully trained examples")
        curves = check_partial_curves(
            partial_curves,
            metric=metric,
            min_epochs=self.min_epochs,
            target_epoch=target_epoch,
            method="LcSVR",
        )
        if self.target_epoch_ is not None and target_epoch != self.target_epoch_:
            raise CurveError(
                f"LcSVR was fitted to predict epoch {self.target_epoch_}, not {target_epoch}"
            )
        feats = check_features(arch_features, len(curves), method="LcSVR")
        x = self._design(curves, feats)
        if x.shape[1] != self.n_features_:
            raise CurveError(
                f"LcSVR was fitted on {self.n_features_} features (partial curves of length "
                f"E give 3E-1, plus architecture features) but got {x.shape[1]}; use the same "
                "E_few and encoding for fit and predict"
            )
        xs = (x - self.x_mean_) / self.x_std_
        mean = self.model_.predict(xs) * self.y_std_ + self.y_mean_
        std = np.full(len(mean), max(self.residual_std_, 1e-9))
        return Prediction(mean=np.asarray(mean, dtype=np.float64), std=std)

    def modeled_cost_s(self, n_curves: int) -> float:
        return 1e-3 * n_curves
