/*
 * Who may be an ENRP peer (RFC 5355 2.5: "a PR must only accept ENRP
 * messages from PRs it trusts").  Open to anyone by default, as RSPLIB
 * is.  Restricted when the operator says whom to trust: -peerallow
 * prefixes, or -peer with the multicast group off (then the -peer hosts
 * only); the -peer hosts are always allowed.  The registrar's own host
 * (loopback, or one of its -enrp addresses) always is: a dump tool run
 * next to it reads the handlespace without configuration.
 *
 * With -acl the access list decides instead: "peer" rules who may be a
 * peer, "dump" rules who may only read (an association it opens is
 * admitted, but nothing only a registrar sends is believed from it).
 *
 * A peer is also bound to where it talks from: a message naming a known
 * peer's ID is believed only on that peer's association or from one of
 * its hosts, so that nobody adopts another registrar's ID to send
 * Handle Updates in its name.
 */
#include <netinet/in.h>
#include <string.h>

#include "core/log.h"
#include "core/registrar/acl.h"
#include "core/registrar/enrp_int.h"
#include "core/registrar/registrar.h"

static void
allow_host(struct prefix_list *l, const struct sockaddr_storage *ss)
{
	struct addr_prefix *p;

	if (l->n >= PREFIX_MAX)
		return;
	p = &l->p[l->n++];
	memset(p, 0, sizeof(*p));
	p->family = ss->ss_family;
	if (ss->ss_family == AF_INET) {
		memcpy(p->a, &((const struct sockaddr_in *)ss)->sin_addr, 4);
		p->bits = 32;
	} else {
		memcpy(p->a, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
		p->bits = 128;
	}
}

int
enrp_admit_init(struct reg_enrp *e, char *err, size_t errlen)
{
	const struct reg_config *cfg = &e->reg->cfg;
	struct addr_list al;
	int i, j;

	memset(&e->allow, 0, sizeof(e->allow));
	for (i = 0; i < cfg->peerallow.n; i++)
		if (prefix_list_parse(
		        cfg->peerallow.v[i], &e->allow, err, errlen) == -1)
			return -1;
	for (i = 0; i < cfg->peers.n; i++)
		if (addr_list_parse(&al, cfg->peers.v[i], REG_ENRP_AUTO_PORT, 0,
		        NULL, 0) == 0)
			for (j = 0; j < al.n; j++)
				allow_host(&e->allow, &al.a[j]);
	e->restricted =
	    cfg->peerallow.n > 0 || (cfg->peers.n > 0 && e->mc == NULL);
	if (e->restricted)
		log_notice("registrar: ENRP peers restricted to %d prefixes "
		           "(-peerallow, -peer)",
		    e->allow.n);
	return 0;
}

static int
own_host(const struct reg_enrp *e, const struct sockaddr *sa)
{
	int i;

	if (addr_scope(sa) == ADDR_SCOPE_LOOPBACK)
		return 1;
	for (i = 0; i < e->io.local.n; i++)
		if (addr_equal_host(
		        (const struct sockaddr *)&e->io.local.a[i], sa))
			return 1;
	return 0;
}

int
enrp_admit_addr(const struct reg_enrp *e, const struct sockaddr *sa)
{
	if (e->reg->acl != NULL)
		return acl_allows(e->reg->acl, ACL_PEER, sa, NULL);
	return !e->restricted || own_host(e, sa) ||
	       prefix_list_match(&e->allow, sa);
}

/* May open an association to us: a peer, or with -acl a reader. */
static int
admit_reader(const struct reg_enrp *e, const struct sockaddr *sa)
{
	if (e->reg->acl != NULL)
		return own_host(e, sa) ||
		       acl_allows(e->reg->acl, ACL_DUMP, sa, NULL);
	return enrp_admit_addr(e, sa);
}

int
enrp_admit_as_peer(const struct reg_enrp *e, uint32_t assoc)
{
	struct addr_list al;
	int i;

#ifdef RSP_TLS
	switch (reg_tls_enrp_admit(e->reg, assoc)) {
	case REG_TLS_PEER:
		return 1;
	case REG_TLS_READER:
	case REG_TLS_REFUSED:
		e->reg->count.enrp_refused[REG_ENRP_REF_READ_ONLY]++;
		return 0;
	case REG_TLS_PLAIN:
		break;
	}
#endif
	if (e->reg->acl == NULL || e->io.peer_addrs == NULL)
		return 1;
	memset(&al, 0, sizeof(al));
	if (e->io.peer_addrs(e->io.arg, assoc, &al) == -1)
		return 0;
	for (i = 0; i < al.n; i++)
		if (acl_allows(e->reg->acl, ACL_PEER,
		        (const struct sockaddr *)&al.a[i], NULL))
			return 1;
	e->reg->count.enrp_refused[REG_ENRP_REF_READ_ONLY]++;
	log_notice_limited("registrar: -acl: ENRP association %u may read, "
	                   "not act as a peer: message refused",
	    assoc);
	return 0;
}

int
enrp_admit_assoc(const struct reg_enrp *e, uint32_t assoc)
{
	struct addr_list al;
	char buf[ADDR_FMT_LEN];
	int i;

#ifdef RSP_TLS
	switch (reg_tls_enrp_admit(e->reg, assoc)) {
	case REG_TLS_PEER:
	case REG_TLS_READER:
		return 1;
	case REG_TLS_REFUSED:
		e->reg->count.enrp_refused[REG_ENRP_REF_NOT_ALLOWED]++;
		return 0;
	case REG_TLS_PLAIN:
		break;
	}
#endif
	if ((!e->restricted && e->reg->acl == NULL) || e->io.peer_addrs == NULL)
		return 1;
	memset(&al, 0, sizeof(al));
	if (e->io.peer_addrs(e->io.arg, assoc, &al) == -1)
		return 0;
	for (i = 0; i < al.n; i++)
		if (admit_reader(e, (const struct sockaddr *)&al.a[i]))
			return 1;
	e->reg->count.enrp_refused[REG_ENRP_REF_NOT_ALLOWED]++;
	log_notice_limited("registrar: ENRP association %u from %s is not an "
	                   "allowed peer (-peerallow, -peer): refused",
	    assoc,
	    al.n ? addr_fmt_host((struct sockaddr *)&al.a[0], buf, sizeof(buf))
	         : "?");
	return 0;
}

int
enrp_admit_bound(
    const struct reg_enrp *e, const struct reg_peer *p, uint32_t assoc)
{
	struct addr_list al;
	int i, j;

	if ((p->has_assoc && p->assoc == assoc) || p->addrs.n == 0 ||
	    e->io.peer_addrs == NULL)
		return 1;
	memset(&al, 0, sizeof(al));
	if (e->io.peer_addrs(e->io.arg, assoc, &al) == -1)
		return 0;
	for (i = 0; i < al.n; i++)
		for (j = 0; j < p->addrs.n; j++)
			if (addr_equal_host((const struct sockaddr *)&al.a[i],
			        (const struct sockaddr *)&p->addrs.a[j]))
				return 1;
	e->reg->count.enrp_refused[REG_ENRP_REF_WRONG_HOST]++;
	log_notice_limited("registrar: a message in the name of peer $%08x "
	                   "on ENRP association %u, not from its host: refused",
	    p->id, assoc);
	return 0;
}
