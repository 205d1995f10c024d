"""dlbook recurrent layers and embeddings: finite-difference gradients, PyTorch parity (float64),
a loop reference as a second oracle, variable lengths, truncated BPTT, saved contexts, dropout,
properties and error messages."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnn_reference as R
from dlbook import functional as F
from dlbook.autograd import no_grad
from dlbook.gradcheck import check_gradient
from dlbook.nn.rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from dlbook.nn.sparse import Embedding
from dlbook.random import get_rng_state, set_rng_state
from reference import assert_parity, strict_numerics, tlong, tt

PROPERTY = settings(max_examples=25, deadline=None)

# name -> (dlbook class, extra constructor arguments)
MODES = {
    "rnn_tanh": (RNN, {}),
    "rnn_relu": (RNN, {"nonlinearity": "relu"}),
    "lstm": (LSTM, {}),
    "gru": (GRU, {}),
    "lstm_proj": (LSTM, {"proj_size": 2}),
}
CELLS = {
    "rnn_tanh": (RNNCell, {}),
    "rnn_relu": (RNNCell, {"nonlinearity": "relu"}),
    "lstm": (LSTMCell, {}),
    "gru": (GRUCell, {}),
}


# --------------------------------------------------------------------------- building blocks
def is_lstm(m):
    return isinstance(m, (LSTM, LSTMCell))


def state_sizes(m):
    """(size of h, size of c) of a sequence module."""
    return (m.proj_size or m.hidden_size), m.hidden_size


def make_input(rng, m, T, N, batched=True):
    if not batched:
        return rng.normal(size=(T, m.input_size))
    return rng.normal(size=(N, T, m.input_size) if m.batch_first else (T, N, m.input_size))


def make_hx(rng, m, N, batched=True):
    lead = m.num_layers * (2 if m.bidirectional else 1)
    h_size, c_size = state_sizes(m)
    h = rng.normal(size=(lead, N, h_size) if batched else (lead, h_size))
    if not is_lstm(m):
        return h
    return h, rng.normal(size=(lead, N, c_size) if batched else (lead, c_size))


def outputs_of(m, result):
    """(output, h_n[, c_n]) as a flat tuple."""
    output, state = result
    return (output,) + (tuple(state) if is_lstm(m) else (state,))


def state_arrays(hx):
    """The arrays of an initial state (h, or (h, c)), as a list."""
    if hx is None:
        return []
    return list(hx) if isinstance(hx, tuple) else [hx]


def run_backward(m, grads, has_hx):
    """Call m.backward with (grad_output, grad_h_n[, grad_c_n]); return [d_input, d_states...]."""
    kwargs = {"grad_h_n": grads[1]}
    if len(grads) == 3:
        kwargs["grad_c_n"] = grads[2]
    result = m.backward(grads[0], **kwargs)
    if not has_hx:
        return [result]
    d_input, d_state = result
    return [d_input] + (list(d_state) if isinstance(d_state, tuple) else [d_state])


def torch_twin(torch, m):
    """The same layer in torch (float64) with m's weights."""
    kwargs = dict(num_layers=m.num_layers, bias=m.bias, batch_first=m.batch_first,
                  bidirectional=m.bidirectional)
    if isinstance(m, RNN):
        kwargs["nonlinearity"] = m.nonlinearity
    if isinstance(m, LSTM):
        kwargs["proj_size"] = m.proj_size
    twin = getattr(torch.nn, type(m).__name__)(m.input_size, m.hidden_size, **kwargs)
    twin = twin.to(torch.float64)
    twin.load_state_dict({k: torch.tensor(v) for k, v in m.state_dict().items()})
    return twin


def torch_cell_twin(torch, cell):
    kwargs = {"nonlinearity": cell.nonlinearity} if isinstance(cell, RNNCell) else {}
    twin = getattr(torch.nn, type(cell).__name__)(cell.input_size, cell.hidden_size,
                                                   bias=cell.bias, **kwargs).to(torch.float64)
    twin.load_state_dict({k: torch.tensor(v) for k, v in cell.state_dict().items()})
    return twin


def torch_run(torch, twin, x, hx, grads, lengths=None):
    """Torch's outputs and the gradients of sum(outputs * grads) w.r.t. input, hx, parameters.

    With ``lengths`` the batch goes through pack_padded_sequence(enforce_sorted=False) and
    pad_packed_sequence(total_length=T)."""
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    xt = tt(x, requires_grad=True)
    states = [tt(a, requires_grad=True) for a in state_arrays(hx)]
    hx_t = None if not states else (tuple(states) if len(states) == 2 else states[0])
    if lengths is None:
        output, state = twin(xt, hx_t)
    else:
        packed = pack_padded_sequence(xt, torch.tensor(lengths), batch_first=twin.batch_first,
                                      enforce_sorted=False)
        output, state = twin(packed, hx_t)
        T = x.shape[1] if twin.batch_first else x.shape[0]
        output = pad_packed_sequence(output, batch_first=twin.batch_first, total_length=T)[0]
    outs = [output] + (list(state) if isinstance(state, tuple) else [state])
    loss = sum((o * tt(g)).sum() for o, g in zip(outs, grads))
    twin.zero_grad()
    loss.backward()
    return outs, [xt.grad] + [s.grad for s in states], dict(twin.named_parameters())


