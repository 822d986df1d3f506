"""The suite on test hosts, installed as deploy/README.md says: a database host (its own PostgreSQL 15
cluster, its own Redis, an S3-compatible object store), two application hosts each running every service's web
process and workers and a scheduler exactly as the systemd units start them (same command lines, same
environment files), an nginx host with deploy/nginx/dm.conf, the 浙政钉 stand-in on a host of its own and a
client. A coordination application (第十六条 to 第二十四条) goes from submission to the issued opinion through
nginx; the application host whose scheduler leads is killed mid-way (all its processes at once); the case
completes on the other host, exactly one scheduler leads at any time, and at the platform every notice of
the case arrived once — none lost, none doubled.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from deploy_support import filled_example, nginx_prefix, read_unit, unit_environment
from hosts_support import Hosts, usable

from shared.auth import Principal, issue_token
from shared.config import REPO_ROOT, SERVICES
from shared.demo import demo_directory

# Six hosts boot, a host is killed and its workers are only known dead after the broker's 60 s heartbeat:
# the default 120 s per test does not fit.
pytestmark = [pytest.mark.e2e, pytest.mark.hosts, pytest.mark.timeout(480)]

PG_BIN = Path("/usr/lib/postgresql/15/bin")
NGINX = Path("/usr/sbin/nginx")
PUBLIC_HOST = "zzgl.nbbb.gov.cn"
APP_KEY, APP_SECRET, TENANT = "zzgl-app", secrets.token_hex(16), "50000123"
APPS = ("app1", "app2")
EXPECTED_TEMPLATES = {
    "case_submitted",
    "application_accepted",
    "solicitation_request",
    "approval_requested",
    "decision_issued",
}


def _missing() -> str | None:
    reason = usable()
    for path, what in ((PG_BIN / "initdb", "PostgreSQL 15"), (NGINX, "nginx")):
        if reason is None and not path.exists():
            reason = f"{what} is not installed"
    if reason is None and shutil.which("redis-server") is None:
        reason = "redis-server is not installed"
    return reason


@pytest.fixture
def hosts(workdir: Path) -> Iterator[Hosts]:
    """The hosts; they are stopped before ``workdir`` (their files) is removed."""
    reason = _missing()
    if reason:
        if os.environ.get("DM_REQUIRE_HOSTS") == "1":
            pytest.fail(f"test hosts cannot be built: {reason}")
        pytest.skip(f"test hosts cannot be built: {reason}")
    network = Hosts().open()
    try:
        network.add("db", 10, "db.internal", "redis.internal", "s3.internal")
        network.add("app1", 11, "app1.internal")
        network.add("app2", 12, "app2.internal")
        network.add("web", 30, PUBLIC_HOST)
        network.add("zwd", 40, "zwd.internal")
        network.add("client", 50)
        network.write_hosts_files()
        yield network
    finally:
        network.close()


@pytest.fixture
def workdir(tmp_path: Path) -> Iterator[Path]:
    """The hosts' files (readable by the postgres user, unlike pytest's folders); the logs are kept in
    pytest's folder of this test afterwards."""
    folder = Path(f"/tmp/dm-i12-hosts-{os.getpid()}")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(mode=0o755)
    (folder / "logs").mkdir()
    try:
        yield folder
    finally:
        shutil.copytree(folder / "logs", tmp_path / "logs", dirs_exist_ok=True)
        for extra in ("platform.jsonl", "nginx/error.log"):
            if (folder / extra).exists():
                shutil.copy(folder / extra, tmp_path / "logs")
        shutil.rmtree(folder, ignore_errors=True)


# --------------------------------------------------------------------------- the database host


