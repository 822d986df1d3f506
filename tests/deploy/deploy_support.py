"""Reading deploy/ as an operator would: the example environment file, the systemd units, nginx's routes."""

from __future__ import annotations

import base64
import re
import secrets
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from shared.config import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"
EXAMPLE = DEPLOY / "production.env.example"
UNITS = DEPLOY / "systemd"
NGINX = DEPLOY / "nginx" / "dm.conf"
INSTALL_ROOT = "/opt/dm/app"
_ASSIGNMENT = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$")


def example_variables(path: Path = EXAMPLE) -> dict[str, str | None]:
    """Every ``NAME=value`` of the example; a commented-out default (``#NAME=value``) maps to None."""
    found: dict[str, str | None] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _ASSIGNMENT.match(line.strip())
        if match:
            found[match[1]] = None if line.lstrip().startswith("#") else match[2]
    return found


def filled_example(**changes: str) -> dict[str, str]:
    """The example as an operator fills it in: every CHANGE-ME replaced by a real-looking value."""
    env = {name: value for name, value in example_variables().items() if value is not None}
    for name, value in env.items():
        if "CHANGE-ME" in value:
            env[name] = value.replace("CHANGE-ME", _real_value(name))
    env.update(changes)
    return env


def _real_value(name: str) -> str:
    if name == "DM_SECRET_KEY":
        return secrets.token_urlsafe(48)
    if name == "ZWD_TENANT_ID":
        return "50000123"
    if name == "ZWD_JSAPI_URL":
        return "https://zzgl.nbbb.gov.cn/static/zwd/jsapi.js"
    if name == "DM_NOTIFY_CHANNEL_KEYS":
        return "k1:sm4:" + base64.b64encode(secrets.token_bytes(16)).decode()
    return secrets.token_hex(12)


@dataclass
class Unit:
    """One systemd unit as systemd would start it."""

    name: str
    working_directory: str
    environment_files: list[tuple[str, bool]] = field(default_factory=list)  # (path, optional)
    environment: dict[str, str] = field(default_factory=dict)
    exec_start: list[str] = field(default_factory=list)
    restart_prevent_exit_status: list[int] = field(default_factory=list)

    def command(self, install_root: Path) -> list[str]:
        """ExecStart with the install folder moved to ``install_root``."""
        return [part.replace(INSTALL_ROOT, str(install_root)) for part in self.exec_start]


def read_unit(filename: str, instance: str | None = None) -> Unit:
    """A unit file, with ``%i`` expanded for a template instance; continuation lines joined."""
    text = (UNITS / filename).read_text(encoding="utf-8").replace("\\\n", " ")
    if instance is not None:
        text = text.replace("%i", instance).replace("%I", instance)
    unit = Unit(name=filename.replace("@", f"@{instance}") if instance else filename, working_directory="")
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";", "[")) or "=" not in line:
            continue
        key, value = line.split("=", 1)
        if key == "WorkingDirectory":
            unit.working_directory = value
        elif key == "EnvironmentFile":
            unit.environment_files.append((value.lstrip("-"), value.startswith("-")))
        elif key == "Environment":
            for assignment in shlex.split(value):
                name, _, setting = assignment.partition("=")
                unit.environment[name] = setting
        elif key == "ExecStart":
            unit.exec_start = shlex.split(value)
        elif key == "RestartPreventExitStatus":
            unit.restart_prevent_exit_status = [int(code) for code in value.split()]
    return unit


def read_env_file(path: Path) -> dict[str, str]:
    """An EnvironmentFile as systemd reads it (NAME=value lines, comments and blank lines ignored)."""
    env = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";")) and "=" in line:
            name, value = line.split("=", 1)
            env[name.strip()] = value.strip().strip('"')
    return env


def unit_environment(unit: Unit, files: dict[str, Path]) -> dict[str, str]:
    """Environment= first, then each EnvironmentFile in order (they override Environment=, as in systemd).

    ``files`` maps the unit's paths (``/etc/dm/dm.env``) to where the test keeps them."""
    env = dict(unit.environment)
    for path, optional in unit.environment_files:
        local = files.get(path)
        if local is None or not local.exists():
            assert optional, f"{unit.name} needs {path}"
            continue
        env.update(read_env_file(local))
    return env


# --------------------------------------------------------------------------- nginx


@dataclass
class Location:
    """One ``location`` of the public server: its match and where it sends the request."""

    modifier: str  # "", "=", "^~", "~", "~*"
    pattern: str
    upstream: str | None  # the upstream of proxy_pass, None when it answers itself (return, deny)


def _tokens(text: str) -> list[str]:
    text = re.sub(r"#[^\n]*", "", text)
    return re.findall(r'"[^"]*"|\'[^\']*\'|[{};]|[^\s{};]+', text)


