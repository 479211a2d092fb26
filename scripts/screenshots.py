"""Screenshots of the running demo (`make demo`), as a demo user sees it in zh_CN.

    python scripts/screenshots.py [--url http://localhost:8069] [--out DIR]

Logs in over HTTP, hands the session to headless Chromium through the DevTools protocol and
captures each page of PAGES once its content is drawn. Used for the add-ons' description
pages; run it again after a change to the views.
"""

import argparse
import base64
import json
import pathlib
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse

import requests
import websocket

ROOT = pathlib.Path(__file__).resolve().parents[1]
# (file, login, path, CSS selector that is there once the page is drawn)
PAGES = [
    (
        "fapiao_list.png",
        "kaipiao",
        "/odoo/action-tax_gateway.tax_fapiao_action?view_type=list",
        ".o_list_view .o_data_row",
    ),
    (
        "fapiao_kanban.png",
        "kaipiao",
        "/odoo/action-tax_gateway.tax_fapiao_action?view_type=kanban",
        ".o_kanban_record",
    ),
    (
        "fapiao_form.png",
        "kaipiao",
        "/odoo/action-tax_gateway.tax_fapiao_action/{fapiao}",
        ".o_form_view",
    ),
    (
        "platform_dashboard.png",
        "caiwu",
        "/odoo/action-tax_gateway.tax_gateway_platform_dashboard_action",
        ".o_tax_gateway_chart:nth-child(4) canvas",
    ),
    ("red_letters.png", "caiwu", "/odoo/action-tax_gateway.tax_red_form_action", ".o_data_row"),
    ("fapiao_preview.png", "kaipiao", "/report/html/tax_gateway.report_fapiao/{fapiao}", "table"),
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    def __init__(self, width=1440, height=900):
        self.port = free_port()
        self.profile = tempfile.mkdtemp(prefix="fapiao-shots-")
        binary = shutil.which("chromium") or shutil.which("chromium-browser") or "chromium"
        self.proc = subprocess.Popen(
            [
                binary,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--lang=zh-CN",
                f"--window-size={width},{height}",
                f"--remote-debugging-port={self.port}",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                pages = requests.get(f"http://127.0.0.1:{self.port}/json", timeout=1).json()
                target = next(page for page in pages if page["type"] == "page")
                break
            except (requests.RequestException, StopIteration):
                time.sleep(0.1)
        else:
            raise RuntimeError("Chromium did not start")
        self.ws = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=30)
        self.ids = 0

    def send(self, method, **params):
        self.ids += 1
        self.ws.send(json.dumps({"id": self.ids, "method": method, "params": params}))
        while True:
            answer = json.loads(self.ws.recv())
            if answer.get("id") == self.ids:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})

    def evaluate(self, expression):
        return self.send("Runtime.evaluate", expression=expression, returnByValue=True)[
            "result"
        ].get("value")

    def shoot(self, url, ready, cookie, path, timeout=30):
        host = urllib.parse.urlparse(url).hostname
        self.send("Network.enable")
        self.send("Network.setCookie", name="session_id", value=cookie, domain=host, path="/")
        self.send("Page.navigate", url=url)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.evaluate(f"!!document.querySelector({json.dumps(ready)})"):
                break
            time.sleep(0.3)
        else:
            raise RuntimeError(f"{url}: {ready} not drawn in {timeout} s")
        time.sleep(1.5)  # charts and fonts settle
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self):
        self.ws.close()
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)


def login(url, db, user):
    session = requests.Session()
    answer = session.post(
        f"{url}/web/session/authenticate",
        json={"jsonrpc": "2.0", "params": {"db": db, "login": user, "password": user}},
        timeout=30,
    )
    answer.raise_for_status()
    if answer.json().get("error"):
        raise RuntimeError(f"{user}: {answer.json()['error']['data']['message']}")
    return session


def an_issued_fapiao(session, url):
    answer = session.post(
        f"{url}/web/dataset/call_kw/tax.fapiao/search",
        json={
            "jsonrpc": "2.0",
            "params": {
                "model": "tax.fapiao",
                "method": "search",
                "args": [[["state", "=", "partially_reversed"]]],
                "kwargs": {"limit": 1},
            },
        },
        timeout=30,
    ).json()
    ids = answer.get("result") or []
    if not ids:
        raise RuntimeError("no issued fapiao: play the demo's working day first (make demo)")
    return ids[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", default="fapiao_demo")
    parser.add_argument("--out", default=str(ROOT / "addons/tax_gateway/static/description"))
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sessions = {}
    browser = Browser()
    try:
        for name, user, path, ready in PAGES:
            session = sessions.get(user) or sessions.setdefault(
                user, login(args.url, args.db, user)
            )
            fapiao = an_issued_fapiao(session, args.url)
            target = args.url + path.format(fapiao=fapiao)
            browser.shoot(target, ready, session.cookies["session_id"], out / name)
            print(out / name)
    finally:
        browser.close()


if __name__ == "__main__":
    main()
