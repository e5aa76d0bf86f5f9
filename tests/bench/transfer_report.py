"""Figures of the transfer benchmark: the table, the Must/Goal verdicts and the JSON line.

Rates use decimal units (MB = 10⁶ bytes, GB = 10⁹ bytes). Each client's wall and CPU time is
the median of its runs; each ratio to s5cmd is the median, over rounds, of the ratio within one
round, so that the machine's drift between rounds cancels out.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from tests.bench.clients import RunMeasurement

REFERENCE = "s5cmd"
MUST_BIG_WALL_RATIO = 1.3
GOAL_BIG_WALL_RATIO = 1.1
MUST_SMALL_RATE_VS_AWSCLI = 1.5
# Issue 13's goals for small files: files/s as a multiple of s5cmd's, CPU/file as a fraction.
GOAL_SMALL_TLS_RATE = 1.2
GOAL_SMALL_TLS_CPU = 0.8
GOAL_SMALL_HTTP_RATE = 1.0


@dataclass
class ClientFigures:
    label: str
    runs: list[RunMeasurement] = field(default_factory=list)
    round_numbers: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    head_checksum: str | None = None

    @property
    def wall_s(self) -> float:
        return statistics.median(run.wall_s for run in self.runs)

    @property
    def cpu_s(self) -> float:
        return statistics.median(run.cpu_s for run in self.runs)


@dataclass
class WorkloadResult:
    name: str
    title: str
    file_count: int
    total_bytes: int
    clients: dict[str, ClientFigures]

    def usable(self) -> dict[str, ClientFigures]:
        """Clients with at least one run and no failed run."""
        return {
            name: figures
            for name, figures in self.clients.items()
            if figures.runs and not figures.problems
        }

    def ratio_to_reference(self, name: str, measure: str) -> float | None:
        """Median over rounds of (client / s5cmd) for `wall_s` or `cpu_s`, within each round."""
        usable = self.usable()
        if name not in usable or REFERENCE not in usable:
            return None
        reference = dict(zip(usable[REFERENCE].round_numbers, usable[REFERENCE].runs, strict=True))
        ratios = [
            getattr(run, measure) / getattr(reference[number], measure)
            for number, run in zip(usable[name].round_numbers, usable[name].runs, strict=True)
            if number in reference and getattr(reference[number], measure) > 0
        ]
        return statistics.median(ratios) if ratios else None


@dataclass(frozen=True)
class ProbeFigures:
    """Our engine's pause latency and bytes re-sent after a SIGKILL, or why they are missing."""

    pause_latency_s: float | None
    resent_bytes_after_kill: int | None
    notes: list[str]


def print_workload(result: WorkloadResult) -> None:
    is_big = result.name == "big"
    print()
    print(result.title)
    rate_head = "MB/s" if is_big else "files/s"
    cpu_head = "CPU s/GB" if is_big else "CPU ms/file"
    print(
        f"  {'client':<18} {'wall s':>7} {rate_head:>8} {cpu_head:>11} "
        f"{'wall ×s5cmd':>11} {'CPU ×s5cmd':>10}  {'HEAD CRC32' if is_big else 'stored CRC32'}"
    )
    for name, figures in result.clients.items():
        if not figures.runs:
            continue
        if figures.problems:
            print(f"  {figures.label:<18} FAILED: {'; '.join(sorted(set(figures.problems)))}")
            continue
        wall_ratio = result.ratio_to_reference(name, "wall_s")
        cpu_ratio = result.ratio_to_reference(name, "cpu_s")
        print(
            f"  {figures.label:<18} {figures.wall_s:7.2f} {_rate(result, figures):8.0f}"
            f" {_cpu(result, figures):11.2f} {_ratio(wall_ratio):>11} {_ratio(cpu_ratio):>10}"
            f"  {figures.head_checksum or ''}"
        )


def _rate(result: WorkloadResult, figures: ClientFigures) -> float:
    if result.name == "big":
        return result.total_bytes / figures.wall_s / 1e6
    return result.file_count / figures.wall_s


def _cpu(result: WorkloadResult, figures: ClientFigures) -> float:
    if result.name == "big":
        return figures.cpu_s / (result.total_bytes / 1e9)
    return figures.cpu_s / result.file_count * 1000


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}×"


def print_probes(probes: ProbeFigures) -> None:
    print()
    latency = probes.pause_latency_s
    resent = probes.resent_bytes_after_kill
    print(f"pause latency (pause → last payload byte at the server): {_or_na(latency, '.3f', 's')}")
    print(f"bytes re-sent after SIGKILL mid-multipart and resume:      {_or_na(resent, ',', 'B')}")
    for note in probes.notes:
        print(f"  {note}")


