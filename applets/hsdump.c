// RSP_APPLET(hsdump, "hsdump", "dump a registrar's handlespace over ENRP")
/*
 * usage: rsp hsdump [-format=text|kv|json | -f FMT] [-timeout=MS]
 *            [-identifier=ID]
 *            ADDR[:PORT]
 *
 * Dumps a registrar's handlespace the way RSPLIB's hsdump does: it
 * poses as a peer registrar on the ENRP port (default 9901), over one
 * association (SCTP: a SOCK_STREAM socket, as RSPLIB; or the TCP
 * mapping, -transport), PPID 12.  It sends a Presence (R=0, checksum
 * 0xffff: it owns no PEs; Server Information with its own ID and local
 * addresses), a List Request and a Handle Table Request with W=0, all
 * with receiver ID 0 (RSPLIB's hsdump does not know the registrar's ID
 * either).  The Presence comes first so that the registrar has it in its
 * peer list when the request arrives: an RSPLIB registrar refuses (R=1)
 * requests from peers it does not know (docs/wire.md 4.5.5).  Every
 * response with M=1 is followed by another Handle Table Request until
 * one with M=0 completes the table; the registrar's own Presence and
 * Handle Table Request are ignored.  Then the table is printed and the
 * association shut down.
 *
 * Exit: 0 table printed, 1 refused / timeout / lost / bad message from
 * the registrar, 2 usage.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "core/ev.h"
#include "core/tools/hsdump_fmt.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/rand.h"
#include "core/transport/transport.h"
#include "proto/msg.h"
#include "proto/wire.h"

int hsdump_main(int argc, char **argv);

#define HD_SHUTDOWN_GRACE 1000 /* ms for the shutdown after printing */

struct hsdump_opts {
	int format;
	long long timeout;
	long long identifier;
};

static const struct opt hsdump_opts[] = {
    {"format", OPT_CHOICE, "text|kv|json",
        OPT_HELP("output: RSPLIB-like text, key=value lines or JSON (also -f)"),
        "text", 0, 0, offsetof(struct hsdump_opts, format)},
    {"timeout", OPT_INT, "MS", OPT_HELP("give up after this many ms"), "5000",
        1, 86400000, offsetof(struct hsdump_opts, timeout)},
    {"identifier", OPT_INT, "ID", OPT_HELP("our ENRP server ID (0: random)"),
        "0", 0, 0xffffffffLL, offsetof(struct hsdump_opts, identifier)},
    OPT_END,
};

struct hsdump {
	struct hsdump_opts o;
	const char *target;
	struct ev_loop *loop;
	struct tr_ep *ep;
	uint32_t assoc;
	uint32_t id;
	int done;       /* table complete: only the shutdown is left */
	int stopped;    /* ev_stop() called: ignore the rest of the batch */
	uint64_t timer; /* -timeout, then the shutdown's grace period */
	int status;
	struct hsd_table table;
};

static void
hd_stop(struct hsdump *hd, int status)
{
	if (hd->stopped)
		return;
	hd->stopped = 1;
	hd->status = status;
	ev_stop(hd->loop);
}

