"""Validation suite: the engine against the classic diffusion results it nests.

Every case runs the real engine on the files of `experiments/validation/`
(Bass: `sim.run_many` on its scenario files; Watts and Centola & Macy:
`sim.sweep` on their experiment files, ``watts_sweep.toml`` and
``centola_sweep.toml``) and compares it with a published figure:

1. Bass (1969) on a complete graph: at ``run.dt = 1`` the mean curve is the
   explicit Euler recursion of the Bass equation; at ``run.dt = 0.1`` it is
   close to the closed form, and least squares on the closed form gives p
   and q back.
2. Watts (2002) on Erdős-Rényi graphs: the analytic cascade window, and the
   simulated frequency and size of global cascades against the mean degree.
3. Centola & Macy (2007) on Watts-Strogatz rings: complex contagion (two
   active neighbours needed) stalls once many ties are rewired; simple
   contagion (one) is complete at every level and faster with rewiring.

Beside them, the mean-field family checks the recruiting layers against the
exact expectations of their own rules (set-ups defined in
`sim.validation.meanfield`, not files): the traditional channel's open
vacancies and time to fill, the social channel's hires and contacts, and
the Beta belief's fixed point.

Statistical rules (see ``docs/validation.md``):

- A full run uses the number of runs the issue states, and the issue's
  tolerance as is. A quick run uses fewer runs; each tolerance then grows by
  the extra sampling error, in quadrature:
  ``tol(n) = sqrt(tol² + (1.96 sd)² (1/n - 1/n_full))``, with ``sd`` the
  standard deviation across runs of the statistic checked.
- Frequencies of global cascades are compared with Watts' figures as two
  binomial estimates (his 1,000 realisations and ours): the Newcombe
  (hybrid Wilson score) interval of the difference, widened by 0.005 for
  the two-decimal rounding of the reference, must contain 0. The eight
  comparisons form one family at 5% family-wise error (Bonferroni: each
  interval at 99.375%); the table still shows 95% Wilson intervals.
- Directions are one-sided Spearman rank tests at the 5% level.
- Mean-field checks: the mean over independent runs (or actors) must lie
  within ``t sd / sqrt(n)`` of the analytic value, the t quantile at 5%
  family-wise error over the family's comparisons (Bonferroni).

Modules: `core` (plans, set-up files, batches and sweeps of runs, check rows),
`bass`, `watts` and `centola` (one per published case), `meanfield` (the
market's mean-field cases, the family's runner) and `meanfield_beliefs`,
`stats` (the statistics above and the analytic expectations, no model),
`suite` (`run_validation`, `format_table`, the mean-field family
`MEANFIELD_CASES`) and `report` (Markdown, figures and CSV tables; it takes
the resulting tables, never the model).
"""

from sim.validation.core import (
    EXPERIMENTS_DIR,
    FULL,
    QUICK,
    ROW_COLUMNS,
    Plan,
    Progress,
    ValidationReport,
    run_batch,
)
from sim.validation.suite import format_table, run_validation

__all__ = [
    "EXPERIMENTS_DIR",
    "FULL",
    "QUICK",
    "ROW_COLUMNS",
    "Plan",
    "Progress",
    "ValidationReport",
    "format_table",
    "run_batch",
    "run_validation",
]
