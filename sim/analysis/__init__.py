"""Analytical benchmarks and statistics for simulation results.

This package is deliberately independent of the rest of the ``sim`` package: it
never imports other ``sim`` modules and only operates on plain numbers, NumPy
arrays (or array-likes such as pandas Series). Everything here is pure.

Contents:

* Bass (1969) diffusion model: closed form, explicit Euler recursion and a
  least-squares fit, used as the mean-field benchmark for adoption curves.
* :func:`crossing_time`: first time an adoption curve reaches a level
  (e.g. ``t50``), linearly interpolated between samples.
* Watts (2002) threshold-cascade window on Erdős-Rényi graphs.
* Replication statistics: Student-t mean intervals and Wilson binomial
  intervals.
* Paired comparison of scenarios run with common seeds: paired and unpaired
  (Welch) intervals, p-values, minimum detectable effect and runs needed,
  Holm adjustment, a bootstrap interval for cost per additional unit of gain,
  and the precision stopping rule for adding runs.

Conventions: adoption "share" is the cumulative fraction of the eventual
market that has adopted, in ``[0, 1]``; time is in simulation steps (or any
unit, as long as ``p`` and ``q`` are rates per that unit).

Modules: `curves` (Bass closed form and Euler recursion, `crossing_time`;
NumPy only), `fitting` (`fit_bass`), `cascades` (Watts 2002), `intervals`
(replication statistics), `paired` (scenario comparison; also needs
statsmodels) and `precision` (the stopping rule; needs pandas). Import from
the module that defines a name: the package itself imports nothing, so
that `sim.results` (which needs only `crossing_time`) does not load
SciPy's `stats` and `optimize` on every ``import sim``.
"""
