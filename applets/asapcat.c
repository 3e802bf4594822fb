// RSP_APPLET(asapcat, "rspasapcat", "send, receive and decode ASAP/ENRP messages")
/*
 * usage: rsp asapcat -listen=ADDR:PORT [-echo] [-peeloff] [-count=N]
 *            [-timeout=MS]
 *        rsp asapcat -connect=ADDR:PORT [-ppid=11] [-onetoone] [-count=N]
 *            [-timeout=MS]
 *
 * netcat for RSerPool, over either transport (-transport=sctp|tcp|auto,
 * default $RSP_TRANSPORT, else SCTP if the kernel has it).
 * Every line on stdout is key=value: events (event=listening, up, msg,
 * shutdown, lost, ...) and received messages, decoded by the ASAP/ENRP
 * codec when the PPID is 11 or 12 (hex otherwise, or with -hex).
 *
 * -listen accepts associations and prints what arrives; -echo sends
 * each message back; -peeloff moves each new association to an endpoint
 * of its own (event=peeloff), as RSPLIB does with its registrar
 * association.  -connect uses a one-to-many endpoint, or with -onetoone
 * a one-to-one one (SCTP: SOCK_STREAM).  -connect sends each stdin line (hex bytes; blank
 * lines and # comments skipped) as one message with -ppid, prints the
 * answers, and exits after -count answers (or, without -count, once all
 * sent messages are acknowledged and the association is shut down).
 * -timeout: listen mode runs that long and exits 0; connect mode fails
 * (exit 1) if not done by then.  Exit: 0 ok, 1 runtime error, 2 usage.
 * See RFC 5352 (ASAP), RFC 5353 (ENRP), docs/wire.md section 7.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/addr.h"
#include "core/ev.h"
#include "core/hex.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/transport/transport.h"
#include "proto/msg.h"
#include "proto/wire.h"

int asapcat_main(int argc, char **argv);

struct asapcat_opts {
	const char *listen;
	const char *connect;
	const char *local;
	int echo;
	int peeloff;
	int onetoone;
	int hex;
	long long ppid;
	long long count;
	long long timeout;
};

static const struct opt asapcat_opts[] = {
    {"listen", OPT_STR, "ADDR:PORT",
        OPT_HELP("accept associations here (port 0: any, printed)"), NULL, 0, 0,
        offsetof(struct asapcat_opts, listen)},
    {"connect", OPT_STR, "ADDR:PORT",
        OPT_HELP("send stdin's hex lines to this peer"), NULL, 0, 0,
        offsetof(struct asapcat_opts, connect)},
    {"local", OPT_STR, "ADDR[,ADDR]",
        OPT_HELP("connect: from these local addresses (default: the kernel's "
                 "choice)"),
        NULL, 0, 0, offsetof(struct asapcat_opts, local)},
    {"echo", OPT_FLAG, NULL, OPT_HELP("listen: send every message back"), NULL,
        0, 0, offsetof(struct asapcat_opts, echo)},
    {"peeloff", OPT_FLAG, NULL,
        OPT_HELP("listen: peel each association off to an endpoint of its own"),
        NULL, 0, 0, offsetof(struct asapcat_opts, peeloff)},
    {"onetoone", OPT_FLAG, NULL,
        OPT_HELP("connect: one-to-one endpoint (SCTP: SOCK_STREAM socket)"),
        NULL, 0, 0, offsetof(struct asapcat_opts, onetoone)},
    {"hex", OPT_FLAG, NULL, OPT_HELP("also print each message as hex"), NULL, 0,
        0, offsetof(struct asapcat_opts, hex)},
    {"ppid", OPT_INT, "N",
        OPT_HELP("PPID of the messages sent (11 ASAP, 12 ENRP)"), "11", 0,
        0xffffffffLL, offsetof(struct asapcat_opts, ppid)},
    {"count", OPT_INT, "N",
        OPT_HELP("exit after N messages received (0: no limit)"), "0", 0,
        1000000000, offsetof(struct asapcat_opts, count)},
    {"timeout", OPT_INT, "MS", OPT_HELP("time limit in ms (0: none)"), "0", 0,
        86400000, offsetof(struct asapcat_opts, timeout)},
    OPT_END,
};

/* -peeloff: an endpoint per association, freed once it has ended. */
struct peeled {
	struct peeled *next;
	struct tr_ep *ep;
	int done;
};

