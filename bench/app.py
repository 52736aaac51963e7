#!/usr/bin/env python3
"""The member app's first load (issue 18, `bench/run.py --app`).

    python3 bench/run.py --app          # builds, then this part alone, with its report
    python3 bench/app.py                # the same on the existing target/release/preau

Target: "first load of the course and exercise pages ≤ 300 KB transferred, every asset
cached by hash or ETag, text compressed."

What it does, with the pieces of bench/run.py (the release binary, the server):
  * starts Préau on a fresh temporary directory on 127.0.0.1 and publishes what
    tests/app_browser.rs publishes (`publish_content`): a language, an approved course whose
    Markdown holds a fenced Python block, an approved Python exercise with input/output tests;
    the harness's member signs in (the refresh cookie, as a browser keeps it);
  * loads `/courses/{id}` and `/exercises/{id}` as a browser with an empty cache would,
    `Accept-Encoding: br, gzip`: the page; every stylesheet, script and module preload it
    names; the modules those import (`import … from "…"`, `export … from "…"`,
    `import("…")`), the `import(`…${x}`)` of the page module and of the editor's language
    resolved with the tables of the modules themselves (main.js's `ROUTES`, exercise.js's
    `MODES`), highlight.js only when the page's Markdown holds a highlighted block (rich.js);
    what the stylesheets load (`@import`, `url(…)`); and the API calls the shell and the page
    module make (`shell_calls`, `course_calls`, `exercise_calls`, read off static/app/js);
  * counts the bytes of each body as received (compressed: `Content-Length`, else the length
    read), and the response headers apart;
  * checks every answer: 200 (else "missing"), a module or stylesheet of the right type, a text
    body of 1 KB or more compressed (`Content-Encoding`), and every asset and the page
    cacheable: a URL carrying a content hash with `immutable` or a max-age of 30 days or more,
    or an `ETag` that `If-None-Match` answers 304. API answers are data, fetched by the app with
    `cache: 'no-store'`: their bytes count, their compression is checked, not their caching.

Python 3.11 standard library only; loopback only; the server is stopped at the end.
"""

from __future__ import annotations

import gzip
import html.parser
import http.client
import http.cookies
import json
import re
import shutil
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402  (bench/run.py: the shared harness)

BUDGET_BYTES = 300 * 1024  # the 300 KB, read as KiB like tests/app_browser.rs does
COMPRESS_MIN = 1024  # a text body this long or longer must come compressed
LONG_MAX_AGE = 30 * 24 * 3600  # "cached by hash": immutable, or at least 30 days
ACCEPT_BR = "br, gzip"
ACCEPT_GZIP = "gzip, deflate"  # what Chromium sends on plain HTTP (the browser test's case)
TIMING_HEADER = 300  # Resource Timing's transferSize: encoded body + 300 B (Chromium too)

# What tests/app_browser.rs publishes (publish_content and IO_TESTS).
COURSE_MARKDOWN = "A **loop** repeats.\n\n```python\nfor i in range(3):\n    print(i)\n```\n"
IO_TESTS = [
    {"input": "2 3\n", "expected_output": "5\n", "weight": 1, "hidden": False},
    {"input": "1 1 1\n", "expected_output": "3\n", "weight": 1, "hidden": True},
]

HEX_SEGMENT = re.compile(r"(?:^|[/.-])[0-9a-f]{8,}(?:[/.-]|$)")
BUNDLE_HASH = re.compile(r"-[0-9A-Z]{8,}\.(?:m?js|css)$")  # esbuild's chunk-WZSRGQAM.js
STATIC_IMPORT = re.compile(
    r"""\b(?:import|export)\s*(?:[\w*{}$\s,]*?\bfrom\s*)?["']([^"'\n]+)["']""")
