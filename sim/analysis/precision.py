"""Precision targets for paired comparisons, and the rule for adding runs until one is met.

A target is a 95% half-width for the effects, in their units or as a share
of the baseline's mean (`parse_precision`); `half_width_reached` checks a
table of effects against it, `next_batch_size` projects how many more
paired runs would meet it (a half-width shrinks as t/sqrt(n)).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

_NAN = float("nan")
_PRECISION = re.compile(
    r"(?:(?P<kpi>[A-Za-z_]\w*)=)?(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)(?P<pct>%)?"
)
_EFFECT_COLUMNS = ["scenario", "kpi", "lower", "upper", "mean_baseline"]


@dataclass(frozen=True)
class Precision:
    """Target half-width: ``value`` in KPI units or, if relative, x |baseline mean|."""

    value: float
    relative: bool = False
    kpis: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.value) and self.value > 0.0):
            raise ValueError(f"precision value must be finite and > 0, got {self.value!r}")
        if self.kpis is not None and not self.kpis:
            raise ValueError("precision kpis must be None (every KPI) or non-empty")


def parse_precision(text: str) -> Precision:
    """Parse ``"3.5"``, ``"5%"``, ``"kpi=3.5"`` or ``"kpi=5%"`` into a :class:`Precision`.

    Args:
        text: Absolute half-width or percentage of the baseline mean,
            optionally prefixed by one KPI name and ``=``.

    Returns:
        The :class:`Precision` (a percentage becomes a fraction).

    Raises:
        ValueError: One line naming ``text`` and the valid forms.
    """
    match = _PRECISION.fullmatch(text.strip())
    value = float(match["number"]) if match else 0.0
    if not 0.0 < value < math.inf:
        raise ValueError(
            f"invalid precision {text!r}: expected a positive half-width ('3.5') or a "
            "percentage of the baseline mean ('5%'), optionally for one KPI "
            "('cum_hires_social=3.5', 'cum_hires_social=5%')"
        )
    relative = match["pct"] is not None
    kpis = None if match["kpi"] is None else (match["kpi"],)
    return Precision(value / 100.0 if relative else value, relative, kpis)


@dataclass(frozen=True)
class StoppingCheck:
    """Result of :func:`half_width_reached`.

    ``scenario`` ... ``target_half_width``: the checked effect with the largest
    half-width / target (None / NaN if none); ``skipped``: ``(scenario, kpi)``.
    """

    reached: bool
    scenario: str | None
    kpi: str | None
    widest_half_width: float
    target_half_width: float
    n_checked: int
    skipped: tuple[tuple[str, str], ...]

    def describe(self) -> str:
        """One line: the limiting effect against its target, and what was skipped."""
        text = "no effect could be checked"
        if self.n_checked:
            text = (
                f"widest {self.kpi} in {self.scenario}: half-width {self.widest_half_width:.4g}"
                f" for a target of {self.target_half_width:.4g} ({self.n_checked} effects checked)"
            )
        if self.skipped:
            names = ", ".join(f"{kpi} in {scenario}" for scenario, kpi in self.skipped)
            text += f"; skipped (relative target, baseline mean 0): {names}"
        return text


def half_width_reached(effects: pd.DataFrame, precision: Precision) -> StoppingCheck:
    """Whether every targeted effect interval is as narrow as requested.

    A row's half-width is ``(upper - lower) / 2`` (at the table's confidence,
    normally 95%), its target ``precision.value`` (times ``|mean_baseline|``
    if relative). A NaN half-width (e.g. from one run) counts as infinite.

    Args:
        effects: One row per (scenario, KPI) effect, with columns
            ``scenario``, ``kpi``, ``lower``, ``upper``, ``mean_baseline``.
        precision: The target, for its KPIs (every row if ``kpis`` is None).

    Returns:
        :class:`StoppingCheck`. A relative target cannot apply to a row with
        ``mean_baseline == 0``: such rows are ``skipped`` and do not block, so
        if all are skipped ``reached`` is True with ``n_checked`` 0.

    Raises:
        ValueError: On a missing column or a KPI not in the table.
    """
    missing = [c for c in _EFFECT_COLUMNS if c not in effects.columns]
    if missing:
        raise ValueError(f"effects table lacks column(s) {missing}")
    unknown = sorted(set(precision.kpis or ()) - set(effects["kpi"]))
    if unknown:
        raise ValueError(
            f"precision names unknown KPI(s) {unknown}; known: {sorted(set(effects['kpi']))}"
        )
    rows = effects if precision.kpis is None else effects[effects["kpi"].isin(precision.kpis)]
    half_width = ((rows["upper"] - rows["lower"]) / 2.0).to_numpy(dtype=float)
    scale = rows["mean_baseline"].abs().to_numpy(dtype=float) if precision.relative else 1.0
    target = precision.value * np.broadcast_to(scale, half_width.shape)
    skip = target == 0.0
    skipped = tuple(dict.fromkeys(zip(rows["scenario"][skip], rows["kpi"][skip], strict=True)))
    if skip.all():
        return StoppingCheck(True, None, None, _NAN, _NAN, 0, skipped)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(skip, -np.inf, half_width / target)
    ratio = np.where(np.isnan(ratio), np.inf, ratio)
    i = int(np.argmax(ratio))
    widest = (str(rows["scenario"].iloc[i]), str(rows["kpi"].iloc[i]), half_width[i], target[i])
    return StoppingCheck(bool(np.all(ratio <= 1.0)), *widest, int((~skip).sum()), skipped)


def next_batch_size(
    n_done: int,
    widest_half_width: float,
    target_half_width: float,
    max_runs: int,
    min_batch: int = 5,
    confidence: float = 0.95,
) -> int:
    """Paired runs to add so that the widest interval reaches its target.

    Half-width after ``N`` pairs: ``h_N = h_n (t_{N-1} / t_{n-1}) sqrt(n / N)``
    (``t_k`` the two-sided quantile on ``k`` df, sd held at its estimate). The
    answer is the smallest ``N`` with ``h_N <= target``, minus ``n_done``, at
    least ``min_batch`` (the sd estimate is noisy), never past ``max_runs``.

    Args:
        n_done: Pairs run so far.
        widest_half_width: Half-width of the limiting effect (NaN if unknown).
        target_half_width: Its target half-width, positive.
        max_runs: Budget of pairs in total.
        min_batch: Smallest batch worth running, at least 1.
        confidence: Confidence level of the half-widths, in ``(0, 1)``.

    Returns:
        0 if the target is met or the budget spent; ``min_batch`` (within
        budget) if the width is unknown or ``n_done < 2``.

    Raises:
        ValueError: On a bad target, ``min_batch``, count or ``confidence``.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    if not (math.isfinite(target_half_width) and target_half_width > 0.0):
        raise ValueError(f"target_half_width must be finite and > 0, got {target_half_width!r}")
    if min_batch < 1 or n_done < 0 or max_runs < 0:
        raise ValueError("min_batch must be >= 1 and n_done, max_runs >= 0")
    room = max_runs - n_done
    if room <= 0:
        return 0
    if n_done < 2 or not math.isfinite(widest_half_width):
        return min(min_batch, room)
    if widest_half_width <= target_half_width:
        return 0
    # t_{N-1} <= t_{n-1} for N > n, so n (h / target)^2 pairs always suffice.
    ceiling = min(max_runs, math.ceil(n_done * (widest_half_width / target_half_width) ** 2))
    candidates = np.arange(n_done + 1, ceiling + 1)
    q = 0.5 * (1.0 + confidence)
    t_ratio = stats.t.ppf(q, candidates - 1) / stats.t.ppf(q, n_done - 1)
    projected = widest_half_width * t_ratio * np.sqrt(n_done / candidates)
    enough = np.flatnonzero(projected <= target_half_width)
    needed = int(candidates[enough[0]] if enough.size else candidates[-1])
    return min(max(needed - n_done, min_batch), room)
