"""The same OTLP traces loaded into Arize Phoenix and into the workbench, side by side.

Usage::

    python bench/peers.py                 # 2,000 spans (Phoenix stores ~75-80 spans/s on 2 cores)
    python bench/peers.py --spans 20000   # minutes on such a machine

Phoenix is never a workbench dependency: the script makes its own virtual environment for it
(``--venv``, default ``~/.cache/workbench-peers/phoenix``; ``pip install arize-phoenix`` the first time)
and runs ``phoenix serve`` there, offline, with a fresh SQLite working directory. Every listener stays
on loopback: Phoenix binds its OTLP gRPC port on all interfaces whatever ``PHOENIX_HOST`` says, so the
server is started through a wrapper that rewrites gRPC's bind address to 127.0.0.1 (the listening
sockets are checked and printed). Spans are recorded with the real OpenTelemetry SDK, sent to Phoenix
as OTLP/HTTP protobuf requests of 512 spans (retried on 503, its back-pressure answer), and written as
OTLP JSON lines for the workbench. Time to queryable: Phoenix, from the first request until its GraphQL
``recordCount`` reaches every span; the workbench, ``ws.ingest`` of the file (queryable when it returns).
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import _sdk_template  # noqa: E402 - the SDK-recorded trace of the ingest benchmark

_WRAPPER = r"""
import sys
import grpc.aio._server as _srv
_add = _srv.Server.add_insecure_port
def _loopback(self, address):
    host, _, port = address.rpartition(":")
    return _add(self, "127.0.0.1:" + port)
