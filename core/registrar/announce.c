/*
 * ASAP Server Announce (docs/wire.md 3.3.10, 3.4.6; RFC 5352 s.3.7):
 * every -serverannouncecycle ms, randomized by a factor in
 * [0.875, 1.125], a UDP multicast message with our server ID and one
 * transport parameter listing our ASAP addresses and port.  It is sent
 * from a UDP socket bound to the ASAP port number, so RSPLIB PEs and
 * PUs, which take the registrar's port from the UDP source port, find
 * us as well as RFC receivers reading the transport parameter.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/ev.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/registrar/internal.h"
#include "core/udp.h"

struct reg_announce {
	struct registrar *reg;
	int fd;
	struct sockaddr_storage group;
	uint64_t timer;
	int warned;
	struct rsp_addr addrs[ADDR_MAX];
	int naddrs;
};

int
reg_announce_parse(
    const char *s, struct sockaddr_storage *group, char *err, size_t errlen)
{
	if (strcmp(s, "off") == 0)
		return 0;
	if (strcmp(s, "auto") == 0)
		s = REG_ANNOUNCE_AUTO;
	return addr_parse(group, s, RSP_PORT_ASAP, 0, err, errlen) == -1 ? -1
	                                                                 : 1;
}

/* cycle x [0.875, 1.125] (RSPLIB's randomization). */
static int64_t
announce_interval(const struct registrar *reg)
{
	long long c = reg->cfg.announce_cycle;

	return (int64_t)(c * 7 / 8) +
	       (int64_t)rand_uniform((uint32_t)(c / 4) + 1);
}

static void
announce_send(struct reg_announce *an)
{
	struct registrar *reg = an->reg;
	struct rsp_transport t;
	struct rsp_msg m;

	memset(&t, 0, sizeof(t));
	t.ptype = reg->io.ptype ? reg->io.ptype : RSP_PARAM_SCTP;
	t.port = reg->asap.port;
	t.use = RSP_TRANSPORT_DATA_ONLY;
	t.naddrs = (uint16_t)an->naddrs;
	t.addrs = an->addrs;
	rsp_msg_init(&m, RSP_PROTO_ASAP, ASAP_SERVER_ANNOUNCE);
	m.sender = reg->id;
	if (an->naddrs > 0) {
		m.ntransports = 1;
		m.transports = &t;
	}
	wbuf_init(&reg->out, reg->outmem, sizeof(reg->outmem));
	if (rsp_msg_encode(&m, &reg->out) == -1) {
		log_error(
		    "registrar: cannot encode announce: %s", strerror(errno));
		return;
	}
	if (sendto(an->fd, reg->out.data, reg->out.len, 0,
	        (struct sockaddr *)&an->group,
	        addr_len((struct sockaddr *)&an->group)) == -1) {
		if (!an->warned)
			log_warning(
			    "registrar: server announce: %s", strerror(errno));
		an->warned = 1;
		return;
	}
	an->warned = 0;
	reg_action_msg(reg, "Send", "MulticastASAP", &m);
	log_debug(2, "registrar: server announce sent");
}

static int64_t
announce_timer(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct reg_announce *an = arg;

	(void)loop, (void)id;
	announce_send(an);
	return announce_interval(an->reg);
}

/* Our ASAP addresses for the transport parameter: the bound ones, or
 * for a wildcard endpoint this host's of at least the minimum scope. */
static void
announce_addrs(struct reg_announce *an)
{
	struct registrar *reg = an->reg;
	struct addr_list local, *al = &reg->asap;
	char err[ADDR_ERR_LEN];
	int i;

	for (i = 0; i < al->n; i++)
		if (!addr_is_unspecified((struct sockaddr *)&al->a[i]))
			break;
	if (i == al->n) { /* wildcard only */
		if (addr_list_local(&local, reg->asap.port, reg->minscope, err,
		        sizeof(err)) == -1)
			local.n = 0;
		al = &local;
	}
	an->naddrs = 0;
	for (i = 0; i < al->n && an->naddrs < ADDR_MAX; i++)
		if (!addr_is_unspecified((struct sockaddr *)&al->a[i]) &&
		    addr_to_rsp((struct sockaddr *)&al->a[i],
		        &an->addrs[an->naddrs]) == 0)
			an->naddrs++;
}

/* Datagrams to the announce socket's port mean nothing to us: discard
 * them so that its receive buffer never fills. */
static void
announce_drain(struct ev_loop *loop, int fd, int events, void *arg)
{
	(void)loop, (void)events, (void)arg;
	udp_drain(fd, 0, NULL, NULL);
}

static int
announce_socket(struct reg_announce *an, char *err, size_t errlen)
{
	struct registrar *reg = an->reg;
	struct sockaddr_storage ss;
	int fam = an->group.ss_family, one = 1;

	if ((an->fd = udp_socket(fam)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)fam;
	addr_set_port((struct sockaddr *)&ss, reg->asap.port);
	setsockopt(an->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	udp_mcast_sender(an->fd, fam, (int)reg->cfg.announce_ttl);
	udp_only_joined(an->fd, fam); /* it joins none */
	if (bind(an->fd, (struct sockaddr *)&ss,
	        addr_len((struct sockaddr *)&ss)) == -1) {
		snprintf(err, errlen, "bind UDP port %u: %s", reg->asap.port,
		    strerror(errno));
		return -1;
	}
	if (ev_add_fd(reg->loop, an->fd, EV_READ, announce_drain, an) == -1) {
		snprintf(err, errlen, "event loop: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int
reg_announce_start(struct registrar *reg, char *err, size_t errlen)
{
	struct reg_announce *an;
	char buf[ADDR_FMT_LEN];
	int r;

	if ((an = calloc(1, sizeof(*an))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	an->reg = reg;
	an->fd = -1;
	if ((r = reg_announce_parse(
	         reg->cfg.announce, &an->group, err, errlen)) <= 0) {
		free(an);
		return r;
	}
	reg->ann = an;
	if (announce_socket(an, err, errlen) == -1)
		return -1;
	announce_addrs(an);
	if ((an->timer = ev_timer_add(reg->loop, 0, announce_timer, an)) ==
	    EV_TIMER_NONE) {
		snprintf(err, errlen, "timer: %s", strerror(errno));
		return -1;
	}
	log_notice("registrar: server announces to %s every %lld ms, TTL %lld",
	    addr_fmt((struct sockaddr *)&an->group, buf, sizeof(buf)),
	    reg->cfg.announce_cycle, reg->cfg.announce_ttl);
	return 0;
}

void
reg_announce_free(struct reg_announce *an)
{
	if (an == NULL)
		return;
	if (an->timer != EV_TIMER_NONE)
		ev_timer_cancel(an->reg->loop, an->timer);
	if (an->fd != -1) {
		ev_del_fd(an->reg->loop, an->fd);
		close(an->fd);
	}
	free(an);
}