def check_against_torch(torch, m, x, hx, rng, lengths=None):
    """Outputs, input and initial-state gradients and every parameter gradient equal torch's."""
    twin = torch_twin(torch, m)
    m.zero_grad()
    ours = outputs_of(m, m(x, hx, lengths=lengths))
    grads = [rng.normal(size=o.shape) for o in ours]
    d_ours = run_backward(m, grads, hx is not None)
    theirs, d_theirs, t_params = torch_run(torch, twin, x, hx, grads, lengths)
    assert len(ours) == len(theirs) and len(d_ours) == len(d_theirs)
    for a, b in zip(ours, theirs):
        assert_parity(a, b)
    for a, b in zip(d_ours, d_theirs):
        assert_parity(a, b)
    names = [name for name, _ in m.named_parameters()]
    assert names == list(t_params)
    for name, p in m.named_parameters():
        assert_parity(p.grad, t_params[name].grad)


def fd_check_module(m, x, hx, rng, lengths=None):
    """Finite differences for the input, the initial state and every parameter of a sequence
    module, for the cost sum(output * R0) + sum(h_n * R1) (+ sum(c_n * R2))."""
    with no_grad():
        weights = [rng.normal(size=o.shape) for o in outputs_of(m, m(x, hx, lengths=lengths))]

    def cost():
        with no_grad():
            outs = outputs_of(m, m(x, hx, lengths=lengths))
        return float(sum(np.sum(o * w) for o, w in zip(outs, weights)))

    m.zero_grad()
    m(x, hx, lengths=lengths)
    grads = run_backward(m, weights, hx is not None)
    for array, grad, name in zip([x] + state_arrays(hx), grads, ["input", "h_0", "c_0"]):
        check_gradient(cost, array, grad, name=name)
    for name, p in m.named_parameters():
        check_gradient(cost, p.data, p.grad, name=name)


def cell_outputs(cell, result):
    return tuple(result) if is_lstm(cell) else (result,)


def cell_backward(cell, grads):
    if is_lstm(cell):
        return cell.backward(grads[0], grad_c=grads[1])
    return cell.backward(grads[0])


def make_cell_hx(rng, cell, N, batched=True):
    shape = (N, cell.hidden_size) if batched else (cell.hidden_size,)
    h = rng.normal(size=shape)
    return (h, rng.normal(size=shape)) if is_lstm(cell) else h


def cell_state_grads(cell, d_hx):
    return list(d_hx) if is_lstm(cell) else [d_hx]


# --------------------------------------------------------------------------- cells
@pytest.mark.parametrize("mode", list(CELLS))
@pytest.mark.parametrize("batched, with_hx", [(True, True), (True, False), (False, True)])
def test_cell_gradients_match_finite_differences(mode, batched, with_hx, rng):
    cls, kwargs = CELLS[mode]
    cell = cls(3, 4, generator=rng, **kwargs)
    x = rng.normal(size=(2, 3) if batched else (3,))
    hx = make_cell_hx(rng, cell, 2, batched) if with_hx else None
    with no_grad():
        weights = [rng.normal(size=o.shape) for o in cell_outputs(cell, cell(x, hx))]

    def cost():
        with no_grad():
            return float(sum(np.sum(o * w) for o, w in zip(cell_outputs(cell, cell(x, hx)),
                                                           weights)))

    cell(x, hx)
    dx, d_hx = cell_backward(cell, weights)
    check_gradient(cost, x, dx, name="input")
    if with_hx:
        for array, grad in zip(state_arrays(hx), cell_state_grads(cell, d_hx)):
            check_gradient(cost, array, grad, name="hx")
    else:
        assert d_hx is None
    for name, p in cell.named_parameters():
        check_gradient(cost, p.data, p.grad, name=name)


@pytest.mark.parametrize("mode", list(CELLS))
@pytest.mark.parametrize("batched, with_hx, bias", [(True, True, True), (True, False, True),
                                                    (False, True, True), (True, True, False)])
