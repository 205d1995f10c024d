"""Time conv2d and max_pool2d, forward + backward, in dlbook and in PyTorch (CPU, float64).

A 3×3 convolution with padding 1 (16 -> 32 channels on a 64×16×32×32 batch, with bias), then a
2×2 max pooling of its output. Both libraries get the same arrays and the same incoming
gradient; the results are compared before timing. Usage::

    python benchmarks/conv.py [--batch-size 64] [--size 32] [--repeats 7]

Prints the best-of-``repeats`` wall time of each library (the repeats alternate between the
two) and the ratio dlbook / PyTorch.

Then one training epoch of a small CNN on scikit-learn's 8×8 digits (the training split):
conv 3×3 (16 maps) + BatchNorm2d + ReLU + 2×2 max pool, conv 3×3 (32 maps) + ReLU + 2×2 max
pool, flatten, linear 128 -> 10; cross-entropy, SGD with momentum, minibatches of
``--cnn-batch-size``. Both libraries start from the same weights (copied through the state
dict) and see the same minibatches, so they must end with the same parameters (checked) before
the epoch is timed. ``--part ops`` or ``--part cnn`` runs only one of the two benchmarks.
"""
import argparse
import time

import numpy as np

import dlbook
from dlbook import optim
from dlbook._conv import Conv2dFunction, MaxPool2dFunction
from dlbook.nn.batchnorm2d import BatchNorm2d
from dlbook.nn.conv import Conv2d
from dlbook.nn.flatten import Flatten
from dlbook.nn.modules import CrossEntropyLoss, Linear, ReLU, Sequential
from dlbook.nn.pooling import MaxPool2d


def best_times(fns, repeats):
    """Best wall time of each function; the repeats alternate between them, so a busy machine
    slows both libraries alike."""
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, t in zip(fns, times):
            start = time.perf_counter()
            fn()
            t.append(time.perf_counter() - start)
    return [min(t) for t in times]


