"""Time conv2d and max_pool2d, forward + backward, in dlbook and in PyTorch (CPU, float64).

A 3×3 convolution with padding 1 (16 -> 32 channels on a 64×16×32×32 batch, with bias), then a
2×2 max pooling of its output. Both libraries get the same arrays and the same incoming
gradient; the results are compared before timing. Usage::

    python benchmarks/conv.py [--batch-size 64] [--size 32] [--repeats 7]

Prints the best-of-``repeats`` wall time of each library (the repeats alternate between the
two) and the ratio dlbook / PyTorch.
"""
import argparse
import time

import numpy as np

from dlbook._conv import Conv2dFunction, MaxPool2dFunction


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


def main():
    import torch
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--in-channels", type=int, default=16)
    parser.add_argument("--out-channels", type=int, default=32)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

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


if __name__ == "__main__":
    main()
