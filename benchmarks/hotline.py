"""Benchmark of the hotline on PostgreSQL with millions of tickets (issue 4, "Performance").

    python benchmarks/hotline.py [--tickets 5000000] [--db gonghui_bench] [--seconds 60] [--clients 50]

Creates (or reuses) the database ``--db`` next to ``postgres://postgres@127.0.0.1:5432/`` (override
the server with ``BENCH_PG=postgres://user@host:port``), migrates it, loads the demo county and
fills it with ``--tickets`` tickets over three years by COPY (realistic mix of request types,
topics, towns and outcomes; seasonal peak of wage complaints before Spring Festival, lull during
it). A database already holding that many tickets is reused. Then prints one JSON line per figure
with the keys ``name``, ``value``, ``unit`` (and ``target``):

* ``rates_month_all_unions``  — the three-rate table of every handling union for one month (s)
* ``ticket_list_page_1`` / ``ticket_list_page_500`` — the operator's filtered list page (ms)
* ``warning_detector_90d``    — reading 90 days of tickets and running the detector (s)
* ``api_intake_throughput`` / ``api_intake_p95`` / ``api_intake_errors`` — POST /api/hotline/tickets/
  from 50 concurrent clients for 60 s on loopback (wrk, else a threaded Python generator)
  against ``gonghui serve`` (gunicorn); with ``api_intake_cpu_split`` the CPU per request of the
  server and of PostgreSQL, and how the connections were spread over the workers.
* ``api_intake_queries`` / ``api_intake_cpu_ms`` (``--only profile``) — the same POST through
  Django's test client in this process: SQL statements and CPU milliseconds per intake (CPU time
  is what 2 cores can share among workers, PostgreSQL and the load generator; it varies much less
  than throughput on a busy machine). ``--cprofile N`` also prints the N costliest functions.

Generated tickets carry stored deadlines from fixed limits (2 hours to sign, 7 days feedback,
21 calendar days ≈ 15 working days to resolve) rather than from sla.py ticket by ticket, and no
timeline events or audit entries: the figures measured are reads, and intake through the API,
which does the full write path.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def emit(name, value, unit, target=None, **extra):
    row = {"name": name, "value": round(value, 4) if isinstance(value, float) else value, "unit": unit}
    if target is not None:
        row["target"] = target
    row.update(extra)
    print(json.dumps(row, ensure_ascii=False), flush=True)


def log(msg):
    print(f"# {msg}", file=sys.stderr, flush=True)


def ensure_database(name):
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            log(f"created database {name}")


def setup_django(db):
    os.environ["DATABASE_URL"] = f"{SERVER}/{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings_dev")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from gonghui.orgs import demo

    demo.ensure_loaded(progress=lambda *a: None)


# --- data -----------------------------------------------------------------------------------------


def topics():
    from gonghui.hotline import synthetic
    from gonghui.hotline.models import TopicCategory
    from gonghui.orgs.models import UnionOrg

    county = UnionOrg.objects.filter(kind="county", parent__isnull=True).order_by("pk").first()
    out = {}
    for name in synthetic.TOPICS:
        topic = TopicCategory.objects.filter(owner=county, path=name).first()
        if topic is None:
            topic = TopicCategory(owner=county, name=name)
            topic.clean()
            topic.save()
        out[name] = topic
    return county, out


def generate(n, seed=7):
    """Insert `n` tickets over the three years before today, generated inside PostgreSQL.

    Python draws the per-day volumes (weekday dip, pre-Spring-Festival peak, holiday lull) and
    the weighted slot tables (enterprises heavy-tailed, topics with the wage share doubled in
    the festival season); one INSERT … SELECT over generate_series makes the rows."""
    import numpy as np
    from django.db import connection

    from gonghui.core.pii import blind_index, encrypt
    from gonghui.hotline import synthetic
    from gonghui.hotline.warning import days_since_lunar_new_year, days_to_next_lunar_new_year
    from gonghui.orgs.models import Enterprise

    county, topic_rows = topics()
    rng = np.random.default_rng(seed)
    pyrng = random.Random(seed)
    ents = list(Enterprise.objects.values_list("id", "name", "town_id", "union_id"))
    ent_w = rng.pareto(1.6, len(ents)) + 1
    ent_slots = rng.choice(len(ents), size=20_000, p=ent_w / ent_w.sum())
    names = list(synthetic.TOPICS)
    mix = np.array([synthetic.TOPIC_MIX[t] for t in names])
    festival_mix = mix.copy()
    festival_mix[names.index("拖欠工资")] *= 2
    today = dt.date.today()
    first = today - dt.timedelta(days=3 * 365)
    days = [first + dt.timedelta(days=i) for i in range((today - first).days)]
    festival = [0 < days_to_next_lunar_new_year(d) <= 42 for d in days]
    day_w = np.array(
        [
            (0.75 if d.weekday() >= 5 else 1.0)
            * (1.5 if f else 1.0)
            * (0.4 if days_to_next_lunar_new_year(d) <= 3 or days_since_lunar_new_year(d) <= 6 else 1.0)
            for d, f in zip(days, festival, strict=True)
        ]
    )
    counts = rng.multinomial(n, day_w / day_w.sum())
    t0 = time.time()
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE b_days (day date, n int, festival bool);"
            "CREATE TEMP TABLE b_ents (slot int, id bigint, name text, town_id text, union_id bigint);"
            "CREATE TEMP TABLE b_topics (festival bool, slot int, id bigint, name text);"
            "CREATE TEMP TABLE b_texts (topic text, k int, body text);"
            "CREATE TEMP TABLE b_phones (k int, enc text, hash text);"
        )
        with cur.copy("COPY b_days FROM STDIN") as copy:
            for d, c, f in zip(days, counts, festival, strict=True):
                copy.write_row((d, int(c), f))
        with cur.copy("COPY b_ents FROM STDIN") as copy:
            for slot, e in enumerate(ent_slots):
                copy.write_row((slot, *ents[e]))
        with cur.copy("COPY b_topics FROM STDIN") as copy:
            for fest, p in ((False, mix), (True, festival_mix)):
                slots = rng.choice(len(names), size=1000, p=p / p.sum())
                for slot, t in enumerate(slots):
                    copy.write_row((fest, slot, topic_rows[names[t]].pk, names[t]))
        with cur.copy("COPY b_texts FROM STDIN") as copy:
            for t in names:
                for k in range(300):
                    copy.write_row((t, k, synthetic.ticket_text(t, pyrng)))
        with cur.copy("COPY b_phones FROM STDIN") as copy:
            for k in range(2000):
                phone = f"13{pyrng.randrange(10**9):09d}"
                copy.write_row((k, encrypt(phone), blind_index(phone)))
        cur.execute("ANALYZE b_days; ANALYZE b_ents; ANALYZE b_topics; ANALYZE b_texts; ANALYZE b_phones")
        cur.execute("SELECT setseed(%s)", [0.42])
        log("inserting…")
        cur.execute(SQL_FILL, {"county": county.pk})
    # What autovacuum does to a table after a bulk load in production (it is off on some machines,
    # this one included): without the visibility map the list's index-only scans visit the heap.
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) hotline_ticket")
        conn.execute("ANALYZE")
    return time.time() - t0


# Random draws r[1..9] per ticket; outcomes follow the fixed limits in the module doc.
SQL_FILL = """
WITH base AS (
  SELECT d.day, s.seq, d.festival,
         (d.day::timestamp + make_interval(secs => floor(random() * 86400)::int)) AT TIME ZONE 'Asia/Shanghai'
           AS created,
         ARRAY[random(), random(), random(), random(), random(), random(), random(), random(), random()] AS r
  FROM b_days d, generate_series(1, d.n) AS s(seq)
), t AS (
  SELECT b.*, e.id AS ent_id, e.name AS ent_name, e.town_id, e.union_id, tp.id AS topic_id, tp.name AS topic,
         (ARRAY['问题咨询','服务帮扶','服务帮扶','信访投诉','信访投诉','问题咨询','服务帮扶','法律援助','意见建议',
                '信访投诉'])[1 + floor(b.r[1] * 10)::int] AS rtype,
         b.created + make_interval(mins => 1 + floor(b.r[2] * 30)::int) AS dispatched
  FROM base b
  JOIN b_ents e ON e.slot = floor(b.r[3] * 20000)::int
  JOIN b_topics tp ON tp.festival = b.festival AND tp.slot = floor(b.r[4] * 1000)::int
), o AS (
  SELECT t.*, x.k AS text_k,
         t.dispatched + make_interval(secs => (-3300 * ln(1 - t.r[5] * 0.999))::int) AS signed,
         t.created + make_interval(secs => (-8 * 86400 * ln(1 - t.r[6] * 0.999))::int) AS resolved,
         t.created + make_interval(secs => (t.r[7] * 8 * 86400)::int) AS feedback
  FROM t CROSS JOIN LATERAL (SELECT floor(t.r[8] * 300)::int AS k) x
), f AS (
  SELECT o.*, (o.rtype = '问题咨询' AND o.r[9] < 0.8) AS at_intake,
         CASE WHEN o.signed > now() THEN 'dispatched'
              WHEN o.resolved > now() THEN 'signed'
              WHEN o.resolved + interval '2 days' >= now() OR o.r[9] >= 0.85 THEN 'replied'
              ELSE 'closed' END AS st
  FROM o
)
INSERT INTO hotline_ticket (
  number, channel, phone, phone_hash, caller_name, anonymous, content, request_type, topic_id, topic_path,
  priority, enterprise_id, enterprise_name, town_id, status, intake_union_id, handling_union_id,
  handler_locked, return_reason, reply, intake_answer, created_at, dispatched_at, signed_at,
  first_feedback_at, resolved_at, closed_at, response_due, feedback_due, resolution_due, pauses,
  extended_limits, overdue, reopen_count, callback_at, callback_result, callback_resolved, callback_comment
)
SELECT
  to_char(f.day, 'YYYYMMDD') || lpad(f.seq::text, 5, '0'),
  CASE WHEN f.r[2] < 0.7 THEN 'phone' ELSE 'web' END,
  p.enc, p.hash, '', false, tx.body, f.rtype, f.topic_id, f.topic,
  CASE WHEN f.r[7] < 0.9 THEN '一般' ELSE '紧急' END,
  f.ent_id, f.ent_name, f.town_id,
  CASE WHEN f.at_intake THEN 'closed_intake' ELSE f.st END,
  %(county)s,
  CASE WHEN f.at_intake THEN %(county)s ELSE f.union_id END,
  NOT f.at_intake AND f.st <> 'dispatched', '', '', CASE WHEN f.at_intake THEN '已当场答复' ELSE '' END,
  f.created,
  CASE WHEN f.at_intake THEN NULL ELSE f.dispatched END,
  CASE WHEN f.at_intake OR f.st = 'dispatched' THEN NULL ELSE f.signed END,
  CASE WHEN f.at_intake THEN f.created + interval '5 min'
       WHEN f.st = 'dispatched' OR f.feedback > now() THEN NULL ELSE f.feedback END,
  CASE WHEN f.at_intake THEN f.created + interval '5 min'
       WHEN f.st IN ('dispatched', 'signed') THEN NULL ELSE f.resolved END,
  CASE WHEN f.at_intake THEN f.created + interval '5 min'
       WHEN f.st = 'closed' THEN f.resolved + interval '1 day' ELSE NULL END,
  CASE WHEN f.at_intake THEN NULL ELSE f.dispatched + interval '2 hours' END,
  f.created + interval '7 days',
  f.created + interval '21 days',
  '[]', '{}',
  NOT f.at_intake AND (
    (f.st = 'dispatched' AND f.dispatched + interval '2 hours' < now())
    OR (f.st = 'signed' AND f.created + interval '21 days' < now())),
  0,
  CASE WHEN NOT f.at_intake AND f.st = 'closed' THEN f.resolved + interval '1 day' END,
  CASE WHEN f.at_intake OR f.st <> 'closed' THEN ''
       WHEN f.r[1] < 0.82 THEN '满意' WHEN f.r[1] < 0.94 THEN '基本满意' ELSE '不满意' END,
  CASE WHEN f.at_intake OR f.st <> 'closed' THEN NULL ELSE f.r[1] < 0.94 END,
  ''
