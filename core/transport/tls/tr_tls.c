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
	return cur.server != NULL;
}

/* A configuration of role with the keys (the server all of them, the
 * client the first); NULL with err. */
static struct tr_tls_ref *
ref_new(
    enum tls_role role, const struct tls_keys *keys, char *err, size_t errlen)
{
	char why[TLS_ERR_MAX];
	struct tr_tls_ref *r;
	int i, n = role == TLS_SERVER ? keys->n : 1;

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
	return r;
}

/* Load -tlskeyfile and make both configurations; the current ones are
 * replaced only when everything worked. */
static int
load(char *err, size_t errlen)
{
	struct tr_tls_ref *srv = NULL, *cli = NULL;
	struct tls_keys keys;

	if (tls_keys_load(&keys, tr_config.tls_keyfile, err, errlen) == -1)
		return -1;
	if ((srv = ref_new(TLS_SERVER, &keys, err, errlen)) == NULL ||
	    (cli = ref_new(TLS_CLIENT, &keys, err, errlen)) == NULL) {
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

int
tr_tls_setup(char *err, size_t errlen)
{
	if (tr_config.tls_keyfile == NULL)
		return 0;
	if (tr_config.kind == TR_SCTP) {
		snprintf(err, errlen,
		    "-tlskeyfile: TLS runs on the TCP mapping "
		    "(-transport=tcp); TLS over SCTP (RFC 3436) is not in "
		    "this build");
		return -1;
	}
	return load(err, errlen);
}

int
tr_tls_reload(void)
{
	char err[TLS_ERR_MAX + 200];

	if (tr_config.tls_keyfile == NULL)
		return 0;
	if (load(err, sizeof(err)) == -1) {
		log_error(
		    "-tlskeyfile: %s; keeping the keys loaded before", err);
		return -1;
	}
	log_notice("-tlskeyfile: %s reloaded, %d identities",
	    tr_config.tls_keyfile, cur.keys.n);
	return 0;
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
