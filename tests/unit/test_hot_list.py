"""The tiered mode's hot list (Jit._hot_list): parsing what earlier runs appended."""

from __future__ import annotations

from camllvm.jit import _hot_loops, _hot_plans


def test_last_line_of_an_entry_wins_and_malformed_lines_are_skipped() -> None:
    lines = ["120 -1 d:120", "400 396 d:400", "120 -1 d:120:88>400", "12", "x y z",
             "7 -1 d:7 extra", "500 -1 d:5"[:6]]  # (the last: cut short by a kill)
    plans = {p.entry: p for p in _hot_plans(lines)}
    assert sorted(plans) == [120, 400]
    assert plans[120].source_key == "d:120:88>400" and plans[120].restart is None
    assert plans[400].restart == 396 and plans[400].offset == 400


def test_loops_are_listed_apart_and_need_their_hand_off_targets() -> None:
    """OSR lines ("osr header key") are not functions; a loop whose code hands off to a
    loop that is not listed is left out (the library could not be loaded)."""
    lines = ["osr 40 d:40:osr:[]", "osr 80 d:80:osr:[40]:84>200", "osr 96 d:96:osr:[40, 120]",
             "osr 40 d:40:osr:[]:44>200", "200 -1 d:200", "osr x d:1:osr:[]",
             "osr 300 d:300:osr:[96]"]  # (300 hands off to 96, which is left out)
    assert _hot_loops(lines) == {40: "d:40:osr:[]:44>200", 80: "d:80:osr:[40]:84>200"}
    assert [p.entry for p in _hot_plans(lines)] == [200]
