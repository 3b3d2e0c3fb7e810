/* Unit tests: the Prometheus writers and the source registry of
 * lib/metrics (label and HELP escaping, bucket edges, cumulative output,
 * sources in order, removal). */
#include "lib/metrics.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

static char *text(struct evbuffer *b)
{
	size_t n = evbuffer_get_length(b);
	char *s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	evbuffer_remove(b, s, n);
	s[n] = '\0';
	return s;
}

START_TEST(escaping)
{
	struct evbuffer *b = evbuffer_new();
	char *s;

	metrics_family(b, "x_total", "counter", "a \\ and\na newline");
	metrics_sample(b, "x_total", "code", "q\"b\\n\n", 7);
	metrics_sample(b, "x_total", NULL, NULL, 18446744073709551615ULL);
	s = text(b);
	ck_assert_str_eq(s, "# HELP x_total a \\\\ and\\na newline\n# TYPE x_total counter\n"
			    "x_total{code=\"q\\\"b\\\\n\\n\"} 7\nx_total 18446744073709551615\n");
	free(s);
	evbuffer_free(b);
}
END_TEST

/* A value on a bound belongs to that bucket (le: less or equal). */
START_TEST(buckets)
{
	struct metrics_histogram h = { { 0 }, 0, 0 };
	struct evbuffer *b = evbuffer_new();
	char *s;

	metrics_observe(&h, 0.001);
	metrics_observe(&h, 0.0011);
	metrics_observe(&h, -1);
	metrics_observe(&h, 31);
	ck_assert_uint_eq(h.bucket[0], 2);
	ck_assert_uint_eq(h.bucket[1], 1);
	ck_assert_uint_eq(h.count, 4);
	metrics_histogram_samples(b, "t_seconds", "stage", "dns", &h);
	s = text(b);
	ck_assert_ptr_nonnull(strstr(s, "t_seconds_bucket{stage=\"dns\",le=\"0.001\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(s, "t_seconds_bucket{stage=\"dns\",le=\"0.0025\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(s, "t_seconds_bucket{stage=\"dns\",le=\"30\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(s, "t_seconds_bucket{stage=\"dns\",le=\"+Inf\"} 4\n"));
	ck_assert_ptr_nonnull(strstr(s, "t_seconds_sum{stage=\"dns\"} 31.002100\n"));
	ck_assert_ptr_nonnull(strstr(s, "t_seconds_count{stage=\"dns\"} 4\n"));
	free(s);
	evbuffer_free(b);
}
END_TEST

static void src_a(struct evbuffer *out, void *arg) { evbuffer_add_printf(out, "a%s\n", (char *)arg); }
static void src_b(struct evbuffer *out, void *arg) { evbuffer_add_printf(out, "b%s\n", (char *)arg); }

START_TEST(registry)
{
	struct metrics *m = metrics_new();
	struct evbuffer *b = evbuffer_new();
	char one[] = "1", two[] = "2";
	char *s;

	for (int i = 0; i < 20; i++)	/* past the first growth */
		ck_assert_int_eq(metrics_add_source(m, i % 2 ? src_b : src_a, i < 10 ? one : two), 0);
	for (int i = 0; i < 20; i++)
		if (i != 3)
			metrics_remove_source(m, i % 2 ? src_b : src_a, i < 10 ? one : two);
	metrics_remove_source(m, src_a, two);	/* not there: nothing */
	metrics_render(m, b);
	s = text(b);
	ck_assert_str_eq(s, "b1\n");
	free(s);
	metrics_free(m);
	metrics_free(NULL);
	evbuffer_free(b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, escaping);
	tcase_add_test(tc, buckets);
	tcase_add_test(tc, registry);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
