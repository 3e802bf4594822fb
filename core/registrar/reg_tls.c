/*
 * The registrar's side of TLS (the TLS build only, make TLS=1; README.md
 * "ASAP over TLS"): ASAP over TLS on the TCP mapping (IANA port 3864,
 * asap-tcp-tls) or over kernel SCTP (RFC 3436; 3864 asap-sctp-tls, 9902
 * enrp-sctp-tls) besides the plain port, each PE's pools checked against
 * the patterns of the identity it authenticated with (RFC 5352 section
 * 9: "having a PSK constitutes authorization"), ENRP over TLS between
 * registrars (RFC 5353 section 6), and -tlsonly, which refuses every
 * registration and every ENRP peer that did not come over TLS (RFC 5355
 * section 2.15: no mixed handlespace).  The associations themselves are
 * the transport's (core/transport/transport.h): above it a TLS
 * association looks like any other, but for its identity.
 */
#ifdef RSP_TLS
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

#include "core/log.h"
#include "core/registrar/enrp_int.h"
#include "core/registrar/internal.h"
#include "core/registrar/registrar.h"
#include "core/transport/transport.h"

#define REG_OPT(...) OPT_ROW(struct reg_config, __VA_ARGS__)

const struct opt reg_tls_opts[] = {
    REG_OPT("asaptls", OPT_STR, "auto|ADDR[,ADDR]:PORT",
        "with -tlskeyfile: ASAP over TLS on these addresses (auto: any "
        "address, port 3864)",
        "auto", 0, 0, asap_tls),
    REG_OPT("enrptls", OPT_STR, "off|auto|ADDR[,ADDR]:PORT",
        "with -tlskeyfile: ENRP over TLS here too (auto: any address, "
        "port 9902); peers are reached with TLS",
        "off", 0, 0, enrp_tls),
    REG_OPT("tlsonly", OPT_FLAG, NULL,
        "refuse every registration and ENRP peer not over TLS (cause "
        "0x000a)",
        NULL, 0, 0, tls_only),
    OPT_END,
};

/* Listen with TLS on ep at the addresses of option name (value, port
 * by default); al gets the bound port.  -1 after a log line. */
static int
tls_listen(struct registrar *reg, struct tr_ep *ep, const char *name,
    const char *value, uint16_t port, struct addr_list *al)
{
	char err[ADDR_ERR_LEN];
	struct sockaddr_in sin;

	if (addr_list_parse(al, value, port, ADDR_PORT_ZERO_OK | ADDR_AUTO_OK,
	        err, sizeof(err)) == -1) {
		log_error("registrar: %s: %s", name, err);
		return -1;
	}
	if (reg->cfg.disable_ipv6 && al->n == 0) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		addr_list_add(al, (const struct sockaddr *)&sin);
	}
	if (tr_listen_tls(ep, al) == -1) {
		log_error("registrar: %s=%s: cannot listen: %s", name, value,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
reg_tls_listen(struct registrar *reg)
{
	char buf[ADDR_FMT_LEN * 4];
	struct addr_list al;

	int on = tr_config.tls_keyfile != NULL || tr_config.tls_cert != NULL;

	if (!on && reg->cfg.tls_only) {
		log_error("registrar: -tlsonly needs -tlskeyfile or -tlscert");
		return -1;
	}
	if (!on)
		return 0;
	if (tls_listen(reg, reg->ep, "-asaptls", reg->cfg.asap_tls,
	        REG_ASAP_TLS_PORT, &al) == -1)
		return -1;
	log_notice("registrar: $%08x: ASAP over TLS listening on %s (%s)%s",
	    reg->id, addr_list_fmt(&al, buf, sizeof(buf)),
	    tr_kind_name(tr_ep_kind(reg->ep)),
	    reg->cfg.tls_only ? "; plain registrations refused" : "");
	return 0;
}

int
reg_tls_enrp(struct registrar *reg)
{
	char buf[ADDR_FMT_LEN * 4];
	struct addr_list al;

	if (reg->enrp_ep == NULL || reg->cfg.enrp_tls == NULL ||
	    strcmp(reg->cfg.enrp_tls, "off") == 0)
		return 0;
	if (tr_config.tls_keyfile == NULL) {
		log_error("registrar: -enrptls needs -tlskeyfile");
		errno = EINVAL;
		return -1;
	}
	if (tls_listen(reg, reg->enrp_ep, "-enrptls", reg->cfg.enrp_tls,
	        REG_ENRP_TLS_PORT, &al) == -1) {
		errno = EINVAL;
		return -1;
	}
	/* Peers learn where to reach us from our Presence: the TLS port,
	 * since our own connections to them are TLS too. */
	tr_ep_tls_connect(reg->enrp_ep);
	reg->enrp->io.local.port = al.port;
	log_notice("registrar: $%08x: ENRP over TLS listening on %s (%s); "
	           "peers reached with TLS",
	    reg->id, addr_list_fmt(&al, buf, sizeof(buf)),
	    tr_kind_name(tr_ep_kind(reg->enrp_ep)));
	return 0;
}

uint16_t
reg_tls_check(struct registrar *reg, uint32_t assoc, const struct rsp_handle *h)
{
	char hs[2 * RSP_HANDLE_MAX + 3];
	/* The ASAP endpoint's own: a unit test's fake transport has none */
	const char *id =
	    reg->ep != NULL ? tr_peer_identity(reg->ep, assoc) : NULL;

	if (id == NULL)
		return reg->cfg.tls_only ? RSP_CAUSE_SECURITY : 0;
	if (tr_tls_pool_allowed(id, h->bytes, h->len))
		return 0;
	rsp_handle_str(h, hs, sizeof(hs));
	log_notice_limited("registrar: -tlskeyfile: identity \"%s\" (assoc "
	                   "%u) may not register in pool %s",
	    id, assoc, hs);
	return RSP_CAUSE_SECURITY;
}

int
reg_tls_same_owner(
    struct registrar *reg, uint32_t assoc, const struct hs_pe *hpe)
{
	const struct reg_pe *pe = hpe != NULL ? hs_pe_ext(hpe) : NULL;
	const char *now, *then;

	if (pe == NULL || !pe->ours || pe->assoc == assoc || reg->ep == NULL)
		return 0;
	now = tr_peer_identity(reg->ep, assoc);
	then = tr_peer_identity(reg->ep, pe->assoc);
	return now != NULL && then != NULL && strcmp(now, then) == 0;
}

enum reg_tls_enrp
reg_tls_enrp_admit(struct registrar *reg, uint32_t assoc)
{
	const char *id =
	    reg->enrp_ep != NULL ? tr_peer_identity(reg->enrp_ep, assoc) : NULL;

	if (id == NULL) {
		if (!reg->cfg.tls_only)
			return REG_TLS_PLAIN;
		log_notice_limited("registrar: -tlsonly: ENRP association %u "
		                   "without TLS refused",
		    assoc);
		return REG_TLS_REFUSED;
	}
	if (tr_tls_role_is(id, "registrar"))
		return REG_TLS_PEER;
	if (tr_tls_role_is(id, "admin"))
		return REG_TLS_READER;
	log_notice_limited("registrar: ENRP association %u: identity \"%s\" is "
	                   "neither registrar nor admin: refused",
	    assoc, id);
	return REG_TLS_REFUSED;
}
#endif
