"""The real `papertrend` command in a subprocess, stopped at a chosen point.

A kill is only interesting inside a window a few microseconds wide (between
promoting a partition and writing its ledger row, between two renames), so
the test picks the point: the subprocess wraps one function (``module:name``)
and then runs ``papertrend.cli.main``. ``kill-after`` sends itself SIGKILL
(what ``kill -9`` does: no cleanup, no ``finally``) right after the Nth call
returns, ``kill-before`` right before it; ``pause-before`` touches a flag file
and waits until the test removes it, to hold the process inside the window
while another one runs. Only calls whose arguments mention ``match`` count.
The hook lives here, in the test; the project's code has no test switch.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

CLI = Path(sys.executable).parent / "papertrend"


def operator_env() -> dict[str, str]:
    """This process's environment as an operator's shell has it: without the
    AIRFLOW_CTX_* variables an in-process dag.test() leaves behind (a writer
    describes itself by them)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW_CTX_")}

HOOKED_CLI = r"""
import importlib, os, signal, sys, time
from pathlib import Path

target, action, nth, match, flag, *cli_args = sys.argv[1:]
module_name, function_name = target.split(":")
module = importlib.import_module(module_name)
original = getattr(module, function_name)
calls = 0

def hooked(*args, **kwargs):
    global calls
    counted = match in " ".join(map(str, (*args, *kwargs.values())))
    calls += counted
    here = counted and calls == int(nth)
    if here and action == "kill-before":
        os.kill(os.getpid(), signal.SIGKILL)
    if here and action == "pause-before":
        Path(flag).touch()
        while Path(flag).exists():
            time.sleep(0.05)
    result = original(*args, **kwargs)
    if here and action == "kill-after":
        os.kill(os.getpid(), signal.SIGKILL)
    return result

setattr(module, function_name, hooked)
from papertrend.cli import main
sys.argv = ["papertrend", *cli_args]
sys.exit(main(cli_args))
"""


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """``papertrend *args`` as an operator runs it, on the test's data root."""
    return subprocess.run([str(CLI), *args], capture_output=True, text=True, env=operator_env(), timeout=600)


def run_killed(target: str, action: str, cli_args: list[str], *, nth: int = 1, match: str = "") -> int:
    """Run ``papertrend *cli_args`` until the hook kills it; returns the exit status (-9 when killed)."""
    result = subprocess.run(
        [sys.executable, "-c", HOOKED_CLI, target, action, str(nth), match, "-", *cli_args],
        env=operator_env(), capture_output=True, text=True, timeout=600,
    )
    return result.returncode


@dataclass
class Paused:
    """A `papertrend` process held at its hook until :meth:`release`."""

    process: subprocess.Popen
    flag: Path

    def release(self) -> subprocess.CompletedProcess:
        self.flag.unlink(missing_ok=True)
        stdout, stderr = self.process.communicate(timeout=600)
        return subprocess.CompletedProcess(self.process.args, self.process.returncode, stdout, stderr)


def start_paused(target: str, cli_args: list[str], flag: Path, *, nth: int = 1, match: str = "") -> Paused:
    """Start ``papertrend *cli_args`` and return once it waits at the hook."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOOKED_CLI, target, "pause-before", str(nth), match, str(flag), *cli_args],
        env=operator_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    while not flag.exists():
        if process.poll() is not None:
            raise AssertionError(f"exited {process.returncode} before the hook: {process.communicate()}")
        time.sleep(0.05)
    return Paused(process, flag)
