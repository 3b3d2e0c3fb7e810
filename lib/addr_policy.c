/* addr_policy: the special-purpose address tables and the one rule built
 * on them (see addr_policy.h). The ranges follow the IANA special-purpose
 * registries (RFC 6890 and successors); any range an attacker could use to
 * aim mxvet at an internal network counts as non-routable. */
#include "lib/addr_policy.h"

#include <string.h>
#include <sys/socket.h>

struct special_range {
	uint8_t net[16];
	int bits;
	enum addr_class cls;
	const char *why;
};

static const struct special_range v4_special[] = {
	{ {0}, 8, ADDR_BOGON, "this network 0/8" },
	{ {10}, 8, ADDR_BOGON, "private RFC 1918" },
	{ {100, 64}, 10, ADDR_BOGON, "shared CGN 100.64/10" },
	{ {127}, 8, ADDR_LOOPBACK, "loopback" },
	{ {169, 254}, 16, ADDR_BOGON, "link-local" },
	{ {172, 16}, 12, ADDR_BOGON, "private RFC 1918" },
	{ {192, 0, 0}, 24, ADDR_BOGON, "IETF protocol assignments" },
	{ {192, 0, 2}, 24, ADDR_BOGON, "documentation" },
	{ {192, 88, 99}, 24, ADDR_BOGON, "deprecated 6to4 relay" },
	{ {192, 168}, 16, ADDR_BOGON, "private RFC 1918" },
	{ {198, 18}, 15, ADDR_BOGON, "benchmarking" },
	{ {198, 51, 100}, 24, ADDR_BOGON, "documentation" },
	{ {203, 0, 113}, 24, ADDR_BOGON, "documentation" },
	{ {224}, 4, ADDR_BOGON, "multicast" },
	{ {240}, 4, ADDR_BOGON, "reserved 240/4" },
};

