"""A minimal browser for tests/e2e/test_hub.py: cookies, redirects, XSRF, JSON (standard library).

It does what a browser and JupyterLab's nbgrader extension do against a JupyterHub: log in
with the password form (its ``_xsrf`` field), follow the OAuth redirects to a user's server or
a service, and send the ``_xsrf`` cookie of the path it calls back as ``X-XSRFToken``.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass


@dataclass
class Response:
    status: int
    body: bytes
    url: str

    @property
    def text(self):
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.body)


class Browser:
    """One user's browser session on the hub at ``base`` (``http://127.0.0.1:<port>``)."""

    def __init__(self, base, name):
        self.base = base.rstrip("/")
        self.name = name
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def xsrf(self, path):
        """The ``_xsrf`` cookie that applies to ``path`` (the most specific one)."""
        best = None
        for cookie in self.jar:
            if cookie.name == "_xsrf" and path.startswith(cookie.path.rstrip("/") or "/"):
                if best is None or len(cookie.path) > len(best.path):
                    best = cookie
        return best.value if best else ""

    def request(self, method, path, *, body=None, form=None, timeout=600):
        """Send a request; 4xx and 5xx come back as a Response, never as an exception."""
        headers = {"Accept": "application/json, text/html"}
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        token = self.xsrf(path.split("?")[0])
        if token:
            headers["X-XSRFToken"] = token
        request = urllib.request.Request(self.base + path, data, headers, method=method)
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return Response(response.status, response.read(), response.url)
        except urllib.error.HTTPError as error:
            with error:
                return Response(error.code, error.read(), error.url)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def login(self, password):
        page = self.get("/hub/login")
        match = re.search(r'name="_xsrf"\s+value="([^"]+)"', page.text)
        token = match.group(1) if match else self.xsrf("/hub/login")
        response = self.post(
            "/hub/login", form={"username": self.name, "password": password, "_xsrf": token}
        )
        if "/hub/login" in urllib.parse.urlparse(response.url).path or response.status >= 400:
            raise AssertionError(f"{self.name} could not log in: {response.status} {response.url}")

    def start_server(self):
        response = self.post(f"/hub/api/users/{self.name}/server", body={})
        if response.status not in (201, 202, 400):  # 400: already running
            raise AssertionError(
                f"starting {self.name}'s server: {response.status} {response.text}"
            )

    def wait_server(self, timeout=300):
        """Wait until the hub says the server is ready, then open JupyterLab (OAuth, cookies)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            model = self.get(f"/hub/api/users/{self.name}")
            if model.status == 200:
                server = model.json().get("servers", {}).get("", {})
                if server.get("ready"):
                    break
            time.sleep(0.5)
        else:
            raise AssertionError(f"{self.name}'s server was not ready after {timeout} s")
        lab = self.get(f"/user/{self.name}/lab")
        if lab.status != 200:
            raise AssertionError(f"{self.name}'s JupyterLab: {lab.status} {lab.url}")

    def open(self, path):
        """GET ``path`` as a page (through the OAuth redirects), expecting it to work."""
        response = self.get(path)
        if response.status != 200:
            raise AssertionError(f"{self.name} GET {path}: {response.status} {response.text[:500]}")
        return response
