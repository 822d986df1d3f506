"""Test hosts on one machine: network namespaces (``ip netns``, Debian's iproute2) joined by veth pairs to a
bridge that lives in a namespace of its own, so nothing is added to the machine's own network.

Every name starts with ``dm-i12-<pid>-`` and every address is in 10.231.0.0/24; ``/etc/netns/<name>/hosts``
gives each host the names of the others (``ip netns exec`` mounts it over ``/etc/hosts``), so the deploy
files are used with the host names an operator writes. :meth:`Hosts.close` kills every process left in the
namespaces and removes them, also after a failure; namespaces of an earlier run whose test process is gone
are removed when a new run starts.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

PREFIX = "dm-i12-"
SUBNET = "10.231.0"
NETNS_ETC = Path("/etc/netns")
CLONE_NEWNET = 0x40000000
T = TypeVar("T")


def usable() -> str | None:
    """Why test hosts cannot be built here (None when they can)."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "iproute2's ip is not installed"
    return None


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], check=check, capture_output=True, text=True)


def namespaces() -> list[str]:
    listed = _ip("netns", "list", check=False).stdout.splitlines()
    return [line.split()[0] for line in listed if line.strip()]


def pids_in(namespace: str) -> list[int]:
    found = _ip("netns", "pids", namespace, check=False).stdout.split()
    return [int(pid) for pid in found if pid.isdigit()]


def kill_all_in(namespace: str) -> None:
    """SIGKILL every process in the namespace at once (a host losing power), until none is left."""
    for _ in range(50):
        pids = pids_in(namespace)
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)


def _remove(namespace: str) -> None:
    kill_all_in(namespace)
    _ip("netns", "del", namespace, check=False)
    shutil.rmtree(NETNS_ETC / namespace, ignore_errors=True)


def remove_stale() -> None:
    """Namespaces of earlier runs whose test process is gone."""
    for namespace in namespaces():
        if not namespace.startswith(PREFIX):
            continue
        owner = namespace[len(PREFIX) :].split("-", 1)[0]
        if owner.isdigit() and not Path(f"/proc/{owner}").exists():
            _remove(namespace)


@dataclass
class Hosts:
    """A small network of hosts: ``add("db", 10)`` makes namespace dm-i12-<pid>-db at 10.231.0.10."""

    run_id: str = field(default_factory=lambda: str(os.getpid()))
    addresses: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, list[str]] = field(default_factory=dict)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def name(self, host: str) -> str:
        return f"{PREFIX}{self.run_id}-{host}"

    @property
    def switch(self) -> str:
        return self.name("sw")

    def open(self) -> Hosts:
        remove_stale()
        _ip("netns", "add", self.switch)
        self.exec_in("sw", ["ip", "link", "add", "br0", "type", "bridge"])
        self.exec_in("sw", ["ip", "link", "set", "br0", "up"])
        return self

    def add(self, host: str, last_octet: int, *aliases: str) -> str:
        namespace, address = self.name(host), f"{SUBNET}.{last_octet}"
        _ip("netns", "add", namespace)
        port = f"p-{host}"[:15]
        self.exec_in(
            "sw", ["ip", "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", namespace]
        )
        self.exec_in("sw", ["ip", "link", "set", port, "master", "br0", "up"])
        self.exec_in(host, ["ip", "addr", "add", f"{address}/24", "dev", "eth0"])
        self.exec_in(host, ["ip", "link", "set", "eth0", "up"])
        self.exec_in(host, ["ip", "link", "set", "lo", "up"])
        self.addresses[host] = address
        self.aliases[host] = list(aliases)
        return address

    def write_hosts_files(self) -> None:
        """Every host knows every other by its aliases (db.internal, app1.internal, …)."""
        lines = ["127.0.0.1 localhost"]
        lines += [f"{self.addresses[h]} {' '.join([h, *self.aliases[h]])}" for h in self.addresses]
        for host in self.addresses:
            folder = NETNS_ETC / self.name(host)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "hosts").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def exec_in(self, host: str, command: Sequence[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["ip", "netns", "exec", self.name(host), *command], check=True, capture_output=True, text=True
        )

    def start(
        self,
        host: str,
        command: Sequence[str],
        *,
        env: Mapping[str, str],
        log: Path,
        cwd: Path | None = None,
        user: str | None = None,
    ) -> subprocess.Popen[bytes]:
        """A long-running process on ``host`` (its output appended to ``log``)."""
        prefix = ["ip", "netns", "exec", self.name(host)]
        if user:
            prefix += ["runuser", "-u", user, "--"]
        with log.open("ab") as out:
            process = subprocess.Popen(
                [*prefix, *command], env=dict(env), cwd=cwd, stdout=out, stderr=subprocess.STDOUT
            )
        self.processes.append(process)
        return process

    def run_inside(self, host: str, work: Callable[[], T], timeout_s: float = 600) -> T:
        """Run ``work`` in a thread that has joined ``host``'s network (sockets it opens live there)."""
        result: dict[str, Any] = {}

        def target() -> None:
            try:
                libc = ctypes.CDLL("libc.so.6", use_errno=True)
                with open(f"/run/netns/{self.name(host)}", "rb") as handle:
                    if libc.setns(handle.fileno(), CLONE_NEWNET) != 0:
                        raise OSError(ctypes.get_errno(), "setns failed")
                result["value"] = work()
            except BaseException as exc:  # handed to the caller
                result["error"] = exc

        thread = threading.Thread(target=target, name=f"in-{host}", daemon=True)
        thread.start()
        thread.join(timeout_s)
        if thread.is_alive():
            raise TimeoutError(f"work inside {host} did not finish in {timeout_s:.0f} s")
        if "error" in result:
            raise result["error"]
        return result["value"]

    def kill_host(self, host: str) -> None:
        kill_all_in(self.name(host))

    def close(self) -> None:
        for host in list(self.addresses):
            kill_all_in(self.name(host))
        for process in self.processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
        mine = [self.name(host) for host in self.addresses] + [self.switch]
        for _ in range(3):  # a namespace still in use is retried: nothing of this run may stay behind
            for namespace in mine:
                _remove(namespace)
            left = [n for n in namespaces() if n in mine]
            if not left:
                return
            time.sleep(1)
        raise RuntimeError(f"test hosts could not be removed: {', '.join(left)}")
