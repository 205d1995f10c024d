"""Time the same MLP training on scikit-learn's digits in dlbook and in PyTorch (CPU, float64).

Both runs start from identical weights, see the same minibatches in the same order and use the
same SGD-with-momentum update, so they must end with the same parameters (checked); only the
time differs. Usage::

    python benchmarks/mlp_digits.py [--epochs 20] [--batch-size 32] [--hidden 128 64] [--repeats 3]

Prints the best-of-``repeats`` wall time of each library and the ratio dlbook / PyTorch.
"""
import argparse
import time

import numpy as np

import dlbook
from dlbook import nn, optim


def build_dlbook(sizes, seed):
    dlbook.manual_seed(seed)
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def build_torch(torch, model):
    """A torch.nn.Sequential with the same layers and a copy of the dlbook weights."""
    layers = []
    for m in model:
        if isinstance(m, nn.Linear):
            lin = torch.nn.Linear(m.in_features, m.out_features, dtype=torch.float64)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(m.weight.data))
                lin.bias.copy_(torch.from_numpy(m.bias.data))
            layers.append(lin)
        else:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def train_dlbook(model, X, y, batches, lr, momentum):
    loss_fn = nn.CrossEntropyLoss()
    opt = optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    for idx in batches:
        loss_fn(model(X[idx]), y[idx])
        opt.zero_grad()
        model.backward(loss_fn.backward())
        opt.step()


def train_torch(torch, model, X, y, batches, lr, momentum):
    loss_fn = torch.nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    for idx in batches:
        loss = loss_fn(model(X[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()


def best_time(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    import torch
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--hidden", type=int, nargs="+", default=[128, 64])
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    split = dlbook.data.load_digits_split()
    X, y = split.X_train, split.y_train
    rng = np.random.default_rng(0)
    batches = [b for _ in range(args.epochs)
               for b in dlbook.data.minibatches(len(X), args.batch_size, generator=rng)]
    sizes = [X.shape[1], *args.hidden, 10]
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    batches_t = [torch.from_numpy(b) for b in batches]

    def run_dlbook():
        model = build_dlbook(sizes, seed=0)
        train_dlbook(model, X, y, batches, args.lr, args.momentum)
        return model

    def run_torch():
        tmodel = build_torch(torch, build_dlbook(sizes, seed=0))
        train_torch(torch, tmodel, Xt, yt, batches_t, args.lr, args.momentum)
        return tmodel

    # Same start, same data, same update: the trained parameters must agree.
    model, tmodel = run_dlbook(), run_torch()
    diff = max(float(np.max(np.abs(p.data - q.detach().numpy())))
               for p, q in zip(model.parameters(), tmodel.parameters()))
    if not diff < 1e-8:
        raise SystemExit(f"dlbook and PyTorch diverged: max parameter difference {diff:.2e}")

    t_dl = best_time(run_dlbook, args.repeats)
    t_pt = best_time(run_torch, args.repeats)
    print(f"MLP {'-'.join(map(str, sizes))}, {args.epochs} epochs, batch {args.batch_size}, "
          f"{len(batches)} SGD steps, float64, torch threads {torch.get_num_threads()}")
    print(f"max |parameter difference| after training: {diff:.1e}")
    print(f"dlbook : {t_dl:.3f} s")
    print(f"PyTorch: {t_pt:.3f} s")
    print(f"ratio dlbook / PyTorch: {t_dl / t_pt:.2f}")


if __name__ == "__main__":
    main()
