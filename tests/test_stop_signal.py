"""A stop signal is waited for without a lock in the handler (an Event.set() there can deadlock)."""
from __future__ import annotations

import os
import signal
import threading

from bot.stop_signal import StopSignal


def test_a_signal_before_the_wait_is_not_lost_and_the_old_handlers_come_back() -> None:
    before = signal.getsignal(signal.SIGTERM)
    stop = StopSignal()
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop.wait() == signal.SIGTERM
    finally:
        stop.close()
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_signal_while_waiting_ends_the_wait() -> None:
    stop = StopSignal()
    sender = threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGINT))
    try:
        sender.start()
        assert stop.wait() == signal.SIGINT
    finally:
        sender.join()
        stop.close()


def test_other_signals_do_not_end_the_wait() -> None:
    stop = StopSignal()
    previous = signal.signal(signal.SIGUSR1, lambda *_: None)  # a Python handler: its number reaches the socket too
    try:
        os.kill(os.getpid(), signal.SIGUSR1)
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop.wait() == signal.SIGTERM
    finally:
        signal.signal(signal.SIGUSR1, previous)
        stop.close()
