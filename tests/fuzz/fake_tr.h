/*
 * A fake transport for the fuzz targets of the library and the
 * services (tests/fuzz/fuzz_lib.c, fuzz_services.c): a struct tr_ops
 * installed through the tr_test_ops hook (core/transport/internal.h),
 * so rsp_element, rsp_session and rsp_pu run unchanged on endpoints
 * and associations that exist only in the tables below, and the fuzz
 * input decides what happens on them (fk_event()).
 *
 * It keeps the contract of core/transport/transport.h: ids are unique
 * and never reused, UP comes once and before any MSG, SHUTDOWN or
 * WRITABLE, CANT_START only for an association we opened that is not
 * up, nothing after LOST, SHUTDOWN, CANT_START or tr_abort(), and
 * tr_peeloff() moves an association with its id.  Every ASAP message
 * (PPID 11) the code under test sends must decode.
 */
#ifndef RSP_FAKE_TR_H
#define RSP_FAKE_TR_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/transport/internal.h"
#include "proto/msg.h"
#include "proto/wire.h"

#define FK_ASSOC_MAX 64
#define FK_EP_MAX    64
/* Bytes an association takes before tr_send() says EAGAIN (the peer
 * reads them all at a TR_EV_WRITABLE): a sender that fills the
 * transport (CharGen) meets the end of it. */
#define FK_QUEUE_MAX 65536

struct fk_assoc {
	uint32_t id;
	struct tr_ep *ep;
	int up;        /* UP was emitted */
	int outgoing;  /* tr_connect() made it */
	size_t queued; /* bytes sent that the peer did not read yet */
};

static struct fk_assoc fk_as[FK_ASSOC_MAX];
static int fk_nas;
static struct tr_ep *fk_eps[FK_EP_MAX];
static int fk_neps;
static uint32_t fk_next_id;
static uint16_t fk_next_port;
static int fk_full;          /* tr_send() fails with EAGAIN */
static int fk_connect_fails; /* tr_connect() fails */
static unsigned long fk_sent;
static int fk_trace; /* FUZZ_LOG set: what happens goes to stderr */
/* The association that died last, while its endpoint lives: the one
 * SEND_FAILED may still come for. */
static struct tr_ep *fk_dead_ep;
static uint32_t fk_dead_id;

static struct fk_assoc *
fk_find(const struct tr_ep *ep, uint32_t id)
{
	int i;

	for (i = 0; i < fk_nas; i++)
		if (fk_as[i].id == id && (ep == NULL || fk_as[i].ep == ep))
			return &fk_as[i];
	return NULL;
}

/* Gone without a trace (tr_abort(), tr_ep_free()). */
static void
fk_drop(struct fk_assoc *a)
{
	*a = fk_as[--fk_nas];
}

/* Ended by the peer or the network: SEND_FAILED may still come. */
static void
fk_died(struct fk_assoc *a)
{
	fk_dead_ep = a->ep;
	fk_dead_id = a->id;
	fk_drop(a);
}

static void
fk_addr(struct addr_list *out, uint32_t host, uint16_t port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(host);
	out->port = port;
	addr_list_add(out, (struct sockaddr *)&sin);
}

static int
fk_open(struct tr_ep *ep, const struct addr_list *local)
{
	uint16_t port =
	    local != NULL && local->port ? local->port : fk_next_port++;

	if (fk_neps == FK_EP_MAX) {
		errno = EMFILE;
		return -1;
	}
	ep->priv = (void *)(uintptr_t)port;
	fk_eps[fk_neps++] = ep;
	return 0;
}

static void
fk_free(struct tr_ep *ep)
{
	int i;

	for (i = 0; i < fk_nas;)
		if (fk_as[i].ep == ep)
			fk_drop(&fk_as[i]);
		else
			i++;
	for (i = 0; i < fk_neps; i++)
		if (fk_eps[i] == ep) {
			fk_eps[i] = fk_eps[--fk_neps];
			break;
		}
	if (fk_dead_ep == ep)
		fk_dead_ep = NULL;
	fk_trace = getenv("FUZZ_LOG") != NULL;
}

static int
fk_count(struct tr_ep *ep)
{
	int i, n = 0;

	for (i = 0; i < fk_nas; i++)
		n += fk_as[i].ep == ep;
	return n;
}

