#!/usr/bin/env python3
"""An independent, stdlib-only re-implementation of the reference Proximo
ledger (anchor-proximo.md section 3): it writes entries exactly as the
Python reference does and verifies with the reference's rules.  Used by the
interoperability test: it must never import or call our code.

usage: refledger.py write LEDGER N [--key KEYFILE] [--seed S]
       refledger.py verify LEDGER [--key KEYFILE]      (prints JSON)
       refledger.py mkkey KEYFILE
"""
import datetime, hashlib, hmac, json, os, random, sys

GENESIS = "0" * 64


def load_key(path):
    txt = open(path).read().strip()
    if not txt:
        raise SystemExit("key empty")
    key = bytes.fromhex(txt)
    if len(key) < 32:
        raise SystemExit("key too short")
    return key


def canonical(body):
    return json.dumps(body, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def entry_hash(key, prev, body):
    msg = prev.encode("ascii") + canonical(body)
    if key is not None:
        return hmac.new(key, msg, hashlib.sha256).hexdigest()
    return hashlib.sha256(msg).hexdigest()


def last_hash(path):
    head = GENESIS
    if not os.path.exists(path):
        return head
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if isinstance(e, dict) and isinstance(e.get("entry_hash"), str):
                head = e["entry_hash"]
    return head


def sanitize(s):
    s = "".join("?" if ord(c) < 0x20 else c for c in s)
    return s if len(s) <= 512 else s[:512] + "\u2026[truncated]"


def details(rng, i):
    pool = [
        {},
        {"risk": "high", "current": {"status": "running", "cpus": 4}},
        {"intent": hashlib.sha256(b"x%d" % i).hexdigest()[:12], "percent": rng.random() * 100},
        {"note": "caf\u00e9 \u2603 \U0001F600 \u2028 \x7f tab\t nl\n ctl\x01 quote\" bs\\"},
        {"big": 2 ** 70, "neg": -17, "f": 1e-05, "g": 1e16, "h": 123456789.125, "z": 0.0},
        {"list": [1, "two", None, True, False, {"b": 1, "a": [2.5, -0.5]}]},
        {"cmd_sha256": hashlib.sha256(b"ls").hexdigest(), "cmd_kind": "ls", "cmd_len": 2},
        {"\u00e9key": 1, "Zkey": 2, "akey": 3, "\x01k": 4},
    ]
    return pool[i % len(pool)]


def write(path, n, key, seed):
    rng = random.Random(seed)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as f:
        prev = last_hash(path)
        for i in range(n):
            entry = {
                "ts": datetime.datetime.now(datetime.timezone.utc).isoformat(),
                "action": ["pve_guest_start", "ct_exec", "audit_verify"][i % 3],
                "target": sanitize("lxc/%d:\x1bstart" % (100 + i)),
                "mutation": i % 2 == 0,
                "outcome": ["ok", "planned", "executing", "blocked:allowlist"][i % 4],
                "detail": details(rng, i),
            }
            if i % 5 == 0:
                entry["principal"] = {"id": "alice", "via": "spawn", "face": "stdio"}
            body = dict(entry)
            entry["prev_hash"] = prev
            entry["entry_hash"] = entry_hash(key, prev, body)
            if key is not None:
                entry["alg"] = "hmac-sha256"
            f.write(json.dumps(entry, separators=(",", ":"), ensure_ascii=False) + "\n")
            prev = entry["entry_hash"]
        f.flush()
        os.fsync(f.fileno())


def verify(path, key):
    head, n, sealed = GENESIS, 0, False
    res = {"ok": True, "entries": 0, "broken_at": None, "reason": None}
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.strip()
            if not line:
                continue
            def fail(reason):
                res.update(ok=False, broken_at=lineno, reason=reason)
                return res
            if sealed:
                return fail("entry recorded after ledger seal")
            try:
                e = json.loads(line)
            except ValueError:
                return fail("unparseable line")
            if not isinstance(e, dict):
                return fail("non-object line")
            if e.get("prev_hash") != head:
                return fail("prev_hash mismatch (entry inserted, removed, or reordered)")
            alg = e.get("alg")
            if key is not None and alg != "hmac-sha256":
                return fail("expected an HMAC-keyed entry but found none (possible downgrade)")
            if key is None and alg == "hmac-sha256":
                return fail("chain is HMAC-keyed but verify() has no key")
            if key is None and alg is not None:
                return fail("unknown chain alg %r" % alg)
            stored = e.get("entry_hash")
            if not isinstance(stored, str):
                return fail("entry_hash missing or not a string")
            body = {k: v for k, v in e.items() if k not in ("prev_hash", "entry_hash", "alg")}
            if not hmac.compare_digest(stored, entry_hash(key, head, body)):
                return fail("entry_hash mismatch (entry altered)")
            if e.get("action") == "audit_rotate" and (e.get("detail") or {}).get("sealed") is True:
                sealed = True
            head = stored
            n += 1
    res.update(entries=n, head=head)
    return res


def main(argv):
    key = None
    if "--key" in argv:
        key = load_key(argv[argv.index("--key") + 1])
    seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else 1
    if argv[1] == "mkkey":
        fd = os.open(argv[2], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, (os.urandom(32).hex() + "\n").encode())
        os.close(fd)
    elif argv[1] == "write":
        write(argv[2], int(argv[3]), key, seed)
    elif argv[1] == "verify":
        res = verify(argv[2], key)
        print(json.dumps(res))
        return 0 if res["ok"] else 1
    else:
        raise SystemExit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
