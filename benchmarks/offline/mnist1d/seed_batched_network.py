"""G networks of one NB201 cell held side by side, every layer one batched matrix product.

:class:`SeedBatchedNet` is built from G plain :class:`~benchmarks.mnist1d.network.NB201Net1d`
networks of the same cell (one per training seed) and computes exactly what they compute, copy by
copy. Activations are laid out (G, channels, batch, length). A convolution is one ``torch.bmm`` of
the G stacked kernels with the G copies' im2col columns; batch norm is one per-channel
``batch_norm`` over G × channels channels; pooling, ReLU and sums are elementwise.

Why matrix products and not grouped convolutions: each copy's product is computed by the same
GEMM kernel whatever G is, and every reduction runs over one copy's contiguous row, so a copy's
numbers do not depend on which other copies share the batch (bit for bit, on CPU). oneDNN's grouped
convolution, the obvious alternative, computes some weight gradients differently for different G.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from nas_sim.benchmarks.offline.mnist1d.network import (
    AvgPool3,
    Cell1d,
    NB201Net1d,
    ResidualReduction1d,
    cell_forward,
)

Sources = list[tuple[torch.Tensor, list[torch.Tensor]]]


def _present(t: torch.Tensor | None) -> torch.Tensor:
    """A tensor the plain network always has (affine batch norm, running stats, a head bias)."""
    if t is None:
        raise ValueError("expected the plain network's affine batch norm and biased head")
    return t


class BatchedConv1d(nn.Module):
    """G ``nn.Conv1d`` of equal shape as one bmm; weight (G, out, in·kernel), input (G, C, B, L)."""

    def __init__(self, convs: Sequence[nn.Conv1d]) -> None:
        super().__init__()
        c0 = convs[0]
        if c0.groups != 1 or c0.dilation[0] != 1:
            raise ValueError("only plain (ungrouped, undilated) convolutions can be batched")
        self.kernel, self.stride, self.padding = c0.kernel_size[0], c0.stride[0], c0.padding
        assert isinstance(self.padding, tuple)
        self.pad = self.padding[0]
        self.weight = nn.Parameter(
            torch.stack([c.weight.detach().reshape(c.out_channels, -1) for c in convs]).clone()
        )
        biases = [c.bias for c in convs if c.bias is not None]
        self.bias = (
            nn.Parameter(torch.stack([b.detach() for b in biases])[..., None].clone())
            if len(biases) == len(convs)
            else None
        )
        self.sources: Sources = [(self.weight, [c.weight for c in convs])]
        if self.bias is not None:
            self.sources.append((self.bias, biases))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        g, c, b, length = x.shape
        if self.kernel == 1 and self.stride == 1:
            cols, out_len = x.reshape(g, c, b * length), length
        else:
            xp = F.pad(x, (self.pad, self.pad)) if self.pad else x
            out_len = (length + 2 * self.pad - self.kernel) // self.stride + 1
            span = self.stride * (out_len - 1) + 1
            # (G, C, kernel, B, L'): the (C, kernel) order of a flattened Conv1d weight
            cols = torch.stack(
                [xp[..., i : i + span : self.stride] for i in range(self.kernel)], 2
            ).reshape(g, c * self.kernel, b * out_len)
        out = torch.bmm(self.weight, cols)
        if self.bias is not None:
            out = out + self.bias
        return out.view(g, -1, b, out_len)


class BatchedBatchNorm(nn.Module):
    """G ``nn.BatchNorm1d`` as one over G × C channels (per channel, so copies never mix)."""

    def __init__(self, norms: Sequence[nn.BatchNorm1d]) -> None:
        super().__init__()
        n0 = norms[0]
        self.momentum, self.eps = n0.momentum, n0.eps
        parts = {
            k: [_present(getattr(n, k)) for n in norms]
            for k in ("weight", "bias", "running_mean", "running_var")
        }
        self.weight = nn.Parameter(torch.cat([w.detach() for w in parts["weight"]]).clone())
        self.bias = nn.Parameter(torch.cat([b.detach() for b in parts["bias"]]).clone())
        self.register_buffer("running_mean", torch.cat(parts["running_mean"]).clone())
        self.register_buffer("running_var", torch.cat(parts["running_var"]).clone())
        self.sources: Sources = [(self.get_parameter(k), parts[k]) for k in ("weight", "bias")]
        self.sources += [(self.get_buffer(k), parts[k]) for k in ("running_mean", "running_var")]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        g, c, b, length = x.shape
        # (1, G·C, B·L): each channel's batch statistics reduce over one contiguous row
        out = F.batch_norm(
            x.reshape(1, g * c, b * length),
            self.get_buffer("running_mean"),
            self.get_buffer("running_var"),
            self.weight,
            self.bias,
            self.training,
            self.momentum if self.momentum is not None else 0.0,
            self.eps,
        )
        return out.view(g, c, b, length)


class BatchedAvgPool3(nn.Module):
    """:class:`~benchmarks.mnist1d.network.AvgPool3` on the last axis, the same arithmetic."""

    def __init__(self) -> None:
        super().__init__()
        self.pool = AvgPool3()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(x)


class BatchedAvgPool2(nn.Module):
    """``nn.AvgPool1d(2, stride=2)`` on the last axis (even lengths)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x[..., 0::2] + x[..., 1::2]) * 0.5