struct asapcat {
	struct asapcat_opts o;
	struct ev_loop *loop;
	struct tr_ep *ep;
	struct peeled *peeled;
	uint64_t reap_timer;
	uint32_t assoc; /* connect mode: our association */
	int up;
	int stdin_eof;
	long long received;
	int counted; /* connect mode: -count answers came, closing */
	int status;  /* exit status once stopped */
	char line[2 * RSP_MSG_MAX + 2];
	size_t linelen;
	int line_too_long;
	uint8_t msg[RSP_MSG_MAX];
	size_t msglen;
	/* Flow control: a send refused for a full send buffer (EAGAIN, kernel
	 * SCTP) keeps msg and the input not yet split into lines; stdin
	 * waits and a timer sends again. */
	int blocked;
	char rest[4096];
	size_t restlen;
	int eof_held; /* stdin ended while blocked */
};

static void
ac_stop(struct asapcat *ac, int status)
{
	ac->status = status;
	ev_stop(ac->loop);
}

/* A name as one key=value token: "Round Robin" -> round_robin. */
static void
print_token(FILE *f, const char *key, const char *name)
{
	fprintf(f, " %s=", key);
	for (; *name; name++)
		fputc(isalnum((unsigned char)*name)
		          ? tolower((unsigned char)*name)
		          : '_',
		    f);
}

/* A handle as text when it is plain printable, else as 0x hex. */
static void
print_handle(FILE *f, const struct rsp_handle *h)
{
	char s[2 * RSP_HANDLE_MAX + 3];

	rsp_handle_str(h, s, sizeof(s));
	fprintf(f, " handle=%s", s);
}

/* "sctp:7/10.1.1.1,10.1.1.2/data+control" */
static void
print_transport(FILE *f, const char *key, const struct rsp_transport *t)
{
	struct sockaddr_storage ss;
	char host[ADDR_FMT_LEN];
	int i;

	fprintf(f, " %s=%s:%u/", key, rsp_transport_name(t->ptype, 0), t->port);
	for (i = 0; i < t->naddrs; i++) {
		if (addr_from_rsp(&t->addrs[i], 0, &ss) == -1)
			snprintf(host, sizeof(host), "?");
		else
			addr_fmt_host(
			    (struct sockaddr *)&ss, host, sizeof(host));
		fprintf(f, "%s%s", i ? "," : "", host);
	}
	if (t->ptype != RSP_PARAM_UDP)
		fprintf(f, "/%s",
		    t->use == RSP_TRANSPORT_DATA_CONTROL ? "data+control"
		                                         : "data");
}

static void
print_policy(FILE *f, const char *key, const struct rsp_policy *p)
{
	int i;

	print_token(f, key, rsp_policy_name(p->type));
	for (i = 0; i < p->nvalues && i < RSP_POLICY_FIELDS; i++)
		fprintf(f, ",%u", p->v[i]);
}

static void
print_pe(FILE *f, int n, const struct rsp_pe *pe)
{
	char key[32];

	fprintf(f, " pe%d.id=0x%08x pe%d.home=0x%08x pe%d.life=%u", n, pe->id,
	    n, pe->home, n, pe->life);
	snprintf(key, sizeof(key), "pe%d.transport", n);
	print_transport(f, key, &pe->user);
	snprintf(key, sizeof(key), "pe%d.policy", n);
	print_policy(f, key, &pe->policy);
	if (pe->has_asap) {
		snprintf(key, sizeof(key), "pe%d.asap", n);
		print_transport(f, key, &pe->asap);
	}
}

static void
print_cause(FILE *f, int n, const struct rsp_cause *c)
{
	char key[32];

	fprintf(f, " cause%d=0x%04x", n, c->code);
	snprintf(key, sizeof(key), "cause%d.name", n);
	print_token(f, key, rsp_cause_name(c->code));
}

