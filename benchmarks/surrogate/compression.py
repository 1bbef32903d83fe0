"""Learning-curve compression: truncated SVD (NAS-Bench-x11) and a VAE alternative.

Both map standardised curve vectors ``Z`` of shape ``(n, D)`` to ``k`` components and back. The
decoders are plain numpy (and torch, for the GPU path) over stored arrays, so loading never
executes code from a file.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from nas_sim.torch_threads import single_torch_thread

Array = NDArray[np.float64]


class SVDCompression:
    """Truncated SVD of curves (Yan et al., "NAS-Bench-x11 and the Power of Learning Curves",
    NeurIPS 2021, §3).

    Unlike x11 we centre the curves before the SVD (so components are PCA scores) and choose ``k``
    by held-out reconstruction error (:func:`choose_svd_components`).
    """

    kind = "svd"

    def __init__(self, n_components: int) -> None:
        if int(n_components) < 1:
            raise ValueError(f"n_components must be >= 1, got {n_components}")
        self.n_components = int(n_components)

    def fit(self, z: Array, rng: np.random.Generator | None = None) -> SVDCompression:
        _, _, vt = np.linalg.svd(z, full_matrices=False)
        k = min(self.n_components, vt.shape[0])
        self.basis_ = vt[:k].copy()  # (k, D)
        return self

    def encode(self, z: Array) -> Array:
        return z @ self.basis_.T

    def decode(self, c: Array) -> Array:
        return c @ self.basis_

    def decode_torch(self, c: Any) -> Any:
        import torch

        return c @ torch.as_tensor(self.basis_, device=c.device)

    def arrays(self) -> dict[str, Array]:
        return {"basis": self.basis_}

    @classmethod
    def from_arrays(cls, a: dict[str, Array]) -> SVDCompression:
        obj = cls(a["basis"].shape[0])
        obj.basis_ = a["basis"]
        return obj


def choose_svd_components(
    z_train: Array,
    z_test: Array,
    z_test_target: Array,
    max_components: int = 20,
) -> tuple[int, Array]:
    """The ``k`` whose rank-k reconstruction of held-out curves is closest to their target.

    With multi-seed data the target is the mean over seeds of each held-out architecture
    (NAS-Bench-x11, Figure 5.3): small ``k`` underfits the curve shape, large ``k`` reconstructs
    the seed noise, and the error against the mean has a minimum. Without it the target is the
    curve itself, the error only falls. Either way we take the smallest ``k`` within 2% (1%
    without multi-seed data) of the improvement from ``k = 1`` to
    the best error. Returns ``(k, errors)`` with ``errors[k-1]`` the mean squared error.
    """
    _, _, vt = np.linalg.svd(z_train, full_matrices=False)
    kmax = min(max_components, vt.shape[0])
    errors = np.empty(kmax)
    for k in range(1, kmax + 1):
        rec = z_test @ vt[:k].T @ vt[:k]
        errors[k - 1] = float(np.mean((rec - z_test_target) ** 2))
    # Parsimony: the smallest k within a small fraction of the best error's improvement over
    # k = 1 (1% against the curve itself, 2% against multi-seed means, whose curve is flat
    # near its minimum); fewer components means fewer regressors fitting noise.
    best = errors.min()
    tol = 0.01 if z_test_target is z_test else 0.02
    k = int(np.argmax(errors <= best + tol * (errors[0] - best))) + 1
    return k, errors


# --------------------------------------------------------------------------------- VAE
def _mlp_forward_np(x: Array, layers: list[tuple[Array, Array]], act: str) -> Array:
    for i, (w, b) in enumerate(layers):
        x = x @ w.T + b
        if i < len(layers) - 1:
            x = np.maximum(x, 0.0) if act == "relu" else np.where(x > 0, x, 0.01 * x)
    return x


def _mlp_forward_torch(x: Any, layers: list[tuple[Array, Array]], act: str) -> Any:
    import torch

    for i, (w, b) in enumerate(layers):
        x = x @ torch.as_tensor(w, device=x.device).T + torch.as_tensor(b, device=x.device)
        if i < len(layers) - 1:
            x = torch.relu(x) if act == "relu" else torch.nn.functional.leaky_relu(x, 0.01)
    return x


def _seed_torch(rng: np.random.Generator) -> Any:
    import torch

    return torch.Generator().manual_seed(int(rng.integers(2**63 - 1)))


class VAECompression:
    """Variational autoencoder over curves (Kingma & Welling, ICLR 2014), NAS-Bench-x11's
    ``vae_*`` alternative to the SVD.

    Components are the encoder means. Differences from x11: hidden layers are registered (x11
    kept them in plain lists, so they were never trained), and the KL term is weighted by
    ``beta`` so the decoder stays accurate at small latent sizes.
    """

    kind = "vae"

    def __init__(
        self,
        n_components: int,
        hidden: int = 64,
        epochs: int = 300,
        lr: float = 3e-3,
        beta: float = 1e-3,
        batch_size: int = 64,
    ) -> None:
        if int(n_components) < 1:
            raise ValueError(f"n_components must be >= 1, got {n_components}")
        self.n_components = int(n_components)
        self.hidden = int(hidden)
        self.epochs = int(epochs)
        self.lr = float(lr)
        self.beta = float(beta)
        self.batch_size = int(batch_size)

    def fit(self, z: Array, rng: np.random.Generator | None = None) -> VAECompression:
        import torch
        from torch import nn

        rng = rng if rng is not None else np.random.default_rng(0)
        gen = _seed_torch(rng)
        torch.manual_seed(int(rng.integers(2**31)))  # layer init draws from the global torch RNG
        d, h, k = z.shape[1], self.hidden, self.n_components
        enc = nn.Sequential(
            nn.Linear(d, h),
            nn.LeakyReLU(0.01),
            nn.Linear(h, h),
            nn.LeakyReLU(0.01),
            nn.Linear(h, 2 * k),
        ).double()
        dec = nn.Sequential(
            nn.Linear(k, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, d)
        ).double()
        opt = torch.optim.Adam([*enc.parameters(), *dec.parameters()], lr=self.lr)
        x = torch.as_tensor(z, dtype=torch.float64)
        n = len(x)
        # small networks: one thread avoids oversubscription on shared CPUs
        with single_torch_thread():
            for _ in range(self.epochs):
                perm = torch.randperm(n, generator=gen)
                for s in range(0, n, self.batch_size):
                    xb = x[perm[s : s + self.batch_size]]
                    mu, logvar = enc(xb).chunk(2, dim=1)
                    eps = torch.randn(mu.shape, generator=gen, dtype=torch.float64)
                    rec = dec(mu + eps * torch.exp(0.5 * logvar))
                    kl = -0.5 * torch.sum(1 + logvar - mu**2 - logvar.exp(), dim=1).mean()
                    loss = ((rec - xb) ** 2).sum(dim=1).mean() + self.beta * kl
                    opt.zero_grad()
                    loss.backward()
                    opt.step()

        def layers(seq: Any) -> list[tuple[Array, Array]]:
            return [
                (m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy())
                for m in seq
                if isinstance(m, nn.Linear)
            ]

        self.encoder_ = layers(enc)
        self.decoder_ = layers(dec)
        return self

    def encode(self, z: Array) -> Array:
        return _mlp_forward_np(z, self.encoder_, "leaky")[:, : self.n_components]

    def decode(self, c: Array) -> Array:
        return _mlp_forward_np(c, self.decoder_, "relu")

    def decode_torch(self, c: Any) -> Any:
        return _mlp_forward_torch(c, self.decoder_, "relu")

    def arrays(self) -> dict[str, Array]:
        out = {}
        for name, layers in (("enc", self.encoder_), ("dec", self.decoder_)):
            for i, (w, b) in enumerate(layers):
                out[f"{name}{i}_w"], out[f"{name}{i}_b"] = w, b
        return out

    @classmethod
    def from_arrays(cls, a: dict[str, Array]) -> VAECompression:
        def layers(name: str) -> list[tuple[Array, Array]]:
            out, i = [], 0
            while f"{name}{i}_w" in a:
                out.append((a[f"{name}{i}_w"], a[f"{name}{i}_b"]))
                i += 1
            return out

        enc, dec = layers("enc"), layers("dec")
        obj = cls(dec[0][0].shape[1], hidden=dec[0][0].shape[0])
        obj.encoder_, obj.decoder_ = enc, dec
        return obj


COMPRESSIONS: dict[str, type[SVDCompression] | type[VAECompression]] = {
    "svd": SVDCompression,
    "vae": VAECompression,
}
