"""Two-layer GraphSAGE (FuseFlow artifact, tests/models/graphsage), mean aggregation:
h1 = relu((X·W1s + b1s) + ((A·X)·W1n + b1n)); out = relu((h1·W2s + b2s) + ((A·h1)·W2n + b2n)).

A is the row-normalised adjacency (mean over neighbours), sparse COO here, DCSR in the manifests.
"""
import torch
from torch import nn

CONFIG = {"features": 12, "hidden": 16, "classes": 4}
NODES = 24


class GraphSAGE(nn.Module):
    def __init__(self, features, hidden, classes):
        super().__init__()
        self.W1s = nn.Parameter(torch.randn(features, hidden) * 0.1)
        self.b1s = nn.Parameter(torch.randn(hidden) * 0.01)
        self.W1n = nn.Parameter(torch.randn(features, hidden) * 0.1)
        self.b1n = nn.Parameter(torch.randn(hidden) * 0.01)
        self.W2s = nn.Parameter(torch.randn(hidden, classes) * 0.1)
        self.b2s = nn.Parameter(torch.randn(classes) * 0.01)
        self.W2n = nn.Parameter(torch.randn(hidden, classes) * 0.1)
        self.b2n = nn.Parameter(torch.randn(classes) * 0.01)

    def forward(self, A, X):
        self1 = torch.matmul(X, self.W1s) + self.b1s
        neigh1 = torch.matmul(torch.sparse.mm(A, X), self.W1n) + self.b1n
        h1 = torch.relu(self1 + neigh1)
        self2 = torch.matmul(h1, self.W2s) + self.b2s
        neigh2 = torch.matmul(torch.sparse.mm(A, h1), self.W2n) + self.b2n
        return torch.relu(self2 + neigh2)


def mean_adjacency(n, edges_per_node, seed):
    g = torch.Generator().manual_seed(seed)
    a = (torch.rand(n, n, generator=g) < edges_per_node / n).float()
    a = ((a + a.t()) > 0).float()
    a.fill_diagonal_(0.0)
    deg = a.sum(1).clamp(min=1.0)
    return (a / deg[:, None]).to_sparse()


def example_inputs(config):
    g = torch.Generator().manual_seed(1)
    return {"A": mean_adjacency(NODES, 3, 2), "X": torch.randn(NODES, config["features"], generator=g)}
