/*
 * The registrar's takeover of a dead peer (RFC 5353 4.5.7; docs/wire.md
 * 4.5.7) without sockets (the fixture: enrpfix.h): agreement, silent
 * voters and PEs, cancellation, expiry, the takeover suggestion.
 */
#include "enrpfix.h"

static void
feed_ka_ack(struct registrar *reg, uint32_t assoc, uint32_t id)
{
	char hex[128];
	uint8_t b[64];
	long n;

	snprintf(hex, sizeof(hex),
	    "08 00 00 18 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0e 00 08 "
	    "%02x %02x %02x %02x",
	    id >> 24, (id >> 16) & 0xff, (id >> 8) & 0xff, id & 0xff);
	n = test_hex(hex, b, sizeof(b));
	CHECK(n == 24);
	reg_assoc_msg(reg, assoc, 11, b, (size_t)n);
}

/* A, B, C know each other; A owns two PEs (its node is nodes[0]). */
static void
three(struct ev_loop *loop, struct registrar **a, struct registrar **b,
    struct registrar **c)
{
	const int pa[] = {1, 2}, pb[] = {0}, pc[] = {0};

	*a = start(loop, 0, pa, 2, 128);
	*b = start(loop, 1, pb, 1, 128);
	*c = start(loop, 2, pc, 1, 128);
	pump();
	advance(loop, 2500);
	CHECK(reg_peer_count(*a) == 2 && reg_peer_count(*b) == 2 &&
	      reg_peer_count(*c) == 2);
	feed_asap(*a, REG, 0x101);
	feed_asap(*a, REG, 0x102);
	pump();
	CHECK(hs_owner_count(reg_hs(*b), 0x10) == 2);
	CHECK(hs_owner_count(reg_hs(*c), 0x10) == 2);
}

static void
test_takeover(struct ev_loop *loop)
{
	struct registrar *a, *b, *c;
	int i;

	test_section("takeover: both notice, the lower ID wins, PEs adopted");
	three(loop, &a, &b, &c);
	nodes[0].down = 1;
	advance(loop, 3500); /* last heard: Presence R=1 */
	CHECK(strcmp(reg_peer_state(b, 0x10), "wait-response") == 0);
	CHECK(hs_owner_count(reg_hs(b), 0x10) == 2);
	advance(loop, 2500); /* no response: both start, B (0x11) wins */
	CHECK(nodes[1].sent[ENRP_INIT_TAKEOVER] >= 1);
	CHECK(nodes[2].sent[ENRP_INIT_TAKEOVER] >= 1);
	CHECK(nodes[2].sent[ENRP_INIT_TAKEOVER_ACK] == 1);
	CHECK(nodes[1].sent[ENRP_INIT_TAKEOVER_ACK] == 0);
	CHECK(nodes[1].sent[ENRP_TAKEOVER_SERVER] >= 1);
	CHECK(nodes[2].sent[ENRP_TAKEOVER_SERVER] == 0);
	CHECK(reg_peer_state(b, 0x10) == NULL);
	CHECK(hs_owner_count(reg_hs(b), 0x10) == 0);
	CHECK(hs_owner_count(reg_hs(b), 0x11) == 2);
	CHECK(hs_owner_count(reg_hs(c), 0x11) == 2);
	CHECK(hs_checksum(reg_hs(c), 0x11) == hs_checksum(reg_hs(b), 0x11));
	CHECK(reg_pe_count(b) == 2);
	/* one association to the PEs' shared ASAP transport; the
	 * Keep-Alives H=1 go out once it is up */
	CHECK(connects[1] == 1 && connects[2] == 0);
	CHECK(ka_home[1] == 0);
	CHECK(strcmp(reg_pe_ka_state(b, &echopool, 0x101), "wait-ack") == 0);
	reg_assoc_up(b, 1000);
	CHECK(ka_home[1] == 2 && ka_home_assoc[1] == 1000);
	CHECK((ka_home_pe[1][0] == 0x101 && ka_home_pe[1][1] == 0x102) ||
	      (ka_home_pe[1][0] == 0x102 && ka_home_pe[1][1] == 0x101));
	feed_ka_ack(b, 1000, 0x101);
	feed_ka_ack(b, 1000, 0x102);
	CHECK(strcmp(reg_pe_ka_state(b, &echopool, 0x101), "idle") == 0);
	CHECK(strcmp(reg_pe_ka_state(b, &echopool, 0x102), "idle") == 0);
	/* B's Presences now carry the PEs: C's audit agrees, no request */
	i = nodes[2].sent[ENRP_HANDLE_TABLE_REQUEST];
	advance(loop, 3000);
	CHECK(nodes[2].sent[ENRP_HANDLE_TABLE_REQUEST] == i);
	stop(0);
	stop(1);
	stop(2);
	pump();
}