class BatchedCell(nn.Module):
    """G :class:`~benchmarks.mnist1d.network.Cell1d` of the same cell."""

    def __init__(self, cells: Sequence[Cell1d]) -> None:
        super().__init__()
        self.edges = list(cells[0].edges)
        self.ops = nn.ModuleDict(
            {k: batch_modules([c.ops[k] for c in cells]) for k in cells[0].ops}
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return cell_forward(self.edges, self.ops, x)


class BatchedReduction(nn.Module):
    """G :class:`~benchmarks.mnist1d.network.ResidualReduction1d`."""

    def __init__(self, blocks: Sequence[ResidualReduction1d]) -> None:
        super().__init__()
        self.a = batch_modules([b.a for b in blocks])
        self.b = batch_modules([b.b for b in blocks])
        self.shortcut = batch_modules([b.shortcut for b in blocks])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.b(self.a(x)) + self.shortcut(x)


def batch_modules(mods: Sequence[nn.Module]) -> nn.Module:
    """The batched equivalent of G structurally equal modules of an NB201Net1d."""
    m0 = mods[0]
    if isinstance(m0, nn.Conv1d):
        return BatchedConv1d(mods)  # type: ignore[arg-type]
    if isinstance(m0, nn.BatchNorm1d):
        return BatchedBatchNorm(mods)  # type: ignore[arg-type]
    if isinstance(m0, (nn.ReLU, nn.Identity)):
        return type(m0)()
    if isinstance(m0, AvgPool3):
        return BatchedAvgPool3()
    if isinstance(m0, nn.AvgPool1d):
        return BatchedAvgPool2()
    if isinstance(m0, Cell1d):
        return BatchedCell(mods)  # type: ignore[arg-type]
    if isinstance(m0, ResidualReduction1d):
        return BatchedReduction(mods)  # type: ignore[arg-type]
    if isinstance(m0, nn.Sequential):
        seqs = [m for m in mods if isinstance(m, nn.Sequential)]
        return nn.Sequential(*(batch_modules([m[i] for m in seqs]) for i in range(len(m0))))
    raise TypeError(f"no batched equivalent for {type(m0).__name__}")


class SeedBatchedNet(nn.Module):
    """G plain networks of one cell as one module: input (G, 1, B, L), logits (G, classes, B).

    The plain networks are kept (not as submodules): :meth:`copy_to_plain` writes the trained
    weights back into them, e.g. to evaluate each copy with the plain network's own code.
    """

    def __init__(self, nets: Sequence[NB201Net1d]) -> None:
        super().__init__()
        if not nets:
            raise ValueError("at least one network is needed")
        feats = list(nets[0].features)
        if not isinstance(feats[-1], nn.Flatten) or not isinstance(feats[-2], nn.AdaptiveAvgPool1d):
            raise ValueError("expected NB201Net1d features ending in global pooling and Flatten")
        # everything up to the global average pool (which becomes a mean over the last axis)
        self.features = nn.Sequential(
            *(batch_modules([n.features[i] for n in nets]) for i in range(len(feats) - 2))
        )
        self.head_weight = nn.Parameter(
            torch.stack([n.classifier.weight.detach() for n in nets]).clone()
        )
        self.head_bias = nn.Parameter(
            torch.stack([n.classifier.bias.detach() for n in nets])[..., None].clone()
        )
        self.copies = len(nets)
        self.head_sources: Sources = [
            (self.head_weight, [_present(n.classifier.weight) for n in nets]),
            (self.head_bias, [_present(n.classifier.bias) for n in nets]),
        ]

    @torch.no_grad()
    def copy_to_plain(self) -> None:
        """Write every copy's current weights and batch-norm statistics back into its plain net.

        Batched tensors are laid out copy-major, so copy ``g`` is row ``g`` of ``reshape(G, -1)``.
        """
        pairs: Sources = list(self.head_sources)
        for m in self.modules():
            pairs.extend(getattr(m, "sources", ()))
        for batched, plain in pairs:
            rows = batched.detach().reshape(self.copies, -1)
            for g, p in enumerate(plain):
                p.copy_(rows[g].view_as(p))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = self.features(x).mean(-1)  # (G, C, B)
        return torch.baddbmm(self.head_bias, self.head_weight, pooled)
