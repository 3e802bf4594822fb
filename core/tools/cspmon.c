/*
 * The CSP monitor's table and its display (core/tools/cspmon.h).  The table
 * is a plain array: a monitor watches tens of components, and sorting
 * them for each screen refresh costs nothing next to the terminal.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/tools/cspmon.h"
#include "proto/wire.h"

#define ESC "\x1b"

void
cspmon_init(struct cspmon *m)
{
	memset(m, 0, sizeof(*m));
}

static void
entry_clear(struct cspmon_entry *e)
{
	free(e->assocs);
	e->assocs = NULL;
	e->nassocs = 0;
}

void
cspmon_fini(struct cspmon *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		entry_clear(&m->e[i]);
	free(m->e);
	memset(m, 0, sizeof(*m));
}

static struct cspmon_entry *
find(const struct cspmon *m, uint64_t id)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->e[i].id == id)
			return &m->e[i];
	return NULL;
}

const struct cspmon_entry *
cspmon_find(const struct cspmon *m, uint64_t id)
{
	return find(m, id);
}

static void
remove_at(struct cspmon *m, size_t i)
{
	entry_clear(&m->e[i]);
	m->e[i] = m->e[--m->n];
}

/* A text field as printable ASCII: control and 8-bit bytes become '?',
 * so a report cannot move the cursor or recolour the screen. */
static void
clean_text(const uint8_t field[CSP_TEXT_SIZE], char *s)
{
	size_t i;

	csp_text(field, s, CSP_TEXT_SIZE);
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			s[i] = '?';
}

int
cspmon_input(struct cspmon *m, const void *data, size_t len, uint64_t now_ms)
{
	struct csp_report r;
	struct cspmon_entry *e, *ne;
	size_t cap;

	m->received++;
	if (csp_decode(data, len, &r) != APP_OK) {
		m->dropped++;
		return -1;
	}
	e = find(m, r.sender);
	if (r.flags & CSP_FLAG_FINAL) {
		/* The component says goodbye: gone at once (RSPLIB purges
		 * it on the next refresh). */
		m->finals++;
		if (e != NULL)
			remove_at(m, (size_t)(e - m->e));
		csp_report_free(&r);
		return 0;
	}
	if (e == NULL) {
		if (m->n == CSPMON_MAX_ENTRIES) {
			m->dropped++;
			csp_report_free(&r);
			return -1;
		}
		if (m->n == m->cap) {
			cap = m->cap ? 2 * m->cap : 16;
			if ((ne = realloc(m->e, cap * sizeof(*ne))) == NULL) {
				m->dropped++;
				csp_report_free(&r);
				return -1;
			}
			m->e = ne;
			m->cap = cap;
		}
		e = &m->e[m->n++];
		memset(e, 0, sizeof(*e));
		e->id = r.sender;
	}
	entry_clear(e);
	e->last_ms = now_ms;
	e->interval_us = r.interval;
	e->timestamp = r.timestamp;
	clean_text(r.location, e->location);
	clean_text(r.status, e->status);
	e->workload = r.workload;
	e->nassocs = r.nassocs;
	e->assocs = r.assocs; /* the entry takes the array over */
	r.assocs = NULL;
	csp_report_free(&r);
	return 0;
}

size_t
cspmon_purge(struct cspmon *m, uint64_t now_ms, uint64_t purge_ms)
{
	uint64_t limit;
	size_t i = 0, n = 0;

	while (i < m->n) {
		limit = m->e[i].interval_us / 100; /* 10 x interval, in ms */
		if (limit > purge_ms)
			limit = purge_ms;
		if (m->e[i].last_ms + limit < now_ms) {
			remove_at(m, i);
			n++;
		} else
			i++;
	}
	return n;
}

size_t
cspmon_count(const struct cspmon *m, unsigned group)
{
	size_t i, n = 0;

	for (i = 0; i < m->n; i++)
		if (csp_id_group(m->e[i].id) == group)
			n++;
	return n;
}