/* Advance in 50 ms steps until registrar r sees peer id in state st
 * (1), or the peer is gone or 10 s passed (0). */
static int
takeover_wait(
    struct ev_loop *loop, struct registrar *r, uint32_t id, const char *st)
{
	const char *now;
	int i;

	for (i = 0; i < 200; i++) {
		advance(loop, 50);
		if ((now = reg_peer_state(r, id)) == NULL)
			return 0;
		if (strcmp(now, st) == 0)
			return 1;
	}
	return 0;
}

/* A voter that falls silent during the vote (alive when the vote
 * begins, no answer to our Presence by its expiry) must not cost the
 * dead peer's PEs: only silent peers are missing, the vote goes on. */
static void
test_takeover_silent_voter(struct ev_loop *loop)
{
	struct registrar *a, *b, *c;
	int i;

	test_section("takeover: a voter falls silent, the vote goes on");
	expiry_opt = 3500;
	three(loop, &a, &b, &c);
	nodes[0].down = 1;
	takeover_wait(loop, b, 0x10, "wait-response");
	/* B's takeover begins -peermaxtimenoresponse (2 s) later: C falls
	 * silent just before, so it is still alive then but never acks */
	advance(loop, 1900);
	nodes[2].down = 1;
	CHECK(takeover_wait(loop, b, 0x10, "takeover"));
	CHECK(strcmp(reg_peer_state(b, 0x12), "alive") == 0);
	CHECK(hs_owner_count(reg_hs(b), 0x10) == 2); /* still voting */
	for (i = 0; i < 200 && reg_peer_state(b, 0x10) != NULL; i++)
		advance(loop, 50);
	/* the vote expired with C missing, but C was silent by then */
	CHECK(reg_peer_state(b, 0x12) != NULL &&
	      strcmp(reg_peer_state(b, 0x12), "wait-response") == 0);
	CHECK(hs_owner_count(reg_hs(b), 0x11) == 2);
	CHECK(hs_owner_count(reg_hs(b), 0x10) == 0);
	expiry_opt = 3000;
	stop(0);
	stop(1);
	stop(2);
	pump();
}

static void
test_takeover_silent_pe(struct ev_loop *loop)
{
	struct registrar *a, *b, *c;

	test_section("takeover: ASAP transport fails, user transport, timeout");
	three(loop, &a, &b, &c);
	nodes[0].down = 1;
	advance(loop, 6000);
	CHECK(hs_owner_count(reg_hs(b), 0x11) == 2);
	/* the association to the ASAP transport fails: both PEs get a
	 * second try at their (shared) user transport */
	CHECK(connects[1] == 1);
	reg_assoc_lost(b, 1000);
	CHECK(connects[1] == 2);
	CHECK(reg_pe_count(b) == 2);
	CHECK(ka_home[1] == 0);
	reg_assoc_up(b, 1001);
	CHECK(ka_home[1] == 2 && ka_home_assoc[1] == 1001);
	/* no ack there either: the keep-alive timeout removes both */
	advance(loop, 5500);
	CHECK(reg_pe_count(b) == 0);
	CHECK(hs_pe_total(reg_hs(b)) == 0);
	CHECK(hs_pe_total(reg_hs(c)) == 0); /* DEL_PE reached C */
	stop(0);
	stop(1);
	stop(2);
	pump();
}