def _wait(check: Callable[[], Any], timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except Exception as exc:  # not up yet
            last = exc
        time.sleep(0.5)
    raise AssertionError(f"{what} within {timeout_s:.0f} s (last error: {last})")


def start_database_host(hosts: Hosts, folder: Path, redis_password: str) -> None:
    """Its own PostgreSQL cluster and Redis (not the machine's), and an S3-compatible store."""
    data, logs = folder / "pgdata", folder / "logs"
    data.mkdir()
    shutil.chown(data, "postgres", "postgres")
    subprocess.run(
        ["runuser", "-u", "postgres", "--", str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres",
         "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
        check=True, capture_output=True,
    )  # fmt: skip
    with (data / "pg_hba.conf").open("a") as hba:
        hba.write("host all all 10.231.0.0/24 trust\n")
    address = hosts.addresses["db"]
    hosts.start(
        "db",
        [str(PG_BIN / "postgres"), "-D", str(data), "-c", f"listen_addresses={address}", "-c", "port=5432",
         "-c", f"unix_socket_directories={data}", "-c", "fsync=off", "-c", "max_connections=200"],
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}, log=logs / "postgres.log", user="postgres",
    )  # fmt: skip
    hosts.start(
        "db",
        ["redis-server", "--bind", address, "--port", "6379", "--requirepass", redis_password,
         "--save", "", "--appendonly", "no", "--dir", str(folder)],
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}, log=logs / "redis.log",
    )  # fmt: skip
    hosts.start(
        "db",
        [str(REPO_ROOT / ".venv/bin/python"), "-m", "moto.server", "-H", address, "-p", "9000"],
        # path-style requests to a named host (s3.internal), as MinIO and Ceph take them
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "S3_IGNORE_SUBDOMAIN_BUCKETNAME": "true"},
        log=logs / "s3.log",
    )  # fmt: skip

    def databases_created() -> bool:
        for service in SERVICES:
            hosts.exec_in(
                "db",
                [str(PG_BIN / "psql"), "-h", address, "-U", "postgres", "-d", "postgres", "-q",
                 "-c", f"CREATE DATABASE dm_{service}"],
            )  # fmt: skip
        return True

    _wait(databases_created, 60, "PostgreSQL on the database host answers")


# --------------------------------------------------------------------------- the application hosts


def production_env(hosts: Hosts, redis_password: str) -> dict[str, str]:
    """/etc/dm/dm.env: the example filled in for these hosts."""
    return filled_example(
        DM_SECRET_KEY=secrets.token_urlsafe(48),
        INTAKE_DATABASE_URL="postgresql+psycopg://postgres:unused@db.internal:5432/dm_intake",
        DEADLINES_DATABASE_URL="postgresql+psycopg://postgres:unused@db.internal:5432/dm_deadlines",
        DEVOLUTION_DATABASE_URL="postgresql+psycopg://postgres:unused@db.internal:5432/dm_devolution",
        NOTIFY_DATABASE_URL="postgresql+psycopg://postgres:unused@db.internal:5432/dm_notify",
        REDIS_URL=f"redis://:{redis_password}@redis.internal:6379/0",
        DM_PUBLIC_BASE_URL=f"https://{PUBLIC_HOST}",
        ZWD_BASE_URL="http://zwd.internal:8009",
        ZWD_APP_KEY=APP_KEY,
        ZWD_APP_SECRET=APP_SECRET,
        ZWD_TENANT_ID=TENANT,
        ZWD_JSAPI_URL=f"https://{PUBLIC_HOST}/static/zwd/jsapi.js",
        DM_OUTBOUND_ALLOW="zwd.internal",
        DM_JURISDICTIONS="330200",
        DM_WEB_WORKERS="1",
        DM_WEB_THREADS="4",
        DM_WORKER_PROCESSES="1",
        DM_WORKER_THREADS="4",
        DM_TICK_SECONDS="2",
        DM_NOTIFY_LEASE_S="15",
        DM_S3_BUCKET="dm-attachments",
        DM_S3_ENDPOINT_URL="http://s3.internal:9000",
        DM_S3_REGION="us-east-1",
        DM_S3_ACCESS_KEY_ID="dm-test",
        DM_S3_SECRET_ACCESS_KEY=secrets.token_hex(12),
    )


