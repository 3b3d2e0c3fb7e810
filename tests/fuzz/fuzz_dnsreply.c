/* libFuzzer target: the DNS transport's reply matching and its TCP
 * reassembly (engine/dnsquery.c), the parts a hostile server feeds.
 *
 * Input: byte 0 picks the query type, EDNS and the TCP chunk size; byte 1
 * the query name's length, then that many name bytes (mapped onto name
 * characters); the rest is both one UDP reply and a TCP byte stream.
 * Besides "never crash" it checks what the matcher promises: a match has
 * the query's ID and QR set; the query echoed back with QR set and its
 * name in any case matches; the same with another ID does not; a reply
 * cut inside its question does not. The stream is framed as on_tcp_read
 * does, chunk by chunk, and every frame lies inside the bytes given. */
#include "engine/dnsquery.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HDR 12

static const char namechars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.";

static void check_match(const uint8_t *query, size_t qlen, const uint8_t *reply, size_t rlen)
{
	if (!dnsq_reply_matches(query, qlen, reply, rlen))
		return;
	if (rlen < HDR || memcmp(query, reply, 2) != 0 || !(reply[2] & 0x80))
		abort();
}

/* The query as its server would echo it: QR set, name case flipped where
 * the input's bits say. It must match; with the ID changed it must not;
 * cut inside the question it must not. */
static void check_echo(const uint8_t *query, size_t qlen, const uint8_t *bits, size_t nbits)
{
	uint8_t *e = malloc(qlen);
	size_t nend = HDR;

	if (!e)
		return;
	while (nend < qlen && query[nend])	/* dnsq_build writes it uncompressed */
		nend += (size_t)query[nend] + 1;
	memcpy(e, query, qlen);
	e[2] |= 0x80;
	for (size_t i = HDR; i < nend && i < qlen && nbits; i++)
		if (isalpha(e[i]) && (bits[(i - HDR) % nbits] >> ((i - HDR) % 8) & 1))
			e[i] ^= 0x20;
	if (!dnsq_reply_matches(query, qlen, e, qlen))
		abort();
	e[0] ^= 0x5a;
	if (dnsq_reply_matches(query, qlen, e, qlen))
		abort();
	e[0] ^= 0x5a;
	/* cut inside the question (name, type, class) */
	for (size_t cut = HDR; cut < nend + 5 && cut < qlen; cut++)
		if (dnsq_reply_matches(query, qlen, e, cut))
			abort();
	free(e);
}

static void check_stream(const uint8_t *query, size_t qlen, const uint8_t *s, size_t len,
			 size_t step, size_t max_tcp)
{
	size_t off = 0, have = 0;

	/* "have" bytes from off have arrived; frame as many as are whole */
	while (have < len - off) {
		size_t add = step < len - off - have ? step : len - off - have;
		have += add;
		for (;;) {
			size_t mlen = 0;
			int st = dnsq_tcp_frame(s + off, have, max_tcp, &mlen);
			if (st < 0)
				return;	/* the connection would end here */
			if (st == 0)
				break;
			if (mlen < HDR || mlen > max_tcp || mlen + 2 > have)
				abort();
			check_match(query, qlen, s + off + 2, mlen);
			off += mlen + 2;
			have -= mlen + 2;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int qtypes[] = { 1, 2, 5, 6, 15, 16, 28, 255 };
	char name[256];
	uint8_t *query = NULL;
	size_t qlen = 0, nlen, step, max_tcp;
	const uint8_t *rest;
	size_t rlen;

	if (size < 2)
		return 0;
	nlen = data[1] % 64;
	if (size < 2 + nlen)
		return 0;
	for (size_t i = 0; i < nlen; i++)
		name[i] = namechars[data[2 + i] % (sizeof namechars - 1)];
	name[nlen] = '\0';
	rest = data + 2 + nlen;
	rlen = size - 2 - nlen;
	if (nlen == 0)
		strcpy(name, "example.test");
	if (dnsq_build(name, qtypes[data[0] & 7], data[0] & 8, (uint16_t)(rlen ? rest[0] << 8 : 0x1234),
		       &query, &qlen) != 0)
		return 0;	/* a name that does not encode ("a..b"): not sent */
	check_match(query, qlen, rest, rlen);
	check_echo(query, qlen, rest, rlen);
	step = (size_t)(data[0] >> 4) * 7 + 1;
	max_tcp = data[0] & 0x80 ? 65535 : 512;
	check_stream(query, qlen, rest, rlen, step, max_tcp);
	free(query);
	return 0;
}
