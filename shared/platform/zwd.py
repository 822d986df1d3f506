"""浙政钉 open platform: work notifications (工作通知) and mobile login (免登), signed as the SDK signs.

Three pieces, each usable alone:

* :class:`ZwdGateway` signs and sends one call (headers from :mod:`.signing`, form-encoded body) and reads
  the answer without judging it.
* :class:`WorkNotificationChannel` is the notify channel: it renders an :class:`OutboundMessage`, refuses a
  ``msg`` over 2048 bytes before sending, splits receivers into calls of at most 1000 with a
  ``bizMsgId`` per call derived from the dedupe key (``key``, ``key-b2``, ``key-b3``, …), and maps the answer.
* :class:`MobileLogin` exchanges a micro-app ``authCode`` for the user (``/gettoken.json`` then
  ``/rpc/oauth2/dingtalk_app_user.json``), caching the access token.

Answer shapes follow the SDK's response classes: a gateway or business refusal is
``{"success": false, "errorCode", "errorMsg", "errorLevel"}`` (``OapiContentResponse``); the login APIs
nest their own verdict in ``content`` (``OapiSpResultContent``: ``success``, ``responseCode``,
``responseMessage``, ``data``). Success of a work notification is ``{"success": true, "content":
{"msgId": …}}``; the content may arrive as a JSON string, which is parsed.

Idempotency decision: the platform refuses a repeated ``bizMsgId``. It only remembers an id it accepted,
so that refusal proves an earlier attempt (whose answer we lost) went through: it is reported as
``delivered`` with ``already_delivered=True``, never as a failure.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

import requests

from shared.errors import ServiceUnavailable, Unauthorized

from .base import (
    DEFAULT_TIMEOUT,
    MessageTooLarge,
    OutboundMessage,
    Outcome,
    SendResult,
    check_outbound_url,
    combine_results,
)
from .signing import Params, zwd_clean_params, zwd_headers

log = logging.getLogger(__name__)

PRODUCTION_BASE_URL = "https://openplatform-pro.ding.zj.gov.cn"
TEST_BASE_URL = "https://openplatform.dg-work.cn"
PLATFORM_HOSTS = tuple(url.removeprefix("https://") for url in (PRODUCTION_BASE_URL, TEST_BASE_URL))

WORK_NOTIFICATION_PATH = "/message/workNotification"
REVOKE_PATH = "/message/revoke"
REVOKE_MSG_TYPE = "1"
"""``msgType`` of a work notification in ``/message/revoke``. The SDK names the parameters (``msgType``,
``msgApp``, ``bizMsgId``) but not their values; a work notification of this app is taken as type 1, app 1."""
REVOKE_MSG_APP = "1"
GETTOKEN_PATH = "/gettoken.json"
USER_BY_AUTH_CODE_PATH = "/rpc/oauth2/dingtalk_app_user.json"
USER_BY_QR_CODE_PATH = "/rpc/oauth2/getuserinfo_bycode.json"

MAX_RECEIVERS_PER_CALL = 1000
MAX_MSG_BYTES = 2048
ACCESS_TOKEN_TTL_S = 7200


class PlatformCodes:
    """Error codes the adapters recognise and the stand-in answers with.

    The login codes (240111, 240133) are the platform's published ones. The public SDKs do not list the
    gateway's own codes, so the others are the stand-in's names; an unknown code is treated as permanent
    (stopped and shown to an operator), so a wrong guess can delay a message but never duplicate one.
    """

    OK = "0"
    BAD_AUTH_CODE = "240111"
    BAD_ACCESS_TOKEN = "240133"
    INVALID_API_KEY = "INVALID_API_KEY"
    INVALID_SIGNATURE = "INVALID_SIGNATURE"
    TIMESTAMP_EXPIRED = "TIMESTAMP_EXPIRED"
    NONCE_REUSED = "NONCE_REUSED"
    MISSING_PARAMETER = "MISSING_PARAMETER"
    INVALID_PARAMETER = "INVALID_PARAMETER"
    INVALID_APP_CREDENTIALS = "INVALID_APP_CREDENTIALS"
    TENANT_MISMATCH = "TENANT_MISMATCH"
    RECEIVERS_EXCEED_LIMIT = "RECEIVERS_EXCEED_LIMIT"
    MSG_TOO_LONG = "MSG_TOO_LONG"
    RECEIVER_NOT_FOUND = "RECEIVER_NOT_FOUND"
    BIZ_MSG_ID_DUPLICATE = "BIZ_MSG_ID_DUPLICATE"
    BIZ_MSG_ID_NOT_FOUND = "BIZ_MSG_ID_NOT_FOUND"
    MSG_ALREADY_REVOKED = "MSG_ALREADY_REVOKED"
    THROTTLED = "THROTTLED"
    SYSTEM_BUSY = "SYSTEM_BUSY"
    SYSTEM_ERROR = "SYSTEM_ERROR"

    DUPLICATE = frozenset({BIZ_MSG_ID_DUPLICATE})
    TRANSIENT = frozenset({THROTTLED, SYSTEM_BUSY, SYSTEM_ERROR, NONCE_REUSED})
    WHOLE_CALL = frozenset(
        {
            INVALID_API_KEY,
            INVALID_SIGNATURE,
            TIMESTAMP_EXPIRED,
            MISSING_PARAMETER,
            INVALID_PARAMETER,
            INVALID_APP_CREDENTIALS,
            TENANT_MISMATCH,
            MSG_TOO_LONG,
        }
    )
    """Refusals of the call itself (credentials, signature, message): sending the same to each receiver
    alone would be refused the same way. Any other refusal of a call to several receivers (an unknown
    receiver among them, say) is retried receiver by receiver, so one bad account never holds up the rest."""


# --------------------------------------------------------------------------- message builders


def text_message(content: str) -> dict[str, Any]:
    """A plain-text work notification."""
    return {"msgtype": "text", "text": {"content": content}}


def markdown_message(title: str, text: str) -> dict[str, Any]:
    """A markdown work notification; ``title`` shows in the conversation list."""
    return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}


def link_message(title: str, text: str, message_url: str, pic_url: str = "") -> dict[str, Any]:
    """A link card: title, a line of text, opens ``message_url``."""
    return {
        "msgtype": "link",
        "link": {"title": title, "text": text, "messageUrl": message_url, "picUrl": pic_url},
    }


def oa_message(
    *,
    title: str,
    content: str,
    message_url: str,
    head_text: str = "职责管理",
    form: Sequence[tuple[str, str]] = (),
    author: str | None = None,
    pc_message_url: str | None = None,
) -> dict[str, Any]:
    """An OA card (approvals): header, title, key/value rows, text; a tap opens the mobile page."""
    body: dict[str, Any] = {"title": title, "content": content}
    if form:
        body["form"] = [{"key": f"{key}：", "value": value} for key, value in form]
    if author:
        body["author"] = author
    oa: dict[str, Any] = {
        "message_url": message_url,
        "head": {"bgcolor": "FFBBBBBB", "text": head_text},
        "body": body,
    }
    if pc_message_url:
        oa["pc_message_url"] = pc_message_url
    return {"msgtype": "oa", "oa": oa}


def action_card_message(
    *, title: str, markdown: str, single_title: str, single_url: str, single_pc_url: str | None = None
) -> dict[str, Any]:
    """An action card: markdown body and one button."""
    card = {"title": title, "markdown": markdown, "single_title": single_title, "single_url": single_url}
    if single_pc_url:
        card["single_pc_url"] = single_pc_url
    return {"msgtype": "action_card", "action_card": card}


def render(message: OutboundMessage) -> dict[str, Any]:
    """The work-notification ``msg`` for a channel-neutral message."""
    url = message.link_url
    if message.kind == "text":
        content = f"{message.title}\n{message.text}" if message.title else message.text
        return text_message(f"{content}\n{message.link_text}：{url}" if url else content)
    if message.kind == "link" and url:
        return link_message(message.title, message.text, url)
    if message.kind == "oa" and url:
        return oa_message(
            title=message.title,
            content=message.text,
            message_url=url,
            form=message.form,
            author=message.author,
        )
    if message.kind == "action_card" and url:
        return action_card_message(
            title=message.title, markdown=message.text, single_title=message.link_text, single_url=url
        )
    text = message.text if not url else f"{message.text}\n\n[{message.link_text}]({url})"
    return markdown_message(message.title, text)


def encode_msg(msg: Mapping[str, Any] | str) -> str:
    """The ``msg`` parameter: compact JSON, UTF-8; :class:`MessageTooLarge` beyond 2048 bytes."""
    encoded = msg if isinstance(msg, str) else json.dumps(msg, ensure_ascii=False, separators=(",", ":"))
    size = len(encoded.encode("utf-8"))
    if size > MAX_MSG_BYTES:
        raise MessageTooLarge(
            f"工作通知内容为 {size} 字节，超过浙政钉上限 {MAX_MSG_BYTES} 字节，未发送；请缩短正文或改用链接"
        )
    return encoded


def msg_bytes(message: OutboundMessage) -> int:
    """The size of ``message``'s ``msg`` parameter as :func:`encode_msg` would send it."""
    encoded = json.dumps(render(message), ensure_ascii=False, separators=(",", ":"))
    return len(encoded.encode("utf-8"))


