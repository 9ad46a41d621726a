# tests/unit/: (filled by its slice)
