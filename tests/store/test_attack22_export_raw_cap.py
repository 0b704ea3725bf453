"""An export whose step holds a field past the size limit (forged, or from a store of another limit) is
quarantined, and its quarantine row kept the whole row as its text: a 30 MB field put 30 MB into the
quarantine per row, where every reject of the logs keeps at most its first MiB (schema.sql: raw is the
record's source text, at most its first MiB; raw_bytes and raw_sha256 are the whole record's)."""

from __future__ import annotations

from pathlib import Path

from test_attack20_export_outcomes import _export, _forge

import workbench as wb
from workbench.ingest._fields import MAX_FIELD_BYTES
from workbench.ingest._jsonio import MAX_RAW_BYTES


def test_export_reject_keeps_at_most_a_mib_of_its_text(tmp_path: Path) -> None:
    folder = _export(tmp_path)
    chars = MAX_FIELD_BYTES // 2 + 7  # 'é' is 2 bytes: past the field limit, and a cut may split none
    _forge(
        folder,
        "steps",
        f"* REPLACE (CASE WHEN step_id = 's2' THEN repeat('é', {chars}) ELSE input END AS input)",
    )
    ws = wb.open()
    rep = ws.ingest(folder, progress=False)
    # (the export's own quarantined line is the third reject)
    assert (rep.read, rep.stored, rep.quarantined) == (7, 4, 3) and rep.read == rep.stored + rep.quarantined
    rows = ws.sql(
        "SELECT raw, raw_bytes, raw_sha256 FROM quarantine WHERE source = 'export' ORDER BY run_id"
    ).fetchall()
    assert len(rows) == 2
    for raw, size, digest in rows:
        assert len(raw.encode()) <= MAX_RAW_BYTES
        assert raw.startswith('{"run_id":') and raw.endswith("é")  # (cut inside the input, on a character)
        assert size > MAX_FIELD_BYTES and len(digest) == 64
    # the same export again adds no second copy of a reject (matched on the whole row's hash)
    again = ws.ingest(folder, progress=False)
    assert again.quarantined == 3
    assert ws.sql("SELECT count(*) FROM quarantine WHERE source = 'export'").fetchall() == [(2,)]
