/*
 * The transport interface: options, backend choice and dispatch to the
 * backend of each endpoint (core/transport_int.h).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "core/transport_int.h"
#include "proto/wire.h"

struct tr_config tr_config = {
    .kind = TR_AUTO, .hb_interval = 30000, .hb_maxloss = 3};

const struct opt tr_opts[] = {
    {"transport", OPT_CHOICE, "sctp|tcp|auto",
        "transport: kernel SCTP, the TCP mapping, or SCTP if available", "auto",
        0, 0, offsetof(struct tr_config, kind)},
    {"tcpheartbeatinterval", OPT_INT, "MS",
        "TCP mapping: heartbeat interval in ms", "30000", 10, 3600000,
        offsetof(struct tr_config, hb_interval)},
    {"tcpheartbeatmaxloss", OPT_INT, "N",
        "TCP mapping: unanswered heartbeats before the association is lost",
        "3", 1, 1000, offsetof(struct tr_config, hb_maxloss)},
    OPT_END,
};

int
tr_sctp_available(void)
{
	int fd = socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);

	if (fd == -1)
		return 0;
	close(fd);
	return 1;
}

int
tr_resolve(int kind)
{
	if (kind != TR_AUTO)
		return kind;
	kind = tr_sctp_available() ? TR_SCTP : TR_TCP;
	log_info("transport: auto selected %s", tr_kind_name(kind));
	return kind;
}

const char *
tr_kind_name(int kind)
{
	switch (kind) {
	case TR_SCTP:
		return "sctp";
	case TR_TCP:
		return "tcp";
	case TR_AUTO:
		return "auto";
	}
	return "unknown";
}

int
tr_kind_for_param(uint16_t ptype)
{
	switch (ptype) {
	case RSP_PARAM_SCTP:
		return TR_SCTP;
	case RSP_PARAM_TCP:
		return TR_TCP;
	}
	return -1;
}

uint16_t
tr_param_for_kind(int kind)
{
	switch (kind) {
	case TR_SCTP:
		return RSP_PARAM_SCTP;
	case TR_TCP:
		return RSP_PARAM_TCP;
	}
	return 0;
}

static const char *const ev_names[] = {
    [TR_EV_UP] = "up",
    [TR_EV_MSG] = "msg",
    [TR_EV_LOST] = "lost",
    [TR_EV_SHUTDOWN] = "shutdown",
    [TR_EV_RESTART] = "restart",
    [TR_EV_CANT_START] = "cant-start",
    [TR_EV_SEND_FAILED] = "send-failed",
};

const char *
tr_event_name(enum tr_ev_type type)
{
	if ((size_t)type >= sizeof(ev_names) / sizeof(ev_names[0]) ||
	    ev_names[type] == NULL)
		return "unknown";
	return ev_names[type];
}

void
tr_emit(struct tr_ep *ep, const struct tr_event *ev)
{
	log_debug(2, "%s: assoc %u: %s (ppid %u, %zu bytes, error %d)",
	    ep->ops->name, ev->assoc, tr_event_name(ev->type), ev->ppid,
	    ev->len, ev->error);
	ep->cb(ep, ev, ep->arg);
}

void
tr_addr_add(struct addr_list *out, const struct sockaddr *sa)
{
	socklen_t l = addr_len(sa);
	int i;

	if (l == 0 || out->n >= ADDR_MAX)
		return;
	for (i = 0; i < out->n; i++)
		if (memcmp(&out->a[i], sa, l) == 0)
			return;
	memset(&out->a[out->n], 0, sizeof(out->a[0]));
	memcpy(&out->a[out->n++], sa, l);
}

struct tr_ep *
tr_ep_new(struct ev_loop *loop, int kind, const struct addr_list *local,
    int flags, tr_event_cb *cb, void *arg)
{
	struct tr_ep *ep;

	if (kind != TR_SCTP && kind != TR_TCP) {
		errno = EINVAL;
		return NULL;
	}
	if ((ep = calloc(1, sizeof(*ep))) == NULL)
		return NULL;
	ep->ops = kind == TR_SCTP ? &tr_sctp_ops : &tr_tcp_ops;
	ep->loop = loop;
	ep->kind = kind;
	ep->flags = flags;
	ep->cb = cb;
	ep->arg = arg;
	ep->hb_interval = tr_config.hb_interval;
	ep->hb_maxloss = tr_config.hb_maxloss;
	if (ep->ops->open(ep, local) == -1) {
		int saved = errno;

		free(ep);
		errno = saved;
		return NULL;
	}
	return ep;
}

void
tr_ep_free(struct tr_ep *ep)
{
	if (ep == NULL)
		return;
	ep->ops->free(ep);
	free(ep);
}

int
tr_ep_kind(const struct tr_ep *ep)
{
	return ep->kind;
}

int
tr_connect(struct tr_ep *ep, const struct addr_list *peer, uint32_t *assoc)
{
	if (peer->n < 1) {
		errno = EDESTADDRREQ;
		return -1;
	}
	return ep->ops->connect(ep, peer, assoc);
}

int
tr_send(struct tr_ep *ep, uint32_t assoc, uint32_t ppid, uint16_t stream,
    const void *data, size_t len)
{
	return ep->ops->send(ep, assoc, ppid, stream, data, len);
}

int
tr_shutdown(struct tr_ep *ep, uint32_t assoc)
{
	return ep->ops->shutdown(ep, assoc);
}

int
tr_abort(struct tr_ep *ep, uint32_t assoc)
{
	return ep->ops->abort(ep, assoc);
}

int
tr_peer_addrs(struct tr_ep *ep, uint32_t assoc, struct addr_list *out)
{
	memset(out, 0, sizeof(*out));
	return ep->ops->peer_addrs(ep, assoc, out);
}

int
tr_local_addrs(struct tr_ep *ep, uint32_t assoc, struct addr_list *out)
{
	memset(out, 0, sizeof(*out));
	return ep->ops->local_addrs(ep, assoc, out);
}

int
tr_unacked(struct tr_ep *ep, uint32_t assoc)
{
	return ep->ops->unacked(ep, assoc);
}
