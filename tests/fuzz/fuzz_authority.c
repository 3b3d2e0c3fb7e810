/* libFuzzer target: the authority reply parsers, the reply matcher and the
 * authority check module on whatever a hostile server could send. The
 * input is one reply; it is parsed as the answer of every repeat of one
 * server (and of a second one built from the input's tail), then judged. */
#include "engine/auth_evidence.h"
#include "engine/dnsquery.h"
#include "engine/evidence.h"
#include "engine/findings.h"
#include "checks/registry.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *query;
	static size_t qlen;
	struct auth_evidence *ae = calloc(1, sizeof *ae);
	struct evidence ev;
	struct ev_mx mx;
	struct ev_addr addr;
	struct findings fs = { 0 };
	struct auth_referral ref;
	struct netaddr v[8], a;
	int n;

	if (!ae)
		return 0;
	if (!query && dnsq_build("example.test", 15, true, 0x1234, &query, &qlen) != 0)
		abort();
	(void)dnsq_reply_matches(query, qlen, data, size);
	if (auth_parse_referral(data, size, "example.test", &ref) == 0) {
		if (ref.nns > AUTH_REF_MAX || ref.nglue > AUTH_REF_MAX * 2)
			abort();
		auth_referral_clear(&ref);
	}
	n = auth_parse_additional_a(data, size, "mx.example.test", v, 8);
	if (n > 8)
		abort();

	memset(&ev, 0, sizeof ev);
	memset(&mx, 0, sizeof mx);
	ev.domain = "example.test";
	ev.authority_done = true;
	ev.auth = ae;
	mx.target = "mx.example.test";
	mx.looked_up = true;
	netaddr_parse("192.0.2.25", &addr.addr);
	mx.addrs = &addr;
	mx.naddrs = 1;
	ev.mx = &mx;
	ev.nmx = 1;
	ae->zone = strdup("example.test");
	netaddr_parse("192.0.2.53", &a);
	for (int s = 0; s < 2; s++) {
		struct auth_server *srv = auth_evidence_add_server(ae, "ns.example.test", &a, 2);
		const uint8_t *p = s ? data + size / 2 : data;
		size_t len = s ? size - size / 2 : size;
		if (!srv)
			break;
		for (size_t k = 0; k < srv->nans; k++)
			auth_parse_answer(p, len, "example.test", &srv->ans[k]);
		auth_parse_answer(p, len, "example.test", &srv->plain);
	}
	if (n > 0)
		auth_evidence_add_additional(ae, "mx.example.test", "ns.example.test 192.0.2.53",
					     v, (size_t)n);
	check_authority(&ev, NULL, &fs);
	json_decref(auth_evidence_json(ae));
	findings_clear(&fs);
	auth_evidence_free(ae);
	return 0;
}
