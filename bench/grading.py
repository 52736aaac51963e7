#!/usr/bin/env python3
"""Grading under load (issue 14): does a full grading queue slow the rest of the server?

    python3 bench/grading.py              # 50 CPU-bound runs queued, view p99 idle vs busy
    python3 bench/grading.py --quick      # tiny counts and durations: checks the harness
    python3 bench/grading.py --gradebook  # the gradebook of 40 members × 50 exercises (≤ 50 ms)

What it does, with the pieces of bench/run.py (the release binary, oha, the server):
  * starts Préau (release) on a fresh temporary directory on 127.0.0.1, with the real
    bubblewrap sandbox and its default `grading_concurrency` (cores − 1, at least 1);
  * seeds 10,000 forum posts for the authenticated view workload, an admin's Python exercise
    whose test burns about a second of CPU per run, and MEMBERS members with an attempt each;
  * measures the view workload (oha, 50 connections) alone: the idle p99;
  * saves code on the attempts until RUNS runs are queued (one in flight per member: the rest
    wait in the queue), checks that the queue is full and the sandbox busy, and measures the
    same view workload again while they run: the busy p99;
  * prints both, the ratio (target < 3×) and how many runs finished meanwhile, with the load
    average, and appends the report to bench/results/<timestamp>-grading.md.

Bounded: the runs are capped by the sandbox's limits (CPU 5 s each), the loads by time, and
the server is stopped at the end (its queued runs go with its temporary directory).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402  (bench/run.py: the shared harness)

# The member's code is right; the test burns about a second of CPU before checking it, so the
# queue stays busy while the view load runs. Well inside the default 5 s CPU limit.
SUBMISSION = "def add(a, b):\n    return a + b\n"
SCRIPT = """import json, time, submission
t = time.process_time()
n = 0
while time.process_time() - t < 1.0:
    n += 1
