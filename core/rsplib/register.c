/*
 * RSPLIB's basic mode for pool elements: rsp_pe_registration registers
 * the application's own transport (its addresses in struct
 * rsp_addrinfo) through an rsp element without a transport of its own
 * (include/rsp.h, rsp_element_config.user_addrs), which then
 * re-registers by itself; rsp_pe_deregistration ends it.  A second
 * rsp_pe_registration of the same PE updates its load.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "core/rsplib/internal.h"
#include "core/transport/transport.h"
#include "proto/msg.h"

struct cp_pe {
	struct cp_pe *next;
	struct rsp_element *e;
	char handle[CP_HANDLE_MAX + 1];
	enum cp_pe_state state;
	unsigned cause; /* CP_PE_REFUSED: the registrar's */
};

static struct cp_pe *pes;

/* On the loop thread, the mutex held. */
static void
pe_event(const struct rsp_event *ev, void *arg)
{
	struct cp_pe *p = arg;

	if (ev->type == RSP_EV_REGISTERED)
		p->state = CP_PE_UP;
	else if (ev->type == RSP_EV_REG_FAILED) {
		p->state = CP_PE_REFUSED;
		p->cause = ev->cause;
	} else if (ev->type == RSP_EV_DEREGISTERED)
		p->state = CP_PE_GONE;
	pthread_cond_broadcast(&cp.cond);
}

static struct cp_pe *
pe_find(const char *handle, uint32_t id)
{
	struct cp_pe *p;

	for (p = pes; p != NULL; p = p->next)
		if (rsp_element_id(p->e) == id &&
		    strcmp(p->handle, handle) == 0)
			return p;
	return NULL;
}

