/*
 * The library's registrar table (core/lib/internal.h): static entries and
 * registrars heard in ASAP Server Announces (docs/wire.md 3.3.10,
 * 3.4.6).  An announce names its registrar by the first transport
 * parameter of our transport's kind (else the first one), whose
 * addresses default to the announce's source address; without a
 * transport parameter the registrar is the announce's UDP source
 * address and port, as RSPLIB's registrars send them.  Announced
 * entries are keyed by server ID and expire the announce timeout
 * (struct rsp_timing) after their last announce; static entries never
 * expire.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ev.h"
#include "core/lib/internal.h"
#include "core/log.h"
#include "core/transport/transport.h"
#include "core/udp.h"
#include "proto/wire.h"

int
lib_announce_parse(const char *s, struct sockaddr_storage *group)
{
	if (s == NULL || *s == '\0' || strcmp(s, "off") == 0)
		return 0;
	if (strcmp(s, "auto") == 0)
		s = LIB_ANNOUNCE_AUTO;
	if (addr_parse(group, s, RSP_PORT_ASAP, 0, NULL, 0) == -1)
		return -1;
	if (group->ss_family == AF_INET) {
		const struct sockaddr_in *in =
		    (const struct sockaddr_in *)group;

		if (!IN_MULTICAST(ntohl(in->sin_addr.s_addr)))
			return -1;
	} else if (!IN6_IS_ADDR_MULTICAST(
	               &((const struct sockaddr_in6 *)group)->sin6_addr))
		return -1;
	return 1;
}

int
rsp_discovery_options(int nregistrars, const char **announce)
{
	struct sockaddr_storage g;

	if (nregistrars < 0 || nregistrars > RSP_REGISTRARS_MAX)
		return RSP_ECONFIG;
	if (*announce == NULL)
		*announce = nregistrars == 0 ? "auto" : "off";
	switch (lib_announce_parse(*announce, &g)) {
	case 0:
		return nregistrars > 0 ? RSP_OK : RSP_ECONFIG;
	case 1:
		return RSP_OK;
	}
	return RSP_ECONFIG;
}

static void
cand_set_addrs(struct lib_cand *c, const struct addr_list *al)
{
	int i;

	c->port = al->port;
	c->naddrs = 0;
	for (i = 0; i < al->n && i < LIB_CAND_ADDRS; i++)
		c->addrs[c->naddrs++] = al->a[i];
}

void
lib_cand_addrs(const struct lib_reg *r, int i, struct addr_list *al)
{
	const struct lib_cand *c = &r->cand[i];
	int k;

	memset(al, 0, sizeof(*al));
	al->port = c->port;
	for (k = 0; k < c->naddrs; k++)
		addr_list_add(al, (const struct sockaddr *)&c->addrs[k]);
}

static int
cand_free_slot(struct lib_reg *r)
{
	uint64_t now = ev_now_ms(r->loop);
	int i, oldest = -1;

	for (i = 0; i < LIB_CANDS_MAX; i++) {
		struct lib_cand *c = &r->cand[i];

		if (!c->used)
			return i;
		if (c->is_static || c->attempt != 0 || i == r->cur)
			continue;
		if (c->expiry <= now)
			return i;
		if (oldest == -1 || c->expiry < r->cand[oldest].expiry)
			oldest = i;
	}
	return oldest;
}

int
lib_cand_add_static(struct lib_reg *r, const char *s)
{
	struct addr_list al;
	struct lib_cand *c;
	int i;

	if ((i = cand_free_slot(r)) == -1) {
		errno = ENOSPC;
		return -1;
	}
	c = &r->cand[i];
	memset(c, 0, sizeof(*c));
	if (addr_list_parse(&al, s, RSP_PORT_ASAP, 0, NULL, 0) == -1) {
		errno = EINVAL;
		return -1;
	}
	cand_set_addrs(c, &al);
	c->used = 1;
	c->is_static = 1;
	return 0;
}

int
lib_cand_usable(const struct lib_reg *r, int i)
{
	const struct lib_cand *c = &r->cand[i];

	return c->used && c->naddrs > 0 &&
	       (c->is_static || c->expiry > ev_now_ms(r->loop));
}

/*
 * A Keep-Alive with H=1 on a session makes its sender our registrar:
 * only one of the registrars of our table is believed there (RFC 5355:
 * any pool user could otherwise take a PE away from its registrar).  The table holds
 * the -registrar list and the registrars heard announcing; the host is
 * compared, not the port (a registrar connects from an ephemeral one
 * over the TCP mapping).
 */
int
lib_reg_trusted(const struct lib_reg *r, struct tr_ep *ep, uint32_t assoc)
{
	struct addr_list peer;
	char buf[ADDR_FMT_LEN] = "?";
	int i, j, k;

	if (tr_peer_addrs(ep, assoc, &peer) == -1)
		return 0;
	for (i = 0; i < LIB_CANDS_MAX; i++) {
		if (!lib_cand_usable(r, i))
			continue;
		for (j = 0; j < r->cand[i].naddrs; j++)
			for (k = 0; k < peer.n; k++)
				if (addr_equal_host(
				        (const struct sockaddr *)&r->cand[i]
				            .addrs[j],
				        (const struct sockaddr *)&peer.a[k]))
					return 1;
	}
	log_notice_limited("library: Keep-Alive H=1 on assoc %u from %s, "
	                   "not a registrar of ours: ignored",
	    assoc,
	    peer.n ? addr_fmt((struct sockaddr *)&peer.a[0], buf, sizeof(buf))
	           : buf);
	return 0;
}

