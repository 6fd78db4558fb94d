#!/usr/bin/python3
"""Export the example CNNs (LeNet-5, ResNet-8 for CIFAR-10) to ONNX and SCALE-Sim topology CSVs.

Run with Debian's PyTorch (torch 1.13):  /usr/bin/python3 examples/cnn/export.py
Weights are seeded random (torch.manual_seed(0)): the accelerator models only need shapes, and the
frontend's value checks compare against these same weights.
Outputs (next to this script): <net>.onnx, <net>.io.json (the example input and PyTorch's output, float32
base64, read by the pytorch frontend), <net>.csv (SCALE-Sim topology) for net in lenet5, resnet8.
"""
import base64
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


class LeNet5(nn.Module):
    """LeNet-5 (LeCun et al. 1998) on 1x32x32 inputs, ReLU + max-pool variant."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class BasicBlock(nn.Module):
    """ResNet basic block (He et al. 2016) with a 1x1 projection shortcut when the shape changes."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + (x if self.shortcut is None else self.shortcut(x)))


class ResNet8(nn.Module):
    """ResNet-8 for CIFAR-10: 3x3 stem (16), one basic block per stage (16, 32, 64), GAP, FC.
    8 weight layers on the main path: stem + 3 blocks x 2 convs + FC."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(16)
        self.layer1 = BasicBlock(16, 16, 1)
        self.layer2 = BasicBlock(16, 32, 2)
        self.layer3 = BasicBlock(32, 64, 2)
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        x = F.relu(self.bn(self.conv(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        x = F.adaptive_avg_pool2d(x, 1)
        return self.fc(torch.flatten(x, 1))


def topology_rows(model, example):
    """SCALE-Sim rows (name, ifmap h, w, filter h, w, channels, filters, stride) for every conv and
    linear layer. SCALE-Sim layers are unpadded, so a padded conv is listed with its padded ifmap."""
    rows = []

    def hook(name):
        def fn(mod, inputs, output):
            x = inputs[0]
            if isinstance(mod, nn.Conv2d):
                ph, pw = mod.padding
                rows.append((name, x.shape[2] + 2 * ph, x.shape[3] + 2 * pw, mod.kernel_size[0], mod.kernel_size[1], mod.in_channels, mod.out_channels, mod.stride[0]))
            elif isinstance(mod, nn.Linear):
                rows.append((name, 1, 1, 1, 1, mod.in_features, mod.out_features, 1))
        return fn

    handles = [m.register_forward_hook(hook(n)) for n, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        model(example)
    for h in handles:
        h.remove()
    return rows


def export(model, example, stem):
    model.eval()
    onnx_path = os.path.join(HERE, stem + '.onnx')
    # training=EVAL keeps BatchNormalization in inference form; constant folding keeps the file small.
    torch.onnx.export(model, example, onnx_path, input_names=['input'], output_names=['logits'], opset_version=13,
                      do_constant_folding=True, training=torch.onnx.TrainingMode.EVAL)
    with torch.no_grad():
        out = model(example)
    enc = lambda t: {'shape': list(t.shape), 'b64': base64.b64encode(t.detach().float().contiguous().numpy().tobytes()).decode('ascii')}
    with open(os.path.join(HERE, stem + '.io.json'), 'w') as f:
        json.dump({'inputs': {'input': enc(example)}, 'outputs': {'logits': enc(out)}}, f)
        f.write('\n')
    csv_path = os.path.join(HERE, stem + '.csv')
    with open(csv_path, 'w') as f:
        f.write('Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n')
        for r in topology_rows(model, example):
            f.write(', '.join(str(v) for v in r) + ',\n')
    print(f'wrote {onnx_path} ({os.path.getsize(onnx_path)} bytes) and {csv_path}')


if __name__ == '__main__':
    torch.manual_seed(0)
    export(LeNet5(), torch.randn(1, 1, 32, 32), 'lenet5')
    torch.manual_seed(0)
    export(ResNet8(), torch.randn(1, 3, 32, 32), 'resnet8')
