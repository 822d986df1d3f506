"""``make run``: the whole suite on one machine, on embedded defaults unless told otherwise.

Starts an embedded Redis when ``REDIS_URL`` is not set, migrates every service's database (SQLite files
under ``var/`` unless ``<SERVICE>_DATABASE_URL`` is set), loads the demo data, prints where to look, and runs
the processes of the ``Procfile`` under honcho with their logs in this terminal. Ctrl-C (or SIGTERM) stops
everything: honcho stops its processes, then the embedded Redis is shut down.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from shared.config import DEFAULT_PORTS, REPO_ROOT, SERVICES, Settings
from shared.embedded_redis import EmbeddedRedis
from shared.migrations import upgrade


def suite_environment(port_base: int, var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DM_ENV", "development")
    env["DM_VAR_DIR"] = str(var_dir)
    env["DM_PORT_BASE"] = str(port_base)
    env.setdefault("DM_TICK_SECONDS", "10")
    env.setdefault("DM_JURISDICTIONS", "330200,330203,330212")
    env.setdefault("NOTIFY_WORKER_THREADS", "8")
    env["PYTHONUNBUFFERED"] = "1"
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    for name, port in DEFAULT_PORTS.items():
        env[f"{name.upper()}_PORT"] = str(port - 8000 + port_base)
    return env


def prepare(env: dict[str, str]) -> None:
    """Migrate every database, reset metrics folders, load the demo data."""
    for service in SERVICES:
        upgrade(service, Settings.from_env(service, env).database_url)
        metrics_dir = Path(env["DM_VAR_DIR"]) / "metrics" / service
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
    subprocess.run([sys.executable, "-m", "services.intake.cli", "seed"], env=env, check=True, cwd=REPO_ROOT)


def banner(env: dict[str, str]) -> str:
    address = f"http://127.0.0.1:{env['GATEWAY_PORT']}"
    lines = [
        "",
        "宁波市级党政部门职责管理 — the suite is starting. Open ONE address:",
        "",
        f"    {address}",
        "",
        "  Log in there: the page lists the demo people by name and department; pick one, e.g.",
        "  张敏 (编办经办人), 周婷 (市场监管局经办人), 李强 / 王建国 (编办领导), 赵磊 (系统管理员).",
        "  免登 goes through the 浙政钉 stand-in; auth code demo-<accountId> works too (`make accounts`).",
        "",
        f"  API docs   {address}/docs (intake), {address}/api/<deadlines|devolution|notify>/docs",
        f"  API token  make token USER=bb.clerk, then curl -H 'Authorization: Bearer …' {address}/api/v1/me",
        f'  platform stand-in (what was "sent" to 浙政钉)  http://127.0.0.1:{env["STANDIN_PORT"]}',
        f"  data {env['DM_VAR_DIR']}   redis {env['REDIS_URL']}   services on ports "
        + ", ".join(f"{name} {env[f'{name.upper()}_PORT']}" for name in SERVICES),
        "  Stop everything with Ctrl-C.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.devrun")
    parser.add_argument("--port-base", type=int, default=int(os.environ.get("DM_PORT_BASE", "8000")))
    parser.add_argument("--var-dir", type=Path, default=Path(os.environ.get("DM_VAR_DIR", REPO_ROOT / "var")))
    args = parser.parse_args(argv)
    env = suite_environment(args.port_base, args.var_dir.resolve())
    if env.get("DM_ENV") == "production":
        print("make run is for development; see deploy/ for production", file=sys.stderr)
        return 2
    embedded = None
    if not env.get("REDIS_URL"):
        embedded = EmbeddedRedis(port=args.port_base + 379, workdir=Path(env["DM_VAR_DIR"])).start()
        env["REDIS_URL"] = embedded.url
    try:
        prepare(env)
        print(banner(env), flush=True)
        return run_processes(env)
    finally:
        if embedded is not None:
            embedded.stop()


def run_processes(env: dict[str, str]) -> int:
    honcho = subprocess.Popen(
        [sys.executable, "-m", "honcho", "start", "-f", str(REPO_ROOT / "Procfile"), "-d", str(REPO_ROOT)],
        env=env,
        cwd=REPO_ROOT,
    )

    def forward(signum: int, _frame: object) -> None:
        if honcho.poll() is None:
            honcho.send_signal(signal.SIGTERM if signum == signal.SIGTERM else signal.SIGINT)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    return honcho.wait()


if __name__ == "__main__":
    sys.exit(main())
