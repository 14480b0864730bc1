"""Shows why apalis-sqlite 1.0 slows down as its history grows (see docs/BENCHMARKS.md).

Builds apalis-sqlite's schema from its migrations (path given as argv[1], e.g.
~/.cargo/registry/src/*/apalis-sqlite-1.0.0), fills 20,000 finished jobs locked by one worker,
then times its batched acknowledgement (queries/task/ack.sql) as shipped and with the lock_by
term kept out of index selection (`+Jobs.lock_by`).
"""
import glob, json, os, sqlite3, sys, tempfile, time

root = sys.argv[1]
db = os.path.join(tempfile.mkdtemp(), "apalis.db")
c = sqlite3.connect(db)
for f in sorted(glob.glob(os.path.join(root, "migrations", "*.sql"))):
    c.executescript(open(f).read())
c.execute("INSERT INTO Workers(id, worker_type, storage_name) VALUES('w', 't', 's')")
c.executemany(
    "INSERT INTO Jobs(job, id, job_type, status, lock_by, done_at) VALUES(x'00', ?, 't', ?, 'w', ?)",
    [(f"id{i:06d}", "Done" if i < 20000 else "Queued", 1 if i < 20000 else None) for i in range(21000)],
)
c.commit()
ack = open(os.path.join(root, "queries", "task", "ack.sql")).read()


def batch(k):
    return json.dumps([{"task_id": f"id{20000 + k * 50 + i:06d}", "attempt": 1, "result": "ok", "status": "Done"} for i in range(50)])


for label, q, ks in [("as shipped", ack, range(0, 10)), ("with +Jobs.lock_by", ack.replace("AND Jobs.lock_by = ?2", "AND +Jobs.lock_by = ?2"), range(10, 20))]:
    plan = [r[3] for r in c.execute("EXPLAIN QUERY PLAN " + q, (batch(0), "w"))]
    t = time.time()
    for k in ks:
        c.execute(q, (batch(k), "w"))
    print(f"{label}: plan {plan}; 10 acks of 50 jobs: {(time.time() - t) * 1000:.0f} ms (SQLite {sqlite3.sqlite_version})")
