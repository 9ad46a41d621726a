/**
 * @file test_canon.c
 * @brief Our JSON dialect against Python itself: float repr() parity, and
 *        every json.dumps line accepted with the same sort_keys canonical
 *        form; every other spelling of the same value refused.
 *
 * Python is the point of this test (the reference hashes what Python
 * prints), so it runs the real interpreter; without python3 it is skipped.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ledger/canon.h"
#include "tap.h"

static const char gen_py[] =
"import json, random, struct, sys\n"
"r = random.Random(int(sys.argv[1]))\n"
"out = sys.stdout\n"
"def f(d): out.write('F %016x %r\\n' % (struct.unpack('<Q', struct.pack('<d', d))[0], d))\n"
"for e in range(-1074, 1024): f(2.0 ** e); f(-(2.0 ** e) * 1.5)\n"
"for _ in range(20000):\n"
"    d = struct.unpack('<d', struct.pack('<Q', r.getrandbits(64)))[0]\n"
"    if d == d and d not in (float('inf'), float('-inf')): f(d)\n"
"for _ in range(5000): f(round(r.uniform(-1e6, 1e6), r.randint(0, 8)))\n"
"for v in (0.1, 0.2, 0.3, 1e-5, 1e-4, 1e15, 1e16, 1e22, 5e-324, 1.7976931348623157e308, 123456789.125, -0.0): f(v)\n"
"CH = ['a', 'Z', ' ', '\"', '\\\\', '/', '\\n', '\\t', '\\x00', '\\x01', '\\x1f', '\\x7f', '\\u00e9', '\\u2028', '\\u2603', '\\U0001f600', '\\uffff', '\\u0800']\n"
"def s(): return ''.join(r.choice(CH) for _ in range(r.randint(0, 12)))\n"
"def v(depth):\n"
"    k = r.randint(0, 9 if depth < 4 else 5)\n"
"    if k == 0: return s()\n"
"    if k == 1: return r.randint(-2**70, 2**70)\n"
"    if k == 2: return r.randint(-1000, 1000)\n"
"    if k == 3: return struct.unpack('<d', struct.pack('<Q', r.getrandbits(64)))[0] if r.random() < .5 else r.random() * 1000\n"
"    if k == 4: return r.choice([True, False, None])\n"
"    if k == 5: return 0.0\n"
"    if k in (6, 7): return {s(): v(depth + 1) for _ in range(r.randint(0, 15))}\n"
"    return [v(depth + 1) for _ in range(r.randint(0, 5))]\n"
"# Mutants: Python's own line rule decides (M 1: a line Python writes, M 0:\n"
"# not); a duplicated key is never one, whichever copy is looked at.\n"
"MUT = [bytes([c]) for c in b'\"\\\\ ,:{}[]01e.-una'] + [bytes([c]) for c in (0, 1, 0x1f, 0x7f, 0x80, 0xbf, 0xc3, 0xe2, 0xed, 0xf0, 0xff)]\n"
"def pairs(ps):\n"
"    if len({k for k, _ in ps}) != len(ps): raise ValueError('duplicate key')\n"
"    return dict(ps)\n"
"def const(x): raise ValueError(x)\n"
"def oracle(b):\n"
"    try: t = b.decode('utf-8')\n"
"    except UnicodeDecodeError: return 0\n"
"    try: x = json.loads(t, object_pairs_hook=pairs, parse_constant=const)\n"
"    except (ValueError, RecursionError): return 0\n"
"    if not isinstance(x, dict): return None\n"
"    return int(json.dumps(x, separators=(',', ':'), ensure_ascii=False) == t)\n"
"def mutant(b, o):\n"
"    b = bytearray(b); op = r.randrange(6); i = r.randrange(len(b))\n"
"    if op == 0: b[i] ^= 1 << r.randrange(8)\n"
"    elif op == 1: b[i:i + 1] = r.choice(MUT)\n"
"    elif op == 2: b[i:i] = r.choice(MUT)\n"
"    elif op == 3: del b[i]\n"
"    elif op == 4: j = r.randrange(len(b)); b[i], b[j] = b[j], b[i]\n"
"    elif o:\n"
"        k = r.choice(list(o)); b = bytearray(b[:-1] + b',' + json.dumps({k: o[k]}, separators=(',', ':'), ensure_ascii=False).encode()[1:])\n"
"    v = oracle(bytes(b))\n"
"    if v is not None: out.write('M %d %s\\n' % (v, bytes(b).hex()))\n"
"# J: a line, its canonical form, and that form without \"ts\" (hashed\n"
"# bodies leave members out: the C side uses a prepared skip list).\n"
"def jline(o, line, canon):\n"
"    nots = json.dumps({k: x for k, x in o.items() if k != 'ts'}, sort_keys=True, separators=(',', ':'), ensure_ascii=False)\n"
"    out.write('J ' + line + '\\t' + canon + '\\t' + nots + '\\n')\n"
"for _ in range(3000):\n"
"    o = {s(): v(1) for _ in range(r.randint(0, 20))}\n"
"    o = json.loads(json.dumps(o))  # drops NaN-free floats unchanged, dedups keys\n"
"    if any(x != x or x in (float('inf'), float('-inf')) for x in []): continue\n"
"    try: line = json.dumps(o, separators=(',', ':'), ensure_ascii=False, allow_nan=False)\n"
"    except ValueError: continue\n"
"    canon = json.dumps(o, sort_keys=True, separators=(',', ':'), ensure_ascii=False)\n"
"    jline(o, line, canon)\n"
"    for alt in (json.dumps(o, separators=(',', ':')), json.dumps(o, ensure_ascii=False), json.dumps(o, separators=(',', ': '), ensure_ascii=False)):\n"
"        if alt != line: out.write('N ' + alt + '\\n')\n"
"    for _ in range(5): mutant(line.encode('utf-8'), o)\n"
"# Families: lines of one structure (the C side replays a remembered\n"
"# canonical form for them), then near misses: a key changed in one\n"
"# character (same length), keys reordered, a scalar swapped for a\n"
"# container.  K: the same line with one member left out (a fresh skip list).\n"
"KEYS = ['a', 'ts', 'seq', 'alg', 'mutation', 'prev_hash', 'entry_hash', 'key_id', 'abcdefg', 'abcdefgh', 'abcdefghi', 'abcdefghijklmnop', 'abcdefghijklmnopq', 'x' * 40, 'k\\n', 'k\\x01', 'k\"q', 'k\\\\b', '\\u00e9t\\u00e9', '\\U0001f600', '']\n"
"def scalar(): return r.choice([s(), r.randint(-10**6, 10**6), r.random(), True, False, None])\n"
"def fam(depth):\n"
"    o = {}\n"
"    for k in r.sample(KEYS, r.randint(1, 8)):\n"
"        x = r.random()\n"
"        o[k] = fam(depth + 1) if depth < 2 and x < .3 else [scalar(), scalar()] if x < .4 else scalar()\n"
"    return o\n"
"def revalue(o): return {k: revalue(x) if isinstance(x, dict) else [scalar(), scalar()] if isinstance(x, list) else scalar() for k, x in o.items()}\n"
"def rekey(o):\n"
"    k = r.choice(list(o))\n"
"    if not k: return o\n"
"    j = r.randrange(len(k)); nk = k[:j] + chr(ord(k[j]) ^ 1) + k[j + 1:]\n"
"    return o if nk in o else {(nk if x == k else x): y for x, y in o.items()}\n"
"def reorder(o): ks = list(o); r.shuffle(ks); return {k: o[k] for k in ks}\n"
"def reshape(o): k = r.choice(list(o)); return {x: (y if x != k else {} if not isinstance(y, dict) else 1) for x, y in o.items()}\n"
"def fline(o):\n"
"    line = json.dumps(o, separators=(',', ':'), ensure_ascii=False)\n"
"    jline(o, line, json.dumps(o, sort_keys=True, separators=(',', ':'), ensure_ascii=False))\n"
"    ks = [k for k in o if '\\x00' not in k]\n"
"    if ks:\n"
"        k = r.choice(ks)\n"
"        out.write('K ' + line + '\\t' + json.dumps(k) + '\\t' + json.dumps({x: y for x, y in o.items() if x != k}, sort_keys=True, separators=(',', ':'), ensure_ascii=False) + '\\n')\n"
"for _ in range(500):\n"
"    base = fam(0)\n"
"    for _ in range(3): fline(revalue(base))\n"
"    for f in (rekey, rekey, rekey, reorder, reshape):\n"
"        fline(f(revalue(base))); fline(revalue(base))\n";

static FILE *
spawn(void)
{
	const char *py = getenv("PYTHON3");
	char path[] = "/tmp/pxm-canon-gen-XXXXXX", cmd[512];
	FILE *f;
	int fd;

	if (py == NULL || *py == '\0')
		py = "python3";
	if ((fd = mkstemp(path)) < 0)
		return NULL;
	if (write(fd, gen_py, sizeof gen_py - 1) != (ssize_t)(sizeof gen_py - 1))
		return NULL;
	close(fd);
	snprintf(cmd, sizeof cmd, "'%s' '%s' 42; rm -f '%s'", py, path, path);
	f = popen(cmd, "r");
	return f;
}

static size_t nf, nj, nk, nn, nm_ok, nm_bad;

static int
unhex(char *out, const char *hex, size_t n)
{
	size_t i;
	unsigned x;

	for (i = 0; i < n; i++) {
		if (sscanf(hex + 2 * i, "%2x", &x) != 1)
			return -1;
		out[i] = (char)x;
	}
	return 0;
}

START_TEST(python_parity)
{
	static const char *const ts_names[] = { "ts", NULL };
	struct pxm_canon_skip ts;
	struct pxm_canon c;
	char *line = NULL, rep[40], *tab, *tab2;
	size_t cap = 0;
	ssize_t n;
	uint64_t bits;
	double d;
	FILE *f = spawn();

	ck_assert_ptr_nonnull(f);
	pxm_canon_init(&c);
	pxm_canon_skip_init(&ts, ts_names);
	while ((n = getline(&line, &cap, f)) > 0) {
		line[--n] = '\0';
		if (line[0] == 'F') {
			ck_assert_int_eq(sscanf(line + 2, "%" SCNx64, &bits), 1);
			memcpy(&d, &bits, sizeof d);
			ck_assert_int_eq(pxm_canon_float_repr(rep, sizeof rep, d), 0);
			ck_assert_msg(strcmp(rep, line + 19) == 0, "repr(%s) = %s, ours %s",
			    line + 2, line + 19, rep);
			nf++;
		} else if (line[0] == 'J') {
			/* The canonical form, and that form without "ts" from a
			 * prepared skip list, alternately on one struct
			 * pxm_canon: both kinds of remembered lines in use. */
			tab = strchr(line, '\t');
			ck_assert_ptr_nonnull(tab);
			*tab = '\0';
			tab2 = strchr(tab + 1, '\t');
			ck_assert_ptr_nonnull(tab2);
			*tab2 = '\0';
			ck_assert_msg(pxm_canon_parse(&c, line + 2, (size_t)(tab - line - 2)) == 0,
			    "refused Python's own line (%s at %zu): %s", c.why, c.why_at, line + 2);
			ck_assert_int_eq(pxm_canon_body(&c, NULL), 0);
			ck_assert_msg(strcmp(c.out.data, tab + 1) == 0,
			    "canonical differs:\nline %s\nours %s\npy   %s", line + 2,
			    c.out.data, tab + 1);
			ck_assert_int_eq(pxm_canon_body_skip(&c, &ts), 0);
			ck_assert_msg(strcmp(c.out.data, tab2 + 1) == 0,
			    "canonical without ts differs:\nline %s\nours %s\npy   %s", line + 2,
			    c.out.data, tab2 + 1);
			nj++;
		} else if (line[0] == 'K') {
			/* One member left out by a list made for this call. */
			const char *names[2];
			json_t *kj;

			tab = strchr(line, '\t');
			ck_assert_ptr_nonnull(tab);
			*tab = '\0';
			tab2 = strchr(tab + 1, '\t');
			ck_assert_ptr_nonnull(tab2);
			*tab2 = '\0';
			kj = json_loads(tab + 1, JSON_DECODE_ANY, NULL);
			ck_assert_ptr_nonnull(kj);
			names[0] = json_string_value(kj);
			names[1] = NULL;
			ck_assert_int_eq(pxm_canon_parse(&c, line + 2, (size_t)(tab - line - 2)), 0);
			ck_assert_int_eq(pxm_canon_body(&c, names), 0);
			ck_assert_msg(strcmp(c.out.data, tab2 + 1) == 0,
			    "canonical without %s differs:\nline %s\nours %s\npy   %s", tab + 1,
			    line + 2, c.out.data, tab2 + 1);
			json_decref(kj);
			nk++;
		} else if (line[0] == 'M') {
			/* Ours: the strict parse, then the canonical form (which
			 * refuses duplicate keys at any depth). */
			size_t blen = ((size_t)n - 4) / 2;
			char *b = malloc(blen + 1);
			int want = line[2] == '1', got;

			ck_assert_ptr_nonnull(b);
			ck_assert_int_eq(unhex(b, line + 4, blen), 0);
			got = pxm_canon_parse(&c, b, blen) == 0 &&
			    c.tok[0].type == PXM_CANON_OBJ && pxm_canon_body(&c, NULL) == 0;
			ck_assert_msg(got == want, "%s a mutant Python %s (%s at %zu): %s",
			    got ? "accepted" : "refused", want ? "writes" : "never writes",
			    c.why ? c.why : "-", c.why_at, line + 4);
			if (want)
				nm_ok++;
			else
				nm_bad++;
			free(b);
		} else if (line[0] == 'N') {
			ck_assert_msg(pxm_canon_parse(&c, line + 2, (size_t)n - 2) != 0,
			    "accepted a non-canonical spelling: %s", line + 2);
			nn++;
		}
	}
	ck_assert_int_eq(pclose(f), 0);
	ck_assert_uint_gt(nf, 20000);
	ck_assert_uint_gt(nj, 9000);
	ck_assert_uint_gt(nk, 6000);
	/* The families were long enough for remembered lines to be used. */
	ck_assert_uint_gt(c.replays, 3000);
	ck_assert_uint_gt(nn, 1000);
	ck_assert_uint_gt(nm_ok, 1000);
	ck_assert_uint_gt(nm_bad, 5000);
	printf("# %zu floats, %zu+%zu lines (%" PRIu64 " bodies replayed), %zu other "
	    "spellings, %zu+%zu mutants (%s scanner)\n", nf, nj, nk, c.replays, nn, nm_ok,
	    nm_bad, PXM_CANON_SCANNER);
	free(line);
	pxm_canon_free(&c);
}
END_TEST

