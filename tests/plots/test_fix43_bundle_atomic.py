"""The Vega bundle cache writes through the one atomic writer (``_atomic_write.write_text_atomic``, fix43) and
keeps what made its file trusted: mode 0600 whatever the umask or the file it replaces, and a link put at its
path (a shared cache folder) replaced, never written through to the file it names."""

from __future__ import annotations

import os
from pathlib import Path

import test_attack31_bundle_cache_trust as trust

from workbench import plots
from workbench._atomic_write import write_text_atomic
from workbench.plots import _bundle_cache

posix = trust.posix


fresh = trust.fresh  # (a process that has not drawn a chart, a cache folder of its own, the bundles built)


def _bundle_path() -> Path:
    key = _bundle_cache._key()
    assert key is not None
    path = _bundle_cache._path(key[0])
    assert path is not None
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@posix
def test_a_bundle_replacing_a_file_others_may_write_is_private(fresh: list[str]) -> None:
    path = _bundle_path()
    path.write_text("damaged")
    path.chmod(0o666)
    old = os.umask(0o002)
    try:
        plots.enable_offline()
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o600
    assert _bundle_cache.read() == fresh[0] and len(fresh) == 1


@posix
def test_a_link_at_the_bundles_path_is_replaced_not_followed(fresh: list[str], tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("this user's own file")
    path = _bundle_path()
    path.symlink_to(victim)
    plots.enable_offline()
    assert victim.read_text() == "this user's own file"
    assert not path.is_symlink() and _bundle_cache.read() == fresh[0]


@posix
def test_the_writer_keeps_a_files_mode_unless_told_one(tmp_path: Path) -> None:
    shared = tmp_path / "policy.yaml"
    shared.write_text("old")
    shared.chmod(0o644)
    write_text_atomic(shared, "new")
    assert shared.read_text() == "new" and shared.stat().st_mode & 0o777 == 0o644
    write_text_atomic(shared, "private", mode=0o600)
    assert shared.read_text() == "private" and shared.stat().st_mode & 0o777 == 0o600
    link = tmp_path / "link.yaml"
    link.symlink_to(shared)
    write_text_atomic(link, "through the link")
    assert link.is_symlink() and shared.read_text() == "through the link"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