static void
test_takeover_cancel(struct ev_loop *loop)
{
	struct registrar *a, *b, *c;

	test_section("takeover: the target's Presence cancels it; expiry");
	three(loop, &a, &b, &c);
	/* A and C fall silent together: B's takeover waits for C's ack
	 * until C is dropped too, then goes ahead */
	nodes[0].down = 1;
	nodes[2].down = 1;
	advance(loop, 6000);
	CHECK(reg_peer_state(b, 0x12) == NULL);
	CHECK(reg_peer_state(b, 0x10) == NULL);
	CHECK(hs_owner_count(reg_hs(b), 0x11) == 2);
	stop(0);
	stop(1);
	stop(2);
	pump();

	three(loop, &a, &b, &c);
	/* A and C (which owns a PE too) fall silent together: neither is
	 * a voter in the other's takeover (only peers that answer vote),
	 * so B takes both over without waiting */
	feed_asap(c, REG, 0x201);
	pump();
	nodes[0].down = 1;
	nodes[2].down = 1;
	advance(loop, 6500);
	CHECK(reg_peer_state(b, 0x10) == NULL);
	CHECK(reg_peer_state(b, 0x12) == NULL);
	CHECK(hs_owner_count(reg_hs(b), 0x11) == 3);
	stop(0);
	stop(1);
	stop(2);
	pump();

	/* A dies, C falls silent as B's takeover of A begins (C is a
	 * voter whose ack never comes); A comes back before the expiry:
	 * its Presence cancels the takeover, its PEs stay A's */
	expiry_opt = 3500;
	three(loop, &a, &b, &c);
	nodes[0].down = 1;
	takeover_wait(loop, b, 0x10, "wait-response");
	advance(loop, 1900); /* as in test_takeover_silent_voter */
	nodes[2].down = 1;
	CHECK(takeover_wait(loop, b, 0x10, "takeover"));
	CHECK(reg_peer_taker(b, 0x10) == 0x11);
	nodes[0].down = 0;
	advance(loop, 1200);
	CHECK(reg_peer_state(b, 0x10) != NULL &&
	      strcmp(reg_peer_state(b, 0x10), "alive") == 0);
	CHECK(reg_peer_taker(b, 0x10) == 0);
	CHECK(hs_find_pe(reg_hs(b), &echopool, 0x101) != NULL &&
	      hs_pe_home(hs_find_pe(reg_hs(b), &echopool, 0x101)) == 0x10);
	CHECK(hs_owner_count(reg_hs(b), 0x10) == 2);
	CHECK(ka_home[1] == 0 && connects[1] == 0);
	expiry_opt = 3000;
	stop(0);
	stop(1);
	stop(2);
	pump();
}

static void
test_suggestion(struct ev_loop *loop)
{
	const int pa[] = {1}, pb[] = {0};
	struct registrar *a, *b;

	test_section("takeover suggestion (Handle Update T=1)");
	suggest_opt = 1;
	a = start(loop, 0, pa, 1, 128);
	b = start(loop, 1, pb, 1, 128);
	pump();
	advance(loop, 2500);
	/* 0x11 ^ 0x100 > 0x10 ^ 0x100: B is the better home, A says so */
	feed_asap(a, REG, 0x100);
	CHECK(nodes[0].sent[ENRP_HANDLE_UPDATE] == 2);
	/* 0x10 ^ 0x101 is larger: no suggestion */
	feed_asap(a, REG, 0x101);
	CHECK(nodes[0].sent[ENRP_HANDLE_UPDATE] == 3);
	pump();
	CHECK(connects[1] == 1 && ka_home[1] == 0);
	CHECK(hs_pe_home(hs_find_pe(reg_hs(b), &echopool, 0x100)) == 0x10);
	reg_assoc_up(b, 1000);
	CHECK(ka_home[1] == 1 && ka_home_pe[1][0] == 0x100);
	/* the PE registers with B: A learns its new home and lets go */
	CHECK(reg_pe_count(a) == 2);
	feed_asap(b, REG, 0x100);
	pump();
	CHECK(hs_pe_home(hs_find_pe(reg_hs(a), &echopool, 0x100)) == 0x11);
	CHECK(reg_pe_count(a) == 1 && reg_pe_count(b) == 1);
	suggest_opt = 0;
	stop(0);
	stop(1);
	pump();
}

int
main(void)
{
	struct ev_loop *loop = fixture_loop();

	test_takeover(loop);
	test_takeover_silent_voter(loop);
	test_takeover_silent_pe(loop);
	test_takeover_cancel(loop);
	test_suggestion(loop);
	ev_loop_free(loop);
	return test_done();
}
