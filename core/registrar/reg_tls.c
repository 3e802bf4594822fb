/*
 * The registrar's side of TLS (the TLS build only, make TLS=1; README.md
 * "TLS"): ASAP over TLS on the TCP mapping (IANA port 3864,
 * asap-tcp-tls) besides the plain port, each PE's pools checked against
 * the patterns of the identity it authenticated with (RFC 5351 section
 * 4.2: "having a PSK constitutes authorization"), and -tlsonly, which
 * refuses every registration that did not come over TLS (RFC 5355
 * section 2.15: no mixed handlespace).  The associations themselves are
 * the transport's (core/transport/transport.h): above it a TLS
 * association looks like any other.
 */
#ifdef RSP_TLS
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

#include "core/log.h"
#include "core/registrar/internal.h"
#include "core/registrar/registrar.h"
#include "core/transport/transport.h"

#define REG_OPT(...) OPT_ROW(struct reg_config, __VA_ARGS__)

const struct opt reg_tls_opts[] = {
    REG_OPT("asaptls", OPT_STR, "auto|ADDR[,ADDR]:PORT",
        "with -tlskeyfile: ASAP over TLS (TCP mapping) on these addresses "
        "(auto: any address, port 3864)",
        "auto", 0, 0, asap_tls),
    REG_OPT("tlsonly", OPT_FLAG, NULL,
        "refuse every registration not made over TLS (cause 0x000a)", NULL, 0,
        0, tls_only),
    OPT_END,
};

int
reg_tls_listen(struct registrar *reg)
{
	char err[ADDR_ERR_LEN], buf[ADDR_FMT_LEN * 4];
	struct addr_list al;
	struct sockaddr_in sin;

	if (tr_config.tls_keyfile == NULL && reg->cfg.tls_only) {
		log_error("registrar: -tlsonly needs -tlskeyfile");
		return -1;
	}
	if (tr_config.tls_keyfile == NULL)
		return 0;
	if (addr_list_parse(&al, reg->cfg.asap_tls, REG_ASAP_TLS_PORT,
	        ADDR_PORT_ZERO_OK | ADDR_AUTO_OK, err, sizeof(err)) == -1) {
		log_error("registrar: -asaptls: %s", err);
		return -1;
	}
	if (reg->cfg.disable_ipv6 && al.n == 0) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		addr_list_add(&al, (const struct sockaddr *)&sin);
	}
	if (tr_listen_tls(reg->ep, &al) == -1) {
		log_error("registrar: cannot listen for ASAP over TLS on %s: "
		          "%s",
		    reg->cfg.asap_tls,
		    errno == EPROTONOSUPPORT
		        ? "TLS runs on the TCP mapping only (-transport=tcp)"
		        : strerror(errno));
		return -1;
	}
	log_notice("registrar: $%08x: ASAP over TLS listening on %s%s", reg->id,
	    addr_list_fmt(&al, buf, sizeof(buf)),
	    reg->cfg.tls_only ? "; plain registrations refused" : "");
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
#endif
