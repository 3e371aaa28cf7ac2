"""Executors: a worker that dies costs only the task that killed it."""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import pytest

from sim.executors import ProcessExecutor, SerialExecutor
from sim.runner import interrupts_ignored

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


def test_a_ctrl_c_while_workers_start_is_delivered_when_they_have_started():
    """SIGINT during `interrupts_ignored` is held, then raised as the block ends, not lost."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    reached_the_end_of_the_block = False
    try:
        with pytest.raises(KeyboardInterrupt):
            with interrupts_ignored():
                os.kill(os.getpid(), signal.SIGINT)  # pressed while workers would start
                time.sleep(0.05)  # nothing is raised here
                reached_the_end_of_the_block = True
        assert reached_the_end_of_the_block
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, set())
    finally:
        signal.signal(signal.SIGINT, previous)


def test_workers_started_meanwhile_never_receive_ctrl_c():
    """A worker spawned inside `interrupts_ignored` has SIGINT blocked for its whole life."""
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        with interrupts_ignored():
            future = pool.submit(signal.pthread_sigmask, signal.SIG_BLOCK, set())
        assert signal.SIGINT in future.result()
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, set())
