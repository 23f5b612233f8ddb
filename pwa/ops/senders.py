"""Sending one alert: a WeCom (企业微信) or DingTalk (钉钉) group robot's webhook, or e-mail.

Both robots take a JSON POST and answer HTTP 200 with `{"errcode": 0, "errmsg": "ok"}`; any
other status or errcode is a failed attempt, retried later. A DingTalk robot with 加签 wants
`timestamp` (ms) and `sign` on its URL: base64 of HMAC-SHA256 over "timestamp\\nsecret" keyed
with the secret, URL-encoded. E-mail goes through the server's SMTP settings (stdlib smtplib).

URLs and secrets come from the environment by the names the handbook gives; no message this
module raises contains either (they are scrubbed from anything a library says).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

# WeCom caps a markdown message at 4096 bytes, DingTalk at about 20,000
WECOM_MAX_BYTES = 4000
DINGTALK_MAX_BYTES = 18000
MAX_ANSWER_BYTES = 64 * 1024


class SendError(Exception):
    """An attempt failed; the message is safe to store and show (no URL, no secret)."""


@dataclass(frozen=True)
class Message:
    channel: str
    target: str  # the URL's variable name, or the recipients joined by ", "
    secret_env: str | None
    title: str
    body: str  # plain lines


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int = 25
    user: str = ""
    password: str = ""
    sender: str = ""  # From:
    security: str = ""  # "", "starttls" or "ssl"
    timeout: float = 10

    @classmethod
    def from_config(cls, config: Mapping) -> Smtp | None:
        host = str(config.get("SMTP_HOST") or "")
        if not host:
            return None
        return cls(
            host=host,
            port=int(config.get("SMTP_PORT") or 25),
            user=str(config.get("SMTP_USER") or ""),
            password=str(config.get("SMTP_PASSWORD") or ""),
            sender=str(config.get("SMTP_FROM") or f"dutybook@{host}"),
            security=str(config.get("SMTP_SECURITY") or ""),
            timeout=float(config.get("ALERTS_TIMEOUT_SECONDS") or 10),
        )


def _clip(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", "ignore") + "…"


def wecom_payload(title: str, body: str) -> dict:
    content = f"**{title}**\n" + body
    return {"msgtype": "markdown", "markdown": {"content": _clip(content, WECOM_MAX_BYTES)}}


def dingtalk_payload(title: str, body: str) -> dict:
    # DingTalk's markdown joins single newlines: a blank line between lines keeps them apart
    text = f"#### {title}\n\n" + "\n\n".join(body.splitlines())
    return {
        "msgtype": "markdown",
        "markdown": {"title": title, "text": _clip(text, DINGTALK_MAX_BYTES)},
    }


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """The `sign` parameter for a DingTalk robot with 加签, URL-encoded."""
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode("ascii"))


def signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    joiner = "&" if urllib.parse.urlsplit(url).query else "?"
    return f"{url}{joiner}timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text[:400]


def post_json(url: str, payload: dict, timeout: float, secrets: list[str]) -> None:
    """POST `payload` to a robot; raise SendError unless it answers errcode 0."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise SendError("the webhook URL must start with https:// (or http://)")
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = response.read(MAX_ANSWER_BYTES)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise SendError(f"HTTP {exc.code}") from None
    except TimeoutError:
        raise SendError(f"no answer within {timeout:g} s") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise SendError(f"no answer within {timeout:g} s") from None
        raise SendError(_scrub(f"unreachable: {exc.reason}", secrets)) from None
    except OSError as exc:
        raise SendError(_scrub(f"connection failed: {exc}", secrets)) from None
    try:
        said = json.loads(answer)
    except ValueError:
        raise SendError("the robot's answer is not JSON") from None
    code = said.get("errcode") if isinstance(said, dict) else None
    if code != 0:
        raise SendError(_scrub(f"errcode {code}: {said.get('errmsg', '')}", secrets))


def send_email(smtp: Smtp, to: list[str], title: str, body: str) -> None:
    message = EmailMessage()
    message["Subject"] = title
    message["From"] = smtp.sender
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="dutybook")
    message.set_content(body)
    secrets = [smtp.password]
    try:
        if smtp.security == "ssl":
            client = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=smtp.timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        with client:
            if smtp.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if smtp.user:
                client.login(smtp.user, smtp.password)
            refused = client.send_message(message)
    except TimeoutError:
        raise SendError(f"the mail server did not answer within {smtp.timeout:g} s") from None
    except smtplib.SMTPResponseException as exc:
        raise SendError(_scrub(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", secrets)) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise SendError(_scrub(f"SMTP failed: {exc}", secrets)) from None
    if refused:
        raise SendError(f"refused recipients: {', '.join(sorted(refused))}")


def send(message: Message, env: Mapping[str, str], smtp: Smtp | None, timeout: float) -> None:
    """Deliver one message now, or raise SendError saying why not."""
    if message.channel == "email":
        if smtp is None:
            raise SendError("no mail server: set DUTYBOOK_SMTP_HOST")
        to = [a.strip() for a in message.target.split(",") if a.strip()]
        send_email(smtp, to, message.title, message.body)
        return
    url = env.get(message.target, "")
    if not url:
        raise SendError(f"environment variable {message.target} is not set")
    secrets = [url, urllib.parse.urlsplit(url).query]
    if message.channel == "wecom":
        post_json(url, wecom_payload(message.title, message.body), timeout, secrets)
        return
    if message.secret_env:
        secret = env.get(message.secret_env, "")
        if not secret:
            raise SendError(f"environment variable {message.secret_env} is not set")
        secrets.append(secret)
        # DingTalk checks the timestamp against its own clock: the machine's, not the app's
        url = signed_url(url, secret, int(time.time() * 1000))
    post_json(url, dingtalk_payload(message.title, message.body), timeout, secrets)
