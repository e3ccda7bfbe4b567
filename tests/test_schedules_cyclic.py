"""InverseTimeDecay, CosineDecayRestarts and OneCycle: by value against Keras 3's formulas
(written out from keras/src/optimizers/schedules/learning_rate_schedule.py) and PyTorch's
``CosineAnnealingWarmRestarts`` and ``OneCycleLR``, their checks and their files."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nonlin
from nonlin import schedules
from nonlin.checkpoint import ModelCheckpoint
from nonlin.schedules import CosineDecayRestarts, InverseTimeDecay, OneCycle


def _keras_inverse_time(lr, decay_steps, decay_rate, staircase, step):
    p = step / decay_steps
    if staircase:
        p = math.floor(p)
    return lr / (1 + decay_rate * p)


def _keras_restarts(lr, first, t_mul, m_mul, alpha, step):
    """Keras 3's closed form, in float64: the period from a logarithm."""
    fraction = step / first
    if t_mul == 1.0:
        i = math.floor(fraction)
        fraction -= i
    else:
        i = math.floor(math.log(1.0 - fraction * (1.0 - t_mul)) / math.log(t_mul))
        sum_r = (1.0 - t_mul**i) / (1.0 - t_mul)
        fraction = (fraction - sum_r) / t_mul**i
    cosine = 0.5 * m_mul**i * (1.0 + math.cos(math.pi * fraction))
    return lr * ((1 - alpha) * cosine + alpha)


def _restart_steps(first, t_mul, until):
    """The steps at which a period starts: 0, first, first + first * t_mul, ..."""
    starts, start, length = [], 0.0, float(first)
    while start < until:
        starts.append(start)
        start, length = start + length, length * t_mul
    return starts


@pytest.mark.parametrize("decay_rate, staircase", [(0.5, False), (0.5, True), (3.0, False),
                                                   (0.0, False)])
def test_inverse_time_decay_matches_keras(decay_rate, staircase) -> None:
    schedule = InverseTimeDecay(0.1, 7, decay_rate, staircase=staircase)
    for step in (0, 1, 6, 7, 8, 13, 14, 50, 699, 700, 10**6, 10**15):
        expected = _keras_inverse_time(0.1, 7, decay_rate, staircase, step)
        assert schedule(step) == pytest.approx(expected, rel=1e-15, abs=0), step
    assert schedule(0) == 0.1 and schedule(np.int64(14)) == schedule(14)
    if decay_rate == 0.5 and not staircase:
        assert schedule(14) == 0.05  # 1 + 0.5 * 14 / 7 = 2: half the rate
    assert schedule(10**400) == (0.1 if decay_rate == 0 else 0.0)  # beyond float64: no error


@pytest.mark.parametrize("first, t_mul, m_mul, alpha", [
    (10, 2.0, 1.0, 0.0), (5, 3.0, 0.5, 0.1), (3, 1.5, 0.9, 0.0), (4, 1.0, 0.8, 0.1),
    (7, 10.0, 1.0, 0.2), (1, 2.0, 1.0, 0.0)])
def test_cosine_decay_restarts_matches_keras_away_from_its_restart_steps(first, t_mul, m_mul,
                                                                          alpha) -> None:
    schedule = CosineDecayRestarts(0.1, first, t_mul=t_mul, m_mul=m_mul, alpha=alpha)
    starts = set(_restart_steps(first, t_mul, 5000))
    for step in range(5000):
        if step in starts:  # Keras' logarithm may round to the period before (below)
            continue
        expected = _keras_restarts(0.1, first, t_mul, m_mul, alpha, step)
        assert schedule(step) == pytest.approx(expected, rel=1e-10, abs=1e-15), step


@pytest.mark.parametrize("first, t_mul, m_mul, alpha", [(5, 3.0, 0.5, 0.1), (7, 10.0, 1.0, 0.2),
                                                        (10, 2.0, 0.7, 0.0), (4, 1.0, 0.8, 0.1)])
def test_cosine_decay_restarts_restarts_exactly_at_each_period_start(first, t_mul, m_mul, alpha):
    """At step 5 * (1 + 3 + 9 + 27 + 81) = 605, Keras' log(1 + 121 * 2) / log(3) rounds
    below 5 (float64 too): its rate is the floor alpha * lr there, one step late."""
    schedule = CosineDecayRestarts(0.1, first, t_mul=t_mul, m_mul=m_mul, alpha=alpha)
    for i, start in enumerate(_restart_steps(first, t_mul, 10**5)):
        peak = 0.1 * ((1 - alpha) * m_mul**i + alpha)
        assert schedule(int(start)) == pytest.approx(peak, rel=1e-13), (i, start)
        if start:  # the last step of the previous period
            length = first * t_mul ** (i - 1)
            cosine = 0.5 * (1 + math.cos(math.pi * (length - 1) / length))
            before = 0.1 * ((1 - alpha) * m_mul ** (i - 1) * cosine + alpha)
            assert schedule(int(start) - 1) == pytest.approx(before, rel=1e-12), (i, start)
    if (first, t_mul) == (5, 3.0):
        assert _keras_restarts(0.1, 5, 3.0, 0.5, 0.1, 605) == pytest.approx(0.01)  # Keras'
        assert schedule(605) == pytest.approx(0.1 * (0.9 * 0.5**5 + 0.1))


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _torch_rates(torch, make, steps, lr=0.1):
    """The rate of each of ``steps`` optimizer steps under a scheduler stepped once per
    update, as ``fit`` steps nonlin's."""
    weight = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([weight], lr=lr, momentum=0.9)
    scheduler, rates = make(torch.optim.lr_scheduler, optimizer), []
    for _ in range(steps):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        if len(rates) < steps:  # PyTorch's OneCycleLR refuses a step past total_steps
            scheduler.step()
    return np.array(rates)


