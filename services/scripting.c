// RSP_SERVICE(scripting, "Scripting Service, pool ScriptingPool")
/*
 * rsp server -scripting (docs/wire.md 9.7): one struct ss per session,
 * driven by the session's messages, one periodic tick (transmit and
 * keep-alive timeouts, download pacing) and SIGCHLD for the workers.
 *
 *   connect -> Ready -> [Environment?] Upload... empty Upload
 *     [-> environment Upload... empty Upload] -> Status 0 -> worker
 *   worker exits -> Status (0/1) -> Download... empty Download -> close
 *
 * Every session owns a directory $TMPDIR/rspSS-Session-XXXXXX, removed
 * with the worker's process group when the session ends (unless
 * -sskeeptempdirs).  Beyond -ssmaxthreads sessions a new one gets Not
 * Ready (fully loaded) and is closed, as RSPLIB's TCP-like server does.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proto/buf.h"
#include "core/ev.h"
#include "core/log.h"
#include "proto/ssp.h"
#include "services/scripting.h"
#include "services/service.h"

#define SS_PPID        35
#define SS_TICK_MS     200
#define SS_PUMP_MS     5
#define SS_DIR_PATTERN "rspSS-Session-XXXXXX"

struct ssp_config ssp_config;

const struct opt ssp_opts[] = {
    {"ssmaxthreads", OPT_INT, "N",
        OPT_HELP("scripting: concurrent sessions (0: number of CPUs)"), "0", 0,
        16384, offsetof(struct ssp_config, maxthreads)},
    {"sstransmittimeout", OPT_INT, "MS",
        OPT_HELP("scripting: wait at most MS for each upload message"), "30000",
        1, 86400000, offsetof(struct ssp_config, tx_timeout)},
    {"sskeepaliveinterval", OPT_INT, "MS",
        OPT_HELP("scripting: keep-alive interval while the worker runs"),
        "15000", 1, 86400000, offsetof(struct ssp_config, ka_interval)},
    {"sskeepalivetimeout", OPT_INT, "MS",
        OPT_HELP("scripting: keep-alive acknowledgement timeout"), "10000", 1,
        86400000, offsetof(struct ssp_config, ka_timeout)},
    {"sscachedirectory", OPT_STR, "DIR",
        OPT_HELP("scripting: permanent environment cache (default: temporary)"),
        NULL, 0, 0, offsetof(struct ssp_config, cachedir)},
    {"sscachemaxentries", OPT_INT, "N",
        OPT_HELP("scripting: environment cache entries"), "16", 1, 1000000,
        offsetof(struct ssp_config, cache_entries)},
    {"sscachemaxsize", OPT_INT, "KIB",
        OPT_HELP("scripting: environment cache size in KiB"), "131072", 128,
        1LL << 40, offsetof(struct ssp_config, cache_kib)},
    {"sskeyring", OPT_STR, "FILE",
        OPT_HELP("scripting: check work package signatures with gpgv and FILE"),
        NULL, 0, 0, offsetof(struct ssp_config, keyring)},
    {"sstrustdb", OPT_STR, "FILE",
        OPT_HELP("scripting: RSPLIB's GnuPG trust database (ignored: gpgv "
                 "needs none)"),
        NULL, 0, 0, offsetof(struct ssp_config, trustdb)},
    {"sskeeptempdirs", OPT_FLAG, NULL,
        OPT_HELP("scripting: keep the session directories"), NULL, 0, 0,
        offsetof(struct ssp_config, keeptempdirs)},
    {"ssverbose", OPT_FLAG, NULL,
        OPT_HELP("scripting: log every upload and download (messages, bytes)"),
        NULL, 0, 0, offsetof(struct ssp_config, verbose)},
    OPT_END,
};

enum ss_state {
	SS_UPLOAD = 0, /* receiving the package (and environment) */
	SS_WORKING,    /* the worker runs */
	SS_DOWNLOAD,   /* sending output.data */
};

