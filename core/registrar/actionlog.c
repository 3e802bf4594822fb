/*
 * RSPLIB's registrar action log (-actionlogfile): a header line, then a
 * line per protocol action, in RSPLIB's columns so that its evaluation
 * scripts read ours:
 *
 *   NNNNNN AbsTime RelTime "Direction" "Protocol" "Action" "Reason"
 *   Flags Counter Time "PoolHandle" PoolElementID SenderID ReceiverID
 *   TargetID ErrorCode
 *
 * (a line number without a header name, seconds since the epoch and
 * since the log began, quoted strings, hex identifiers with 0x, the
 * first error cause in hex without 0x).  Messages are logged where they
 * are sent and received (reg_action_msg()); what is not a message - a
 * PE removed by a timer or a lost association - is logged as RSPLIB
 * does, as a Deregistration with the reason (reg_action()).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/clock.h"
#include "core/registrar/registrar.h"
#include "core/registrar/internal.h"
#include "proto/wire.h"

struct reg_actionlog {
	FILE *f;
	unsigned long long line;
	double start; /* AbsTime of the log's start */
};

/* RSPLIB's action names by message type; NULL: not logged. */
static const char *const asap_actions[] = {
    [ASAP_REGISTRATION] = "Registration",
    [ASAP_DEREGISTRATION] = "Deregistration",
    [ASAP_REGISTRATION_RESPONSE] = "RegistrationResponse",
    [ASAP_DEREGISTRATION_RESPONSE] = "DeregistrationResponse",
    [ASAP_HANDLE_RESOLUTION] = "HandleResolution",
    [ASAP_HANDLE_RESOLUTION_RESPONSE] = "HandleResolutionResponse",
    [ASAP_ENDPOINT_KEEP_ALIVE] = "EndpointKeepAlive",
    [ASAP_ENDPOINT_KEEP_ALIVE_ACK] = "EndpointKeepAliveAck",
    [ASAP_ENDPOINT_UNREACHABLE] = "EndpointUnreachable",
    [ASAP_SERVER_ANNOUNCE] = "Announce",
    [ASAP_ERROR] = "Error",
};

static const char *const enrp_actions[] = {
    [ENRP_PRESENCE] = "Presence",
    [ENRP_HANDLE_TABLE_REQUEST] = "HandleTableRequest",
    [ENRP_HANDLE_TABLE_RESPONSE] = "HandleTableResponse",
    [ENRP_HANDLE_UPDATE] = "Update",
    [ENRP_LIST_REQUEST] = "ListRequest",
    [ENRP_LIST_RESPONSE] = "ListResponse",
    [ENRP_INIT_TAKEOVER] = "InitTakeover",
    [ENRP_INIT_TAKEOVER_ACK] = "InitTakeoverAck",
    [ENRP_TAKEOVER_SERVER] = "TakeoverServer",
    [ENRP_ERROR] = "Error",
};

int
reg_actionlog_open(struct registrar *reg)
{
	struct reg_actionlog *al;

	if (reg->cfg.actionlog == NULL)
		return 0;
	if ((al = calloc(1, sizeof(*al))) == NULL)
		return -1;
	if ((al->f = fopen(reg->cfg.actionlog,
	         reg->cfg.stats_append ? "a" : "w")) == NULL) {
		free(al);
		return -1;
	}
	al->start = clock_wall_s();
	fputs("AbsTime RelTime   Direction Protocol Action Reason   Flags "
	      "Counter Time   PoolHandle PoolElementID   SenderID ReceiverID "
	      "TargetID   ErrorCode\n",
	    al->f);
	fflush(al->f);
	reg->actionlog = al;
	return 0;
}

void
reg_actionlog_close(struct registrar *reg)
{
	if (reg->actionlog == NULL)
		return;
	fclose(reg->actionlog->f);
	free(reg->actionlog);
	reg->actionlog = NULL;
}

/* A pool handle as RSPLIB prints it: printable bytes as they are,
 * others as {hh}. */
static void
handle_text(const struct rsp_handle *h, char *s, size_t n)
{
	size_t i, o = 0;

	s[0] = '\0';
	for (i = 0; h != NULL && i < h->len && o + 5 < n; i++) {
		if (isprint(h->bytes[i]) && h->bytes[i] != '"')
			s[o++] = (char)h->bytes[i];
		else
			o += (size_t)snprintf(
			    s + o, n - o, "{%02x}", h->bytes[i]);
	}
	s[o] = '\0';
}

