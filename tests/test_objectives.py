"""Objectives: gradients and Hessians against finite differences; the trajectory runner."""
import numpy as np
import pytest

from dlbook import objectives as O
from dlbook import optim
from dlbook.gradcheck import numerical_gradient


def _objectives():
    rng = np.random.default_rng(0)
    M = rng.standard_normal((3, 3))
    return [O.Quadratic(M @ M.T + np.eye(3), minimum=[1.0, -2.0, 0.5]),
            O.Quadratic.from_eigenvalues([1.0, 9.0]), O.Rosenbrock(), O.Rosenbrock(a=2.0, b=5.0)]


@pytest.mark.parametrize("obj", _objectives(), ids=["quad3", "quad-diag", "rosen", "rosen-a2"])
def test_gradient_and_hessian_match_finite_differences(obj):
    d = obj.minimum.size
    w = np.random.default_rng(1).standard_normal(d)
    num_g = numerical_gradient(lambda: obj.value(w), w)
    np.testing.assert_allclose(obj.grad(w), num_g, rtol=1e-6, atol=1e-6)
    num_h = np.stack([numerical_gradient(lambda: obj.grad(w)[i], w) for i in range(d)])
    np.testing.assert_allclose(obj.hessian(w), num_h, rtol=1e-6, atol=1e-5)
    assert obj.value(obj.minimum) == pytest.approx(0.0, abs=1e-14)
    np.testing.assert_allclose(obj.grad(obj.minimum), 0.0, atol=1e-12)


def test_value_is_vectorised_over_a_grid():
    q = O.Quadratic.from_eigenvalues([1.0, 9.0])
    xs, ys = np.meshgrid(np.linspace(-1, 1, 4), np.linspace(-2, 2, 3))
    grid = np.stack([xs, ys], axis=-1)
    expected = 0.5 * (xs ** 2 + 9 * ys ** 2)
    np.testing.assert_allclose(q.value(grid), expected)
    r = O.Rosenbrock()
    np.testing.assert_allclose(r.value(grid), (1 - xs) ** 2 + 100 * (ys - xs ** 2) ** 2)


def test_trajectory_equals_a_hand_written_gradient_descent():
    q = O.Quadratic.from_eigenvalues([2.0, 18.0], minimum=[2.0, 3.0])
    path = O.trajectory(q, optim.SGD, [0.0, 0.0], 20, lr=0.05)
    w = np.zeros(2)
    for t in range(1, 21):
        w = w - 0.05 * np.array([2.0, 18.0]) * (w - [2.0, 3.0])
        np.testing.assert_allclose(path[t], w, rtol=1e-14)
    assert path.shape == (21, 2)
    np.testing.assert_array_equal(path[0], [0.0, 0.0])


def test_trajectory_with_a_scheduler():
    from dlbook.optim.lr_scheduler import StepLR
    q = O.Quadratic.from_eigenvalues([1.0])
    path = O.trajectory(q, optim.SGD, [1.0], 4, lr=0.5,
                        scheduler=lambda o: StepLR(o, step_size=2, gamma=0.1))
    # lr 0.5, 0.5, 0.05, 0.05: w <- w (1 - lr)
    np.testing.assert_allclose(path[:, 0], [1.0, 0.5, 0.25, 0.2375, 0.225625])


def test_condition_number():
    assert O.condition_number(np.diag([2.0, 18.0])) == pytest.approx(9.0)
    assert O.condition_number(np.eye(3)) == pytest.approx(1.0)
    assert O.condition_number(np.diag([1.0, 0.0])) == float("inf")
    assert O.condition_number(np.diag([-4.0, 2.0])) == pytest.approx(2.0)


def test_errors():
    with pytest.raises(ValueError, match="square"):
        O.Quadratic(np.ones((2, 3)))
    with pytest.raises(ValueError, match="symmetric"):
        O.Quadratic(np.array([[1.0, 2.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match=r"minimum must have shape \(2,\)"):
        O.Quadratic(np.eye(2), minimum=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="1-D point"):
        O.trajectory(O.Rosenbrock(), optim.SGD, np.zeros((2, 1)), 3, lr=0.1)
    with pytest.raises(ValueError, match="steps"):
        O.trajectory(O.Rosenbrock(), optim.SGD, [0.0, 0.0], -1, lr=0.1)
    with pytest.raises(ValueError, match="square"):
        O.condition_number(np.ones(3))


@pytest.mark.parametrize("w", [np.ones(3), np.ones(1), np.ones((4, 3)), np.float64(1.0)],
                         ids=["3-d", "1-d", "grid of 3-d points", "scalar"])
def test_rosenbrock_rejects_points_that_are_not_two_dimensional(w):
    """value(np.ones(3)) used to ignore the third coordinate and return 0."""
    r = O.Rosenbrock()
    with pytest.raises(ValueError, match=r"two-dimensional: w must have shape \(2,\)"):
        r.value(w)
    with pytest.raises(ValueError, match=r"two-dimensional: w must have shape \(2,\), got"):
        r.grad(w)
    with pytest.raises((ValueError, TypeError)):
        r.hessian(w)


def test_rosenbrock_grad_takes_one_point():
    with pytest.raises(ValueError, match=r"shape \(2,\), got shape \(3, 2\)"):
        O.Rosenbrock().grad(np.ones((3, 2)))
    assert O.Rosenbrock().value(np.ones((3, 2))).shape == (3,)