DYNAMIC_LITERAL = re.compile(r"""\bimport\s*\(\s*(["'`])([^"'`$\n]+)\1\s*\)""")
DYNAMIC_TEMPLATE = re.compile(r"""\bimport\s*\(\s*`([^`$]*)\$\{[^}]*\}([^`]*)`\s*\)""")
CSS_URL = re.compile(r"""(?:@import\s+|url\()\s*["']?([^"')\s;]+)""")
ROUTE_ROW = re.compile(r"""\[\s*'(/[^']*)'\s*,\s*'([\w-]+\.js)'\s*,\s*'([\w-]+)'\s*\]""")
MODE_ROW = re.compile(r"""\[\s*/((?:\\/|[^/\n])+)/([a-z]*)\s*,\s*'([\w.-]+\.js)'\s*\]""")
HIGHLIGHTED = re.compile(r"""<code[^>]*class="[^"]*language-""")
# A literal dynamic import followed only when the page needs it: rich.js loads highlight.js
# only for a `pre code[class*="language-"]` in the Markdown it renders.
CONDITIONAL = {"/vendor/highlight/highlight.js": "code_block"}


@dataclass
class Asset:
    url: str
    kind: str  # "page", "style", "script", "module", "other", "api"
    status: int = 0
    content_type: str = ""
    encoding: str = ""  # Content-Encoding, "" for none
    wire_bytes: int = 0  # the body as received (compressed)
    header_bytes: int = 0  # the status line and response headers
    body_bytes: int = 0  # the identity body (uncompressed)
    cache_control: str = ""
    etag: str = ""
    cache: str = ""  # "hash + immutable", "ETag → 304", "n/a (API, no-store)", "no"
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return re.sub(r"^/assets/[0-9a-f]+/", "/assets/…/", self.url)


@dataclass
class PageLoad:
    name: str
    path: str
    accept: str
    assets: list[Asset] = field(default_factory=list)

    @property
    def wire_bytes(self) -> int:
        return sum(a.wire_bytes for a in self.assets)

    @property
    def header_bytes(self) -> int:
        return sum(a.header_bytes for a in self.assets)

    @property
    def body_bytes(self) -> int:
        return sum(a.body_bytes for a in self.assets)

    def failures(self) -> list[str]:
        out = [f"{self.name} page: {a.name}: {p}" for a in self.assets for p in a.problems]
        if self.wire_bytes > BUDGET_BYTES:
            out.append(f"{self.name} page: {self.wire_bytes / 1024:.1f} KB transferred, over "
                       f"the {BUDGET_BYTES // 1024} KB budget")
        return out


@dataclass
class AppResult:
    pages: list[PageLoad]  # with Accept-Encoding: br, gzip (the figure)
    gzip_pages: list[PageLoad]  # with gzip only, as Chromium on plain HTTP (the browser test)
    version: str = ""

    def failures(self) -> list[str]:
        return [f for p in self.pages for f in p.failures()]

    def met(self) -> bool:
        return not self.failures()


# --------------------------------------------------------------------------------------------
# HTTP


class Client:
    """One keep-alive connection to the server, the refresh cookie and the access token of a
    browser tab. Bodies are read as they come: http.client decodes no Content-Encoding."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection(bench.HOST, port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.token = ""

    def close(self) -> None:
        self.conn.close()

    def fetch(self, method: str, path: str, *, accept_encoding: str | None = None,
              headers: dict[str, str] | None = None, body: object = None
              ) -> tuple[http.client.HTTPResponse, bytes, int]:
        """(response, raw body, bytes of the status line and headers)."""
        h = dict(headers or {})
        if accept_encoding is not None:
            h["Accept-Encoding"] = accept_encoding
        else:
            h["Accept-Encoding"] = "identity"
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers=h)
                r = self.conn.getresponse()
                raw = r.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(bench.HOST, self.port, timeout=30)
                if attempt:
                    raise
        for value in r.headers.get_all("Set-Cookie") or []:
            jar = http.cookies.SimpleCookie()
            jar.load(value)
            for k, morsel in jar.items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[k] = morsel.value
                else:
                    self.cookies.pop(k, None)
        head = len(f"HTTP/1.1 {r.status} {r.reason}\r\n") + 2
        head += sum(len(k) + len(v) + 4 for k, v in r.getheaders())
        return r, raw, head


def is_text(content_type: str) -> bool:
    ct = content_type.split(";")[0].strip().lower()
    return ct.startswith("text/") or any(s in ct for s in ("javascript", "json", "svg", "xml"))


def decoded(raw: bytes, encoding: str) -> bytes | None:
    if not encoding:
        return raw
    if encoding in ("gzip", "x-gzip"):
        return gzip.decompress(raw)
    return None  # brotli: no decoder in the standard library


def max_age(cache_control: str) -> int:
    m = re.search(r"max-age=(\d+)", cache_control)
    return int(m.group(1)) if m else 0


def hashed_url(url: str) -> bool:
    path = urllib.parse.urlsplit(url).path
    return bool(HEX_SEGMENT.search(path) or BUNDLE_HASH.search(path))


# --------------------------------------------------------------------------------------------
# one page, as a browser with an empty cache


class _Refs(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[tuple[str, str]] = []  # (kind, url)

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        rel = a.get("rel", "").lower().split()
        if tag == "link" and a.get("href"):
            if "stylesheet" in rel:
                self.refs.append(("style", a["href"]))
            elif "modulepreload" in rel:
                self.refs.append(("module", a["href"]))
            elif {"icon", "preload", "manifest", "apple-touch-icon"} & set(rel):
                self.refs.append(("other", a["href"]))
        elif tag == "script" and a.get("src"):
            self.refs.append(("module" if a.get("type") == "module" else "script", a["src"]))
        elif tag in ("img", "source") and a.get("src"):
            self.refs.append(("other", a["src"]))


def route_module(js: str, page_path: str) -> str | None:
    """main.js's `ROUTES` table: the page module of a path (its `match`)."""
    parts = [p for p in page_path.rstrip("/").split("/") if p]
    for pattern, module, _name in ROUTE_ROW.findall(js):
        want = [p for p in pattern.split("/") if p]
        if len(want) == len(parts) and all(w.startswith(":") or w == p
                                            for w, p in zip(want, parts)):
            return module
    return None


