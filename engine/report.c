/* report: JSON and text renderings of a check result. */
#include "engine/report.h"
#include "engine/auth_evidence.h"
#include "engine/verdict.h"

#include <string.h>

#define NOT_JUDGED_NOTE "not judged: prober blind (mxvet's own outbound port looks blocked)"

static json_t *smtp_json(const struct evidence *ev, const struct ev_addr *a)
{
	char addr[NETADDR_STRLEN];

	if (a->smtp.status == SMTP_ST_NONE)
		return json_null();
	json_t *o = json_pack("{s:s, s:s, s:i, s:s?, s:I}",
			      "address", netaddr_format(&a->addr, addr, sizeof addr),
			      "status", smtp_status_name(a->smtp.status),
			      "code", a->smtp.code,
			      "banner", a->smtp.banner,
			      "elapsed_ms", (json_int_t)a->smtp.elapsed_ms);
	/* only when set: a connect failure while the prober's port 25 looked
	 * blocked, not held against the domain (smtp_not_judged) */
	if (o && smtp_not_judged(ev, a)) {
		json_object_set_new(o, "blind", json_true());
		json_object_set_new(o, "note", json_string(NOT_JUDGED_NOTE));
	}
	return o;
}

static json_t *mx_json(const struct evidence *ev)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < ev->nmx; i++) {
		const struct ev_mx *m = &ev->mx[i];
		json_t *addrs = json_array(), *smtp = json_array();
		char buf[NETADDR_STRLEN];
		int probed = 0;

		for (size_t k = 0; k < m->naddrs; k++) {
			json_array_append_new(addrs, json_string(
				netaddr_format(&m->addrs[k].addr, buf, sizeof buf)));
			if (m->addrs[k].smtp.status != SMTP_ST_NONE)
				probed = 1;
			json_array_append_new(smtp, smtp_json(ev, &m->addrs[k]));
		}
		json_array_append_new(arr, json_pack("{s:i, s:s, s:o, s:o, s:b}",
			"preference", m->pref, "host", m->target, "addresses", addrs,
			"smtp", probed ? smtp : (json_decref(smtp), json_null()),
			"implicit", ev->implicit_mx));
	}
	return arr;
}

static json_t *findings_json(const struct findings *fs)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->v[i];
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s, s:s?}",
			"code", finding_info(f->code)->name,
			"class", finding_class_name(f->cls),
			"action", action_name(f->action),
			"host", f->host, "server", f->server,
			"detail", f->detail ? f->detail : "",
			"reproduce", f->reproduce));
	}
	return arr;
}

/* A verdict of another host of the fleet, with the report its check left:
 * that report as it was (our input), if it still goes with the verdict. */
static json_t *fleet_report_json(const struct check_result *res, const char *input)
{
	json_t *o = json_loads(res->fleet_report, 0, NULL);
	const char *v = json_string_value(json_object_get(o, "verdict"));

	if (!json_is_object(o) || res->error || !v || strcmp(v, verdict_name(res->verdict)) != 0) {
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "input", json_string(input ? input : res->domain));
	json_object_set_new(o, "from_fleet", json_true());
	return o;
}

json_t *report_json(const struct check_result *res, const char *input)
{
	const struct evidence *ev = res->ev;
	json_t *ns, *fs, *mx, *o;

	if (res->fleet_report && (o = fleet_report_json(res, input)))
		return o;
	ns = ev->auth ? auth_evidence_json(ev->auth) : NULL;
	fs = findings_json(res->findings);
	mx = mx_json(ev);

	/* out of memory part way: no report rather than one that misses a
	 * finding or a host (the caller says there is no result) */
	if (!fs || !mx || json_array_size(fs) != res->findings->n ||
	    json_array_size(mx) != ev->nmx) {
		json_decref(fs);
		json_decref(mx);
		json_decref(ns);
		return NULL;
	}
	/* no verdict when the check failed on mxvet's own fault: "error" says
	 * why, "resolver_blind" whether the DNS path was dead */
	o = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:I, s:I, s:s, s:b, s:b, s:o, s:o, s:o}",
			 "domain", res->domain,
			 "input", input ? input : res->domain,
			 "verdict", res->error ? NULL : verdict_name(res->verdict),
			 "error", res->error,
			 "reply", res->reply,
			 "ttl", (json_int_t)res->ttl,
			 "elapsed_ms", (json_int_t)res->elapsed_ms,
			 "mx_status", dns_status_name(ev->mx_lookup.status),
			 "smtp_blind", ev->smtp_blind,
			 "resolver_blind", ev->resolver_blind,
			 "findings", fs,
			 "mx", mx,
			 "nameservers", ns ? ns : json_array());
	/* the verdict of another host whose report is not kept: said, so the
	 * empty evidence is not taken for this host's */
	if (o && res->from_fleet)
		json_object_set_new(o, "from_fleet", json_true());
	return o;
}

void report_text(FILE *out, const struct check_result *res, const char *input)
{
	const struct evidence *ev = res->ev;
	const struct findings *fs = res->findings;

	fprintf(out, "%s", res->domain);
	if (input && strcmp(input, res->domain) != 0)
		fprintf(out, " (%s)", input);
	if (res->error)
		fprintf(out, ": no verdict: %s", res->error);
	else
		fprintf(out, ": %s", verdict_name(res->verdict));
	if (res->reply)
		fprintf(out, " \"%s\"", res->reply);
	fprintf(out, "  [%ld ms]\n", res->elapsed_ms);
	for (size_t i = 0; i < ev->nmx; i++) {
		const struct ev_mx *m = &ev->mx[i];
		char buf[NETADDR_STRLEN];
		fprintf(out, "  %s %u %s", ev->implicit_mx ? "host (no MX)" : "MX", m->pref,
			m->target);
		for (size_t k = 0; k < m->naddrs; k++) {
			fprintf(out, " %s", netaddr_format(&m->addrs[k].addr, buf, sizeof buf));
			if (m->addrs[k].smtp.status != SMTP_ST_NONE)
				fprintf(out, "(smtp %s%s)", smtp_status_name(m->addrs[k].smtp.status),
					smtp_not_judged(ev, &m->addrs[k]) ? ", " NOT_JUDGED_NOTE : "");
		}
		fputc('\n', out);
	}
	if (fs->n == 0)
		fprintf(out, "  no findings\n");
	for (size_t i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->v[i];
		fprintf(out, "  %-20s %-9s %s: %s\n", finding_info(f->code)->name,
			finding_class_name(f->cls), action_name(f->action),
			f->detail ? f->detail : "");
		if (f->server)
			fprintf(out, "  %20s server: %s\n", "", f->server);
		if (f->reproduce)
			fprintf(out, "  %20s reproduce: %s\n", "", f->reproduce);
	}
}
