"""Where a service's messages go: the lines a user should read (a plan, a summary, a failed
ticker). The command line prints them (summaries to stdout, notes and warnings to stderr); the
server and the tests keep them."""

from __future__ import annotations

from dataclasses import dataclass, field

from rerating.errors import RerateError


@dataclass
class Notes:
    """Collects what a service said: ``said`` (summaries, stdout) and ``warned`` (notes,
    failures, stderr), in order."""

    said: list[str] = field(default_factory=list)
    warned: list[str] = field(default_factory=list)

    def say(self, line: str) -> None:
        self.said.append(line)

    def warn(self, line: str) -> None:
        self.warned.append(line)


class Interrupted(RerateError):
    """Ctrl-C stopped a refresh; what arrived is stored and has been said (exit status 130)."""

    exit_code = 130
