/*
 * The transport's TLS configurations (core/transport/tls/tr_tls.h) and
 * the key file behind them: loaded by tr_tls_setup() before an applet
 * opens anything, again by tr_tls_reload() (SIGHUP), asked by the
 * registrar which pools an identity may register into
 * (tr_tls_pool_allowed(), core/transport/transport.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "core/log.h"
#include "core/transport/tls/tls_keys.h"
#include "core/transport/tls/tr_tls.h"
#include "core/transport/transport.h"

struct tr_tls_ref {
	struct tls_cfg *cfg;
	unsigned refs;
};

static struct {
	struct tls_keys keys;
	struct tr_tls_ref *server, *client;
} cur;

static struct tr_tls_ref *
tr_tls_hold(struct tr_tls_ref *r)
{
	if (r != NULL)
		r->refs++;
	return r;
}

void
tr_tls_put(struct tr_tls_ref *r)
{
	if (r == NULL || --r->refs > 0)
		return;
	tls_cfg_free(r->cfg);
	free(r);
}

struct tr_tls_ref *
tr_tls_server_ref(void)
{
	return tr_tls_hold(cur.server);
}

struct tr_tls_ref *
tr_tls_client_ref(void)
{
	return tr_tls_hold(cur.client);
}

struct tls_cfg *
tr_tls_cfg(const struct tr_tls_ref *r)
{
	return r->cfg;
}

int
tr_tls_on(void)
{
	return cur.server != NULL || cur.client != NULL;
}

/* Certificates: a server's own (-tlscert, -tlskey), a client's CAs
 * (-tlscafile).  -1 with the sentence in why. */
static int
ref_certs(struct tr_tls_ref *r, enum tls_role role, char *why)
{
	if (role == TLS_SERVER && tr_config.tls_cert != NULL)
		return tls_cfg_cert_key(
		    r->cfg, tr_config.tls_cert, tr_config.tls_key, why);
	if (role == TLS_CLIENT && tr_config.tls_cafile != NULL)
		return tls_cfg_ca_file(r->cfg, tr_config.tls_cafile, why);
	return 0;
}

/* A configuration of role with the keys (the server all of them, the
 * client the first) and the certificates; NULL with err. */
static struct tr_tls_ref *
ref_new(
    enum tls_role role, const struct tls_keys *keys, char *err, size_t errlen)
{
	char why[TLS_ERR_MAX];
	struct tr_tls_ref *r;
	int i, n = role == TLS_SERVER ? keys->n : keys->n > 0;

	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->cfg = tls_cfg_new(role, why)) == NULL) {
		snprintf(err, errlen, "%s", r ? why : "TLS: out of memory");
		free(r);
		return NULL;
	}
	r->refs = 1;
	for (i = 0; i < n; i++) {
		const struct tls_key *k = &keys->k[i];

		if (tls_cfg_add_psk(
		        r->cfg, k->identity, k->key, k->keylen, why) == -1) {
			snprintf(err, errlen, "%s", why);
			tr_tls_put(r);
			return NULL;
		}
	}
	if (ref_certs(r, role, why) == -1) {
		snprintf(err, errlen, "%s", why);
		tr_tls_put(r);
		return NULL;
	}
	return r;
}

/* Load -tlskeyfile and the certificates, and make the configurations
 * they allow: a server with keys or a certificate, a client with keys
 * or CAs.  The current ones are replaced only when everything worked. */
static int
load(char *err, size_t errlen)
{
	struct tr_tls_ref *srv = NULL, *cli = NULL;
	struct tls_keys keys = {0, NULL};

	if (tr_config.tls_keyfile != NULL &&
	    tls_keys_load(&keys, tr_config.tls_keyfile, err, errlen) == -1)
		return -1;
	if (((keys.n > 0 || tr_config.tls_cert != NULL) &&
	        (srv = ref_new(TLS_SERVER, &keys, err, errlen)) == NULL) ||
	    ((keys.n > 0 || tr_config.tls_cafile != NULL) &&
	        (cli = ref_new(TLS_CLIENT, &keys, err, errlen)) == NULL)) {
		tr_tls_put(srv);
		tls_keys_free(&keys);
		return -1;
	}
	tr_tls_put(cur.server);
	tr_tls_put(cur.client);
	tls_keys_free(&cur.keys);
	cur.keys = keys;
	cur.server = srv;
	cur.client = cli;
	return 0;
}

/* Any TLS option given. */
static int
configured(void)
{
	return tr_config.tls_keyfile != NULL || tr_config.tls_cafile != NULL ||
	       tr_config.tls_cert != NULL || tr_config.tls_key != NULL ||
	       tr_config.tls_servername != NULL;
}

int
tr_tls_setup(char *err, size_t errlen)
{
	if (!configured())
		return 0;
	if (tr_config.tls_servername != NULL && tr_config.tls_cafile == NULL) {
		snprintf(err, errlen,
		    "-tlsservername=%s: checks a certificate, so it needs "
		    "-tlscafile",
		    tr_config.tls_servername);
		return -1;
	}
	if ((tr_config.tls_cert == NULL) != (tr_config.tls_key == NULL)) {
		snprintf(err, errlen, "-tlscert and -tlskey go together");
		return -1;
	}
	return load(err, errlen);
}

int
tr_tls_reload(void)
{
	char err[TLS_ERR_MAX + 200];

	if (!configured())
		return 0;
	if (load(err, sizeof(err)) == -1) {
		log_error("TLS: %s; keeping the keys loaded before", err);
		return -1;
	}
	log_notice("TLS: keys reloaded (-tlskeyfile %s: %d identities)",
	    tr_config.tls_keyfile ? tr_config.tls_keyfile : "none", cur.keys.n);
	return 0;
}

const char *
tr_tls_expected_host(const struct sockaddr *peer, char *buf, size_t len)
{
	if (tr_config.tls_servername != NULL)
		return tr_config.tls_servername;
	return addr_fmt_host(peer, buf, len);
}

int
tr_tls_pool_allowed(const char *identity, const uint8_t *handle, size_t len)
{
	const struct tls_key *k = tls_keys_find(&cur.keys, identity);

	return k != NULL && k->role == TLS_ROLE_PE &&
	       tls_key_pool_allowed(k, handle, len);
}

int
tr_tls_role_is(const char *identity, const char *role)
{
	const struct tls_key *k = tls_keys_find(&cur.keys, identity);

	return k != NULL && strcmp(tls_role_name(k->role), role) == 0;
}
