"""Gzip bombs: ~1 MB ``.gz`` files that inflate to 1 GiB, ingested with bounded memory.

Usage::

    python bench/ingest_bombs.py              # 1 GiB per bomb
    python bench/ingest_bombs.py --gib 0.25   # smaller bombs

Cases: a native file with one good line then one 1 GiB line; the same in OTLP JSONL; one Langfuse,
one Who&When and one OTLP document padded to 1 GiB with whitespace; and a baseline of one good line
(the floor: interpreter, imports, DuckDB). Each case runs in its own process, so its peak RSS is its
own. Prints a markdown table: case, decompressed size, seconds, peak RSS, ratio of peak RSS to the
baseline's, and what the ingest did.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

MIB = 1024 * 1024
T0 = 1_767_225_600_000_000_000


def _bomb(path: Path, prefix: bytes, filler: bytes, size: int, suffix: bytes) -> int:
    """Write ``prefix + filler * n + suffix`` (``size`` bytes of filler) as concatenated gzip members.

    One MiB of filler is compressed once and its member repeated: fast to write, and what any
    gzip reader (ours included) must read as one stream.
    """
    block = gzip.compress(filler * (MIB // len(filler)), compresslevel=9)
    with open(path, "wb") as fh:
        fh.write(gzip.compress(prefix))
        for _ in range(size // MIB):
            fh.write(block)
        fh.write(gzip.compress(suffix))
    return len(prefix) + (size // MIB) * MIB + len(suffix)


def _otlp_span(sid: str) -> dict:
    return {
        "traceId": "0af7651916cd43dd8448eb211c80319c",
        "spanId": sid,
        "name": "chat",
        "startTimeUnixNano": str(T0),
        "endTimeUnixNano": str(T0 + 1000),
        "status": {"code": 1},
        "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}}],
    }


def _otlp_doc(sid: str) -> bytes:
    return json.dumps(
        {
            "resourceSpans": [
                {
                    "resource": {"attributes": []},
                    "scopeSpans": [{"scope": {"name": "t"}, "spans": [_otlp_span(sid)]}],
                }
            ]
        }
    ).encode()


def make_cases(folder: Path, size: int) -> dict[str, tuple[Path, int]]:
    """The bomb files, by case name: (path, decompressed bytes)."""
    good = json.dumps(
        {"run_id": "r", "step_id": "s1", "kind": "llm", "started_at": T0, "ended_at": T0 + 9}
    ).encode()
    cases: dict[str, tuple[Path, int]] = {}
    p = folder / "baseline.jsonl.gz"
    p.write_bytes(gzip.compress(good + b"\n"))
    cases["baseline: one good native line"] = (p, len(good) + 1)
    p = folder / "native.jsonl.gz"
    cases["native: good line, then a 1 GiB line"] = (
        p,
        _bomb(p, good + b'\n{"run_id": "r", "step_id": "s2", "input": "', b"x", size, b'"}\n'),
    )
    p = folder / "otlp-line.jsonl.gz"
    line = _otlp_doc("b7ad6b7169203331")
    cases["otlp: good line, then a 1 GiB line"] = (
        p,
        _bomb(p, line + b"\n" + line[:-1] + b', "padding": "', b"x", size, b'"}\n'),
    )
    p = folder / "langfuse.json.gz"
    lf = json.dumps(
        {
            "trace": {"id": "t1", "projectId": "p"},
            "observations": [
                {
                    "id": "o1",
                    "traceId": "t1",
                    "type": "SPAN",
                    "name": "x",
                    "startTime": "2026-01-01T00:00:00Z",
                    "projectId": "p",
                    "parentObservationId": None,
                }
            ],
        }
    ).encode()
    cases["langfuse: one document padded with 1 GiB of whitespace"] = (
        p,
        _bomb(p, lf[:-1] + b"\n", b" ", size, b"\n}"),
    )
    p = folder / "whowhen.json.gz"
    ww = json.dumps(
        {
            "question": "q",
            "question_ID": "x",
            "history": [{"content": "hi", "name": "A"}],
            "mistake_agent": "A",
            "mistake_step": "0",
        }
    ).encode()
    cases["whowhen: one document padded with 1 GiB of whitespace"] = (
        p,
        _bomb(p, ww[:-1] + b"\n", b" \n", size, b"}"),
    )
    p = folder / "otlp-doc.json.gz"
    doc = _otlp_doc("b7ad6b7169203331")
    cases["otlp: one document padded with 1 GiB of whitespace"] = (
        p,
        _bomb(p, doc[:-1] + b"\n", b" ", size, b"}"),
    )
    return cases


_CHILD = """
import json, resource, sys, time
t = time.perf_counter()
import workbench as wb
ws = wb.open()
r = ws.ingest(sys.argv[1])
reasons = [x[:90] for x in ws.quarantine()["reason"].tolist()]
print(json.dumps({"seconds": time.perf_counter() - t, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "read": r.read, "stored": r.stored, "quarantined": r.quarantined, "reasons": reasons,
                  "q_raw_max": int(ws.sql("SELECT coalesce(max(length(raw)), 0) FROM quarantine").fetchall()[0][0])}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gib", type=float, default=1.0, help="decompressed size of each bomb, in GiB")
    args = ap.parse_args()
    size = int(args.gib * 1024) * MIB
    with tempfile.TemporaryDirectory() as tmp:
        cases = make_cases(Path(tmp), size)
        rows = []
        base_rss = None
        for name, (path, inflated) in cases.items():
            out = subprocess.run(
                [sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, check=False
            )
            if out.returncode != 0:
                rows.append(
                    (
                        name,
                        inflated,
                        path.stat().st_size,
                        float("nan"),
                        float("nan"),
                        "-",
                        f"FAILED: {out.stderr.strip().splitlines()[-1][:120]}",
                    )
                )
                continue
            res = json.loads(out.stdout.strip().splitlines()[-1])
            rss_mb = res["rss"] / 1024
            base_rss = rss_mb if base_rss is None else base_rss
            what = f"read {res['read']}, stored {res['stored']}, quarantined {res['quarantined']}" + (
                f" ({'; '.join(res['reasons'])[:110]}); largest raw kept {res['q_raw_max']:,} chars"
                if res["reasons"]
                else ""
            )
            rows.append(
                (
                    name,
                    inflated,
                    path.stat().st_size,
                    res["seconds"],
                    rss_mb,
                    f"{rss_mb / base_rss:.2f}",
                    what,
                )
            )
    print(
        f"load average {os.getloadavg()}, python {sys.version.split()[0]}, "
        f"parent max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB\n"
    )
    print("| case | decompressed | .gz size | seconds | peak RSS (MB) | RSS / baseline | outcome |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for name, inflated, packed, secs, rss, ratio, what in rows:
        print(
            f"| {name} | {inflated / MIB:,.1f} MiB | {packed / 1024:,.0f} KiB | {secs:.1f} | {rss:,.0f} | {ratio} "
            f"| {what} |"
        )


if __name__ == "__main__":
    main()