_srv.Server.add_insecure_port = _loopback
from phoenix.server.main import main
sys.argv = ["phoenix", "serve"]
main()
"""


def _loopback(host: str) -> bool:
    ip = ipaddress.ip_address(host)
    mapped = getattr(ip, "ipv4_mapped", None)  # gRPC reports ::ffff:127.0.0.1
    return ip.is_loopback or bool(mapped and mapped.is_loopback)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _phoenix_python(venv: Path) -> Path:
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "arize-phoenix"], check=True)
    return python


def _spans(n_spans: int) -> tuple[list[bytes], list[str]]:
    """(OTLP protobuf requests of 512 spans, OTLP JSON lines): the same spans, fresh trace and span ids."""
    import base64

    from google.protobuf.json_format import ParseDict
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    shell, spans, trace_id = _sdk_template()
    per = max(1, 512 // len(spans))
    n_traces = max(1, n_spans // len(spans))
    requests, lines = [], []
    for first in range(0, n_traces, per):
        batch = []
        for t in range(first, min(first + per, n_traces)):
            new = base64.b64encode((t + 1).to_bytes(16, "big")).decode()
            # Phoenix keys spans by span id alone: every replica needs fresh span ids too
            ids = {
                json.loads(sp)["spanId"]: base64.b64encode(((t + 1) << 16 | i).to_bytes(8, "big")).decode()
                for i, sp in enumerate(spans)
            }
            for sp in spans:
                text = sp.replace(f'"{trace_id}"', f'"{new}"')
                for old_id, new_id in ids.items():
                    text = text.replace(f'"{old_id}"', f'"{new_id}"')
                batch.append(json.loads(text))
        doc = {
            "resourceSpans": [
                {"resource": shell["resource"], "scopeSpans": [{"scope": shell["scope"], "spans": batch}]}
            ]
        }
        requests.append(ParseDict(doc, ExportTraceServiceRequest()).SerializeToString())
        lines.append(json.dumps(doc, separators=(",", ":")))
    return requests, lines


def _post(url: str, body: bytes, content_type: str = "application/x-protobuf") -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""
    except (urllib.error.URLError, OSError):  # not listening yet (starting) or gone
        return -1, b""


def _record_count(base: str) -> int:
    query = json.dumps({"query": "{ projects { edges { node { recordCount } } } }"}).encode()
    status, body = _post(f"{base}/graphql", query, "application/json")
    if status != 200:
        return -1
    edges = json.loads(body)["data"]["projects"]["edges"]
    return sum(e["node"]["recordCount"] for e in edges)


def run_phoenix(python: Path, requests: list[bytes], n_spans: int, timeout: float) -> dict:
    port, grpc_port = _free_port(), _free_port()
    with tempfile.TemporaryDirectory() as work:
        env = dict(
            os.environ,
            PHOENIX_WORKING_DIR=work,
            PHOENIX_HOST="127.0.0.1",
            PHOENIX_PORT=str(port),
            PHOENIX_GRPC_PORT=str(grpc_port),
            PHOENIX_TELEMETRY_ENABLED="false",
        )
        env.pop("PYTHONPATH", None)
        proc = subprocess.Popen(
            [str(python), "-c", _WRAPPER], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.time() + 600
            while _record_count(base) < 0:
                if proc.poll() is not None or time.time() > deadline:
                    raise SystemExit("Phoenix did not start")
                time.sleep(1)
            listening = sorted(
                {
                    f"{c.laddr.ip}:{c.laddr.port}"
                    for p in [psutil.Process(proc.pid)]
                    for c in p.net_connections(kind="inet")
                    if c.status == psutil.CONN_LISTEN
                }
            )
            if not all(_loopback(a.rpartition(":")[0]) for a in listening):
                raise SystemExit(f"Phoenix listens beyond loopback: {listening}")
            start = time.perf_counter()
            for body in requests:
                while (status := _post(f"{base}/v1/traces", body)[0]) == 503:
                    time.sleep(2)
                if status >= 300:
                    raise SystemExit(f"Phoenix answered {status}")
            accepted = time.perf_counter() - start
            stored = 0
            while stored < n_spans and time.perf_counter() - start < timeout:
                time.sleep(2)
                stored = max(stored, _record_count(base))
            seconds = time.perf_counter() - start
            peak_mb = _vm_hwm_mb(proc.pid)
        finally:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return {
        "stored": stored,
        "seconds": seconds,
        "accepted_s": accepted,
        "peak_mb": peak_mb,
        "listening": listening,
    }


def _vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _workbench_child(path: str) -> None:
    import workbench as wb

    start = time.perf_counter()
    with wb.open() as ws:
        ws.ingest(path, progress=False)
        stored = ws.count("steps")
    print(
        json.dumps(
            {
                "stored": stored,
                "seconds": time.perf_counter() - start,
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--spans", type=int, default=2000)
    parser.add_argument("--venv", type=Path, default=Path.home() / ".cache" / "workbench-peers" / "phoenix")
    parser.add_argument(
        "--timeout", type=float, default=1800, help="seconds to wait for Phoenix to store all"
    )
    parser.add_argument("--workbench-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.workbench_child:
        _workbench_child(args.workbench_child)
        return
    python = _phoenix_python(args.venv)
    requests, lines = _spans(args.spans)
    n = sum(len(json.loads(line)["resourceSpans"][0]["scopeSpans"][0]["spans"]) for line in lines)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "traces.jsonl"
        path.write_text("\n".join(lines) + "\n")
        env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
        out = subprocess.run(
            [sys.executable, __file__, "--workbench-child", str(path)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        ours = json.loads(out.stdout.strip().splitlines()[-1])
    phoenix = run_phoenix(python, requests, n, args.timeout)
    print(
        f"load average: {os.getloadavg()}; {n:,} spans; Phoenix listened on {phoenix['listening']} "
        f"(accepted every request after {phoenix['accepted_s']:.1f} s)"
    )
    print("| system | spans stored | time to queryable s | spans/s | peak RSS MB | time / workbench |")
    print("|---|---|---|---|---|---|")
    for name, res in (("workbench", ours), ("Arize Phoenix", phoenix)):
        print(
            f"| {name} | {res['stored']:,} | {res['seconds']:.1f} | {res['stored'] / res['seconds']:,.0f} | "
            f"{res['peak_mb']:,.0f} | {res['seconds'] / ours['seconds']:.1f}x |"
        )


if __name__ == "__main__":
    main()
