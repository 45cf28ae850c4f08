/* test_arena.c - the region allocator */
#include "arena.h"
#include "testing.h"

#include <stdalign.h>
#include <stdint.h>

static int order[4], norder;

/* record - destructor that notes its argument */
static void record(void *arg)
{
    order[norder++] = (int)(intptr_t)arg;
}

static void allocations_are_aligned_zeroed_and_may_be_large(void)
{
    struct arena *a = arena_create();
    for (int i = 1; i < 100; i++) {
        unsigned char *p = arena_alloc(a, (size_t)i * 13);
        CHECK(((uintptr_t)p % alignof(max_align_t)) == 0);
        CHECK(p[0] == 0 && p[i * 13 - 1] == 0);
        memset(p, 0xff, (size_t)i * 13);
    }
    char *big = arena_alloc(a, 100000);
    CHECK(big[99999] == 0);
    CHECK_STR(arena_printf(a, "%s-%d", "x", 7), "x-7");
    CHECK_STR(arena_strndup(a, "abcdef", 3), "abc");
    CHECK(arena_strdup(a, NULL) == NULL);
    arena_destroy(&a);
    CHECK(a == NULL);
}

static void destructors_run_newest_first_at_reset_and_destroy(void)
{
    struct arena *a = arena_create();
    norder = 0;
    arena_on_release(a, record, (void *)1);
    arena_on_release(a, record, (void *)2);
    arena_reset(a);
    CHECK(norder == 2 && order[0] == 2 && order[1] == 1);
    arena_on_release(a, record, (void *)3);
    arena_alloc(a, 50000);
    arena_destroy(&a);
    CHECK(norder == 3 && order[2] == 3);
    arena_destroy(&a);
}

static void grow_keeps_the_elements_and_doubles(void)
{
    struct arena *a = arena_create();
    int *v = NULL;
    unsigned n = 0, cap = 0;
    for (int i = 0; i < 100; i++) {
        v = arena_grow(a, v, n, &cap, sizeof(*v), 4);
        v[n++] = i;
        CHECK(cap >= n && (cap == 4 || cap % 8 == 0));
    }
    for (int i = 0; i < 100; i++)
        CHECK_INT(v[i], i);
    CHECK_INT(cap, 128);
    arena_destroy(&a);
}

#define ARENA_TESTS(T)                                   \
    T(allocations_are_aligned_zeroed_and_may_be_large)   \
    T(destructors_run_newest_first_at_reset_and_destroy) \
    T(grow_keeps_the_elements_and_doubles)

TEST_MAIN(ARENA_TESTS)
