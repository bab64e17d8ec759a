"""Pure-Python mirrors of the contracts' math, to the wei."""
