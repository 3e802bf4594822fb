// RSP_SERVICE(pingpong, "Ping Pong service, pool PingPongPool")
/*
 * Ping Pong (docs/wire.md 9.4): every Ping is answered by a Pong with
 * the session's ReplyNo, then an ASAP Cookie carrying the next ReplyNo,
 * so that a PE taking the session over from the Cookie Echo numbers on
 * without a gap.  As RSPLIB's threaded ("TCP-like") server it serves at
 * most -pppmaxthreads sessions at a time and closes any further one at
 * once; anything but a well-formed Ping, or a second Cookie Echo,
 * aborts the session.  -pppfailureafter=N aborts a session after N
 * replies (the failover test).
 */
#include <stdlib.h>

#include "proto/buf.h"
#include "core/log.h"
#include "core/opt.h"
#include "proto/pingpong.h"
#include "proto/wire.h"
#include "services/service.h"

struct pingpong_conf pingpong_conf;

const struct opt pingpong_opts[] = {
    {"pppfailureafter", OPT_INT, "N",
        OPT_HELP("Ping Pong: abort each session after N replies (0: never)"),
        "0", 0, 0xffffffffLL, offsetof(struct pingpong_conf, failure_after)},
    {"pppmaxthreads", OPT_INT, "N",
        OPT_HELP("Ping Pong: sessions served at a time"), "4", 1, 16384,
        offsetof(struct pingpong_conf, max_threads)},
    OPT_END,
};

struct pp_session {
	uint32_t id; /* 0: free */
	int is_new;  /* nothing received yet: a Cookie Echo may come */
	uint64_t reply_no, replies;
};

struct pingpong {
	int n;
	struct pp_session s[];
};

static struct pp_session *
pp_find(struct pingpong *pp, uint32_t id)
{
	int i;

	for (i = 0; i < pp->n; i++)
		if (pp->s[i].id == id)
			return &pp->s[i];
	return NULL;
}

static void
pp_abort(struct svc_ctx *c, struct pp_session *ps, const char *why)
{
	log_notice("pingpong: session %u: %s, aborting", ps->id, why);
	rsp_element_abort_session(c->e, ps->id);
	ps->id = 0;
}

static int
pingpong_init(struct svc_ctx *c)
{
	struct pingpong *pp;
	int n = (int)pingpong_conf.max_threads;

	if (n < 1)
		n = 1;
	if ((pp = calloc(1, sizeof(*pp) + (size_t)n * sizeof(pp->s[0]))) ==
	    NULL)
		return -1;
	pp->n = n;
	c->priv = pp;
	return 0;
}

static void
pingpong_fini(struct svc_ctx *c)
{
	free(c->priv);
	c->priv = NULL;
}

static void
pingpong_up(struct svc_ctx *c, uint32_t session)
{
	struct pp_session *ps = pp_find(c->priv, 0);

	if (ps == NULL) {
		log_notice("pingpong: session %u rejected: all %d sessions "
		           "busy",
		    session, ((struct pingpong *)c->priv)->n);
		rsp_element_close_session(c->e, session);
		return;
	}
	ps->id = session;
	ps->is_new = 1;
	ps->reply_no = 1;
	ps->replies = 0;
}

static void
pingpong_cookie_echo(
    struct svc_ctx *c, struct pp_session *ps, const struct rsp_event *ev)
{
	uint64_t next;

	if (!ps->is_new) {
		pp_abort(c, ps, "unexpected Cookie Echo");
		return;
	}
	ps->is_new = 0;
	if (pingpong_cookie_decode(ev->data, ev->len, &next) != APP_OK) {
		pp_abort(c, ps, "bad cookie");
		return;
	}
	ps->reply_no = next;
	log_info("pingpong: session %u resumed from cookie, next reply %llu",
	    ps->id, (unsigned long long)next);
}

/* Pong then cookie; -1 if either cannot be sent. */
static int
pingpong_reply(
    struct svc_ctx *c, struct pp_session *ps, const struct pingpong_msg *ping)
{
	struct pingpong_msg pong = *ping;
	struct wbuf w;
	int rc = -1;

	pong.type = PINGPONG_PONG;
	pong.flags = 0;
	pong.reply_no = ps->reply_no;
	if (wbuf_init_dynamic(
	        &w, PINGPONG_PONG_SIZE + ping->datalen, APP_MSG_MAX) == -1)
		return -1;
	if (pingpong_encode(&pong, &w) == 0 &&
	    rsp_element_send(
	        c->e, ps->id, RSP_PPID_PINGPONG, 0, w.data, w.len) == RSP_OK) {
		ps->reply_no++;
		ps->replies++;
		wbuf_reset(&w);
		if (pingpong_cookie_encode(ps->reply_no, &w) == 0 &&
		    rsp_element_send_cookie(c->e, ps->id, w.data, w.len) ==
		        RSP_OK)
			rc = 0;
	}
	wbuf_free(&w);
	return rc;
}

static void
pingpong_msg(struct svc_ctx *c, const struct rsp_event *ev)
{
	struct pp_session *ps = pp_find(c->priv, ev->session);
	struct pingpong_msg ping;
	enum app_err err;

	if (ps == NULL || ev->session == 0)
		return; /* a session refused as busy */
	if (ev->type == RSP_EV_COOKIE_ECHO) {
		pingpong_cookie_echo(c, ps, ev);
		return;
	}
	ps->is_new = 0;
	if ((err = pingpong_decode(ev->data, ev->len, &ping)) != APP_OK) {
		pp_abort(c, ps, app_err_name(err));
		return;
	}
	if (ping.type != PINGPONG_PING) {
		pp_abort(c, ps, "not a Ping");
		return;
	}
	if (pingpong_reply(c, ps, &ping) == -1) {
		pp_abort(c, ps, "cannot send the Pong");
		return;
	}
	if (pingpong_conf.failure_after > 0 &&
	    ps->replies >= (uint64_t)pingpong_conf.failure_after)
		pp_abort(c, ps, "failure tester");
}

static void
pingpong_down(struct svc_ctx *c, uint32_t session)
{
	struct pp_session *ps = pp_find(c->priv, session);

	if (ps != NULL && session != 0)
		ps->id = 0;
}

const struct svc svc_pingpong = {"pingpong", "PingPongPool", pingpong_init,
    pingpong_fini, pingpong_up, pingpong_msg, pingpong_down, NULL,
    pingpong_opts, &pingpong_conf, NULL, NULL};