def mode_module(js: str, language: str) -> str | None:
    """exercise.js's `MODES` table: the editor's language module (its `modeFor`)."""
    for source, flags, module in MODE_ROW.findall(js):
        try:
            pattern = re.compile(source.replace("\\/", "/"), re.I if "i" in flags else 0)
        except re.error:
            continue
        if pattern.search(language.strip()):
            return module
    return None


class PageCrawler:
    def __init__(self, port: int, cookies: dict[str, str], me: dict, accept: str):
        self.client = Client(port)
        self.client.cookies = dict(cookies)
        self.me = me
        self.accept = accept
        self.plain = Client(port)  # identity bodies, to read what the page loads (not counted)

    def close(self) -> None:
        self.client.close()
        self.plain.close()

    # ----------------------------------------------------------------- one answer, checked

    def get(self, url: str, kind: str, *, method: str = "GET", body: object = None
            ) -> tuple[Asset, bytes | None]:
        """Fetches `url` as the browser would and checks it; returns the asset and its
        identity body (None when it is missing)."""
        headers = {}
        if kind == "api":
            headers["Accept"] = "application/json"
            if self.client.token:
                headers["Authorization"] = f"Bearer {self.client.token}"
        r, raw, head = self.client.fetch(method, url, accept_encoding=self.accept,
                                         headers=headers, body=body)
        a = Asset(url=url, kind=kind, status=r.status,
                  content_type=r.getheader("Content-Type", ""),
                  encoding=(r.getheader("Content-Encoding") or "").strip().lower(),
                  wire_bytes=len(raw), header_bytes=head,
                  cache_control=r.getheader("Cache-Control", ""), etag=r.getheader("ETag", ""))
        length = r.getheader("Content-Length")
        if length is not None and int(length) != len(raw):
            a.problems.append(f"Content-Length {length}, {len(raw)} bytes received")
        if r.status != 200:
            a.problems.append(f"missing: HTTP {r.status}")
            return a, None
        if a.encoding in ("", "identity"):
            a.encoding = ""
            plain = raw
        else:
            # The identity body, to measure and to read (brotli cannot be decoded here).
            check = decoded(raw, a.encoding)
            if method == "GET":
                pr, plain, _ = self.plain.fetch("GET", url, headers=headers)
                if pr.status != 200:
                    plain = check or b""
                if check is not None and kind != "api" and check != plain:
                    a.problems.append(f"the {a.encoding} body does not decode to the file")
            else:
                plain = check if check is not None else b""
            if a.encoding not in ("gzip", "x-gzip", "br", "zstd", "deflate"):
                a.problems.append(f"unknown Content-Encoding {a.encoding!r}")
            if "accept-encoding" not in (r.getheader("Vary") or "").lower():
                a.notes.append("compressed without `Vary: Accept-Encoding`")
        a.body_bytes = len(plain)
        if is_text(a.content_type) and not a.encoding and a.body_bytes >= COMPRESS_MIN:
            a.problems.append(f"uncompressed text ({a.body_bytes} B of {a.content_type})")
        ct = a.content_type.split(";")[0].strip().lower()
        if kind in ("module", "script") and "javascript" not in ct:
            a.problems.append(f"a script served as {a.content_type or 'no type'}")
        if kind == "style" and ct != "text/css":
            a.problems.append(f"a stylesheet served as {a.content_type or 'no type'}")
        if kind == "api":
            a.cache = "n/a (API, no-store)"
        else:
            a.cache = self.cache_verdict(a, headers)
            if a.cache == "no":
                a.problems.append(f"uncacheable (Cache-Control {a.cache_control!r}, "
                                  f"ETag {a.etag or 'none'})")
        return a, plain

    def cache_verdict(self, a: Asset, headers: dict[str, str]) -> str:
        long_lived = "immutable" in a.cache_control or max_age(a.cache_control) >= LONG_MAX_AGE
        if hashed_url(a.url) and long_lived and "no-store" not in a.cache_control:
            verdict = "hash + immutable" if "immutable" in a.cache_control else "hash + max-age"
            if a.etag:  # both: say whether the revalidation works too
                verdict += " (+ ETag → 304)" if self.revalidates(a, headers) else ""
            return verdict
        if a.etag and "no-store" not in a.cache_control and self.revalidates(a, headers):
            return "ETag → 304"
        return "no"

    def revalidates(self, a: Asset, headers: dict[str, str]) -> bool:
        r, raw, _ = self.plain.fetch("GET", a.url, accept_encoding=self.accept,
                                     headers={**headers, "If-None-Match": a.etag})
        return r.status == 304 and not raw

    def json_of(self, add, url: str, **kw):
        """Fetches an API URL (counted) and returns its JSON (from the identity body)."""
        body = add(url, "api", **kw)
        try:
            return json.loads(body) if body else None
        except ValueError:
            return None

    # ----------------------------------------------------------------- the page

    def load(self, name: str, path: str, api_calls) -> PageLoad:
        page = PageLoad(name=name, path=path, accept=self.accept)
        seen: set[str] = set()

        def add(url: str, kind: str, **kw) -> bytes | None:
            a, body = self.get(url, kind, **kw)
            page.assets.append(a)
            return body

        html_body = add(path, "page")
        if html_body is None:
            return page
        # The API calls of the shell and the page (the app starts them once main.js runs;
        # their order does not change the bytes). Their answers say what the page loads next.
        context = {"path": path, "language": "", "code_block": False}
        api_calls(self, add, context)
        refs = _Refs()
        refs.feed(html_body.decode("utf-8", errors="replace"))
        queue = [(kind, urllib.parse.urljoin(path, u)) for kind, u in refs.refs
                 if not u.startswith("data:")]
        while queue:
            kind, url = queue.pop(0)
            url = urllib.parse.urldefrag(url)[0]
            if url in seen or urllib.parse.urlsplit(url).netloc:
                if urllib.parse.urlsplit(url).netloc:
                    page.assets.append(Asset(url=url, kind=kind,
                                             problems=["another origin: not measured"]))
                continue
            seen.add(url)
            body = add(url, kind)
            if body is None:
                continue
            text = body.decode("utf-8", errors="replace")
            if kind in ("module", "script"):
                queue += [("module", urllib.parse.urljoin(url, s))
                          for s in self.imports(url, text, context, page)]
            elif kind == "style":
                queue += [("other" if not u.endswith(".css") else "style",
                           urllib.parse.urljoin(url, u))
                          for u in CSS_URL.findall(text) if not u.startswith("data:")]
        return page

    def imports(self, url: str, js: str, context: dict, page: PageLoad) -> list[str]:
        out = [s for s in STATIC_IMPORT.findall(js) if s.startswith(("./", "../", "/"))]
        for _q, spec in DYNAMIC_LITERAL.findall(js):
            if not spec.startswith(("./", "../", "/")):
                continue
            target = urllib.parse.urljoin(url, spec)
            flag = next((f for suffix, f in CONDITIONAL.items() if target.endswith(suffix)), None)
            if flag is None or context.get(flag):
                out.append(spec)
        for prefix, suffix in DYNAMIC_TEMPLATE.findall(js):
            if ROUTE_ROW.search(js):
                module = route_module(js, context["path"])
                if module is None:
                    page.assets.append(Asset(url=url, kind="module", problems=[
                        f"no route of {url.rsplit('/', 1)[1]} for {context['path']}"]))
                    continue
                out.append(prefix + module + suffix)
            elif MODE_ROW.search(js):
                module = mode_module(js, context["language"])
                if module:  # no language, or an unknown one: the editor loads none
                    out.append(prefix + module + suffix)
            else:
                page.assets.append(Asset(url=url, kind="module", problems=[
                    f"a dynamic import `{prefix}${{…}}{suffix}` this bench cannot resolve: "
                    "teach bench/app.py its table"]))
        return out


