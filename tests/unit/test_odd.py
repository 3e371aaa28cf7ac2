"""docs/ODD.md against the code: the generated parameter tables, and every worked example.

The numbers of the examples are read from the document's text and
recomputed with the model's own kernels, so a change to either side that
makes them disagree fails here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Literal, get_args

import numpy as np
import pytest
from pydantic import Field, ValidationError

from sim.intervention_params import INTERVENTION_TYPES, InterventionBase
from sim.learning import fall_with_use, platform_churn, update_beliefs, update_digital
from sim.params import ScenarioParams
from sim.population import beta_traits
from sim.rules import adoption_utility, effective_skill, logistic
from sim.schema import RatePerWeek, Section, Share
from sim.schema_doc import (
    BEGIN,
    COMMAND,
    END,
    NONE,
    main,
    parameter_tables,
    replace_block,
    section_table,
)
from sim.state import risk_by_set

ODD = Path(__file__).resolve().parents[2] / "docs" / "ODD.md"
DEFAULTS = ScenarioParams()
NUMBER = r"(-?\d+(?:\.\d+)?)"
ASCII = str.maketrans(
    {
        "\N{MINUS SIGN}": "-",
        "\N{EN DASH}": "-",
        "\N{MULTIPLICATION SIGN}": "x",
        "\N{GREEK SMALL LETTER ALPHA}": "alpha",
        "\N{GREEK SMALL LETTER BETA}": "beta",
        "\N{GREEK SMALL LETTER DELTA}": "delta",
        "\N{GREEK SMALL LETTER KAPPA}": "kappa",
        "\N{GREEK SMALL LETTER RHO}": "rho",
        "\N{GREEK SMALL LETTER SIGMA}": "sigma",
    }
)
"""The document's symbols as the patterns below write them."""


@cache
def odd_text() -> str:
    """The document in one line (line breaks do not matter), its symbols spelt as `ASCII` does."""
    return " ".join(ODD.read_text(encoding="utf-8").split()).translate(ASCII)


def find(pattern: str) -> list[str]:
    """The groups of `pattern` (with `NUMBER` for `{n}`) in the document."""
    match = re.search(pattern.replace("{n}", NUMBER), odd_text())
    assert match, f"docs/ODD.md no longer says {pattern!r}: update the text or this test"
    return list(match.groups())


def value(printed: str) -> float:
    return float(printed)


def assert_printed(computed: float, printed: str) -> None:
    """`computed`, rounded as the document prints it, is the number printed."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    assert abs(float(computed) - value(printed)) <= 0.5 * 10**-decimals + 1e-12, (
        f"the code gives {float(computed):.6g}; docs/ODD.md prints {printed}"
    )


def fixed_point(step: Callable[[float], float], low: float = 0.0, high: float = 1.0) -> float:
    """Where an affine step x -> a x + b (affine between `low` and `high`) leaves x unchanged."""
    slope = (step(high) - step(low)) / (high - low)
    intercept = step(low) - slope * low
    return intercept / (1.0 - slope)


# The parameter tables (section 7.10)


def test_the_odd_parameter_tables_are_those_the_schema_generates():
    text = ODD.read_text(encoding="utf-8")
    assert replace_block(text, parameter_tables()) == text, (
        f"docs/ODD.md's parameter tables differ from the schema: run `{COMMAND}`"
    )


class Demo(Section):
    """A made-up section.

    Its second paragraph.
    """

    count: int = Field(3, ge=1, le=10)  # how many, in actors
    # a block of comments
    # on two lines
    rate: RatePerWeek = 1.0 / 52  # per week
    share: Share | None = None
    mode: Literal["a", "b"] = "a"  # which | mode

    flag: bool = True
    label: str = "x"
    needed: float = Field(gt=0.0, lt=2.0)  # required


class DemoChild(Demo):
    """A section that changes one field and adds one."""

    count: int = Field(5, ge=0)
    extra: Share | Literal["all"] = "all"  # a share, or all


DEMO = f"""**`[demo]`**: A made-up section.

Its second paragraph.

