# tests/sim/: (filled by its slice)
