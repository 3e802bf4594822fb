/*
 * Library internals shared by core/lib_*.c: the registrar channel.
 *
 * A channel keeps one association to a registrar from a static list.
 * Requests are answered in order; a request unanswered after
 * LIB_REQ_TIMEOUT_MS (RSPLIB: 3 s), a failed connect or a lost
 * association drops it and the channel moves on to the next registrar
 * (after LIB_RETRY_MS).  The owner hears LIB_REG_UP, LIB_REG_MSG (a
 * decoded ASAP message) and LIB_REG_DOWN.
 */
#ifndef RSP_LIB_INT_H
#define RSP_LIB_INT_H

#include <stdint.h>

#include "core/addr.h"
#include "include/rsp.h"
#include "proto/msg.h"

#define LIB_REQ_TIMEOUT_MS 3000
#define LIB_RETRY_MS       250
#define LIB_CONNECT_MS     5000

enum lib_reg_state {
	LIB_REG_IDLE = 0, /* waiting to connect */
	LIB_REG_CONNECTING,
	LIB_REG_READY,
};

enum lib_reg_event { LIB_REG_UP = 1, LIB_REG_MSG, LIB_REG_DOWN };

struct tr_ep;

typedef void lib_reg_cb(
    enum lib_reg_event ev, const struct rsp_msg *m, void *arg);

struct lib_reg {
	struct ev_loop *loop;
	int kind;
	struct addr_list regs[RSP_REGISTRARS_MAX];
	int nregs;
	int cur;
	enum lib_reg_state state;
	struct tr_ep *ep, *old_ep; /* old_ep: freed from the timer */
	uint32_t assoc;
	uint64_t timer;     /* connect/request timeout, or retry */
	int pending;        /* requests awaiting an answer */
	uint32_t server_id; /* the registrar's ID from its keep-alives, 0 */
	uint64_t up_ms;     /* when the association came up (ev_now_ms) */
	lib_reg_cb *cb;
	void *arg;
};

int lib_reg_init(struct lib_reg *r, struct ev_loop *loop, int kind,
    const char *const *regs, int nregs, lib_reg_cb *cb, void *arg);
/* Connect (now) if idle. */
void lib_reg_start(struct lib_reg *r);
/* Send m; expect_answer arms the request timeout.  -1 if not ready. */
int lib_reg_send(struct lib_reg *r, const struct rsp_msg *m, int expect_answer);
/*
 * A new home PR reached us on another endpoint (ASAP Keep-Alive with
 * H=1 after a takeover, PROTOCOLS 3.4.7): peel its association off
 * `from`, make it the channel's association (dropping the old one) and
 * report LIB_REG_UP.  -1 with errno if it cannot be peeled off.
 */
int lib_reg_adopt(struct lib_reg *r, struct tr_ep *from, uint32_t assoc);
/* Local addresses of the registrar association. */
int lib_reg_local_addrs(struct lib_reg *r, struct addr_list *out);
void lib_reg_fini(struct lib_reg *r);

/* A pool element's transport as an address list (port set). */
int lib_transport_addrs(const struct rsp_transport *t, struct addr_list *al);

/*
 * Pool user side (core/lib_pu.c).  Handle resolution with the HR option
 * Items = 1 (no cache: RSPLIB's example clients' stale cache value 0),
 * choice of a PE from the answer, endpoint unreachable reports.
 */
void lib_pu_hr(struct rsp_msg *m, const struct rsp_handle *h);
void lib_pu_unreachable(
    struct rsp_msg *m, const struct rsp_handle *h, uint32_t pe_id);
/* The first PE of an HR response that is not `avoid` and has a
 * transport this build reaches; NULL if none. */
const struct rsp_pe *lib_pu_choose(const struct rsp_msg *resp, uint32_t avoid);

#endif
