#!/usr/bin/env python3
"""Write the seed corpora of the JSON-fed fuzz targets (framer, schema,
dispatch) into tests/fuzz/corpus/<target>/seed-*.

The seeds are real MCP messages (the shapes the official SDK clients send),
JSONTestSuite-style cases written here (y_: must parse, n_: must not,
i_: implementation-defined, in the spirit of nst/JSONTestSuite), and hostile
shapes.  The output is deterministic; re-run after changing this file and
commit the result.  The ledger corpus is made by make-ledger-seeds.sh.

usage: make-seeds.py [TESTS_FUZZ_DIR]
"""
import hashlib
import json
import os
import sys

here = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
corpus = os.path.join(here, "corpus")

# ---------------------------------------------------------------- JSON cases
Y = {  # must parse
    "y_object_empty": b"{}",
    "y_array_empty": b"[]",
    "y_string_unicode_escape": b'["\\u00e9\\u2603\\ud83d\\ude00"]',
    "y_string_utf8": '["caf\u00e9 \u2603 \U0001F600"]'.encode(),
    "y_string_escapes": b'["\\"\\\\\\/\\b\\f\\n\\r\\t"]',
    "y_string_u2028": '["\u2028\u2029"]'.encode(),
    "y_number_int": b"[123]",
    "y_number_negative_zero": b"[-0]",
    "y_number_exp": b"[1E22, 1e-5, 1.5e+3, -2.5E-3]",
    "y_number_big_int": b"[9223372036854775807]",
    "y_number_min_int": b"[-9223372036854775808]",
    "y_number_real_frac": b"[0.000000000000000000000000001]",
    "y_literals": b"[true, false, null]",
    "y_nested": b'{"a":[{"b":{"c":[1,[2,[3]]]}}]}',
    "y_whitespace": b' \t\r\n{ "a" : [ 1 , 2 ] } \t\r\n',
    "y_object_many_keys": ("{" + ",".join('"k%d":%d' % (i, i) for i in range(64)) + "}").encode(),
    "y_string_long": b'["' + b"x" * 5000 + b'"]',
    "y_empty_key": b'{"":0}',
}
N = {  # must not parse
    "n_trailing_comma_array": b"[1,]",
    "n_trailing_comma_object": b'{"a":1,}',
    "n_single_quote": b"['a']",
    "n_unquoted_key": b"{a:1}",
    "n_leading_zero": b"[012]",
    "n_plus": b"[+1]",
    "n_dot": b"[.5]",
    "n_nan": b"[NaN]",
    "n_infinity": b"[Infinity]",
    "n_hex": b"[0x10]",
    "n_comment": b"[1 /* c */]",
    "n_unclosed_array": b"[1,2",
    "n_unclosed_object": b'{"a":1',
    "n_unclosed_string": b'["abc',
    "n_bad_escape": b'["\\x41"]',
    "n_ctl_in_string": b'["a\x01b"]',
    "n_tab_in_string": b'["a\tb"]',
    "n_lone_surrogate_high": b'["\\ud800"]',
    "n_lone_surrogate_low": b'["\\udc00"]',
    "n_invalid_utf8": b'["\xff\xfe"]',
    "n_overlong_utf8": b'["\xc0\xaf"]',
    "n_utf8_surrogate": b'["\xed\xa0\x80"]',
    "n_truncated_utf8": b'["\xe2\x82"]',
    "n_nul_raw": b'["a\x00b"]',
    "n_two_values": b"{} {}",
    "n_garbage_after": b"{}x",
    "n_empty": b"",
    "n_just_space": b"   ",
    "n_true_prefix": b"[tru]",
    "n_deep_array": b"[" * 3000 + b"]" * 3000,
    "n_deep_object": b'{"a":' * 3000 + b"1" + b"}" * 3000,
    "n_minus_only": b"[-]",
    "n_exp_only": b"[1e]",
    "n_big_exp": b"[1e999999]",
    "n_colon_in_array": b'["a":1]',
    "n_missing_colon": b'{"a" 1}',
}
I = {  # implementation-defined
    "i_escaped_nul": b'["a\\u0000b"]',
    "i_big_int": b"[123456789012345678901234567890]",
    "i_huge_real": b"[1.7976931348623157e308, 4.9e-324]",
    "i_duplicate_key": b'{"a":1,"a":2}',
    "i_bom": b'\xef\xbb\xbf{}',
    "i_noncharacter": '["\ufdd0\uffff"]'.encode(),
    "i_deep_64": b"[" * 64 + b"]" * 64,
}