def fits_platform(message: OutboundMessage) -> bool:
    """True when ``message`` stays within the platform's 2048-byte ``msg`` limit."""
    return msg_bytes(message) <= MAX_MSG_BYTES


def batch_biz_msg_ids(key: str, batches: int) -> list[str]:
    """``bizMsgId`` per call: the key itself for the first, ``key-b2``, ``key-b3``… for the rest."""
    return [key if index == 1 else f"{key}-b{index}" for index in range(1, batches + 1)]


# --------------------------------------------------------------------------- gateway


@dataclass(frozen=True, slots=True)
class GatewayAnswer:
    """One signed call's answer, unjudged: HTTP status and JSON body, or the network error that ended it."""

    status: int | None
    body: Mapping[str, Any] | None
    latency_ms: int
    summary: Mapping[str, Any] = field(default_factory=dict)
    network_error: str | None = None
    maybe_sent: bool = False


_SECRET_PARAMS = frozenset({"appsecret", "access_token", "auth_code", "code"})


def _summarise(method: str, url: str, params: Mapping[str, list[str]]) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for name, values in params.items():
        if name.lower() in _SECRET_PARAMS:
            shown[name] = "***"
        elif name == "msg":
            shown["msg_bytes"] = len(values[0].encode("utf-8"))
            shown["msgtype"] = _msgtype(values[0])
        elif name == "receiverIds":
            shown["receivers"] = sum(len(value.split(",")) for value in values)
        else:
            shown[name] = values[0] if len(values) == 1 else values
    return {"method": method, "url": url, "params": shown}


