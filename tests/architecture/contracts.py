"""An import-linter contract of our own: packages reach each other through public names only.

A package's private modules (`_name.py`, at any depth) are its own: another package imports what
the package re-exports (`from agents.models import get_model`), never `agents.models._local`. The
check is on direct imports, so a public name that happens to live in a private module is fine.
"""

from __future__ import annotations

from typing import Any

from importlinter import Contract, ContractCheck, fields, output


def is_private(module: str) -> bool:
    """Whether a dotted module name has a private part (`a._b`, `a._b.c`)."""
    return any(part.startswith("_") and not part.startswith("__") for part in module.split("."))


def top(module: str) -> str:
    """The top-level package of a dotted module name."""
    return module.split(".", 1)[0]


class PublicNamesContract(Contract):
    """No module imports a private module of another top-level package."""

    type_name = "public_names"
    packages = fields.ListField(subfield=fields.StringField())

    def check(self, graph: Any, verbose: bool) -> ContractCheck:
        names = {str(p) for p in self.packages}  # type: ignore[attr-defined]
        violations = []
        for importer in sorted(graph.modules):
            if top(importer) not in names:
                continue
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                if (
                    top(imported) in names
                    and top(imported) != top(importer)
                    and is_private(imported)
                ):
                    details = graph.get_import_details(importer=importer, imported=imported)
                    lines = sorted({d["line_number"] for d in details})
                    violations.append((importer, imported, lines))
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for importer, imported, lines in check.metadata["violations"]:
            where = ", ".join(f"l.{n}" for n in lines)
            output.print_error(f"{importer} imports the private {imported} ({where})")
