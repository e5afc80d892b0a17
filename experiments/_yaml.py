"""Reading a YAML file into a pydantic model: the shared, bounded loader (see `usererrors`)."""

from __future__ import annotations

from usererrors import describe, load_model, yaml_problem

__all__ = ["describe", "load_model", "yaml_problem"]