# --------------------------------------------------------------------------------------------
# the API calls of the pages (read off static/app/js: main.js, api.js, lists.js, people.js,
# pages/course.js, pages/exercise.js); the member is not staff


def shell_calls(crawler: PageCrawler, add) -> None:
    """main.js at start: `api.resume()` (refresh cookie → token, then /me), the unread count,
    and `isTeacher()` (a member who is not staff: has it authored a course, an exercise?)."""
    crawler.client.token = ""
    refreshed = crawler.json_of(add, "/api/v1/auth/refresh", method="POST", body={}) or {}
    crawler.client.token = refreshed.get("token", "")
    me = crawler.json_of(add, "/api/v1/me") or {}
    add("/api/v1/notifications/unread", "api")
    mid = me.get("id", crawler.me.get("id"))
    add(f"/api/v1/courses?author={mid}&limit=1", "api")
    add(f"/api/v1/exercises?author={mid}&limit=1", "api")


def course_calls(course_id: int):
    def calls(crawler: PageCrawler, add, context: dict) -> None:
        shell_calls(crawler, add)
        course = crawler.json_of(add, f"/api/v1/courses/{course_id}") or {}
        context["code_block"] |= bool(HIGHLIGHTED.search(course.get("content_html") or ""))
        if course.get("account_id"):
            add(f"/api/v1/accounts/{course['account_id']}", "api")  # authorName
        add(f"/api/v1/exercises?limit=20&course={course_id}", "api")
        talk = crawler.json_of(add, f"/api/v1/courses/{course_id}/comments?limit=100") or {}
        context["code_block"] |= any(HIGHLIGHTED.search(c.get("content_html") or "")
                                     for c in talk.get("items", []))
    return calls


