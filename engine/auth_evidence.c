/* auth_evidence: storage, JSON and the pure reply parser for the
 * authority stage (see auth_evidence.h). The parser trusts nothing in the
 * reply: ldns_wire2pkt bounds every read, and names are compared after
 * conversion to lower-case presentation form. */
#include "engine/auth_evidence.h"
#include "engine/dname.h"

#include <ctype.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MXSET_MAX 64		/* MX records kept in one canonical set */
#define MXSET_LEN 4096

const char *auth_qstatus_name(enum auth_qstatus st)
{
	switch (st) {
	case AQ_NONE: return "not sent";
	case AQ_OK: return "answered";
	case AQ_TIMEOUT: return "timeout";
	case AQ_NETERR: return "network error";
	case AQ_MALFORMED: return "malformed reply";
	}
	return "?";
}

void auth_answer_clear(struct auth_answer *ans)
{
	free(ans->nsid);
	free(ans->mxset);
	free(ans->cname);
	memset(ans, 0, sizeof *ans);
}

void auth_evidence_free(struct auth_evidence *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nsrv; i++) {
		struct auth_server *s = &a->srv[i];
		for (size_t k = 0; k < s->nans; k++)
			auth_answer_clear(&s->ans[k]);
		auth_answer_clear(&s->plain);
		free(s->ans);
		free(s->name);
	}
	for (size_t i = 0; i < a->nadd; i++) {
		free(a->add[i].host);
		free(a->add[i].server);
		free(a->add[i].addrs);
		free(a->add[i].a);
	}
	free(a->srv);
	free(a->add);
	free(a->zone);
	free(a->note);
	free(a);
}

struct auth_server *auth_evidence_add_server(struct auth_evidence *a, const char *name,
					     const struct netaddr *addr, size_t nrepeat)
{
	struct auth_server *v = realloc(a->srv, (a->nsrv + 1) * sizeof *v);
	struct auth_server *s;

	if (!v)
		return NULL;
	a->srv = v;
	s = &v[a->nsrv];
	memset(s, 0, sizeof *s);
	s->name = strdup(name);
	s->ans = calloc(nrepeat ? nrepeat : 1, sizeof *s->ans);
	if (!s->name || !s->ans) {
		free(s->name);
		free(s->ans);
		return NULL;
	}
	s->nans = nrepeat;
	s->addr = *addr;
	a->nsrv++;
	return s;
}

int auth_evidence_add_additional(struct auth_evidence *a, const char *host,
				 const char *server, const struct netaddr *v, size_t n)
{
	struct auth_additional *nv = realloc(a->add, (a->nadd + 1) * sizeof *nv);
	struct auth_additional *x;
	char buf[NETADDR_STRLEN];
	size_t len = 0;

	if (!nv)
		return -1;
	a->add = nv;
	x = &nv[a->nadd];
	memset(x, 0, sizeof *x);
	x->host = strdup(host);
	x->server = strdup(server);
	x->a = calloc(n ? n : 1, sizeof *x->a);
	x->addrs = calloc(1, n * NETADDR_STRLEN + 1);
	if (!x->host || !x->server || !x->a || !x->addrs) {
		free(x->host);
		free(x->server);
		free(x->a);
		free(x->addrs);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		x->a[i] = v[i];
		len += (size_t)sprintf(x->addrs + len, "%s%s", i ? " " : "",
				       netaddr_format(&v[i], buf, sizeof buf));
	}
	x->na = n;
	a->nadd++;
	return 0;
}

void auth_escape(const uint8_t *p, size_t n, char *out, size_t outlen)
{
	size_t o = 0;

	if (outlen == 0)
		return;
	for (size_t i = 0; i < n && o + 5 < outlen; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\' && p[i] != '"')
			out[o++] = (char)p[i];
		else
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", p[i]);
	}
	out[o] = '\0';
}

