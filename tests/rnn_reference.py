"""Slow, obviously-correct loop versions of the recurrent layers: a second oracle for
tests/test_rnn.py, written from the equations one sequence and one time step at a time (column
vectors, W @ x) and sharing no code with dlbook.nn.rnn.

Weights are plain dicts keyed like a state dict (``weight_ih_l0``, ``bias_hh_l1_reverse``, ...).
Sequences are (T, N, D) arrays; ``lengths`` gives each sequence's length (None: all T).
"""
import numpy as np


def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


# --------------------------------------------------------------------------- one step, one sample
def rnn_step(x, h, w, nonlinearity):
    """h' = phi(W_ih x + b_ih + W_hh h + b_hh)."""
    a = w["weight_ih"] @ x + w["bias_ih"] + w["weight_hh"] @ h + w["bias_hh"]
    return (np.tanh(a) if nonlinearity == "tanh" else np.maximum(a, 0.0)), a


def lstm_step(x, h, c, w):
    """Gates i, f, g, o; c' = f c + i g; h' = o tanh(c') (times W_hr with a projection)."""
    H = c.shape[0]
    a = w["weight_ih"] @ x + w["bias_ih"] + w["weight_hh"] @ h + w["bias_hh"]
    i = sigmoid(a[0:H])
    f = sigmoid(a[H:2 * H])
    g = np.tanh(a[2 * H:3 * H])
    o = sigmoid(a[3 * H:4 * H])
    c_new = f * c + i * g
    h_new = o * np.tanh(c_new)
    if "weight_hr" in w:
        h_new = w["weight_hr"] @ h_new
    return h_new, c_new


def gru_step(x, h, w):
    """r, z from x and h; n = tanh(W_in x + b_in + r (W_hn h + b_hn)); h' = (1 - z) n + z h."""
    H = h.shape[0]
    gi = w["weight_ih"] @ x + w["bias_ih"]
    gh = w["weight_hh"] @ h + w["bias_hh"]
    r = sigmoid(gi[0:H] + gh[0:H])
    z = sigmoid(gi[H:2 * H] + gh[H:2 * H])
    n = np.tanh(gi[2 * H:3 * H] + r * gh[2 * H:3 * H])
    return (1.0 - z) * n + z * h


# --------------------------------------------------------------------------- whole modules
def _direction_weights(weights, layer, reverse, bias, gate_rows):
    suffix = f"_l{layer}" + ("_reverse" if reverse else "")
    w = {}
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr"):
        if name + suffix in weights:
            w[name] = weights[name + suffix]
    if not bias:
        w["bias_ih"] = np.zeros(gate_rows)
        w["bias_hh"] = np.zeros(gate_rows)
    return w


def run(mode, weights, x, h0=None, c0=None, *, num_layers=1, bidirectional=False,
        nonlinearity="tanh", bias=True, lengths=None):
    """Forward pass of RNN / LSTM / GRU (``mode``) on (T, N, D) ``x``, as PyTorch with packed
    sequences: returns output (T, N, dirs * H_out) with zeros past each end, h_n and c_n."""
    T, N, _ = x.shape
    dirs = 2 if bidirectional else 1
    lengths = [T] * N if lengths is None else [int(v) for v in lengths]
    layer_input = x
    h_n, c_n = [], []
    for layer in range(num_layers):
        outputs = []
        for d in range(dirs):
            k = layer * dirs + d
            w = _direction_weights(weights, layer, d == 1, bias,
                                   weights[f"weight_ih_l{layer}"].shape[0])
            H_out = w["weight_hh"].shape[1]
            H = w["weight_hr"].shape[1] if "weight_hr" in w else H_out
            out = np.zeros((T, N, H_out))
            h_last, c_last = np.zeros((N, H_out)), np.zeros((N, H))
            for n in range(N):
                h = np.zeros(H_out) if h0 is None else h0[k, n].copy()
                c = np.zeros(H) if c0 is None else c0[k, n].copy()
                times = range(lengths[n] - 1, -1, -1) if d == 1 else range(lengths[n])
                for t in times:
                    xt = layer_input[t, n]
                    if mode == "LSTM":
                        h, c = lstm_step(xt, h, c, w)
                    elif mode == "GRU":
                        h = gru_step(xt, h, w)
                    else:
                        h = rnn_step(xt, h, w, nonlinearity)[0]
                    out[t, n] = h
                h_last[n], c_last[n] = h, c
            outputs.append(out)
            h_n.append(h_last)
            c_n.append(c_last)
        layer_input = np.concatenate(outputs, axis=2)
    return layer_input, np.stack(h_n), np.stack(c_n)


