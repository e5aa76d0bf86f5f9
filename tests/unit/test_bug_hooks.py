"""An exception escaping any thread reaches the running session as a bug, and only then."""

from __future__ import annotations

import threading

import pytest

from uploader_gui.bug_hooks import route_thread_bugs


def run_in_thread(target: object) -> None:
    thread = threading.Thread(target=target, name="background-duty")  # type: ignore[arg-type]
    thread.start()
    thread.join(5)


def test_a_thread_that_dies_of_an_exception_is_reported_with_where_it_died() -> None:
    reports: list[tuple[BaseException, str]] = []

    def dies() -> None:
        raise KeyError("no such row")

    with route_thread_bugs(lambda exc, where: reports.append((exc, where))):
        run_in_thread(dies)
    assert len(reports) == 1
    exc, where = reports[0]
    assert isinstance(exc, KeyError)
    assert where == "thread background-duty"


def test_the_newest_session_gets_the_report_and_none_after_it_ended(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first: list[BaseException] = []
    second: list[BaseException] = []
    seen_before: list[str] = []
    monkeypatch.setattr(
        threading, "excepthook", lambda args: seen_before.append(str(args.exc_value))
    )

    def dies() -> None:
        raise ValueError("bug")

    with route_thread_bugs(lambda exc, where: first.append(exc)):
        with route_thread_bugs(lambda exc, where: second.append(exc)):
            run_in_thread(dies)
        run_in_thread(dies)
    run_in_thread(dies)  # no session: the hook that was there before has it, as always
    assert len(first) == 1
    assert len(second) == 1
    assert seen_before == ["bug"]


def test_system_exit_on_a_thread_is_not_a_bug() -> None:
    reports: list[BaseException] = []
    with route_thread_bugs(lambda exc, where: reports.append(exc)):
        run_in_thread(lambda: (_ for _ in ()).throw(SystemExit(0)))
    assert reports == []