static void
print_msg(FILE *f, const struct rsp_msg *m)
{
	int i;

	fprintf(f, " proto=%s", m->proto == RSP_PROTO_ENRP ? "enrp" : "asap");
	print_token(f, "type", rsp_msg_name(m->proto, m->type));
	fprintf(f, " flags=0x%02x", m->flags);
	if (m->proto == RSP_PROTO_ENRP)
		fprintf(f, " sender=0x%08x receiver=0x%08x", m->sender,
		    m->receiver);
	else if (m->sender)
		fprintf(f, " server=0x%08x", m->sender);
	if (m->present & RSP_HAS_HANDLE)
		print_handle(f, &m->handle);
	if (m->present & RSP_HAS_PE_ID)
		fprintf(f, " pe_id=0x%08x", m->pe_id);
	if (m->present & RSP_HAS_HR_OPTION)
		fprintf(f, " hr_items=%u", m->hr_items);
	if (m->present & RSP_HAS_CHECKSUM)
		fprintf(f, " checksum=0x%04x", m->checksum);
	if (m->present & RSP_HAS_POLICY)
		print_policy(f, "policy", &m->policy);
	for (i = 0; (m->present & RSP_HAS_ERROR) && i < m->error.ncauses; i++)
		print_cause(f, i + 1, &m->error.causes[i]);
	if (m->present & RSP_HAS_COOKIE)
		fprintf(f, " cookie_len=%u", m->cookie.len);
	if (m->npes)
		fprintf(f, " pes=%u", m->npes);
	for (i = 0; i < m->npes; i++)
		print_pe(f, i + 1, &m->pes[i]);
	if (m->nservers)
		fprintf(f, " servers=%u", m->nservers);
	if (m->ntransports)
		fprintf(f, " transports=%u", m->ntransports);
	if (m->npools)
		fprintf(f, " pools=%u", m->npools);
	if (m->nunknown)
		fprintf(f, " unknown_params=%u", m->nunknown);
}

static void
print_hex(FILE *f, const uint8_t *p, size_t n)
{
	size_t i;

	fprintf(f, " hex=");
	for (i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

/* One line per message: envelope, then the decoded fields or hex. */
static void
print_event_msg(struct asapcat *ac, const struct tr_event *ev)
{
	struct rsp_decode_error err;
	struct rsp_msg m;
	char s[160];
	int proto = ev->ppid == RSP_PPID_ASAP   ? RSP_PROTO_ASAP
	            : ev->ppid == RSP_PPID_ENRP ? RSP_PROTO_ENRP
	                                        : 0;

	printf("event=msg assoc=%u ppid=%u stream=%u len=%zu", ev->assoc,
	    ev->ppid, ev->stream, ev->len);
	if (proto != 0) {
		if (rsp_msg_decode(proto, ev->data, ev->len, &m, &err) == 0) {
			print_msg(stdout, &m);
			rsp_msg_free(&m);
		} else {
			rsp_decode_error_str(&err, s, sizeof(s));
			printf(" decode_error=\"%s\"", s);
		}
	}
	if (proto == 0 || ac->o.hex)
		print_hex(stdout, ev->data, ev->len);
	printf("\n");
}

static void
print_peer(struct tr_ep *ep, const struct tr_event *ev)
{
	char buf[ADDR_FMT_LEN * 4];
	struct addr_list al;

	printf("event=%s assoc=%u", tr_event_name(ev->type), ev->assoc);
	if (ev->type == TR_EV_UP && tr_peer_addrs(ep, ev->assoc, &al) == 0)
		printf(" peer=%s", addr_list_fmt(&al, buf, sizeof(buf)));
	if (ev->error)
		printf(" error=\"%s\"", strerror(ev->error));
	printf("\n");
}

static void stdin_start(struct asapcat *ac);

/* The peer got its close; one that never answers it is not waited for. */
static int64_t
close_timer(struct ev_loop *loop, uint64_t id, void *arg)
{
	(void)loop, (void)id;
	ac_stop(arg, 0);
	return EV_NOMORE;
}

/* -count answers came.  Connect mode closes its association gracefully
 * and ends with it (at most 2 s later): closing the socket at once could
 * find the peer's last acknowledgement unread, and TCP would reset the
 * connection instead of ending it. */
static void
count_done(struct asapcat *ac, uint32_t assoc)
{
	if (!ac->o.connect || assoc != ac->assoc) {
		ac_stop(ac, 0);
		return;
	}
	if (ac->counted)
		return;
	ac->counted = 1;
	if (tr_shutdown(ac->ep, assoc) == -1 ||
	    ev_timer_add(ac->loop, 2000, close_timer, ac) == EV_TIMER_NONE)
		ac_stop(ac, 0);
}

static void
on_msg(struct asapcat *ac, struct tr_ep *ep, const struct tr_event *ev)
{
	print_event_msg(ac, ev);
	if (ac->o.echo && tr_send(ep, ev->assoc, ev->ppid, ev->stream, ev->data,
	                      ev->len) == -1)
		log_warning("asapcat: echo on assoc %u: %s", ev->assoc,
		    strerror(errno));
	if (ac->o.count > 0 && ++ac->received >= ac->o.count)
		count_done(ac, ev->assoc);
}

static int64_t
reap_timer(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct asapcat *ac = arg;
	struct peeled **pp = &ac->peeled, *p;

	(void)loop, (void)id;
	ac->reap_timer = EV_TIMER_NONE;
	while ((p = *pp) != NULL) {
		if (p->done) {
			*pp = p->next;
			tr_ep_free(p->ep);
			free(p);
		} else
			pp = &p->next;
	}
	return EV_NOMORE;
}

static void on_event(struct tr_ep *ep, const struct tr_event *ev, void *arg);

/* Move a new association to an endpoint of its own. */
static void
peel(struct asapcat *ac, const struct tr_event *ev)
{
	struct peeled *p;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->ep = tr_peeloff(ac->ep, ev->assoc, on_event, ac)) == NULL) {
		log_error("asapcat: peel off assoc %u: %s", ev->assoc,
		    strerror(errno));
		free(p);
		return;
	}
	p->next = ac->peeled;
	ac->peeled = p;
	printf("event=peeloff assoc=%u\n", ev->assoc);
}

