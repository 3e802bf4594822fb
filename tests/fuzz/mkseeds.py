#!/usr/bin/env python3
"""Hand-built seed inputs for the stateful fuzz targets (docs/fuzzing.md).

usage: tests/fuzz/mkseeds.py [OUTDIR]    (default: tests/fuzz/corpus)

Writes OUTDIR/<target>/seed-<name> for regenrp, lib, services, opt and
hsdump, built from the messages of tests/vectors/ (RSPLIB-generated and
RSPLIB's demo capture) in each target's record format (the comment at
the top of tests/fuzz/fuzz_<target>.c).  The committed corpora started
from these and grew by fuzzing (make fuzz-soak); run this again only to
add seeds, never to replace a corpus.
"""
import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.join(HERE, "..", "vectors")


def load(path):
    """{title: bytes} of an annotated hex-dump vector file."""
    out, title, data = {}, None, bytearray()
    with open(path) as f:
        for line in f:
            if line.startswith("====="):
                if title and data:
                    out[title] = bytes(data)
                title, data = None, bytearray()
                continue
            m = re.match(r"^    ([0-9a-f]{4})  ((?:[0-9a-f]{2} ?)+)\s*$", line)
            if m and title:
                data += bytes.fromhex(m.group(2).replace(" ", ""))
            elif title is None and line.strip():
                title = line.strip()
    if title and data:
        out[title] = bytes(data)
    return out


GEN = load(os.path.join(VECTORS, "rsplib-3-generated.txt"))
DEMO = load(os.path.join(VECTORS, "demo-messages.txt"))


def vec(prefix, src=GEN):
    for t, d in src.items():
        if t.startswith(prefix):
            return d
    raise KeyError(prefix)


def enrp(prefix, sender=None, receiver=None, target=None):
    """An ENRP vector with its sender, receiver (and takeover target)
    IDs replaced."""
    b = bytearray(vec(prefix))
    if sender is not None:
        b[4:8] = struct.pack(">I", sender)
    if receiver is not None:
        b[8:12] = struct.pack(">I", receiver)
    if target is not None:
        b[12:16] = struct.pack(">I", target)
    return bytes(b)


def rec(op, msg=b""):
    """A message record: op, 16-bit length, bytes."""
    return bytes([op]) + struct.pack(">H", len(msg)) + msg