# ---------------------------------------------------------------- MCP
def m(o):
    return json.dumps(o, separators=(",", ":")).encode()

INIT = {"jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25",
                   "capabilities": {"elicitation": {}, "roots": {"listChanged": True}},
                   "clientInfo": {"name": "fuzz", "version": "1"}}}
INITED = {"jsonrpc": "2.0", "method": "notifications/initialized"}

def call(i, name, args, meta=None):
    p = {"name": name, "arguments": args}
    if meta is not None:
        p["_meta"] = meta
    return {"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": p}

MCP = {
    "initialize": INIT,
    "initialize_old": dict(INIT, params=dict(INIT["params"], protocolVersion="2024-11-05")),
    "initialize_unknown_version": dict(INIT, params=dict(INIT["params"], protocolVersion="1999-01-01")),
    "initialize_no_params": {"jsonrpc": "2.0", "id": 1, "method": "initialize"},
    "initialized": INITED,
    "ping": {"jsonrpc": "2.0", "id": 1, "method": "ping"},
    "ping_string_id": {"jsonrpc": "2.0", "id": "abc", "method": "ping"},
    "ping_big_id": {"jsonrpc": "2.0", "id": 9223372036854775807, "method": "ping"},
    "ping_neg_id": {"jsonrpc": "2.0", "id": -1, "method": "ping"},
    "tools_list": {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
    "tools_list_cursor": {"jsonrpc": "2.0", "id": 3, "method": "tools/list", "params": {"cursor": "page:1"}},
    "tools_list_bad_cursor": {"jsonrpc": "2.0", "id": 3, "method": "tools/list", "params": {"cursor": "page:-1"}},
    "call_status": call(4, "proximo_status", {}),
    "call_verify": call(5, "audit_verify", {}),
    "call_verify_pin": call(5, "audit_verify", {"expected_head": "0" * 64}),
    "call_entries": call(6, "audit_entries", {"limit": 5, "mutations_only": True}),
    "call_echo": call(7, "good_echo", {"text": "hello", "times": 2}),
    "call_echo_progress": call(7, "good_echo", {"text": "hi"}, {"progressToken": "p1"}),
    "call_pipe_get": call(8, "pipe_get", {}),
    "call_pipe_set_plan": call(9, "pipe_set", {"key": "abc", "value": "v"}),
    "call_pipe_set_confirm": call(10, "pipe_set", {"key": "abc", "value": "v", "confirm": True, "plan_id": "p-0000"}),
    "call_pipe_async": call(11, "pipe_async", {"polls": 2}),
    "call_unknown_tool": call(12, "good_ecco", {}),
    "call_args_array": {"jsonrpc": "2.0", "id": 13, "method": "tools/call", "params": {"name": "good_echo", "arguments": [1]}},
    "call_no_name": {"jsonrpc": "2.0", "id": 14, "method": "tools/call", "params": {}},
    "set_level": {"jsonrpc": "2.0", "id": 15, "method": "logging/setLevel", "params": {"level": "debug"}},
    "set_level_bad": {"jsonrpc": "2.0", "id": 15, "method": "logging/setLevel", "params": {"level": "loud"}},
    "cancel": {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 7, "reason": "user"}},
    "response_result": {"jsonrpc": "2.0", "id": 1, "result": {"action": "accept", "content": {}}},
    "response_error": {"jsonrpc": "2.0", "id": 1, "error": {"code": -1, "message": "no"}},
    "unknown_method": {"jsonrpc": "2.0", "id": 16, "method": "resources/list"},
    "bad_version": {"jsonrpc": "1.0", "id": 17, "method": "ping"},
    "no_version": {"id": 17, "method": "ping"},
    "null_id": {"jsonrpc": "2.0", "id": None, "method": "ping"},
    "float_id": {"jsonrpc": "2.0", "id": 1.5, "method": "ping"},
    "object_id": {"jsonrpc": "2.0", "id": {}, "method": "ping"},
    "bool_id": {"jsonrpc": "2.0", "id": True, "method": "ping"},
    "params_array": {"jsonrpc": "2.0", "id": 18, "method": "ping", "params": [1]},
    "notification_params_array": {"jsonrpc": "2.0", "method": "notifications/initialized", "params": []},
    "method_number": {"jsonrpc": "2.0", "id": 19, "method": 5},
    "no_method": {"jsonrpc": "2.0", "id": 20},
    "batch": [{"jsonrpc": "2.0", "id": 21, "method": "ping"}],
    "batch_empty": [],
    "scalar": 42,
}

