"""A throwaway one-node Slurm cluster (Debian's ``slurm-wlm`` and ``munge``) for end-to-end tests.

Everything lives in one temporary folder: the munge key and socket, ``slurm.conf`` (free ports, this
machine's CPUs and memory as ``slurmd -C`` reports them), state, spool and logs. The daemons run in the
foreground as children of this process and are stopped by PID, so nothing outside the folder is touched
and several clusters can run side by side. Clients reach it through ``SLURM_CONF`` (see ``env``).

``python tests/slurm_cluster.py [FOLDER]`` starts one and keeps it until Ctrl-C (to try things by hand).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

DAEMONS = ("munged", "mungekey", "slurmctld", "slurmd")
PARTITION = "debug"


class ClusterError(RuntimeError):
    """The cluster did not come up; the message quotes the daemons' logs."""


def missing_programs() -> list[str]:
    """The daemons (and client commands) a cluster needs that are not installed."""
    return [name for name in (*DAEMONS, "sbatch", "sinfo", "squeue", "scancel") if _which(name) is None]


def _which(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")  # daemons are in sbin


def _program(name: str) -> str:
    path = _which(name)
    if path is None:
        raise ClusterError(f"{name} is not installed (apt-get install slurm-wlm munge)")
    return path


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class SlurmCluster:
    root: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def conf(self) -> Path:
        return self.root / "slurm.conf"

    @property
    def env(self) -> dict[str, str]:
        """The environment of a client (``sbatch``, ``python -m harness run -m hydra/launcher=slurm``)."""
        return {**os.environ, "SLURM_CONF": str(self.conf)}

    def command(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """A Slurm client command (``sinfo``, ``squeue``, ``scancel`` ...) against this cluster."""
        return subprocess.run(list(args), env=self.env, capture_output=True, text=True, check=check, timeout=60)

    def node_state(self) -> str:
        result = self.command("sinfo", "-h", "-N", "-o", "%T", check=False)
        return result.stdout.strip() if result.returncode == 0 else ""

    def jobs(self) -> dict[str, str]:
        """Job (or array task) id -> state, of the jobs the controller still knows as queued or running."""
        lines = self.command("squeue", "-h", "-r", "-o", "%i %T").stdout.split("\n")
        return dict(line.split(" ", 1) for line in lines if line.strip())

    def wait_until_idle(self, timeout: float = 60) -> None:
        """Until the node is idle and no job is left (a cancelled job is gone within seconds)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            if self.node_state() == "idle" and not self.jobs():
                return
            time.sleep(0.25)
        raise ClusterError(f"the node is {self.node_state() or 'unknown'} after {timeout:.0f} s\n{self.logs()}")

    def logs(self) -> str:
        tails = []
        for log in sorted(self.root.glob("log/*")):
            text = log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
            tails.append(f"--- {log}\n" + "\n".join(text))
        return "\n".join(tails)

    def _check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise ClusterError(f"{name} exited with status {process.returncode}\n{self.logs()}")

    def start(self) -> None:
        self.root.chmod(0o755)  # munged, as the munge user, must reach its folder
        for sub in ("munge", "state", "spool", "log"):
            (self.root / sub).mkdir()
        munge = self.root / "munge"
        shutil.chown(munge, "munge", "munge")
        munge.chmod(0o755)  # its socket must be reachable by every client
        key = munge / "munge.key"
        subprocess.run(
            [_program("mungekey"), "--create", f"--keyfile={key}"],
            check=True,
            capture_output=True,
            user="munge",
            group="munge",
            timeout=60,
        )
        socket_path = munge / "munge.socket"
        self._spawn(
            "munged",
            [
                _program("munged"),
                "--foreground",
                f"--key-file={key}",
                f"--socket={socket_path}",
                f"--pid-file={munge / 'munged.pid'}",
                f"--seed-file={munge / 'munged.seed'}",
                f"--log-file={munge / 'munged.log'}",
            ],
            user="munge",
        )
        self._wait_for(socket_path.exists, "munged's socket")
        self.conf.write_text(self._slurm_conf(socket_path), encoding="utf-8")
        self._spawn("slurmctld", [_program("slurmctld"), "-D", "-f", str(self.conf)])
        self._spawn("slurmd", [_program("slurmd"), "-D", "-f", str(self.conf), "-N", _node_name()])
        self.wait_until_idle()

    def _spawn(self, name: str, argv: list[str], user: str | None = None) -> None:
        log = (self.root / "log" / f"{name}.out").open("wb")
        self.processes[name] = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "SLURM_CONF": str(self.conf)},
            user=user,
            group=user,
            start_new_session=True,
        )
        log.close()

    def _wait_for(self, condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            self._check_alive()
            if time.monotonic() > deadline:
                raise ClusterError(f"no {what} after {timeout:.0f} s\n{self.logs()}")
            time.sleep(0.1)

    def _slurm_conf(self, munge_socket: Path) -> str:
        node = subprocess.run(
            [_program("slurmd"), "-C"], capture_output=True, text=True, check=True, timeout=60
        ).stdout.splitlines()[0]  # NodeName=<host> CPUs=.. RealMemory=..
        hardware = " ".join(part for part in node.split() if not part.startswith(("NodeName=", "UpTime=")))
        host = _node_name()
        return "\n".join(
            [
                f"ClusterName=harness-test-{os.getpid()}",
                f"SlurmctldHost={host}(127.0.0.1)",
                f"SlurmctldPort={_free_port()}",
                f"SlurmdPort={_free_port()}",
                "SlurmUser=root",
                "SlurmdUser=root",
                "AuthType=auth/munge",
                "CredType=cred/munge",
                f"AuthInfo=socket={munge_socket}",
                f"StateSaveLocation={self.root / 'state'}",
                f"SlurmdSpoolDir={self.root / 'spool'}",
                f"SlurmctldPidFile={self.root / 'state' / 'slurmctld.pid'}",
                f"SlurmdPidFile={self.root / 'spool' / 'slurmd.pid'}",
                f"SlurmctldLogFile={self.root / 'log' / 'slurmctld.log'}",
                f"SlurmdLogFile={self.root / 'log' / 'slurmd.log'}",
                "ProctrackType=proctrack/linuxproc",
                "TaskPlugin=task/none",
                "JobAcctGatherType=jobacct_gather/none",
                "AccountingStorageType=accounting_storage/none",
                "MpiDefault=none",
                "SwitchType=switch/none",
                "SchedulerType=sched/builtin",
                "SelectType=select/cons_tres",
                "SelectTypeParameters=CR_CPU",
                "ReturnToService=2",
                "SlurmctldTimeout=30",
                "SlurmdTimeout=30",
                "KillWait=1",  # seconds from scancel's SIGTERM (which submitit ignores) to SIGKILL
                "MinJobAge=5",
                f"NodeName={host} NodeAddr=127.0.0.1 {hardware} State=UNKNOWN",
                f"PartitionName={PARTITION} Nodes={host} Default=YES MaxTime=INFINITE State=UP",
                "",
            ]
        )

    def stop(self) -> None:
        """Cancel what is left, then stop the daemons this cluster started (by PID), slurmd first."""
        if "slurmctld" in self.processes and self.processes["slurmctld"].poll() is None:
            self.command("scancel", "--full", f"--partition={PARTITION}", check=False)
            with suppress(ClusterError):
                self.wait_until_idle(timeout=20)
        for name in ("slurmd", "slurmctld", "munged"):
            process = self.processes.pop(name, None)
            if process is None or process.poll() is not None:
                continue
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _node_name() -> str:
    return socket.gethostname().split(".")[0]


@contextmanager
def slurm_cluster(root: Path) -> Iterator[SlurmCluster]:
    """A running one-node cluster in the empty folder ``root``; stopped on exit."""
    cluster = SlurmCluster(root)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _interrupt)  # stop the daemons on kill or timeout as on Ctrl-C
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="slurm-"))
    with slurm_cluster(folder) as running:
        print(f"export SLURM_CONF={running.conf}\n(Ctrl-C stops the cluster)", flush=True)
        with suppress(KeyboardInterrupt):
            signal.pause()
