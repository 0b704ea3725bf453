"""The hash of the extension's sources, recorded beside the build and checked by the tests.

``python extensions/source_hash.py`` prints it; ``--write FILE`` records it (build.sh does).
Only what changes the built JavaScript counts: the TypeScript, the styles, package.json,
tsconfig.json and the lock file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

SOURCE = Path(__file__).resolve().parent / "workbench-jupyterlab"
PATTERNS = ("src/**/*", "style/**/*", "package.json", "tsconfig.json", "yarn.lock", ".yarnrc.yml")


def source_files(root: Path = SOURCE) -> list[Path]:
    """Every file the build reads, in a stable order."""
    files = {p for pattern in PATTERNS for p in root.glob(pattern) if p.is_file()}
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


def source_hash(root: Path = SOURCE) -> str:
    """sha256 over the relative path and bytes of every source file (line endings as stored)."""
    digest = hashlib.sha256()
    for path in source_files(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", type=Path, help="write build_info.json here")
    args = parser.parse_args()
    value = source_hash()
    if args.write:
        info = {
            "sources_sha256": value,
            "sources": [p.relative_to(SOURCE).as_posix() for p in source_files()],
        }
        args.write.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    print(value)


if __name__ == "__main__":
    main()
