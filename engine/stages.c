/* stages: the table of pipeline stages (stage.h). A new stage is one file
 * that defines its struct stage_ops, and one row here. */
#include "engine/stage.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

extern const struct stage_ops authority_stage, smtp_stage;

const struct stage_ops *const stage_table[] = {
	&authority_stage,
	&smtp_stage,
	NULL,
};

bool stage_family_known(const char *name)
{
	if (!strcasecmp(name, "dns"))
		return true;
	for (const struct stage_ops *const *s = stage_table; *s; s++)
		if ((*s)->family && !strcasecmp(name, (*s)->family))
			return true;
	return false;
}

const char *stage_families(void)
{
	static char buf[256];

	if (!*buf) {
		size_t n = (size_t)snprintf(buf, sizeof buf, "dns");
		for (const struct stage_ops *const *s = stage_table; *s && n < sizeof buf; s++)
			if ((*s)->family)
				n += (size_t)snprintf(buf + n, sizeof buf - n, ", %s", (*s)->family);
	}
	return buf;
}
