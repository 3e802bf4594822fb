/*
 * Registrar internals shared by core/registrar*.c.
 */
#ifndef RSP_REGISTRAR_INT_H
#define RSP_REGISTRAR_INT_H

#include <stdint.h>

#include "core/addr.h"
#include "core/buf.h"
#include "core/registrar.h"
#include "handlespace/hs.h"
#include "proto/msg.h"

struct tr_ep;
struct reg_announce;
struct reg_enrp;

/*
 * Endpoint keep-alive of one PE (PROTOCOLS 3.4.4): IDLE waits
 * -endpointkeepalivetransmissioninterval, then sends a KA and goes to
 * WAIT_ACK for -endpointkeepalivetimeoutinterval; a KA-Ack goes back to
 * IDLE, the timeout aborts the association.
 */
enum reg_ka_state {
	REG_KA_IDLE = 0,
	REG_KA_WAIT_ACK,
};

struct reg_assoc;

struct reg_pe {
	struct reg_pe *hnext; /* index chain */
	struct reg_pe *anext; /* PEs of the same association */
	struct reg_assoc *assoc;
	struct registrar *reg;
	struct rsp_handle handle;
	uint32_t id;
	enum reg_ka_state ka;
	uint64_t timer;
};

/* A token bucket: rate per second, burst of one second's worth. */
struct reg_bucket {
	double tokens;
	uint64_t last_ms;
	int started;
};

struct reg_assoc {
	struct reg_assoc *hnext;
	uint32_t id;
	struct reg_pe *pes;
	struct reg_bucket hr, eu;
};

struct registrar {
	struct reg_config cfg;
	enum addr_scope minscope;
	struct ev_loop *loop;
	struct hs *hs;
	struct reg_io io;
	uint32_t id;

	struct reg_pe **pe_tab; /* by handle and PE ID */
	size_t pe_cap, pe_n;
	struct reg_assoc **as_tab; /* by association id */
	size_t as_cap, as_n;

	uint64_t expiry_timer;
	struct tr_ep *ep;
	int kind;
	struct addr_list asap; /* where we listen (port filled in) */
	struct reg_announce *ann;
	struct reg_enrp *enrp; /* NULL: -enrp=off */
	struct tr_ep *enrp_ep;

	struct wbuf out; /* one message being encoded */
	uint8_t outmem[RSP_MSG_MAX];
	struct rsp_addr *hr_addrs; /* HS_SELECT_MAX x 2 x RSP_ADDRS_MAX */
	struct rsp_pe *hr_pes;     /* HS_SELECT_MAX */
};

/* core/registrar.c: the index */
struct reg_pe *reg_pe_find(
    struct registrar *reg, const struct rsp_handle *h, uint32_t id);
/* Find or add; NULL on ENOMEM.  Moves an existing PE to assoc. */
struct reg_pe *reg_pe_add(struct registrar *reg, const struct rsp_handle *h,
    uint32_t id, uint32_t assoc);
/* Forget a PE (not the handlespace's copy) and cancel its timer. */
void reg_pe_forget(struct registrar *reg, struct reg_pe *pe);
struct reg_assoc *reg_assoc_find(struct registrar *reg, uint32_t id);
struct reg_assoc *reg_assoc_get(struct registrar *reg, uint32_t id);
/* Remove every PE of the association from both, and forget it. */
void reg_assoc_drop(struct registrar *reg, uint32_t id, const char *why);
void reg_pe_ka_transition(struct reg_pe *pe, enum reg_ka_state st);
void reg_expiry_arm(struct registrar *reg);
int reg_send(struct registrar *reg, uint32_t assoc, const struct rsp_msg *m);
/* 1 if a request may go through the bucket now (rate 0: always). */
int reg_bucket_take(
    struct registrar *reg, struct reg_bucket *b, long long rate);
void reg_handle_str(const struct rsp_handle *h, char *s, size_t n);

/* core/registrar_asap.c */
void reg_asap_input(
    struct registrar *reg, uint32_t assoc, const uint8_t *data, size_t len);

/* core/registrar_announce.c */
int reg_announce_start(struct registrar *reg, char *err, size_t errlen);
void reg_announce_free(struct reg_announce *ann);
/* Parse -asapannounce: 0 off, 1 with *group set, -1 on error. */
int reg_announce_parse(
    const char *s, struct sockaddr_storage *group, char *err, size_t errlen);

/* core/registrar_enrp.c */
struct reg_enrp *reg_enrp_new(struct registrar *reg);
void reg_enrp_free(struct registrar *reg);
/* Tell every peer about an own PE (ENRP_UPDATE_ADD_PE / _DEL_PE); call
 * DEL before the PE leaves the handlespace. */
void reg_enrp_update(struct registrar *reg, uint16_t action,
    const struct rsp_handle *h, uint32_t id);
/* Parse -enrp: 0 off, 1 on with *al, -1 on error. */
int reg_enrp_parse(const struct reg_config *cfg, struct addr_list *al,
    char *err, size_t errlen);

#endif
