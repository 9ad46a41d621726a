# tests/ssh/: ssh transport tests (filled by its slice).
