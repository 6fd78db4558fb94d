"""One GPT-3 decoder layer with BigBird block-sparse attention (FuseFlow artifact, gpt-3/*.mlir).

Pre-LN: h = LN1(x); per-head Q, K, V projections; S = Q·K^T / sqrt(d_head) restricted to the
BigBird mask (masked_fill(mask == 0, -inf), i.e. the artifact's S ⊙ mask then a softmax over the
stored entries); O = softmax(S)·V; x1 = x + sum_heads(O·Wo) + bo; out = x1 + FFN(LN2(x1)) with a
ReLU FFN, as in the artifact. The projection weights are stored per head ([heads, d_model,
d_head] and [heads, d_head, d_model]) so the whole layer is index notation without reshapes; it is
the same function as the usual [d_model, d_model] weights split into heads.
"""
import math

import torch
from torch import nn

CONFIG = {"d_model": 128, "heads": 2, "ffn": 256}
SEQ = 64
BLOCK = 8


class GPT3Layer(nn.Module):
    def __init__(self, d_model, heads, ffn):
        super().__init__()
        dh = d_model // heads
        self.scale = math.sqrt(dh)
        self.ln1 = nn.LayerNorm(d_model)
        self.Wq = nn.Parameter(torch.randn(heads, d_model, dh) * 0.05)
        self.bq = nn.Parameter(torch.randn(heads, 1, dh) * 0.01)
        self.Wk = nn.Parameter(torch.randn(heads, d_model, dh) * 0.05)
        self.bk = nn.Parameter(torch.randn(heads, 1, dh) * 0.01)
        self.Wv = nn.Parameter(torch.randn(heads, d_model, dh) * 0.05)
        self.bv = nn.Parameter(torch.randn(heads, 1, dh) * 0.01)
        self.Wo = nn.Parameter(torch.randn(heads, dh, d_model) * 0.05)
        self.bo = nn.Parameter(torch.randn(d_model) * 0.01)
        self.ln2 = nn.LayerNorm(d_model)
        self.W1 = nn.Parameter(torch.randn(d_model, ffn) * 0.05)
        self.b1 = nn.Parameter(torch.randn(ffn) * 0.01)
        self.W2 = nn.Parameter(torch.randn(ffn, d_model) * 0.05)
        self.b2 = nn.Parameter(torch.randn(d_model) * 0.01)

    def forward(self, x, mask):
        h = self.ln1(x)
        q = torch.matmul(h, self.Wq) + self.bq
        k = torch.matmul(h, self.Wk) + self.bk
        v = torch.matmul(h, self.Wv) + self.bv
        s = torch.matmul(q, k.transpose(1, 2)) / self.scale
        s = s.masked_fill(mask == 0, float("-inf"))
        p = torch.softmax(s, dim=-1)
        o = torch.matmul(p, v)
        x1 = x + torch.matmul(o, self.Wo).sum(0) + self.bo
        f = torch.matmul(torch.relu(torch.matmul(self.ln2(x1), self.W1) + self.b1), self.W2) + self.b2
        return x1 + f


def bigbird_mask(seq, block, seed=0, random_blocks=2, global_blocks=2):
    """BigBird block mask: sliding window (diagonal +-1 block), global rows/columns, random blocks."""
    nb = seq // block
    g = torch.Generator().manual_seed(seed)
    m = torch.zeros(nb, nb)
    for i in range(nb):
        for j in (i - 1, i, i + 1):
            if 0 <= j < nb:
                m[i, j] = 1
        for j in torch.randperm(nb, generator=g)[:random_blocks].tolist():
            m[i, j] = 1
    m[:global_blocks, :] = 1
    m[:, :global_blocks] = 1
    return m.repeat_interleave(block, 0).repeat_interleave(block, 1)


def example_inputs(config):
    g = torch.Generator().manual_seed(1)
    return {"x": torch.randn(SEQ, config["d_model"], generator=g), "mask": bigbird_mask(SEQ, BLOCK)}