static int
fk_new_assoc(struct tr_ep *ep, int outgoing, uint32_t *id)
{
	struct fk_assoc *a;

	if (fk_nas == FK_ASSOC_MAX) {
		errno = EAGAIN;
		return -1;
	}
	a = &fk_as[fk_nas++];
	memset(a, 0, sizeof(*a));
	a->id = ++fk_next_id;
	a->ep = ep;
	a->outgoing = outgoing;
	*id = a->id;
	return 0;
}

static int
fk_connect(struct tr_ep *ep, const struct addr_list *peer, uint32_t *assoc)
{
	(void)peer;
	if (fk_connect_fails) {
		errno = ENETUNREACH;
		return -1;
	}
	if ((ep->flags & TR_ONE_TO_ONE) && fk_count(ep) > 0) {
		errno = EISCONN;
		return -1;
	}
	if (fk_new_assoc(ep, 1, assoc) == -1)
		return -1;
	if (fk_trace)
		fprintf(stderr, "fake: connect %u\n", *assoc);
	return 0;
}

static int
fk_send(struct tr_ep *ep, uint32_t assoc, uint32_t ppid, uint16_t stream,
    const void *data, size_t len)
{
	struct rsp_decode_error e;
	struct fk_assoc *a;
	struct rsp_msg m;

	(void)stream;
	if ((a = fk_find(ep, assoc)) == NULL) {
		errno = ENOENT;
		return -1;
	}
	if (len > TR_TCP_MSG_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	if (ppid == RSP_PPID_ASAP) {
		if (rsp_msg_decode(RSP_PROTO_ASAP, data, len, &m, &e) == -1)
			abort(); /* we sent something we cannot read */
		if (fk_trace)
			fprintf(stderr, "fake: send %s on %u\n",
			    rsp_msg_name(RSP_PROTO_ASAP, m.type), assoc);
		rsp_msg_free(&m);
	} else if (fk_trace)
		fprintf(stderr, "fake: send PPID %u (%zu bytes) on %u\n", ppid,
		    len, assoc);
	if (fk_full || a->queued + len > FK_QUEUE_MAX) {
		errno = EAGAIN;
		return -1;
	}
	a->queued += len;
	fk_sent++;
	return 0;
}

static int
fk_shutdown(struct tr_ep *ep, uint32_t assoc)
{
	if (fk_find(ep, assoc) == NULL) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

static int
fk_abort(struct tr_ep *ep, uint32_t assoc)
{
	struct fk_assoc *a = fk_find(ep, assoc);

	if (a == NULL) {
		errno = ENOENT;
		return -1;
	}
	fk_drop(a);
	return 0;
}

static int
fk_peer_addrs(struct tr_ep *ep, uint32_t assoc, struct addr_list *out)
{
	if (fk_find(ep, assoc) == NULL) {
		errno = ENOENT;
		return -1;
	}
	fk_addr(out, 0x7f000001u + (assoc & 3), RSP_PORT_ASAP);
	return 0;
}

static int
fk_local_addrs(struct tr_ep *ep, uint32_t assoc, struct addr_list *out)
{
	if (assoc != 0 && fk_find(ep, assoc) == NULL) {
		errno = ENOENT;
		return -1;
	}
	fk_addr(out, 0x7f000001u, (uint16_t)(uintptr_t)ep->priv);
	if (assoc & 4)
		fk_addr(out, 0x0a010101u, (uint16_t)(uintptr_t)ep->priv);
	return 0;
}

static int
fk_unacked(struct tr_ep *ep, uint32_t assoc)
{
	if (fk_find(ep, assoc) == NULL) {
		errno = ENOENT;
		return -1;
	}
	return (int)(assoc % 3);
}

static int
fk_srtt(struct tr_ep *ep, uint32_t assoc)
{
	(void)ep;
	return assoc & 1 ? -1 : (int)(assoc % 200);
}

static int
fk_peeloff(struct tr_ep *ep, uint32_t assoc, struct tr_ep *nep)
{
	struct fk_assoc *a = fk_find(ep, assoc);

	if (a == NULL) {
		errno = ENOENT;
		return -1;
	}
	if (fk_neps == FK_EP_MAX) {
		errno = EMFILE;
		return -1;
	}
	nep->priv = ep->priv;
	fk_eps[fk_neps++] = nep;
	a->ep = nep;
	return 0;
}

static const struct tr_ops fk_ops = {"fake", fk_open, fk_free, fk_connect,
    fk_send, fk_shutdown, fk_abort, fk_peer_addrs, fk_local_addrs, fk_unacked,
    fk_srtt, fk_peeloff, fk_count, NULL};

/* A fresh transport for each input (every endpoint of the last one
 * must be gone: fk_leaked()). */
static void
fk_reset(void)
{
	tr_test_ops = &fk_ops;
	fk_nas = fk_neps = 0;
	fk_next_id = 0;
	fk_next_port = 40000;
	fk_full = fk_connect_fails = 0;
	fk_sent = 0;
	fk_dead_ep = NULL;
	fk_trace = getenv("FUZZ_LOG") != NULL;
}

static int
fk_leaked(void)
{
	return fk_neps != 0 || fk_nas != 0;
}

/* Association k: the newest live one whose id is k modulo 16 (ids
 * count from 1 in the order associations are made, so a seed can name
 * them), else the (k modulo their number)-th live one; NULL if none. */
static struct fk_assoc *
fk_pick(unsigned k)
{
	struct fk_assoc *best = NULL;
	int i;

	for (i = 0; i < fk_nas; i++)
		if ((fk_as[i].id & 15) == (k & 15) &&
		    (best == NULL || fk_as[i].id > best->id))
			best = &fk_as[i];
	if (best != NULL || fk_nas == 0)
		return best;
	return &fk_as[k % (unsigned)fk_nas];
}

/* The k-th listening endpoint, NULL if none. */
static struct tr_ep *
fk_listener(unsigned k)
{
	int i, n = 0;

	for (i = 0; i < fk_neps; i++)
		n += (fk_eps[i]->flags & TR_LISTEN) != 0;
	if (n == 0)
		return NULL;
	k %= (unsigned)n;
	for (i = 0; i < fk_neps; i++)
		if ((fk_eps[i]->flags & TR_LISTEN) && k-- == 0)
			return fk_eps[i];
	return NULL;
}

/*
 * Event type on association a, if the contract allows it now; for
 * TR_EV_MSG an association not yet up comes up first.  The association
 * leaves the table before an ending event is emitted: the id is dead
 * for whatever the callback does.
 */
static void
fk_event(struct fk_assoc *a, enum tr_ev_type type, uint32_t ppid,
    const uint8_t *data, size_t len)
{
	struct tr_event ev;
	struct tr_ep *ep = a->ep;
	uint32_t id = a->id;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.assoc = id;
	switch (type) {
	case TR_EV_UP:
		if (a->up)
			return;
		a->up = 1;
		break;
	case TR_EV_MSG:
		if (!a->up) {
			/* its callback may peel it off to another endpoint */
			fk_event(a, TR_EV_UP, 0, NULL, 0);
			if ((a = fk_find(NULL, id)) == NULL)
				return;
			ep = a->ep;
		}
		ev.ppid = ppid;
		ev.stream = (uint16_t)(len & 1);
		ev.data = data;
		ev.len = len;
		break;
	case TR_EV_SHUTDOWN:
	case TR_EV_RESTART:
	case TR_EV_WRITABLE:
		if (!a->up)
			return;
		if (type == TR_EV_SHUTDOWN)
			fk_died(a);
		else if (type == TR_EV_WRITABLE)
			a->queued = 0;
		break;
	case TR_EV_CANT_START:
		if (a->up || !a->outgoing)
			return;
		ev.error = ECONNREFUSED;
		fk_died(a);
		break;
	case TR_EV_LOST:
		ev.error = ECONNRESET;
		fk_died(a);
		break;
	case TR_EV_SEND_FAILED:
		ev.ppid = ppid;
		ev.data = data;
		ev.len = len;
		ev.error = EPIPE;
		break;
	}
	if (fk_trace)
		fprintf(stderr, "fake: %s on %u\n", tr_event_name(type), id);
	tr_emit(ep, &ev);
}

/* SEND_FAILED for a message on the association that died last. */
static void
fk_send_failed_dead(uint32_t ppid, const uint8_t *data, size_t len)
{
	struct tr_event ev;

	if (fk_dead_ep == NULL)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = TR_EV_SEND_FAILED;
	ev.assoc = fk_dead_id;
	ev.ppid = ppid;
	ev.data = data;
	ev.len = len;
	ev.error = EPIPE;
	tr_emit(fk_dead_ep, &ev);
}

/* A peer opens an association to listening endpoint ep: UP. */
static void
fk_incoming(struct tr_ep *ep)
{
	uint32_t id;

	if (fk_new_assoc(ep, 0, &id) == 0)
		fk_event(fk_find(ep, id), TR_EV_UP, 0, NULL, 0);
}

#endif