def write(target, name, data):
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)

def session(*msgs, sep=b"\n", final=b"\n"):
    return sep.join(x if isinstance(x, bytes) else m(x) for x in msgs) + final

# ---------------------------------------------------------------- framer
# byte 0: limit (high bit set: 1 + 4*(b & 0x7f) bytes; clear: 1 MiB),
# byte 1..: read sizes (cycled), then the stream.
def framer(name, stream, limit_byte=0x00, cut=0x05):
    write("framer", name, bytes([limit_byte, cut]) + stream)

for k, v in MCP.items():
    framer("mcp_" + k, m(v) + b"\n")
for k, v in list(Y.items()) + list(N.items()) + list(I.items()):
    framer("json_" + k, v + b"\n")
framer("session", session(INIT, INITED, MCP["tools_list"], MCP["call_echo"], MCP["ping"]))
framer("crlf", session(INIT, INITED, MCP["ping"], sep=b"\r\n", final=b"\r\n"))
framer("blank_lines", b"\n\n" + session(INIT, MCP["ping"], sep=b"\n\n\n"))
framer("no_final_newline", session(INIT, MCP["ping"], final=b""))
framer("oversized_small_limit", session(INIT, MCP["call_echo"], MCP["ping"]), limit_byte=0x80 | 20, cut=0x00)
framer("oversized_then_ok", b"x" * 600 + b"\n" + m(MCP["ping"]) + b"\n", limit_byte=0x80 | 100, cut=0x13)
framer("oversized_unterminated", b"y" * 700, limit_byte=0x80 | 50, cut=0x02)
framer("limit_exact", b"z" * 81 + b"\n" + b"z" * 82 + b"\n", limit_byte=0x80 | 20, cut=0x01)
framer("cr_only", b"{}\r{}\r\n\r\n\r")
framer("nul_bytes", b'{"jsonrpc":"2.0","id":1,"method":"ping"}\x00\n\x00\x00\n')
framer("pipelined", b"".join(m({"jsonrpc": "2.0", "id": i, "method": "ping"}) + b"\n" for i in range(50)), cut=0x07)

