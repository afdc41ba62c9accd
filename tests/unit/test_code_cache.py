"""The code cache's pruning: least recently used files go first, down to 80 % of the limit."""

from __future__ import annotations

import os
from pathlib import Path

from camllvm.codecache import prune


def _file(path: Path, size: int, used: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0" * size)
    os.utime(path, (used, used))
    return path


def test_prune_removes_least_recently_used_down_to_80_percent(tmp_path: Path) -> None:
    old = _file(tmp_path / "ab" / "ab01.o", 400, 1000.0)
    lib = _file(tmp_path / "hot" / "p-20000-10000-d.so", 300, 2000.0)
    new = _file(tmp_path / "cd" / "cd02.o", 400, 3000.0)
    hot_list = _file(tmp_path / "hot" / "p-20000-10000.txt", 50, 500.0)
    assert prune(str(tmp_path), 2000) == 0  # under the limit: nothing goes
    assert prune(str(tmp_path), 1000) == 400  # 1100 > 1000: down to 700 <= 800
    assert not old.exists() and lib.exists() and new.exists()
    assert hot_list.exists()  # (lists are tiny and name what to relink: kept)
    assert prune(str(tmp_path), 500) == 300  # 700 > 500: down to 400 <= 400
    assert not lib.exists() and new.exists()
