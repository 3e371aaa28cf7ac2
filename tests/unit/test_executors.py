"""Executors: a worker that dies costs only the task that killed it."""

from __future__ import annotations

import os

from sim.executors import ProcessExecutor, SerialExecutor

KILLER = 3


def square_or_die(task: int) -> tuple[int, int]:
    """Square a number in a worker; task KILLER kills its worker process, as a crash would."""
    if task == KILLER:
        os._exit(9)
    return task, task * task


def given_up(task: int, error: BaseException) -> tuple[int, str]:
    return task, type(error).__name__


def test_a_task_that_kills_its_worker_is_given_up_and_the_others_complete():
    with ProcessExecutor(2) as pool:
        results = dict(pool.imap_unordered(square_or_die, range(12), given_up))
    assert results.pop(KILLER) == "BrokenProcessPool"
    assert results == {task: task * task for task in range(12) if task != KILLER}


def test_the_serial_executor_runs_in_order():
    tasks = [t for t in range(6) if t != KILLER]
    assert list(SerialExecutor().imap_unordered(square_or_die, tasks, given_up)) == [
        (t, t * t) for t in tasks
    ]
