# core/transport/: HTTPS transport (filled by its slice).