FROM f
JOIN b_texts tx ON tx.topic = f.topic AND tx.k = f.text_k
JOIN b_phones p ON p.k = (f.seq %% 2000)
"""


# --- measurements ---------------------------------------------------------------------------------


def timed(fn, repeat=3):
    times = []
    result = None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def bench_rates():
    from gonghui.hotline import reports
    from gonghui.hotline.models import Ticket

    today = dt.date.today()
    end = today.replace(day=1)
    start = (end - dt.timedelta(days=1)).replace(day=1)
    seconds, (rows, total) = timed(lambda: reports.rate_table(Ticket.objects.all(), start, end, "union"))
    emit(
        "rates_month_all_unions",
        seconds,
        "s",
        target=1.0,
        unions=len(rows),
        month=f"{start:%Y-%m}",
        tickets_due=total["resolution"].denominator,
    )


def operator():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="operator")


def bench_list():
    from django.test import Client

    client = Client()
    client.force_login(operator())
    query = "status=closed&request_type=信访投诉"
    for page in (1, 500):
        url = f"/hotline/ticket/?{query}&page={page}"
        client.get(url)  # warm
        seconds, response = timed(lambda url=url: client.get(url), repeat=5)
        assert response.status_code == 200, response.status_code
        emit(f"ticket_list_page_{page}", seconds * 1000, "ms", target=100, query=query)


def bench_detector():
    from django.utils import timezone

    from gonghui.hotline import services, warning

    as_of = timezone.localdate()

    def run():
        records = services.warning_records(as_of - dt.timedelta(days=89), as_of)
        return records, warning.detect(records, as_of)

    seconds, (records, alerts) = timed(run, repeat=1)
    emit("warning_detector_90d", seconds, "s", target=10, tickets=len(records), alerts=len(alerts))


def intake_body():
    from gonghui.orgs.models import Enterprise

    ent = Enterprise.objects.order_by("pk").first()
    return json.dumps(
        {
            "phone": "13800138000",
            "content": "公司拖欠两个月工资，老板说资金周转不开。",
            "request_type": "信访投诉",
            "priority": "一般",
            "enterprise": ent.pk,
            "dispatch_now": True,
        },
        ensure_ascii=False,
    )


def bench_api_profile(n=300, cprofile=0):
    import cProfile
    import pstats

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    token, _ = Token.objects.get_or_create(user=operator())
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_HOST="127.0.0.1")
    body = intake_body()

    def post():
        response = client.post("/api/hotline/tickets/", body, content_type="application/json")
        assert response.status_code == 201, (response.status_code, response.content[:300])

    for _ in range(10):
        post()  # warm: URLconf, serializer fields, token, limits
    with CaptureQueriesContext(connection) as queries:
        post()
    emit("api_intake_queries", len(queries.captured_queries), "queries/request")
    per = []
    for _ in range(3):
        start = time.process_time()
        for _ in range(n // 3):
            post()
        per.append((time.process_time() - start) / (n // 3) * 1000)
    emit("api_intake_cpu_ms", statistics.median(per), "ms CPU/request", runs=[round(x, 2) for x in per])
    if cprofile:
        profile = cProfile.Profile(time.process_time)
        profile.enable()
        for _ in range(n // 3):
            post()
        profile.disable()
        pstats.Stats(profile, stream=sys.stderr).sort_stats(
            os.environ.get("PROFILE_SORT", "cumulative")
        ).print_stats(cprofile)


WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Token %(token)s"
wrk.body = '%(body)s'
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%f %%d %%d %%d %%d\\n", summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(95), summary.duration, latency.mean,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
"""


