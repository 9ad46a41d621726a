# tests/transport/: HTTPS transport tests (filled by its slice).
