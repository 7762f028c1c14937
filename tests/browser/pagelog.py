"""What a page did in the browser tests: console errors and warnings, uncaught errors, blocked requests."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PageLog:
    """Console errors and warnings, uncaught exceptions and blocked requests of a page and its frames."""

    errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert not self.errors, self.errors
        assert not self.blocked, self.blocked
