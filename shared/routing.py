"""Which service answers which path, behind the one public address.

The suite is reached at one address (``make run``: the dev gateway, :mod:`shared.gateway`; production:
nginx, ``deploy/nginx``). Both route by this one table: a request goes to the service of the longest prefix
that matches its path; a path no prefix matches goes to intake (the front door). Every service serves the
shared assets (``/assets/``) and its own docs (``/api/<service>/docs``), so those routes may point anywhere.

A prefix matches a path when the path equals it or continues it after a ``/`` (``/api/v1/devolutions``
matches ``/api/v1/devolutions/dv-1`` but not ``/api/v1/devolutionsx``). Keep this a plain table: nginx's
configuration is generated from it and checked against it.
"""

from __future__ import annotations

from typing import NamedTuple


class Route(NamedTuple):
    prefix: str
    service: str
    what: str


DEFAULT_SERVICE = "intake"

ROUTES: tuple[Route, ...] = (
    # pages
    Route("/", "intake", "首页、登录、待办、我的办件、移动审批、目录"),
    Route("/admin/calendar", "deadlines", "工作日历管理（编办系统管理员）"),
    Route("/admin/periods", "deadlines", "本地办理期限（第三十九条，编办系统管理员）"),
    Route("/devolution", "devolution", "职责下放页面"),
    # each service serves its own audit trail (intake's is the default: /admin/audit, /admin/audit/intake)
    Route("/admin/audit/deadlines", "deadlines", "审计日志：期限服务（编办系统管理员）"),
    Route("/admin/audit/deadlines.xlsx", "deadlines", "审计日志导出：期限服务"),
    Route("/admin/audit/devolution", "devolution", "审计日志：职责下放服务（编办系统管理员）"),
    Route("/admin/audit/devolution.xlsx", "devolution", "审计日志导出：职责下放服务"),
    Route("/admin/audit/notify", "notify", "审计日志：通知服务（编办系统管理员）"),
    Route("/admin/audit/notify.xlsx", "notify", "审计日志导出：通知服务"),
    # JSON APIs
    Route("/api/v1/calendar", "deadlines", "工作日历"),
    Route("/api/v1/clocks", "deadlines", "法定期限"),
    Route("/api/v1/local-rules", "deadlines", "本地规定（第三十九条）"),
    Route("/api/v1/devolutions", "devolution", "职责下放"),
    Route("/api/v1/rectifications", "devolution", "旧地址：限期纠正已移交编办案件（410，指明新地址）"),
    Route("/api/v1/power-list", "devolution", "权责清单变更"),
    Route("/api/v1/channels", "notify", "通知渠道"),
    Route("/api/v1/deliveries", "notify", "通知投递记录"),
    Route("/api/v1/recipients", "notify", "通知接收人"),
    Route("/api/v1/templates", "notify", "通知模板"),
    # each service's interactive API documentation and OpenAPI document
    Route("/api/intake", "intake", "受理服务接口文档"),
    Route("/api/deadlines", "deadlines", "期限服务接口文档"),
    Route("/api/devolution", "devolution", "职责下放服务接口文档"),
    Route("/api/notify", "notify", "通知服务接口文档"),
)


def _matches(prefix: str, path: str) -> bool:
    if prefix == "/":
        return True
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


def service_for(path: str) -> str:
    """The service that answers ``path`` (the longest matching prefix wins)."""
    best: Route | None = None
    for route in ROUTES:
        if _matches(route.prefix, path) and (best is None or len(route.prefix) > len(best.prefix)):
            best = route
    return best.service if best else DEFAULT_SERVICE


def docs_path(service: str) -> str:
    """Where a service's interactive API documentation is, behind the one address."""
    return f"/api/{service}/docs"


def openapi_path(service: str) -> str:
    return f"/api/{service}/openapi.json"


def nginx_locations(indent: str = "    ") -> str:
    """The ``location`` blocks of ``deploy/nginx/dm.conf`` for :data:`ROUTES` (``python -m shared.routing``
    prints them; tests/deploy checks the file holds exactly these). A prefix becomes an exact location and a
    ``^~`` location for what continues it after a ``/``, so nginx matches as :func:`service_for` does."""
    lines = []
    for route in sorted(ROUTES, key=lambda r: (r.prefix != "/", r.prefix)):
        target = f"proxy_pass http://dm_{route.service};"
        if route.prefix == "/":
            lines.append(f"{indent}location / {{ {target} }}  # {route.what}")
            continue
        prefix = route.prefix.rstrip("/")
        lines.append(f"{indent}location = {prefix} {{ {target} }}  # {route.what}")
        lines.append(f"{indent}location ^~ {prefix}/ {{ {target} }}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - prints the routes for deploy/nginx/dm.conf
    print(nginx_locations(), end="")
