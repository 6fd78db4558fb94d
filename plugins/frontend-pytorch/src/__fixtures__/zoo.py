"""Small models covering the importer's op list, exported by torch.spec.ts (one python start-up)."""
import torch
from torch import nn
import torch.nn.functional as F


class TinyCNN(nn.Module):
    """Conv2d, BatchNorm2d, ReLU, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Flatten, Linear."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 4, 3, stride=1, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.pool = nn.MaxPool2d(2)
        self.avg = nn.AvgPool2d(2, stride=1)
        self.conv2 = nn.Conv2d(4, 3, 3, stride=2, padding=1, bias=False)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.flat = nn.Flatten()
        self.fc = nn.Linear(3, 5)
        with torch.no_grad():
            # non-trivial running statistics (a fresh BatchNorm2d is the identity in eval mode)
            self.bn.running_mean.copy_(torch.linspace(-0.5, 0.5, 4))
            self.bn.running_var.copy_(torch.linspace(0.5, 2.0, 4))
            self.bn.weight.copy_(torch.linspace(0.5, 1.5, 4))
            self.bn.bias.copy_(torch.linspace(-0.1, 0.1, 4))

    def forward(self, x):
        h = self.pool(torch.relu(self.bn(self.conv(x))))
        h = self.gap(self.conv2(self.avg(h)))
        return self.fc(self.flat(h))


class NormMLP(nn.Module):
    """Linear (Gemm), LayerNorm (decomposed at opset 13), softmax."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 8)
        self.ln = nn.LayerNorm(8)
        self.fc2 = nn.Linear(8, 4)

    def forward(self, x):
        return F.softmax(self.fc2(torch.relu(self.ln(self.fc1(x)))), dim=-1)


class Elementwise(nn.Module):
    """exp, sqrt, pow, sub, div, mul, neg, amax / sum / mean with keepdim, permute, transpose."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(4, 3))

    def forward(self, x):
        y = torch.exp(x - x.amax(-1, keepdim=True))
        y = y / y.sum(-1, keepdim=True)
        z = torch.sqrt(x * x + 1.0) - x.mean(-1, keepdim=True) ** 2
        p = (y * z).permute(0, 2, 1)
        q = torch.matmul(p.transpose(1, 2), self.w)
        return -q * 0.5 + torch.maximum(q, torch.neg(q))
