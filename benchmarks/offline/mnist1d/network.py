"""NAS-Bench-201 cells (Dong & Yang 2020) adapted to 1-D signals such as MNIST-1D.

The macro skeleton is NB201's: a stem convolution, three stages of ``cells_per_stage`` cells with a
residual reduction block (ResNet basic block, stride 2, channels doubled) between stages, a final
BN-ReLU, global average pooling and a linear head. Inside a cell the six edges and five ops are
NB201's with 2-D kernels replaced by 1-D ones: ``nor_conv_kxk`` = ReLU-Conv1d(k)-BN, ``avg_pool_3x3`` =
AvgPool1d(3, stride 1, padding 1, count_include_pad=False).

Edges whose source carries no signal and nodes that cannot reach the output are not built, exactly
the pruning of NB201's isomorphism (a ``none`` input is zero), so isomorphic cells build the same
network; a cell whose output is disconnected outputs zeros.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from nas_sim.benchmarks.spaces.nb201 import EDGES, OPS

Arch201 = tuple[int, int, int, int, int, int]


@dataclass(frozen=True)
class NetworkConfig:
    """Macro skeleton: ``stem_channels`` channels in stage 1, doubled at each reduction."""

    stem_channels: int = 4
    cells_per_stage: int = 1
    n_classes: int = 10


class ReLUConvBN(nn.Sequential):
    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int = 1) -> None:
        super().__init__(
            nn.ReLU(),
            nn.Conv1d(c_in, c_out, kernel, stride=stride, padding=kernel // 2, bias=False),
            nn.BatchNorm1d(c_out),
        )


class AvgPool3(nn.Module):
    """AvgPool(3, stride 1, padding 1, count_include_pad=False) by shifted sums.

    Same values as ``nn.AvgPool1d``, several times faster on one CPU thread for these short signals.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        p = nn.functional.pad(x, (1, 1))
        s = p[..., :-2] + p[..., 1:-1] + p[..., 2:]
        count = torch.full((x.shape[-1],), 3.0, dtype=x.dtype, device=x.device)
        count[0] = count[-1] = 2.0
        return s / count


def _make_op(name: str, channels: int) -> nn.Module:
    if name == "skip_connect":
        return nn.Identity()
    if name == "nor_conv_1x1":
        return ReLUConvBN(channels, channels, 1)
    if name == "nor_conv_3x3":
        return ReLUConvBN(channels, channels, 3)
    if name == "avg_pool_3x3":
        return AvgPool3()
    raise ValueError(f"no module for op {name!r}; choose from: {', '.join(OPS[1:])}")


def live_edges(arch: Arch201) -> list[int]:
    """Positions of the edges that carry signal from the input to the output."""
    from_input = {0}
    for pos, (src, dst) in enumerate(EDGES):  # EDGES is topologically ordered by target
        if OPS[arch[pos]] != "none" and src in from_input:
            from_input.add(dst)
    to_output = {3}
    for pos, (src, dst) in reversed(list(enumerate(EDGES))):
        if OPS[arch[pos]] != "none" and dst in to_output:
            to_output.add(src)
    return [
        pos
        for pos, (src, dst) in enumerate(EDGES)
        if OPS[arch[pos]] != "none" and src in from_input and dst in to_output
    ]


class Cell1d(nn.Module):
    """One NB201 cell: node j = sum over i < j of op_ij(node i); node 3 is the output."""

    def __init__(self, arch: Arch201, channels: int) -> None:
        super().__init__()
        self.edges = live_edges(arch)
        self.ops = nn.ModuleDict({str(p): _make_op(OPS[arch[p]], channels) for p in self.edges})

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return cell_forward(self.edges, self.ops, x)


def cell_forward(edges: list[int], ops: nn.ModuleDict, x: torch.Tensor) -> torch.Tensor:
    """Node j = sum of op_ij(node i) over the live edges; node 3 (zeros if none is live)."""
    if not edges:
        return torch.zeros_like(x)
    nodes: list[torch.Tensor | None] = [x, None, None, None]
    for pos in edges:
        src, dst = EDGES[pos]
        out = ops[str(pos)](nodes[src])
        nodes[dst] = out if nodes[dst] is None else nodes[dst] + out
    assert nodes[3] is not None
    return nodes[3]


class ResidualReduction1d(nn.Module):
    """NB201's ResNet basic block between stages: stride 2, channels doubled, pooled shortcut."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.a = ReLUConvBN(c_in, c_out, 3, stride=2)
        self.b = ReLUConvBN(c_out, c_out, 3)
        self.shortcut = nn.Sequential(
            nn.AvgPool1d(2, stride=2), nn.Conv1d(c_in, c_out, 1, bias=False)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.b(self.a(x)) + self.shortcut(x)


class NB201Net1d(nn.Module):
    """The whole network for one cell; input (batch, 1, length), output logits (batch, n_classes)."""

    def __init__(self, arch: Arch201, config: NetworkConfig) -> None:
        super().__init__()
        c = config.stem_channels
        layers: list[nn.Module] = [
            nn.Conv1d(1, c, 3, padding=1, bias=False),
            nn.BatchNorm1d(c),
        ]
        for stage in range(3):
            if stage > 0:
                layers.append(ResidualReduction1d(c, 2 * c))
                c *= 2
            layers.extend(Cell1d(arch, c) for _ in range(config.cells_per_stage))
        layers += [nn.BatchNorm1d(c), nn.ReLU(), nn.AdaptiveAvgPool1d(1), nn.Flatten()]
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(c, config.n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def count_flops(model: nn.Module, length: int) -> int:
    """Multiply-accumulates of one forward pass on one signal, convolutions and linear layers only.

    Counted as NB201 does (its "FLOPs" are MACs of conv/linear layers); pooling, BN and additions
    are left out, so the cost of parameter-free ops shows up in the intercept of the time fit.
    """
    total = 0

    def conv_hook(m: nn.Conv1d, _inp: tuple[torch.Tensor], out: torch.Tensor) -> None:
        nonlocal total
        total += out.shape[1] * out.shape[2] * (m.in_channels // m.groups) * m.kernel_size[0]

    def linear_hook(m: nn.Linear, _inp: tuple[torch.Tensor], _out: torch.Tensor) -> None:
        nonlocal total
        total += m.in_features * m.out_features

    handles = []
    for m in model.modules():
        if isinstance(m, nn.Conv1d):
            handles.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            handles.append(m.register_forward_hook(linear_hook))
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 1, length))
    model.train(was_training)
    for h in handles:
        h.remove()
    return total
