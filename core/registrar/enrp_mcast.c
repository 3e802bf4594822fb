/*
 * ENRP Presence over UDP multicast (docs/wire.md 4.1, 4.5.2; RSPLIB
 * -enrpannounce, default 239.0.0.51:9901, TTL -announcettl): every
 * Presence cycle one copy with receiver ID 0 goes to the group, and
 * Presences heard on the group make their senders peers
 * (reg_enrp_mcast_input).  Two sockets as in RSPLIB: one bound to the
 * group address and port that joined the group, one to send from.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/ev.h"
#include "core/log.h"
#include "core/registrar/internal.h"
#include "core/udp.h"

struct reg_mcast {
	struct registrar *reg;
	int in, out;
	struct sockaddr_storage group;
	int warned;
};

static int
is_multicast(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return IN_MULTICAST(
		    ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr));
	return ss->ss_family == AF_INET6 &&
	       IN6_IS_ADDR_MULTICAST(
	           &((const struct sockaddr_in6 *)ss)->sin6_addr);
}

int
reg_mcast_parse(const struct reg_config *cfg, struct sockaddr_storage *group,
    char *err, size_t errlen)
{
	const char *s = cfg->enrp_mcast ? cfg->enrp_mcast : cfg->enrp_announce;
	char tmp[ADDR_ERR_LEN];

	if (s == NULL || strcmp(s, "off") == 0 || strcmp(s, "none") == 0)
		return 0;
	if (strcmp(s, "auto") == 0)
		s = REG_ENRP_ANNOUNCE_AUTO;
	if (addr_parse(group, s, RSP_PORT_ENRP, 0, tmp, sizeof(tmp)) == -1) {
		snprintf(err, errlen, "-enrpannounce=%s: %s", s, tmp);
		return -1;
	}
	if (!is_multicast(group)) {
		snprintf(err, errlen,
		    "-enrpannounce=%s: not a multicast "
		    "address",
		    s);
		return -1;
	}
	return 1;
}

static void
mcast_datagram(
    void *arg, const struct sockaddr *src, const uint8_t *data, size_t len)
{
	struct reg_mcast *mc = arg;

	reg_enrp_mcast_input(mc->reg, src, data, len);
}

static void
mcast_read(struct ev_loop *loop, int fd, int events, void *arg)
{
	(void)loop, (void)events;
	udp_drain(fd, 0, mcast_datagram, arg);
}

static int
mcast_join(struct reg_mcast *mc, char *err, size_t errlen)
{
	int one = 1, fam = mc->group.ss_family;

	if ((mc->in = udp_socket(fam)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* Several registrars on one host all hear the group. */
	setsockopt(mc->in, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(mc->in, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (bind(mc->in, (struct sockaddr *)&mc->group,
	        addr_len((struct sockaddr *)&mc->group)) == -1) {
		snprintf(err, errlen, "bind to the group: %s", strerror(errno));
		return -1;
	}
	if (udp_join(mc->in, &mc->group) == -1) {
		snprintf(err, errlen, "join the group: %s", strerror(errno));
		return -1;
	}
	if (ev_add_fd(mc->reg->loop, mc->in, EV_READ, mcast_read, mc) == -1) {
		snprintf(err, errlen, "event loop: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int
mcast_sender(struct reg_mcast *mc, char *err, size_t errlen)
{
	int fam = mc->group.ss_family;

	if ((mc->out = udp_socket(fam)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	udp_mcast_sender(mc->out, fam, (int)mc->reg->cfg.announce_ttl);
	return 0;
}

struct reg_mcast *
reg_mcast_start(struct registrar *reg, char *err, size_t errlen)
{
	struct reg_mcast *mc;
	char buf[ADDR_FMT_LEN];

	if ((mc = calloc(1, sizeof(*mc))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	mc->reg = reg;
	mc->in = mc->out = -1;
	if (reg_mcast_parse(&reg->cfg, &mc->group, err, errlen) != 1 ||
	    mcast_join(mc, err, errlen) == -1 ||
	    mcast_sender(mc, err, errlen) == -1) {
		reg_mcast_free(mc);
		return NULL;
	}
	log_notice("registrar: ENRP Presence to and from %s, TTL %lld",
	    addr_fmt((struct sockaddr *)&mc->group, buf, sizeof(buf)),
	    reg->cfg.announce_ttl);
	return mc;
}

void
reg_mcast_send(struct reg_mcast *mc, const void *data, size_t len)
{
	if (sendto(mc->out, data, len, 0, (struct sockaddr *)&mc->group,
	        addr_len((struct sockaddr *)&mc->group)) == -1) {
		if (!mc->warned)
			log_warning("registrar: multicast Presence: %s",
			    strerror(errno));
		mc->warned = 1;
		return;
	}
	mc->warned = 0;
	log_debug(2, "registrar: multicast Presence sent");
}

void
reg_mcast_free(struct reg_mcast *mc)
{
	if (mc == NULL)
		return;
	if (mc->in != -1) {
		ev_del_fd(mc->reg->loop, mc->in);
		close(mc->in);
	}
	if (mc->out != -1)
		close(mc->out);
	free(mc);
}