def _blocks(tokens: list[str], start: int = 0) -> tuple[list[tuple[list[str], list | None]], int]:
    """Parse into (directive words, children or None) until the matching ``}``."""
    items: list[tuple[list[str], list | None]] = []
    words: list[str] = []
    index = start
    while index < len(tokens):
        token = tokens[index]
        if token == ";":
            items.append((words, None))
            words = []
        elif token == "{":
            children, index = _blocks(tokens, index + 1)
            items.append((words, children))
            words = []
        elif token == "}":
            return items, index
        else:
            words.append(token.strip("\"'"))
        index += 1
    return items, index


def nginx_directives(path: Path = NGINX) -> list[tuple[list[str], list | None]]:
    return _blocks(_tokens(path.read_text(encoding="utf-8")))[0]


def public_locations(path: Path = NGINX) -> list[Location]:
    """The locations of the server block that listens on 443 (the public address)."""
    for words, children in nginx_directives(path):
        if words == ["server"] and children is not None:
            listens = [w for w, _ in children if w and w[0] == "listen"]
            if any("443" in " ".join(listen) for listen in listens):
                return [_location(w, c or []) for w, c in children if w and w[0] == "location"]
    raise AssertionError("no server block listens on 443")


def _location(words: list[str], children: list) -> Location:
    modifier, pattern = (words[1], words[2]) if len(words) == 3 else ("", words[1])
    upstream = None
    for inner, _ in children:
        if inner and inner[0] == "proxy_pass":
            upstream = re.sub(r"^https?://", "", inner[1]).split("/")[0]
    return Location(modifier, pattern, upstream)


def route(locations: list[Location], uri: str) -> Location | None:
    """The location nginx chooses for ``uri``: an exact match, else the longest prefix unless a regex (in
    order of appearance) matches first, as nginx's documentation of ``location`` describes."""
    for location in locations:
        if location.modifier == "=" and location.pattern == uri:
            return location
    prefixes = [loc for loc in locations if loc.modifier in ("", "^~") and uri.startswith(loc.pattern)]
    longest = max(prefixes, key=lambda loc: len(loc.pattern), default=None)
    if longest is not None and longest.modifier == "^~":
        return longest
    for location in locations:
        if location.modifier in ("~", "~*"):
            flags = re.IGNORECASE if location.modifier == "~*" else 0
            if re.search(location.pattern, uri, flags):
                return location
    return longest


def upstream_servers(path: Path = NGINX) -> dict[str, list[str]]:
    """Each upstream's ``server`` addresses."""
    return {
        words[1]: [w[1] for w, _ in children or [] if w and w[0] == "server"]
        for words, children in nginx_directives(path)
        if words and words[0] == "upstream"
    }


def top_level_value(name: str, path: Path = NGINX) -> str:
    """A directive of the public server block (e.g. ``client_max_body_size``)."""
    for words, children in nginx_directives(path):
        if words == ["server"] and children is not None:
            for inner, _ in children:
                if (
                    inner
                    and inner[0] == name
                    and any("443" in " ".join(w) for w, _ in children if w[:1] == ["listen"])
                ):
                    return inner[1]
    raise AssertionError(f"{name} is not set in the public server block")


def self_signed_certificate(folder: Path, host: str) -> tuple[Path, Path]:
    """A throw-away certificate and key for ``host`` (openssl, as an operator testing would make one)."""
    import subprocess

    cert, key = folder / "fullchain.pem", folder / "privkey.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={host}",
         "-addext", f"subjectAltName=DNS:{host}", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def nginx_prefix(folder: Path, *, hosts: dict[str, str] | None = None, listen: str | None = None) -> Path:
    """A private nginx prefix whose http {} includes deploy's dm.conf as Debian's nginx.conf does.

    Only what an operator edits is changed: certificate paths, optionally the upstream host names
    (``hosts``) and the listening address (``listen``, e.g. ``10.231.0.30``). Returns the main config."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = self_signed_certificate(folder, "zzgl.nbbb.gov.cn")
    site = NGINX.read_text(encoding="utf-8")
    site = site.replace("/etc/ssl/dm/fullchain.pem", str(cert)).replace("/etc/ssl/dm/privkey.pem", str(key))
    for name, address in (hosts or {}).items():
        site = site.replace(f"server {name}:", f"server {address}:")
    if listen:
        site = re.sub(r"listen \[::\]:\d+[^;]*;\n", "", site)
        site = re.sub(r"listen (\d+)", rf"listen {listen}:\1", site)
    (folder / "dm.conf").write_text(site, encoding="utf-8")
    for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / temp).mkdir(exist_ok=True)
        (folder / temp).chmod(0o777)  # nginx's workers run as nobody when started by root
    main = folder / "nginx.conf"
    main.write_text(
        f"""pid {folder}/nginx.pid;
error_log {folder}/error.log;
worker_processes 1;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/dm.conf;
}}
""",
        encoding="utf-8",
    )
    return main