/* Checked after the embedding forms; the first match wins. */
static const struct special_range v6_special[] = {
	{ {0}, 128, ADDR_BOGON, "unspecified ::" },
	{ {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128, ADDR_LOOPBACK, "loopback" },
	{ {0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48, ADDR_BOGON, "local-use NAT64 64:ff9b:1::/48" },
	{ {0x01, 0x00}, 64, ADDR_BOGON, "discard-only 100::/64" },
	{ {0x20, 0x01, 0x0d, 0xb8}, 32, ADDR_BOGON, "documentation" },
	{ {0x20, 0x01, 0x00, 0x02, 0x00, 0x00}, 48, ADDR_BOGON, "benchmarking" },
	{ {0x20, 0x01, 0x00, 0x10}, 28, ADDR_BOGON, "deprecated ORCHID" },
	{ {0x3f, 0xff}, 20, ADDR_BOGON, "documentation" },
	{ {0x5f, 0x00}, 16, ADDR_BOGON, "SRv6 SIDs 5f00::/16" },
	{ {0xfc}, 7, ADDR_BOGON, "unique local" },
	{ {0xfe, 0x80}, 10, ADDR_BOGON, "link-local" },
	{ {0xfe, 0xc0}, 10, ADDR_BOGON, "site-local" },
	{ {0xff}, 8, ADDR_BOGON, "multicast" },
	/* only 2000::/3 is allocated for global unicast */
	{ {0x00}, 3, ADDR_BOGON, "reserved (outside 2000::/3)" },
	{ {0x40}, 2, ADDR_BOGON, "reserved (outside 2000::/3)" },
	{ {0x80}, 1, ADDR_BOGON, "reserved (outside 2000::/3)" },
};

/* IPv6 forms whose IPv4 address is a run of 32 bits at v4_bit. */
struct v4_form {
	uint8_t net[16];
	int bits;
	int v4_bit;
	const char *name;
};

static const struct v4_form v4_forms[] = {
	{ {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, 96, 96, "IPv4-mapped" },
	{ {0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0}, 96, 96, "IPv4-translated" },
	{ {0x00, 0x64, 0xff, 0x9b}, 96, 96, "NAT64" },
	{ {0x20, 0x02}, 16, 16, "6to4" },
	{ {0}, 96, 96, "IPv4-compatible" },	/* but :: and ::1 */
};

static const uint8_t teredo_net[16] = { 0x20, 0x01, 0x00, 0x00 };

static void get_bits(const uint8_t *src, int bit, uint8_t out[4])
{
	for (int i = 0; i < 32; i++) {
		int s = bit + i;
		int v = (src[s / 8] >> (7 - s % 8)) & 1;
		if (i % 8 == 0)
			out[i / 8] = 0;
		out[i / 8] |= (uint8_t)(v << (7 - i % 8));
	}
}

static void put_bits(uint8_t *dst, int bit, const uint8_t *src, int n)
{
	for (int i = 0; i < n; i++) {
		int d = bit + i;
		int v = (src[i / 8] >> (7 - i % 8)) & 1;
		dst[d / 8] = (uint8_t)((dst[d / 8] & ~(1 << (7 - d % 8))) | (v << (7 - d % 8)));
	}
}

static bool is_unspec_or_loopback(const uint8_t *b)
{
	static const uint8_t zero[15] = { 0 };
	return memcmp(b, zero, 15) == 0 && b[15] <= 1;
}

bool addr_embedded_v4(const struct netaddr *a, struct netaddr *v4, const char **form)
{
	uint8_t raw[4];

	if (a->family != AF_INET6 || is_unspec_or_loopback(a->b))
		return false;
	if (memcmp(a->b, teredo_net, 4) == 0) {
		get_bits(a->b, 96, raw);
		for (int i = 0; i < 4; i++)
			raw[i] ^= 0xff;
		netaddr_from_bytes(raw, 4, v4);
		if (form)
			*form = "Teredo";
		return true;
	}
	for (size_t i = 0; i < sizeof v4_forms / sizeof v4_forms[0]; i++) {
		const struct v4_form *f = &v4_forms[i];
		if (!netaddr_prefix_match(a->b, f->net, f->bits))
			continue;
		get_bits(a->b, f->v4_bit, raw);
		netaddr_from_bytes(raw, 4, v4);
		if (form)
			*form = f->name;
		return true;
	}
	return false;
}

static enum addr_class table_class(const struct netaddr *a, const char **why)
{
	const struct special_range *t = a->family == AF_INET ? v4_special : v6_special;
	size_t n = a->family == AF_INET ? sizeof v4_special / sizeof v4_special[0]
					: sizeof v6_special / sizeof v6_special[0];

	for (size_t i = 0; i < n; i++)
		if (netaddr_prefix_match(a->b, t[i].net, t[i].bits)) {
			*why = t[i].why;
			return t[i].cls;
		}
	return ADDR_GLOBAL;
}

/* The worse of two classes: loopback and bogon both refuse. */
static enum addr_class worse(enum addr_class x, enum addr_class y)
{
	return x != ADDR_GLOBAL ? x : y;
}

static enum addr_class classify(const struct netaddr *a, const struct cidr_list *allowed,
				const char **why)
{
	struct netaddr v4;

	*why = NULL;
	if (allowed && cidr_list_match(allowed, a)) {
		*why = "mx_allowed_networks";
		return ADDR_GLOBAL;
	}
	if (addr_embedded_v4(a, &v4, NULL)) {
		enum addr_class c = classify(&v4, allowed, why);
		if (memcmp(a->b, teredo_net, 4) == 0) {
			/* the server's address too; the worse one decides */
			const char *swhy;
			struct netaddr server;
			netaddr_from_bytes(a->b + 4, 4, &server);
			enum addr_class s = classify(&server, allowed, &swhy);
			if (c == ADDR_GLOBAL && s != ADDR_GLOBAL)
				*why = swhy;
			c = worse(c, s);
		}
		return c;
	}
	return table_class(a, why);
}

enum addr_class addr_classify(const struct netaddr *a, const char **why)
{
	const char *dummy;

	return classify(a, NULL, why ? why : &dummy);
}

enum addr_class addr_policy_class(const struct netaddr *a, const struct cidr_list *allowed,
				  const char **why)
{
	const char *dummy;

	return classify(a, allowed, why ? why : &dummy);
}

bool addr_policy_allows(const struct netaddr *a, const struct cidr_list *allowed,
			const char **why)
{
	return addr_policy_class(a, allowed, why) == ADDR_GLOBAL;
}

/* ---- the refused networks as prefixes ---- */

static bool cidr_contains(const struct cidr *outer, const struct cidr *inner)
{
	return outer->net.family == inner->net.family && outer->bits <= inner->bits &&
	       netaddr_prefix_match(inner->net.b, outer->net.b, outer->bits);
}

/* Is block inside (1), partly over (-1) or apart from (0) the networks? */
static int relation(const struct cidr *block, const struct cidr *v, size_t n)
{
	int r = 0;

	for (size_t i = 0; i < n; i++) {
		if (cidr_contains(&v[i], block))
			return 1;
		if (cidr_contains(block, &v[i]))
			r = -1;
	}
	return r;
}

/* Emit block minus the allowed networks and the spared ones, splitting it
 * in halves where one of them lies partly inside. */
static size_t subtract(const struct cidr *block, const struct cidr_list *allowed,
		       const struct cidr *spared, size_t nspared, addr_policy_emit emit, void *arg)
{
	int ra = allowed ? relation(block, allowed->v, allowed->n) : 0;
	int rs = relation(block, spared, nspared);

	if (ra == 1 || rs == 1)
		return 0;
	if (ra == 0 && rs == 0) {
		emit(arg, block);
		return 1;
	}
	struct cidr lo = *block, hi = *block;
	int bit = block->bits;
	lo.bits = hi.bits = bit + 1;
	lo.net.b[bit / 8] &= (uint8_t)~(0x80 >> (bit % 8));
	hi.net.b[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
	return subtract(&lo, allowed, spared, nspared, emit, arg) +
	       subtract(&hi, allowed, spared, nspared, emit, arg);
}

struct embed_ctx {
	const struct cidr_list *allowed;
	addr_policy_emit emit;
	void *arg;
	size_t n;
};

/* One refused IPv4 block: itself and each IPv6 form that carries it. */
static void emit_v4_and_forms(void *arg, const struct cidr *v4)
{
	struct embed_ctx *x = arg;

	x->emit(x->arg, v4);
	x->n++;
	for (size_t i = 0; i < sizeof v4_forms / sizeof v4_forms[0]; i++) {
		const struct v4_form *f = &v4_forms[i];
		struct cidr c = { .net = { .family = AF_INET6 }, .bits = f->v4_bit + v4->bits };
		memcpy(c.net.b, f->net, sizeof c.net.b);
		put_bits(c.net.b, f->v4_bit, v4->net.b, v4->bits);
		x->n += subtract(&c, x->allowed, NULL, 0, x->emit, x->arg);
	}
}

size_t addr_policy_refused(const struct cidr_list *allowed, addr_policy_emit emit, void *arg)
{
	struct embed_ctx x = { allowed, emit, arg, 0 };
	struct cidr c, forms[sizeof v4_forms / sizeof v4_forms[0] + 1];
	size_t nforms = sizeof v4_forms / sizeof v4_forms[0];

	for (size_t i = 0; i < sizeof v4_special / sizeof v4_special[0]; i++) {
		netaddr_from_bytes(v4_special[i].net, 4, &c.net);
		c.bits = v4_special[i].bits;
		subtract(&c, allowed, NULL, 0, emit_v4_and_forms, &x);
	}
	/* the forms carrying IPv4 were covered block by block above: the
	 * reserved IPv6 rows around them spare them, as the classifier does */
	for (size_t i = 0; i < nforms; i++) {
		netaddr_from_bytes(v4_forms[i].net, 16, &forms[i].net);
		forms[i].bits = v4_forms[i].bits;
	}
	netaddr_from_bytes(teredo_net, 16, &forms[nforms].net);
	forms[nforms].bits = 32;
	for (size_t i = 0; i < sizeof v6_special / sizeof v6_special[0]; i++) {
		netaddr_from_bytes(v6_special[i].net, 16, &c.net);
		c.bits = v6_special[i].bits;
		x.n += subtract(&c, allowed, forms, nforms + 1, emit, arg);
	}
	/* Teredo: the client's address is no prefix, so all of it */
	c = forms[nforms];
	x.n += subtract(&c, allowed, NULL, 0, emit, arg);
	return x.n;
}