/* Lower-case presentation form of a name without the final dot. */
static bool rdf_name(const ldns_rdf *rdf, char *out, size_t outlen)
{
	char *s;

	if (!rdf || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME)
		return false;
	s = ldns_rdf2str(rdf);
	if (!s)
		return false;
	snprintf(out, outlen, "%s", s);
	free(s);
	for (char *q = out; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	dname_strip_dot(out);
	return true;
}

static bool owned_by(const ldns_rr *rr, const char *name)
{
	char owner[LDNS_MAX_DOMAINLEN * 4 + 8];

	return rdf_name(ldns_rr_owner(rr), owner, sizeof owner) && dname_equal(owner, name);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "10 mx1.example.com, 20 mx2.example.com": the MX records owned by
 * qname (or by the CNAME target, which a server may add), sorted. */
static char *mx_set(const ldns_rr_list *ans, const char *qname, const char *cname)
{
	char *items[MXSET_MAX], *out;
	size_t n = 0, len = 0;

	for (size_t i = 0; i < ldns_rr_list_rr_count(ans) && n < MXSET_MAX; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ans, i);
		char host[LDNS_MAX_DOMAINLEN * 4 + 8];
		const ldns_rdf *pref, *ex;

		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_MX || ldns_rr_rd_count(rr) != 2)
			continue;
		if (!owned_by(rr, qname) && !(cname && owned_by(rr, cname)))
			continue;
		pref = ldns_rr_rdf(rr, 0);
		ex = ldns_rr_rdf(rr, 1);
		if (!pref || ldns_rdf_size(pref) != 2 || !rdf_name(ex, host, sizeof host))
			continue;
		if (asprintf(&items[n], "%u %s", (unsigned)ldns_rdf2native_int16(pref), host) < 0)
			break;
		n++;
	}
	qsort(items, n, sizeof *items, cmp_str);
	for (size_t i = 0; i < n; i++)
		len += strlen(items[i]) + 2;
	out = malloc(len + 1);
	if (out) {
		out[0] = '\0';
		for (size_t i = 0, o = 0; i < n; i++) {
			/* drop duplicates: a set, not a list */
			if (i && strcmp(items[i], items[i - 1]) == 0)
				continue;
			o += (size_t)sprintf(out + o, "%s%s", o ? ", " : "", items[i]);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(items[i]);
	return out;
}

static char *nsid_of(ldns_pkt *p)
{
	ldns_edns_option_list *ol = ldns_pkt_edns_get_option_list(p);
	char buf[256];

	if (!ol)
		return NULL;
	for (size_t i = 0; i < ldns_edns_option_list_get_count(ol); i++) {
		ldns_edns_option *o = ldns_edns_option_list_get_option(ol, i);
		if (o && ldns_edns_get_code(o) == LDNS_EDNS_NSID) {
			auth_escape(ldns_edns_get_data(o), ldns_edns_get_size(o), buf, sizeof buf);
			return strdup(buf);
		}
	}
	return NULL;
}

void auth_parse_answer(const uint8_t *wire, size_t len, const char *qname,
		       struct auth_answer *out)
{
	ldns_pkt *p = NULL;
	const ldns_rr_list *ans, *auth;

	auth_answer_clear(out);
	if (!wire || len < LDNS_HEADER_SIZE || ldns_wire2pkt(&p, wire, len) != LDNS_STATUS_OK) {
		if (p)
			ldns_pkt_free(p);
		out->st = AQ_MALFORMED;
		if (wire && len >= LDNS_HEADER_SIZE)
			out->tc = LDNS_TC_WIRE(wire);
		return;
	}
	out->st = AQ_OK;
	out->rcode = (ldns_pkt_edns_extended_rcode(p) << 4) | ldns_pkt_get_rcode(p);
	out->aa = ldns_pkt_aa(p);
	out->tc = ldns_pkt_tc(p);
	out->edns = ldns_pkt_edns(p);
	out->nsid = nsid_of(p);
	ans = ldns_pkt_answer(p);
	for (size_t i = 0; i < ldns_rr_list_rr_count(ans); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ans, i);
		char target[LDNS_MAX_DOMAINLEN * 4 + 8];
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME && owned_by(rr, qname) &&
		    rdf_name(ldns_rr_rdf(rr, 0), target, sizeof target)) {
			out->cname = strdup(target);
			break;
		}
	}
	out->mxset = mx_set(ans, qname, out->cname);
	auth = ldns_pkt_authority(p);
	if (ldns_rr_list_rr_count(ans) == 0 && out->rcode == LDNS_RCODE_NOERROR) {
		for (size_t i = 0; i < ldns_rr_list_rr_count(auth); i++)
			if (ldns_rr_get_type(ldns_rr_list_rr(auth, i)) == LDNS_RR_TYPE_NS)
				out->referral = true;
		for (size_t i = 0; i < ldns_rr_list_rr_count(auth); i++)
			if (ldns_rr_get_type(ldns_rr_list_rr(auth, i)) == LDNS_RR_TYPE_SOA)
				out->referral = false;	/* NODATA with NS listed */
	}
	ldns_pkt_free(p);
}