struct ss {
	struct ss *next;
	uint32_t id;
	enum ss_state state;
	char dir[PATH_MAX];
	int fd; /* the file being uploaded or downloaded, or -1 */
	unsigned long long msgs, bytes; /* of the transfer (-ssverbose) */
	int env_upload; /* the upload in progress is the environment */
	int needs_env;  /* we asked for the environment */
	int got_env;    /* environment.data is in place */
	int input_done; /* input.data is complete */
	struct sha1 env_sha;
	uint64_t deadline; /* SS_UPLOAD: next message due */
	int pid;
	uint64_t last_ka;
	int ka_wait;
	uint32_t status;
	int eof_sent;
	uint8_t out[SSP_MSG_MAX]; /* a Download refused with EAGAIN */
	size_t outlen;
};

struct ss_svc {
	struct svc_ctx *c;
	struct ss *sessions;
	int *killed; /* killed workers not yet reaped */
	int nkilled;
	int n;
	int maxthreads;
	char host[SSP_INFO_MAX + 1];
	char keyring[PATH_MAX];
	uint64_t tick;
	struct ss_cache cache;
};

int
ssp_maxthreads(void)
{
	long n;

	if (ssp_config.maxthreads > 0)
		return (int)ssp_config.maxthreads;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

const char *
ssp_default_policy(void)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "LeastUsedDegradation:%.6f",
	    1.0 / ssp_maxthreads());
	return buf;
}

static int
ss_send_on(struct ss_svc *v, uint32_t session, const struct ssp_msg *m)
{
	uint8_t b[SSP_MSG_MAX];
	struct wbuf w;

	wbuf_init(&w, b, sizeof(b));
	if (ssp_encode(m, &w) == -1)
		return RSP_ESYSTEM;
	return rsp_element_send(v->c->e, session, SS_PPID, 0, w.data, w.len);
}

static int
ss_send(struct ss_svc *v, struct ss *s, const struct ssp_msg *m)
{
	return ss_send_on(v, s->id, m);
}

static int
ss_send_simple(struct ss_svc *v, struct ss *s, uint8_t type, uint32_t value)
{
	struct ssp_msg m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.value = value;
	m.has_value = 1;
	return ss_send(v, s, &m);
}

static void
ss_set_load(struct ss_svc *v)
{
	uint64_t load = (uint64_t)v->n * 0xffffffffu / (uint64_t)v->maxthreads;

	rsp_element_set_load(
	    v->c->e, load > 0xffffffffu ? 0xffffffffu : (uint32_t)load);
}

/* SIGKILL a worker's process group; SIGCHLD reaps it later (a process
 * in uninterruptible sleep must not stall the loop). */
static void
ss_kill(struct ss_svc *v, int pid)
{
	int *k;

	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	if ((k = realloc(v->killed, (size_t)(v->nkilled + 1) * sizeof(*k))) ==
	    NULL) {
		ss_worker_kill(pid); /* reap now rather than leak a zombie */
		return;
	}
	v->killed = k;
	v->killed[v->nkilled++] = pid;
}

