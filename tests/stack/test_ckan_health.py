"""`make up`'s health check of CKAN (scripts/stack.sh): its own CKAN, still starting or busy,
is waited for with progress — it used to be taken for "another process" after 5 s (exit 2) —
and a pid file naming a process that is not ours is not trusted."""

from __future__ import annotations

import subprocess
import textwrap

from ..conftest import ROOT, STACK, free_port

# A WSGI app that answers 503 (not ready) until a file exists, like a CKAN still loading.
APP = textwrap.dedent("""
    import os
    def application(environ, start_response):
        ready = os.path.exists(os.environ["READY_FILE"])
        start_response("200 OK" if ready else "503 Service Unavailable", [("Content-Type", "text/plain")])
        return [b"ok" if ready else b"starting"]
""")


def _env(state, port, timeout="120"):
    import os

    return {
        **os.environ,
        "METROPOLE_STATE_DIR": str(state),
        "METROPOLE_CKAN_PORT": str(port),
        "METROPOLE_CKAN_START_TIMEOUT": timeout,
    }


def test_a_pid_file_naming_another_program_is_not_ours(tmp_path):
    (tmp_path / "run").mkdir()
    other = subprocess.Popen(["sleep", "120"])
    try:
        (tmp_path / "run" / "ckan.pid").write_text(str(other.pid))
        result = subprocess.run(
            ["bash", str(STACK), "ckan-wait"],
            env=_env(tmp_path, free_port()),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 1, result.stderr
    finally:
        other.kill()


def test_our_ckan_still_starting_is_waited_for_with_progress(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "app.py").write_text(APP)
    ready, port = tmp_path / "ready", free_port()
    import os

    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "--chdir",
            str(tmp_path),
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            "app:application",
        ],
        env={**os.environ, "READY_FILE": str(ready)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        (tmp_path / "run" / "ckan.pid").write_text(str(server.pid))
        check = subprocess.Popen(
            ["bash", str(STACK), "ckan-wait"],
            env=_env(tmp_path, port),
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        line = check.stderr.readline()  # blocks until the first progress line (after ~10 s)
        assert f"ckan: pid {server.pid} is ours and not answering yet" in line
        assert check.poll() is None  # still waiting, not "port taken by another process"
        ready.touch()
        assert check.wait(60) == 0
    finally:
        server.terminate()
        server.wait(30)
