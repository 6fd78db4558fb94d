"""Sparse autoencoder (FuseFlow artifact, tests/models/autoencoder_*_batched):
Y = relu(X·W_enc + b_enc)·W_dec + b_dec, batch 32 in the artifact; X, W_enc, W_dec are DCSR there.
"""
import torch
from torch import nn

CONFIG = {"input_dim": 64, "hidden_dim": 16}
BATCH = 4


class SAE(nn.Module):
    def __init__(self, input_dim, hidden_dim):
        super().__init__()
        self.W_enc = nn.Parameter(torch.randn(input_dim, hidden_dim) * 0.1)
        self.b_enc = nn.Parameter(torch.randn(hidden_dim) * 0.01)
        self.W_dec = nn.Parameter(torch.randn(hidden_dim, input_dim) * 0.1)
        self.b_dec = nn.Parameter(torch.randn(input_dim) * 0.01)

    def forward(self, X):
        h = torch.relu(torch.matmul(X, self.W_enc) + self.b_enc)
        return torch.matmul(h, self.W_dec) + self.b_dec


def example_inputs(config):
    g = torch.Generator().manual_seed(1)
    return {"X": torch.randn(BATCH, config["input_dim"], generator=g) * 0.1}
