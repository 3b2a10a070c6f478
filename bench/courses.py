"""Courses and quizzes benchmark (issue 5 "Speed", QUALITY.md P3): ``bin/bench courses``.

Part 1, in process (bench/harness.py, every figure a ratio to H measured in the same run):
the quiz page (anonymous), quiz start and quiz submit through the public API, on a quiz of 10
questions drawn from a bank of 300; then start + submit on quizzes drawing from 60 and from
3 000 questions — the query counts must be the same.

Part 2, ``bin/bench courses crowd [residents] [threads]``: the 119-month crowd against the stack's
gunicorn (``bin/stack start``; http://127.0.0.1:$PORT, 2 sync workers, PostgreSQL, Redis; set
``PORT`` to drive another gunicorn started with the same configuration). It
uses the demo's awareness quiz of the stack's database (119消防宣传月消防安全知识答题, 10
questions). Every resident is a new anonymous phone: GET the quiz page, POST a start, POST the
answers; one in ten taps 交卷 twice at once. Reported: throughput, p50/p95/p99 per step, HTTP
statuses, and from the database that every attempt was graded exactly once (one answer row per
drawn question, both double submits answered the same score). Bounded to ~2 minutes. The crowd's
anonymous learners are deleted from the stack's database afterwards (``CROWD_KEEP=1`` keeps them)
so the demo's statistics stay as seeded.

Seeding (once per database, bulk inserts): district 和平区 with one street, its home page as the
default site, a course catalogue, 3 000 bank questions (4 options each) tagged so that 60, 300
and 3 000 of them fall under the three quizzes' topics.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

SEED = "courses-v1"
BANK = 3000


# ------------------------------------------------------------------------------
# Part 1: in process
# ------------------------------------------------------------------------------
def seed() -> None:
    from django.db import transaction
    from django.utils import timezone
    from wagtail.models import Page, Site

    from courses.models import CourseIndexPage, Question, QuestionOption, QuizPage, Topic
    from home.models import HomePage
    from portal import services as kernel

    with transaction.atomic():
        district = kernel.area_create(name="和平区", code="hpb", resident_population=355_000)
        kernel.area_create(name="南市街道", code="hpb-ns", parent=district, resident_population=40_000)
        root = Page.get_first_root_node()
        home = root.add_child(instance=HomePage(title="和平区消防宣教", slug="hpb-home", district=district))
        Site.objects.all().delete()
        Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)
        index = CourseIndexPage(title="在线学习", slug="learn", district=district)
        home.add_child(instance=index)
        index.save_revision().publish()
        topics = {
            n: Topic.objects.create(name=f"题库{n}", slug=f"bank-{n}", sort_order=n) for n in (60, 300, BANK)
        }
        now = timezone.now()
        questions = Question.objects.bulk_create(
            [
                Question(
                    code=f"B{i:05d}",
                    kind=Question.Kind.SINGLE,
                    text=f"第{i}题：发现楼道里电动自行车充电起火，第一步应当怎么做？",
                    explanation="立即拨打119报警，在确保安全的前提下用干粉灭火器扑救，不要乘电梯。",
                    difficulty=1 + i % 3,
                    created_at=now,
                    updated_at=now,
                )
                for i in range(BANK)
            ],
            batch_size=1000,
        )
        QuestionOption.objects.bulk_create(
            [
                QuestionOption(question=q, text=text, is_correct=(o == 0), sort_order=o)
                for q in questions
                for o, text in enumerate(("拨打119报警", "先拍视频发朋友圈", "乘电梯下楼", "用水直接浇"))
            ],
            batch_size=2000,
        )
        through = Question.topics.through
        links = []
        for i, question in enumerate(questions):
            for n, topic in topics.items():
                if i < n:
                    links.append(through(question=question, topic=topic))
        through.objects.bulk_create(links, batch_size=2000)
        for n, topic in topics.items():
            quiz = QuizPage(
                title=f"消防知识答题（{n}题题库）",
                slug=f"quiz-{n}",
                question_count=10,
                time_limit_minutes=15,
                pass_mark=60,
                attempts_per_round=10,
                min_seconds=20,
            )
            index.add_child(instance=quiz)
            quiz.topics.set([topic])
            quiz.save_revision().publish()


def run_in_process() -> None:
    from bench.harness import Bench

    bench = Bench("courses")
    if not bench.seeded(SEED):
        started = time.perf_counter()
        seed()
        bench.mark_seeded(SEED)
        print(f"seeded in {time.perf_counter() - started:.1f} s", flush=True)

    from courses import services
    from courses.models import Question, QuestionOption, QuizPage

    quizzes = {n: QuizPage.objects.get(slug=f"quiz-{n}") for n in (60, 300, BANK)}
    right = dict(QuestionOption.objects.filter(is_correct=True).values_list("question_id", "pk"))
    client = bench.client()

    def start(quiz):
        response = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts")
        assert response.status_code == 201, response.content
        return response

    def started_attempts(quiz, n):
        """n attempts of n new anonymous learners, started outside the timing (the submit rows)."""
        result = []
        for _ in range(n):
            body = start(quiz).json()
            answers = {str(q["id"]): [right[q["id"]]] for q in body["questions"]}
            result.append((body["attempt_id"], body["learner_key"], answers))
        return result

    def submitter(quiz, n):
        queue = started_attempts(quiz, n + 10)

        def submit():
            attempt_id, key, answers = queue.pop()
            response = client.post(
                f"/api/v1/quizzes/attempts/{attempt_id}/submit",
                data=json.dumps({"answers": answers}),
                content_type="application/json",
                HTTP_X_LEARNER_KEY=key,
            )
            assert response.status_code == 200, response.content
            return response

        return submit

    quiz = quizzes[300]
    page = client.get(quiz.url)
    assert page.status_code == 200, page.status_code
    n = int(os.environ.get("BENCH_N", "300"))
    bench.measure("quiz page, anonymous (bank 300)", lambda: client.get(quiz.url), n=n)
    bench.measure("quiz start API (bank 300, 10 q)", lambda: start(quiz), n=n)
    bench.measure("quiz submit API (bank 300, 10 q)", submitter(quiz, n), n=n)
    for size in (60, BANK):
        bench.measure(f"quiz start API (bank {size})", lambda size=size: start(quizzes[size]), n=n // 2)
        bench.measure(f"quiz submit API (bank {size})", submitter(quizzes[size], n // 2), n=n // 2)
    bench.note("bank questions", Question.objects.count())
    bench.note("service", services.__name__)
    rows = {row["label"]: row for row in bench.rows}
    same = all(
        rows[f"quiz {step} API (bank 60)"]["queries"] == rows[f"quiz {step} API (bank {BANK})"]["queries"]
        for step in ("start", "submit")
    )
    bench.note("same query count at bank 60 and 3000", same)
    bench.report()


# ------------------------------------------------------------------------------
# Part 2: the 119-month crowd against the stack's gunicorn
# ------------------------------------------------------------------------------
def _request(conn_factory, method: str, path: str, body: dict | None = None, headers: dict | None = None):
    import http.client

    conn = conn_factory()
    payload = json.dumps(body).encode() if body is not None else None
    all_headers = {"Host": "localhost", "Connection": "close", **(headers or {})}
    if payload is not None:
        all_headers["Content-Type"] = "application/json"
    started = time.perf_counter()
    try:
        conn.request(method, path, body=payload, headers=all_headers)
        response = conn.getresponse()
        data = response.read()
        status = response.status
    except (OSError, http.client.HTTPException) as exc:
        data, status = str(exc).encode(), 0
    finally:
        conn.close()
    return status, data, time.perf_counter() - started


def _delete_learners(conn, learners: list[int]) -> None:
    """The learners and what hangs off them (the ORM's cascade, in SQL: the bench has no Django)."""
    conn.execute(
        "DELETE FROM courses_attemptanswer WHERE attempt_id IN "
        "(SELECT id FROM courses_attempt WHERE learner_id = ANY(%s))",
        (learners,),
    )
    for table in (
        "courses_coursecompletion",
        "courses_attempt",
        "courses_attemptquota",
        "courses_lessonprogress",
    ):
        conn.execute(f"DELETE FROM {table} WHERE learner_id = ANY(%s)", (learners,))  # noqa: S608 - fixed names
    conn.execute("DELETE FROM courses_learner WHERE id = ANY(%s)", (learners,))


def run_crowd(residents: int, threads: int) -> None:
    import http.client

    import psycopg

    port = int(os.environ.get("PORT", "8000"))
    database = os.environ["DATABASE_URL"]

    def conn_factory():
        return http.client.HTTPConnection("127.0.0.1", port, timeout=90)

    status, data, _elapsed = _request(conn_factory, "GET", "/api/v1/quizzes")
    if status != 200:
        sys.exit(f"crowd: the stack's gunicorn does not answer on port {port} ({status}): bin/stack start")
    quizzes = json.loads(data)
    quiz = next((q for q in quizzes if "119" in q["title"]), None) or quizzes[0]
    from urllib.parse import urlsplit

    quiz_path = urlsplit(quiz["url"]).path or "/"
    print(f"crowd: {residents} residents, {threads} at once, quiz {quiz['id']} {quiz['title']}", flush=True)

    timings: dict[str, list[float]] = {"quiz page": [], "start": [], "submit": []}
    statuses: dict[str, dict[int, int]] = {key: {} for key in timings}
    outcomes: list[dict] = []
    lock = threading.Lock()
    deadline = time.monotonic() + 120
    todo = list(range(residents))
    rng = random.Random(119)
    double = set(rng.sample(todo, residents // 10))

    def record(step, status, elapsed):
        with lock:
            timings[step].append(elapsed)
            statuses[step][status] = statuses[step].get(status, 0) + 1

    def resident(number: int) -> None:
        status, _data, elapsed = _request(conn_factory, "GET", quiz_path)
        record("quiz page", status, elapsed)
        status, data, elapsed = _request(conn_factory, "POST", f"/api/v1/quizzes/{quiz['id']}/attempts")
        record("start", status, elapsed)
        if status != 201:
            return
        body = json.loads(data)
        local = random.Random(number)
        answers = {
            str(q["id"]): [local.choice(q["options"])["id"]] for q in body["questions"]
        }  # a resident who guesses
        headers = {"X-Learner-Key": body["learner_key"]}
        path = f"/api/v1/quizzes/attempts/{body['attempt_id']}/submit"
        taps = 2 if number in double else 1
        results: list = []

        def tap():
            status, data, elapsed = _request(conn_factory, "POST", path, {"answers": answers}, headers)
            record("submit", status, elapsed)
            results.append((status, json.loads(data) if status == 200 else None))

        tappers = [threading.Thread(target=tap) for _ in range(taps)]
        for t in tappers:
            t.start()
        for t in tappers:
            t.join()
        with lock:
            outcomes.append(
                {"attempt": body["attempt_id"], "questions": len(body["questions"]), "results": results}
            )

    def worker():
        while time.monotonic() < deadline:
            with lock:
                if not todo:
                    return
                number = todo.pop()
            resident(number)

    began = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    wall = time.perf_counter() - began

    # Every submission: exactly one graded attempt, one answer row per drawn question.
    ids = [o["attempt"] for o in outcomes]
    with psycopg.connect(database) as conn:
        rows = conn.execute(
            "SELECT a.id, a.submitted_at IS NOT NULL, a.score, count(x.id) FROM courses_attempt a "
            "LEFT JOIN courses_attemptanswer x ON x.attempt_id = a.id WHERE a.id = ANY(%s) GROUP BY a.id",
            (ids,),
        ).fetchall()
        if os.environ.get("CROWD_KEEP") != "1":
            # The crowd's anonymous learners would count in the demo's statistics: remove them
            # (their attempts and answers go with them).
            learners = [
                row[0]
                for row in conn.execute(
                    "SELECT DISTINCT a.learner_id FROM courses_attempt a JOIN courses_learner l "
                    "ON l.id = a.learner_id WHERE a.id = ANY(%s) AND l.user_id IS NULL",
                    (ids,),
                )
            ]
            _delete_learners(conn, learners)
    graded = {row[0]: row for row in rows}
    problems = []
    for outcome in outcomes:
        row = graded.get(outcome["attempt"])
        scores = {r[1]["score"] for r in outcome["results"] if r[0] == 200}
        if row is None or not row[1] or row[3] != outcome["questions"]:
            problems.append(f"attempt {outcome['attempt']}: {row}")
        elif scores != {row[2]} or any(r[0] != 200 for r in outcome["results"]):
            problems.append(f"attempt {outcome['attempt']}: answers {outcome['results']!r:.200} vs {row}")

    def summary(values):
        if len(values) < 2:
            return {"n": len(values)}
        q = statistics.quantiles(values, n=100)
        return {
            "n": len(values),
            "p50_ms": round(statistics.median(values) * 1000, 1),
            "p95_ms": round(q[94] * 1000, 1),
            "p99_ms": round(q[98] * 1000, 1),
        }

    requests = sum(len(v) for v in timings.values())
    server_errors = sum(n for step in statuses.values() for s, n in step.items() if s >= 500 or s == 0)
    report = {
        "module": "courses-crowd",
        "at": time.strftime("%Y%m%d-%H%M%S"),
        "machine": {"cpus": os.cpu_count()},
        "target": f"gunicorn on 127.0.0.1:{port} ({os.environ.get('WEB_CONCURRENCY', '2')} sync workers)",
        "quiz": {"id": quiz["id"], "title": quiz["title"], "questions": quiz["question_count"]},
        "residents": residents,
        "residents_done": len(outcomes),
        "concurrent": threads,
        "double_submitters": len(double & set(range(residents))),
        "wall_s": round(wall, 1),
        "requests": requests,
        "requests_per_s": round(requests / wall, 1),
        "submissions_per_s": round(len(timings["submit"]) / wall, 1),
        "steps": {step: {**summary(v), "statuses": statuses[step]} for step, v in timings.items()},
        "server_errors": server_errors,
        "attempts_graded_once": len(outcomes) - len(problems),
        "problems": problems[:20],
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))
    results = Path(__file__).resolve().parent / "results"
    results.mkdir(exist_ok=True)
    path = results / f"courses-crowd-{report['at']}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"saved {path.relative_to(results.parent.parent)}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "crowd":
        run_crowd(
            residents=int(sys.argv[2]) if len(sys.argv) > 2 else 600,
            threads=int(sys.argv[3]) if len(sys.argv) > 3 else 300,
        )
    else:
        run_in_process()
