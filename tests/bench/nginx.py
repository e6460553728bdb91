"""deploy/nginx.conf as shipped, run here: a self-signed certificate, the CHANGE lines filled
in, nginx started in a folder of its own (Debian's nginx-light). Used by the deployment
test and the nginx benchmark."""

from __future__ import annotations

import contextlib
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from app.config import PROJECT_ROOT

SHIPPED = PROJECT_ROOT / "deploy" / "nginx.conf"
HOST = "course.test"


def certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST},IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def site_config(
    app_ports: int | list[int],
    http_port: int,
    https_port: int,
    cert: Path,
    key: Path,
    cache: Path,
    build: Path,
) -> str:
    """The shipped file with its CHANGE lines filled in for this machine (one upstream
    server per port in `app_ports`)."""
    ports = [app_ports] if isinstance(app_ports, int) else app_ports
    text = SHIPPED.read_text()
    servers = "\n    ".join(f"server 127.0.0.1:{port};" for port in ports)
    text = text.replace("server 127.0.0.1:8000;", servers)
    text = text.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    text = text.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    text = re.sub(r"\n\s*listen \[::\]:\d+( ssl http2)?;", "", text)
    text = text.replace("course.example.org;", f"{HOST};")
    text = re.sub(r"ssl_certificate .*;", f"ssl_certificate {cert};", text)
    text = re.sub(r"ssl_certificate_key .*;", f"ssl_certificate_key {key};", text)
    text = text.replace("/var/cache/nginx/omnicourse", str(cache))
    text = text.replace("/srv/omnicourse/instance/build/", f"{build}/")
    return text.replace("/srv/omnicourse/static/", f"{PROJECT_ROOT / 'static'}/")


@contextlib.contextmanager
def nginx(folder: Path, site: str) -> Iterator[None]:
    folder.mkdir()
    (folder / "site.conf").write_text(site)
    (folder / "nginx.conf").write_text(
        f"""user root;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{}}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    include {folder}/site.conf;
}}
"""
    )
    process = subprocess.Popen(
        ["nginx", "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while not (folder / "nginx.pid").exists():  # written once it listens
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.05)
        yield
    finally:
        process.terminate()
        process.wait(timeout=20)
        process.stderr.close()