void
reg_action(struct registrar *reg, const struct reg_action *a)
{
	struct reg_actionlog *al = reg->actionlog;
	char hs[4 * RSP_HANDLE_MAX + 1];
	double now;

	if (al == NULL)
		return;
	now = clock_wall_s();
	handle_text(a->handle, hs, sizeof(hs));
	fprintf(al->f,
	    "%06llu %1.6f %1.6f \"%s\" \"%s\" \"%s\" \"%s\" 0x%x %u %1.6f "
	    "\"%s\" 0x%x 0x%x 0x%x 0x%x %x\n",
	    ++al->line, now, now - al->start, a->dir, a->proto, a->action,
	    a->reason ? a->reason : "", a->flags, a->counter, a->time_s, hs,
	    a->pe_id, a->sender, a->receiver, a->target, a->error);
	fflush(al->f);
}

/* The Counter of a message: what RSPLIB counts for its kind. */
static unsigned
msg_counter(const struct rsp_msg *m, int sent)
{
	unsigned n = 0;
	int i;

	if (m->proto == RSP_PROTO_ASAP) {
		if (m->type == ASAP_HANDLE_RESOLUTION)
			return (m->present & RSP_HAS_HR_OPTION) ? m->hr_items
			                                        : 0;
		return m->type == ASAP_HANDLE_RESOLUTION_RESPONSE ? m->npes : 0;
	}
	if (m->type == ENRP_LIST_RESPONSE)
		return m->nservers;
	if (m->type == ENRP_HANDLE_TABLE_RESPONSE)
		for (i = 0; i < m->npools; i++)
			n += m->pools[i].npes;
	(void)sent;
	return n;
}

static const char *
msg_reason(const struct registrar *reg, const struct rsp_msg *m)
{
	if (m->proto == RSP_PROTO_ENRP)
		return m->type == ENRP_HANDLE_UPDATE
		           ? (m->action == ENRP_DEL_PE ? "DelPE" : "AddPE")
		           : "";
	switch (m->type) {
	case ASAP_REGISTRATION:
	case ASAP_DEREGISTRATION:
	case ASAP_REGISTRATION_RESPONSE:
	case ASAP_DEREGISTRATION_RESPONSE:
	case ASAP_HANDLE_RESOLUTION:
	case ASAP_HANDLE_RESOLUTION_RESPONSE:
		return "Requested";
	case ASAP_ENDPOINT_KEEP_ALIVE:
		return (m->flags & ASAP_FLAG_H) ? "Takeover"
		                                : "KeepAliveTransmissionTimer";
	default:
		(void)reg;
		return "";
	}
}

void
reg_action_msg(struct registrar *reg, const char *dir, const char *proto,
    const struct rsp_msg *m)
{
	struct reg_action a = {0};
	int enrp = m->proto == RSP_PROTO_ENRP;
	size_t n = enrp ? sizeof(enrp_actions) / sizeof(enrp_actions[0])
	                : sizeof(asap_actions) / sizeof(asap_actions[0]);
	const char *const *names = enrp ? enrp_actions : asap_actions;

	if (reg->actionlog == NULL || m->type >= n || names[m->type] == NULL)
		return;
	a.dir = dir;
	a.proto = proto;
	a.action = names[m->type];
	a.reason = msg_reason(reg, m);
	a.flags = m->flags;
	a.counter = msg_counter(m, dir[0] == 'S');
	if (m->proto == RSP_PROTO_ASAP && m->type == ASAP_ENDPOINT_KEEP_ALIVE)
		a.time_s = (double)reg->cfg.ka_timeout / 1000.0;
	a.handle = (m->present & RSP_HAS_HANDLE) ? &m->handle : NULL;
	if (m->present & RSP_HAS_PE_ID)
		a.pe_id = m->pe_id;
	else if (m->npes > 0 && m->pes != NULL)
		a.pe_id = m->pes[0].id;
	a.sender = m->sender;
	a.receiver = m->receiver;
	a.target = m->target;
	if ((m->present & RSP_HAS_ERROR) && m->error.ncauses > 0)
		a.error = m->error.causes[0].code;
	reg_action(reg, &a);
}
