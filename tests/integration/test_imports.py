"""Import hygiene, each in a fresh interpreter: what importing the package loads and sets.

`recruitsim run` must not load the validation stack (only `recruitsim
validate` imports it), and drawing figures must not select a Matplotlib
backend or load pyplot: a program that imports `sim` keeps its own.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

VALIDATION_MODULES = (
    "sorted(m for m in sys.modules if m == 'sim.validation' or m.startswith('sim.validation.'))"
)


def python(code: str, **env: str | None) -> dict:
    """Run `code` in a fresh interpreter and return the JSON it prints last.

    Keyword arguments set (str) or remove (None) environment variables.
    """
    environ = dict(os.environ)
    for key, value in env.items():
        if value is None:
            environ.pop(key, None)
        else:
            environ[key] = value
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environ,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("statement", ["import sim", "import sim.cli"])
def test_importing_the_package_or_the_cli_loads_no_validation_module(statement):
    loaded = python(f"""
        import json, sys
        {statement}
        after_import = {VALIDATION_MODULES}
        import sim.validation  # the check below sees the package once it is loaded
        after_validation = {VALIDATION_MODULES}
        print(json.dumps({{"import": after_import, "validation": after_validation}}))
    """)
    assert loaded["import"] == []
    assert {"sim.validation", "sim.validation.suite"} <= set(loaded["validation"])


def test_run_command_loads_no_validation_module(tmp_path):
    scenario, out = ROOT / "scenarios" / "baseline.toml", tmp_path / "out"
    loaded = python(f"""
        import json, sys
        from sim.cli import main
        sys.argv = [
            "recruitsim", "run", {str(scenario)!r}, "--set", "run.steps=3",
            "--set", "population.candidates=60", "--set", "population.recruiters=6",
            "--out", {str(out)!r},
        ]
        try:
            main()
        except SystemExit as stop:
            code = stop.code
        print(json.dumps({{"code": code, "validation": {VALIDATION_MODULES}}}))
    """)
    assert loaded == {"code": 0, "validation": []}
    assert (out / "adoption.png").is_file()


@pytest.mark.parametrize("mplbackend", [None, "svg"])
def test_plots_select_no_backend_and_leave_pyplot_unloaded(tmp_path, mplbackend):
    # Unset (and no matplotlibrc choosing one), the backend is Matplotlib's
    # "resolve later" sentinel; MPLBACKEND (which overrides any matplotlibrc)
    # makes it "svg". A matplotlib.use("Agg") at import or draw time would
    # replace either with "agg".
    path = tmp_path / "adoption.png"
    state = python(
        f"""
        import json, sys
        import matplotlib
        from matplotlib import rcsetup

        def backend():
            value = matplotlib.rcParams._get("backend")  # _get: no resolution of the sentinel
            return "<auto>" if value is rcsetup._auto_backend_sentinel else value

        before = backend()
        import pandas as pd
        import sim.plots
        after_import = backend()
        timeseries = pd.DataFrame(
            {{"seed": [0, 0, 0, 1, 1, 1], "time": [0.0, 1.0, 2.0] * 2}}
            | {{c: [0.0, 0.2, 0.4, 0.0, 0.3, 0.5] for c, _ in sim.plots.SHARES}}
            | {{c: [0, 1, 2, 0, 2, 1] for c, _ in sim.plots.HIRES}}
        )
        sim.plots.plot_run(timeseries, "test", {str(path)!r})
        print(json.dumps({{"before": before, "after_import": after_import}}
              | {{"after_plot": backend(), "pyplot": "matplotlib.pyplot" in sys.modules}}))
        """,
        MPLBACKEND=mplbackend,
    )
    if mplbackend is not None:
        assert state["before"] == mplbackend
    assert state["after_import"] == state["before"]
    assert state["after_plot"] == state["before"]
    assert state["pyplot"] is False
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_importing_the_package_loads_no_statistics_stack():
    # the engine needs crossing_time only (NumPy); SciPy's stats and optimize are for analysis
    loaded = python("""
        import json, sys
        import sim
        print(json.dumps(sorted(m for m in ("scipy.stats", "scipy.optimize") if m in sys.modules)))
    """)
    assert loaded == []


def test_the_package_facade_loads_its_names_on_first_use():
    loaded = python("""
        import json, sys
        import sim
        before = sorted(m for m in ("numpy", "pandas", "sim.model") if m in sys.modules)
        names = [name for name in sim.__all__ if getattr(sim, name) is None]
        print(json.dumps({"before": before, "none": names, "agents": sim.agents.__name__}))
    """)
    assert loaded == {"before": [], "none": [], "agents": "sim.agents"}