def write_environment_files(hosts: Hosts, folder: Path, env: dict[str, str]) -> dict[str, dict[str, Path]]:
    """/etc/dm/dm.env (the same everywhere) and each host's /etc/dm/host.env, where the units look."""
    etc = folder / "etc"
    etc.mkdir()
    (etc / "dm.env").write_text("".join(f"{k}={v}\n" for k, v in env.items()), encoding="utf-8")
    files = {}
    for host in APPS:
        address = hosts.addresses[host]
        host_env = etc / f"{host}.env"
        host_env.write_text(
            f"DM_BIND_ADDRESS={address}\nDEADLINES_URL=http://{address}:8002\nDM_VAR_DIR={folder / host}\n",
            encoding="utf-8",
        )
        (folder / host).mkdir()
        files[host] = {"/etc/dm/dm.env": etc / "dm.env", "/etc/dm/host.env": host_env}
    return files


def start_unit(
    hosts: Hosts, host: str, folder: Path, files: dict[str, Path], unit_file: str, instance: str | None
) -> None:
    """As systemd starts the unit: its Environment= and EnvironmentFile=s, its ExecStart, its folder."""
    unit = read_unit(unit_file, instance)
    env = unit_environment(unit, files)
    for name, value in env.items():
        if value.startswith("/run/dm/"):  # RuntimeDirectory=dm, per host here
            env[name] = str(folder / host / "run" / value.removeprefix("/run/dm/"))
    env["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin"
    name = unit.name.replace(".service", "")
    hosts.start(host, unit.command(REPO_ROOT), env=env, log=folder / "logs" / f"{host}-{name}.log",
                cwd=Path(unit.working_directory.replace("/opt/dm/app", str(REPO_ROOT))))  # fmt: skip


def install_on_application_hosts(hosts: Hosts, folder: Path, files: dict[str, dict[str, Path]]) -> None:
    """Migrations once from one machine (deploy/README.md §3), the directory, then every unit everywhere."""
    env = {
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        **unit_environment(read_unit("dm-web@.service", "intake"), files["app1"]),
    }
    python = str(REPO_ROOT / ".venv/bin/python")
    subprocess.run(
        ["ip", "netns", "exec", hosts.name("app1"), python, "-m", "shared.migrations", "upgrade", "all"],
        env=env, cwd=REPO_ROOT, check=True, capture_output=True,
    )  # fmt: skip
    # The people: the demo directory (the directory's own import is tested elsewhere).
    subprocess.run(
        ["ip", "netns", "exec", hosts.name("app1"), python, "-m", "services.intake.cli", "seed"],
        env={**env, "DM_ENV": "development"}, cwd=REPO_ROOT, check=True, capture_output=True,
    )  # fmt: skip
    for host in APPS:
        for service in SERVICES:
            start_unit(hosts, host, folder, files[host], "dm-web@.service", service)
            start_unit(hosts, host, folder, files[host], "dm-worker@.service", service)
        start_unit(hosts, host, folder, files[host], "dm-scheduler.service", None)


def start_platform_and_nginx(hosts: Hosts, folder: Path) -> None:
    config = {
        "APPS": {APP_KEY: APP_SECRET},
        "TENANT_ID": TENANT,
        "RECORD_PATH": str(folder / "platform.jsonl"),
    }
    hosts.start(
        "zwd",
        [str(REPO_ROOT / ".venv/bin/python"), "-m", "gunicorn", "--workers", "1", "--threads", "8", "--bind",
         f"{hosts.addresses['zwd']}:8009", f"services.notify.standin.app:create_app({config!r})"],
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DM_ENV": "development"}, cwd=REPO_ROOT,
        log=folder / "logs" / "zwd.log",
    )  # fmt: skip
    prefix = folder / "nginx"
    main = nginx_prefix(prefix)  # upstream host names resolve through the web host's /etc/hosts
    hosts.start(
        "web",
        [str(NGINX), "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(main),
         "-g", "daemon off;"],
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}, log=folder / "logs" / "nginx.log",
    )  # fmt: skip


# --------------------------------------------------------------------------- the client