START_TEST(strict_rejections)
{
	static const char *bad[] = {
		"{\"a\":1} ", " {\"a\":1}", "{\"a\" :1}", "{\"a\":01}", "{\"a\":-0}",
		"{\"a\":1.50}", "{\"a\":1E5}", "{\"a\":1e5}", "{\"a\":\"\\u001F\"}",
		"{\"a\":\"\\u0041\"}", "{\"a\":\"\\/\"}", "{\"a\":\"\\u000a\"}",
		"{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":\"\xc3\"}", "{\"a\":\"\xed\xa0\x80\"}",
		"{\"a\":\"\xc0\xaf\"}", "{\"a\":\"\x01\"}", "{\"a\":1,}", "{\"a\":1}x",
		"{\"a\":tru}", "{'a':1}", "",
	};
	struct pxm_canon c;
	size_t i;

	pxm_canon_init(&c);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(pxm_canon_parse(&c, bad[i], strlen(bad[i])) != 0,
		    "accepted %s", bad[i]);
	/* duplicates parse, and are refused when canonicalised */
	ck_assert_int_eq(pxm_canon_parse(&c, "{\"a\":1,\"a\":2}", 13), 0);
	ck_assert_int_ne(pxm_canon_body(&c, NULL), 0);
	{
		const char *t = "{\"b\":{\"y\":1,\"x\":[2,{\"d\":1,\"c\":0}]},\"a\":\"\\u001f\"}";
		ck_assert_int_eq(pxm_canon_parse(&c, t, strlen(t)), 0);
	}
	ck_assert_int_eq(pxm_canon_body(&c, NULL), 0);
	ck_assert_str_eq(c.out.data, "{\"a\":\"\\u001f\",\"b\":{\"x\":[2,{\"c\":0,\"d\":1}],\"y\":1}}");
	pxm_canon_free(&c);
}
END_TEST

