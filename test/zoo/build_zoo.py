#!/usr/bin/python3
"""Build Mica's end-to-end model zoo with Debian's torch.

    /usr/bin/python3 test/zoo/build_zoo.py --out build/zoo [--only NAME ...] [--force]

Every model is created with random weights under a fixed seed (no download,
weights=None), put in eval mode, exported to ONNX (opset 17, constant folding)
and checked with onnx.checker. Beside each model the script writes one test
data set in the ONNX backend-test layout:

    OUT/<name>/model.onnx
    OUT/<name>/test_data_set_0/input_0.pb     (TensorProto named like the graph input)
    OUT/<name>/test_data_set_0/output_0.pb    (reference output computed by torch)
    OUT/<name>/.stamp                         (hash of this script + torch version)

A model whose files exist with a matching stamp is skipped, so reruns are
instant. Progress goes to stderr, one line per model; a summary table
(name, parameters, file size, time) goes to stdout.

This file is not a lit test: test/zoo/lit.local.cfg excludes it.
"""

import argparse
import hashlib
import io
import math
import os
import shutil
import sys
import tempfile
import time
import warnings

warnings.filterwarnings("ignore")
os.environ.setdefault("PYTHONWARNINGS", "ignore")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import torchvision  # noqa: E402
import onnx  # noqa: E402
from onnx import numpy_helper  # noqa: E402

OPSET = 17
IMAGE_SHAPE = (1, 3, 224, 224)

# GPT-style decoder hyper-parameters.
GPT_VOCAB = 4096
GPT_CONTEXT = 64
GPT_D_MODEL = 256
GPT_HEADS = 4
GPT_LAYERS = 6
GPT_REF_SEQ = 16


# --------------------------------------------------------------------------
# GPT-style decoder (pre-LN, learned positions, causal mask, GELU MLP 4x).
# Attention is written out with matmuls so that it exports at opset 17
# without relying on nn.MultiheadAttention's fused fast path.
# --------------------------------------------------------------------------
class CausalSelfAttention(nn.Module):
    def __init__(self, d_model, n_heads, context):
        super().__init__()
        assert d_model % n_heads == 0
        self.n_heads = n_heads
        self.head_dim = d_model // n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        # Additive causal mask for the full context; sliced to the actual
        # sequence length at run time, so any seq <= context works.
        mask = torch.full((context, context), float("-inf")).triu(1)
        self.register_buffer("mask", mask.view(1, 1, context, context), persistent=False)

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(x).split(c, dim=2)
        q = q.reshape(b, t, self.n_heads, self.head_dim).transpose(1, 2)
        k = k.reshape(b, t, self.n_heads, self.head_dim).transpose(1, 2)
        v = v.reshape(b, t, self.n_heads, self.head_dim).transpose(1, 2)
        att = torch.matmul(q, k.transpose(-2, -1)) * (1.0 / math.sqrt(self.head_dim))
        att = att + self.mask[:, :, :t, :t]
        att = F.softmax(att, dim=-1)
        y = torch.matmul(att, v)
        y = y.transpose(1, 2).reshape(b, t, c)
        return self.proj(y)


class DecoderBlock(nn.Module):
    def __init__(self, d_model, n_heads, context):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = CausalSelfAttention(d_model, n_heads, context)
        self.ln2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(
            nn.Linear(d_model, 4 * d_model),
            nn.GELU(),
            nn.Linear(4 * d_model, d_model),
        )

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        x = x + self.mlp(self.ln2(x))
        return x


class GPTDecoder(nn.Module):
    def __init__(self, vocab=GPT_VOCAB, context=GPT_CONTEXT, d_model=GPT_D_MODEL,
                 n_heads=GPT_HEADS, n_layers=GPT_LAYERS):
        super().__init__()
        self.tok_emb = nn.Embedding(vocab, d_model)
        self.pos_emb = nn.Parameter(torch.zeros(1, context, d_model))
        self.blocks = nn.ModuleList(
            [DecoderBlock(d_model, n_heads, context) for _ in range(n_layers)])
        self.ln_f = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab, bias=False)  # untied
        self.apply(self._init)
        nn.init.normal_(self.pos_emb, std=0.02)

    @staticmethod
    def _init(m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=0.02)

    def forward(self, input_ids):
        t = input_ids.shape[1]
        x = self.tok_emb(input_ids) + self.pos_emb[:, :t]
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.ln_f(x))


# --------------------------------------------------------------------------
# The zoo.
# --------------------------------------------------------------------------
def _image_input(rng):
    return rng.standard_normal(IMAGE_SHAPE).astype(np.float32)


def _ids_input(rng):
    return rng.integers(0, GPT_VOCAB, size=(1, GPT_REF_SEQ), dtype=np.int64)