/* A peeled-off association ended: free its endpoint from the loop. */
static void
peeled_done(struct asapcat *ac, struct tr_ep *ep)
{
	struct peeled *p;

	for (p = ac->peeled; p; p = p->next)
		if (p->ep == ep)
			p->done = 1;
	if (ac->reap_timer == EV_TIMER_NONE)
		ac->reap_timer = ev_timer_add(ac->loop, 0, reap_timer, ac);
}

static void
on_event(struct tr_ep *ep, const struct tr_event *ev, void *arg)
{
	struct asapcat *ac = arg;

	/* After -count answers only the end of our close is awaited, and
	 * not printed: the output is the answers, as it was before asapcat
	 * waited for it. */
	if (ac->counted && ep == ac->ep && ev->assoc == ac->assoc) {
		if (ev->type == TR_EV_SHUTDOWN || ev->type == TR_EV_LOST)
			ac_stop(ac, 0);
		return;
	}
	switch (ev->type) {
	case TR_EV_MSG:
		on_msg(ac, ep, ev);
		return;
	case TR_EV_UP:
		print_peer(ep, ev);
		if (ac->o.connect && !ac->up) {
			ac->up = 1;
			stdin_start(ac);
		}
		if (ac->o.peeloff && ep == ac->ep)
			peel(ac, ev);
		return;
	default:
		print_peer(ep, ev);
		break;
	}
	if (ep != ac->ep && ev->type != TR_EV_SEND_FAILED &&
	    ev->type != TR_EV_RESTART)
		peeled_done(ac, ep);
	/* Our one association ended: connect mode is over. */
	if (ac->o.connect && ev->assoc == ac->assoc) {
		int ok = ev->type == TR_EV_SHUTDOWN && ac->stdin_eof &&
		         ac->o.count == 0;

		if (ev->type != TR_EV_SEND_FAILED)
			ac_stop(ac, ok ? 0 : 1);
	}
}

/* Without -count, close once everything sent has been acknowledged. */
static int64_t
drain_timer(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct asapcat *ac = arg;

	(void)loop, (void)id;
	if (tr_unacked(ac->ep, ac->assoc) > 0)
		return 10;
	tr_shutdown(ac->ep, ac->assoc);
	return EV_NOMORE;
}

static void feed_lines(struct asapcat *ac, const char *p, size_t n);
static void stdin_done(struct asapcat *ac);

/* 0 sent, 1 the send buffer is full (EAGAIN: kernel SCTP), -1 failed
 * (said, and asapcat stops). */
static int
try_send(struct asapcat *ac)
{
	if (tr_send(ac->ep, ac->assoc, (uint32_t)ac->o.ppid, 0, ac->msg,
	        ac->msglen) == 0)
		return 0;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return 1;
	log_error("asapcat: send: %s", strerror(errno));
	ac_stop(ac, 1);
	return -1;
}

/* Sends again what a full send buffer refused, then the input held
 * back; stdin is read again once all of it is gone. */
static int64_t
unblock_timer(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct asapcat *ac = arg;
	char held[sizeof(ac->rest)];
	size_t n = ac->restlen;
	int r = try_send(ac);

	(void)loop, (void)id;
	if (r != 0)
		return r == 1 ? 10 : EV_NOMORE;
	ac->blocked = 0;
	memcpy(held, ac->rest, n);
	ac->restlen = 0;
	feed_lines(ac, held, n);
	if (ac->blocked) /* a new timer is on */
		return EV_NOMORE;
	if (ac->eof_held)
		stdin_done(ac);
	else
		stdin_start(ac);
	return EV_NOMORE;
}

