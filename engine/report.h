/* report: a check result for people and for programs. JSON follows mxvet(1)
 * section 5 (jansson); the text form explains each finding in a sentence
 * with the command that reproduces it. */
#ifndef MXVET_REPORT_H
#define MXVET_REPORT_H

#include <stdio.h>

#include <jansson.h>

#include "engine/pipeline.h"

/* New reference; input is what the user gave (may equal the domain). */
json_t *report_json(const struct check_result *res, const char *input);
void report_text(FILE *out, const struct check_result *res, const char *input);

#endif
