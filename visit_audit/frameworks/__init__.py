"""Visiting frameworks as data: built-in TOML files and the loader that validates them."""

from visit_audit.frameworks.loader import builtin_names, load_framework, parse_framework
from visit_audit.frameworks.model import Boundary, Framework, Phase, PlanType

__all__ = [
    "Boundary",
    "Framework",
    "Phase",
    "PlanType",
    "builtin_names",
    "load_framework",
    "parse_framework",
]
