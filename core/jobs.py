"""Background work: an RQ queue when REDIS_URL is set, otherwise done inline (the embedded default)."""

from flask import current_app


def enqueue(func, *args, **kwargs):
    """Run func(*args) on the RQ queue, or now. func must be importable and need no app context."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return func(*args, **kwargs)
    from redis import Redis
    from rq import Queue

    return Queue("gongzhi", connection=Redis.from_url(url)).enqueue(func, *args, **kwargs)
