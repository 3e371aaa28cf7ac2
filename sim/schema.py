"""The building blocks of the scenario schema: the strict frozen section and the number types.

`sim.params` (the sections of a scenario) and `sim.intervention_params` (the
`[[interventions]]` tables) are made of these.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
RatePerWeek = Annotated[float, Field(ge=0.0, le=100.0)]


class Section(BaseModel):
    """Base of every section: frozen; unknown keys, wrong types and non-finite numbers are errors.

    Types are strict: `steps = true`, `steps = "12"` or `specialised_by_domain
    = "yes"` are refused rather than converted (an integer is accepted where
    a real number is expected).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)
