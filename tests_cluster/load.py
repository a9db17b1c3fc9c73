"""Clients requesting pages in a loop while a node is killed: every answer checked, every failure
kept with its reason."""

from __future__ import annotations

import itertools
import threading
import time

import requests


def api_ok(response: requests.Response) -> str | None:
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    if "/api/" in response.url and not response.json().get("success"):
        return f"success false: {response.text[:200]}"
    return None


class Load:
    """`threads` clients each requesting the next URL of the list as soon as the last answered."""

    def __init__(self, urls: list[str], threads: int = 4, timeout: float = 30, check=api_ok):
        self.urls, self.threads, self.timeout, self.check = urls, threads, timeout, check
        self.done = 0
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._workers: list[threading.Thread] = []

    def _run(self, offset: int) -> None:
        session = requests.Session()
        for url in itertools.islice(itertools.cycle(self.urls), offset, None):
            if self._stop.is_set():
                return
            try:
                reason = self.check(session.get(url, timeout=self.timeout))
            except (requests.RequestException, ValueError) as e:
                reason = f"{type(e).__name__}: {e}"
            with self._lock:
                self.done += 1
                if reason:
                    self.failures.append(f"{time.strftime('%H:%M:%S')} {url}: {reason}")

    def wait_done(self, count: int, timeout: float = 60) -> None:
        """Until `count` more requests have been answered."""
        target = self.done + count
        deadline = time.monotonic() + timeout
        while self.done < target:
            assert time.monotonic() < deadline, (
                f"only {self.done} of {target} requests answered in {timeout} s"
            )
            time.sleep(0.1)

    def __enter__(self) -> Load:
        for k in range(self.threads):
            t = threading.Thread(target=self._run, args=(k,), daemon=True)
            t.start()
            self._workers.append(t)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for t in self._workers:
            t.join(self.timeout + 5)
