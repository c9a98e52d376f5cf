#!/usr/bin/env python3
"""Rebuild the seed corpora in tests/fuzz/corpus/<harness>/.

Seeds come from three places: slices of fixtures/, the string literals of
the unit tests (tests/unit/test_<module>.c: every run of adjacent C string
literals is one candidate input), and the malformed cases listed below.
Harnesses that read option bytes first (table, sse, http) get each seed
behind a few option prefixes.  Output is deterministic; each corpus stays
small (a few dozen files, well under 200 KB).

Run from anywhere: python3 tests/fuzz/make_corpus.py
"""
import hashlib
import os
import re
import shutil
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FUZZ = os.path.join(ROOT, "tests", "fuzz")
MAX_FILES = 48

LIT = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


def c_unescape(s):
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        i += 1
        c = s[i]
        simple = {"n": 10, "r": 13, "t": 9, "\\": 92, '"': 34, "'": 39,
                  "a": 7, "b": 8, "f": 12, "v": 11, "?": 63}
        if c in simple:
            out.append(simple[c])
            i += 1
        elif c == "x":
            j = i + 1
            while j < len(s) and s[j] in "0123456789abcdefABCDEF":
                j += 1
            out.append(int(s[i + 1:j], 16) & 0xFF)
            i = j
        elif c in "01234567":
            j = i
            while j < len(s) and j < i + 3 and s[j] in "01234567":
                j += 1
            out.append(int(s[i:j], 8) & 0xFF)
            i = j
        else:
            out += c.encode("utf-8")
            i += 1
    return bytes(out)


def literals(path):
    """Runs of adjacent string literals (C concatenation), outside comments."""
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"/\*.*?\*/", lambda m: " " * len(m.group(0)), text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    runs, cur, end = [], [], -1
    for m in LIT.finditer(text):
        if cur and text[end:m.start()].strip() == "":
            cur.append(m.group(1))
        else:
            if cur:
                runs.append(c_unescape("".join(cur)))
            cur = [m.group(1)]
        end = m.end()
    if cur:
        runs.append(c_unescape("".join(cur)))
    return runs


def fixture(name, lines=None):
    data = open(os.path.join(ROOT, "fixtures", name), "rb").read()
    if lines is not None:
        data = b"".join(data.splitlines(keepends=True)[:lines])
    return data


def pick(cands, n, keep=lambda b: True):
    """Up to n distinct candidates, longest-first variety: sorted by length
    then spread evenly, so short and long inputs both get in."""
    seen, uniq = set(), []
    for c in cands:
        if c not in seen and keep(c):
            seen.add(c)
            uniq.append(c)
    if len(uniq) <= n:
        return uniq
    uniq.sort(key=lambda b: (len(b), b))
    step = len(uniq) / n
    return [uniq[int(i * step)] for i in range(n)]


def write(harness, seeds):
    d = os.path.join(FUZZ, "corpus", harness)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    seeds = list(dict.fromkeys(seeds))[:MAX_FILES]
    for s in seeds:
        h = hashlib.sha1(s).hexdigest()[:16]
        with open(os.path.join(d, h), "wb") as f:
            f.write(s)
    total = sum(len(s) for s in seeds)
    print(f"{harness}: {len(seeds)} files, {total} bytes")


def test_lits(module):
    return literals(os.path.join(ROOT, "tests", "unit", f"test_{module}.c"))


def table():
    base = [fixture("seed/full_sweep.csv"), fixture("seed/round_robin.csv"),
            fixture("per_query.csv", 6),
            fixture("summary_gemma-3-1b-it-qat-4bit.csv", 4)]
    base += pick([b for b in test_lits("table") if b"," in b or b"\n" in b], 20)
    base += [
        b'a,b\n1,"unterminated\n', b'a,b\n1,x"y\n', b'a,b\n1,"x"y\n',
        b"a,a\n1,2\n", b"a,b\n1\n", b"a,b\n1,2,3\n", b"a,b\r\n1,2\r\n",
        b"a,b\r1,2\r3,4\r", b"\xef\xbb\xbfa,b\n1,2\n", b"\xef\xbbX,b\n1,2\n",
        b"a,b\n1,\x002\n", b"a,b\n\n\n1,2", b'a\n"multi\nline"\n',
        b"n,v\n1,1_000\n2, 3.5 \n3,inf\n4,-nan\n5,1e-05\n",
    ]
    seeds = []
    for i, b in enumerate(base):
        opts = [0x00, 0x08 | 0x03, 0x04][i % 3]
        step = [0, 2, 6, 63][i % 4]
        seeds.append(bytes([opts, step]) + b)
    # torn last rows (open quote, short row, and near misses), with the
    # skip on and off (0x10: SK_TABLE_STRICT_END)
    torn = [b'a,b,c\n1,2,3\n4,"5', b"a,b,c\n1,2,3\n4,5", b'a,b\n1,"x\ny',
            b"a,b,c\n1,2,3\n4,5\r"]
    for i, b in enumerate(torn):
        seeds.append(bytes([[0x00, 0x11][i % 2], [0, 2][i % 2]]) + b)
    write("table", seeds)
    # the same CSVs read in parallel: options (0x10: cuts inside quotes),
    # chunk size, threads
    par = []
    for i, b in enumerate(base + torn):
        opts = [0x00, 0x10, 0x08 | 0x03, 0x14][i % 4]
        par.append(bytes([opts, [0, 3, 12, 63][i % 4], i % 8]) + b)
    write("table_par", par)