def _or_na(value: float | None, spec: str, unit: str) -> str:
    return "n/a" if value is None else f"{format(value, spec)} {unit}"


def goal_verdicts(results: dict[str, WorkloadResult]) -> list[tuple[str, str, bool | None]]:
    """(level, what, met?) for each Must and Goal; met is None when it cannot be judged."""
    big, small = results.get("big"), results.get("small")
    verdicts: list[tuple[str, str, bool | None]] = []
    big_ratio = big.ratio_to_reference("ours", "wall_s") if big else None
    big_usable = big.usable() if big else {}
    cpu_ok: bool | None = None
    if "ours" in big_usable and "boto3" in big_usable:
        cpu_ok = big_usable["ours"].cpu_s <= big_usable["boto3"].cpu_s
    verdicts.append(("Must", "big file ≤ 1.3× s5cmd's wall time", _at_most(big_ratio, 1.3)))
    verdicts.append(("Must", "big file CPU/GB ≤ boto3 defaults'", cpu_ok))
    small_usable = small.usable() if small else {}
    rate_ok: bool | None = None
    if "ours" in small_usable and "awscli" in small_usable:
        ours_wall, aws_wall = small_usable["ours"].wall_s, small_usable["awscli"].wall_s
        rate_ok = aws_wall / ours_wall >= MUST_SMALL_RATE_VS_AWSCLI
    verdicts.append(("Must", "small files ≥ 1.5× aws s3 cp's files/s", rate_ok))
    verdicts.append(("Goal", "big file ≤ 1.1× s5cmd's wall time", _at_most(big_ratio, 1.1)))
    small_ratio = small.ratio_to_reference("ours", "wall_s") if small else None
    small_cpu = small.ratio_to_reference("ours", "cpu_s") if small else None
    plain = results.get("small-http")
    plain_ratio = plain.ratio_to_reference("ours", "wall_s") if plain else None
    verdicts += [
        (
            "Goal",
            "small files (TLS) ≥ 1.2× s5cmd's files/s",
            _at_most(small_ratio, 1 / GOAL_SMALL_TLS_RATE),
        ),
        (
            "Goal",
            "small files (TLS) ≤ 0.8× s5cmd's CPU/file",
            _at_most(small_cpu, GOAL_SMALL_TLS_CPU),
        ),
        (
            "Goal",
            "small files (plain HTTP) ≥ s5cmd's files/s",
            _at_most(plain_ratio, 1 / GOAL_SMALL_HTTP_RATE),
        ),
    ]
    return verdicts


def _at_most(value: float | None, limit: float) -> bool | None:
    return None if value is None else value <= limit


def print_goals(results: dict[str, WorkloadResult], *, is_full_size: bool) -> None:
    print()
    if not is_full_size:
        # At 64 MiB or 200 files each process's start-up (~0.4 s of imports for a Python
        # client) weighs as much as the transfer itself.
        print("Must/Goal are judged on the full run (512 MiB, 2,000 × 64 KiB): run without --quick")
        return
    for level, what, met in goal_verdicts(results):
        verdict = "cannot judge" if met is None else "met" if met else "NOT met"
        print(f"{level}: {what} — {verdict}")


def summary_json(
    results: dict[str, WorkloadResult],
    probes: ProbeFigures,
    missing: dict[str, str],
    sizes: dict[str, int],
) -> dict[str, Any]:
    """The last line of output, for comparing runs over time."""
    summary: dict[str, Any] = {}
    for name, result in results.items():
        section: dict[str, dict[str, float]] = {}
        for client, figures in result.usable().items():
            if name == "big":
                section[client] = {
                    "wall_s": round(figures.wall_s, 3),
                    "cpu_s_per_gb": round(figures.cpu_s / (result.total_bytes / 1e9), 3),
                }
            else:
                section[client] = {
                    "files_per_s": round(result.file_count / figures.wall_s, 1),
                    "cpu_s_per_file": round(figures.cpu_s / result.file_count, 6),
                }
        summary[name] = section
    summary["pause_latency_s"] = probes.pause_latency_s
    summary["resent_bytes_after_kill"] = probes.resent_bytes_after_kill
    summary["missing"] = sorted(missing)
    summary["failed"] = sorted(
        {
            client
            for result in results.values()
            for client, figures in result.clients.items()
            if figures.problems
        }
    )
    summary["sizes"] = sizes
    return summary
