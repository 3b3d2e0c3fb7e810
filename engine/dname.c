/* dname: normalization and validation of domain names. */
#include "engine/dname.h"
#include "lib/netaddr.h"

#include <ctype.h>
#include <idn2.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void dname_strip_dot(char *name)
{
	size_t n = strlen(name);
	if (n > 1 && name[n - 1] == '.' && name[n - 2] != '\\')
		name[n - 1] = '\0';
}

bool dname_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 1 && a[la - 1] == '.')
		la--;
	if (lb > 1 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

/* Length and empty-label checks (libidn2 lets "a..b" through). */
static bool labels_ok(const char *s, char *err, size_t errlen)
{
	size_t total = strlen(s), lab = 0;

	if (total == 0) {
		snprintf(err, errlen, "empty domain");
		return false;
	}
	if (total > 253) {
		snprintf(err, errlen, "domain longer than 253 octets");
		return false;
	}
	for (const char *p = s;; p++) {
		if (*p == '.' || *p == '\0') {
			if (lab == 0) {
				snprintf(err, errlen, "empty label");
				return false;
			}
			if (lab > 63) {
				snprintf(err, errlen, "label longer than 63 octets");
				return false;
			}
			lab = 0;
			if (*p == '\0')
				return true;
		} else {
			unsigned char c = (unsigned char)*p;
			/* keep "_" and "--" names resolvable; refuse what never
			 * belongs in a mail domain */
			if (!(isalnum(c) || c == '-' || c == '_')) {
				snprintf(err, errlen, "character 0x%02x not allowed in a domain", c);
				return false;
			}
			lab++;
		}
	}
}

enum dname_norm dname_normalize(const char *in, char *out, size_t outlen,
				char *err, size_t errlen)
{
	char buf[DNAME_MAXLEN];
	size_t n;
	bool ascii = true;

	while (isspace((unsigned char)*in))
		in++;
	n = strlen(in);
	while (n > 0 && isspace((unsigned char)in[n - 1]))
		n--;
	if (n >= sizeof buf) {
		snprintf(err, errlen, "domain too long");
		return DNAME_INVALID;
	}
	memcpy(buf, in, n);
	buf[n] = '\0';
	if (n > 0 && buf[0] == '[') {
		snprintf(err, errlen, "address literal");
		return DNAME_ADDRESS_LITERAL;
	}
	if (n > 1 && buf[n - 1] == '.')
		buf[--n] = '\0';
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)buf[i] >= 0x80)
			ascii = false;
		else
			buf[i] = (char)tolower((unsigned char)buf[i]);
	}
	if (!ascii) {
		char *alabel = NULL;
		int rc = idn2_to_ascii_8z(buf, &alabel, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
		if (rc != IDN2_OK) {
			snprintf(err, errlen, "invalid international domain (%s: %s)",
				 idn2_strerror_name(rc), idn2_strerror(rc));
			return DNAME_INVALID;
		}
		snprintf(buf, sizeof buf, "%s", alabel);
		idn2_free(alabel);
		n = strlen(buf);
		if (n > 1 && buf[n - 1] == '.')
			buf[--n] = '\0';
	}
	if (!labels_ok(buf, err, errlen))
		return DNAME_INVALID;
	if (n + 1 > outlen) {
		snprintf(err, errlen, "domain too long");
		return DNAME_INVALID;
	}
	memcpy(out, buf, n + 1);
	return DNAME_OK;
}

int dname_from_wire(const uint8_t *p, size_t len, char *out, size_t outlen)
{
	size_t i = 0, o = 0, total = 0;

	if (outlen < 2)
		return -1;
	for (;;) {
		if (i >= len)
			return -1;
		uint8_t lab = p[i++];
		if (lab == 0)
			break;
		if (lab > 63 || i + lab > len)	/* no compression in rdata here */
			return -1;
		total += lab + 1u;
		if (total > 255)
			return -1;
		if (o > 0)
			out[o++] = '.';
		for (uint8_t k = 0; k < lab; k++) {
			unsigned char c = p[i++];
			if (o + 5 >= outlen)
				return -1;
			if (c == '.' || c == '\\') {
				out[o++] = '\\';
				out[o++] = (char)c;
			} else if (c <= 0x20 || c >= 0x7f) {
				o += (size_t)snprintf(out + o, outlen - o, "\\%03u", c);
			} else {
				out[o++] = (char)tolower(c);
			}
		}
	}
	if (o == 0)
		out[o++] = '.';
	out[o] = '\0';
	return (int)i;
}

bool dname_is_hostname(const char *name, const char **why)
{
	const char *dummy;
	size_t lab = 0, total = strlen(name);
	char prev = '.';

	if (!why)
		why = &dummy;
	*why = NULL;
	if (total == 0 || strcmp(name, ".") == 0) {
		*why = "empty name";
		return false;
	}
	if (total > 253) {
		*why = "longer than 253 octets";
		return false;
	}
	for (const char *p = name;; p++) {
		char c = *p;
		if (c == '.' || c == '\0') {
			if (lab == 0) {
				*why = "empty label";
				return false;
			}
			if (lab > 63) {
				*why = "label longer than 63 octets";
				return false;
			}
			if (prev == '-') {
				*why = "label ends with a hyphen";
				return false;
			}
			lab = 0;
			if (c == '\0')
				return true;
		} else if (c == '_') {
			*why = "underscore in a host name";
			return false;
		} else if (c == '-' && lab == 0) {
			*why = "label starts with a hyphen";
			return false;
		} else if (!isalnum((unsigned char)c) && c != '-') {
			*why = c == '\\' ? "escaped or binary characters" : "character not allowed in a host name";
			return false;
		} else {
			lab++;
		}
		prev = c;
	}
}

bool dname_is_ip_literal(const char *name)
{
	char buf[64];
	size_t n = strlen(name);
	struct netaddr a;

	if (n == 0 || n >= sizeof buf)
		return false;
	if (name[0] == '[') {
		if (name[n - 1] != ']')
			return false;
		memcpy(buf, name + 1, n - 2);
		buf[n - 2] = '\0';
		if (strncasecmp(buf, "ipv6:", 5) == 0)
			memmove(buf, buf + 5, strlen(buf + 5) + 1);
	} else {
		memcpy(buf, name, n + 1);
	}
	dname_strip_dot(buf);
	return netaddr_parse(buf, &a) == 0;
}

const char *dname_registered(const char *name)
{
	const char *last = NULL, *prev = NULL;

	for (const char *p = name; *p; p++)
		if (*p == '.' && p[1]) {
			prev = last;
			last = p;
		}
	return prev ? prev + 1 : name;
}
