"""gunicorn settings for production:  gunicorn -c gunicorn_conf.py "app:create_app()"

Threaded workers (gthread: keep-alive, and a thread waiting on the database leaves the process to the others);
each may be tuned with the GUNICORN_* variables below. Not named gunicorn.conf.py, so that gunicorn does not pick it
up by itself (the benchmarks serve with settings of their own)."""

import os
import sys

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * (os.cpu_count() or 1)))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = 60
keepalive = 5
# The access log (when --access-logfile is given) names the path, never the query string or the referring page: a
# search for a person (an administrator's ?q=, a filter) would otherwise write their name or phone number to it.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
# Python hands the GIL to another thread every 5 ms by default. A request that holds the audit chain's lock until
# its COMMIT (every change does) may then wait that long for the GIL while every other change queues behind it;
# bench/redeem.py measured 0.5 ms as the best interval for 4 threads per worker.
SWITCH_INTERVAL = float(os.environ.get("GUNICORN_SWITCH_INTERVAL", "0.0005"))


def post_fork(server, worker):
    sys.setswitchinterval(SWITCH_INTERVAL)