# ---------------------------------------------------------------- schema
# byte 0 even: the rest is arguments, validated against every tool's schema.
# byte 0 odd: the rest is [schema, instance]: schema checked, then used.
ARGS = {
    "empty": {},
    "echo": {"text": "hello", "times": 2},
    "echo_bad_times": {"text": "x", "times": 9},
    "echo_unknown": {"text": "x", "force": True},
    "echo_long": {"text": "x" * 65},
    "kv": {"key": "abc", "value": "v"},
    "kv_bad_key": {"key": "ABC!", "value": "v"},
    "kv_confirm": {"key": "abc", "value": "v", "confirm": True, "plan_id": "p-1"},
    "async": {"polls": 1000, "fail": False},
    "async_float": {"polls": 1.5},
    "async_zero": {"polls": 0},
    "entries": {"limit": 1000, "target": "t", "action": "a", "outcome": "ok", "principal": "p", "mutations_only": False},
    "entries_limit_big": {"limit": 1001},
    "verify_pin": {"expected_head": "f" * 64},
    "verify_null": {"expected_head": None},
    "wait": {"wait": True, "wait_timeout": 30, "snapshot": True},
    "types": {"text": 1, "times": "2", "key": [], "value": {}, "limit": None},
    "nested": {"text": {"a": [[[[[]]]]]}},
    "unicode": {"text": "caf\u00e9\u2603\U0001F600", "key": "\u00e9"},
}
for k, v in ARGS.items():
    write("schema", "args_" + k, b"\x00" + m(v))

SCHEMAS = {
    "types": ({"type": ["string", "integer", "null"]}, 5),
    "object": ({"type": "object", "properties": {"a": {"type": "integer", "minimum": 0, "maximum": 10}},
                "required": ["a"], "additionalProperties": False}, {"a": 11}),
    "additional_schema": ({"type": "object", "additionalProperties": {"type": "string", "maxLength": 3}}, {"x": "abcd"}),
    "enum_const": ({"anyOf": [{"enum": [1, "a", None, [1], {"k": 2}]}, {"const": {"z": [1, 2]}}]}, {"z": [1, 2]}),
    "pattern": ({"type": "string", "pattern": "^[a-z]+(-[0-9]{1,3})?$"}, "abc-12"),
    "pattern_unicode": ({"type": "string", "pattern": "\\p{L}+", "minLength": 2, "maxLength": 4}, "\u00e9\u00e9\u00e9"),
    "pattern_bad": ({"type": "string", "pattern": "(unclosed"}, "x"),
    "pattern_backtrack": ({"type": "string", "pattern": "^(a+)+$"}, "a" * 28 + "b"),
    "array": ({"type": "array", "items": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
               "minItems": 1, "maxItems": 3, "uniqueItems": True}, [0.5, 0.25, 0.5]),
    "oneof": ({"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 1}]}, 2),
    "allof": ({"allOf": [{"type": "string"}, {"minLength": 1}, {"maxLength": 2}]}, "abc"),
    "annotations": ({"title": "t", "description": "d", "default": 1, "examples": [1], "format": "x",
                     "$schema": "https://json-schema.org/draft/2020-12/schema", "$comment": "c",
                     "readOnly": True, "deprecated": False, "type": "integer"}, 1),
    "unknown_keyword": ({"type": "string", "minlen": 3}, "a"),
    "bad_type": ({"type": "strin"}, "a"),
    "bad_minimum": ({"type": "integer", "minimum": "0"}, 1),
    "deep": ({"type": "array", "items": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}}},
             [[[1, 2], [3]], [[True]]]),
    "big_numbers": ({"type": "integer", "minimum": -9223372036854775808, "maximum": 9223372036854775807},
                    9223372036854775807),
    "real_vs_int": ({"type": "integer", "maximum": 1.5}, 1.0),
    "not_object": ([], 1),
}
for k, (sch, inst) in SCHEMAS.items():
    write("schema", "schema_" + k, b"\x01" + m([sch, inst]))
for k, v in list(Y.items())[:8] + list(N.items())[:8]:
    write("schema", "json_" + k, b"\x00" + v)