@pytest.mark.parametrize("first, t_mul, alpha", [(10, 1, 0.0), (7, 2, 0.1), (5, 3, 0.0),
                                                 (1, 2, 0.5)])
def test_cosine_decay_restarts_matches_torch_warm_restarts(torch, first, t_mul, alpha) -> None:
    schedule = CosineDecayRestarts(0.1, first, t_mul=t_mul, alpha=alpha)
    theirs = _torch_rates(torch, lambda lrs, o: lrs.CosineAnnealingWarmRestarts(
        o, T_0=first, T_mult=t_mul, eta_min=alpha * 0.1), 600)
    ours = np.array([schedule(step) for step in range(600)])
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-16)


_ONE_CYCLE = [(100, 0.3, "cos", 25.0, 1e4), (100, 0.3, "linear", 25.0, 1e4),
              (300, 0.25, "cos", 10.0, 100.0), (7, 0.5, "linear", 4.0, 2.0),
              (2, 0.3, "cos", 25.0, 1e4), (10, 0.0, "cos", 25.0, 1e4),
              (10, 1.0, "linear", 25.0, 1e4), (1, 0.3, "cos", 25.0, 1e4)]


@pytest.mark.parametrize("total, pct, strategy, div, final_div", _ONE_CYCLE)
def test_one_cycle_is_torch_one_cycle_lr_bit_for_bit(torch, total, pct, strategy, div,
                                                     final_div) -> None:
    schedule = OneCycle(0.1, total, pct_start=pct, anneal_strategy=strategy, div_factor=div,
                        final_div_factor=final_div)
    theirs = _torch_rates(torch, lambda lrs, o: lrs.OneCycleLR(
        o, max_lr=0.1, total_steps=total, pct_start=pct, anneal_strategy=strategy,
        div_factor=div, final_div_factor=final_div, cycle_momentum=False), total)
    np.testing.assert_array_equal([schedule(step) for step in range(total)], theirs)


def _one_cycle_formula(max_lr, total, pct, strategy, div, final_div, step):
    initial = max_lr / div
    final = initial / final_div
    end = pct * total - 1
    start, stop, pct_done = ((initial, max_lr, step / end) if step <= end else
                             (max_lr, final, (step - end) / (total - 1 - end)))
    if strategy == "cos":
        return stop + (start - stop) / 2 * (1 + math.cos(math.pi * pct_done))
    return start + (stop - start) * pct_done


@pytest.mark.parametrize("total, pct, strategy, div, final_div", _ONE_CYCLE)
def test_one_cycle_by_its_formula_and_held_at_the_final_rate_after_total_steps(
        total, pct, strategy, div, final_div) -> None:
    schedule = OneCycle(0.1, total, pct, strategy, div, final_div)
    for step in range(total):
        expected = _one_cycle_formula(0.1, total, pct, strategy, div, final_div, step)
        assert schedule(step) == pytest.approx(expected, rel=1e-14, abs=1e-18), step
    final = 0.1 / div / final_div
    assert schedule(total) == schedule(total + 1) == schedule(10**30) == final
    if total == 100:
        assert schedule(0) == pytest.approx(0.1 / 25) and schedule(29) == 0.1  # warm-up: 0-29
        assert schedule(99) == pytest.approx(final, rel=1e-12)