/*
 * Pairs of lines that a careless "same as last time" test would confuse,
 * each canonicalised right after the other on one struct pxm_canon: the
 * second must never reuse the first one's remembered form.
 */
START_TEST(remembered_lines)
{
	static const char *const pairs[][4] = {
		/* same tokens in the same order, another tree */
		{ "{\"a\":{\"b\":1},\"c\":2}", "{\"a\":{\"b\":1},\"c\":2}",
		  "{\"a\":{\"b\":1,\"c\":2}}", "{\"a\":{\"b\":1,\"c\":2}}" },
		{ "{\"z\":[[],[]],\"a\":0}", "{\"a\":0,\"z\":[[],[]]}",
		  "{\"z\":[[[]]],\"a\":0}", "{\"a\":0,\"z\":[[[]]]}" },
		{ "{\"z\":{\"y\":1,\"x\":2},\"a\":0}", "{\"a\":0,\"z\":{\"x\":2,\"y\":1}}",
		  "{\"z\":[{\"y\":1,\"x\":2}],\"a\":0}", "{\"a\":0,\"z\":[{\"x\":2,\"y\":1}]}" },
		/* keys that differ only past their first 8, 16 and 40 bytes */
		{ "{\"abcdefgh1\":1,\"abcdefgh0\":2}", "{\"abcdefgh0\":2,\"abcdefgh1\":1}",
		  "{\"abcdefgh0\":1,\"abcdefgh1\":2}", "{\"abcdefgh0\":1,\"abcdefgh1\":2}" },
		{ "{\"abcdefghijklmnop1\":1,\"abcdefghijklmnop0\":2}",
		  "{\"abcdefghijklmnop0\":2,\"abcdefghijklmnop1\":1}",
		  "{\"abcdefghijklmnop0\":1,\"abcdefghijklmnop1\":2}",
		  "{\"abcdefghijklmnop0\":1,\"abcdefghijklmnop1\":2}" },
		{ "{\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx1q\":1,\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx0q\":2}",
		  "{\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx0q\":2,\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx1q\":1}",
		  "{\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx0q\":1,\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx1q\":2}",
		  "{\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx0q\":1,\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx1q\":2}" },
		/* escaped keys: raw bytes and code points sort differently */
		{ "{\"a\\u001f\":1,\"a\\n\":2}", "{\"a\\n\":2,\"a\\u001f\":1}",
		  "{\"a\\n\":1,\"a\\u001f\":2}", "{\"a\\n\":1,\"a\\u001f\":2}" },
	};
	static const char *const dup = "{\"ts\":1,\"b\":2,\"ts\":1}";
	static const char *const nodup = "{\"ts\":1,\"b\":2,\"tt\":1}";
	struct pxm_canon c;
	size_t i, k;

	pxm_canon_init(&c);
	for (i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		/* each line a few times, so that it is remembered and used */
		for (k = 0; k < 6; k++) {
			const char *in = pairs[i][k < 3 ? 0 : 2], *want = pairs[i][k < 3 ? 1 : 3];

			ck_assert_int_eq(pxm_canon_parse(&c, in, strlen(in)), 0);
			ck_assert_int_eq(pxm_canon_body(&c, NULL), 0);
			ck_assert_msg(strcmp(c.out.data, want) == 0, "%s -> %s, want %s",
			    in, c.out.data, want);
		}
	}
	ck_assert_uint_gt(c.replays, 20);
	/* a duplicate is refused every time, right after its look-alike too */
	for (k = 0; k < 3; k++) {
		ck_assert_int_eq(pxm_canon_parse(&c, nodup, strlen(nodup)), 0);
		ck_assert_int_eq(pxm_canon_body(&c, NULL), 0);
		ck_assert_int_eq(pxm_canon_parse(&c, dup, strlen(dup)), 0);
		ck_assert_int_ne(pxm_canon_body(&c, NULL), 0);
	}
	pxm_canon_free(&c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("canon");
	TCase *tc = tcase_create("python");
	const char *py = getenv("PYTHON3");

	if (py == NULL || *py == '\0' || access(py, X_OK) != 0) {
		printf("1..0 # SKIP python3 not found (PYTHON3)\n");
		return 0;
	}
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, strict_rejections);
	tcase_add_test(tc, remembered_lines);
	tcase_add_test(tc, python_parity);
	suite_add_tcase(s, tc);
	return pxm_tap_run(s);
}