int auth_parse_additional_a(const uint8_t *wire, size_t len, const char *host,
			    struct netaddr *v, size_t max)
{
	ldns_pkt *p = NULL;
	const ldns_rr_list *add;
	size_t n = 0;

	if (!wire || len < LDNS_HEADER_SIZE || ldns_wire2pkt(&p, wire, len) != LDNS_STATUS_OK) {
		if (p)
			ldns_pkt_free(p);
		return -1;
	}
	add = ldns_pkt_additional(p);
	for (size_t i = 0; i < ldns_rr_list_rr_count(add) && n < max; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(add, i);
		const ldns_rdf *rd = ldns_rr_rdf(rr, 0);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_A || !rd || !owned_by(rr, host) ||
		    ldns_rdf_size(rd) != 4)
			continue;
		if (netaddr_from_bytes(ldns_rdf_data(rd), 4, &v[n]) == 0)
			n++;
	}
	ldns_pkt_free(p);
	return (int)n;
}

void auth_referral_clear(struct auth_referral *r)
{
	for (size_t i = 0; i < r->nns; i++)
		free(r->ns[i]);
	memset(r, 0, sizeof *r);
}

static void referral_ns(const ldns_rr_list *l, const char *zone, struct auth_referral *out)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(l) && out->nns < AUTH_REF_MAX; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(l, i);
		char name[LDNS_MAX_DOMAINLEN * 4 + 8];
		bool dup = false;
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NS || !owned_by(rr, zone) ||
		    !rdf_name(ldns_rr_rdf(rr, 0), name, sizeof name))
			continue;
		for (size_t k = 0; k < out->nns; k++)
			dup |= strcmp(out->ns[k], name) == 0;
		if (!dup && (out->ns[out->nns] = strdup(name)))
			out->nns++;
	}
}

int auth_parse_referral(const uint8_t *wire, size_t len, const char *zone,
			struct auth_referral *out)
{
	ldns_pkt *p = NULL;
	const ldns_rr_list *add;