def exercise_calls(exercise_id: int):
    def calls(crawler: PageCrawler, add, context: dict) -> None:
        shell_calls(crawler, add)
        mid = crawler.me.get("id")
        ex = crawler.json_of(add, f"/api/v1/exercises/{exercise_id}") or {}
        course = crawler.json_of(add, f"/api/v1/courses/{ex.get('course_id')}") or {}
        add("/api/v1/locales?limit=100", "api")  # referenceData
        languages = crawler.json_of(add, "/api/v1/languages?limit=100") or {}
        context["language"] = ex.get("runner") or next(
            (l.get("name", "") for l in languages.get("items", [])
             if l.get("id") == course.get("language_id")), "")
        context["code_block"] |= bool(HIGHLIGHTED.search(ex.get("instruction_html") or ""))
        mine = crawler.json_of(add, f"/api/v1/attempts?exercise={exercise_id}&author={mid}"
                                    "&limit=1") or {}
        attempt = (mine.get("items") or [None])[0]
        if attempt:
            add(f"/api/v1/attempts/{attempt['id']}/code?limit=50", "api")
        add(f"/api/v1/grades?exercise={exercise_id}&account={mid}&limit=20", "api")
        if attempt:
            add(f"/api/v1/runs?attempt={attempt['id']}&limit=20", "api")
        talk = crawler.json_of(add, f"/api/v1/exercises/{exercise_id}/comments?limit=100") or {}
        context["code_block"] |= any(HIGHLIGHTED.search(c.get("content_html") or "")
                                     for c in talk.get("items", []))
    return calls