static void hd_fail(struct hsdump *hd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* One line on stderr naming the registrar, then exit status 1. */
static void
hd_fail(struct hsdump *hd, const char *fmt, ...)
{
	va_list ap;

	if (hd->stopped)
		return;
	fprintf(stderr, "hsdump: %s: ", hd->target);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	hd_stop(hd, 1);
}

static int
send_msg(struct hsdump *hd, const struct rsp_msg *m)
{
	uint8_t mem[4096]; /* a Presence with 64 IPv6 addresses fits */
	struct wbuf w;

	wbuf_init(&w, mem, sizeof(mem));
	if (rsp_msg_encode(m, &w) == -1 ||
	    tr_send(hd->ep, hd->assoc, RSP_PPID_ENRP, 0, w.data, w.len) == -1) {
		hd_fail(hd, "cannot send %s: %s",
		    rsp_msg_name(m->proto, m->type), strerror(errno));
		return -1;
	}
	return 0;
}

/* Our Server Information: our ID and the association's local addresses
 * (RSPLIB's hsdump sends those of its socket). */
static void
fill_self(struct hsdump *hd, struct rsp_server_info *si, struct rsp_addr *addrs)
{
	struct addr_list *al = calloc(1, sizeof(*al));
	int i;

	memset(si, 0, sizeof(*si));
	si->id = hd->id;
	si->has_transport = 1;
	si->transport.ptype = tr_param_for_kind(tr_ep_kind(hd->ep));
	si->transport.addrs = addrs;
	if (al == NULL || tr_local_addrs(hd->ep, hd->assoc, al) == -1) {
		free(al);
		return;
	}
	si->transport.port = al->port;
	for (i = 0; i < al->n && si->transport.naddrs < ADDR_MAX; i++)
		if (addr_to_rsp((struct sockaddr *)&al->a[i],
		        &addrs[si->transport.naddrs]) == 0)
			si->transport.naddrs++;
	free(al);
}

static int
send_presence(struct hsdump *hd)
{
	struct rsp_addr addrs[ADDR_MAX];
	struct rsp_server_info si;
	struct rsp_msg m;

	fill_self(hd, &si, addrs);
	rsp_msg_init(&m, RSP_PROTO_ENRP, ENRP_PRESENCE);
	m.sender = hd->id;
	m.present = RSP_HAS_CHECKSUM;
	m.checksum = 0xffff; /* we own no PEs (docs/wire.md 4.6) */
	m.nservers = 1;
	m.servers = &si;
	return send_msg(hd, &m);
}

static int
send_request(struct hsdump *hd, int type)
{
	struct rsp_msg m;

	rsp_msg_init(&m, RSP_PROTO_ENRP, type);
	m.sender = hd->id; /* W=0: the whole handlespace */
	return send_msg(hd, &m);
}

static void
on_up(struct hsdump *hd)
{
	log_info("hsdump: connected to %s as $%08x", hd->target, hd->id);
	if (send_presence(hd) == 0 && send_request(hd, ENRP_LIST_REQUEST) == 0)
		send_request(hd, ENRP_HANDLE_TABLE_REQUEST);
}

static void
table_done(struct hsdump *hd)
{
	if (hsd_finish(&hd->table) == -1) {
		hd_fail(hd, "%s", strerror(errno));
		return;
	}
	hsd_print(stdout, &hd->table, hd->o.format);
	fflush(stdout);
	hd->done = 1;
	hd->status = 0;
	/* The table is out: wait for the graceful end only briefly (the
	 * timeout callback then exits 0; freeing the endpoint aborts). */
	if (tr_shutdown(hd->ep, hd->assoc) == -1)
		hd_stop(hd, 0);
	else if (hd->o.timeout > HD_SHUTDOWN_GRACE)
		ev_timer_reschedule(hd->loop, hd->timer, HD_SHUTDOWN_GRACE);
}

static void
on_table(struct hsdump *hd, struct rsp_msg *m)
{
	int more = m->flags & ENRP_FLAG_HTRESP_M;
	uint32_t sender = m->sender;

	if (m->flags & ENRP_FLAG_HTRESP_R) {
		rsp_msg_free(m);
		hd_fail(hd,
		    "registrar $%08x refused the handle table request (R=1): "
		    "it does not accept us as a peer",
		    sender);
		return;
	}
	if (hsd_add_response(&hd->table, m) == -1) {
		hd_fail(hd, "%s", strerror(errno));
		return;
	}
	log_info("hsdump: handle table response %u%s", hd->table.responses,
	    more ? ", more to come" : "");
	if (more)
		send_request(hd, ENRP_HANDLE_TABLE_REQUEST);
	else
		table_done(hd);
}

static void
on_msg(struct hsdump *hd, const struct tr_event *ev)
{
	struct rsp_decode_error err;
	struct rsp_msg m;
	char s[160];

	if (hd->done)
		return;
	if (ev->ppid != RSP_PPID_ENRP) {
		hd_fail(hd, "unexpected message with PPID %u", ev->ppid);
		return;
	}
	if (rsp_msg_decode(RSP_PROTO_ENRP, ev->data, ev->len, &m, &err) == -1) {
		rsp_decode_error_str(&err, s, sizeof(s));
		hd_fail(hd, "bad ENRP message from the registrar: %s", s);
		return;
	}
	if (m.type == ENRP_HANDLE_TABLE_RESPONSE) {
		on_table(hd, &m);
		return;
	}
	if (m.type == ENRP_LIST_RESPONSE && !(m.flags & ENRP_FLAG_LISTRESP_R) &&
	    !hd->table.has_peers) {
		if (hsd_add_peers(&hd->table, &m) == -1)
			hd_fail(hd, "%s", strerror(errno));
		return;
	}
	/* Presence, the registrar's own HT Request, errors: not ours. */
	log_info("hsdump: ignoring %s from the registrar",
	    rsp_msg_name(m.proto, m.type));
	rsp_msg_free(&m);
}

static void
on_event(struct tr_ep *ep, const struct tr_event *ev, void *arg)
{
	struct hsdump *hd = arg;

	(void)ep;
	if (hd->stopped) /* one error message, one exit status */
		return;
	switch (ev->type) {
	case TR_EV_UP:
		on_up(hd);
		break;
	case TR_EV_MSG:
		on_msg(hd, ev);
		break;
	case TR_EV_SEND_FAILED:
	case TR_EV_RESTART:
		break;
	case TR_EV_CANT_START:
		hd_fail(hd, "cannot connect: %s", strerror(ev->error));
		break;
	default:
		if (hd->done)
			hd_stop(hd, 0);
		else
			hd_fail(hd,
			    "association %s before the table was complete",
			    ev->type == TR_EV_SHUTDOWN ? "shut down" : "lost");
		break;
	}
}

static int64_t
timeout_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct hsdump *hd = arg;

	(void)loop, (void)id;
	if (hd->done) { /* printed; the shutdown just did not finish */
		hd_stop(hd, 0);
		return EV_NOMORE;
	}
	hd_fail(hd, "no complete handle table within %lld ms", hd->o.timeout);
	return EV_NOMORE;
}

