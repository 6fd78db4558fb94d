"""Two-layer GCN (FuseFlow artifact, tests/models/gcn): softmax_row(A·relu(A·X·W1 + b1)·W2 + b2).

A is the (normalised, self-looped) adjacency, a sparse COO tensor here; the FuseFlow manifests
store it as DCSR. CONFIG is the small variant the committed exports use; the dataset manifests
bind full-size data and weights generated from seeds.
"""
import torch
from torch import nn

CONFIG = {"features": 12, "hidden": 16, "classes": 4}
NODES = 24


class GCN(nn.Module):
    def __init__(self, features, hidden, classes):
        super().__init__()
        self.W1 = nn.Parameter(torch.randn(features, hidden) * 0.1)
        self.b1 = nn.Parameter(torch.randn(hidden) * 0.01)
        self.W2 = nn.Parameter(torch.randn(hidden, classes) * 0.1)
        self.b2 = nn.Parameter(torch.randn(classes) * 0.01)

    def forward(self, A, X):
        h = torch.sparse.mm(A, X)
        h = torch.relu(torch.matmul(h, self.W1) + self.b1)
        h = torch.sparse.mm(A, h)
        z = torch.matmul(h, self.W2) + self.b2
        return torch.softmax(z, dim=1)


def normalized_adjacency(n, edges_per_node, seed):
    """D^-1/2 (A + I) D^-1/2 of a random symmetric graph (the GCN propagation matrix)."""
    g = torch.Generator().manual_seed(seed)
    a = (torch.rand(n, n, generator=g) < edges_per_node / n).float()
    a = ((a + a.t()) > 0).float()
    a.fill_diagonal_(1.0)
    d = a.sum(1).rsqrt()
    return (d[:, None] * a * d[None, :]).to_sparse()


def example_inputs(config):
    g = torch.Generator().manual_seed(1)
    return {"A": normalized_adjacency(NODES, 3, 2), "X": torch.randn(NODES, config["features"], generator=g)}