/* The announced registrar's addresses into al. */
static int
announce_addrs(const struct lib_reg *r, const struct rsp_msg *m,
    const struct sockaddr *from, struct addr_list *al)
{
	const struct rsp_transport *t = NULL;
	struct sockaddr_storage ss;
	int i;

	memset(al, 0, sizeof(*al));
	for (i = 0; i < m->ntransports; i++) {
		if (tr_kind_for_param(m->transports[i].ptype) == r->kind) {
			t = &m->transports[i];
			break;
		}
		if (t == NULL && tr_kind_for_param(m->transports[i].ptype) >= 0)
			t = &m->transports[i];
	}
	if (t == NULL) { /* RSPLIB: the UDP source is the registrar */
		al->port = addr_port(from);
		return addr_list_add(al, from);
	}
	al->port = t->port;
	for (i = 0; i < t->naddrs; i++)
		if (addr_from_rsp(&t->addrs[i], t->port, &ss) == 0)
			addr_list_add(al, (struct sockaddr *)&ss);
	if (al->n == 0) { /* RFC: the source address, the given port */
		memcpy(&ss, from, addr_len(from));
		addr_set_port((struct sockaddr *)&ss, t->port);
		addr_list_add(al, (struct sockaddr *)&ss);
	}
	return al->n > 0 && al->port != 0 ? 0 : -1;
}

int
lib_cand_announce(struct lib_reg *r, const void *data, size_t len,
    const struct sockaddr *from)
{
	struct rsp_decode_error derr;
	struct addr_list al;
	struct rsp_msg m;
	struct lib_cand *c;
	int i, rc;

	if (rsp_msg_decode(RSP_PROTO_ASAP, data, len, &m, &derr) == -1)
		return -1;
	rc = m.type == ASAP_SERVER_ANNOUNCE && m.sender != 0
	         ? announce_addrs(r, &m, from, &al)
	         : -1;
	if (rc == -1) {
		rsp_msg_free(&m);
		return -1;
	}
	for (i = 0; i < LIB_CANDS_MAX; i++)
		if (r->cand[i].used && !r->cand[i].is_static &&
		    r->cand[i].id == m.sender)
			break;
	if (i == LIB_CANDS_MAX && (i = cand_free_slot(r)) == -1) {
		rsp_msg_free(&m);
		return -1;
	}
	c = &r->cand[i];
	if (!c->used || c->id != m.sender) {
		memset(c, 0, sizeof(*c));
		c->used = 1;
		c->id = m.sender;
	}
	cand_set_addrs(c, &al);
	c->expiry = ev_now_ms(r->loop) + r->t.announce_timeout_ms;
	rsp_msg_free(&m);
	return i;
}

static void
announce_datagram(
    void *arg, const struct sockaddr *from, const uint8_t *data, size_t len)
{
	struct lib_reg *r = arg;
	int i;

	if ((i = lib_cand_announce(r, data, len, from)) >= 0)
		lib_reg_announced(r, i);
}

static void
announce_read(struct ev_loop *loop, int fd, int events, void *arg)
{
	(void)loop, (void)events;
	/* bounded: other fds get their turn */
	udp_drain(fd, 64, announce_datagram, arg);
}

/* Join the group on the interface the routing table picks (RSPLIB:
 * retried at every hunt, so a later route makes it work). */
static int
announce_join(struct lib_reg *r)
{
	return udp_join(r->announce_fd, &r->group);
}

int
lib_announce_open(struct lib_reg *r)
{
	int one = 1, fd;

	if ((fd = udp_socket(r->group.ss_family)) == -1)
		return -1;
	r->announce_fd = fd;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	udp_only_joined(fd, r->group.ss_family);
	if (bind(fd, (struct sockaddr *)&r->group,
	        addr_len((struct sockaddr *)&r->group)) == -1 ||
	    ev_add_fd(r->loop, fd, EV_READ, announce_read, r) == -1) {
		lib_announce_close(r);
		return -1;
	}
	(void)announce_join(r); /* no route yet: joined at the next hunt */
	return 0;
}

void
lib_announce_rejoin(struct lib_reg *r)
{
	if (r->announce_fd != -1)
		(void)announce_join(r); /* EADDRINUSE once joined */
}

void
lib_announce_close(struct lib_reg *r)
{
	if (r->announce_fd == -1)
		return;
	ev_del_fd(r->loop, r->announce_fd);
	close(r->announce_fd);
	r->announce_fd = -1;
}

const char *
lib_reg_tried(const struct lib_reg *r, char *buf, size_t len)
{
	char a[ADDR_FMT_LEN], g[ADDR_FMT_LEN];
	size_t o = 0;
	int i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < LIB_CANDS_MAX && o < len; i++) {
		if (!lib_cand_usable(r, i))
			continue;
		addr_fmt((const struct sockaddr *)&r->cand[i].addrs[0], a,
		    sizeof(a));
		o += (size_t)snprintf(
		    buf + o, len - o, "%s%s", n++ ? ", " : "tried ", a);
	}
	if (n == 0 && r->announce_fd >= 0)
		snprintf(buf, len, "none announced on %s",
		    addr_fmt((const struct sockaddr *)&r->group, g, sizeof(g)));
	else if (n == 0)
		snprintf(buf, len, "none configured");
	return buf;
}
