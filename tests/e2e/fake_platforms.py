"""A fake Telegram Bot API, Facebook Graph send API and WhatsApp Cloud API on loopback that records
what the bot sends (WhatsApp: every request, with its Authorization header)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


def telegram_env(url: str, bot: str, token: str, secret: str) -> dict[str, str]:
    """The environment that turns Rasa's Telegram channel on against the fake platform at ``url``."""
    return {
        "TELEGRAM_ACCESS_TOKEN": token,
        "TELEGRAM_BOT_NAME": bot,
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.invalid/webhooks/telegram/webhook",
        "TELEGRAM_SECRET_TOKEN": secret,
        "TELEGRAM_API_URL": url,
    }


def facebook_env(url: str, verify: str, secret: str, token: str) -> dict[str, str]:
    """The environment that turns Rasa's Facebook channel on against the fake Graph API at ``url``."""
    return {"FACEBOOK_VERIFY_TOKEN": verify, "FACEBOOK_APP_SECRET": secret, "FACEBOOK_PAGE_ACCESS_TOKEN": token,
            "FACEBOOK_GRAPH_URL": url + "/graph"}  # fmt: skip


def whatsapp_env(url: str, token: str, secret: str, verify: str, phone_number_id: str) -> dict[str, str]:
    """The environment that turns the WhatsApp channel on against the fake Graph API at ``url``."""
    return {
        "WHATSAPP_ACCESS_TOKEN": token,
        "WHATSAPP_APP_SECRET": secret,
        "WHATSAPP_VERIFY_TOKEN": verify,
        "WHATSAPP_PHONE_NUMBER_ID": phone_number_id,
        "WHATSAPP_API_URL": url + "/wa/v21.0",
        "WHATSAPP_RETRY_S": "0.2",
    }


class FakePlatforms:
    def __init__(self, bot_username: str) -> None:
        self.bot_username = bot_username
        self.telegram: list[dict[str, Any]] = []  # {"method", "token", "params"}
        self.facebook: list[dict[str, Any]] = []  # {"access_token", "body"}
        self.whatsapp: list[dict[str, Any]] = []  # {"path", "authorization", "body", "status"}
        # the answers to the next WhatsApp requests instead of success: (HTTP status, JSON body)
        self.whatsapp_failures: list[tuple[int, dict[str, Any]]] = []
        self.set_webhook_failures = 0  # setWebhook calls still to be refused (Telegram's 502)
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                url = urlparse(self.path)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if url.path.startswith("/bot"):
                    token, _, method = url.path[len("/bot") :].partition("/")
                    self.reply(fake.on_telegram(token, method, self.params(raw)))
                elif url.path.startswith("/wa/"):
                    auth = self.headers.get("Authorization", "")
                    status, body = fake.on_whatsapp(url.path, auth, json.loads(raw or b"{}"))
                    self.reply(body, status)
                elif url.path.rstrip("/").endswith("/me/messages"):
                    token = parse_qs(url.query).get("access_token", [""])[0]
                    self.reply(fake.on_facebook(token, json.loads(raw or b"{}")))
                else:
                    self.reply({"ok": True, "result": True})

            def params(self, raw: bytes) -> dict[str, Any]:
                kind = self.headers.get("Content-Type", "")
                if "json" in kind:
                    return dict(json.loads(raw or b"{}"))
                return {k: v[0] for k, v in parse_qs(raw.decode("utf-8")).items()}

            def reply(self, body: dict[str, Any], status: int | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status or int(body.get("error_code", 200)))
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def on_telegram(self, token: str, method: str, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.telegram.append({"method": method, "token": token, "params": params})
        if method == "setWebhook" and self.set_webhook_failures > 0:
            self.set_webhook_failures -= 1
            return {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        if method == "getMe":
            return {"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "Bot", "username": self.bot_username}}
        if method == "sendMessage":
            chat = {"id": int(params.get("chat_id", 0)), "type": "private"}
            message = {"message_id": len(self.telegram), "date": int(time.time()), "chat": chat, "text": params["text"]}
            return {"ok": True, "result": message}
        return {"ok": True, "result": True}

    def on_facebook(self, token: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.facebook.append({"access_token": token, "body": body})
        return {"recipient_id": body.get("recipient", {}).get("id"), "message_id": f"mid.{len(self.facebook)}"}

    def on_whatsapp(self, path: str, authorization: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            status, answer = self.whatsapp_failures.pop(0) if self.whatsapp_failures else (200, {})
            self.whatsapp.append({"path": path, "authorization": authorization, "body": body, "status": status})
            count = len(self.whatsapp)
        if status != 200:
            return status, answer
        contact = {"input": body.get("to"), "wa_id": body.get("to")}
        return 200, {"messaging_product": "whatsapp", "contacts": [contact], "messages": [{"id": f"wamid.out{count}"}]}

    def whatsapp_sent(self, to: str) -> list[dict[str, Any]]:
        """The messages the platform took for ``to`` (refused attempts left out)."""
        with self.lock:
            return [c["body"] for c in self.whatsapp if c["body"].get("to") == to and c["status"] == 200]

    def telegram_sent(self, chat_id: int) -> list[dict[str, Any]]:
        with self.lock:
            return [
                c["params"]
                for c in self.telegram
                if c["method"] == "sendMessage" and str(c["params"].get("chat_id")) == str(chat_id)
            ]

    def facebook_sent(self, user_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [
                c["body"]["message"]
                for c in self.facebook
                if c["body"].get("recipient", {}).get("id") == user_id and "message" in c["body"]
            ]

    def close(self) -> None:
        self.server.shutdown()


def wait_for(condition: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    return condition()