static void
send_msg(struct asapcat *ac)
{
	if (try_send(ac) != 1)
		return;
	ac->blocked = 1;
	if (ev_timer_add(ac->loop, 10, unblock_timer, ac) == EV_TIMER_NONE) {
		log_error("asapcat: no timer for a blocked send");
		ac_stop(ac, 1);
	}
}

static void
send_line(struct asapcat *ac, char *line)
{
	char *p = line;
	size_t n = 0;
	int hi, lo;

	while (*p && *p != '#') {
		if (isspace((unsigned char)*p)) {
			p++;
			continue;
		}
		hi = hex_digit(p[0]);
		lo = hi < 0 ? -1 : hex_digit(p[1]);
		if (lo < 0 || n >= sizeof(ac->msg)) {
			log_error("asapcat: bad hex line: %s", line);
			ac_stop(ac, 1);
			return;
		}
		ac->msg[n++] = (uint8_t)(hi << 4 | lo);
		p += 2;
	}
	if (n == 0)
		return;
	ac->msglen = n;
	send_msg(ac);
}

/* Split what has been read into lines and send each; what follows a
 * blocked send waits in ac->rest. */
static void
feed_lines(struct asapcat *ac, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (ac->blocked) {
			memmove(ac->rest, p + i, n - i);
			ac->restlen = n - i;
			return;
		}
		if (p[i] != '\n') {
			if (ac->linelen + 1 < sizeof(ac->line))
				ac->line[ac->linelen++] = p[i];
			else
				ac->line_too_long = 1;
			continue;
		}
		ac->line[ac->linelen] = '\0';
		if (ac->line_too_long) {
			log_error("asapcat: input line too long");
			ac_stop(ac, 1);
		} else
			send_line(ac, ac->line);
		ac->linelen = 0;
		ac->line_too_long = 0;
	}
}

static void
stdin_done(struct asapcat *ac)
{
	ac->eof_held = 0;
	if (ac->linelen > 0)
		feed_lines(ac, "\n", 1);
	if (ac->blocked) {
		ac->eof_held = 1;
		return;
	}
	ac->stdin_eof = 1;
	if (ac->o.count == 0 &&
	    ev_timer_add(ac->loop, 0, drain_timer, ac) == EV_TIMER_NONE)
		ac_stop(ac, 1);
}

/* 0 while more may come, 1 at end of input. */
static int
stdin_read(struct asapcat *ac)
{
	char buf[4096];
	ssize_t n;

	for (;;) {
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0)
			return 1;
		feed_lines(ac, buf, (size_t)n);
		return 0;
	}
}

static void
stdin_cb(struct ev_loop *loop, int fd, int events, void *arg)
{
	struct asapcat *ac = arg;

	(void)events;
	if (stdin_read(ac) == 1) {
		ev_del_fd(loop, fd);
		stdin_done(ac);
	} else if (ac->blocked)
		ev_del_fd(loop, fd); /* the unblock timer adds it again */
}

/* epoll refuses regular files; those never block, so read them now. */
static void
stdin_start(struct asapcat *ac)
{
	if (ev_add_fd(ac->loop, STDIN_FILENO, EV_READ, stdin_cb, ac) == 0)
		return;
	for (;;) {
		if (ac->blocked)
			return; /* the unblock timer comes back here */
		if (stdin_read(ac) == 1)
			break;
	}
	stdin_done(ac);
}

static int64_t
timeout_cb(struct ev_loop *loop, uint64_t id, void *arg)
{
	struct asapcat *ac = arg;

	(void)loop, (void)id;
	if (ac->o.connect)
		log_error("asapcat: timeout");
	ac_stop(ac, ac->o.connect ? 1 : 0);
	return EV_NOMORE;
}

static void
signal_cb(struct ev_loop *loop, int signo, void *arg)
{
	(void)loop, (void)signo;
	ac_stop(arg, 0);
}

static int
ac_listen(struct asapcat *ac, int kind, const struct addr_list *al)
{
	char buf[ADDR_FMT_LEN * 4];
	struct addr_list local;

	ac->ep = tr_ep_new(ac->loop, kind, al, TR_LISTEN, on_event, ac);
	if (ac->ep == NULL) {
		log_error("asapcat: cannot listen on %s: %s", ac->o.listen,
		    strerror(errno));
		return -1;
	}
	tr_local_addrs(ac->ep, 0, &local);
	printf("event=listening transport=%s addr=%s\n", tr_kind_name(kind),
	    addr_list_fmt(&local, buf, sizeof(buf)));
	return 0;
}

