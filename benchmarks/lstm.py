"""Time an LSTM forward + backward pass in dlbook and in PyTorch (CPU, float64).

One layer, 64 input features -> 128 hidden units, a batch of 32 sequences of T = 50 steps. Both
libraries get the same weights, the same input and the same incoming gradients (of the output
and of the final states); the results are compared before timing. Usage::

    python benchmarks/lstm.py [--batch-size 32] [--steps 50] [--input-size 64]
                              [--hidden-size 128] [--repeats 10] [--threads K]

Prints the best-of-``repeats`` wall time of each library (the two take turns) and the ratio
dlbook / PyTorch. ``--threads K`` limits both NumPy's BLAS (through threadpoolctl) and PyTorch
to K threads; on a shared, busy machine ``--threads 1`` gives the steadiest comparison.
"""
import argparse
import time

import numpy as np

from dlbook.nn.rnn import LSTM


def best_times(fns, repeats):
    """Best wall time of each function; the functions take turns, so a change in the machine's
    load during the run affects both alike."""
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, record in zip(fns, times):
            start = time.perf_counter()
            fn()
            record.append(time.perf_counter() - start)
    return [min(record) for record in times]


def main():
    import torch
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--input-size", type=int, default=64)
    parser.add_argument("--hidden-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads is not None:
        from threadpoolctl import threadpool_limits
        threadpool_limits(args.threads)
        torch.set_num_threads(args.threads)

    rng = np.random.default_rng(0)
    n, t, d, h = args.batch_size, args.steps, args.input_size, args.hidden_size
    model = LSTM(d, h, generator=rng)
    reference = torch.nn.LSTM(d, h).to(torch.float64)
    reference.load_state_dict({k: torch.tensor(v) for k, v in model.state_dict().items()})
    x = rng.normal(size=(t, n, d))
    g_out = rng.normal(size=(t, n, h))
    g_h, g_c = rng.normal(size=(1, n, h)), rng.normal(size=(1, n, h))

    def run_dlbook():
        model.zero_grad()
        output, (h_n, c_n) = model(x)
        return output, model.backward(g_out, grad_h_n=g_h, grad_c_n=g_c)

    xt = torch.tensor(x, requires_grad=True)
    g_out_t, g_h_t, g_c_t = (torch.tensor(a) for a in (g_out, g_h, g_c))

    def run_torch():
        reference.zero_grad(set_to_none=True)
        xt.grad = None
        output, (h_n, c_n) = reference(xt)
        torch.autograd.backward([output, h_n, c_n], [g_out_t, g_h_t, g_c_t])
        return output, xt.grad

    out_d, dx_d = run_dlbook()
    out_t, dx_t = run_torch()
    np.testing.assert_allclose(out_d, out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx_d, dx_t.numpy(), rtol=1e-10, atol=1e-12)
    for (name, p), q in zip(model.named_parameters(), reference.parameters()):
        np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)

    t_dlbook, t_torch = best_times([run_dlbook, run_torch], args.repeats)
    from threadpoolctl import threadpool_info
    blas = max((pool["num_threads"] for pool in threadpool_info()
                if pool.get("user_api") == "blas"), default="?")
    print(f"LSTM({d}, {h}), batch {n}, T = {t}, forward + backward, float64, best of "
          f"{args.repeats} (threads: NumPy BLAS {blas}, PyTorch {torch.get_num_threads()})")
    print(f"  dlbook  {t_dlbook * 1e3:8.2f} ms")
    print(f"  PyTorch {t_torch * 1e3:8.2f} ms")
    print(f"  ratio dlbook / PyTorch: {t_dlbook / t_torch:.2f}")


if __name__ == "__main__":
    main()