def test_cell_matches_torch(mode, batched, with_hx, bias, rng, torch):
    cls, kwargs = CELLS[mode]
    cell = cls(3, 5, bias=bias, generator=rng, **kwargs)
    twin = torch_cell_twin(torch, cell)
    x = rng.normal(size=(4, 3) if batched else (3,))
    hx = make_cell_hx(rng, cell, 4, batched) if with_hx else None
    ours = cell_outputs(cell, cell(x, hx))
    grads = [rng.normal(size=o.shape) for o in ours]
    dx, d_hx = cell_backward(cell, grads)

    xt = tt(x, requires_grad=True)
    states = [tt(a, requires_grad=True) for a in state_arrays(hx)]
    hx_t = None if not states else (tuple(states) if len(states) == 2 else states[0])
    theirs = twin(xt, hx_t)
    theirs = tuple(theirs) if isinstance(theirs, tuple) else (theirs,)
    sum((o * tt(g)).sum() for o, g in zip(theirs, grads)).backward()
    for a, b in zip(ours, theirs):
        assert_parity(a, b)
    assert_parity(dx, xt.grad)
    if with_hx:
        for a, s in zip(cell_state_grads(cell, d_hx), states):
            assert_parity(a, s.grad)
    assert list(cell.state_dict()) == list(twin.state_dict())
    for name, p in twin.named_parameters():
        assert_parity(getattr(cell, name).grad, p.grad)


@pytest.mark.parametrize("mode", list(CELLS))
def test_cell_called_at_every_step_equals_the_sequence_layer(mode, rng):
    """T calls of a cell, then T backward calls in reverse order (one saved context each),
    give the gradients of the one-layer sequence module with the same weights."""
    cls, kwargs = CELLS[mode]
    cell = cls(3, 4, generator=rng, **kwargs)
    layer = {RNNCell: RNN, LSTMCell: LSTM, GRUCell: GRU}[cls](3, 4, **kwargs)
    layer.load_state_dict({k + "_l0": v for k, v in cell.state_dict().items()})
    T, N = 5, 2
    x = rng.normal(size=(T, N, 3))
    hx = make_cell_hx(rng, cell, N)
    state, outputs = hx, []
    for t in range(T):
        state = cell(x[t], state)
        outputs.append(state[0] if is_lstm(cell) else state)
    assert cell.saved_calls == T
    output, final = layer(x, (hx[0][None], hx[1][None]) if is_lstm(cell) else hx[None])
    assert_parity(np.stack(outputs), output)

    g = rng.normal(size=output.shape)
    d_x_layer, d_hx_layer = layer.backward(g)
    dh = np.zeros((N, 4))
    dc = np.zeros((N, 4)) if is_lstm(cell) else None
    d_x_cell = np.empty_like(x)
    for t in range(T - 1, -1, -1):
        if is_lstm(cell):
            d_x_cell[t], (dh, dc) = cell.backward(g[t] + dh, grad_c=dc)
        else:
            d_x_cell[t], dh = cell.backward(g[t] + dh)
    assert cell.saved_calls == 0
    assert_parity(d_x_cell, d_x_layer)
    assert_parity(dh, d_hx_layer[0][0] if is_lstm(cell) else d_hx_layer[0])
    for name, p in cell.named_parameters():
        assert_parity(p.grad, getattr(layer, name + "_l0").grad)


def test_cell_parameters_follow_torch_init(rng):
    cell = LSTMCell(6, 16, generator=0)
    assert cell.weight_ih.shape == (64, 6) and cell.weight_hh.shape == (64, 16)
    assert cell.bias_ih.shape == cell.bias_hh.shape == (64,)
    for p in cell.parameters():
        assert np.all(np.abs(p.data) <= 0.25)
    assert np.array_equal(LSTMCell(6, 16, generator=0).weight_hh.data, cell.weight_hh.data)
    no_bias = GRUCell(3, 4, bias=False)
    assert no_bias.bias_ih is None and list(no_bias.state_dict()) == ["weight_ih", "weight_hh"]


# --------------------------------------------------------------------------- sequence modules
PARITY_CASES = [
    # constructor arguments, with hx, batched
    ({}, False, True),
    ({"num_layers": 2, "bidirectional": True}, True, True),
    ({"num_layers": 2, "batch_first": True}, True, True),
    ({"bidirectional": True, "batch_first": True}, False, True),
    ({"num_layers": 2, "bidirectional": True}, True, False),       # unbatched (T, D)
    ({"num_layers": 2}, False, False),
    ({"bias": False, "bidirectional": True}, True, True),
]


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("case", range(len(PARITY_CASES)))
def test_sequence_matches_torch(mode, case, rng, torch):
    cls, extra = MODES[mode]
    kwargs, with_hx, batched = PARITY_CASES[case]
    m = cls(3, 4, generator=rng, **extra, **kwargs)
    x = make_input(rng, m, T=5, N=3, batched=batched)
    hx = make_hx(rng, m, 3, batched) if with_hx else None
    check_against_torch(torch, m, x, hx, rng)


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("batch_first", [False, True])
def test_lengths_match_torch_packed_sequences(mode, batch_first, rng, torch):
    cls, extra = MODES[mode]
    m = cls(3, 4, num_layers=2, bidirectional=True, batch_first=batch_first, generator=rng,
            **extra)
    lengths = np.array([3, 6, 1, 4])
    x = make_input(rng, m, T=6, N=4)
    check_against_torch(torch, m, x, make_hx(rng, m, 4), rng, lengths=lengths)
    check_against_torch(torch, m, x, None, rng, lengths=lengths)