void
cspmon_id_str(uint64_t id, char *s, size_t n)
{
	uint64_t o = csp_id_object(id);

	switch (csp_id_group(id)) {
	case CSP_GROUP_PR:
		snprintf(s, n, "PR $%08" PRIx64, o);
		break;
	case CSP_GROUP_PE:
		snprintf(s, n, "PE $%08" PRIx64, o);
		break;
	case CSP_GROUP_PU:
		snprintf(s, n, "PU $%014" PRIx64, o);
		break;
	default:
		snprintf(s, n, "ID $%014" PRIx64, o);
		break;
	}
}

static const struct {
	uint32_t ppid;
	const char *name;
} ppid_names[] = {
    {0, "Data"},
    {RSP_PPID_ASAP, "ASAP"},
    {RSP_PPID_ENRP, "ENRP"},
    {32, "FractGen"},
    {33, "PingPong"},
    {34, "CalcApp"},
    {35, "Scripting"},
};

void
cspmon_proto_str(uint16_t protocol, uint32_t ppid, char *s, size_t n)
{
	char p[16], t[16];
	size_t i;

	snprintf(p, sizeof(p), "$%08" PRIx32, ppid);
	for (i = 0; i < sizeof(ppid_names) / sizeof(ppid_names[0]); i++)
		if (ppid_names[i].ppid == ppid)
			snprintf(p, sizeof(p), "%s", ppid_names[i].name);
	switch (protocol) {
	case 132:
		snprintf(t, sizeof(t), "SCTP");
		break;
	case 6:
		snprintf(t, sizeof(t), "TCP");
		break;
	case 17:
		snprintf(t, sizeof(t), "UDP");
		break;
	default:
		snprintf(t, sizeof(t), "$%04x", protocol);
		break;
	}
	snprintf(s, n, "%s/%s", p, t);
}