/* End a session: worker killed, directory removed, state freed. */
static void
ss_free(struct ss_svc *v, struct ss *s)
{
	struct ss **pp;

	for (pp = &v->sessions; *pp != NULL; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	if (s->pid > 0)
		ss_kill(v, s->pid);
	if (s->fd != -1)
		close(s->fd);
	if (s->dir[0] != '\0') {
		if (ssp_config.keeptempdirs)
			log_notice(
			    "scripting: session %u: keeping %s", s->id, s->dir);
		else if (ss_remove_tree(s->dir) == -1)
			log_warning("scripting: session %u: removing %s: %s",
			    s->id, s->dir, strerror(errno));
	}
	free(s);
	v->n--;
	ss_set_load(v);
}

static void
ss_abort(struct ss_svc *v, struct ss *s, const char *why)
{
	log_warning("scripting: session %u: %s, closing it", s->id, why);
	rsp_element_close_session(v->c->e, s->id);
	ss_free(v, s);
}

static struct ss *
ss_find(struct ss_svc *v, uint32_t id)
{
	struct ss *s;

	for (s = v->sessions; s != NULL; s = s->next)
		if (s->id == id)
			return s;
	return NULL;
}

static void
ss_path(const struct ss *s, const char *name, char *out, size_t n)
{
	snprintf(out, n, "%s/%s", s->dir, name);
}

static void
ss_start_worker(struct ss_svc *v, struct ss *s)
{
	struct ss_job job = {
	    s->dir, s->got_env, v->keyring[0] ? v->keyring : NULL, log_fd()};

	if (ss_send_simple(v, s, SSP_STATUS, 0) != RSP_OK) {
		ss_abort(v, s, "cannot send Status");
		return;
	}
	if ((s->pid = ss_worker_start(&job)) == -1) {
		s->pid = 0;
		ss_abort(v, s, "cannot start the worker");
		return;
	}
	log_info("scripting: session %u: worker %d runs in %s", s->id, s->pid,
	    s->dir);
	s->state = SS_WORKING;
	s->last_ka = 0; /* the first keep-alive goes out at the next tick */
	s->ka_wait = 0;
}

/* The environment upload is complete: cache it under its hash. */
static void
ss_env_done(struct ss_svc *v, struct ss *s)
{
	char path[PATH_MAX + 32], hex[2 * SHA1_SIZE + 1];
	uint8_t hash[SHA1_SIZE];

	sha1_final(&s->env_sha, hash);
	sha1_hex(hash, hex);
	ss_path(s, "environment.data", path, sizeof(path));
	s->got_env = 1;
	if (ss_cache_put(&v->cache, hash, path) == -1)
		log_warning("scripting: session %u: caching environment %s: %s",
		    s->id, hex, strerror(errno));
	else
		log_info(
		    "scripting: session %u: environment %s cached", s->id, hex);
}

/* -ssverbose: one line per finished transfer (RSPLIB prints a dot per
 * message). */
static void
ss_transfer_done(struct ss *s, const char *what)
{
	if (ssp_config.verbose)
		log_notice("scripting: session %u: %s of %llu messages, %llu "
		           "bytes",
		    s->id, what, s->msgs, s->bytes);
	s->msgs = s->bytes = 0;
}

static void
ss_upload(struct ss_svc *v, struct ss *s, const struct ssp_msg *m)
{
	char path[PATH_MAX + 32];

	if (s->fd == -1) {
		s->env_upload = s->input_done;
		ss_path(s, s->env_upload ? "environment.data" : "input.data",
		    path, sizeof(path));
		s->fd =
		    open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (s->fd == -1) {
			ss_abort(v, s, strerror(errno));
			return;
		}
		if (s->env_upload)
			sha1_init(&s->env_sha);
	}
	s->msgs++;
	if (m->datalen > 0) {
		if (write(s->fd, m->data, m->datalen) != (ssize_t)m->datalen) {
			ss_abort(v, s, "writing the upload failed");
			return;
		}
		if (s->env_upload)
			sha1_update(&s->env_sha, m->data, m->datalen);
		s->bytes += m->datalen;
		return;
	}
	close(s->fd);
	s->fd = -1;
	ss_transfer_done(s, s->env_upload ? "environment upload" : "upload");
	if (s->env_upload)
		ss_env_done(v, s);
	else
		s->input_done = 1;
	if (s->needs_env && !s->got_env)
		return; /* the environment follows */
	ss_start_worker(v, s);
}

static void
ss_environment(struct ss_svc *v, struct ss *s, const struct ssp_msg *q)
{
	char path[PATH_MAX + 32], hex[2 * SHA1_SIZE + 1];
	struct ssp_msg m;

	ss_path(s, "environment.data", path, sizeof(path));
	sha1_hex(q->hash, hex);
	if (ss_cache_get(&v->cache, q->hash, path) == 0) {
		s->got_env = 1;
		log_info("scripting: session %u: environment %s: cache hit",
		    s->id, hex);
	} else {
		s->needs_env = 1;
		log_info("scripting: session %u: environment %s: cache miss, "
		         "asking for it",
		    s->id, hex);
	}
	memset(&m, 0, sizeof(m));
	m.type = SSP_ENVIRONMENT;
	m.flags = s->needs_env ? SSP_FLAG_U : 0;
	memcpy(m.hash, q->hash, SSP_HASH_SIZE);
	if (ss_send(v, s, &m) != RSP_OK)
		ss_abort(v, s, "cannot answer Environment");
}

static void
ss_msg(struct svc_ctx *c, const struct rsp_event *ev)
{
	struct ss_svc *v = c->priv;
	struct ss *s = ss_find(v, ev->session);
	struct ssp_msg m;
	struct ssp_msg ack;
	char why[96];

	if (s == NULL)
		return;
	if (ssp_decode(ev->data, ev->len, &m) != APP_OK) {
		ss_abort(v, s, "malformed SSP message");
		return;
	}
	switch (m.type) {
	case SSP_KEEPALIVE: /* answered in every state (RSPLIB: working) */
		memset(&ack, 0, sizeof(ack));
		ack.type = SSP_KEEPALIVE_ACK;
		ack.has_value = 1;
		ss_send(v, s, &ack);
		return;
	case SSP_KEEPALIVE_ACK:
		s->ka_wait = 0;
		return;
	case SSP_UPLOAD:
		if (s->state == SS_UPLOAD) {
			s->deadline = ev_now_ms(c->loop) +
			              (uint64_t)ssp_config.tx_timeout;
			ss_upload(v, s, &m);
			return;
		}
		break;
	case SSP_ENVIRONMENT:
		if (s->state == SS_UPLOAD && !s->input_done && s->fd == -1 &&
		    !s->needs_env && !s->got_env) {
			ss_environment(v, s, &m);
			return;
		}
		break;
	default:
		break;
	}
	snprintf(why, sizeof(why), "unexpected %s", ssp_type_name(m.type));
	ss_abort(v, s, why);
}

static void
ss_up(struct svc_ctx *c, uint32_t session)
{
	struct ss_svc *v = c->priv;
	const char *tmp = getenv("TMPDIR");
	struct ssp_msg m;
	struct ss *s;

	memset(&m, 0, sizeof(m));
	m.data = (const uint8_t *)v->host;
	m.datalen = strlen(v->host);
	if (v->n >= v->maxthreads) {
		log_notice("scripting: session %u refused: fully loaded (%d "
		           "sessions)",
		    session, v->n);
		m.type = SSP_NOT_READY;
		m.value = SSP_REASON_FULLY_LOADED;
		m.has_value = 1;
		ss_send_on(v, session, &m);
		rsp_element_close_session(c->e, session);
		return;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		rsp_element_close_session(c->e, session);
		return;
	}
	s->id = session;
	s->fd = -1;
	s->next = v->sessions;
	v->sessions = s;
	v->n++;
	ss_set_load(v);
	snprintf(s->dir, sizeof(s->dir), "%s/" SS_DIR_PATTERN,
	    tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(s->dir) == NULL) {
		s->dir[0] = '\0';
		ss_abort(v, s, "cannot make the session directory");
		return;
	}
	s->deadline = ev_now_ms(c->loop) + (uint64_t)ssp_config.tx_timeout;
	m.type = SSP_READY;
	if (ss_send(v, s, &m) != RSP_OK)
		ss_abort(v, s, "cannot send Ready");
	else
		log_info("scripting: session %u: ready in %s", session, s->dir);
}

static void
ss_down(struct svc_ctx *c, uint32_t session)
{
	struct ss_svc *v = c->priv;
	struct ss *s = ss_find(v, session);

	if (s == NULL)
		return;
	if (s->state != SS_DOWNLOAD || !s->eof_sent)
		log_notice("scripting: session %u ended by the PU", session);
	ss_free(v, s);
}

/* The worker exited: Status, then output.data as Downloads. */
static void
ss_worker_done(struct ss_svc *v, struct ss *s, int wstatus)
{
	char path[PATH_MAX + 32];

	s->pid = 0;
	/* RSPLIB: 0 only if ssrun exited 0 (a killed worker is a failure
	 * here, where RSPLIB would report 0). */
	s->status = WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0 ? 0 : 1;
	log_info("scripting: session %u: worker finished, status %u", s->id,
	    s->status);
	if (ss_send_simple(v, s, SSP_STATUS, s->status) != RSP_OK) {
		ss_abort(v, s, "cannot send Status");
		return;
	}
	ss_path(s, "output.data", path, sizeof(path));
	if ((s->fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		ss_abort(v, s, "the worker left no output.data");
		return;
	}
	s->state = SS_DOWNLOAD;
	ev_timer_reschedule(v->c->loop, v->tick, 0);
}

/* Send Downloads until the transport is full; 0 while it goes on. */
static int
ss_pump(struct ss_svc *v, struct ss *s)
{
	uint8_t chunk[SSP_CHUNK_MAX];
	struct ssp_msg m;
	struct wbuf w;
	ssize_t n;
	int rc;

	for (;;) {
		if (s->outlen == 0) {
			if (s->eof_sent)
				return 1;
			n = read(s->fd, chunk, sizeof(chunk));
			if (n == -1) {
				ss_abort(v, s, "reading output.data failed");
				return -1;
			}
			memset(&m, 0, sizeof(m));
			m.type = SSP_DOWNLOAD;
			m.data = n > 0 ? chunk : NULL;
			m.datalen = (size_t)n;
			wbuf_init(&w, s->out, sizeof(s->out));
			if (ssp_encode(&m, &w) == -1) {
				ss_abort(v, s, "encoding Download failed");
				return -1;
			}
			s->outlen = w.len;
			s->eof_sent = n == 0;
		}
		rc = rsp_element_send(
		    v->c->e, s->id, SS_PPID, 0, s->out, s->outlen);
		if (rc == RSP_EAGAIN)
			return 0;
		if (rc != RSP_OK) {
			ss_abort(v, s, "sending Download failed");
			return -1;
		}
		s->msgs++;
		s->bytes += s->outlen;
		s->outlen = 0;
	}
}

static void
ss_download(struct ss_svc *v, struct ss *s)
{
	if (ss_pump(v, s) != 1)
		return;
	ss_transfer_done(s, "download");
	log_info("scripting: session %u: results sent, closing", s->id);
	rsp_element_close_session(v->c->e, s->id);
	ss_free(v, s);
}

/* Keep-alives while the worker runs (docs/wire.md 9.7.2 step 6). */
static void
ss_keepalive(struct ss_svc *v, struct ss *s, uint64_t now)
{
	if (s->ka_wait) {
		if (now >= s->last_ka + (uint64_t)ssp_config.ka_timeout)
			ss_abort(v, s, "keep-alive timeout");
		return;
	}
	if (s->last_ka == 0 ||
	    now >= s->last_ka + (uint64_t)ssp_config.ka_interval) {
		s->last_ka = now;
		s->ka_wait = 1;
		if (ss_send_simple(v, s, SSP_KEEPALIVE, 0) != RSP_OK)
			ss_abort(v, s, "cannot send Keep-Alive");
	}
}

static void
ss_reap(struct ss_svc *v)
{
	struct ss *s, *next;
	int i, st;

	for (i = 0; i < v->nkilled;)
		if (waitpid(v->killed[i], NULL, WNOHANG) == 0)
			i++;
		else
			v->killed[i] = v->killed[--v->nkilled];

	for (s = v->sessions; s != NULL; s = next) {
		next = s->next;
		if (s->state == SS_WORKING && s->pid > 0 &&
		    waitpid(s->pid, &st, WNOHANG) == s->pid)
			ss_worker_done(v, s, st);
	}
}

static int64_t
ss_tick(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct ss_svc *v = arg;
	uint64_t now = ev_now_ms(loop);
	struct ss *s, *next;
	int pumping = 0;

	(void)id;
	ss_reap(v);
	for (s = v->sessions; s != NULL; s = next) {
		next = s->next;
		switch (s->state) {
		case SS_UPLOAD:
			if (now >= s->deadline)
				ss_abort(
				    v, s, "transmit timeout during upload");
			break;
		case SS_WORKING:
			ss_keepalive(v, s, now);
			break;
		case SS_DOWNLOAD:
			ss_download(v, s);
			pumping = 1;
			break;
		}
	}
	return pumping ? SS_PUMP_MS : SS_TICK_MS;
}

static void
ss_sigchld(struct ev_loop *loop, int signo, void *arg)
{
	(void)loop;
	(void)signo;
	ss_reap(arg);
}

static int
ss_init(struct svc_ctx *c)
{
	struct ss_svc *v;
	struct utsname u;

	if ((v = calloc(1, sizeof(*v))) == NULL)
		return -1;
	c->priv = v;
	v->c = c;
	v->maxthreads = ssp_maxthreads();
	if (uname(&u) == 0)
		snprintf(
		    v->host, sizeof(v->host), "%.*s", SSP_INFO_MAX, u.nodename);
	if (ssp_config.keyring != NULL &&
	    realpath(ssp_config.keyring, v->keyring) == NULL) {
		log_error("scripting: -sskeyring=%s: %s", ssp_config.keyring,
		    strerror(errno));
		return -1;
	}
	if (ss_cache_init(&v->cache, ssp_config.cachedir,
	        ssp_config.cache_kib * 1024,
	        (int)ssp_config.cache_entries) == -1) {
		log_error("scripting: environment cache %s: %s",
		    ssp_config.cachedir ? ssp_config.cachedir : "(temporary)",
		    strerror(errno));
		return -1;
	}
	if (ssp_config.trustdb != NULL)
		log_notice("scripting: -sstrustdb ignored: gpgv trusts every "
		           "key of the -sskeyring file");
	if (v->keyring[0] == '\0')
		log_warning("scripting: no -sskeyring: work packages are not "
		            "verified");
	log_notice("scripting: %d sessions at most, environment cache in %s",
	    v->maxthreads, v->cache.dir);
	if (ev_add_signal(c->loop, SIGCHLD, ss_sigchld, v) == -1)
		return -1;
	v->tick = ev_timer_add(c->loop, SS_TICK_MS, ss_tick, v);
	return v->tick == EV_TIMER_NONE ? -1 : 0;
}

static void
ss_fini(struct svc_ctx *c)
{
	struct ss_svc *v = c->priv;

	if (v == NULL)
		return;
	while (v->sessions != NULL)
		ss_free(v, v->sessions);
	while (v->nkilled > 0) /* at the end: waiting is fine */
		ss_worker_kill(v->killed[--v->nkilled]);
	free(v->killed);
	ev_timer_cancel(c->loop, v->tick);
	ev_del_signal(c->loop, SIGCHLD);
	ss_cache_fini(&v->cache);
	free(v);
	c->priv = NULL;
}

const struct svc svc_scripting = {"scripting", "ScriptingPool", ss_init,
    ss_fini, ss_up, ss_msg, ss_down, NULL, ssp_opts, &ssp_config, NULL,
    ssp_default_policy};
