# tests/ledger/: (filled by its slice)
