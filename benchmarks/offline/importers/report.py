"""What an importer did: how many runs it read, and every run it left out and why."""

from __future__ import annotations

from dataclasses import dataclass, field


class DataImportError(ValueError):
    """Input that cannot be imported; the message names the file and the field."""


@dataclass(frozen=True)
class Skipped:
    """A run left out of the curve set: ``file`` (and entry within it) and the ``reason``."""

    file: str
    reason: str


@dataclass
class ImportReport:
    """Counts of an import. ``skipped`` lists every run not imported (diverged, incomplete, or
    malformed when skipping was asked for), so nothing disappears silently."""

    kind: str
    source: str
    n_read: int = 0
    n_imported: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def skip(self, file: str, reason: str) -> None:
        self.skipped.append(Skipped(file, reason))

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "source": self.source,
            "read": self.n_read,
            "imported": self.n_imported,
            "skipped": [{"file": s.file, "reason": s.reason} for s in self.skipped],
            "notes": list(self.notes),
        }

    def lines(self) -> list[str]:
        out = [
            f"{self.kind}: read {self.n_read} runs from {self.source}, imported {self.n_imported}, "
            f"skipped {len(self.skipped)}"
        ]
        out += [f"  skipped {s.file}: {s.reason}" for s in self.skipped]
        out += [f"  note: {n}" for n in self.notes]
        return out
