"""The opcode tables tier.c reads, written out in tier.py so that start-up needs no enum."""

from camllvm.tier import FLAGS, OPERANDS, opcode_tables


def test_written_out_tables_are_the_computed_ones() -> None:
    assert (OPERANDS, FLAGS) == opcode_tables()
