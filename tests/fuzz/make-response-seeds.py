#!/usr/bin/env python3
"""Write the seed corpus of fuzz_pve_response from real answers: each tool
call of the target runs against proximo-sim, the simulator's request log
says which requests the PVE plugin made, and each one is replayed against
the simulator to record its status and body.  A seed is the call's index
followed by those answers ([status selector][length, 2 bytes LE][body]).

usage: make-response-seeds.py BUILDDIR
(the call list is read from fuzz_pve_response.c, so the indexes match)
"""
import json, os, re, ssl, struct, subprocess, sys, tempfile, time, urllib.request

here = os.path.dirname(os.path.abspath(__file__))
top = os.path.dirname(os.path.dirname(here))
build = os.path.abspath(sys.argv[1])
src = open(os.path.join(here, "fuzz_pve_response.c")).read()
block = src[src.index("static const char *const calls[] = {"):src.index("};", src.index("static const char *const calls[]"))]
calls = []
for entry in re.findall(r'((?:"(?:[^"\\]|\\.)*"\s*)+),', block):
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', entry)
    calls.append(json.loads(json.loads('"' + "".join(parts) + '"')))
STATUSES = [200, 200, 200, 200, 200, 200, 400, 401, 403, 404, 500, 501, 595, 596, 204, 302]

state = tempfile.mkdtemp()
sim = subprocess.Popen([os.path.join(build, "contrib/sim/proximo-sim"), "--port", "0",
                        "--datadir", os.path.join(top, "data"),
                        "--profile", os.path.join(top, "contrib/sim/profiles/minimal.json"),
                        "--write-token", state + "/pve.token", "--ready-file", state + "/ready",
                        "--task-ms", "50"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for _ in range(100):
    if os.path.exists(state + "/ready") and os.path.getsize(state + "/ready"):
        break
    time.sleep(0.1)
ready = json.load(open(state + "/ready"))
pve, control = ready["surfaces"]["pve"]["url"], ready["control"]["url"]
token = open(state + "/pve.token").read().strip()
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE

def control_get(path):
    return json.load(urllib.request.urlopen(control + path))

def replay(method, path, params):
    base = pve[:pve.index("/api2/json")]
    q = "&".join("%s=%s" % (k, urllib.request.quote(str(v), safe="")) for k, v in (params or {}).items())
    req = urllib.request.Request(base + path + ("?" + q if q and method == "GET" else ""),
                                 method="GET", headers={"Authorization": "PVEAPIToken=" + token})
    try:
        r = urllib.request.urlopen(req, context=ctx)
        return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()

out = os.path.join(here, "corpus", "pve_response")
os.makedirs(out, exist_ok=True)
env = dict(os.environ, PROXIMO_API_BASE_URL=pve, PROXIMO_FINGERPRINT=ready["fingerprint"],
           PROXIMO_TOKEN_PATH=state + "/pve.token", PROXIMO_NODE="pve1",
           PROXIMO_PLUGIN_DIR=os.path.join(build, "plugins/staged"), PROXIMO_ENV_FILE="/dev/null",
           PROXIMO_AUDIT_LOG=state + "/audit.log", PROXIMO_TASK_POLL_MS="50",
           PROXIMO_DATA_DIR=os.path.join(top, "data"))
for i, call in enumerate(calls):
    urllib.request.urlopen(urllib.request.Request(control + "/requests/clear", method="POST"))
    p = subprocess.Popen([os.path.join(build, "core/proximo")], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    msgs = [{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "s", "version": "1"}}},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": call}]
    p.communicate("".join(json.dumps(m) + "\n" for m in msgs).encode(), timeout=60)
    seed = bytes([i])
    for rq in control_get("/requests")["requests"]:
        if rq["method"] != "GET":
            status, body = 200, b'{"data":"UPID:pve1:00001234:00005678:65000000:qmstop:100:root@pam:"}'
        else:
            status, body = replay("GET", rq["path"], rq.get("params"))
        sel = STATUSES.index(status) if status in STATUSES else 10
        body = body[:65535]
        seed += bytes([sel]) + struct.pack("<H", len(body)) + body
    name = "seed-%02d-%s" % (i, call["name"])
    open(os.path.join(out, name), "wb").write(seed)
    # the same answers as errors: the error paths of each call
    open(os.path.join(out, name + "-500"), "wb").write(bytes([i, 10, 2, 0]) + b"{}")
# Task answers the simulator cannot be asked for (no such task): running,
# finished OK, failed, with warnings, and a log.
UPID = "UPID:pve1:00001234:00005678:65000000:qmstart:100:root@pam:"
def task(status, exitstatus=None):
    d = {"upid": UPID, "node": "pve1", "pid": 4660, "pstart": 22136, "starttime": 1694498816,
         "type": "qmstart", "id": "100", "user": "root@pam", "status": status}
    if exitstatus is not None:
        d["exitstatus"] = exitstatus
    return json.dumps({"data": d}).encode()
for name, body in [("running", task("running")), ("ok", task("stopped", "OK")),
                   ("failed", task("stopped", "command 'qm start 100' failed: exit code 255")),
                   ("warnings", task("stopped", "WARNINGS: 2")),
                   ("unknown_status", task("zombie", 7))]:
    open(os.path.join(out, "seed-00-task-" + name), "wb").write(
        bytes([0, 0]) + struct.pack("<H", len(body)) + body)
log = json.dumps({"data": [{"n": 1, "t": "starting"}, {"n": 2, "t": "\u001b[31mred\nTASK OK"}],
                  "total": 2}).encode()
open(os.path.join(out, "seed-07-task-log"), "wb").write(bytes([7, 0]) + struct.pack("<H", len(log)) + log)
sim.terminate()
sim.wait()
print("pve_response seeds:", len(os.listdir(out)), "files in", out)