@pytest.mark.parametrize("make, match", [
    (lambda: InverseTimeDecay(0, 10, 0.5), r"Received: lr=0"),
    (lambda: InverseTimeDecay(0.1, 0, 0.5), r"Received: decay_steps=0"),
    (lambda: InverseTimeDecay(0.1, -2.0, 0.5), r"Received: decay_steps=-2\.0"),  # 2.0: taken
    (lambda: InverseTimeDecay(0.1, 10, -0.5), r"Received: decay_rate=-0\.5"),
    (lambda: InverseTimeDecay(0.1, 10, math.inf), r"Received: decay_rate=inf"),
    (lambda: InverseTimeDecay(0.1, 10, 0.5, staircase=1), r"Received: staircase=1"),
    (lambda: CosineDecayRestarts(-0.1, 10), r"Received: lr=-0\.1"),
    (lambda: CosineDecayRestarts(0.1, 0), r"Received: first_decay_steps=0"),
    (lambda: CosineDecayRestarts(0.1, 10, t_mul=0.5), r">= 1\. Received: t_mul=0\.5"),
    (lambda: CosineDecayRestarts(0.1, 10, m_mul=-1), r"Received: m_mul=-1"),
    (lambda: CosineDecayRestarts(0.1, 10, m_mul=math.nan), r"Received: m_mul=nan"),
    (lambda: CosineDecayRestarts(0.1, 10, alpha=1.5), r"Received: alpha=1\.5"),
    (lambda: OneCycle(0, 100), r"Received: max_lr=0"),
    (lambda: OneCycle(0.1, 0), r"Received: total_steps=0"),
    (lambda: OneCycle(0.1, 100, pct_start=1.2), r"Received: pct_start=1\.2"),
    (lambda: OneCycle(0.1, 10, pct_start=0.1), r"other than 1 .*pct_start=0\.1, total_steps=10"),
    (lambda: OneCycle(0.1, 100, anneal_strategy="cosine"), r"Received: anneal_strategy='cosine'"),
    (lambda: OneCycle(0.1, 100, div_factor=0), r"Received: div_factor=0"),
    (lambda: OneCycle(0.1, 100, final_div_factor=-1), r"Received: final_div_factor=-1"),
])
def test_bad_arguments_are_refused_naming_the_value(make, match) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        make()


_ALL = [InverseTimeDecay(0.1, 10, 0.5, staircase=True),
        CosineDecayRestarts(0.05, 4, t_mul=1.5, m_mul=0.8, alpha=0.1), OneCycle(0.05, 12),
        OneCycle(0.05, 12, pct_start=0.5, anneal_strategy="linear", div_factor=5.0,
                 final_div_factor=10.0)]


@pytest.mark.parametrize("schedule", _ALL)
def test_a_step_that_is_not_an_integer_is_refused(schedule) -> None:
    for step in (-1, 2.0, "3", None, True):
        with pytest.raises((TypeError, ValueError), match="Received: step="):
            schedule(step)


def test_a_restart_schedule_that_overflows_or_a_step_beyond_float64_says_so() -> None:
    growing = CosineDecayRestarts(0.1, 1, t_mul=1.0, m_mul=10.0)
    assert growing(300) == pytest.approx(0.1 * 1e300)
    with pytest.raises(ValueError, match=r"Received: step=400, where it overflows float64"):
        growing(400)
    with pytest.raises(ValueError, match=r"Received: step=1000000"):
        CosineDecayRestarts(0.1, 1)(10**400)
    assert CosineDecayRestarts(0.1, 3, t_mul=1.0, m_mul=0.5)(3 * 10**400) == 0.0  # exact ints
    assert CosineDecayRestarts(0.1, 3, t_mul=1.0)(3 * 10**400 + 1) == pytest.approx(0.075)


def test_constructors_store_python_numbers_from_numpy_scalars() -> None:
    f32, i64 = np.float32(0.5), np.int64(8)
    for schedule in (InverseTimeDecay(f32, i64, f32), CosineDecayRestarts(f32, i64, f32 * 4, f32,
                                                                          f32),
                     OneCycle(f32, i64, f32, "cos", f32 * 10, f32 * 10)):
        assert all(type(v) in (int, float, str, bool) for v in schedule.get_config().values())


@pytest.mark.parametrize("schedule", _ALL)
def test_they_survive_config_model_files_and_checkpoints(tmp_path, schedule) -> None:
    entry = {"class_name": type(schedule).__name__, "config": schedule.get_config()}
    assert repr(schedules.schedule_from_config(entry)) == repr(schedule)
    assert schedules.SCHEDULES[type(schedule).__name__] is type(schedule)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(24, 3)), np.arange(24) % 2
    fit = dict(loss="cross_entropy", batch_size=8, seed=1, verbose=0)

    def model():
        return nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])

    straight = model()
    history = straight.fit(X, y, optimizer=nonlin.SGD(schedule, momentum=0.9), epochs=4, **fit)
    assert history.history["lr"] == [schedule(3 * epoch) for epoch in range(1, 5)]
    nonlin.save(straight, tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors").optimizer
    assert repr(loaded.lr) == repr(schedule) and loaded.iterations == 12
    assert loaded.current_lr() == schedule(12)
    path = tmp_path / "ck.safetensors"
    model().fit(X, y, optimizer=nonlin.SGD(schedule, momentum=0.9), epochs=2,
                callbacks=[ModelCheckpoint(path)], **fit)
    resumed = model()
    resumed.fit(X, y, optimizer=nonlin.SGD(schedule, momentum=0.9), epochs=4, resume_from=path,
                **fit)
    for a, b in zip(straight.get_weights(), resumed.get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()