@pytest.mark.parametrize("mode", list(MODES))
def test_padding_never_matters(mode, rng):
    """Outputs past each end are zero, the padded input gets no gradient and changing the padding
    changes nothing."""
    cls, extra = MODES[mode]
    m = cls(3, 4, num_layers=2, bidirectional=True, generator=rng, **extra)
    lengths = np.array([2, 5, 4])
    x = make_input(rng, m, T=5, N=3)
    hx = make_hx(rng, m, 3)
    pad = np.arange(5)[:, None] >= lengths[None, :]              # (T, N)
    first = outputs_of(m, m(x, hx, lengths=lengths))
    grads = [rng.normal(size=o.shape) for o in first]
    d_first = run_backward(m, grads, True)
    x2 = x.copy()
    x2[pad] = rng.normal(size=x2[pad].shape) * 100
    second = outputs_of(m, m(x2, hx, lengths=lengths))
    d_second = run_backward(m, grads, True)
    assert np.all(first[0][pad] == 0.0)
    assert np.all(d_first[0][pad] == 0.0)
    for a, b in zip(first + tuple(d_first), second + tuple(d_second)):
        np.testing.assert_array_equal(a, b)


def test_full_lengths_equal_no_lengths(rng):
    m = GRU(3, 4, num_layers=2, bidirectional=True, generator=rng)
    x = rng.normal(size=(5, 3, 3))
    a = outputs_of(m, m(x))
    b = outputs_of(m, m(x, lengths=[5, 5, 5]))
    for u, v in zip(a, b):
        np.testing.assert_allclose(u, v, rtol=0, atol=0)


GRADIENT_CASES = [
    # constructor arguments, with hx, lengths
    ({"num_layers": 2, "bidirectional": True}, True, None),
    ({"batch_first": True}, False, None),
    ({"num_layers": 2, "bidirectional": True}, True, [4, 2]),
    ({"bidirectional": True, "batch_first": True}, False, [1, 4]),
]


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("case", range(len(GRADIENT_CASES)))
def test_sequence_gradients_match_finite_differences(mode, case, rng):
    cls, extra = MODES[mode]
    kwargs, with_hx, lengths = GRADIENT_CASES[case]
    m = cls(3, 3, generator=rng, **extra, **kwargs)
    x = make_input(rng, m, T=4, N=2)
    hx = make_hx(rng, m, 2) if with_hx else None
    fd_check_module(m, x, hx, rng, lengths=None if lengths is None else np.array(lengths))


def test_unbatched_gradients_match_finite_differences(rng):
    m = LSTM(2, 3, num_layers=2, bidirectional=True, generator=rng)
    fd_check_module(m, rng.normal(size=(3, 2)), make_hx(rng, m, 1, batched=False), rng)


# --------------------------------------------------------------------------- the loop reference
@pytest.mark.parametrize("mode", list(MODES))
def test_forward_matches_loop_reference(mode, rng):
    cls, extra = MODES[mode]
    m = cls(3, 4, num_layers=2, bidirectional=True, generator=rng, **extra)
    lengths = np.array([4, 1, 3])
    x = make_input(rng, m, T=4, N=3)
    hx = make_hx(rng, m, 3)
    h0, c0 = (hx if is_lstm(m) else (hx, None))
    ours = outputs_of(m, m(x, hx, lengths=lengths))
    expected = R.run(cls.__name__, m.state_dict(), x, h0, c0, num_layers=2, bidirectional=True,
                     nonlinearity=m.nonlinearity, lengths=lengths)
    for a, b in zip(ours, expected):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode", ["rnn_tanh", "rnn_relu", "lstm", "gru"])
