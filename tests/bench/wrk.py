"""Load from wrk (Debian's `wrk`): many keep-alive connections, throughput and tail latency.

wrk is written in C, so it measures the server rather than a Python client.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass
class Load:
    name: str
    rps: float
    p50: float  # milliseconds
    p99: float
    errors: int

    def row(self) -> str:
        return (
            f"{self.name:<34} {self.rps:>9.0f} req/s  p50 {self.p50:7.2f} ms  "
            f"p99 {self.p99:7.2f} ms  errors {self.errors}"
        )


def available() -> bool:
    return shutil.which("wrk") is not None


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * UNITS[unit]


def load(name: str, url: str, headers: dict[str, str] | None = None, connections: int = 32,
         seconds: int = 10, threads: int = 2) -> Load:  # fmt: skip
    """Run wrk against `url` and read its figures."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for header, value in (headers or {}).items():
        command += ["-H", f"{header}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    percent = dict(re.findall(r"^\s+(\d+)%\s+([\d.]+\w+)\s*$", output, re.M))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                        output)  # fmt: skip
    failed = int(errors.group(1)) if errors else 0
    failed += sum(int(n) for n in sockets.groups()) if sockets else 0
    return Load(name, rps, _ms(percent["50"]), _ms(percent["99"]), failed)