def cpu_ticks_by_role(server_pgid):
    """CPU clock ticks used so far by the server's processes and PostgreSQL's (from /proc)."""
    ticks = {"server": 0, "postgres": 0}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        used = int(fields[11]) + int(fields[12])  # utime + stime
        if int(fields[2]) == server_pgid:
            ticks["server"] += used
        elif comm.startswith("postgres"):
            # + the reaped children's time (cutime, cstime): a backend that ends during the run
            # (Django reconnects after CONN_MAX_AGE) leaves its CPU in the postmaster's account
            ticks["postgres"] += used + int(fields[13]) + int(fields[14])
    return ticks


def run_wrk(wrk, script, url, clients, seconds, server_pgid):
    """One wrk run: (ok requests/s, p95 ms, errors, breakdown, CPU ms per request of the server
    and of PostgreSQL). CPU time is what 2 cores share, so it shows where a request's cost is."""
    hz = os.sysconf("SC_CLK_TCK")
    before = cpu_ticks_by_role(server_pgid)
    out = subprocess.run(
        [wrk, "-t2", f"-c{clients}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    after = cpu_ticks_by_role(server_pgid)
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    n, errors, bad_status, p95_us, duration_us, _mean, *kinds = line.split()[1:]
    breakdown = dict(zip(("connect", "read", "write", "timeout"), map(int, kinds), strict=True))
    breakdown["status"] = int(bad_status)
    ok = int(n) - int(bad_status)
    cpu = {
        role: round((after[role] - before[role]) / hz * 1000 / max(ok, 1), 2)
        for role in ("server", "postgres")
    }
    return ok / (int(duration_us) / 1e6), int(p95_us) / 1000, int(errors) + int(bad_status), breakdown, cpu


PACED_SCRIPT = """
math.randomseed(os.time())
delay = function()
  return math.floor(-%(think_ms)d * math.log(1 - math.random()))
end
"""


def connections_by_worker(port):
    """How many of the load generator's connections each server process holds (from `ss`)."""
    ss = shutil.which("ss")
    if not ss:
        return []
    out = subprocess.run(
        [ss, "-Htnp", "state", "established", f"( sport = :{port} )"], capture_output=True, text=True
    ).stdout
    counts: dict = {}
    for line in out.splitlines():
        pid = line.partition("pid=")[2].partition(",")[0]
        if pid:
            counts[pid] = counts.get(pid, 0) + 1
    return sorted(counts.values(), reverse=True)


def bench_api(seconds, clients, workers, threads=1, think_ms=200, worker_connections=0):
    from django.db import connection
    from rest_framework.authtoken.models import Token

    token, _ = Token.objects.get_or_create(user=operator())
    body = intake_body()
    connection.close()
    port = 18765
    data_dir = tempfile.mkdtemp(prefix="gonghui-bench-")
    env = dict(os.environ, GONGHUI_DATA_DIR=data_dir, LOG_LEVEL="ERROR")
    env.setdefault("SECRET_KEY", "bench-only-insecure-key-0123456789abcdefghijklmnopqrstuvwxyz")
    env.setdefault("GONGHUI_PII_KEY", "ZGV2LW9ubHktcGlpLWtleS1nb25naHVpLTMyYnl0ZXM=")
    env["GONGHUI_SECURE_COOKIES"] = "0"
    env["DJANGO_SETTINGS_MODULE"] = "gonghui.settings"  # production settings in the server
    if worker_connections and threads > 1:
        # gthread: a worker accepts while it holds fewer connections than this. Uncapped, the
        # load generator's keep-alive connections, all opened at once, landed 47/3 on the two
        # workers, so one process (one GIL, one core) served nearly all of them and the same code
        # measured 132 to 229 tickets/s from run to run.
        env["GUNICORN_CMD_ARGS"] = f"--worker-connections {worker_connections}"
    gonghui = shutil.which("gonghui") or str(Path(sys.executable).parent / "gonghui")
    command = [gonghui, "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    command += ["--threads", str(threads)] if threads > 1 else []
    if not serve_works(env):
        # `gonghui serve` = migrate + collectstatic + gunicorn; when collectstatic fails here the
        # same gunicorn command is started directly (the API serves no static files).
        log("gonghui serve failed at collectstatic; starting its gunicorn command directly")
        command = [
            str(Path(sys.executable).parent / "gunicorn"), "gonghui.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
        ] + (["--threads", str(threads)] if threads > 1 else [])  # fmt: skip
    server = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/api/hotline/tickets/"
        for _ in range(120):
            try:
                urllib.request.urlopen(
                    urllib.request.Request(url, headers={"Authorization": f"Token {token.key}"})
                )
                break
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.5)
        else:
            raise RuntimeError("gonghui serve did not start")
        wrk = shutil.which("wrk")
        if wrk:
            script = Path(data_dir) / "post.lua"
            script.write_text(
                WRK_SCRIPT % {"token": token.key, "body": body.replace("'", "\\'")}, encoding="utf-8"
            )
            split = []
            sampler = threading.Timer(min(5, seconds / 2), lambda: split.extend(connections_by_worker(port)))
            sampler.start()
            throughput, p95, errs, breakdown, cpu = run_wrk(wrk, script, url, clients, seconds, server.pid)
            sampler.join()
            tool = "wrk"
            if split:
                cpu["connections_per_worker"] = split
        else:
            throughput, p95, errs = python_load(url, token.key, body, seconds, clients)
            tool, breakdown, cpu = "python-threads", {}, {}
        emit("api_intake_throughput", throughput, "tickets/s", target=200, clients=clients, tool=tool)
        emit("api_intake_p95", p95, "ms", target=200, clients=clients, tool=tool)
        emit("api_intake_errors", errs, "count", target=0, clients=clients, tool=tool, **breakdown)
        if cpu:
            emit("api_intake_cpu_split", cpu["server"] + cpu["postgres"], "ms CPU/request", **cpu)
        if wrk and think_ms:
            # The same 50 clients as people at terminals: each waits a random think time (mean
            # think_ms, exponential) after its answer before the next ticket, which offers about
            # clients / (think + latency) tickets a second; latency is measured from each request's
            # send, so it is the latency a worker sees at that load.
            paced = Path(data_dir) / "paced.lua"
            paced.write_text(
                script.read_text(encoding="utf-8") + PACED_SCRIPT % {"think_ms": think_ms},
                encoding="utf-8",
            )
            throughput, p95, errs, breakdown, cpu = run_wrk(wrk, paced, url, clients, seconds, server.pid)
            extra = {"clients": clients, "think_ms": think_ms, "tool": "wrk"}
            emit("api_paced_throughput", throughput, "tickets/s", **extra)
            emit("api_paced_p95", p95, "ms", target=200, **extra)
            emit("api_paced_errors", errs, "count", target=0, **extra, **breakdown)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)


def serve_works(env):
    probe = subprocess.run(
        [str(Path(sys.executable).parent / "gonghui"), "manage", "collectstatic", "--noinput", "-v0"],
        env=dict(env, DJANGO_SETTINGS_MODULE="gonghui.settings"),
        capture_output=True,
    )
    return probe.returncode == 0


def python_load(url, token, body, seconds, clients):
    import http.client
    from urllib.parse import urlparse

    parsed = urlparse(url)
    stop = time.time() + seconds
    lat, errors = [], [0]
    lock = threading.Lock()

    def worker():
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
        mine = []
        while time.time() < stop:
            t = time.perf_counter()
            try:
                conn.request(
                    "POST",
                    parsed.path,
                    body=body.encode(),
                    headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
                )
                r = conn.getresponse()
                r.read()
                if r.status != 201:
                    raise RuntimeError(r.status)
                mine.append(time.perf_counter() - t)
            except Exception:  # noqa: BLE001
                with lock:
                    errors[0] += 1
                conn.close()
                conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
        with lock:
            lat.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    start = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lat.sort()
    p95 = lat[int(len(lat) * 0.95)] * 1000 if lat else float("nan")
    return len(lat) / (time.time() - start), p95, errors[0]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tickets", type=int, default=5_000_000)
    p.add_argument("--db", default="gonghui_bench")
    p.add_argument("--seconds", type=int, default=60)
    p.add_argument("--clients", type=int, default=50)
    # Intake is CPU-bound in the workers and the load generator shares the machine. On 2 cores,
    # measured back to back: 2 gthread workers × 4 threads used 5.4-5.6 ms of worker CPU per intake
    # against 6.1-6.2 for 3 sync workers (keep-alive: no TCP connect and close per request; wrk's
    # own CPU halves too), at the same or higher throughput.
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker (gthread when > 1)")
    p.add_argument(
        "--worker-connections",
        type=int,
        default=0,
        help="gthread: connections a worker holds at most (default: its share of --clients + --threads)",
    )
    p.add_argument(
        "--think-ms", type=int, default=200, help="paced run: mean think time per client (0: skip)"
    )
    p.add_argument("--only", default="rates,list,detector,api,profile")
    p.add_argument("--cprofile", type=int, default=0, help="with profile: print the N costliest functions")
    args = p.parse_args(argv)
    ensure_database(args.db)
    setup_django(args.db)
    from gonghui.hotline.models import Ticket

    have = Ticket.objects.count()
    if have < args.tickets * 0.99:
        if have:
            log(f"database holds {have:,} tickets; regenerating")
            Ticket.objects.all().delete()
        log(f"generating {args.tickets:,} tickets…")
        seconds = generate(args.tickets)
        emit("generate_tickets", seconds, "s", tickets=args.tickets)
    else:
        log(f"reusing {have:,} tickets in {args.db}")
    only = set(args.only.split(","))
    if "rates" in only:
        bench_rates()
    if "list" in only:
        bench_list()
    if "detector" in only:
        bench_detector()
    if "profile" in only:
        bench_api_profile(cprofile=args.cprofile)
    if "api" in only:
        # Each worker's share of the clients, plus its threads: gthread closes a kept-alive
        # connection when more than (worker connections - threads) sit idle, which the paced run's
        # idle clients would otherwise reach.
        share = -(-args.clients // args.workers) + args.threads
        bench_api(
            args.seconds,
            args.clients,
            args.workers,
            args.threads,
            args.think_ms,
            args.worker_connections or share,
        )


if __name__ == "__main__":
    main()