# mode 2: lo, hi, v (int64 little-endian) and a flag byte (1: exclusive,
# 4: hi and v are lo plus the signed bytes 9 and 17).
import struct
BOUNDS = {
    "small": (1, 3, 2, 0), "below": (1, 3, 0, 0), "above": (1, 3, 4, 0),
    "exclusive_edge": (1, 3, 3, 1), "vmid": (100, 999999999, 1000000000, 0),
    "int64_max": (0, 2**63 - 2, 2**63 - 1, 0), "int64_min": (-2**63 + 1, 0, -2**63, 0),
    "above_2p53": (0, 2**53, 2**53 + 1, 0), "near_step": (2**62, 0, 0, 4),
}
for k, (lo, hi, v, fl) in BOUNDS.items():
    write("schema", "bounds_" + k, b"\x02" + struct.pack("<qqqB", lo, hi, v, fl))

# ---------------------------------------------------------------- dispatch
# The target sends initialize + notifications/initialized itself; the input
# is the rest of the session, one message per line.
for k, v in MCP.items():
    if k.startswith("initialize") or k == "initialized":
        continue
    write("dispatch", "mcp_" + k, m(v) + b"\n")
write("dispatch", "session_all_tools", session(
    MCP["tools_list"], MCP["call_status"], MCP["call_verify"], MCP["call_entries"],
    MCP["call_echo"], MCP["call_pipe_get"], MCP["call_pipe_set_plan"], MCP["call_pipe_set_confirm"],
    MCP["call_unknown_tool"], MCP["set_level"], MCP["call_echo_progress"], MCP["cancel"]))
write("dispatch", "reinitialize", session(INIT, MCP["ping"]))
write("dispatch", "elicitation_answers", session(MCP["response_result"], MCP["response_error"], MCP["ping"]))
write("dispatch", "mutations_dry_run", session(
    call(30, "pipe_set", {"key": "a", "value": "1"}), call(31, "pipe_undoable", {"key": "b", "value": "2"}),
    call(32, "pipe_gated", {"key": "c", "value": "3"}), call(33, "pipe_sneaky", {}),
    call(34, "pipe_async", {"polls": 3, "fail": True}), call(35, "pipe_crash", {"key": "x"})))
# plan_id is a hash of the plan, and the fixture's state is empty in the
# fuzzing runtime: these ids are the ones its dry runs return, so the
# confirmations reach the gates, the undo point and the execution.
PLANS = [("pipe_set", {"key": "a", "value": "1"}, "3138a9b7c97ea8f03f2a3d308d36618d8c79d187bb5036f1fecb11e61192f363"),
         ("pipe_undoable", {"key": "b", "value": "2"}, "8ba5e9dea245fd0aa46aff47695590d215071a8b51fff74d9ede7d7ef95504fa"),
         ("pipe_gated", {"key": "c", "value": "3"}, "4ffcb223fe9d1e05b56fa9567ae6980e97471329cb8545b8e064bd1f4253a34f"),
         ("pipe_sneaky", {}, "39ce7a21ec86558986b172f8115bee41e237d476d55de0569da184ab21b70f72")]
msgs = []
for i, (tool, args, pid) in enumerate(PLANS):
    msgs.append(call(40 + 2 * i, tool, args))
    extra = {"snapshot": True} if tool == "pipe_undoable" else {}
    msgs.append(call(41 + 2 * i, tool, dict(args, confirm=True, plan_id=pid, **extra)))
msgs.append(call(60, "audit_entries", {"limit": 50}))
msgs.append(call(61, "audit_verify", {}))
write("dispatch", "mutations_confirmed", session(*msgs))
# The PVE plugin's tools, when the build has it (no cluster is configured
# in the fuzzing runtime: every call fails before the network, in plan or
# in the transport's configuration check).
write("dispatch", "pve_tools", session(
    call(70, "pve_list_guests", {}), call(71, "pve_cluster_resources", {"type": "vm"}),
    call(72, "pve_guest_status", {"vmid": 100}), call(73, "pve_guest_config_get", {"vmid": 100, "node": "pve1"}),
    call(74, "pve_task_status", {"upid": "UPID:pve1:00001234:00005678:65000000:qmstart:100:root@pam:"}),
    call(75, "pve_guest_config_set", {"vmid": 100, "config": {"memory": 2048}}),
    call(76, "pve_guest_power", {"vmid": 100, "action": "stop"}),
    call(77, "pve_snapshot_create", {"vmid": 100, "snapname": "before"}),
    call(78, "pve_delete_guest", {"vmid": 100, "confirm": True, "plan_id": "0" * 64})))
