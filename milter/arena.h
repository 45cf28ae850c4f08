/* arena.h - region allocator: many small allocations, one release point */
#ifndef MXGATE_ARENA_H
#define MXGATE_ARENA_H

#include <stddef.h>

struct arena;

/* arena_create - new empty arena; never NULL (aborts on OOM). */
struct arena *arena_create(void);

/* arena_destroy - run registered destructors (last registered first), free
 * all memory, and set *ap to NULL. Accepts NULL and *ap == NULL. */
void arena_destroy(struct arena **ap);

/* arena_reset - like destroy followed by create, keeping the first block. */
void arena_reset(struct arena *a);

/* arena_alloc - n bytes aligned for any type, zeroed; valid until reset/destroy. */
void *arena_alloc(struct arena *a, size_t n);

/* arena_strdup, arena_strndup - copies of strings in the arena; NULL in, NULL out. */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);

/* arena_printf - formatted string in the arena. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* arena_grow - an array of n elements of size bytes with capacity *cap, made
 * room for one more: returns v itself while there is room, else a copy in a
 * (first, or twice as) large block of the arena (the old one stays until the
 * arena is reset), and updates *cap. */
void *arena_grow(struct arena *a, void *v, unsigned n, unsigned *cap, size_t size, unsigned first);

/* arena_on_release - call fn(arg) when the arena is reset or destroyed: ties a
 * library handle's lifetime to the arena. */
void arena_on_release(struct arena *a, void (*fn)(void *), void *arg);

#endif