static void
signal_cb(struct ev_loop *loop, int signo, void *arg)
{
	(void)loop, (void)signo;
	hd_stop(arg, 1);
}

/*
 * -f is the short form of -format (docs/STYLE.md practice 14), also spelled
 * "-f kv" as lldpcli does: both become "-format=kv" for the RSPLIB-style
 * parser.  The table keeps the long name so that completion, which
 * completes option names from their first characters, never mistakes
 * "-f=" for a value.  Returns the new argc; the rewritten argument lives
 * in fbuf.
 */
static int
join_f(int argc, char **argv, char *fbuf, size_t len)
{
	int i, j;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strncmp(argv[i], "-f=", 3) == 0) {
			snprintf(fbuf, len, "-format=%s", argv[i] + 3);
			argv[i] = fbuf;
			break;
		}
		if (strcmp(argv[i], "-f") != 0 || i + 1 >= argc ||
		    argv[i + 1][0] == '-')
			continue;
		snprintf(fbuf, len, "-format=%s", argv[i + 1]);
		argv[i] = fbuf;
		for (j = i + 1; j + 1 < argc; j++)
			argv[j] = argv[j + 1];
		argv[--argc] = NULL;
		break;
	}
	return argc;
}

/* Options and the operand: exits 2 on a usage error. */
static void
hd_setup(struct hsdump *hd, int argc, char **argv, struct addr_list *al)
{
	const struct opt_set sets[] = {{hsdump_opts, &hd->o},
	    {tr_opts, &tr_config}, {log_opts, &log_config}};
	static char fbuf[64];
	char err[ADDR_ERR_LEN];
	int n, rc;

	argc = join_f(argc, argv, fbuf, sizeof(fbuf));
	rc = opt_parse(argv[0], "ADDR[:PORT]", argc, argv, sets, 3, &n);
	if (rc != OPT_OK)
		exit(rc == OPT_HELP ? 0 : 2);
	if (n != 1) {
		fprintf(stderr, "%s: give one registrar address: ADDR[:PORT]\n",
		    argv[0]);
		exit(2);
	}
	hd->target = argv[1];
	if (addr_list_parse(
	        al, hd->target, RSP_PORT_ENRP, 0, err, sizeof(err)) == -1 ||
	    tr_tls_setup(err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", argv[0], err);
		exit(2);
	}
	hd->id = hd->o.identifier ? (uint32_t)hd->o.identifier : rand_id32();
	if (log_setup("hsdump") == -1)
		exit(1);
}

static int
hd_run(struct hsdump *hd, const struct addr_list *al)
{
	int kind = tr_resolve(tr_config.kind);

	if ((hd->loop = ev_loop_new()) == NULL) {
		log_error("hsdump: event loop: %s", strerror(errno));
		return 1;
	}
	hd->status = 1;
	ev_add_signal(hd->loop, SIGINT, signal_cb, hd);
	ev_add_signal(hd->loop, SIGTERM, signal_cb, hd);
	hd->timer = ev_timer_add(hd->loop, hd->o.timeout, timeout_cb, hd);
	hd->ep = tr_ep_new(
	    hd->loop, kind, NULL, TR_ONE_TO_ONE | TR_SECURE, on_event, hd);
	if (hd->ep != NULL)
		tr_ep_set_ppid(hd->ep, RSP_PPID_ENRP);
	if (hd->ep == NULL || tr_connect(hd->ep, al, &hd->assoc) == -1)
		fprintf(stderr, "hsdump: cannot connect to %s: %s\n",
		    hd->target, strerror(errno));
	else if (ev_run(hd->loop) == -1) {
		log_error("hsdump: event loop: %s", strerror(errno));
		hd->status = 1;
	}
	if (hd->ep)
		tr_ep_free(hd->ep);
	ev_loop_free(hd->loop);
	return hd->status;
}

int
hsdump_main(int argc, char **argv)
{
	struct hsdump *hd;
	struct addr_list *al;
	int status;

	if ((hd = calloc(1, sizeof(*hd))) == NULL ||
	    (al = calloc(1, sizeof(*al))) == NULL) {
		fprintf(stderr, "hsdump: out of memory\n");
		free(hd);
		return 1;
	}
	hd_setup(hd, argc, argv, al);
	hsd_init(&hd->table, hd->id);
	status = hd_run(hd, al);
	hsd_free(&hd->table);
	free(al);
	free(hd);
	return status;
}