write("dispatch", "parse_errors", b'{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}\n["\xff"]\n{\n' + m(MCP["ping"]) + b"\n")
for k, v in list(N.items())[:10]:
    write("dispatch", "json_" + k, v + b"\n")
# ---------------------------------------------------------------- sim_request
# byte 0: surface (0 pve, 1 pbs, 2 pmg) + 3 * credentials (0 none, 1 the
# profile's token / a PMG ticket, 2 the header field, 3 cookie field);
# byte 1: method (0 GET, 1 POST, 2 PUT, 3 DELETE) + 4 if the body is JSON;
# then path \0 query \0 body \0 header.
SIM = [
    ("pve_version", 0, 1, 0, "/api2/json/version", "", "", ""),
    ("pve_resources", 0, 1, 0, "/api2/json/cluster/resources", "type=vm", "", ""),
    ("pve_nodes", 0, 1, 0, "/api2/json/nodes", "", "", ""),
    ("pve_qemu_list", 0, 1, 0, "/api2/json/nodes/pve1/qemu", "full=1", "", ""),
    ("pve_status", 0, 1, 0, "/api2/json/nodes/pve1/qemu/100/status/current", "", "", ""),
    ("pve_config", 0, 1, 0, "/api2/json/nodes/pve1/qemu/100/config", "current=1", "", ""),
    ("pve_config_put", 0, 1, 2, "/api2/json/nodes/pve1/qemu/100/config", "",
     "memory=4096&net0=virtio%2Cbridge%3Dvmbr1&digest=x", ""),
    ("pve_config_put_json", 0, 1, 2 + 4, "/api2/json/nodes/pve1/qemu/100/config", "",
     '{"memory":4096,"delete":"agent"}', ""),
    ("pve_stop", 0, 1, 1, "/api2/json/nodes/pve1/qemu/100/status/stop", "", "timeout=5", ""),
    ("pve_snapshot", 0, 1, 1, "/api2/json/nodes/pve1/qemu/100/snapshot", "", "snapname=s1&vmstate=0", ""),
    ("pve_snapshot_del", 0, 1, 3, "/api2/json/nodes/pve1/qemu/100/snapshot/s1", "", "", ""),
    ("pve_lxc_config", 0, 1, 0, "/api2/json/nodes/pve1/lxc/101/config", "", "", ""),
    ("pve_tasks", 0, 1, 0, "/api2/json/nodes/pve1/tasks", "limit=10&source=all", "", ""),
    ("pve_task_status", 0, 1, 0, "/api2/json/nodes/pve1/tasks/UPID%3Apve1%3A00001000%3A0%3A0%3Aqmstop%3A100%3Aroot%40pam%3A/status", "", "", ""),
    ("pve_nextid", 0, 1, 0, "/api2/json/cluster/nextid", "", "", ""),
    ("pve_storage", 0, 1, 0, "/api2/json/nodes/pve1/storage/local/content", "content=backup", "", ""),
    ("pve_acl", 0, 1, 0, "/api2/json/access/acl", "", "", ""),
    ("pve_ticket", 0, 0, 1, "/api2/json/access/ticket", "", "username=root%40pam&password=x", ""),
    ("pve_bad_token", 0, 2, 0, "/api2/json/version", "", "", "PVEAPIToken=root@pam!proximo=00000000-0000-0000-0000-000000000000"),
    ("pve_no_auth", 0, 0, 0, "/api2/json/nodes", "", "", ""),
    ("pve_dup_param", 0, 1, 0, "/api2/json/nodes/pve1/qemu/100/status/current", "vmid=100&node=pve1", "", ""),
    ("pve_bad_path", 0, 1, 0, "/api2/json/nodes/%2e%2e/qemu", "", "", ""),
    ("pve_not_api", 0, 1, 0, "/etc/passwd", "", "", ""),
    ("pve_repeat", 0, 1, 0, "/api2/json/cluster/resources", "type=vm&type=node", "", ""),
    ("pbs_datastores", 1, 1, 0, "/api2/json/admin/datastore", "", "", ""),
    ("pbs_snapshots", 1, 1, 0, "/api2/json/admin/datastore/store1/snapshots", "backup-type=vm", "", ""),
    ("pbs_version", 1, 1, 0, "/api2/json/version", "", "", ""),
    ("pbs_forget", 1, 1, 3, "/api2/json/admin/datastore/store1/snapshots", "backup-type=vm&backup-id=100&backup-time=1767225600", "", ""),
    ("pmg_quarantine", 2, 1, 0, "/api2/json/quarantine/spam", "", "", ""),
    ("pmg_ticket", 2, 0, 1, "/api2/json/access/ticket", "", "username=root%40pam&password=x", ""),
    ("pmg_version", 2, 1, 0, "/api2/json/version", "", "", ""),
    ("pmg_cookie", 2, 3, 0, "/api2/json/version", "x", "", "PMGAuthCookie=PMG:root@pam:0::bad"),
]
for name, surf, auth, meth, path, query, body, hdr in SIM:
    write("sim_request", name, bytes([surf + 3 * auth, meth]) +
          b"\0".join(x.encode() for x in (path, query, body, hdr)))