def _msgtype(msg: str) -> str | None:
    try:
        decoded = json.loads(msg)
    except ValueError:
        return None
    return decoded.get("msgtype") if isinstance(decoded, dict) else None


def _local_ip() -> str:
    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError:
        return "127.0.0.1"


def _local_mac() -> str:
    node = f"{uuid.getnode():012x}"
    return ":".join(node[index : index + 2] for index in range(0, 12, 2))


class ZwdGateway:
    """Signs and sends calls to the 浙政钉 open platform (or the local stand-in) for one app.

    The SDK also sends ``X-Hmac-Auth-IP`` and ``X-Hmac-Auth-MAC`` (not signed); they default to this
    host's address. Redirects are never followed.
    """

    def __init__(
        self,
        *,
        base_url: str,
        app_key: str,
        app_secret: str,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        allowed_hosts: Sequence[str] | None = PLATFORM_HOSTS,
        client_ip: str | None = None,
        client_mac: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if allowed_hosts is not None:
            check_outbound_url(base_url, allowed_hosts)
        self.base_url = base_url.rstrip("/")
        self.app_key = app_key
        self._app_secret = app_secret
        self._session = session or requests.Session()
        self.timeout = timeout
        self._client_ip = client_ip or _local_ip()
        self._client_mac = client_mac or _local_mac()
        self._clock = clock or (lambda: datetime.now(UTC))

    def __repr__(self) -> str:
        return f"ZwdGateway(base_url={self.base_url!r}, app_key={self.app_key!r})"

    def token_request_params(self) -> dict[str, str]:
        """The ``appkey``/``appsecret`` pair ``/gettoken.json`` asks for (sent signed, never logged)."""
        return {"appkey": self.app_key, "appsecret": self._app_secret}

    def call(self, method: Literal["GET", "POST"], path: str, params: Params) -> GatewayAnswer:
        """Sign ``params`` and send them (query string for GET, form body for POST)."""
        cleaned = zwd_clean_params(params)
        pairs = [(name, value) for name, values in cleaned.items() for value in values]
        headers = zwd_headers(
            api_key=self.app_key,
            secret=self._app_secret,
            method=method,
            path=path,
            params=cleaned,
            now=self._clock(),
            client_ip=self._client_ip,
            client_mac=self._client_mac,
        )
        url = self.base_url + path
        summary = _summarise(method, url, cleaned)
        started = time.perf_counter()
        try:
            response = self._session.request(
                method,
                url,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
                params=pairs if method == "GET" else None,
                data=pairs if method == "POST" else None,
            )
        except requests.ConnectTimeout:
            return GatewayAnswer(None, None, _ms(started), summary, "connect_timeout")
        except requests.Timeout:
            return GatewayAnswer(None, None, _ms(started), summary, "read_timeout", maybe_sent=True)
        except requests.ConnectionError:
            return GatewayAnswer(None, None, _ms(started), summary, "connection_error", maybe_sent=True)
        return GatewayAnswer(response.status_code, _json_object(response), _ms(started), summary)


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def _json_object(response: requests.Response) -> Mapping[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _content(body: Mapping[str, Any]) -> Mapping[str, Any]:
    content = body.get("content")
    if isinstance(content, str):
        try:
            content = json.loads(content)
        except ValueError:
            return {}
    return content if isinstance(content, dict) else {}


# --------------------------------------------------------------------------- work notifications


def classify_work_notification(answer: GatewayAnswer) -> SendResult:
    """Map one work-notification answer to a :class:`SendResult` (see the module notes)."""
    common: dict[str, Any] = {"latency_ms": answer.latency_ms, "request_summary": answer.summary}
    status, body = answer.status, answer.body
    if status is None:
        return SendResult(
            "transient", answer.network_error, "网络错误或超时", maybe_delivered=answer.maybe_sent, **common
        )
    if status == 429 or status >= 500:
        code, message = _error_of(body) if body else (None, None)
        return SendResult(
            "transient",
            code or f"http_{status}",
            message or "平台暂时不可用",
            maybe_delivered=True,
            retry_after_s=60.0 if status == 429 else None,
            **common,
        )
    if body is None:
        # 2xx without a readable answer: the platform may have taken it; a retry is safe (bizMsgId).
        outcome: Outcome = "transient" if status < 300 else "permanent"
        return SendResult(outcome, f"http_{status}", "平台应答无法解析", maybe_delivered=True, **common)
    if body.get("success") is not True or status >= 300:
        return _refusal(*_error_of(body), **common)
    content = _content(body)
    if content.get("success") is False:
        return _refusal(*_error_of(content), **common)
    msg_id = content.get("msgId") or _content(content).get("msgId") or _data(content).get("msgId")
    return SendResult(
        "delivered", PlatformCodes.OK, "成功", platform_msg_id=str(msg_id) if msg_id else None, **common
    )


def _data(content: Mapping[str, Any]) -> Mapping[str, Any]:
    data = content.get("data")
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            return {}
    return data if isinstance(data, dict) else {}


def _error_of(body: Mapping[str, Any]) -> tuple[str | None, str | None]:
    code = body.get("errorCode") or body.get("responseCode") or body.get("bizErrorCode") or body.get("Code")
    message = body.get("errorMsg") or body.get("responseMessage") or body.get("Message")
    return (str(code) if code is not None else None), (str(message) if message is not None else None)


def _refusal(code: str | None, message: str | None, **common: Any) -> SendResult:
    if code in PlatformCodes.DUPLICATE:
        return SendResult("delivered", code, message, already_delivered=True, **common)
    if code in PlatformCodes.TRANSIENT:
        retry = 60.0 if code == PlatformCodes.THROTTLED else None
        return SendResult("transient", code, message, retry_after_s=retry, **common)
    return SendResult("permanent", code or "unknown", message or "平台拒绝了请求", **common)


class WorkNotificationChannel:
    """Sends 浙政钉 work notifications (工作通知) to accountIds in one tenant."""

    kind = "zwd"

    def __init__(
        self, *, gateway: ZwdGateway, tenant_id: str, organization_codes: Sequence[str] = ()
    ) -> None:
        self.gateway = gateway
        self.tenant_id = tenant_id
        self.organization_codes = tuple(organization_codes)

    def __repr__(self) -> str:
        return f"WorkNotificationChannel(tenant_id={self.tenant_id!r}, gateway={self.gateway!r})"

    def send(self, message: OutboundMessage) -> SendResult:
        """Render, size-check and send ``message`` to its receivers, 1000 per call."""
        receivers = list(dict.fromkeys(r.strip() for r in message.receivers if r.strip()))
        if not receivers:
            raise ValueError("work notification needs at least one receiver accountId")
        msg = encode_msg(render(message))
        batches = [
            receivers[i : i + MAX_RECEIVERS_PER_CALL]
            for i in range(0, len(receivers), MAX_RECEIVERS_PER_CALL)
        ]
        results = [
            self.send_work_notification(receiver_ids=batch, msg=msg, biz_msg_id=biz_msg_id)
            for batch, biz_msg_id in zip(batches, batch_biz_msg_ids(message.key, len(batches)), strict=True)
        ]
        summary = {
            "channel": self.kind,
            "key": message.key,
            "receivers": len(receivers),
            "calls": len(batches),
        }
        return combine_results(results, request_summary=summary)

    def send_work_notification(
        self, *, receiver_ids: Sequence[str], msg: Mapping[str, Any] | str, biz_msg_id: str
    ) -> SendResult:
        """One ``/message/workNotification`` call (at most 1000 receivers); the platform's answer mapped."""
        if not 1 <= len(receiver_ids) <= MAX_RECEIVERS_PER_CALL:
            raise ValueError(
                f"one call takes 1 to {MAX_RECEIVERS_PER_CALL} receivers, got {len(receiver_ids)}"
            )
        params = {
            "tenantId": self.tenant_id,
            "receiverIds": ",".join(receiver_ids),
            "organizationCodes": ",".join(self.organization_codes),
            "bizMsgId": biz_msg_id,
            "msg": encode_msg(msg),
        }
        result = classify_work_notification(self.gateway.call("POST", WORK_NOTIFICATION_PATH, params))
        log.info(
            "zwd work notification %s: outcome=%s code=%s latency_ms=%d",
            biz_msg_id,
            result.outcome,
            result.platform_code,
            result.latency_ms,
        )
        return result

    def revoke(self, biz_msg_id: str) -> SendResult:
        """``/message/revoke`` of the work notification sent under ``biz_msg_id``; revoking one already
        revoked counts as done (a retry after a lost answer)."""
        params = {"msgType": REVOKE_MSG_TYPE, "msgApp": REVOKE_MSG_APP, "bizMsgId": biz_msg_id}
        result = classify_work_notification(self.gateway.call("POST", REVOKE_PATH, params))
        if result.platform_code == PlatformCodes.MSG_ALREADY_REVOKED:
            return replace(result, outcome="delivered", already_delivered=True)
        log.info("zwd revoke %s: outcome=%s code=%s", biz_msg_id, result.outcome, result.platform_code)
        return result


# --------------------------------------------------------------------------- mobile login (免登)


class AuthCodeInvalid(Unauthorized):
    """Raised when 浙政钉 refuses a 免登 authCode (responseCode 240111: wrong, used or expired)."""

    default_code = "auth_code_invalid"
    default_title = "免登授权码无效或已过期，请从浙政钉重新打开页面"


class LoginUnavailable(ServiceUnavailable):
    """Raised when 浙政钉 cannot complete a 免登 exchange now (network, platform error, app credentials)."""

    default_code = "zwd_login_unavailable"
    default_title = "浙政钉登录服务暂时不可用，请稍后再试"


@dataclass(frozen=True, slots=True)
class ZwdUser:
    """Who opened the micro-app, as 浙政钉 identifies them."""

    account_id: str
    employee_code: str
    tenant_id: str
    name: str
    account: str | None = None


class MobileLogin:
    """免登: exchanges an ``authCode`` for a :class:`ZwdUser`; the access token is cached until 5 minutes
    before it expires and refreshed once when the platform calls it invalid (240133)."""

    def __init__(
        self,
        *,
        gateway: ZwdGateway,
        token_margin_s: int = 300,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.gateway = gateway
        self.token_margin_s = token_margin_s
        self._monotonic = monotonic
        self._token: str | None = None
        self._token_expires_at = 0.0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MobileLogin(gateway={self.gateway!r})"

    def get_access_token(self, *, refresh: bool = False) -> str:
        """The app's access token, from the cache unless it is about to expire or ``refresh`` is asked."""
        with self._lock:
            if not refresh and self._token and self._monotonic() < self._token_expires_at:
                return self._token
            # POST, not GET: the app secret must not sit in a URL that proxies and servers log.
            data = _login_data(self.gateway.call("POST", GETTOKEN_PATH, self.gateway.token_request_params()))
            token, ttl = data.get("accessToken"), int(data.get("expiresIn") or ACCESS_TOKEN_TTL_S)
            if not token:
                raise LoginUnavailable("浙政钉未返回 accessToken")
            self._token = str(token)
            self._token_expires_at = self._monotonic() + max(ttl - self.token_margin_s, 0)
            return self._token

    def get_user_by_auth_code(self, auth_code: str) -> ZwdUser:
        """The user behind a micro-app's 免登 ``auth_code``; :class:`AuthCodeInvalid` for a bad code."""
        if not auth_code.strip():
            raise AuthCodeInvalid("缺少免登授权码")
        return self._user(USER_BY_AUTH_CODE_PATH, "auth_code", auth_code)

    def get_user_by_qr_code(self, code: str) -> ZwdUser:
        """The user who scanned a PC login QR code and confirmed (``code`` from the platform's redirect)."""
        if not code.strip():
            raise AuthCodeInvalid("缺少扫码登录授权码")
        return self._user(USER_BY_QR_CODE_PATH, "code", code)

    def _user(self, path: str, name: str, code: str) -> ZwdUser:
        for attempt in (1, 2):
            params = {"access_token": self.get_access_token(refresh=attempt == 2), name: code}
            try:
                data = _login_data(self.gateway.call("POST", path, params))
            except _BadToken:
                if attempt == 2:
                    raise LoginUnavailable("浙政钉两次拒绝了访问令牌") from None
                continue
            return _user_from(data)
        raise AssertionError("unreachable")


class _BadToken(Exception):
    """Raised inside :class:`MobileLogin` when the platform says the access token is invalid (240133)."""


def _login_data(answer: GatewayAnswer) -> Mapping[str, Any]:
    if answer.status is None:
        raise LoginUnavailable(f"无法连接浙政钉开放平台（{answer.network_error}）")
    body = answer.body
    if body is None or answer.status >= 300:
        raise LoginUnavailable(f"浙政钉开放平台应答异常（HTTP {answer.status}）")
    content = _content(body)
    code, message = _error_of(content if body.get("success") is True else body)
    if body.get("success") is True and content.get("success") is not False and code in (None, "0"):
        return _data(content)
    if code == PlatformCodes.BAD_AUTH_CODE:
        raise AuthCodeInvalid()
    if code == PlatformCodes.BAD_ACCESS_TOKEN:
        raise _BadToken()
    log.warning("zwd login refused: code=%s message=%s", code, message)
    raise LoginUnavailable(f"浙政钉拒绝了登录请求（{code}：{message}）")


def _user_from(data: Mapping[str, Any]) -> ZwdUser:
    account_id = data.get("accountId")
    if account_id in (None, ""):
        raise LoginUnavailable("浙政钉未返回 accountId")
    return ZwdUser(
        account_id=str(account_id),
        employee_code=str(data.get("employeeCode") or ""),
        tenant_id=str(data.get("realmId") or data.get("tenantId") or ""),
        name=str(data.get("lastName") or data.get("nickNameCn") or data.get("name") or ""),
        account=str(data["account"]) if data.get("account") else None,
    )