class Client:
    """Someone using the suite through nginx (https, the public host name), as any demo person."""

    def __init__(self, hosts: Hosts, secret: str) -> None:
        self.base = f"https://{hosts.addresses['web']}"
        self.platform = f"http://{hosts.addresses['zwd']}:8009"
        self.secret = secret
        self.session = requests.Session()
        people = {p["id"]: p for p in demo_directory().people}
        self.people = people

    def token(self, user: str) -> str:
        person = self.people[user]
        principal = Principal(
            user,
            person["name"],
            person["jurisdiction_code"],
            person["department_code"],
            frozenset(person["roles"]),
        )
        return issue_token(principal, secret=self.secret, ttl_seconds=3600)

    def call(self, method: str, user: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {
            "Host": PUBLIC_HOST,
            "Authorization": f"Bearer {self.token(user)}",
            **kwargs.pop("headers", {}),
        }
        # verify=False: the test certificate is self-signed (and names the public host, not this address)
        return self.session.request(
            method, f"{self.base}{path}", headers=headers, timeout=30, verify=False, **kwargs
        )

    def post(self, user: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        for _attempt in range(5):
            answer = self.call("POST", user, f"/api/v1{path}", json=body)
            # "该事项刚被他人修改，请刷新后重试": a worker changed the case meanwhile; a person retries too
            if answer.status_code != 409 or answer.json().get("code") != "concurrent_change":
                break
            time.sleep(0.5)
        assert answer.status_code in (200, 201), (path, answer.status_code, answer.text[:500])
        return answer.json()

    def get(self, user: str, path: str) -> Any:
        answer = self.call("GET", user, f"/api/v1{path}")
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:500])
        return answer.json()


def application(attachment_id: str) -> dict[str, Any]:
    return {
        "title": "关于餐厨垃圾收运监管职责分工的协调申请",
        "host_department": "nb-zhzf",
        "other_parties": ["nb-sthj", "nb-zjj"],
        "disputed_items": "餐厨垃圾收运环节的日常监管",
        "consultation_failed": True,
        "consultation_history": "两次协商会，未达成一致。",
        "collective_decision": {
            "meeting_date": "2026-11-18",
            "minutes_summary": "局党组会议研究同意申请协调",
        },
        "leaning_opinion": "收运环节由综合行政执法局监管。",
        "reasons": "职责交叉，基层无所适从。",
        "legal_bases": [{"type": "sanding", "name": "宁波市综合行政执法局三定规定"}],
        "attachment_ids": [attachment_id],
    }


def leader_log_lines(folder: Path) -> dict[str, int]:
    return {
        host: (folder / "logs" / f"{host}-dm-scheduler.log")
        .read_text(errors="replace")
        .count("is now the leader")
        for host in APPS
    }


def first_half(client: Client) -> tuple[str, str, bytes]:
    """Until the written solicitation (第二十条): submitted with materials, accepted (第十七条), solicited."""
    minutes = b"%PDF-1.7\n" + os.urandom(3 * 1024 * 1024)  # a scanned party-group decision
    uploaded = client.call(
        "POST",
        "zhzf.clerk",
        "/api/v1/attachments",
        files={"file": ("党组会议纪要.pdf", minutes, "application/pdf")},
    )
    assert uploaded.status_code == 201, uploaded.text[:500]
    case_id = client.post(
        "zhzf.clerk", "/cases/coordination-applications", application(uploaded.json()["id"])
    )["id"]
    client.post("bb.head", f"/cases/{case_id}/accept", {"note": "材料齐全"})
    # The platform answers the next sends slowly, so that the host about to die is caught holding some.
    slow = {"mode": "slow", "delay_ms": 4000, "count": 4, "target": "zwd"}
    assert requests.post(f"{client.platform}/sandbox/faults", json=slow, timeout=5).status_code == 200
    solicit = {
        "departments": ["nb-sthj", "nb-zjj"],
        "question": "请对收运环节监管分工提出意见",
        "reply_working_days": 5,
    }
    client.post("bb.clerk", f"/cases/{case_id}/solicitations", solicit)
    return case_id, uploaded.json()["id"], minutes


