# core/transport/: ssh transport (filled by its slice).