# --------------------------------------------------------------------------------------------
# the part


def publish(base: str, admin: str) -> tuple[int, int]:
    """tests/app_browser.rs's publish_content: a language, an approved course with a fenced
    Python block, an approved Python exercise with tests."""
    e, r = bench.expect, bench.request
    language = e(r("POST", base + "/api/v1/languages", {"name": "Python"}, admin),
                 (201,), "language")["id"]
    course = e(r("POST", base + "/api/v1/courses", {
        "title": "Loops in Python", "language_id": language, "content": COURSE_MARKDOWN},
        admin), (201,), "course")["id"]
    e(r("PUT", f"{base}/api/v1/courses/{course}/validation", {"approved": True}, admin),
      (200,), "course validation")
    exercise = e(r("POST", base + "/api/v1/exercises", {
        "course_id": course, "title": "Sum of a line", "grade_max": 10,
        "instruction": "Read numbers on one line and print their sum.",
        "runner": "python", "io_tests": json.dumps(IO_TESTS)}, admin), (201,), "exercise")["id"]
    e(r("PUT", f"{base}/api/v1/exercises/{exercise}/validation", {"approved": True}, admin),
      (200,), "exercise validation")
    return course, exercise


def first_load(binary: Path, keep: bool = False) -> AppResult:
    """Starts Préau on a temporary directory, publishes a course and an exercise, and measures
    the first load of their pages (see the module's docstring)."""
    work = Path(tempfile.mkdtemp(prefix="preau-bench-app-"))
    pre = bench.Preau(binary, work)
    try:
        pre.setup()
        pre.server.start()
        b = pre.base
        admin = pre.admin_login()
        course, exercise = publish(b, admin)
        # The member signs in once (the sign-in page): the browser keeps the refresh cookie,
        # and every first load below starts from it, as a reload does.
        signin = Client(pre.port)
        r, raw, _ = signin.fetch("POST", "/api/v1/auth/login",
                                 body={"login": bench.MEMBER_NAME, "password": bench.PASSWORD})
        if r.status != 200 or not signin.cookies:
            raise RuntimeError(f"member sign-in: HTTP {r.status}, cookies {list(signin.cookies)}: "
                               f"{raw[:300]!r}")
        token = json.loads(raw)["token"]
        me = bench.expect(bench.request("GET", b + "/api/v1/me", token=token), (200,), "me")
        cookies = signin.cookies
        signin.close()

        pages = [("course", f"/courses/{course}", course_calls(course)),
                 ("exercise", f"/exercises/{exercise}", exercise_calls(exercise))]

        def measure(accept: str) -> list[PageLoad]:
            nonlocal cookies
            out = []
            for name, path, calls in pages:
                crawler = PageCrawler(pre.port, cookies, me, accept)
                try:
                    out.append(crawler.load(name, path, calls))
                    cookies = crawler.client.cookies  # the refresh rotated the cookie
                finally:
                    crawler.close()
            return out

        # Brotli is prepared on a thread after the start (gzip until then): measure again
        # while any compressible asset still comes as gzip, for up to 30 s.
        deadline = time.monotonic() + 30
        while True:
            br_pages = measure(ACCEPT_BR)
            late = [a.name for p in br_pages for a in p.assets
                    if a.kind != "api" and a.encoding == "gzip"]
            if not late or time.monotonic() > deadline:
                for p in br_pages:
                    for a in p.assets:
                        if a.kind != "api" and a.encoding == "gzip":
                            a.notes.append("gzip, brotli not ready after 30 s")
                break
            bench.log(f"app: brotli not ready yet for {len(late)} assets, again in 1 s")
            time.sleep(1)
        gz_pages = measure(ACCEPT_GZIP)
        version = next((m.group(1) for p in br_pages for a in p.assets
                        if (m := re.match(r"/assets/([0-9a-f]+)/", a.url))), "")
        return AppResult(pages=br_pages, gzip_pages=gz_pages, version=version)
    finally:
        pre.server.stop()
        if keep:
            bench.log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# the report


