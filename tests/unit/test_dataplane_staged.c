/* The staged-packet queue: order, the drop-oldest bound, buffer layout for
 * in-place encryption, and clear. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/staged.h"

static struct staged_pkt *pkt(uint32_t id)
{
	struct staged_pkt *p = staged_pkt_create((const uint8_t *)&id, sizeof(id), 16, 64);

	assert_non_null(p);
	return p;
}

static uint32_t id_of(const struct staged_pkt *p)
{
	uint32_t id;

	memcpy(&id, p->data + p->headroom, sizeof(id));
	return id;
}

static void test_fifo_order(void **state)
{
	struct staged_queue q;
	struct staged_pkt *p;

	(void)state;
	staged_init(&q);
	assert_null(staged_peek(&q));
	assert_null(staged_pop(&q));
	for (uint32_t i = 0; i < 5; i++)
		assert_int_equal(staged_push(&q, pkt(i)), 0);
	assert_int_equal(staged_count(&q), 5);
	for (uint32_t i = 0; i < 5; i++) {
		assert_int_equal(id_of(staged_peek(&q)), i);
		p = staged_pop(&q);
		assert_int_equal(id_of(p), i);
		staged_pkt_free(p);
	}
	assert_int_equal(staged_count(&q), 0);
}

static void test_full_queue_drops_oldest(void **state)
{
	struct staged_queue q;
	unsigned dropped = 0;
	struct staged_pkt *p;

	(void)state;
	staged_init(&q);
	for (uint32_t i = 0; i < STAGED_MAX + 10; i++)
		dropped += staged_push(&q, pkt(i));
	assert_int_equal(dropped, 10);
	assert_int_equal(staged_count(&q), STAGED_MAX);
	/* the newest STAGED_MAX survive, in order, across the ring's wrap */
	for (uint32_t i = 10; i < STAGED_MAX + 10; i++) {
		p = staged_pop(&q);
		assert_int_equal(id_of(p), i);
		staged_pkt_free(p);
	}
	assert_null(staged_pop(&q));
}

static void test_clear(void **state)
{
	struct staged_queue q;
	struct staged_pkt *p;

	(void)state;
	staged_init(&q);
	for (uint32_t i = 0; i < 7; i++)
		staged_push(&q, pkt(i));
	p = staged_pop(&q);
	assert_non_null(p);
	staged_pkt_free(p);
	assert_int_equal(staged_clear(&q), 6);
	assert_int_equal(staged_count(&q), 0);
	assert_int_equal(staged_clear(&q), 0);
	/* usable again after clear */
	staged_push(&q, pkt(42));
	assert_int_equal(id_of(staged_peek(&q)), 42);
	staged_clear(&q);
}

static void test_layout_and_bounds(void **state)
{
	const uint8_t payload[3] = { 1, 2, 3 };
	struct staged_pkt *p;

	(void)state;
	p = staged_pkt_create(payload, 3, 16, 48);
	assert_non_null(p);
	assert_int_equal(p->len, 3);
	assert_int_equal(p->cap, 48);
	assert_memory_equal(p->data + 16, payload, 3);
	staged_pkt_free(p);
	/* a keepalive is an empty packet */
	p = staged_pkt_create(NULL, 0, 16, 32);
	assert_non_null(p);
	assert_int_equal(p->len, 0);
	staged_pkt_free(p);
	assert_null(staged_pkt_create(payload, 3, 16, 18));
	assert_null(staged_pkt_create(payload, 3, 49, 48));
	staged_pkt_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_order),
		cmocka_unit_test(test_full_queue_drops_oldest),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_layout_and_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