def ops_benchmark(torch, args):
    rng = np.random.default_rng(0)
    n, c, o, s = args.batch_size, args.in_channels, args.out_channels, args.size
    x = rng.normal(size=(n, c, s, s))
    w = rng.normal(size=(o, c, 3, 3)) / np.sqrt(9 * c)
    b = rng.normal(size=o)
    g_conv = rng.normal(size=(n, o, s, s))
    h = Conv2dFunction.apply(x, w, b, 1, 1)[0]          # the pooling input: the conv output
    g_pool = rng.normal(size=(n, o, s // 2, s // 2))

    def conv_dlbook():
        y, ctx = Conv2dFunction.apply(x, w, b, 1, 1)
        return (y,) + Conv2dFunction.backward(ctx, g_conv)

    def pool_dlbook():
        y, ctx = MaxPool2dFunction.apply(h, 2)
        return y, MaxPool2dFunction.backward(ctx, g_pool)

    xt, wt, bt, ht = (torch.tensor(a, requires_grad=True) for a in (x, w, b, h))
    g_conv_t, g_pool_t = torch.tensor(g_conv), torch.tensor(g_pool)

    def conv_torch():
        for t in (xt, wt, bt):
            t.grad = None
        y = torch.nn.functional.conv2d(xt, wt, bt, 1, 1)
        y.backward(g_conv_t)
        return y, xt.grad, wt.grad, bt.grad

    def pool_torch():
        ht.grad = None
        y = torch.nn.functional.max_pool2d(ht, 2)
        y.backward(g_pool_t)
        return y, ht.grad

    for name, ours, theirs in (("conv2d", conv_dlbook, conv_torch),
                               ("max_pool2d", pool_dlbook, pool_torch)):
        for a, t in zip(ours(), theirs()):
            np.testing.assert_allclose(a, t.detach().numpy(), rtol=1e-10, atol=1e-10,
                                       err_msg=f"{name}: dlbook and PyTorch disagree")

    print(f"batch {n}, {c} -> {o} channels, {s}x{s}, float64, torch threads "
          f"{torch.get_num_threads()}, best of {args.repeats}")
    for name, ours, theirs in (("conv2d 3x3 pad 1, forward+backward", conv_dlbook, conv_torch),
                               ("max_pool2d 2x2, forward+backward", pool_dlbook, pool_torch)):
        t_dl, t_pt = best_times((ours, theirs), args.repeats)
        print(f"{name}: dlbook {t_dl * 1e3:.3g} ms, PyTorch {t_pt * 1e3:.3g} ms, "
              f"ratio dlbook / PyTorch {t_dl / t_pt:.3g}")


def small_cnn(seed):
    """The benchmark's CNN for 1×8×8 digit images, initialised from ``seed``."""
    rng = np.random.default_rng(seed)
    return Sequential(Conv2d(1, 16, 3, padding=1, generator=rng), BatchNorm2d(16), ReLU(),
                      MaxPool2d(2),
                      Conv2d(16, 32, 3, padding=1, generator=rng), ReLU(), MaxPool2d(2),
                      Flatten(), Linear(32 * 2 * 2, 10, generator=rng))


def torch_twin(torch, model):
    """The same CNN in torch.nn (float64) with a copy of ``model``'s state dict."""
    nn = torch.nn
    twin = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
                         nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(32 * 2 * 2, 10)).to(torch.float64)
    twin.load_state_dict({k: torch.from_numpy(v) for k, v in model.state_dict().items()})
    return twin


def cnn_benchmark(torch, args):
    split = dlbook.data.load_digits_split()
    X, y = split.X_train.reshape(-1, 1, 8, 8), split.y_train
    batches = dlbook.data.minibatches(len(X), args.cnn_batch_size,
                                      generator=np.random.default_rng(0))
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    batches_t = [torch.from_numpy(b) for b in batches]
    lr, momentum = 0.05, 0.9

    def epoch_dlbook():
        model = small_cnn(0)
        loss_fn = CrossEntropyLoss()
        opt = optim.SGD(model.parameters(), lr=lr, momentum=momentum)
        for idx in batches:
            loss_fn(model(X[idx]), y[idx])
            opt.zero_grad()
            model.backward(loss_fn.backward())
            opt.step()
        return model

    def epoch_torch():
        model = torch_twin(torch, small_cnn(0))
        loss_fn = torch.nn.CrossEntropyLoss()
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
        for idx in batches_t:
            loss = loss_fn(model(Xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        return model

    ours, theirs = epoch_dlbook(), epoch_torch()
    reference = theirs.state_dict()
    diff = max(float(np.max(np.abs(v - reference[k].numpy())))
               for k, v in ours.state_dict().items())
    if not diff < 1e-8:
        raise SystemExit(f"small CNN: dlbook and PyTorch diverged, max difference {diff:.2e}")
    t_dl, t_pt = best_times((epoch_dlbook, epoch_torch), args.cnn_repeats)
    print(f"small CNN on digits, one epoch: {len(X)} images, batch {args.cnn_batch_size}, "
          f"{len(batches)} SGD steps, float64; max |state difference| after the epoch "
          f"{diff:.1e}")
    print(f"small CNN epoch: dlbook {t_dl * 1e3:.3g} ms, PyTorch {t_pt * 1e3:.3g} ms, "
          f"ratio dlbook / PyTorch {t_dl / t_pt:.3g}")


def main():
    import torch
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--in-channels", type=int, default=16)
    parser.add_argument("--out-channels", type=int, default=32)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--cnn-batch-size", type=int, default=32)
    parser.add_argument("--cnn-repeats", type=int, default=5)
    parser.add_argument("--part", choices=("all", "ops", "cnn"), default="all")
    args = parser.parse_args()
    if args.part in ("all", "ops"):
        ops_benchmark(torch, args)
    if args.part in ("all", "cnn"):
        cnn_benchmark(torch, args)


if __name__ == "__main__":
    main()