def test_backward_matches_loop_reference(mode, rng):
    cls, extra = MODES[mode]
    m = cls(3, 4, generator=rng, **extra)
    x = rng.normal(size=(5, 2, 3))
    hx = make_hx(rng, m, 2)
    outs = outputs_of(m, m(x, hx))
    grads = [rng.normal(size=o.shape) for o in outs]
    d_ours = run_backward(m, grads, True)
    w = {k[:-3]: v for k, v in m.state_dict().items()}           # drop the "_l0" suffix
    if mode == "lstm":
        dx, dh0, dc0, g = R.lstm_backward(w, x, hx[0][0], hx[1][0], grads[0], grads[1][0],
                                          grads[2][0])
        expected = [dx, dh0[None], dc0[None]]
    elif mode == "gru":
        dx, dh0, g = R.gru_backward(w, x, hx[0], grads[0], grads[1][0])
        expected = [dx, dh0[None]]
    else:
        dx, dh0, g = R.rnn_backward(w, x, hx[0], grads[0], grads[1][0], m.nonlinearity)
        expected = [dx, dh0[None]]
    for a, b in zip(d_ours, expected):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    for name, value in g.items():
        np.testing.assert_allclose(getattr(m, name + "_l0").grad, value, rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------- state dicts
@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("kwargs", [{}, {"num_layers": 3, "bidirectional": True},
                                    {"num_layers": 2, "bias": False}])
def test_state_dict_keys_and_shapes_equal_torch(mode, kwargs, torch):
    cls, extra = MODES[mode]
    m = cls(5, 4, **extra, **kwargs)
    twin = torch_twin(torch, m)            # load_state_dict(strict) would fail on any mismatch
    ours, theirs = m.state_dict(), twin.state_dict()
    assert list(ours) == list(theirs)
    for key, value in theirs.items():
        assert ours[key].shape == tuple(value.shape)
    m2 = cls(5, 4, **extra, **kwargs)
    m2.load_state_dict({k: v.numpy() for k, v in theirs.items()})
    for key in ours:
        np.testing.assert_array_equal(m2.state_dict()[key], ours[key])


def test_parameters_follow_torch_init():
    m = LSTM(3, 16, num_layers=2, bidirectional=True, proj_size=4, generator=0)
    for p in m.parameters():
        assert np.all(np.abs(p.data) <= 0.25)
    assert m.weight_ih_l1.shape == (64, 8) and m.weight_hh_l1_reverse.shape == (64, 4)
    assert m.weight_hr_l0.shape == (4, 16)
    assert len(m.all_weights) == 4 and len(m.all_weights[0]) == 5
    same = LSTM(3, 16, num_layers=2, bidirectional=True, proj_size=4, generator=0)
    for p, q in zip(m.parameters(), same.parameters()):
        np.testing.assert_array_equal(p.data, q.data)


# --------------------------------------------------------------------------- saved contexts
@pytest.mark.parametrize("mode", ["lstm", "gru", "rnn_tanh"])
def test_two_calls_before_backward(mode, rng, torch):
    """Each call keeps its own context: backward pops them in reverse order, each returns its
    own input gradient, and the parameter gradients add up."""
    cls, extra = MODES[mode]
    m = cls(3, 4, num_layers=2, bidirectional=True, generator=rng, **extra)
    twin = torch_twin(torch, m)
    xa, xb = rng.normal(size=(5, 2, 3)), rng.normal(size=(3, 4, 3))
    out_a, _ = m(xa)
    out_b, _ = m(xb)
    assert m.saved_calls == 2
    ga, gb = rng.normal(size=out_a.shape), rng.normal(size=out_b.shape)
    m.zero_grad()
    d_b = m.backward(gb)
    d_a = m.backward(ga)
    assert m.saved_calls == 0
    xa_t, xb_t = tt(xa, requires_grad=True), tt(xb, requires_grad=True)
    loss = (twin(xa_t)[0] * tt(ga)).sum() + (twin(xb_t)[0] * tt(gb)).sum()
    loss.backward()
    assert_parity(d_a, xa_t.grad)
    assert_parity(d_b, xb_t.grad)
    for name, p in twin.named_parameters():
        assert_parity(getattr(m, name).grad, p.grad)


@pytest.mark.parametrize("mode", ["lstm", "gru"])
def test_truncated_bptt(mode, rng, torch):
    """h_n carried into the next chunk: ignoring the next chunk's d_h0 is torch's detach();
    passing it on as grad_h_n backpropagates through both chunks."""
    cls, extra = MODES[mode]
    m = cls(3, 4, num_layers=2, generator=rng, **extra)
    twin = torch_twin(torch, m)
    x1, x2 = rng.normal(size=(4, 2, 3)), rng.normal(size=(3, 2, 3))
    g1, g2 = rng.normal(size=(4, 2, 4)), rng.normal(size=(3, 2, 4))

    def torch_grads(detach):
        twin.zero_grad()
        out1, state = twin(tt(x1))
        if detach:
            state = tuple(s.detach() for s in state) if isinstance(state, tuple) \
                else state.detach()
        out2, _ = twin(tt(x2), state)
        ((out1 * tt(g1)).sum() + (out2 * tt(g2)).sum()).backward()
        return {name: p.grad.clone() for name, p in twin.named_parameters()}

    for detach in (True, False):
        m.zero_grad()
        _, state = m(x1)
        m(x2, state)
        _, d_state = m.backward(g2)
        if detach:
            m.backward(g1)
        elif is_lstm(m):
            m.backward(g1, grad_h_n=d_state[0], grad_c_n=d_state[1])
        else:
            m.backward(g1, grad_h_n=d_state)
        expected = torch_grads(detach)
        for name, p in m.named_parameters():
            assert_parity(p.grad, expected[name])
    assert not np.allclose(torch_grads(True)["weight_hh_l0"], torch_grads(False)["weight_hh_l0"])


def test_no_grad_saves_nothing(rng):
    m = LSTM(3, 4, generator=rng)
    with no_grad():
        m(rng.normal(size=(3, 2, 3)))
    assert m.saved_calls == 0
    with pytest.raises(RuntimeError, match="no saved call"):
        m.backward(np.zeros((3, 2, 4)))


def test_backward_with_only_final_state_gradients(rng, torch):
    """grad_output=None means the loss reads only the final states."""
    m = LSTM(3, 4, num_layers=2, generator=rng)
    twin = torch_twin(torch, m)
    x = rng.normal(size=(5, 2, 3))
    gh, gc = rng.normal(size=(2, 2, 4)), rng.normal(size=(2, 2, 4))
    m(x)
    dx = m.backward(None, grad_h_n=gh, grad_c_n=gc)
    xt = tt(x, requires_grad=True)
    _, (h, c) = twin(xt)
    ((h * tt(gh)).sum() + (c * tt(gc)).sum()).backward()
    assert_parity(dx, xt.grad)


# --------------------------------------------------------------------------- dropout
def test_dropout_between_layers(rng):
    """Training mode: the layer-0 output is dropped with a mask drawn like F.dropout's from the
    module's generator; eval mode: no dropout at all."""
    m = GRU(3, 4, num_layers=2, dropout=0.4, generator=np.random.default_rng(7))
    layer0, layer1 = GRU(3, 4), GRU(4, 4)
    state = m.state_dict()
    layer0.load_state_dict({k: v for k, v in state.items() if k.endswith("_l0")})
    layer1.load_state_dict({k.replace("_l1", "_l0"): v for k, v in state.items()
                            if k.endswith("_l1")})
    x = rng.normal(size=(5, 2, 3))
    twin_generator = np.random.default_rng()
    set_rng_state(get_rng_state(m.generator), twin_generator)
    out, h_n = m(x)
    dropped = F.dropout(layer0(x)[0], 0.4, generator=twin_generator)
    expected, _ = layer1(dropped)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-14)
    m.eval()
    out_eval, _ = m(x)
    np.testing.assert_allclose(out_eval, layer1(layer0(x)[0])[0], rtol=1e-12, atol=1e-14)


