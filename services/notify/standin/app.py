"""Local stand-in for the provincial messaging platform (浙政钉 open platform, group robots, webhooks).

Development and tests only (port 8009 under ``make run``); :func:`create_app` refuses production.
It checks every signature as the platform does, answers in the platform's shapes (see
:class:`shared.platform.zwd.PlatformCodes`), records everything it receives, and can be told
to fail, be slow or throttle the next calls.

Config keys (all optional; safe demo defaults below):

``APPS`` {appKey: appSecret} · ``TENANT_ID`` · ``ACCOUNTS`` {accountId: {name, employeeCode, department}}
· ``AUTH_CODES`` {single-use code: accountId} (``demo-<accountId>`` always works for a known account)
· ``ROBOTS`` {access_token: secret | None | {"secret", "keywords"}} · ``WEBHOOK_SECRETS`` {name: whsec_…}
· ``MAX_SKEW_S`` (gateway timestamps, 900) · ``ROBOT_MAX_SKEW_S`` (3600) · ``ROBOT_RATE_PER_MINUTE`` (20)
· ``ROBOT_THROTTLE_S`` (600) · ``TOKEN_TTL_S`` (7200) · ``WEBHOOK_TOLERANCE_S`` (300)
· ``REQUIRE_KNOWN_RECEIVERS`` (True) · ``RECORD_PATH`` (JSONL copy of every record) · ``CLOCK`` (epoch
seconds callable, for tests) · ``ENV`` (defaults to ``DM_ENV``).

State is in memory: one process, one worker (``gunicorn -w 1``), which is all a stand-in needs.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, current_app, jsonify, redirect, render_template, request

from shared.platform.signing import (
    BEIJING,
    parse_zwd_timestamp,
    robot_sign,
    verify_webhook_signature,
    zwd_signature,
)
from shared.platform.zwd import MAX_MSG_BYTES, MAX_RECEIVERS_PER_CALL, PlatformCodes

DEFAULT_PORT = 8009
TASK_FIELDS = (
    "subject",
    "creatorId",
    "assigneeId",
    "bizTaskId",
    "url",
    "mobileUrl",
    "tenantId",
    "dueTime",
    "packageUuid",
    "category",
)
TASK_STATUS_NAMES = {"open": "待办", "done": "已办结", "cancelled": "已取消"}
MSG_TYPES = frozenset({"text", "markdown", "link", "oa", "action_card"})
ROBOT_MSG_TYPES = frozenset({"text", "markdown", "link", "actionCard", "feedCard"})

DEFAULTS: dict[str, Any] = {
    "APPS": {"demo-app-key": "demo-app-secret"},
    "TENANT_ID": "196729",
    "ACCOUNTS": {
        "10001": {"name": "王建国", "employeeCode": "GE_demo_10001", "department": "市委编办 机构编制处"},
        "10002": {"name": "李晓燕", "employeeCode": "GE_demo_10002", "department": "市委编办 体制改革处"},
        "10003": {"name": "陈志强", "employeeCode": "GE_demo_10003", "department": "市委编办 分管领导"},
        "20001": {"name": "张海波", "employeeCode": "GE_demo_20001", "department": "市市场监管局 办公室"},
        "20002": {"name": "周丽华", "employeeCode": "GE_demo_20002", "department": "市农业农村局 办公室"},
    },
    "AUTH_CODES": {},
    "ROBOTS": {"demo-robot": "SECdemo-robot-secret"},
    "WEBHOOK_SECRETS": {"demo": "whsec_ZGVtby13ZWJob29rLXNlY3JldC0wMDE="},
    "MAX_SKEW_S": 900,
    "ROBOT_MAX_SKEW_S": 3600,
    "ROBOT_RATE_PER_MINUTE": 20,
    "ROBOT_THROTTLE_S": 600,
    "TOKEN_TTL_S": 7200,
    "WEBHOOK_TOLERANCE_S": 300,
    "REQUIRE_KNOWN_RECEIVERS": True,
    "RECORD_PATH": None,
    "CLOCK": time.time,
}


# --------------------------------------------------------------------------- state


class StandinState:
    """Everything the stand-in remembers; every method takes the lock, so request threads may share it."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config
        self.clock: Callable[[], float] = config["CLOCK"]
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.records: list[dict[str, Any]] = []
            self.biz_msg_ids: set[tuple[str, str]] = set()
            self.revoked: set[tuple[str, str]] = set()
            self.tasks: dict[str, dict[str, Any]] = {}  # taskUuid → task
            self.task_ids: dict[tuple[str, str], str] = {}  # (apiKey, bizTaskId) → taskUuid
            self.nonces: dict[tuple[str, str], float] = {}
            self.nonce_order: deque[tuple[float, tuple[str, str]]] = deque()
            self.tokens: dict[str, tuple[str, float]] = {}
            self.auth_codes: dict[str, str] = dict(self.config["AUTH_CODES"])
            self.qr_codes: dict[str, str] = {}
            self.robot_sends: dict[str, deque[float]] = {}
            self.robot_throttled_until: dict[str, float] = {}
            self.webhook_ids: set[tuple[str, str]] = set()
            self.fault: dict[str, Any] = {"mode": "none", "count": 0}
            path = self.config["RECORD_PATH"]
            if path:
                Path(path).write_text("", encoding="utf-8")

    def record(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Keep one received call (accepted or not), newest last; also appended to ``RECORD_PATH``."""
        now = self.clock()
        with self._lock:
            entry = {
                "id": len(self.records) + 1,
                "kind": kind,
                "received_at": datetime.fromtimestamp(now, BEIJING).isoformat(timespec="milliseconds"),
                **fields,
            }
            self.records.append(entry)
            path = self.config["RECORD_PATH"]
            if path:
                with open(path, "a", encoding="utf-8") as handle:
                    handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return entry

    def take_fault(self, target: str) -> dict[str, Any] | None:
        """The injected fault for this call, if any, counting it down."""
        with self._lock:
            fault = self.fault
            if fault["mode"] == "none" or fault["count"] <= 0:
                return None
            if fault.get("target") not in (None, target):
                return None
            fault["count"] -= 1
            return dict(fault)

    def use_nonce(self, api_key: str, nonce: str, window_s: float) -> bool:
        """False when the nonce was already used inside the window (a replay)."""
        now = self.clock()
        with self._lock:
            # Forget nonces older than the window, oldest first: constant work per call at any volume.
            while self.nonce_order and now - self.nonce_order[0][0] > window_s:
                at, key = self.nonce_order.popleft()
                if self.nonces.get(key) == at:
                    del self.nonces[key]
            if (api_key, nonce) in self.nonces:
                return False
            self.nonces[(api_key, nonce)] = now
            self.nonce_order.append((now, (api_key, nonce)))
            return True

    def claim_biz_msg_id(self, api_key: str, biz_msg_id: str) -> bool:
        """False when this app already used the ``bizMsgId``."""
        with self._lock:
            if (api_key, biz_msg_id) in self.biz_msg_ids:
                return False
            self.biz_msg_ids.add((api_key, biz_msg_id))
            return True

    def revoke(self, api_key: str, biz_msg_id: str) -> str:
        """``ok``, ``unknown`` (never accepted) or ``again`` (already revoked)."""
        with self._lock:
            key = (api_key, biz_msg_id)
            if key not in self.biz_msg_ids:
                return "unknown"
            if key in self.revoked:
                return "again"
            self.revoked.add(key)
            for entry in self.records:
                if (
                    entry["kind"] == "work_notification"
                    and entry.get("accepted")
                    and entry["bizMsgId"] == biz_msg_id
                ):
                    entry["revoked"] = True
            return "ok"

    def create_task(self, api_key: str, params: Mapping[str, str]) -> tuple[dict[str, Any], bool]:
        """(the task, created now); a repeated ``bizTaskId`` gives back the existing task."""
        with self._lock:
            existing = self.task_ids.get((api_key, params["bizTaskId"]))
            if existing:
                return self.tasks[existing], False
            task_uuid = "task_" + uuid.uuid4().hex
            received = datetime.fromtimestamp(self.clock(), BEIJING).isoformat(timespec="seconds")
            task = {
                "taskUuid": task_uuid,
                "status": "open",
                "createdAt": received,
                "closedAt": None,
                **{name: params.get(name) for name in TASK_FIELDS},
            }
            self.tasks[task_uuid] = task
            self.task_ids[(api_key, params["bizTaskId"])] = task_uuid
            return task, True

    def close_task(self, task_uuid: str, user_id: str, status: str) -> str:
        """``ok``, ``unknown``, ``not_assignee`` or ``closed`` (already done or cancelled)."""
        with self._lock:
            task = self.tasks.get(task_uuid)
            if task is None:
                return "unknown"
            if task["assigneeId"] != user_id:
                return "not_assignee"
            if task["status"] != "open":
                return "closed"
            task["status"] = status
            task["closedAt"] = datetime.fromtimestamp(self.clock(), BEIJING).isoformat(timespec="seconds")
            return "ok"

    def issue_token(self, api_key: str) -> tuple[str, int]:
        ttl = int(self.config["TOKEN_TTL_S"])
        token = "standin_" + secrets.token_hex(16)
        with self._lock:
            self.tokens[token] = (api_key, self.clock() + ttl)
        return token, ttl

    def token_valid(self, token: str) -> bool:
        with self._lock:
            entry = self.tokens.get(token)
        return entry is not None and entry[1] > self.clock()

    def account_for_code(self, code: str) -> str | None:
        """``demo-<accountId>`` for any known account (reusable), else a configured single-use code."""
        accounts = self.config["ACCOUNTS"]
        if code.startswith("demo-") and code[5:] in accounts:
            return code[5:]
        with self._lock:
            return self.auth_codes.pop(code, None)

    def add_qr_code(self, account_id: str) -> str:
        """A single-use code for a confirmed scan (what the platform appends to the redirect)."""
        code = "qr_" + secrets.token_hex(12)
        with self._lock:
            self.qr_codes[code] = account_id
        return code

    def account_for_qr_code(self, code: str) -> str | None:
        with self._lock:
            return self.qr_codes.pop(code, None)

    def add_auth_code(self, account_id: str) -> str:
        code = "code_" + secrets.token_hex(8)
        with self._lock:
            self.auth_codes[code] = account_id
        return code

    def robot_admit(self, token: str) -> bool:
        """Count one robot message; False (and a 10-minute throttle) past the per-minute limit."""
        now = self.clock()
        with self._lock:
            if self.robot_throttled_until.get(token, 0) > now:
                return False
            sent = self.robot_sends.setdefault(token, deque())
            while sent and now - sent[0] >= 60:
                sent.popleft()
            if len(sent) >= int(self.config["ROBOT_RATE_PER_MINUTE"]):
                self.robot_throttled_until[token] = now + float(self.config["ROBOT_THROTTLE_S"])
                return False
            sent.append(now)
            return True

    def webhook_seen(self, name: str, msg_id: str) -> bool:
        with self._lock:
            seen = (name, msg_id) in self.webhook_ids
            self.webhook_ids.add((name, msg_id))
            return seen


def _state() -> StandinState:
    return current_app.extensions["standin"]


# --------------------------------------------------------------------------- answers


def zwd_error(code: str, message: str, status: int = 200) -> Response:
    """The gateway's refusal shape (``OapiContentResponse``)."""
    body = {
        "success": False,
        "errorCode": code,
        "errorMsg": message,
        "errorLevel": "error",
        "_RequestId": uuid.uuid4().hex,
    }
    response = jsonify(body)
    response.status_code = status
    return response


def sp_result(data: Any = None, *, code: str = "0", message: str = "OK") -> Response:
    """The login APIs' shape (``OapiSpResultContent`` inside ``content``)."""
    ok = code == "0"
    content: dict[str, Any] = {
        "success": ok,
        "responseCode": code,
        "responseMessage": message,
        "requestId": uuid.uuid4().hex,
    }
    if ok:
        content["data"] = data
    return jsonify({"success": True, "content": content, "_RequestId": content["requestId"]})


def robot_answer(errcode: int, errmsg: str) -> Response:
    return jsonify({"errcode": errcode, "errmsg": errmsg})


def _apply_fault(target: str) -> Response | None:
    """Sleep, fail or throttle as the last ``POST /sandbox/faults`` asked; None to carry on."""
    fault = _state().take_fault(target)
    if fault is None:
        return None
    if fault["mode"] == "slow":
        time.sleep(int(fault.get("delay_ms") or 0) / 1000)
        return None
    if fault["mode"] == "throttle":
        if target == "robot":
            return robot_answer(130101, "send too fast, exceed 20 times per minute")
        if target == "webhook":
            return Response("too many requests", status=429, headers={"Retry-After": "60"})
        return zwd_error(PlatformCodes.THROTTLED, "调用频率超过限制，请稍后再试")
    status = int(fault.get("status") or 500)
    if target == "robot" and status == 200:
        return robot_answer(-1, "系统繁忙")
    return zwd_error(PlatformCodes.SYSTEM_ERROR, "平台内部错误（模拟故障）", status=status)


# --------------------------------------------------------------------------- 浙政钉 gateway


def _gateway_params() -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for source in (request.args, request.form):
        for name, values in source.lists():
            merged.setdefault(name, []).extend(values)
    return merged


def check_gateway_signature() -> tuple[str | None, Response | None]:
    """Verify the ``X-Hmac-Auth-*`` headers as the gateway does; (apiKey, None) or (None, refusal)."""
    headers = request.headers
    required = ("apiKey", "X-Hmac-Auth-Timestamp", "X-Hmac-Auth-Nonce", "X-Hmac-Auth-Signature")
    missing = [name for name in required if not headers.get(name)]
    if missing:
        return None, zwd_error(PlatformCodes.MISSING_PARAMETER, f"缺少请求头：{', '.join(missing)}")
    if headers.get("X-Hmac-Auth-Version", "1.0") != "1.0":
        return None, zwd_error(PlatformCodes.INVALID_PARAMETER, "不支持的签名版本")
    api_key = headers["apiKey"]
    secret = current_app.config["APPS"].get(api_key)
    if secret is None:
        return None, zwd_error(PlatformCodes.INVALID_API_KEY, "apiKey 不存在")
    state, skew = _state(), float(current_app.config["MAX_SKEW_S"])
    try:
        sent_at = parse_zwd_timestamp(headers["X-Hmac-Auth-Timestamp"]).timestamp()
    except ValueError:
        return None, zwd_error(PlatformCodes.INVALID_PARAMETER, "X-Hmac-Auth-Timestamp 格式错误")
    if abs(state.clock() - sent_at) > skew:
        return None, zwd_error(PlatformCodes.TIMESTAMP_EXPIRED, "请求时间戳已过期或与服务器时间相差过大")
    expected = zwd_signature(
        secret,
        method=request.method,
        timestamp=headers["X-Hmac-Auth-Timestamp"],
        nonce=headers["X-Hmac-Auth-Nonce"],
        path=request.path,
        params=_gateway_params(),
    )
    if not hmac.compare_digest(expected, headers["X-Hmac-Auth-Signature"]):
        return None, zwd_error(PlatformCodes.INVALID_SIGNATURE, "签名校验失败")
    if not state.use_nonce(api_key, headers["X-Hmac-Auth-Nonce"], skew * 2):
        return None, zwd_error(PlatformCodes.NONCE_REUSED, "nonce 重复，疑似重放请求")
    return api_key, None


gateway = Blueprint("gateway", __name__)


def _validate_notification(params: Mapping[str, str]) -> Response | None:
    config = current_app.config
    if not params.get("tenantId") or not params.get("msg"):
        return zwd_error(PlatformCodes.MISSING_PARAMETER, "缺少参数 tenantId 或 msg")
    if params["tenantId"] != str(config["TENANT_ID"]):
        return zwd_error(PlatformCodes.TENANT_MISMATCH, "租户与应用不匹配")
    receivers = _split(params.get("receiverIds"))
    if not receivers and not _split(params.get("organizationCodes")):
        return zwd_error(PlatformCodes.MISSING_PARAMETER, "receiverIds 与 organizationCodes 不能同时为空")
    if len(receivers) > MAX_RECEIVERS_PER_CALL:
        return zwd_error(PlatformCodes.RECEIVERS_EXCEED_LIMIT, f"接收人不能超过 {MAX_RECEIVERS_PER_CALL} 个")
    if len(params["msg"].encode("utf-8")) > MAX_MSG_BYTES:
        return zwd_error(PlatformCodes.MSG_TOO_LONG, f"消息内容不能超过 {MAX_MSG_BYTES} 字节")
    msg = _parse_json(params["msg"])
    if not msg or msg.get("msgtype") not in MSG_TYPES or not isinstance(msg.get(msg["msgtype"]), dict):
        return zwd_error(PlatformCodes.INVALID_PARAMETER, "msg 不是合法的消息 JSON")
    unknown = [r for r in receivers if r not in config["ACCOUNTS"]]
    if unknown and config["REQUIRE_KNOWN_RECEIVERS"]:
        return zwd_error(PlatformCodes.RECEIVER_NOT_FOUND, f"接收人不存在：{','.join(unknown[:10])}")
    return None


@gateway.post("/message/workNotification")
def work_notification() -> Response:
    fault = _apply_fault("zwd")
    params = {name: values[0] for name, values in _gateway_params().items()}
    api_key, refusal = (None, fault) if fault else check_gateway_signature()
    if refusal is None:
        refusal = _validate_notification(params)
    biz_msg_id = params.get("bizMsgId")
    if refusal is None and biz_msg_id and not _state().claim_biz_msg_id(api_key or "", biz_msg_id):
        refusal = zwd_error(PlatformCodes.BIZ_MSG_ID_DUPLICATE, "bizMsgId 重复，消息已发送过")
    msg_id = None if refusal else uuid.uuid4().hex
    msg = _parse_json(params.get("msg", "")) or {}
    _state().record(
        "work_notification",
        accepted=refusal is None,
        code=_code_of(refusal),
        receivers=_split(params.get("receiverIds")),
        bizMsgId=biz_msg_id,
        msgId=msg_id,
        msgtype=msg.get("msgtype"),
        title=_title_of(msg),
        msg=msg,
    )
    return refusal or jsonify({"success": True, "content": {"msgId": msg_id}, "_RequestId": uuid.uuid4().hex})


@gateway.post("/message/revoke")
def revoke_work_notification() -> Response:
    """``/message/revoke``: a work notification this app sent, by its ``bizMsgId``, disappears for its
    receivers (on the page it is struck through)."""
    fault = _apply_fault("zwd")
    params = {name: values[0] for name, values in _gateway_params().items()}
    api_key, refusal = (None, fault) if fault else check_gateway_signature()
    if refusal is None:
        missing = [name for name in ("msgType", "msgApp", "bizMsgId") if not params.get(name)]
        if missing:
            refusal = zwd_error(PlatformCodes.MISSING_PARAMETER, f"缺少参数：{', '.join(missing)}")
    if refusal is None:
        verdict = _state().revoke(api_key or "", params["bizMsgId"])
        if verdict == "unknown":
            refusal = zwd_error(PlatformCodes.BIZ_MSG_ID_NOT_FOUND, "没有以该 bizMsgId 发送的消息")
        elif verdict == "again":
            refusal = zwd_error(PlatformCodes.MSG_ALREADY_REVOKED, "该消息已撤回")
    _state().record(
        "revoke", accepted=refusal is None, code=_code_of(refusal), bizMsgId=params.get("bizMsgId")
    )
    return refusal or jsonify({"success": True, "content": {"success": True}, "_RequestId": uuid.uuid4().hex})


# --------------------------------------------------------------------------- to-do centre (统一待办)


def tc_result(data: Any = None, *, code: str = "0", message: str = "成功") -> Response:
    """The to-do centre's envelope: ``{success, content: {success, data, responseCode, responseMessage}}``."""
    ok = code == "0"
    content = {"success": ok, "data": data, "responseCode": code, "responseMessage": message}
    return jsonify({"success": True, "content": content, "_RequestId": uuid.uuid4().hex})


def _task_refusal(params: Mapping[str, str]) -> Response | None:
    config = current_app.config
    required = ("subject", "creatorId", "assigneeId", "bizTaskId", "url", "mobileUrl", "tenantId")
    missing = [name for name in required if not params.get(name)]
    if missing:
        return zwd_error(PlatformCodes.MISSING_PARAMETER, f"缺少参数：{', '.join(missing)}")
    if params["tenantId"] != str(config["TENANT_ID"]):
        return zwd_error(PlatformCodes.TENANT_MISMATCH, "租户与应用不匹配")
    if len(params["subject"]) > 200:
        return zwd_error(PlatformCodes.INVALID_PARAMETER, "subject 不能超过 200 个字符")
    if params.get("category") not in (None, "GENERAL_TASK", "OFFICIAL_DOCUMENT"):
        return zwd_error(PlatformCodes.INVALID_PARAMETER, "category 只能是 GENERAL_TASK 或 OFFICIAL_DOCUMENT")
    if params.get("dueTime") and not _is_due_time(params["dueTime"]):
        return zwd_error(PlatformCodes.INVALID_PARAMETER, "dueTime 应为 yyyy-MM-dd HH:mm:ss")
    unknown = [params[n] for n in ("assigneeId", "creatorId") if params[n] not in config["ACCOUNTS"]]
    if unknown and config["REQUIRE_KNOWN_RECEIVERS"]:
        return zwd_error(PlatformCodes.RECEIVER_NOT_FOUND, f"用户不存在：{','.join(unknown)}")
    return None


def _is_due_time(value: str) -> bool:
    try:
        datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return False
    return True


@gateway.post("/tc/v2/openapi/task/create.json")
def create_task() -> Response:
    """Create a to-do; a repeated ``bizTaskId`` is refused (``TASK_BIZ_ID_DUPLICATE``) with the existing
    task's ``taskUuid`` in ``data``."""
    fault = _apply_fault("todo")
    params = {name: values[0] for name, values in _gateway_params().items()}
    api_key, refusal = (None, fault) if fault else check_gateway_signature()
    refusal = refusal or _task_refusal(params)
    answer, created = refusal, False
    if refusal is None:
        task, created = _state().create_task(api_key or "", params)
        answer = (
            tc_result({"taskUuid": task["taskUuid"]})
            if created
            else tc_result(
                {"taskUuid": task["taskUuid"]}, code="TASK_BIZ_ID_DUPLICATE", message="bizTaskId 已存在"
            )
        )
    _state().record(
        "todo_create",
        accepted=created,
        code=_code_of(refusal) if refusal else ("0" if created else "TASK_BIZ_ID_DUPLICATE"),
        receivers=[params.get("assigneeId")] if params.get("assigneeId") else [],
        bizTaskId=params.get("bizTaskId"),
        title=params.get("subject"),
    )
    return answer  # type: ignore[return-value]


def _close_task(status: str, package_flag: str) -> Response:
    fault = _apply_fault("todo")
    params = {name: values[0] for name, values in _gateway_params().items()}
    _api_key, refusal = (None, fault) if fault else check_gateway_signature()
    if refusal is None:
        missing = [name for name in ("userId", "taskUuid") if not params.get(name)]
        if missing:
            refusal = zwd_error(PlatformCodes.MISSING_PARAMETER, f"缺少参数：{', '.join(missing)}")
    answer = refusal
    if refusal is None:
        verdict = _state().close_task(params["taskUuid"], params["userId"], status)
        answer = {
            "ok": tc_result(True),
            "unknown": tc_result(code="TASK_NOT_FOUND", message="待办不存在"),
            "not_assignee": tc_result(code="NOT_ASSIGNEE", message="userId 不是该待办的办理人"),
            "closed": tc_result(code="TASK_ALREADY_CLOSED", message="待办已办结或已取消"),
        }[verdict]
    body = (answer.get_json(silent=True) or {}) if answer is not None else {}
    content = body.get("content") or {}
    task = _state().tasks.get(params.get("taskUuid", ""), {})
    _state().record(
        f"todo_{'finish' if status == 'done' else 'cancel'}",
        accepted=bool(content.get("success")),
        code=str(content.get("responseCode") or body.get("errorCode") or "0"),
        receivers=[params.get("userId")] if params.get("userId") else [],
        taskUuid=params.get("taskUuid"),
        title=task.get("subject"),
        package=params.get(package_flag),
    )
    return answer  # type: ignore[return-value]


@gateway.post("/tc/openapi/task/finish.json")
def finish_task() -> Response:
    return _close_task("done", "closePackage")


@gateway.post("/tc/openapi/task/cancel.json")
def cancel_task() -> Response:
    return _close_task("cancelled", "cancelPakcage")


@gateway.route("/gettoken.json", methods=["GET", "POST"])
def gettoken() -> Response:
    refusal = _apply_fault("login")
    api_key, refusal = (None, refusal) if refusal else check_gateway_signature()
    if refusal:
        return refusal
    params = {name: values[0] for name, values in _gateway_params().items()}
    apps = current_app.config["APPS"]
    if params.get("appkey") != api_key or apps.get(api_key) != params.get("appsecret"):
        return sp_result(code=PlatformCodes.INVALID_APP_CREDENTIALS, message="appkey 或 appsecret 不正确")
    token, ttl = _state().issue_token(api_key or "")
    _state().record("gettoken", accepted=True, code="0", appkey=api_key)
    return sp_result({"accessToken": token, "expiresIn": ttl})


def _user_for_code(kind: str, parameter: str, lookup: Callable[[StandinState, str], str | None]) -> Response:
    """A login API: the user behind a code (a 免登 authCode, or a confirmed scan's code)."""
    refusal = _apply_fault("login")
    _api_key, refusal = (None, refusal) if refusal else check_gateway_signature()
    if refusal:
        return refusal
    params = {name: values[0] for name, values in _gateway_params().items()}
    state = _state()
    if not state.token_valid(params.get("access_token", "")):
        return sp_result(code=PlatformCodes.BAD_ACCESS_TOKEN, message="access_token 无效或已过期")
    account_id = lookup(state, params.get(parameter, ""))
    state.record(
        kind,
        accepted=account_id is not None,
        code="0" if account_id else "240111",
        receivers=[account_id] if account_id else [],
    )
    if account_id is None:
        return sp_result(code=PlatformCodes.BAD_AUTH_CODE, message=f"{parameter} 无效或已使用")
    return sp_result(_user_data(account_id))


@gateway.route("/rpc/oauth2/dingtalk_app_user.json", methods=["GET", "POST"])
def user_by_auth_code() -> Response:
    """免登: the micro-app's authCode → the user."""
    return _user_for_code("login", "auth_code", StandinState.account_for_code)


@gateway.route("/rpc/oauth2/getuserinfo_bycode.json", methods=["GET", "POST"])
def user_by_qr_code() -> Response:
    """PC 扫码登录: the code of a confirmed scan → the user (once)."""
    return _user_for_code("qr_login", "code", StandinState.account_for_qr_code)


@gateway.get("/oauth2/auth.htm")
def scan_page() -> Response | str:
    """What the 浙政钉 app shows after scanning a login QR code: confirm as one of the accounts."""
    args = request.args
    if args.get("client_id") not in current_app.config["APPS"] or not args.get("redirect_uri"):
        return Response("client_id 或 redirect_uri 无效", status=400, mimetype="text/plain")
    return render_template("standin_scan.html", args=args, accounts=current_app.config["ACCOUNTS"])


@gateway.post("/oauth2/auth.htm")
def scan_confirm() -> Response:
    form = request.form
    if form.get("client_id") not in current_app.config["APPS"] or not form.get("redirect_uri"):
        return Response("client_id 或 redirect_uri 无效", status=400, mimetype="text/plain")
    if form.get("accountId") not in current_app.config["ACCOUNTS"]:
        return Response("未知的账号", status=400, mimetype="text/plain")
    code = _state().add_qr_code(form["accountId"])
    target = form["redirect_uri"]
    query = urlencode({"code": code, "state": form.get("state", "")})
    return redirect(f"{target}{'&' if '?' in target else '?'}{query}", code=302)  # type: ignore[return-value]


def _user_data(account_id: str) -> dict[str, Any]:
    person = current_app.config["ACCOUNTS"][account_id]
    tenant = current_app.config["TENANT_ID"]
    return {
        "accountId": int(account_id) if account_id.isdigit() else account_id,
        "account": f"demo{account_id}",
        "employeeCode": person.get("employeeCode", f"GE_{account_id}"),
        "lastName": person.get("name", ""),
        "nickNameCn": person.get("name", ""),
        "realmId": int(tenant) if str(tenant).isdigit() else tenant,
        "realmName": "宁波市（模拟）",
        "namespace": "local",
        "tenantUserId": f"{tenant}${account_id}",
    }


# --------------------------------------------------------------------------- robots and webhooks

hooks = Blueprint("hooks", __name__)


def _robot_config(token: str) -> dict[str, Any] | None:
    robots = current_app.config["ROBOTS"]
    if token not in robots:
        return None
    entry = robots[token]
    return dict(entry) if isinstance(entry, Mapping) else {"secret": entry, "keywords": ()}


def _robot_refusal(
    token: str, robot: Mapping[str, Any], payload: Mapping[str, Any] | None
) -> Response | None:
    secret = robot.get("secret")
    if secret:
        timestamp, sign = request.args.get("timestamp", ""), request.args.get("sign", "")
        if not timestamp.isdigit():
            return robot_answer(310000, "invalid timestamp")
        skew_ms = float(current_app.config["ROBOT_MAX_SKEW_S"]) * 1000
        if abs(_state().clock() * 1000 - int(timestamp)) > skew_ms:
            return robot_answer(310000, "invalid timestamp")
        if not hmac.compare_digest(robot_sign(secret, int(timestamp)), sign):
            return robot_answer(310000, "sign not match")
    if not payload or payload.get("msgtype") not in ROBOT_MSG_TYPES:
        return robot_answer(40035, "缺少参数 json 或 msgtype 不合法")
    keywords = robot.get("keywords") or ()
    if keywords and not any(word in json.dumps(payload, ensure_ascii=False) for word in keywords):
        return robot_answer(310000, "keywords not in content")
    if not _state().robot_admit(token):
        return robot_answer(130101, "send too fast, exceed 20 times per minute")
    return None


@hooks.post("/robot/send")
def robot_send() -> Response:
    token = request.args.get("access_token", "")
    payload = request.get_json(silent=True)
    refusal = _apply_fault("robot")
    robot = _robot_config(token)
    if refusal is None and robot is None:
        refusal = robot_answer(300001, "token is not exist")
    if refusal is None and robot is not None:
        refusal = _robot_refusal(token, robot, payload if isinstance(payload, dict) else None)
    body = payload if isinstance(payload, dict) else {}
    answer = (refusal.get_json(silent=True) or {}) if refusal is not None else {"errcode": 0}
    errcode = answer.get("errcode", refusal.status_code if refusal is not None else 0)
    _state().record(
        "robot",
        accepted=refusal is None,
        code=str(errcode),
        robot=token,
        msgtype=body.get("msgtype"),
        title=_title_of(body),
        msg=body,
    )
    return refusal or robot_answer(0, "ok")


@hooks.post("/webhook/<name>")
def webhook_receive(name: str) -> Response:
    refusal = _apply_fault("webhook")
    secret = current_app.config["WEBHOOK_SECRETS"].get(name)
    msg_id = request.headers.get("webhook-id", "")
    raw = request.get_data(as_text=True)
    if refusal is None and secret is None:
        refusal = Response("unknown webhook", status=404)
    if refusal is None and not _webhook_valid(secret or "", msg_id, raw):
        refusal = Response("invalid signature", status=401)
    duplicate = refusal is None and _state().webhook_seen(name, msg_id)
    body = _parse_json(raw) or {}
    data = body["data"] if isinstance(body.get("data"), dict) else {}
    _state().record(
        "webhook",
        accepted=refusal is None,
        code=str(refusal.status_code if refusal else 200),
        webhook=name,
        webhookId=msg_id,
        duplicate=duplicate,
        title=data.get("title"),
        receivers=list(data.get("receivers") or []),
        msg=body,
    )
    return refusal or Response(status=204)


def _webhook_valid(secret: str, msg_id: str, raw: str) -> bool:
    timestamp = request.headers.get("webhook-timestamp", "")
    if not (msg_id and timestamp.isdigit()):
        return False
    return verify_webhook_signature(
        secret,
        msg_id=msg_id,
        timestamp_s=int(timestamp),
        body=raw,
        signature_header=request.headers.get("webhook-signature", ""),
        now_s=_state().clock(),
        tolerance_s=int(current_app.config["WEBHOOK_TOLERANCE_S"]),
    )


# --------------------------------------------------------------------------- sandbox


sandbox = Blueprint("sandbox", __name__)


def _filtered_records() -> list[dict[str, Any]]:
    kind, receiver = request.args.get("kind"), request.args.get("receiver")
    accepted, after = request.args.get("accepted"), request.args.get("after", type=int)
    records = list(_state().records)
    if kind:
        records = [r for r in records if r["kind"] == kind]
    if receiver:
        records = [r for r in records if receiver in (r.get("receivers") or [])]
    if accepted in {"true", "false"}:
        records = [r for r in records if r.get("accepted") is (accepted == "true")]
    if after:
        records = [r for r in records if r["id"] > after]
    return records


@sandbox.get("/healthz")
def healthz() -> Response:
    return jsonify({"status": "ok"})


@sandbox.get("/sandbox/credentials")
def sandbox_credentials() -> Response:
    return jsonify(demo_credentials(current_app.config))


@sandbox.get("/sandbox/todos")
def sandbox_todos() -> Response:
    """Every to-do, filtered by ``assignee`` (accountId) and ``status`` (open, done, cancelled)."""
    assignee, status = request.args.get("assignee"), request.args.get("status")
    tasks = [
        t
        for t in list(_state().tasks.values())
        if (not assignee or t["assigneeId"] == assignee) and (not status or t["status"] == status)
    ]
    return jsonify({"count": len(tasks), "todos": tasks})


@sandbox.get("/todos")
def todo_lists() -> str:
    """Each person's to-do list, open ones first, as the 浙政钉 to-do centre would show it."""
    accounts = current_app.config["ACCOUNTS"]
    people: dict[str, list[dict[str, Any]]] = {}
    for task in list(_state().tasks.values()):
        people.setdefault(task["assigneeId"], []).append(task)
    lists = [
        {
            "account": account,
            "name": accounts.get(account, {}).get("name", account),
            "department": accounts.get(account, {}).get("department", ""),
            "open": sorted(
                (t for t in tasks if t["status"] == "open"), key=lambda t: t.get("dueTime") or "~"
            ),
            "closed": sorted((t for t in tasks if t["status"] != "open"), key=lambda t: t["closedAt"] or "")[
                ::-1
            ],
        }
        for account, tasks in sorted(people.items())
    ]
    return render_template("standin_todos.html", lists=lists, statuses=TASK_STATUS_NAMES)


@sandbox.get("/sandbox/messages")
def sandbox_messages() -> Response:
    records = _filtered_records()
    limit = request.args.get("limit", type=int)
    if limit:
        records = records[-limit:]
    return jsonify({"count": len(records), "messages": records})


@sandbox.post("/sandbox/faults")
def sandbox_faults() -> Response | tuple[Response, int]:
    body = request.get_json(silent=True) or {}
    mode = body.get("mode", "none")
    if mode not in {"none", "fail", "slow", "throttle"}:
        return jsonify({"error": "mode 必须是 none、fail、slow 或 throttle"}), 400
    target = body.get("target")
    if target not in (None, "zwd", "login", "robot", "webhook", "todo"):
        return jsonify({"error": "target 必须是 zwd、login、robot、webhook 或 todo"}), 400
    fault = {
        "mode": mode,
        "count": int(body.get("count", 1)),
        "status": int(body.get("status", 500)),
        "delay_ms": int(body.get("delay_ms", 0)),
        "target": target,
    }
    state = _state()
    with state._lock:
        state.fault = fault
    return jsonify({"fault": fault})


@sandbox.post("/sandbox/reset")
def sandbox_reset() -> Response:
    _state().reset()
    return jsonify({"status": "reset"})


@sandbox.post("/sandbox/auth-codes")
def sandbox_auth_code() -> Response | tuple[Response, int]:
    account_id = str((request.get_json(silent=True) or {}).get("accountId", ""))
    if account_id not in current_app.config["ACCOUNTS"]:
        return jsonify({"error": "未知的 accountId"}), 404
    return jsonify({"authCode": _state().add_auth_code(account_id), "accountId": account_id})


@sandbox.get("/")
def index() -> str:
    records = list(reversed(_state().records[-200:]))
    return render_template(
        "standin_index.html",
        records=records,
        accounts=current_app.config["ACCOUNTS"],
        kinds=KIND_NAMES,
        demo=demo_credentials(current_app.config),
    )


def demo_credentials(config: Mapping[str, Any]) -> dict[str, Any]:
    """What a developer needs to point a client at the stand-in: the app, its tenant, the robots (token and
    signing secret) and the webhook secrets. Development values only: the stand-in never runs in
    production."""
    robots = []
    for token, entry in config["ROBOTS"].items():
        robot = dict(entry) if isinstance(entry, Mapping) else {"secret": entry}
        robots.append(
            {"access_token": token, "secret": robot.get("secret"), "keywords": robot.get("keywords")}
        )
    return {
        "apps": [{"app_key": key, "app_secret": secret} for key, secret in config["APPS"].items()],
        "tenant_id": config["TENANT_ID"],
        "robots": robots,
        "webhooks": [{"name": name, "secret": secret} for name, secret in config["WEBHOOK_SECRETS"].items()],
    }


KIND_NAMES = {
    "work_notification": "工作通知",
    "robot": "群机器人",
    "webhook": "Webhook",
    "gettoken": "获取令牌",
    "login": "免登",
    "qr_login": "扫码登录",
    "event_callback": "订阅通讯录事件",
    "address_book_event": "通讯录变更事件",
    "revoke": "撤回工作通知",
    "todo_create": "创建待办",
    "todo_finish": "办结待办",
    "todo_cancel": "取消待办",
}


# --------------------------------------------------------------------------- helpers


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _parse_json(raw: str) -> dict[str, Any] | None:
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _code_of(refusal: Response | None) -> str:
    if refusal is None:
        return "0"
    body = refusal.get_json(silent=True) or {}
    return str(body.get("errorCode") or refusal.status_code)


def _title_of(msg: Mapping[str, Any]) -> str | None:
    kind = msg.get("msgtype")
    part = msg.get(kind) if isinstance(kind, str) else None
    if not isinstance(part, dict):
        return None
    if kind == "oa":
        return (part.get("body") or {}).get("title") or (part.get("head") or {}).get("text")
    if kind == "feedCard":
        return "；".join(link.get("title", "") for link in part.get("links", []))
    return part.get("title") or str(part.get("content", ""))[:60] or None


# --------------------------------------------------------------------------- factory


def demo_directory_accounts() -> dict[str, dict[str, str]]:
    """The demo people of ``make run`` (``services/intake/demo.py``) as platform accounts, so that reminders
    to them arrive. The stand-in is a development tool, never deployed: the one place outside intake that
    reads intake's demo data, so that the two cannot drift apart."""
    try:
        from shared.demo import demo_directory
    except ImportError:  # pragma: no cover - intake absent
        return {}
    directory = demo_directory()
    departments = {d["code"]: d["name"] for d in directory.departments}
    return {
        str(person["zwd_account_id"]): {
            "name": person["name"],
            "employeeCode": f"GE_demo_{person['zwd_account_id']}",
            "department": " ".join(
                part for part in (departments.get(person["department_code"]), person.get("title")) if part
            ),
        }
        for person in directory.people
        if person.get("zwd_account_id")
    }


def create_app(config: dict | None = None) -> Flask:
    """Build the stand-in; ``config`` overrides :data:`DEFAULTS`. Refuses to run in production."""
    settings = {**DEFAULTS, **(config or {})}
    if "ACCOUNTS" not in (config or {}):
        settings["ACCOUNTS"] = {**DEFAULTS["ACCOUNTS"], **demo_directory_accounts()}
    env = settings.get("ENV") or os.environ.get("DM_ENV", "development")
    if env == "production":
        raise RuntimeError("本地模拟平台仅供开发和测试使用，不得在生产环境启动")
    app = Flask(__name__)
    app.config.update(settings)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["standin"] = StandinState(app.config)
    from services.notify.standin.addressbook import addressbook

    for blueprint in (gateway, hooks, sandbox, addressbook):
        app.register_blueprint(blueprint)
    return app


def main() -> None:  # pragma: no cover - development entrypoint
    """``python -m services.notify.standin.app``: serve on 127.0.0.1:8009 (or ``STANDIN_PORT``)."""
    port = int(os.environ.get("STANDIN_PORT", DEFAULT_PORT))
    create_app().run(host="127.0.0.1", port=port, threaded=True)


if __name__ == "__main__":  # pragma: no cover
    main()