ok = submission.add(2, 3) == 5
json.dump({"tests": [{"name": "add", "status": "pass" if ok else "fail"}]}, open("results.json", "w"))
"""


def count_runs(db: Path, status: str) -> int:
    import sqlite3

    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT COUNT(*) FROM runs WHERE status = ?", (status,)).fetchone()[0]
    finally:
        con.close()


def gradebook(binary: Path, members: int = 40, exercises: int = 50, rounds: int = 50) -> str:
    """The gradebook of a class of `members` × `exercises`, every cell graded (issue 18:
    ≤ 50 ms): the time of `GET groups/{id}/gradebook` (both modes) and of its CSV, one request
    at a time, as a teacher opening the page would."""
    import http.client
    import statistics

    work = Path(tempfile.mkdtemp(prefix="preau-bench-gradebook-"))
    pre = bench.Preau(binary, work)
    try:
        pre.setup()
        pre.server.start()
        b = pre.base
        admin = pre.admin_login()
        group = bench.expect(bench.request("POST", b + "/api/v1/groups", {"name": "2nde A"}, admin),
                             (201,), "group")["id"]
        course = bench.expect(bench.request("POST", b + "/api/v1/courses", {
            "title": "Python", "content": "x", "group_id": group}, admin), (201,), "course")["id"]
        ex_ids = [bench.expect(bench.request("POST", b + "/api/v1/exercises", {
            "course_id": course, "title": f"Exercise {i}", "instruction": "x", "grade_max": 20}, admin),
            (201,), "exercise")["id"] for i in range(exercises)]
        pupils = []
        for i in range(members):
            made = bench.expect(bench.request("POST", b + "/api/v1/accounts", {
                "username": f"pupil{i:02d}", "firstname": "Zoé", "lastname": f"Élève {i}",
                "group_id": group}, admin), (201,), "account")
            pupils.append(made["account"]["id"])
        grades = [{"account_id": p, "exercise_id": e, "value": (p * 7 + e) % 21}
                  for p in pupils for e in ex_ids]
        bench.post_many(pre.port, "/api/v1/grades", admin, grades)
        bench.log(f"gradebook: {members} members × {exercises} exercises, {len(grades)} grades")

        conn = http.client.HTTPConnection(bench.HOST, pre.port, timeout=30)
        headers = {"Authorization": f"Bearer {admin}"}

        def timed(path: str) -> list[float]:
            out = []
            for _ in range(rounds):
                t0 = time.perf_counter()
                conn.request("GET", path, headers=headers)
                r = conn.getresponse()
                body = r.read()
                out.append((time.perf_counter() - t0) * 1000)
                if r.status != 200:
                    raise RuntimeError(f"{path}: HTTP {r.status}: {body[:300]!r}")
            return sorted(out)

        book = bench.expect(bench.request("GET", f"{b}/api/v1/groups/{group}/gradebook?mode=latest",
                                          token=admin), (200,), "gradebook")
        cells = sum(v is not None for m in book["members"] for v in m["scores"])
        if len(book["members"]) != members or cells != members * exercises:
            raise RuntimeError(f"the gradebook holds {len(book['members'])} members and {cells} scores")
        rows = []
        for name, path in [("JSON, latest", f"/api/v1/groups/{group}/gradebook?mode=latest"),
                           ("JSON, best", f"/api/v1/groups/{group}/gradebook?mode=best"),
                           ("CSV", f"/api/v1/groups/{group}/gradebook.csv")]:
            timed(path)  # warm-up: the statements are prepared once
            t = timed(path)
            p99 = t[min(len(t) - 1, int(len(t) * 0.99))]
            rows.append(f"| {name} | {statistics.median(t):.1f} | {p99:.1f} | "
                        f"{'met' if p99 <= 50 else 'missed'} |")
        conn.close()
    finally:
        pre.server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return "\n".join([
        "## Gradebook (issue 18)",
        "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in bench.machine().items())
        + f"; load {bench.loadavg()}.",
        f"{members} members × {exercises} exercises, every cell graded; {rounds} requests one "
        "after another after a warm-up, keep-alive, as the admin.",
        "",
        "| gradebook | median ms | p99 ms | target ≤ 50 ms |",
        "|---|---:|---:|---|",
        *rows,
    ]) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="tiny counts: checks the harness")
    ap.add_argument("--runs", type=int, default=50, help="runs queued (default 50)")
    ap.add_argument("--members", type=int, default=10, help="members saving code (default 10)")
    ap.add_argument("--duration", type=float, default=8.0, help="seconds per load (default 8)")
    ap.add_argument("--gradebook", action="store_true",
                    help="time the gradebook of 40 members × 50 exercises instead")
    args = ap.parse_args()
    if args.gradebook:
        report = gradebook(bench.build_preau())
        print(report)
        bench.log(f"report: {bench.save(report, '-gradebook')}")
        return 0
    if args.quick:
        args.runs, args.members, args.duration = 6, 3, 2.0
    if shutil.which("bwrap") is None:
        print("bubblewrap (bwrap) is not installed: the sandbox would refuse every run", file=sys.stderr)
        return 1

    binary = bench.build_preau()
    oha = bench.Oha(bench.find_oha())
    work = Path(tempfile.mkdtemp(prefix="preau-bench-grading-"))
    load_before = bench.loadavg()
    pre = bench.Preau(binary, work, {"PREAU_GRADING_QUEUE_MAX": str(args.runs + 50)})
    try:
        pre.setup()
        posts = 1000 if args.quick else 10_000
        pre.add_posts(posts)
        pre.server.start()
        t = pre.target()
        pre.check(t)
        b = pre.base
        admin = pre.admin_login()
        runners = bench.expect(bench.request("GET", b + "/api/v1/runners", token=admin), (200,), "runners")
        bench.log(f"runners: {runners}")
        course = bench.expect(bench.request("POST", b + "/api/v1/courses",
                                            {"title": "Bench", "content": "Grading under load."}, admin),
                              (201,), "course")["id"]
        script = bench.expect(bench.request("POST", b + "/api/v1/scripts", {"content": SCRIPT}, admin),
                              (201,), "script")["id"]
        exercise = bench.expect(bench.request("POST", b + "/api/v1/exercises", {
            "course_id": course, "title": "add", "instruction": "Write add(a, b).",
            "script_id": script, "runner": "python", "auto_grade": 1}, admin), (201,), "exercise")["id"]
        members = []
        for i in range(args.members):
            name = f"pupil{i}"
            bench.expect(bench.request("POST", b + "/auth/register", {"username": name, "password": bench.PASSWORD}),
                         (200, 201), "register")
            token = bench.expect(bench.request("POST", b + "/api/v1/auth/login",
                                               {"login": name, "password": bench.PASSWORD}), (200,), "login")["token"]
            attempt = bench.expect(bench.request("POST", b + "/api/v1/attempts", {"exercise_id": exercise}, token),
                                   (201,), "attempt")["id"]
            members.append((token, attempt))

        view = dict(url=t.view_url, conns=50, duration=args.duration, token=t.token)
        bench.log("view alone")
        idle = oha.run(**view)

        # Fill the queue: each save queues a run; a member's runs wait for the one before.
        t0 = time.monotonic()
        for i in range(args.runs):
            token, attempt = members[i % len(members)]
            bench.expect(bench.request("POST", f"{b}/api/v1/attempts/{attempt}/code",
                                       {"content": SUBMISSION + f"# save {i}\n"}, token),
                         (201,), "save code")
        queued, running = count_runs(pre.db, "queued"), count_runs(pre.db, "running")
        bench.log(f"{args.runs} saves in {time.monotonic() - t0:.1f} s: {queued} queued, {running} running")
        if queued + running < args.runs * 0.8:
            raise RuntimeError("the runs finished before the load started: make them longer")
        bench.log("view while the queue runs")
        busy = oha.run(**view)
        finished = count_runs(pre.db, "done")
        left = count_runs(pre.db, "queued") + count_runs(pre.db, "running")
        con = __import__("sqlite3").connect(pre.db)
        verdicts = dict(con.execute("SELECT verdict, COUNT(*) FROM runs WHERE status = 'done' GROUP BY verdict").fetchall())
        wall = con.execute("SELECT AVG(wall_ms) FROM runs WHERE status = 'done'").fetchone()[0]
        con.close()
        load_after = bench.loadavg()
    finally:
        pre.server.stop()
        shutil.rmtree(work, ignore_errors=True)

    ratio = busy.p99_ms / idle.p99_ms if idle.p99_ms else 0.0
    lines = [
        "## Grading isolation (issue 14)",
        "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in bench.machine().items())
        + f"; load before {load_before}, after {load_after}.",
        f"{args.runs} runs saved by {args.members} members (about 1 s of CPU each, bubblewrap sandbox, "
        "default `grading_concurrency`); view: oha, 50 connections, "
        f"{args.duration:g} s, {posts:,} posts.",
        "",
        "| view | req/s | p50 ms | p99 ms |",
        "|---|---|---|---|",
        f"| alone | {idle.rps:.0f} | {idle.p50_ms:.2f} | {idle.p99_ms:.2f} |",
        f"| while the queue runs | {busy.rps:.0f} | {busy.p50_ms:.2f} | {busy.p99_ms:.2f} |",
        "",
        f"p99 busy / idle: **{ratio:.2f}×** (target < 3×: {'met' if ratio < 3 else 'missed'}). "
        f"During the busy load {finished} runs finished ({verdicts}), mean wall {wall or 0:.0f} ms; "
        f"{left} still queued or running at its end.",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    path = bench.save(report, "-grading")
    bench.log(f"report: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