def num_roundtrip():
    texts = pick([b for b in test_lits("num") if 0 < len(b) <= 40], 30)
    doubles = [0.0, -0.0, 1.0, 0.1, 1e-4, 1e-5, 1e16, 9999999999999998.0,
               5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
               float("inf"), -float("inf"), 2.0 ** 54, 56.70375, -1.5e16]
    seeds = [struct.pack("<d", d) for d in doubles] + texts
    seeds += [b"1_000.5", b" \t1e5\n", b"\xc2\xa01.5\xe3\x80\x80", b"1__0",
              b"0x10", b".e1", b"1e", b"nan(1)", b"InFiNiTy", b"-.5e-3"]
    write("num_roundtrip", seeds)


def sse():
    lits = pick([b for b in test_lits("sse") if b"\n" in b or b"\r" in b
                 or b":" in b], 30)
    lits += [b"\xef\xbb\xbfdata: x\n\n", b"data: a\r\ndata: b\r\n\r\n",
             b"event: error\ndata: {}\n\n", b": comment\n\ndata\n\n",
             b"data: " + b"x" * 300 + b"\n\n", b"data: [DONE]\r\r",
             b"data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n"]
    seeds = []
    for i, b in enumerate(lits):
        cap = [0, 8, 64, 255][i % 4]
        seeds.append(bytes([cap, (i * 37) % 256]) + b)
    write("sse", seeds)


def chunk():
    lits = pick([b for b in test_lits("chunk") if b[:1] in (b"{", b" ", b"[")
                 or b.startswith(b"\r")], 36)
    lits += [b"[DONE]", b"{}", b'{"choices":[{"delta":{"content":"\\ud83d\\ude00"}}]}',
             b'{"error":{"message":"bad"}}', b'{"object":"error","message":"x"}',
             b'{"content":"a","stop":true,"stop_type":"limit","tokens_predicted":1.28e2}',
             b'{"timings":{"prompt_ms":1.5,"predicted_n":3}}', b"[" * 70,
             b'{"usage":{"prompt_tokens":9223372036854775808}}', b'{"a":"\xc0\xaf"}']
    write("chunk", lits)


def prompts():
    lits = pick([b for b in test_lits("prompts") if len(b) > 1], 34)
    lits += [b'["a", "b"]', b'{"prompt":"x"}\n{"text":"y"}\n"z"\n',
             b"one\r\ntwo\n\n  \nthree", b"\xef\xbb\xbf[\"bom\"]", b'["", "x"]',
             b"bad \xff utf8\n", b"nul\x00here\n", b"[1]", b"   \n\t\n"]
    write("prompts", lits)


def http():
    lits = pick([b for b in test_lits("http") if b" HTTP/" in b or b"\r\n" in b], 32)
    lits += [b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
             b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n0\r\nT: v\r\n\r\n",
             b"GET / HTTP/1.0\nConnection: keep-alive\n\nGET /2 HTTP/1.1\n\n",
             b"GET / HTTP/2.0\r\n\r\n", b"GET / HTTP/1.1\r\n folded\r\n\r\n",
             b"POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nab"]
    seeds = []
    for i, b in enumerate(lits):
        seeds.append(bytes([i % 2, (i * 53) % 256]) + b)
    write("http", seeds)


def filter_():
    exprs = [b"errors==0", b"errors!=0", b"concurrency>=8", b"ttft_s < 0.5",
             b"model == Qwen3-4B", b"x<=1_000", b"x>inf", b"x==nan",
             b" spaced  >=  -0.0 ", b"a=b", b"=5", b"a!", b"<", b"a==",
             b"a" * 256 + b"==1", b"a==" + b"9" * 256, b"a<=>b", b"a!==b",
             b"tok/s>1e3\n1000.5", b"name==\n", b"v>=1\n\xc2\xa02\xe2\x80\x83",
             b"v==x\x00y"]
    write("filter", exprs)


if __name__ == "__main__":
    table()
    num_roundtrip()
    sse()
    chunk()
    prompts()
    http()
    filter_()