# ---------------------------------------------------------------- path
# byte 0: pattern (0 qemu config, 1 task status, 2 snapshot, 3 token,
# 4 storage content, 5 no variable); byte 1: how many variables follow;
# then NUL-separated values, and optionally a raw path at the end.
PATHS = [
    ("good", 0, ["pve1", "100"], None),
    ("upid", 1, ["pve1", "UPID:pve1:00001234:00005678:65000000:qmstart:100:root@pam:"], None),
    ("snapshot", 2, ["pve1", "100", "before-upgrade"], None),
    ("token", 3, ["root@pam", "proximo"], None),
    ("volume", 4, ["pve1", "local", "local:iso/debian.iso"], None),
    ("dotdot", 0, ["..", "100"], None),
    ("dot", 0, [".", "100"], None),
    ("slash", 0, ["pve1/../etc", "100"], None),
    ("encoded", 0, ["%2e%2e", "100"], None),
    ("crlf", 0, ["pve1\r\nX: y", "100"], None),
    ("query", 0, ["pve1?a=b#c", "100"], None),
    ("backslash", 0, ["pve1\\..", "100"], None),
    ("unicode", 0, ["\u00e9\u2603", "100"], None),
    ("long", 0, ["a" * 300, "100"], None),
    ("empty", 0, ["", "100"], None),
    ("raw_good", 5, [], "/nodes/pve1/qemu/100/config"),
    ("raw_dotdot", 0, [], "/nodes/%2E%2E/qemu/100/config"),
    ("raw_slash", 0, [], "/nodes/pve1%2F../qemu/100/config"),
    ("raw_query", 0, [], "/nodes/pve1/qemu/100/config?x=1"),
    ("raw_bad_escape", 0, [], "/nodes/pve1%zz/qemu/100/config"),
]
for name, pat, vals, raw in PATHS:
    parts = [v.encode() for v in vals]
    blob = bytes([pat, len(vals)]) + b"\0".join(parts)
    if raw is not None:
        blob += (b"\0" if parts else b"") + raw.encode()
    write("path", name, blob)
print("seeds written under", corpus)
