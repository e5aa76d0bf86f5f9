"""How long things take, as people read it: one spelling for the engine's messages, the CLI
and the window (a module of its own, so the engine can use it without the state labels)."""

from __future__ import annotations


def duration_text(seconds: float) -> str:
    """`42` → `"42 s"`, `300` → `"5 min"`, `3930` → `"1 h 05 min"` (whole seconds, rounded)."""
    whole = max(0, round(seconds))
    if whole >= 3600:
        return f"{whole // 3600} h {whole % 3600 // 60:02d} min"
    if whole >= 60:
        minutes, rest = divmod(whole, 60)
        return f"{minutes} min" if rest == 0 else f"{minutes} min {rest:02d} s"
    return f"{whole} s"