def write(outdir, target, name, data):
    d = os.path.join(outdir, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


# ---- regenrp (tests/fuzz/fuzz_regenrp.c) ----

PEER, OTHER, US = 0xABCD, 0x1111, 0x5555
TICK = 0xC4  # 1 s, timers run
LONG = 0xFF  # 15.75 s, timers run


def regenrp(outdir):
    pres = enrp("ENRP  PRESENCE", PEER, US)
    pres_other = enrp("ENRP  PRESENCE", OTHER, US)
    upd = enrp("ENRP  HANDLE_UPDATE(ADD_PE)", PEER, US)
    upd_del = enrp("ENRP  HANDLE_UPDATE(DEL_PE", PEER, US)
    htresp = enrp("ENRP  HANDLE_TABLE_RESPONSE(1 pool", PEER, US)
    htresp_r = enrp("ENRP  HANDLE_TABLE_RESPONSE(R=1)", PEER, US)
    htreq = enrp("ENRP  HANDLE_TABLE_REQUEST", PEER, US)
    lreq = enrp("ENRP  LIST_REQUEST", PEER, US)
    lresp = enrp("ENRP  LIST_RESPONSE", PEER, US)
    err = enrp("ENRP  ENRP_ERROR", PEER, US)
    init_to = enrp("ENRP  INIT_TAKEOVER(", PEER, US, OTHER)
    init_ack = enrp("ENRP  INIT_TAKEOVER_ACK", PEER, US, OTHER)
    to_srv = enrp("ENRP  TAKEOVER_SERVER", PEER, US, OTHER)
    reg = vec("ASAP  REGISTRATION  ")
    kaack = vec("ASAP  ENDPOINT_KEEP_ALIVE_ACK")
    hr = vec("ASAP  HANDLE_RESOLUTION(HROPT")
    seeds = {
        "mentor": rec(0x00, pres) + rec(0x00, upd) + rec(0x00, htresp)
        + rec(0x00, lresp) + bytes([TICK] * 4),
        "takeover-adopt": rec(0x00, pres) + rec(0x00, upd) + bytes([LONG] * 3)
        + bytes([0x54]) + rec(0x14, kaack) + bytes([TICK] * 3),
        "takeover-silent": rec(0x10, reg) + rec(0x00, pres) + rec(0x01, pres_other)
        + rec(0x01, enrp("ENRP  HANDLE_UPDATE(ADD_PE)", OTHER, US))
        + bytes([LONG] * 2) + rec(0x00, init_ack) + bytes([TICK] * 8),
        "init-takeover": rec(0x00, pres) + rec(0x01, pres_other)
        + rec(0x01, enrp("ENRP  HANDLE_UPDATE(ADD_PE)", OTHER, US))
        + rec(0x00, init_to) + rec(0x00, to_srv) + bytes([TICK] * 2),
        "requests": rec(0x10, reg) + rec(0x00, pres) + rec(0x00, htreq)
        + rec(0x00, htreq) + rec(0x00, lreq) + rec(0x00, err)
        + rec(0x10, hr) + bytes([TICK] * 3),
        "audit": rec(0x00, pres) + rec(0x00, upd) + rec(0x00, htresp)
        + rec(0x00, pres) + rec(0x00, htresp) + rec(0x00, upd_del) + bytes([TICK]),
        "refusals": rec(0x00, htresp_r) + rec(0x02, enrp("ENRP  HANDLE_TABLE_REQUEST", 0x9999))
        + rec(0x02, enrp("ENRP  LIST_REQUEST", 0x9999)) + rec(0x00, pres)
        + rec(0x00, upd) + rec(0x00, htresp_r),
        "multicast": rec(0x21, pres) + rec(0x22, pres_other) + bytes([TICK] * 3)
        + rec(0x21, pres),
        "wrong-ppid-and-loss": rec(0x00, pres) + rec(0x30, pres) + rec(0x10, reg)
        + rec(0x38, reg) + bytes([0x40, 0x48, 0x59, 0x61, 0x69, TICK, 0x60, 0x68])
        + rec(0x00, pres) + bytes([0x40, LONG]),
        "send-fails": bytes([0x69]) + rec(0x00, pres) + rec(0x00, upd)
        + bytes([0x68, LONG, LONG]),
    }
    # Takeover with a vote: OTHER stays alive (a Presence every second)
    # and acknowledges, refuses by taking over itself, or stays silent.
    upd_other = enrp("ENRP  HANDLE_UPDATE(ADD_PE)", OTHER, US)
    pres_hi = enrp("ENRP  PRESENCE", 0x9999, US)
    upd_hi = enrp("ENRP  HANDLE_UPDATE(ADD_PE)", 0x9999, US)
    alive = lambda n: (rec(0x01, pres_other) + rec(0x02, pres_hi) + bytes([TICK])) * n
    start = rec(0x00, pres) + rec(0x00, upd) + rec(0x01, pres_other) + rec(0x01, upd_other) \
        + rec(0x02, pres_hi) + rec(0x02, upd_hi)
    # the takeover of PEER starts about 5 s after its last Presence
    seeds["vote-ack"] = start + alive(6) + rec(0x01, enrp("ENRP  INIT_TAKEOVER_ACK", OTHER, US, PEER)) \
        + rec(0x02, enrp("ENRP  INIT_TAKEOVER_ACK", 0x9999, US, PEER)) + alive(2) \
        + bytes([0x54]) + rec(0x14, kaack)
    seeds["vote-rival-lower"] = start + alive(6) + rec(0x01, enrp("ENRP  INIT_TAKEOVER(", OTHER, US, PEER)) \
        + alive(4)
    seeds["vote-rival-higher"] = start + alive(6) + rec(0x02, enrp("ENRP  INIT_TAKEOVER(", 0x9999, US, PEER)) \
        + alive(2) + rec(0x02, enrp("ENRP  TAKEOVER_SERVER", 0x9999, US, PEER)) + alive(2)
    seeds["vote-expires"] = start + alive(10)
    seeds["vote-peer-lost"] = start + alive(6) + bytes([0x41, 0x42]) + bytes([TICK] * 4)
    # Every ENRP vector of both sets after a Presence of its sender.
    for src, tag in ((GEN, "gen"), (DEMO, "demo")):
        for i, (t, d) in enumerate(src.items()):
            if not t.startswith("ENRP"):
                continue
            b = bytearray(d)
            sender = struct.unpack(">I", b[4:8])[0] or PEER
            b[4:8] = struct.pack(">I", sender)
            p = bytearray(pres)
            p[4:8] = struct.pack(">I", sender)
            seeds["%s-%02d" % (tag, i)] = rec(0x00, bytes(p)) + rec(0x00, bytes(b)) + bytes([TICK])
    for name, data in seeds.items():
        write(outdir, "regenrp", name, data)


# ---- lib (tests/fuzz/fuzz_lib.c) ----
# Association ids: the element's hunt 1 and 2, the session's 3 and 4,
# the PU's 5; then, in order, whatever comes next (6, 7, ...).

T50 = 0xD4  # 1 s (20 x 50 ms), timers run


def ev(slot, typ, asap=False):
    """An event record: op 0x40 | slot, type index (| 8: PPID 11)."""
    return bytes([0x40 | slot, typ | (8 if asap else 0)])


def api(n, arg=0):
    return bytes([0x60 | n, arg])


def lib(outdir):
    a = lambda t: vec("ASAP  " + t)
    regok = a("REGISTRATION_RESPONSE(accept)")
    regrej = a("REGISTRATION_RESPONSE(reject")
    dereg = a("DEREGISTRATION_RESPONSE")
    hrr = a("HANDLE_RESOLUTION_RESPONSE(1 PE)")
    hrneg = a("HANDLE_RESOLUTION_RESPONSE(negative")
    ka = a("ENDPOINT_KEEP_ALIVE(H=0)")
    kah = a("ENDPOINT_KEEP_ALIVE(H=1)")
    cookie = a("COOKIE(PingPong")
    echo = a("COOKIE_ECHO(PingPong")
    bcard = a("BUSINESS_CARD")
    err = a("ERROR(cause")
    announce = a("SERVER_ANNOUNCE")
    ping = vec("PPP  PING")
    element = rec(0x01, regok) + rec(0x01, ka) + bytes([T50]) + rec(0x01, regok)
    session = rec(0x03, hrr) + rec(0x26, ping) + rec(0x06, cookie)
    seeds = {
        "element": element + api(1) + rec(0x01, dereg) + bytes([T50]),
        "element-sctp!1": element + bytes([0x51]) + rec(0x06, kah) + bytes([T50]),
        "element-refused": rec(0x02, regrej) + rec(0x02, hrr) + bytes([T50]),
        "element-error": rec(0x01, err) + bytes([T50] * 3) + rec(0x02, regok),
        "element-lost": element + ev(1, 1) + bytes([T50] * 2) + rec(0x02, regok),
        "element-load!20": element + api(0, 0x80) + rec(0x01, regok)
        + api(0, 0x10) + api(0, 0x20) + rec(0x01, regok),
        "element-sessions": element + bytes([0x50]) + rec(0x06, echo) + rec(0x26, ping)
        + rec(0x06, bcard) + api(2, 6) + api(3, 6) + api(6, 6) + ev(6, 2)
        + bytes([0x50]) + api(4, 7) + api(5, 7),
        "element-new-home": element + bytes([0x50]) + rec(0x06, kah) + rec(0x06, regok)
        + bytes([T50]),
        "session": session + ev(6, 1) + rec(0x03, hrr) + rec(0x27, ping)
        + api(7) + api(8) + bytes([T50]) + rec(0x03, hrr) + api(10) + ev(8, 2),
        "session-card": session + rec(0x06, bcard) + api(11) + ev(6, 1) + bytes([T50] * 2),
        "session-neg": rec(0x03, hrneg) + bytes([T50]) + rec(0x03, err) + bytes([T50] * 5),
        "session-queue": api(15, 1) + session + api(7) + api(7) + ev(6, 5)
        + api(15, 0) + ev(6, 5) + api(9) + ev(6, 4) + bytes([T50]),
        "session-sctp!1": session + api(15, 1) + api(7) + bytes([T50]) + api(15, 0)
        + bytes([T50]) + ev(6, 1) + api(21, 0) + bytes([T50]),
        "pu": api(12) + rec(0x05, hrr) + api(13, 1) + rec(0x05, hrneg) + api(14, 1)
        + bytes([T50]),
        "pu-cache!2": api(12) + rec(0x05, hrr) + api(12) + api(12) + api(14, 1)
        + api(12) + bytes([T50] * 3) + api(12) + ev(5, 1) + bytes([T50] * 4),
        "pu-timeout": api(16, 1) + api(12) + bytes([T50] * 4) + api(16, 0) + api(13, 0)
        + bytes([T50] * 4),
        "announce": rec(0x31, announce) + bytes([T50]) + rec(0x37, announce) + api(22)
        + rec(0x06, ka) + api(17) + bytes([T50] * 3),
        "recreate": element + session + api(18) + api(19) + api(20) + bytes([T50]),
        "connect-fails": api(16, 1) + bytes([T50] * 10) + api(16, 0) + bytes([T50] * 10)
        + ev(1, 3) + ev(3, 3) + bytes([T50]),
        "wrong-ppid": rec(0x11, regok) + rec(0x13, hrr) + ev(1, 6) + bytes([T50]),
    }
    for i, (t, d) in enumerate(GEN.items()):
        if t.startswith("ASAP"):
            seeds["gen-%02d" % i] = rec(0x01, d) + rec(0x03, d) + rec(0x05, d) + bytes([T50])
    for i, (t, d) in enumerate(DEMO.items()):
        if t.startswith("ASAP"):
            seeds["demo-%02d" % i] = rec(0x01, d) + rec(0x03, d) + bytes([T50])
    # "name!N": configuration byte N (fuzz_lib.c), else 0
    for name, data in seeds.items():
        name, _, cfg = name.partition("!")
        write(outdir, "lib", name, bytes([int(cfg or 0)]) + data)

# ---- services (tests/fuzz/fuzz_services.c) ----
# Association ids: the element's registrar hunt 1; sessions 2, 3, ...

SERVICES = ["echo", "discard", "daytime", "chargen", "pingpong", "calcapp", "fractal"]


def services(outdir):
    g = lambda t: vec(t)
    ping = g("PPP  PING")
    pp_echo = g("ASAP  COOKIE_ECHO(PingPong")
    cap_req = g("CALCAPP  CALCAPP_REQUEST")
    cap_ka = g("CALCAPP  CALCAPP_KEEPALIVE(")
    cap_kaack = g("CALCAPP  CALCAPP_KEEPALIVE_ACK")
    cap_abort = g("CALCAPP  CALCAPP_ABORT")
    cap_cookie = bytearray(g("ASAP  COOKIE(CalcApp"))
    cap_cookie[0] = 0x09  # the Cookie as a Cookie Echo (ASAP type 9)
    fgp_par = g("FGP  FGP_PARAMETER")
    fgp_cookie = bytearray(g("ASAP  COOKIE(FGP"))
    fgp_cookie[0] = 0x09
    bcard = g("ASAP  BUSINESS_CARD")
    kah = g("ASAP  ENDPOINT_KEEP_ALIVE(H=1)")
    up = bytes([0x50])
    per = {
        "echo": up + rec(0x02, b"hello") + rec(0x22, b"x" * 100) + rec(0x12, pp_echo)
        + rec(0x12, bcard) + bytes([0x61]) + rec(0x02, b"full") + bytes([0x60, T50])
        + ev(2, 2),
        "discard": up + rec(0x02, b"drop") + up + ev(3, 1) + bytes([T50]),
        "daytime": up + bytes([T50]) + up + bytes([0x61, T50, 0x60]) + ev(3, 1),
        "chargen": up + bytes([T50, T50]) + bytes([0x61, T50]) + ev(2, 5) + bytes([0x60])
        + ev(2, 5) + bytes([T50]) + up + up + up + bytes([T50]) + ev(2, 1),
        "pingpong": up + rec(0x02, ping) + rec(0x02, ping) + up + rec(0x13, pp_echo)
        + rec(0x03, ping) + up + up + up + rec(0x02, b"junk") + bytes([T50]),
        "calcapp": up + rec(0x02, cap_req) + bytes([T50] * 3) + rec(0x02, cap_ka)
        + rec(0x02, cap_kaack) + bytes([T50] * 4) + up + rec(0x13, bytes(cap_cookie))
        + rec(0x03, cap_abort) + up + rec(0x04, cap_req) + ev(4, 1) + bytes([T50] * 6),
        "fractal": up + rec(0x02, fgp_par) + bytes([T50] * 3) + bytes([0x61, T50, 0x60])
        + up + rec(0x13, bytes(fgp_cookie)) + bytes([T50] * 2) + ev(2, 1)
        + rec(0x03, b"bad") + bytes([T50]),
    }
    for i, name in enumerate(SERVICES):
        write(outdir, "services", name, bytes([i]) + per[name])
        write(outdir, "services", name + "-restart",
              bytes([i | 8]) + per[name][:40] + bytes([0x62]) + per[name][40:])
    write(outdir, "services", "fractal-test", bytes([6 | 16 | 8]) + per["fractal"])
    write(outdir, "services", "echo-new-home", bytes([0]) + up + rec(0x12, kah)
          + rec(0x12, kah) + bytes([T50]))
    # Every application message and cookie, to every service.
    apps = [(t, d) for t, d in GEN.items()
            if t.split()[0] in ("FGP", "CALCAPP", "PPP", "SSP")
            or t.startswith("ASAP  COOKIE")]
    for i, name in enumerate(SERVICES):
        body = up
        for t, d in apps:
            body += rec(0x12 if t.startswith("ASAP") else 0x02, d)
        write(outdir, "services", name + "-all", bytes([i]) + body + bytes([T50] * 2))


# ---- hsdump (tests/fuzz/fuzz_hsdump.c): length-prefixed ENRP ----


def hsdump(outdir):
    ln = lambda d: struct.pack(">H", len(d)) + d
    htr = vec("ENRP  HANDLE_TABLE_RESPONSE(1 pool")
    lresp = vec("ENRP  LIST_RESPONSE")
    demo_ht = vec("ENRP message type 0x03", DEMO)
    demo_l = vec("ENRP message type 0x06", DEMO)
    more = bytearray(htr)
    more[1] |= 0x01  # M: more to come
    other = bytearray(htr)
    other[0x20:0x24] = struct.pack(">I", 0x87654321)  # another PE ID
    seeds = {
        "table": ln(htr),
        "table-and-peers": ln(bytes(more)) + ln(bytes(other)) + ln(lresp),
        "demo": ln(demo_ht) + ln(demo_l),
        "repeated": ln(htr) + ln(htr) + ln(lresp) + ln(lresp),
        "refused-and-others": ln(vec("ENRP  HANDLE_TABLE_RESPONSE(R=1)"))
        + ln(vec("ENRP  PRESENCE")) + ln(htr),
        "update": ln(vec("ENRP  HANDLE_UPDATE(ADD_PE)")) + ln(demo_ht),
    }
    for name, data in seeds.items():
        write(outdir, "hsdump", name, data)


# ---- opt (tests/fuzz/fuzz_opt.c): group byte, NUL-separated argv ----


def opt(outdir):
    reg = [
        ["-loglevel=5", "-asap=127.0.0.1:3863", "-enrp=auto", "-peer=127.0.0.1:9902",
         "-identifier=0x1234", "-minaddressscope=loopback"],
        ["-asap=[::1]:3863,127.0.0.1", "-asapannounce=239.0.0.50:3863",
         "-enrpannounce=auto", "-peer=[fe80::1%1]:9901", "-peer=10.0.0.1,10.0.0.2:9903"],
        ["-asap=auto:3863", "-enrp=off", "-transport=tcp", "-tcpheartbeatinterval=100",
         "-cspserver=127.0.0.1:2960", "-cspinterval=300", "-daemonpidfile=/x"],
        ["-asap=0.0.0.0:0", "-enrp=127.0.0.1:9901,[::ffff:10.1.1.1]", "-enrpmulticast=auto",
         "-disable-ipv6", "-maxhresitems=128", "-supporttakeoversuggestion",
         "-uptime=5", "-downtime=1.5", "--", "rest"],
        ["--help"], ["--options"], ["-nosuch=1", "operand"],
        ["-identifier=4294967296", "-minaddressscope=global", "-logcolor=on"],
    ]
    pepu = [
        ["-registrar=127.0.0.1:3863", "-registrar=[::1]:3863", "-asapannounce=off",
         "-registrarconnecttimeout=100"],
        ["-asapannounce=auto", "-registrarrequestmaxtrials=3",
         "-policy=LeastUsedDegradation:0.5", "-capcapacity=1e6", "-uptime=5"],
        ["-pppmaxthreads=3", "-ssmaxthreads=0", "-giveup=1000", "operand", "--", "-x"],
        ["-registrar=10.0.0.1,10.0.0.2:3863", "-asapannounce=239.0.0.50",
         "-policy=WeightedRandomDPF:5:0.1", "-capcookiemaxtime=0.05",
         "-capcleanshutdownprobability=2", "-transport=sctp"],
        ["-registrar=auto", "-policy=Priority:4294967296", "-cspserver=[::1]:2960"],
        ["-policy=PriorityLeastUsedDegradationDPF", "-registrar=1.2.3.4:0",
         "-chargenmaxthreads=0"],
    ]
    for i, args in enumerate(reg):
        write(outdir, "opt", "registrar-%d" % i, b"\x00" + b"\x00".join(a.encode() for a in args))
    for i, args in enumerate(pepu):
        write(outdir, "opt", "pepu-%d" % i, b"\x01" + b"\x00".join(a.encode() for a in args))


# ---- tcpconn (tests/fuzz/fuzz_tcpconn.c): the peer's byte stream ----


def chunk(typ, flags, body):
    n = 4 + len(body)
    pad = (4 - n % 4) % 4
    return struct.pack(">BBH", typ, flags, n) + body + b"\0" * pad


def peer_writes(b, step=128):
    """Records writing b in pieces of at most step bytes."""
    out = b""
    for i in range(0, len(b), step):
        p = b[i:i + step]
        out += bytes([len(p) - 1]) + p
    return out


def tcpconn(outdir):
    init = chunk(1, 0, b"")
    data = lambda tsn, ppid, msg: chunk(0, 0, struct.pack(">IHHI", tsn, 0, 0, ppid) + msg)
    ack = lambda tsn: chunk(3, 0, struct.pack(">I", tsn))
    hb = chunk(4, 0, struct.pack(">HH", 1, 8) + b"beat")
    hback = chunk(5, 0, struct.pack(">HH", 1, 8) + b"beat")
    reg = vec("ASAP  REGISTRATION  ")
    seeds = {
        "init-data": peer_writes(init + data(1, 11, reg) + data(2, 13, b"odd ppid")),
        "split": peer_writes(init + data(1, 13, reg) + hb, 3),
        "heartbeats": peer_writes(init) + bytes([0x82, 0x82]) + peer_writes(hback)
        + bytes([0x85]),
        "app-send-ack": peer_writes(init) + bytes([0xC0, 0xC0]) + peer_writes(ack(1) + ack(2))
        + bytes([0xC3]),
        "app-shutdown": peer_writes(init + data(1, 1, b"x")) + bytes([0xC1, 0xC3]),
        "app-abort": peer_writes(init) + bytes([0xC2]) + peer_writes(data(1, 1, b"x")),
        "no-init": peer_writes(data(1, 11, reg)) + bytes([0x83]),
        "init-timeout": bytes([0x8A, 0x8A]),
        "second-init": peer_writes(init + init),
        "garbage": peer_writes(b"\x02\x00\x00\x04" + b"\xff" * 20),
        "fin-early": peer_writes(init + data(1, 11, reg)[:20]) + bytes([0xC4]),
        "no-tsn": peer_writes(chunk(1, 7, b"") + chunk(0, 0, b"msg!")),
    }
    for name in list(seeds):  # the same, the endpoint connecting
        seeds["out-" + name] = b"\xc5" + seeds[name]
    for name, data_ in seeds.items():
        write(outdir, "tcpconn", name, data_)


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus")
    regenrp(outdir)
    lib(outdir)
    services(outdir)
    hsdump(outdir)
    opt(outdir)
    tcpconn(outdir)


if __name__ == "__main__":
    main()