def test_dropout_gradients_match_finite_differences(rng):
    m = LSTM(2, 3, num_layers=3, bidirectional=True, dropout=0.3,
             generator=np.random.default_rng(3))
    x = rng.normal(size=(3, 2, 2))
    saved = get_rng_state(m.generator)
    g = rng.normal(size=(3, 2, 6))

    def cost():
        set_rng_state(saved, m.generator)             # the same masks on every probe
        with no_grad():
            return float(np.sum(m(x)[0] * g))

    set_rng_state(saved, m.generator)
    m(x)
    dx = m.backward(g)
    check_gradient(cost, x, dx, name="input")
    for name, p in m.named_parameters():
        check_gradient(cost, p.data, p.grad, name=name)


def test_dropout_of_one_drops_everything(rng):
    m = RNN(3, 4, num_layers=2, dropout=1.0, generator=rng)
    second = RNN(4, 4)
    second.load_state_dict({k.replace("_l1", "_l0"): v for k, v in m.state_dict().items()
                            if k.endswith("_l1")})
    out, _ = m(rng.normal(size=(3, 2, 3)))
    np.testing.assert_allclose(out, second(np.zeros((3, 2, 4)))[0], rtol=1e-12, atol=1e-14)
    assert np.all(m.backward(np.ones_like(out)) == 0.0)


def _positional_parameters(fn):
    """(name, default) of every parameter that is not self, keyword-only, device or dtype."""
    import inspect
    return [(p.name, p.default) for p in inspect.signature(fn).parameters.values()
            if p.name not in ("self", "device", "dtype") and p.kind is not p.KEYWORD_ONLY]


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell])
def test_signatures_equal_torch(cls, torch):
    """Constructor and call signatures equal torch's (torch declares its multi-layer
    constructors as overloads); dlbook adds only keyword-only generator= and lengths=."""
    import typing
    theirs = getattr(torch.nn, cls.__name__)
    init = ([f for f in typing.get_overloads(theirs.__init__)
             if "input_size" in str(f.__code__.co_varnames)] or [theirs.__init__])[0]
    assert _positional_parameters(cls.__init__) == _positional_parameters(init)
    assert _positional_parameters(cls.forward) == _positional_parameters(theirs.forward)


def test_repr():
    assert repr(LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2)) == \
        "LSTM(3, 4, proj_size=2, num_layers=2, bidirectional=True)"
    assert repr(RNNCell(3, 4, bias=False, nonlinearity="relu")) == \
        "RNNCell(3, 4, bias=False, nonlinearity='relu')"
    assert repr(Embedding(10, 3, padding_idx=0)) == "Embedding(10, 3, padding_idx=0)"