def second_half(client: Client, case_id: str) -> dict[str, Any]:
    """Replies, agreement, the opinion through approval (第二十一条), issued (第二十四条). Each department
    replies once the solicitation's notice reached it (第二十条) — some were held by the host that died and
    come back only after the broker's heartbeat timeout; a reply before its notice would close the
    solicitation and the notice would rightly never go."""

    def noticed() -> dict[str, Any] | None:
        seen = client.get("bb.clerk", f"/cases/{case_id}")
        solicitations = seen["solicitations"]
        return seen if solicitations and all(s["delivery"] == "delivered" for s in solicitations) else None

    seen = _wait(noticed, 150, "every solicitation's notice reaches its department")
    for solicitation in seen["solicitations"]:
        replier = {"nb-sthj": "sthj.clerk", "nb-zjj": "zjj.clerk"}[solicitation["department"]]
        client.post(
            replier, f"/cases/{case_id}/replies", {"solicitation_id": solicitation["id"], "kind": "agree"}
        )
    client.post("bb.clerk", f"/cases/{case_id}/agreement", {"summary": "各方同意收运由执法局监管"})
    client.post(
        "bb.clerk", f"/cases/{case_id}/opinion", {"summary": "收运由执法局监管", "text": "经协调，……"}
    )

    def approved() -> bool:
        for leader in ("bb.head", "bb.leader", "bb.director"):
            for item in client.get(leader, "/approvals/inbox"):  # this test's case is the only one
                body = {"step_no": item["step_no"], "outcome": "approved", "comment": "同意"}
                client.post(leader, f"/approvals/{item['id']}/decisions", body)
        return client.get("bb.clerk", f"/cases/{case_id}")["status"] == "approved"

    _wait(approved, 120, "the opinion is approved")
    issue = {"document_number": "甬编办函〔2026〕35号", "issued_on": "2026-12-10"}
    return client.post("bb.clerk", f"/cases/{case_id}/issue", issue)


def platform_records(folder: Path) -> list[dict[str, Any]]:
    path = folder / "platform.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def all_notices_delivered(client: Client, case_id: str) -> list[dict[str, Any]]:
    deliveries = client.get("bb.admin", f"/deliveries?case_id={case_id}&limit=500")
    templates = {d["template"] for d in deliveries}
    if templates >= EXPECTED_TEMPLATES and all(d["state"] == "delivered" for d in deliveries):
        return deliveries
    states = Counter(f"{d['template']}:{d['state']}" for d in deliveries)
    raise AssertionError(f"missing {sorted(EXPECTED_TEMPLATES - templates)}, deliveries {dict(states)}")