# --------------------------------------------------------------------------- one-layer backward
def rnn_backward(w, x, h0, dout, dh_n, nonlinearity="tanh"):
    """BPTT of a one-layer, one-direction Elman RNN, one sequence and one step at a time.

    Returns dx (T, N, D), dh0 (N, H) and a dict of weight gradients.
    """
    T, N, _ = x.shape
    grads = {name: np.zeros_like(value) for name, value in w.items()}
    dx, dh0 = np.zeros_like(x), np.zeros_like(h0)
    for n in range(N):
        hs, pres = [h0[n]], []
        for t in range(T):
            h, a = rnn_step(x[t, n], hs[-1], w, nonlinearity)
            hs.append(h)
            pres.append(a)
        dh = dh_n[n].copy()
        for t in range(T - 1, -1, -1):
            dh = dh + dout[t, n]
            if nonlinearity == "tanh":
                da = dh * (1.0 - hs[t + 1] ** 2)
            else:
                da = dh * (pres[t] > 0)
            grads["weight_ih"] += np.outer(da, x[t, n])
            grads["weight_hh"] += np.outer(da, hs[t])
            grads["bias_ih"] += da
            grads["bias_hh"] += da
            dx[t, n] = w["weight_ih"].T @ da
            dh = w["weight_hh"].T @ da
        dh0[n] = dh
    return dx, dh0, grads


def lstm_backward(w, x, h0, c0, dout, dh_n, dc_n):
    """BPTT of a one-layer, one-direction LSTM (no projection), one sequence and step at a time.

    Returns dx, dh0, dc0 and a dict of weight gradients.
    """
    T, N, _ = x.shape
    H = h0.shape[1]
    grads = {name: np.zeros_like(value) for name, value in w.items()}
    dx, dh0, dc0 = np.zeros_like(x), np.zeros_like(h0), np.zeros_like(c0)
    for n in range(N):
        hs, cs, steps = [h0[n]], [c0[n]], []
        for t in range(T):
            a = w["weight_ih"] @ x[t, n] + w["bias_ih"] + w["weight_hh"] @ hs[-1] + w["bias_hh"]
            i, f = sigmoid(a[0:H]), sigmoid(a[H:2 * H])
            g, o = np.tanh(a[2 * H:3 * H]), sigmoid(a[3 * H:])
            c = f * cs[-1] + i * g
            steps.append((i, f, g, o, np.tanh(c)))
            cs.append(c)
            hs.append(o * np.tanh(c))
        dh, dc = dh_n[n].copy(), dc_n[n].copy()
        for t in range(T - 1, -1, -1):
            i, f, g, o, tc = steps[t]
            dh = dh + dout[t, n]
            do = dh * tc
            dc = dc + dh * o * (1.0 - tc ** 2)
            di, df, dg = dc * g, dc * cs[t], dc * i
            da = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - g ** 2),
                                 do * o * (1 - o)])
            grads["weight_ih"] += np.outer(da, x[t, n])
            grads["weight_hh"] += np.outer(da, hs[t])
            grads["bias_ih"] += da
            grads["bias_hh"] += da
            dx[t, n] = w["weight_ih"].T @ da
            dh = w["weight_hh"].T @ da
            dc = dc * f
        dh0[n], dc0[n] = dh, dc
    return dx, dh0, dc0, grads


def gru_backward(w, x, h0, dout, dh_n):
    """BPTT of a one-layer, one-direction GRU, one sequence and one step at a time.

    Returns dx, dh0 and a dict of weight gradients.
    """
    T, N, _ = x.shape
    H = h0.shape[1]
    grads = {name: np.zeros_like(value) for name, value in w.items()}
    dx, dh0 = np.zeros_like(x), np.zeros_like(h0)
    for n in range(N):
        hs, steps = [h0[n]], []
        for t in range(T):
            gi = w["weight_ih"] @ x[t, n] + w["bias_ih"]
            gh = w["weight_hh"] @ hs[-1] + w["bias_hh"]
            r = sigmoid(gi[0:H] + gh[0:H])
            z = sigmoid(gi[H:2 * H] + gh[H:2 * H])
            nn_ = np.tanh(gi[2 * H:] + r * gh[2 * H:])
            steps.append((r, z, nn_, gh[2 * H:]))
            hs.append((1 - z) * nn_ + z * hs[-1])
        dh = dh_n[n].copy()
        for t in range(T - 1, -1, -1):
            r, z, nn_, ghn = steps[t]
            dh = dh + dout[t, n]
            dn = dh * (1 - z) * (1 - nn_ ** 2)
            dz = dh * (hs[t] - nn_) * z * (1 - z)
            dr = dn * ghn * r * (1 - r)
            dgi = np.concatenate([dr, dz, dn])
            dgh = np.concatenate([dr, dz, dn * r])
            grads["weight_ih"] += np.outer(dgi, x[t, n])
            grads["weight_hh"] += np.outer(dgh, hs[t])
            grads["bias_ih"] += dgi
            grads["bias_hh"] += dgh
            dx[t, n] = w["weight_ih"].T @ dgi
            dh = w["weight_hh"].T @ dgh + dh * z
        dh0[n] = dh
    return dx, dh0, grads