def _vit_tiny():
    model = torchvision.models.VisionTransformer(
        image_size=224, patch_size=16, num_layers=12, num_heads=3,
        hidden_dim=192, mlp_dim=768, num_classes=1000)
    # torchvision zero-initialises the classifier, which would make every
    # reference output exactly 0 and numerically useless as a test.
    nn.init.normal_(model.heads.head.weight, std=0.05)
    nn.init.normal_(model.heads.head.bias, std=0.05)
    return model


def calibrate_batchnorm(model, seed, batch=8):
    """Give BatchNorm layers realistic statistics.

    Freshly initialised torchvision CNNs have identity BN statistics
    (mean 0, var 1), and with their fan-out init the activations collapse
    towards 0 through depthwise layers (MobileNet, EfficientNet logits come
    out around 1e-9), which makes reference outputs useless. Randomise the
    affine parameters a little, then estimate running statistics from one
    batch of random images, as a trained network would have them. The export
    folds BN into the convolutions, so this only changes weight values.
    """
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for bn in bns:
            bn.reset_running_stats()
            bn.momentum = None  # cumulative average over the calibration batch
            if bn.affine:
                bn.weight.copy_(0.75 + 0.5 * torch.rand(bn.weight.shape, generator=gen))
                bn.bias.copy_(0.1 * torch.randn(bn.bias.shape, generator=gen))
        model.train()
        model(torch.randn((batch,) + IMAGE_SHAPE[1:], generator=gen))
    model.eval()


# name -> (seed, constructor, input maker, input name, output name, dynamic axes)
MODELS = {
    "mobilenet_v2": (1, lambda: torchvision.models.mobilenet_v2(weights=None),
                     _image_input, "input", "output", None),
    "mobilenet_v3_large": (2, lambda: torchvision.models.mobilenet_v3_large(weights=None),
                           _image_input, "input", "output", None),
    "resnet18": (3, lambda: torchvision.models.resnet18(weights=None),
                 _image_input, "input", "output", None),
    "efficientnet_b0": (4, lambda: torchvision.models.efficientnet_b0(weights=None),
                        _image_input, "input", "output", None),
    "vit_tiny": (5, _vit_tiny, _image_input, "input", "output", None),
    "gpt_decoder": (6, GPTDecoder, _ids_input, "input_ids", "logits",
                    {"input_ids": {1: "seq"}, "logits": {1: "seq"}}),
}


# Extra sequence lengths per dynamic model (the first data set is at
# GPT_REF_SEQ); the longest is the model's context, the bound to compile with.
EXTRA_LENGTHS = {"gpt_decoder": (1, 7, 40, GPT_CONTEXT)}


def stamp_value():
    h = hashlib.sha256()
    with open(os.path.abspath(__file__), "rb") as f:
        h.update(f.read())
    h.update(("torch=" + torch.__version__).encode())
    h.update(("torchvision=" + torchvision.__version__).encode())
    h.update(("onnx=" + onnx.__version__).encode())
    return h.hexdigest()


def is_fresh(model_dir, stamp):
    needed = [os.path.join(model_dir, "model.onnx"),
              os.path.join(model_dir, "test_data_set_0", "input_0.pb"),
              os.path.join(model_dir, "test_data_set_0", "output_0.pb")]
    stamp_path = os.path.join(model_dir, ".stamp")
    if not all(os.path.isfile(p) for p in needed) or not os.path.isfile(stamp_path):
        return False
    with open(stamp_path) as f:
        lines = f.read().split("\n")
    return lines[0].strip() == stamp


def cached_params(model_dir):
    try:
        with open(os.path.join(model_dir, ".stamp")) as f:
            for line in f:
                if line.startswith("params "):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def save_tensor(array, name, path):
    tensor = numpy_helper.from_array(np.ascontiguousarray(array), name=name)
    with open(path, "wb") as f:
        f.write(tensor.SerializeToString())


