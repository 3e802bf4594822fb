/*
 * Backend interface behind core/transport.h.  Only core/transport.c and
 * the backends (core/sctp.c, core/tcpmap_transport.c) include this.
 */
#ifndef RSP_TRANSPORT_INT_H
#define RSP_TRANSPORT_INT_H

#include "core/transport.h"

struct tr_ops {
	const char *name;
	int (*open)(struct tr_ep *ep, const struct addr_list *local);
	void (*free)(struct tr_ep *ep);
	int (*connect)(
	    struct tr_ep *ep, const struct addr_list *peer, uint32_t *assoc);
	int (*send)(struct tr_ep *ep, uint32_t assoc, uint32_t ppid,
	    uint16_t stream, const void *data, size_t len);
	int (*shutdown)(struct tr_ep *ep, uint32_t assoc);
	int (*abort)(struct tr_ep *ep, uint32_t assoc);
	int (*peer_addrs)(
	    struct tr_ep *ep, uint32_t assoc, struct addr_list *out);
	int (*local_addrs)(
	    struct tr_ep *ep, uint32_t assoc, struct addr_list *out);
	int (*unacked)(struct tr_ep *ep, uint32_t assoc);
};

struct tr_ep {
	const struct tr_ops *ops;
	struct ev_loop *loop;
	int kind;
	int flags;
	tr_event_cb *cb;
	void *arg;
	long long hb_interval; /* tr_config values when the ep was made */
	long long hb_maxloss;
	void *priv; /* the backend's state */
};

extern const struct tr_ops tr_tcp_ops;
extern const struct tr_ops tr_sctp_ops;

/* Hand an event to the application (logs it at debug level). */
void tr_emit(struct tr_ep *ep, const struct tr_event *ev);
/* Append sa to out unless already there (ports kept as given). */
void tr_addr_add(struct addr_list *out, const struct sockaddr *sa);

#endif
