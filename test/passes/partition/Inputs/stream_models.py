"""Models for --memory-budget: block cuts in every kind of graph, and a
GPT-style decoder whose weights are several times the budget.

  python3 stream_models.py small OUT_DIR
      mlp.onnx (residual MLP: cuts inside the skip), cnn.onnx (a stem, an
      identity residual block, a strided block with a projected skip, a
      head), transformer.onnx (one pre-norm transformer layer on [1, 16, 64]
      tokens), each with an input OUT_DIR/<name>_input.npy
  python3 stream_models.py gpt OUT_DIR [LAYERS D_MODEL VOCAB CONTEXT SEQ]
      gpt.onnx: test/zoo/build_zoo.py's GPT decoder (dynamic seq), default
      8 layers, d 256, vocab 2048, context 64, and gpt_input.npy (1 x SEQ
      token ids, default 32)

Fixed seeds, random weights: these test the mechanics of cutting and
streaming (outputs must equal the all-resident build bit for bit), not
accuracy.
"""
import os
import sys
import warnings

import numpy as np

warnings.filterwarnings("ignore")
HERE = os.path.dirname(os.path.abspath(__file__))


def export(torch, model, example, path, dynamic=None, name="input"):
    model.eval()
    with torch.no_grad():
        torch.onnx.export(model, example, path, opset_version=17,
                          input_names=[name], output_names=["output"],
                          dynamic_axes=dynamic)


def small(out):
    import torch
    nn = torch.nn
    torch.manual_seed(0)

    class Mlp(nn.Module):
        def __init__(self):
            super().__init__()
            self.inp = nn.Linear(64, 128)
            self.blocks = nn.ModuleList(
                [nn.Sequential(nn.Linear(128, 256), nn.ReLU(),
                               nn.Linear(256, 128)) for _ in range(3)])
            self.out = nn.Linear(128, 10)

        def forward(self, x):
            x = self.inp(x)
            for block in self.blocks:
                x = torch.relu(x + block(x))
            return self.out(x)

    class Res(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.c1 = nn.Conv2d(cin, cout, 3, stride, 1)
            self.b1 = nn.BatchNorm2d(cout)
            self.c2 = nn.Conv2d(cout, cout, 3, 1, 1)
            self.skip = (nn.Conv2d(cin, cout, 1, stride)
                         if stride != 1 or cin != cout else nn.Identity())

        def forward(self, x):
            y = self.c2(torch.relu(self.b1(self.c1(x))))
            return torch.relu(y + self.skip(x))

    class Cnn(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 16, 3, 1, 1)
            self.r1 = Res(16, 16, 1)
            self.r2 = Res(16, 32, 2)
            self.fc = nn.Linear(32, 10)

        def forward(self, x):
            x = self.r2(self.r1(torch.relu(self.stem(x))))
            return self.fc(x.mean((2, 3)))

    sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "zoo"))
    from build_zoo import DecoderBlock  # noqa: E402

    class Transformer(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = DecoderBlock(64, 4, 16)
            self.head = nn.Linear(64, 32)

        def forward(self, x):
            return self.head(self.block(x))

    rng = np.random.default_rng(0)
    cases = {
        "mlp": (Mlp(), (1, 64)),
        "cnn": (Cnn(), (1, 3, 16, 16)),
        "transformer": (Transformer(), (1, 16, 64)),
    }
    for name, (model, shape) in cases.items():
        x = rng.standard_normal(shape).astype(np.float32)
        export(torch, model, torch.from_numpy(x),
               os.path.join(out, name + ".onnx"))
        np.save(os.path.join(out, name + "_input.npy"), x)


def gpt(out, layers=8, d_model=256, vocab=2048, context=64, seq=32):
    import torch
    sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "zoo"))
    from build_zoo import GPTDecoder  # noqa: E402
    torch.manual_seed(6)
    model = GPTDecoder(vocab=vocab, context=context, d_model=d_model,
                       n_heads=max(1, d_model // 64), n_layers=layers)
    ids = torch.from_numpy(
        np.random.default_rng(6).integers(0, vocab, size=(1, seq)))
    export(torch, model, ids, os.path.join(out, "gpt.onnx"),
           {"input_ids": {1: "seq"}, "output": {1: "seq"}}, "input_ids")
    np.save(os.path.join(out, "gpt_input.npy"), ids.numpy())


if __name__ == "__main__":
    kind, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    if kind == "small":
        small(out)
    elif kind == "gpt":
        gpt(out, *[int(a) for a in sys.argv[3:]])
    else:
        sys.exit("usage: stream_models.py small|gpt OUT_DIR [...]")
