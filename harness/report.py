"""What importing a legacy module did: the import-time side-effect report.

Shown in the terminal summary with `-v` (or `--harness-report`), and attached to the report of a
failing test that loaded the service, so the first question about a red test ("what did the
import touch?") is answered next to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.env import EnvValue
from harness.guard import Refusal
from harness.locations import display_path
from harness.threads import RecordedThread


@dataclass
class ImportReport:
    service: str
    path: str
    module_name: str  # the private name it was imported under
    seconds: float = 0.0
    faked: list[tuple[str, str]] = field(default_factory=list)  # (package, level)
    loaded_before: list[str] = field(default_factory=list)  # faked as imported before the service
    kept_real: list[str] = field(default_factory=list)
    clients: list[str] = field(default_factory=list)  # from static analysis, with lines
    env: list[EnvValue] = field(default_factory=list)
    env_written: list[str] = field(default_factory=list)  # variables the import itself set
    threads: list[RecordedThread] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    served: list[str] = field(default_factory=list)  # fake modules handed to the import
    notes: list[str] = field(default_factory=list)  # what analysis could not decide, and such

    def render(self) -> str:
        headline = f"{self.service}: {display_path(self.path)} imported as {self.module_name} in {self.seconds * 1000:.0f} ms"
        return "\n".join([headline, *self.details()])

    def details(self) -> list[str]:
        """The report's lines after its headline (what the import ran with and did)."""
        lines: list[str] = []
        if self.faked:
            lines.append(
                "  faked:      "
                + ", ".join(
                    f"{package} ({level}, imported before the service)"
                    if package in self.loaded_before
                    else f"{package} ({level})"
                    for package, level in self.faked
                )
            )
        if self.kept_real:
            lines.append("  kept real:  " + ", ".join(self.kept_real))
        if self.served:
            lines.append("  served:     " + ", ".join(self.served))
        for client in self.clients:
            lines.append(f"  client:     {client}")
        for value in self.env:
            line = f" (line {value.line})" if value.line else ""
            lines.append(f"  env:        {value.describe()}{line}")
        for name in self.env_written:
            lines.append(f"  env write:  the import set {name} (undone)")
        for thread in self.threads:
            lines.append(f"  thread:     {thread.describe()}")
        for refusal in self.refusals:
            lines.append(f"  refused:    {refusal.describe()}")
        for note in self.notes:
            lines.append(f"  note:       {note}")
        return lines
