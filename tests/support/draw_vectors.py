#!/usr/bin/env python3
"""A second, independent implementation of the verifiable draw (docs/DRAWS.md), standard library
only. It recomputes the known-answer vectors of docs/DRAWS.md §6 and fails if any differs from
the values pinned there and in `domain::draw::tests::known_answer_vectors`."""
import hashlib
import struct
import sys

label = lambda s: s.encode() + b"\0"
var = lambda b: struct.pack(">Q", len(b)) + b
u32 = lambda n: struct.pack(">I", n)
sha = lambda b: hashlib.sha256(b).digest()


def frame_digest(purpose, draw_id, rules, groups):
    e = label("etender-draw-frame/v1") + var(purpose.encode()) + var(draw_id.encode())
    e += var(rules.encode()) + u32(len(groups))
    for code, count, reserves, cands in groups:
        e += var(code.encode()) + u32(count) + u32(reserves) + u32(len(cands))
        e += b"".join(var(c.encode()) for c in cands)
    return sha(e)


def commitment(fd, secret):
    return sha(label("etender-draw-commitment/v1") + fd + secret)


def seed(fd, secret, contributions):
    e = label("etender-draw-seed/v1") + fd + secret + u32(len(contributions))
    e += b"".join(var(who.encode()) + value for who, value in contributions)
    return sha(e)


def select(groups, s):
    placed, out = set(), []
    for code, count, reserves, cands in groups:
        prefix = label("etender-draw-rank/v1") + s + var(code.encode())
        keyed = sorted((sha(prefix + var(c.encode())), c) for c in cands if c not in placed)
        order = [c for _, c in keyed[: count + reserves]]
        placed.update(order)
        out.append((code, order[:count], order[count:]))
    return out


ids = [f"e{i:05d}" for i in range(8)]
groups = [("A01", 2, 1, ids), ("B02", 1, 1, ids[2:])]
fd = frame_digest("evaluation_experts", "D-2026-0001", '{"avoid":["91420600MA4000000X"]}', groups)
secret = b"\x11" * 32
contributions = [("regulator-1", b"\x22" * 32)]
s = seed(fd, secret, contributions)
got = {
    "frame": fd.hex(),
    "commitment": commitment(fd, secret).hex(),
    "seed": s.hex(),
    "result": [f"{c}: {','.join(d)} | {','.join(r)}" for c, d, r in select(groups, s)],
}
if len(sys.argv) > 1 and sys.argv[1] == "--print":
    for k, v in got.items():
        print(k, v)
    sys.exit(0)
want = {
    "frame": "24e552bcf4308269773a2bf9c22444c5dbaa8d0cd83503eb9b2ab994731d47f3",
    "commitment": "5e7186a95dcc131cbd5c4f8f03c5779c1eb4d1f9a1cf5bd3d0c2a787694e9f82",
    "seed": "cd238c6a90f467f28d252490419d66aac84f1b6aa51d4f03bc1e6daba43957ab",
    "result": ["A01: e00000,e00002 | e00006", "B02: e00003 | e00004"],
}
bad = [k for k in want if want[k] != got[k]]
for k in bad:
    print(f"draw vector {k}: expected {want[k]}, computed {got[k]}", file=sys.stderr)
sys.exit(1 if bad else print("draw vectors: the second implementation agrees") or 0)
