# core/ledger/: the PROVE ledger (filled by its slice).
