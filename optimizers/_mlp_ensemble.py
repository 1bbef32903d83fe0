"""An ensemble of small MLP regressors trained together as one batched model.

Every member has the same shape, so member ``m``'s layer weights are slice ``m`` of one tensor of
shape ``(n_members, n_in, n_out)`` and one ``torch.baddbmm`` runs a layer for the whole ensemble:
an ensemble of five costs about as much as one network. Members differ by initial weights and by
the order of their minibatches (both drawn from the caller's generator).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from nas_sim.torch_threads import single_torch_thread


class MLPEnsemble:
    """``n_members`` feed-forward regressors (ReLU, ``hidden_layers`` × ``layer_width``).

    Trained with Adam on the mean absolute error of standardised targets plus
    ``output_l1 ×`` the L1 norm of the output weights (the BANANAS / NASLib predictor loss).
    """

    def __init__(
        self,
        n_members: int,
        hidden_layers: int,
        layer_width: int,
        epochs: int,
        learning_rate: float,
        batch_size: int,
        output_l1: float = 0.2,
    ) -> None:
        self.n_members = n_members
        self.hidden_layers = hidden_layers
        self.layer_width = layer_width
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.output_l1 = output_l1

    def fit(
        self, x: NDArray[np.float64], y: NDArray[np.float64], rng: np.random.Generator
    ) -> MLPEnsemble:
        """x : array of shape (n, n_features); y : array of shape (n,)."""

        # Tiny matrices gain nothing from intra-op threads, and on a busy machine the thread
        # hand-offs cost ~10x; one thread also keeps results independent of the core count.
        with single_torch_thread():
            return self._fit(x, y, rng)

    def _fit(
        self, x: NDArray[np.float64], y: NDArray[np.float64], rng: np.random.Generator
    ) -> MLPEnsemble:
        import torch

        n, d = x.shape
        m = self.n_members
        self.y_mean_ = float(np.mean(y))
        self.y_std_ = float(np.std(y)) or 1.0
        self.sizes_ = [d] + [self.layer_width] * self.hidden_layers + [1]
        # nn.Linear's default initialisation, U(±1/sqrt(fan_in)), drawn from our generator so
        # the fit depends on nothing but the seed. All weights live in one flat tensor so Adam
        # is a handful of vectorised ops per step instead of a few per layer.
        chunks = []
        for fan_in, fan_out in zip(self.sizes_[:-1], self.sizes_[1:]):
            bound = 1.0 / np.sqrt(fan_in)
            chunks.append(rng.uniform(-bound, bound, size=m * fan_in * fan_out))
            chunks.append(rng.uniform(-bound, bound, size=m * fan_out))
        flat = torch.tensor(np.concatenate(chunks), dtype=torch.float32, requires_grad=True)
        xt = torch.tensor(x, dtype=torch.float32)
        yt = torch.tensor((y - self.y_mean_) / self.y_std_, dtype=torch.float32)
        opt = torch.optim.Adam([flat], lr=self.learning_rate)
        bs = min(self.batch_size, n)
        n_batches = -(-n // bs)
        # one permutation per member and epoch: argsort of uniform keys, drawn in one call
        order_t = torch.from_numpy(np.argsort(rng.random((self.epochs, m, n)), axis=2))
        for epoch in range(self.epochs):
            for k in range(n_batches):
                idx = order_t[epoch, :, k * bs : (k + 1) * bs]  # (m, b)
                params = self._unflatten(flat)
                pred = self._forward(params, xt[idx])  # (m, b)
                loss = (pred - yt[idx]).abs().mean(dim=1).sum()
                if self.output_l1:
                    loss = loss + self.output_l1 * params[-2].abs().sum()
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
        self.params_ = self._unflatten(flat.detach())
        return self

    def _unflatten(self, flat: Any) -> list[Any]:
        """Views of the flat parameter tensor: [w0 (m, in, out), b0 (m, 1, out), w1, ...]."""
        m, out, off = self.n_members, [], 0
        for fan_in, fan_out in zip(self.sizes_[:-1], self.sizes_[1:]):
            out.append(flat[off : off + m * fan_in * fan_out].view(m, fan_in, fan_out))
            off += m * fan_in * fan_out
            out.append(flat[off : off + m * fan_out].view(m, 1, fan_out))
            off += m * fan_out
        return out

    @staticmethod
    def _forward(params: list[Any], h: Any) -> Any:
        import torch

        last = len(params) - 2
        for i in range(0, len(params), 2):
            h = torch.baddbmm(params[i + 1], h, params[i])
            if i < last:
                h = torch.relu(h)
        return h.squeeze(-1)

    def predict(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """Member predictions, array of shape ``(n_members, n)``, in the units of ``y``."""
        import torch

        with single_torch_thread(), torch.no_grad():
            xt = torch.tensor(x, dtype=torch.float32).expand(self.n_members, -1, -1)
            out = self._forward(self.params_, xt).numpy().astype(np.float64)
        return out * self.y_std_ + self.y_mean_