| key | default | allowed values | meaning |
|---|---|---|---|
| `count` | `3` | integer in [1, 10] | how many, in actors |
| `rate` | `0.019230769230769232` (= 1.0 / 52) | number in [0, 100] | a block of comments \
on two lines; per week |
| `share` | not set | number in [0, 1], or not set | {NONE} |
| `mode` | `"a"` | `"a"`, `"b"` | which \\| mode |
| `flag` | `true` | `true`, `false` | {NONE} |
| `label` | `"x"` | text | {NONE} |
| `needed` | required | number in (0, 2) | required |"""

CHILD = """**Child**: A section that changes one field and adds one.

| key | default | allowed values | meaning |
|---|---|---|---|
| `count` | `5` | integer ≥ 0 | how many, in actors |
| `extra` | `"all"` | number in [0, 1] or `"all"` | a share, or all |"""


def test_a_section_is_written_as_this_markdown():
    assert section_table(Demo, "demo") == DEMO
    # a field declared again keeps the comment it had; the names pick and order the rows
    assert section_table(DemoChild, "demo", ["count", "extra"], title="Child") == CHILD


def tables_by_title(markdown: str) -> dict[str, list[str]]:
    """The keys listed under each heading of the generated Markdown."""
    tables: dict[str, list[str]] = {}
    for line in markdown.splitlines():
        if line.startswith("**"):
            title = tables.setdefault(line.split("**")[1], [])
        elif line.startswith("| `"):
            title.append(line.split("`")[1])
    return tables


def is_section(annotation: object) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, Section)


def test_every_field_of_every_section_and_intervention_has_its_row():
    tables = tables_by_title(parameter_tables())
    fields = ScenarioParams.model_fields
    sections = {
        name: info.annotation for name, info in fields.items() if is_section(info.annotation)
    }
    top = [name for name in fields if name not in sections and name != "interventions"]
    assert tables.pop("Top level") == top
    for name, cls in sections.items():
        assert tables.pop(f"`[{name}]`") == list(cls.model_fields), name
        for key, info in cls.model_fields.items():  # a table a key may hold (decision.threshold)
            for nested in filter(is_section, get_args(info.annotation)):
                assert tables.pop(f"`[{name}.{key}]`") == list(nested.model_fields)
    shared = tables.pop("`[[interventions]]`, every type")
    assert shared == list(InterventionBase.model_fields)
    for label, cls in INTERVENTION_TYPES.items():
        own = tables.pop(f'`[[interventions]]` with `type = "{label}"`')
        assert own[0] == "type" and set(cls.model_fields) == set(shared) | set(own), label
    assert not tables, f"tables of nothing in the schema: {list(tables)}"


def test_the_command_rewrites_only_the_block_between_the_markers(tmp_path):
    path = tmp_path / "doc.md"
    path.write_text(f"before\n{BEGIN}\nstale\n{END}\nafter\n", encoding="utf-8")
    assert main([str(path)]) == 0
    assert (
        path.read_text(encoding="utf-8") == f"before\n{BEGIN}\n{parameter_tables()}\n{END}\nafter\n"
    )
    assert [p.name for p in tmp_path.iterdir()] == ["doc.md"]  # no temporary file left
    path.write_text("no markers\n", encoding="utf-8")
    assert main([str(path)]) == 2 and path.read_text(encoding="utf-8") == "no markers\n"


# Worked examples


def test_the_worked_example_of_the_utility_rule():
    d, platforms = DEFAULTS.decision, DEFAULTS.platforms
    f, dig, rho, c, a0, b0 = map(
        value, find(r"f = {n}, d = {n}, rho = {n}, c = {n}, the prior belief \({n}, {n}\)")
    )
    q_text, mean, rho_sd, sd, gain_term = find(r"`q = {n}`, `G·\({n} - {n}·{n}\) = {n}`")
    rho_r, r_text, risk_term = find(r"`w_r·rho·r = {n}·{n} = {n}`")
    w_c, c_text, gap, complexity_term = find(r"`w_c·c·\(1-q\) = {n}·{n}·{n} = {n}`")
    cost, utility_text = find(r"`cost = {n}`, so `U = {n}`")
    q = effective_skill(np.array([f]), np.array([dig]), d.omega)[0]
    r = risk_by_set(np.array([[1]]), np.array([platforms.data_safety_generalist]))[0]
    sd_belief = math.sqrt(a0 * b0 / ((a0 + b0) ** 2 * (a0 + b0 + 1)))
    assert_printed(q, q_text)
    assert_printed(a0 / (a0 + b0), mean)
    assert_printed(sd_belief, sd)
    assert value(rho_sd) == rho == value(rho_r)
    assert_printed(d.gain * (a0 / (a0 + b0) - rho * sd_belief), gain_term)
    assert_printed(r, r_text)
    assert_printed(d.risk_weight * rho * r, risk_term)
    assert value(w_c) == d.complexity_weight and value(c_text) == c
    assert_printed(1 - q, gap)
    assert_printed(d.complexity_weight * c * (1 - q), complexity_term)
    assert value(cost) == d.cost
    utility = adoption_utility(
        alpha=np.array([a0]),
        beta=np.array([b0]),
        risk_aversion=np.array([rho]),
        perceived_risk=np.array([r]),
        complexity=np.array([c]),
        skill=np.array([q]),
        share_active_neighbours=np.array([0.0]),
        decision=d,
    )[0]
    assert_printed(utility, utility_text)
    for kind, kappa, sign in (("Activation", d.kappa_on, 1), ("Lapse", d.kappa_off, -1)):
        rate, argument, hazard = find(kind + r"[^`]*`{n}·logistic\({n}\) = {n}`")
        assert value(rate) == kappa
        assert_printed(sign * d.steepness * utility, argument)
        assert_printed(kappa * logistic(sign * d.steepness * utility), hazard)


def test_the_spread_of_the_traits_drawn():
    printed, mean, concentration = find(
        r"`sqrt\(m\(1-m\)/\(kappa\+1\)\)`, {n} for m = {n} and kappa = {n}"
    )
    m, kappa = value(mean), value(concentration)
    assert_printed(math.sqrt(m * (1 - m) / (kappa + 1)), printed)
    draws = beta_traits(np.random.default_rng(5), m, kappa, 400_000)
    assert draws.std() == pytest.approx(math.sqrt(m * (1 - m) / (kappa + 1)), rel=0.01)


def digital_step(churn: float, dt: float) -> Callable[[float], float]:
    """One step of churn, then practice, for an active user of one platform (no peers)."""
    p, lp = DEFAULTS.platforms, DEFAULTS.learning

    def step(digital: float) -> float:
        eroded, _ = platform_churn(
            digital=np.array([digital]),
            complexity=np.array([0.5]),
            membership=np.array([1]),
            churn_by_set_per_week=np.array([0.0, churn]),
            erosion=p.erosion,
            confusion=p.confusion,
            dt=dt,
        )
        practised = update_digital(
            digital=eroded,
            is_active=np.array([True]),
            neighbour_digital=np.array([0.0]),
            practice_per_week=lp.practice_per_week,
            peer_per_week=lp.peer_per_week,
            dt=dt,
        )
        return float(practised[0])

    return step


def test_the_balance_of_practice_and_erosion():
    p, lp = DEFAULTS.platforms, DEFAULTS.learning
    practice, erosion, churn, loss = map(
        value, find(r"practice {n} against erosion {n} x {n} = {n}")
    )
    ratio = find(r"tends to `{n}/\({n} \+ {n}\) ≈ {n}`; on a specialised platform only, to ≈ {n}")
    half_life = find(r"half-life of about {n} weeks on the generalist")[0]
    assert (practice, erosion, churn) == (lp.practice_per_week, p.erosion, p.churn_generalist)
    assert loss == pytest.approx(erosion * churn)
    assert list(map(value, ratio[:3])) == [practice, practice, pytest.approx(loss)]
    # the text balances the weekly rates: the kernels' fixed point as the step shrinks
    assert_printed(fixed_point(digital_step(p.churn_generalist, 0.01)), ratio[3])
    assert_printed(fixed_point(digital_step(p.churn_specialised, 0.01)), ratio[4])
    kept, _ = platform_churn(
        digital=np.array([1.0]),
        complexity=np.array([0.5]),
        membership=np.array([1]),
        churn_by_set_per_week=np.array([0.0, p.churn_generalist]),
        erosion=p.erosion,
        confusion=p.confusion,
        dt=1.0,
    )
    assert_printed(math.log(2) / -math.log(kept[0]), half_life)


def complexity_step(share_active: float, dt: float) -> Callable[[float], float]:
    """One step of churn on the generalist, then use, for an active member."""
    p, lp = DEFAULTS.platforms, DEFAULTS.learning

    def step(complexity: float) -> float:
        _, confused = platform_churn(
            digital=np.array([0.5]),
            complexity=np.array([complexity]),
            membership=np.array([1]),
            churn_by_set_per_week=np.array([0.0, p.churn_generalist]),
            erosion=p.erosion,
            confusion=p.confusion,
            dt=dt,
        )
        used = fall_with_use(
            value=confused,
            is_active=np.array([True]),
            share_active_neighbours=np.array([share_active]),
            sharing=lp.sharing,
            own_per_week=lp.complexity_experience_per_week,
            sharing_per_week=lp.complexity_sharing_per_week,
            floor=lp.complexity_floor,
            dt=dt,
        )
        return float(used[0])

    return step


def test_where_perceived_complexity_settles():
    low, high, all_active, none_active = find(
        r"this is ≈ {n}-{n} on the generalist: {n} when all its neighbours are active "
        r"\(`a_i = 1`\), {n} when none is \(`a_i = 0`\)"
    )
    assert (low, high) == (all_active, none_active)
    floor = DEFAULTS.learning.complexity_floor
    for share_active, printed in ((1.0, all_active), (0.0, none_active)):
        for dt in (0.01, DEFAULTS.run.dt):  # the rates' balance, and the default step
            settled = fixed_point(complexity_step(share_active, dt), floor + 0.1, 1.0)
            assert_printed(settled, printed)


def test_the_evidence_a_belief_settles_at():
    lp, sharing = DEFAULTS.learning, DEFAULTS.learning.sharing
    prior = (lp.prior_alpha, lp.prior_beta)
    own, shared = (1.0, 2.0), (0.5, 1.5)  # successes and failures per week
    assert (
        "settles near `alpha0 + beta0 + (own + sigma·shared outcomes per week)/delta`" in odd_text()
    )
    assert "Without outcomes it returns to `alpha0 + beta0`" in odd_text()

    def settled(dt: float, scale: float) -> float:
        def step(x: float) -> float:
            alpha, beta = update_beliefs(
                alpha=np.array([x]),
                beta=np.array([x]),
                own_successes=np.array([own[0] * dt * scale]),
                own_failures=np.array([own[1] * dt * scale]),
                shared_successes=np.array([shared[0] * dt * scale]),
                shared_failures=np.array([shared[1] * dt * scale]),
                sharing=sharing,
                prior=prior,
                decay_per_week=lp.decay_per_week,
                dt=dt,
            )
            return float(alpha[0] + beta[0]) / 2

        return 2 * fixed_point(step)

    expected = sum(prior) + (sum(own) + sharing * sum(shared)) / lp.decay_per_week
    assert settled(0.01, 1.0) == pytest.approx(expected, rel=1e-3)
    assert settled(DEFAULTS.run.dt, 1.0) == pytest.approx(expected, rel=0.02)  # near, at Δt = 1
    assert settled(DEFAULTS.run.dt, 0.0) == pytest.approx(sum(prior))


def test_the_default_initial_state():
    aware, seeking, belief, complexity = find(
        r"{n}% of actors aware, nobody active, nobody on a platform; - {n}% of candidates "
        r"seeking; - all beliefs at the prior mean {n}, all complexities at {n}\."
    )
    assert value(aware) == 100 * DEFAULTS.initial.aware_share and DEFAULTS.initial.active == 0
    assert value(seeking) == 100 * DEFAULTS.market.initial_seeking_share
    lp = DEFAULTS.learning
    assert_printed(lp.prior_alpha / (lp.prior_alpha + lp.prior_beta), belief)
    assert value(complexity) == DEFAULTS.population.complexity_initial


def test_the_most_platforms_and_domains():
    platforms = int(value(find(r"\*\*At most {n} platforms\.\*\*")[0]))
    domains = int(value(find(r"So there are at most {n} domains with domain platforms")[0]))
    widest = ScenarioParams.model_validate({"population": {"domains": domains}})
    assert len(widest.platform_names) == platforms
    with pytest.raises(ValidationError, match=f"at most {platforms} are supported"):
        ScenarioParams.model_validate({"population": {"domains": domains + 1}})