def test_a_coordination_completes_on_the_surviving_host_and_every_notice_arrives_once(
    hosts: Hosts, workdir: Path
) -> None:
    import urllib3

    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    redis_password = secrets.token_hex(12)
    started = time.monotonic()
    start_database_host(hosts, workdir, redis_password)
    env = production_env(hosts, redis_password)
    files = write_environment_files(hosts, workdir, env)
    hosts.run_inside("client", lambda: _make_bucket(hosts, env))
    start_platform_and_nginx(hosts, workdir)
    install_on_application_hosts(hosts, workdir, files)
    client = Client(hosts, env["DM_SECRET_KEY"])

    def every_process_ready() -> bool:
        for host in APPS:
            for port in (8001, 8002, 8003, 8004):
                url = f"http://{hosts.addresses[host]}:{port}/readyz"
                if requests.get(url, timeout=3).status_code != 200:
                    return False
        return client.call("GET", "bb.clerk", "/api/v1/me").status_code == 200

    hosts.run_inside("client", lambda: _wait(every_process_ready, 150, "every web process is ready"))
    booted = time.monotonic() - started
    leaders = _wait(lambda: (lambda n: n if sum(n.values()) >= 1 else None)(leader_log_lines(workdir)), 30,
                    "a scheduler leads")  # fmt: skip
    assert sum(leaders.values()) == 1, leaders
    leading = next(host for host, count in leaders.items() if count)
    survivor = next(host for host in APPS if host != leading)

    throughput = hosts.run_inside("client", lambda: requests_per_second(client, 200))
    case_id, attachment_id, minutes = hosts.run_inside("client", lambda: first_half(client))
    time.sleep(1.5)  # the solicitation's notices are being sent (slowly) by both hosts' workers
    hosts.kill_host(leading)  # every process of that machine at once, mid-way through the case
    killed_at, killed_wall = time.monotonic(), time.time()
    issued = hosts.run_inside("client", lambda: second_half(client, case_id))
    assert issued["status"] == "in_execution"
    served = hosts.run_inside(
        "client", lambda: client.call("GET", "zhzf.clerk", f"/api/v1/attachments/{attachment_id}")
    )
    assert served.status_code == 200 and served.content == minutes  # stored once, served by the survivor

    deliveries = hosts.run_inside(
        "client",
        lambda: _wait(lambda: all_notices_delivered(client, case_id), 180, "every notice is delivered"),
    )
    completed = time.monotonic() - killed_at

    after = _wait(lambda: (lambda n: n if n[survivor] else None)(leader_log_lines(workdir)), 30,
                  "the surviving scheduler takes over")  # fmt: skip
    assert after == {leading: 1, survivor: 1}  # one leader before the loss, one after: never two at once
    accepted = [r for r in platform_records(workdir) if r["kind"] == "work_notification" and r["accepted"]]
    by_key = Counter(r["bizMsgId"] for r in accepted)
    for delivery in deliveries:  # each call (a batch of receivers under one bizMsgId) accepted once
        if delivery["channel_kind"] == "zwd_work_notification":
            assert by_key[delivery["batch_key"]] == 1, delivery
    contents = Counter(
        (tuple(r["receivers"]), json.dumps(r["msg"], ensure_ascii=False, sort_keys=True)) for r in accepted
    )
    assert [content for content, count in contents.items() if count > 1] == []
    _record_measurements(
        booted_s=booted,
        completed_after_loss_s=completed,
        takeover_s=leader_since(workdir, survivor) - killed_wall,
        requests_per_s=throughput,
        notices=len(deliveries),
    )


def _make_bucket(hosts: Hosts, env: dict[str, str]) -> None:
    import boto3

    endpoint = f"http://{hosts.addresses['db']}:9000"
    s3 = boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id=env["DM_S3_ACCESS_KEY_ID"], aws_secret_access_key=env["DM_S3_SECRET_ACCESS_KEY"],
    )  # fmt: skip
    _wait(lambda: s3.create_bucket(Bucket=env["DM_S3_BUCKET"]), 60, "the object store answers")


def leader_since(folder: Path, host: str) -> float:
    """When ``host``'s scheduler became the leader (epoch seconds, from its JSON log line)."""
    from datetime import datetime

    for line in (folder / "logs" / f"{host}-dm-scheduler.log").read_text(errors="replace").splitlines():
        if "is now the leader" in line:
            stamp = json.loads(line)["time"]
            return datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp()  # logging's local time
    raise AssertionError(f"{host}'s scheduler never led")


def requests_per_second(client: Client, count: int) -> float:
    """Reads through nginx to both hosts (4 at a time): a rough figure for deploy/README.md, no target."""
    from concurrent.futures import ThreadPoolExecutor

    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        codes = list(
            pool.map(lambda _: client.call("GET", "bb.clerk", "/api/v1/cases").status_code, range(count))
        )
    assert set(codes) == {200}
    return count / (time.monotonic() - started)


def _record_measurements(**numbers: float) -> None:
    """What deploy/README.md §7 quotes, printed for the CI log."""
    shown = ", ".join(
        f"{name}={value:.1f}" if isinstance(value, float) else f"{name}={value}"
        for name, value in numbers.items()
    )
    print(f"\ntest hosts: {shown}")
