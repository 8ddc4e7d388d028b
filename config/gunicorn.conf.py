"""gunicorn settings for production: `gunicorn -c config/gunicorn.conf.py app:app`.

Web workers serve requests only; the scheduler runs as its own process
(`flask --app app djgc scheduler`), never inside a worker.
"""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Two workers per core plus one, the usual starting point for I/O-bound Flask apps.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))  # document packs of 200 slips stay well under this
graceful_timeout = 30
keepalive = 5
# Restart workers now and then so a slow leak cannot grow for ever.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