static int
ac_connect(struct asapcat *ac, int kind, const struct addr_list *al)
{
	struct addr_list local;
	char err[ADDR_ERR_LEN];

	memset(&local, 0, sizeof(local));
	if (ac->o.local != NULL &&
	    addr_list_parse(&local, ac->o.local, 0, ADDR_PORT_ZERO_OK, err,
	        sizeof(err)) == -1) {
		log_error("asapcat: -local: %s", err);
		return -1;
	}
	ac->ep = tr_ep_new(ac->loop, kind, ac->o.local ? &local : NULL,
	    (ac->o.onetoone ? TR_ONE_TO_ONE : 0) | TR_SECURE, on_event, ac);
	if (ac->ep != NULL)
		tr_ep_set_ppid(ac->ep, (uint32_t)ac->o.ppid);
	if (ac->ep == NULL || tr_connect(ac->ep, al, &ac->assoc) == -1) {
		log_error("asapcat: cannot connect to %s: %s", ac->o.connect,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Options, addresses: exits 2 on a usage error. */
static void
ac_setup(struct asapcat *ac, int argc, char **argv, struct addr_list *al)
{
	const struct opt_set sets[] = {{asapcat_opts, &ac->o},
	    {tr_opts, &tr_config}, {log_opts, &log_config}};
	char err[ADDR_ERR_LEN];
	int flags;

	opt_parse_or_exit(argv[0], "-listen=ADDR:PORT | -connect=ADDR:PORT",
	    argc, argv, sets, 3);
	if (!ac->o.listen == !ac->o.connect) {
		fprintf(stderr,
		    "%s: give exactly one of -listen and "
		    "-connect\n",
		    argv[0]);
		exit(2);
	}
	if ((ac->o.listen && ac->o.onetoone) ||
	    (ac->o.connect && (ac->o.peeloff || ac->o.echo))) {
		fprintf(stderr,
		    "%s: -onetoone goes with -connect, -peeloff and -echo "
		    "with -listen\n",
		    argv[0]);
		exit(2);
	}
	flags = ac->o.listen
	            ? ADDR_PORT_REQUIRED | ADDR_PORT_ZERO_OK | ADDR_AUTO_OK
	            : ADDR_PORT_REQUIRED;
	if (addr_list_parse(al, ac->o.listen ? ac->o.listen : ac->o.connect, 0,
	        flags, err, sizeof(err)) == -1 ||
	    tr_tls_setup(err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", argv[0], err);
		exit(2);
	}
	if (log_setup("asapcat") == -1)
		exit(1);
}

static int
ac_run(struct asapcat *ac, const struct addr_list *al)
{
	int kind = tr_resolve(tr_config.kind);

	if ((ac->loop = ev_loop_new()) == NULL) {
		log_error("asapcat: event loop: %s", strerror(errno));
		return 1;
	}
	ev_add_signal(ac->loop, SIGINT, signal_cb, ac);
	ev_add_signal(ac->loop, SIGTERM, signal_cb, ac);
	if (ac->o.timeout > 0)
		ev_timer_add(ac->loop, ac->o.timeout, timeout_cb, ac);
	if ((ac->o.listen ? ac_listen(ac, kind, al)
	                  : ac_connect(ac, kind, al)) == -1)
		ac->status = 1;
	else if (ev_run(ac->loop) == -1) {
		log_error("asapcat: event loop: %s", strerror(errno));
		ac->status = 1;
	}
	while (ac->peeled != NULL) {
		struct peeled *p = ac->peeled;

		ac->peeled = p->next;
		tr_ep_free(p->ep);
		free(p);
	}
	tr_ep_free(ac->ep);
	ev_loop_free(ac->loop);
	return ac->status;
}

int
asapcat_main(int argc, char **argv)
{
	struct asapcat *ac;
	struct addr_list *al;
	int status;

	if ((ac = calloc(1, sizeof(*ac))) == NULL ||
	    (al = calloc(1, sizeof(*al))) == NULL) {
		fprintf(stderr, "asapcat: out of memory\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	ac_setup(ac, argc, argv, al);
	status = ac_run(ac, al);
	free(al);
	free(ac);
	return status;
}