/* Display order: group, location, ID (as RSPLIB). */
static int
entry_cmp(const void *a, const void *b)
{
	const struct cspmon_entry *x = a, *y = b;
	unsigned gx = csp_id_group(x->id), gy = csp_id_group(y->id);
	int c;

	if (gx != gy)
		return gx < gy ? -1 : 1;
	if ((c = strcmp(x->location, y->location)) != 0)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void
uptime_str(uint64_t us, char *s, size_t n)
{
	uint64_t h = us / (3600 * UINT64_C(1000000));

	if (h < 100)
		snprintf(s, n, "%02u:%02u:%02u", (unsigned)h,
		    (unsigned)(us / (60 * UINT64_C(1000000)) % 60),
		    (unsigned)(us / UINT64_C(1000000) % 60));
	else if (h / 24 < 15000)
		snprintf(
		    s, n, "%3ud %02uh", (unsigned)(h / 24), (unsigned)(h % 24));
	else
		snprintf(s, n, "??:??:??"); /* legacy absolute time stamps */
}

static void
label_str(const struct cspmon_entry *e, const struct cspmon_fmt *fmt, char *s,
    size_t n)
{
	char id[32], loc[CSP_TEXT_SIZE];
	size_t max = CSP_TEXT_SIZE - 1;

	if (fmt->maxlocation >= 0 && (size_t)fmt->maxlocation < max)
		max = (size_t)fmt->maxlocation;
	snprintf(loc, sizeof(loc), "%s", e->location);
	if (strlen(loc) > max) {
		if (max >= 3)
			memcpy(loc + max - 3, "...", 3);
		loc[max] = '\0';
	}
	cspmon_id_str(e->id, id, sizeof(id));
	snprintf(s, n, "%s [%s]", id, loc);
}

static int
group_color(unsigned group)
{
	switch (group) {
	case CSP_GROUP_PR:
		return 31;
	case CSP_GROUP_PE:
		return 34;
	case CSP_GROUP_PU:
		return 32;
	}
	return 0;
}

static void
print_assocs(
    const struct cspmon_entry *e, FILE *f, const struct cspmon_fmt *fmt)
{
	char id[32], proto[48];
	uint64_t d;
	size_t i;

	for (i = 0; i < e->nassocs; i++) {
		cspmon_id_str(e->assocs[i].receiver, id, sizeof(id));
		cspmon_proto_str(e->assocs[i].protocol, e->assocs[i].ppid,
		    proto, sizeof(proto));
		fprintf(f, "   -> %s %s", id, proto);
		d = e->assocs[i].duration;
		if (d != CSP_DURATION_UNKNOWN)
			fprintf(f, "  duration=%u:%02u:%02u",
			    (unsigned)(d / (3600 * UINT64_C(1000000))),
			    (unsigned)(d / (60 * UINT64_C(1000000)) % 60),
			    (unsigned)(d / UINT64_C(1000000) % 60));
		fputs(fmt->color ? ESC "[0K\n" : "\n", f);
	}
}

static void
print_entry(const struct cspmon_entry *e, FILE *f, const struct cspmon_fmt *fmt,
    int width, uint64_t now_ms)
{
	char label[CSP_TEXT_SIZE + 40], up[32], load[32];
	int color = group_color(csp_id_group(e->id));
	unsigned pct;

	label_str(e, fmt, label, sizeof(label));
	uptime_str(e->timestamp, up, sizeof(up));
	load[0] = '\0';
	if (e->workload != CSP_WORKLOAD_NA) {
		pct = (unsigned)((e->workload * 100.0) / 0xfffe + 0.5);
		snprintf(load, sizeof(load),
		    fmt->color && pct >= 90 ? " L=" ESC "[7m%3u%%" ESC "[27m"
		                            : " L=%3u%%",
		    pct);
	}
	if (fmt->color)
		fprintf(f, ESC "[%d;1m%-*s" ESC "[0m" ESC "[%dm", color, width,
		    label, color);
	else
		fprintf(f, "%-*s", width, label);
	fprintf(f, " U=%s l=%.1fs A=%u%s \"%s\"", up,
	    (double)(now_ms >= e->last_ms ? now_ms - e->last_ms : 0) / 1000.0,
	    e->nassocs, load, e->status);
	fputs(fmt->color ? ESC "[0K\n" : "\n", f);
	if (fmt->full)
		print_assocs(e, f, fmt);
	if (fmt->color)
		fputs(ESC "[0m", f);
}

void
cspmon_print(
    struct cspmon *m, FILE *f, const struct cspmon_fmt *fmt, uint64_t now_ms)
{
	static const unsigned groups[] = {
	    CSP_GROUP_PR, CSP_GROUP_PE, CSP_GROUP_PU};
	static const char *const names[] = {"PRs", "PEs", "PUs"};
	char label[CSP_TEXT_SIZE + 40];
	long long max[3], shown[3] = {0, 0, 0};
	size_t i, total[3];
	int k, width = 0, len;

	max[0] = fmt->maxpr;
	max[1] = fmt->maxpe;
	max[2] = fmt->maxpu;
	for (k = 0; k < 3; k++)
		total[k] = cspmon_count(m, groups[k]);
	if (m->n > 1)
		qsort(m->e, m->n, sizeof(m->e[0]), entry_cmp);
	for (i = 0; i < m->n; i++) {
		label_str(&m->e[i], fmt, label, sizeof(label));
		if ((len = (int)strlen(label)) > width)
			width = len;
	}
	fputs("Current Component Status -- ", f);
	for (k = 0; k < 3; k++) {
		if (fmt->color)
			fprintf(f, ESC "[%d;1m%zu %s" ESC "[0m%s",
			    group_color(groups[k]), total[k], names[k],
			    k < 2 ? ", " : "");
		else
			fprintf(f, "%zu %s%s", total[k], names[k],
			    k < 2 ? ", " : "");
	}
	fputs(fmt->color ? ESC "[0K\n" : "\n", f);
	for (i = 0; i < m->n; i++) {
		for (k = 0; k < 3; k++)
			if (csp_id_group(m->e[i].id) == groups[k])
				break;
		if (k < 3 && max[k] >= 0 && shown[k]++ >= max[k]) {
			if (shown[k] == max[k] + 1)
				fprintf(f,
				    "(%lld further %s have been hidden)\n",
				    (long long)total[k] - max[k], names[k]);
			continue;
		}
		print_entry(&m->e[i], f, fmt, width, now_ms);
	}
}