def test_dropout_with_one_layer_warns():
    with pytest.warns(UserWarning, match="num_layers=1"):
        RNN(3, 4, dropout=0.5)


# --------------------------------------------------------------------------- numerics, properties
@pytest.mark.parametrize("mode", list(MODES))
def test_saturated_gates_raise_no_warnings(mode, rng):
    cls, extra = MODES[mode]
    m = cls(3, 4, num_layers=2, generator=rng, **extra)
    x = rng.normal(size=(4, 2, 3)) * 1e4
    with strict_numerics():
        outs = outputs_of(m, m(x))
        d = m.backward(np.ones_like(outs[0]))
    assert all(np.all(np.isfinite(o)) for o in outs) and np.all(np.isfinite(d))


@PROPERTY
@given(mode=st.sampled_from(sorted(MODES)), T=st.integers(1, 4), N=st.integers(1, 3),
       layers=st.integers(1, 2), bidirectional=st.booleans(), batch_first=st.booleans(),
       seed=st.integers(0, 2 ** 16))
def test_shapes_and_final_states(mode, T, N, layers, bidirectional, batch_first, seed):
    cls, extra = MODES[mode]
    rng = np.random.default_rng(seed)
    m = cls(2, 3, num_layers=layers, bidirectional=bidirectional, batch_first=batch_first,
            generator=rng, **extra)
    dirs, (h_size, c_size) = 2 if bidirectional else 1, state_sizes(m)
    lengths = rng.integers(1, T + 1, size=N)
    x = make_input(rng, m, T, N)
    outs = outputs_of(m, m(x, lengths=lengths))
    output = outs[0] if not batch_first else outs[0].transpose(1, 0, 2)
    assert output.shape == (T, N, dirs * h_size)
    assert outs[1].shape == (layers * dirs, N, h_size)
    if is_lstm(m):
        assert outs[2].shape == (layers * dirs, N, c_size)
    # the forward direction's h_n is the output at each sequence's last step,
    # the reverse direction's h_n the output at step 0
    last = output[lengths - 1, np.arange(N)]
    np.testing.assert_array_equal(outs[1][-dirs], last[:, :h_size])
    if bidirectional:
        np.testing.assert_array_equal(outs[1][-1], output[0, :, h_size:])
    d = m.backward(np.ones_like(outs[0]))
    assert d.shape == x.shape


# --------------------------------------------------------------------------- embedding
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_matches_torch(padding_idx, rng, torch):
    emb = Embedding(6, 3, padding_idx=padding_idx, generator=rng)
    twin = torch.nn.Embedding(6, 3, padding_idx=padding_idx).to(torch.float64)
    twin.load_state_dict({"weight": torch.tensor(emb.weight.data)})
    if padding_idx is not None:
        assert np.all(emb.weight.data[padding_idx] == 0.0)
        assert emb.padding_idx == twin.padding_idx
    idx = np.array([[0, 2, 5, 2], [2, 1, 5, 2]])                 # repeated indices
    out = emb(idx)
    g = rng.normal(size=out.shape)
    assert emb.backward(g) is None
    out_t = twin(tlong(idx))
    (out_t * tt(g)).sum().backward()
    assert_parity(out, out_t)
    assert_parity(emb.weight.grad, twin.weight.grad)
    emb(idx[0])                                                  # gradients accumulate
    emb.backward(g[0])
    twin(tlong(idx[0])).mul(tt(g[0])).sum().backward()
    assert_parity(emb.weight.grad, twin.weight.grad)


def test_embedding_init_and_scalar_index(rng):
    emb = Embedding(400, 50, generator=0)
    assert abs(emb.weight.data.mean()) < 0.02 and abs(emb.weight.data.std() - 1.0) < 0.02
    out = emb(np.int64(7))
    assert out.shape == (50,)
    emb.backward(np.ones(50))
    assert np.all(emb.weight.grad[7] == 1.0) and np.count_nonzero(emb.weight.grad) == 50
    assert emb.state_dict().keys() == {"weight"}


def test_embedding_errors():
    emb = Embedding(5, 2)
    with pytest.raises(TypeError, match="input must hold integer indices, got dtype float64"):
        emb(np.array([0.0, 1.0]))
    with pytest.raises(ValueError,
                       match=r"input must hold indices in \[0, 5\), got values in \[0, 5\]"):
        emb(np.array([0, 5]))
    with pytest.raises(ValueError, match=r"padding_idx must be within num_embeddings"):
        Embedding(5, 2, padding_idx=5)
    with pytest.raises(ValueError, match="num_embeddings must be a positive int"):
        Embedding(0, 2)