	memset(out, 0, sizeof *out);
	if (!wire || len < LDNS_HEADER_SIZE || ldns_wire2pkt(&p, wire, len) != LDNS_STATUS_OK) {
		if (p)
			ldns_pkt_free(p);
		return -1;
	}
	referral_ns(ldns_pkt_authority(p), zone, out);
	referral_ns(ldns_pkt_answer(p), zone, out);
	add = ldns_pkt_additional(p);
	for (size_t i = 0; i < ldns_rr_list_rr_count(add); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(add, i);
		const ldns_rdf *rd = ldns_rr_rdf(rr, 0);
		ldns_rr_type t = ldns_rr_get_type(rr);
		size_t want = t == LDNS_RR_TYPE_A ? 4 : t == LDNS_RR_TYPE_AAAA ? 16 : 0;
		if (!want || !rd || ldns_rdf_size(rd) != want ||
		    out->nglue >= sizeof out->glue / sizeof *out->glue)
			continue;
		for (size_t k = 0; k < out->nns; k++) {
			if (!owned_by(rr, out->ns[k]))
				continue;
			if (netaddr_from_bytes(ldns_rdf_data(rd), want, &out->glue[out->nglue].a) == 0)
				out->glue[out->nglue++].ns = k;
			break;
		}
	}
	ldns_pkt_free(p);
	return 0;
}

static json_t *answer_json(const struct auth_answer *a)
{
	json_t *o = json_pack("{s:s, s:b, s:i, s:b}", "status", auth_qstatus_name(a->st),
			      "aa", a->aa, "rcode", a->rcode, "edns", a->edns);
	if (!o || a->st != AQ_OK)
		return o;
	if (a->cname)
		json_object_set_new(o, "cname", json_string(a->cname));
	else if (a->referral)
		json_object_set_new(o, "referral", json_true());
	json_object_set_new(o, "mx", json_string(a->mxset ? a->mxset : ""));
	if (a->nsid)
		json_object_set_new(o, "nsid", json_string(a->nsid));
	if (a->tcp)
		json_object_set_new(o, "tcp", json_true());
	return o;
}

/* mxvet(1), JSON: {"name","address","aa","edns","nsid","answers"}.
 * aa: every reply carried AA; edns: "ok", "intolerant" (only plain
 * queries answered), "none" (no reply at all); nsid: the distinct NSIDs. */
json_t *auth_evidence_json(const struct auth_evidence *a)
{
	json_t *arr = json_array();

	if (!arr || !a)
		return arr;
	for (size_t i = 0; i < a->nsrv; i++) {
		const struct auth_server *s = &a->srv[i];
		char addr[NETADDR_STRLEN], nsids[1024] = "";
		bool any = false, aa = true, edns_ok = false;
		json_t *answers = json_array();

		for (size_t k = 0; k < s->nans; k++) {
			const struct auth_answer *x = &s->ans[k];
			json_array_append_new(answers, answer_json(x));
			if (x->st != AQ_OK)
				continue;
			any = true;
			aa &= x->aa;
			if (x->rcode != LDNS_RCODE_FORMERR && x->rcode != LDNS_RCODE_NOTIMPL)
				edns_ok = true;
			if (x->nsid && !strstr(nsids, x->nsid) &&
			    strlen(nsids) + strlen(x->nsid) + 3 < sizeof nsids)
				snprintf(nsids + strlen(nsids), sizeof nsids - strlen(nsids), "%s%s",
					 nsids[0] ? ", " : "", x->nsid);
		}
		if (s->plain.st != AQ_NONE) {	/* sent only when EDNS failed or was late */
			json_t *plain = answer_json(&s->plain);
			json_object_set_new(plain, "noedns", json_true());
			json_array_append_new(answers, plain);
		}
		if (s->plain.st == AQ_OK) {
			if (!any)
				aa = s->plain.aa;
			any = true;
		}
		json_t *o = json_pack("{s:s, s:s, s:b, s:s, s:s?, s:o}",
			"name", s->name,
			"address", netaddr_format(&s->addr, addr, sizeof addr),
			"aa", any && aa,
			"edns", edns_ok ? "ok" : any ? "intolerant" : "none",
			"nsid", nsids[0] ? nsids : NULL,
			"answers", answers);
		if (o && s->not_queried) {
			char why[128];
			snprintf(why, sizeof why, "non-routable: %s", s->not_queried);
			json_object_set_new(o, "not_queried", json_string(why));
		}
		json_array_append_new(arr, o);
	}
	return arr;
}
