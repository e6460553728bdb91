"""Production WSGI server: gunicorn with the app factory, several worker processes."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from app import create_app

        return create_app()


def run_server(host: str, port: int, workers: int) -> None:
    _Gunicorn(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": 4,
            "accesslog": "-",
            "timeout": 60,
            # Longer than browsers' idle reuse, so a kept-alive connection is not
            # closed by the server just as the client sends on it.
            "keepalive": 75,
            "graceful_timeout": 10,
        }
    ).run()