# --------------------------------------------------------------------------- errors
def test_wrong_input_size():
    with pytest.raises(ValueError, match=r"LSTM expected input of shape \(T, N, D\) .* D = "
                                         r"input_size = 3, got shape \(5, 2, 4\)"):
        LSTM(3, 4)(np.zeros((5, 2, 4)))
    with pytest.raises(ValueError, match=r"\(N, T, D\)"):
        GRU(3, 4, batch_first=True)(np.zeros((5, 2)))
    with pytest.raises(ValueError, match=r"RNNCell expected input of shape \(N, 3\) or \(3,\), "
                                         r"got shape \(2, 4\)"):
        RNNCell(3, 4)(np.zeros((2, 4)))


def test_wrong_hx_shape():
    with pytest.raises(ValueError, match=r"GRU expected hx of shape \(2, 3, 4\), got shape "
                                         r"\(1, 3, 4\)"):
        GRU(2, 4, bidirectional=True)(np.zeros((5, 3, 2)), np.zeros((1, 3, 4)))
    with pytest.raises(ValueError, match=r"LSTM expected c_0 of shape \(1, 3, 4\), got shape "
                                         r"\(1, 3, 2\)"):
        LSTM(2, 4, proj_size=2)(np.zeros((5, 3, 2)), (np.zeros((1, 3, 2)), np.zeros((1, 3, 2))))
    with pytest.raises(TypeError, match=r"LSTM expects hx=\(h_0, c_0\)"):
        LSTM(2, 4)(np.zeros((5, 3, 2)), np.zeros((1, 3, 4)))
    with pytest.raises(TypeError, match=r"GRU expects hx to be one array h_0, got a tuple"):
        GRU(2, 4)(np.zeros((5, 3, 2)), (np.zeros((1, 3, 4)), np.zeros((1, 3, 4))))
    with pytest.raises(ValueError, match=r"LSTMCell expected c of shape \(3, 4\), got shape "
                                         r"\(3, 5\)"):
        LSTMCell(2, 4)(np.zeros((3, 2)), (np.zeros((3, 4)), np.zeros((3, 5))))
    with pytest.raises(ValueError, match=r"RNNCell expected hx of shape \(4,\), got shape "
                                         r"\(1, 4\)"):
        RNNCell(2, 4)(np.zeros(2), np.zeros((1, 4)))


def test_bad_constructor_arguments():
    with pytest.raises(ValueError,
                       match="nonlinearity must be one of 'tanh' or 'relu', got 'sigmoid'"):
        RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError,
                       match="nonlinearity must be one of 'tanh' or 'relu', got 'gelu'"):
        RNNCell(3, 4, nonlinearity="gelu")
    with pytest.raises(ValueError, match=r"proj_size must be 0 or in \[1, hidden_size\)"):
        LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match=r"dropout must be a real number in \[0, 1\], got 1.5"):
        GRU(3, 4, num_layers=2, dropout=1.5)
    with pytest.raises(TypeError, match="hidden_size must be a positive int, got float"):
        LSTM(3, 4.0)
    with pytest.raises(TypeError, match="bidirectional must be a bool"):
        GRU(3, 4, bidirectional="yes")


def test_backward_errors(rng):
    m = GRU(3, 4)
    out, h_n = m(rng.normal(size=(5, 2, 3)))
    with pytest.raises(TypeError, match="GRU has no cell state: grad_c_n is only for LSTM"):
        m.backward(np.zeros_like(out), grad_c_n=np.zeros_like(h_n))
    with pytest.raises(ValueError, match=r"grad_output has shape \(5, 2, 3\) but the output of "
                                         r"the forward pass has shape \(5, 2, 4\)"):
        m.backward(np.zeros((5, 2, 3)))
    with pytest.raises(ValueError, match=r"grad_h_n must have the shape of h_n, \(1, 2, 4\), "
                                         r"got \(2, 4\)"):
        m.backward(np.zeros_like(out), grad_h_n=np.zeros((2, 4)))
    assert m.backward(np.zeros_like(out)).shape == (5, 2, 3)   # the failures kept the context
    with pytest.raises(TypeError, match="RNN has no cell state"):
        r = RNN(3, 4)
        r(rng.normal(size=(5, 2, 3)))
        r.backward(np.zeros((5, 2, 4)), grad_c_n=np.zeros((1, 2, 4)))


def test_lengths_errors(rng):
    m = LSTM(3, 4)
    x = rng.normal(size=(5, 2, 3))
    with pytest.raises(ValueError, match=r"lengths must hold sequence lengths in \[1, 5\], "
                                         r"got values in \[0, 6\]"):
        m(x, lengths=[0, 6])
    with pytest.raises(ValueError, match=r"lengths must have shape \(N,\) = \(2,\)"):
        m(x, lengths=[5, 5, 5])
    with pytest.raises(TypeError, match="lengths must be an array of integers"):
        m(x, lengths=[5.0, 3.0])
    with pytest.raises(ValueError, match="an unbatched"):
        m(x[:, 0], lengths=[5])