def kb(n: int) -> str:
    return f"{n / 1024:.1f} KB"


def rows(res: AppResult) -> list[tuple[str, str, str, bool]]:
    """(what, figure, target, met) for run.py's table."""
    out = []
    for p in res.pages:
        bad = [f for f in p.failures() if "over the" not in f]
        gz = next((g for g in res.gzip_pages if g.name == p.name), None)
        also = (f"; gzip only {kb(gz.wire_bytes)}, as `transferSize` "
                f"{kb(gz.wire_bytes + TIMING_HEADER * len(gz.assets))}" if gz else "")
        out.append((f"member app: first load of the {p.name} page, `{ACCEPT_BR}`, bodies as "
                    f"received (with headers {kb(p.wire_bytes + p.header_bytes)}{also})",
                    kb(p.wire_bytes), f"≤ {BUDGET_BYTES // 1024} KB",
                    p.wire_bytes <= BUDGET_BYTES))
        out.append((f"member app: {p.name} page, {len(p.assets)} answers: none missing, every "
                    "asset cached by hash or ETag, text compressed" +
                    (" — " + "; ".join(bad) if bad else ""),
                    f"{len(bad)} failure{'s' if len(bad) != 1 else ''}", "0", not bad))
    return out


def report(res: AppResult) -> str:
    lines = [
        "## Member app, first load (issue 18, `--app`)",
        "",
        f"Assets version `{res.version}`. A browser with an empty cache, signed in (the refresh "
        "cookie), loading the page; bytes: each body as received (compressed), then with the "
        "response headers as sent, then as a browser's `transferSize` counts them (Resource "
        f"Timing: the body plus a fixed {TIMING_HEADER} B per answer, whatever the headers; "
        "the figure of tests/app_browser.rs, whose Chromium on plain HTTP asks for gzip only: "
        f"compare the `{ACCEPT_GZIP}` rows). Text of "
        f"{COMPRESS_MIN} B or more must come compressed; an asset is cacheable by a hashed URL "
        f"with `immutable` (or max-age ≥ {LONG_MAX_AGE // 86400} days), or by an ETag that "
        "`If-None-Match` answers 304. API answers: fetched with `cache: 'no-store'`, counted, "
        "not cached.",
        "",
        "| page | Accept-Encoding | answers | bodies (as received) | with headers "
        "| as `transferSize` | uncompressed | target | met? |",
        "|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for group in (res.pages, res.gzip_pages):
        for p in group:
            ok = not p.failures()
            lines.append(f"| {p.name} | `{p.accept}` | {len(p.assets)} | {kb(p.wire_bytes)} "
                         f"| {kb(p.wire_bytes + p.header_bytes)} "
                         f"| {kb(p.wire_bytes + TIMING_HEADER * len(p.assets))} "
                         f"| {kb(p.body_bytes)} "
                         f"| ≤ {BUDGET_BYTES // 1024} KB, no failure "
                         f"| {'yes' if ok else 'no'} |")
    for p in res.pages:
        lines += ["", f"{p.name.capitalize()} page `{p.path}`, `{p.accept}`:", "",
                  "| answer | kind | status | type | encoding | bytes | uncompressed "
                  "| cache | problems |",
                  "|---|---|---:|---|---|---:|---:|---|---|"]
        for a in p.assets:
            ct = a.content_type.split(";")[0]
            lines.append(f"| `{a.name}` | {a.kind} | {a.status} | {ct} | {a.encoding or '–'} "
                         f"| {a.wire_bytes} | {a.body_bytes} | {a.cache or '–'} "
                         f"| {'; '.join(a.problems + a.notes) or '–'} |")
    fails = res.failures()
    lines += ["", "Failures: " + ("none." if not fails else "")]
    lines += [f"- {f}" for f in fails]
    return "\n".join(lines) + "\n"


def main() -> int:
    import argparse
    import os

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", type=Path, default=Path(os.environ.get(
        "CARGO_TARGET_DIR", bench.ROOT / "target")) / "release" / "preau")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    res = first_load(args.binary, keep=args.keep)
    text = report(res)
    print(text)
    bench.log(f"report: {bench.save(text, '-app')}")
    return 0 if res.met() else 1


if __name__ == "__main__":
    sys.exit(main())