static void
pe_free(struct cp_pe *p)
{
	struct cp_pe **pp;

	for (pp = &pes; *pp != NULL; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	rsp_element_free(p->e);
	free(p);
}

/* A value 0..0xffffffff as the fraction RSPLIB's -policy= form takes. */
static int
put_fraction(char *s, size_t n, uint32_t v)
{
	return snprintf(s, n, ":%.17g", (double)v / 4294967295.0);
}

/* RSPLIB's policy and values as the rsp library's policy string
 * ("LeastUsedDegradation:0.5"); the load is set apart.  -1 if the
 * policy has no wire form here. */
int
cp_policy_string(const struct rsp_loadinfo *li, char *s, size_t n)
{
	const struct rsp_policy_info *pi = rsp_policy_info(li->rli_policy);
	size_t len;
	int i;

	if (pi == NULL || pi->nvalues < 0)
		return -1;
	len = (size_t)snprintf(s, n, "%s", pi->rsplib);
	for (i = 0; i < pi->nvalues && len < n; i++) {
		const char *f = pi->fields[i];

		if (strcmp(f, "weight") == 0 || strcmp(f, "priority") == 0)
			len += (size_t)snprintf(
			    s + len, n - len, ":%u", (unsigned)li->rli_weight);
		else if (strcmp(f, "load degradation") == 0)
			len += (size_t)put_fraction(
			    s + len, n - len, li->rli_load_degradation);
		else if (strcmp(f, "load dpf") == 0)
			len += (size_t)put_fraction(
			    s + len, n - len, li->rli_load_dpf);
		else if (strcmp(f, "weight dpf") == 0)
			len += (size_t)put_fraction(
			    s + len, n - len, li->rli_weight_dpf);
	}
	return len < n ? 0 : -1;
}

/* The packed addresses of ai as "addr,addr:port". */
static int
user_addrs(const struct rsp_addrinfo *ai, char *s, size_t n)
{
	struct rsp_registrar_info r;

	r.rri_next = NULL;
	r.rri_addr = ai->ai_addr;
	r.rri_addrs = ai->ai_addrs;
	return ai->ai_addr == NULL || ai->ai_addrs == 0
	           ? -1
	           : cp_addrs_string(&r, s, n);
}

/* The element of a PE of RSPLIB's API: the library's registrars,
 * announces and transport.  rereg_ms 0: the element's default. */
void
cp_element_config(struct rsp_element_config *c, const char *handle,
    const char *policy, unsigned int rereg_ms)
{
	int i;

	memset(c, 0, sizeof(*c));
	c->pool_handle = handle;
	c->policy = policy;
	for (i = 0; i < cp.pu_cfg.nregistrars; i++)
		c->registrars[i] = cp.pu_cfg.registrars[i];
	c->nregistrars = cp.pu_cfg.nregistrars;
	c->announce = cp.pu_cfg.announce;
	c->transport = cp.pu_cfg.transport;
	c->timing = cp.pu_cfg.timing;
	c->rereg_ms = rereg_ms;
}

static struct cp_pe *
pe_start(const char *handle, const struct rsp_addrinfo *ai,
    const struct rsp_loadinfo *li, unsigned int life_ms, int flags,
    unsigned *rc)
{
	struct rsp_element_config c;
	char policy[160], addrs[ADDR_MAX * 48];
	struct cp_pe *p;
	int err;

	*rc = RSPERR_INVALID_ADDRESSES;
	if (user_addrs(ai, addrs, sizeof(addrs)) == -1)
		return NULL;
	*rc = RSPERR_INVALID_POOL_POLICY;
	if (cp_policy_string(li, policy, sizeof(policy)) == -1)
		return NULL;
	cp_element_config(&c, handle, policy, life_ms / 3);
	c.identifier = ai->ai_pe_id;
	c.user_addrs = addrs;
	c.user_transport = ai->ai_protocol == IPPROTO_TCP ? TR_TCP : TR_SCTP;
	c.data_only = !(flags & REGF_CONTROLCHANNEL);
	*rc = RSPERR_OUT_OF_RESOURCES;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	strcpy(p->handle, handle);
	if ((p->e = rsp_element_new(cp.loop, &c, pe_event, p, &err)) == NULL) {
		*rc = err == RSP_ECONFIG ? RSPERR_INVALID_VALUE
		                         : RSPERR_OUT_OF_RESOURCES;
		free(p);
		return NULL;
	}
	p->next = pes;
	pes = p;
	*rc = RSPERR_OKAY;
	return p;
}

/* Wait (the mutex held) while p is in state st, at most ms. */
static void
pe_wait(struct cp_pe *p, enum cp_pe_state st, int ms)
{
	long long deadline = cp_deadline(ms);

	while (p->state == st && cp_wait(deadline) == 0)
		;
}

unsigned int
rsp_pe_registration_tags(const unsigned char *pool_handle,
    size_t pool_handle_size, struct rsp_addrinfo *addrinfo,
    const struct rsp_loadinfo *loadinfo, unsigned int life_ms, int flags,
    struct TagItem *tags)
{
	static const struct rsp_loadinfo round_robin = {
	    PPT_ROUNDROBIN, 0, 0, 0, 0, 0};
	char handle[CP_HANDLE_MAX + 1];
	struct cp_pe *p;
	unsigned rc = RSPERR_OKAY;

	(void)tags;
	if (cp_handle(pool_handle, pool_handle_size, handle) == -1)
		return RSPERR_INVALID_POOL_HANDLE;
	if (addrinfo == NULL)
		return RSPERR_INVALID_ADDRESSES;
	if (loadinfo == NULL)
		loadinfo = &round_robin;
	cp_lock();
	if (!cp.initialized) {
		pthread_mutex_unlock(&cp.mu);
		return RSPERR_NOT_INITIALIZED;
	}
	if ((p = pe_find(handle, addrinfo->ai_pe_id)) == NULL &&
	    (p = pe_start(handle, addrinfo, loadinfo, life_ms, flags, &rc)) ==
	        NULL) {
		pthread_mutex_unlock(&cp.mu);
		return rc;
	}
	addrinfo->ai_pe_id = rsp_element_id(p->e);
	rsp_element_set_load(p->e, loadinfo->rli_load);
	if (!(flags & REGF_DONTWAIT))
		pe_wait(p, CP_PE_PENDING, CP_REGISTER_MS);
	if (p->state == CP_PE_REFUSED) {
		rc = p->cause != 0 ? p->cause : RSPERR_INVALID_VALUE;
		pe_free(p);
	} else if (p->state == CP_PE_PENDING && !(flags & REGF_DONTWAIT)) {
		rc = RSPERR_NO_REGISTRAR; /* it goes on trying */
	}
	cp_unlock();
	return rc;
}

unsigned int
rsp_pe_registration(const unsigned char *pool_handle, size_t pool_handle_size,
    struct rsp_addrinfo *addrinfo, const struct rsp_loadinfo *loadinfo,
    unsigned int life_ms, int flags)
{
	return rsp_pe_registration_tags(pool_handle, pool_handle_size, addrinfo,
	    loadinfo, life_ms, flags, NULL);
}

/* Only the PEs this process registered (RSPLIB sends the registrar a
 * deregistration for any ID): RSPERR_NOT_FOUND for others.  The call
 * waits for the answer even with DEREGF_DONTWAIT (at most 3 s: the
 * element gives up then), since the element goes with it. */
unsigned int
rsp_pe_deregistration_tags(const unsigned char *pool_handle,
    size_t pool_handle_size, uint32_t identifier, int flags,
    struct TagItem *tags)
{
	char handle[CP_HANDLE_MAX + 1];
	struct cp_pe *p;

	(void)tags;
	if (cp_handle(pool_handle, pool_handle_size, handle) == -1)
		return RSPERR_INVALID_POOL_HANDLE;
	cp_lock();
	if (!cp.initialized || (p = pe_find(handle, identifier)) == NULL) {
		pthread_mutex_unlock(&cp.mu);
		return cp.initialized ? RSPERR_NOT_FOUND
		                      : RSPERR_NOT_INITIALIZED;
	}
	(void)flags;
	if (rsp_element_deregister(p->e) == RSP_OK)
		pe_wait(p, p->state, CP_REGISTER_MS);
	pe_free(p);
	cp_unlock();
	return RSPERR_OKAY;
}

unsigned int
rsp_pe_deregistration(const unsigned char *pool_handle, size_t pool_handle_size,
    uint32_t identifier, int flags)
{
	return rsp_pe_deregistration_tags(
	    pool_handle, pool_handle_size, identifier, flags, NULL);
}

/* rsp_cleanup(): the mutex held. */
void
cp_pes_free(void)
{
	while (pes != NULL)
		pe_free(pes);
}