def build_one(name, out_dir, stamp):
    seed, ctor, make_input, in_name, out_name, dyn = MODELS[name]
    torch.manual_seed(seed)
    model = ctor()
    calibrate_batchnorm(model, seed + 1000)
    model.eval()
    params = sum(p.numel() for p in model.parameters())

    rng = np.random.default_rng(seed)
    x = make_input(rng)
    with torch.no_grad():
        ref = model(torch.from_numpy(x)).numpy()

    # Export into a temporary directory and move it into place at the end, so
    # an interrupted run never leaves a partial model behind a valid stamp.
    final_dir = os.path.join(out_dir, name)
    tmp_dir = tempfile.mkdtemp(prefix="." + name + ".", dir=out_dir)
    try:
        model_path = os.path.join(tmp_dir, "model.onnx")
        buf = io.BytesIO()
        with torch.no_grad():
            torch.onnx.export(
                model, (torch.from_numpy(x),), buf,
                opset_version=OPSET, do_constant_folding=True,
                input_names=[in_name], output_names=[out_name],
                dynamic_axes=dyn, training=torch.onnx.TrainingMode.EVAL,
                verbose=False)
        proto = onnx.load_from_string(buf.getvalue())
        # The exporter names output dims it cannot prove static (e.g. the GPT
        # batch dim becomes "MatMullogits_dim_0"); pin every dim that is not
        # declared dynamic to its traced size.
        dynamic = {d for axes in (dyn or {}).values() for d in axes.values()}
        for value, shape in ((proto.graph.output[0], ref.shape),):
            for dim, size in zip(value.type.tensor_type.shape.dim, shape):
                if dim.HasField("dim_param") and dim.dim_param not in dynamic:
                    dim.dim_value = size
        onnx.checker.check_model(proto, full_check=True)
        graph_inputs = [i.name for i in proto.graph.input]
        graph_outputs = [o.name for o in proto.graph.output]
        if graph_inputs[:1] != [in_name] or graph_outputs[:1] != [out_name]:
            raise RuntimeError("unexpected graph signature %s -> %s"
                               % (graph_inputs, graph_outputs))
        with open(model_path, "wb") as f:
            f.write(proto.SerializeToString())

        data_dir = os.path.join(tmp_dir, "test_data_set_0")
        os.makedirs(data_dir)
        save_tensor(x, in_name, os.path.join(data_dir, "input_0.pb"))
        save_tensor(ref, out_name, os.path.join(data_dir, "output_0.pb"))
        # Models with a symbolic sequence length get references at more
        # lengths (test_data_set_1...), for runs of one compiled artifact at
        # several actual shapes.
        if dyn and name in EXTRA_LENGTHS:
            for k, length in enumerate(EXTRA_LENGTHS[name], start=1):
                xk = rng.integers(0, GPT_VOCAB, size=(1, length), dtype=np.int64)
                with torch.no_grad():
                    refk = model(torch.from_numpy(xk)).numpy()
                dk = os.path.join(tmp_dir, "test_data_set_%d" % k)
                os.makedirs(dk)
                save_tensor(xk, in_name, os.path.join(dk, "input_0.pb"))
                save_tensor(refk, out_name, os.path.join(dk, "output_0.pb"))
        with open(os.path.join(tmp_dir, ".stamp"), "w") as f:
            f.write("%s\nparams %d\n" % (stamp, params))

        os.chmod(tmp_dir, 0o755)  # mkdtemp makes it 0700
        if os.path.isdir(final_dir):
            shutil.rmtree(final_dir)
        os.rename(tmp_dir, final_dir)
    except BaseException:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        raise
    return params, x.shape, ref.shape


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="output directory (e.g. build/zoo)")
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=sorted(MODELS),
                        help="build only these models")
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = parser.parse_args(argv)

    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    os.makedirs(args.out, exist_ok=True)
    stamp = stamp_value()
    names = args.only if args.only else list(MODELS)

    rows = []
    failed = []
    t_all = time.time()
    for name in names:
        model_dir = os.path.join(args.out, name)
        model_path = os.path.join(model_dir, "model.onnx")
        if not args.force and is_fresh(model_dir, stamp):
            print("zoo: %-20s up to date" % name, file=sys.stderr, flush=True)
            rows.append((name, cached_params(model_dir), os.path.getsize(model_path), 0.0,
                         "cached"))
            continue
        t0 = time.time()
        try:
            params, in_shape, out_shape = build_one(name, args.out, stamp)
        except Exception as e:  # report every model, then fail
            print("zoo: %-20s FAILED: %s: %s" % (name, type(e).__name__, e),
                  file=sys.stderr, flush=True)
            failed.append(name)
            continue
        dt = time.time() - t0
        size = os.path.getsize(model_path)
        print("zoo: %-20s built in %5.1f s  %s -> %s  %.1f MB"
              % (name, dt, list(in_shape), list(out_shape), size / 1e6),
              file=sys.stderr, flush=True)
        rows.append((name, params, size, dt, "built"))

    print("%-20s %12s %12s %8s  %s" % ("model", "params", "onnx bytes", "time s", "status"))
    for name, params, size, dt, status in rows:
        print("%-20s %12s %12d %8.1f  %s"
              % (name, "-" if params is None else "{:,}".format(params), size, dt, status))
    print("total %.1f s, %d built or cached, %d failed"
          % (time.time() - t_all, len(rows), len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
