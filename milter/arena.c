/* arena.c - region allocator: many small allocations, one release point */
#include "arena.h"

#include "util.h"

#include <stdarg.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK 4096

struct block {
    struct block *next;
    size_t size, used;
    alignas(max_align_t) unsigned char data[];
};

struct release {
    struct release *next;
    void (*fn)(void *);
    void *arg;
};

struct arena {
    struct block *blocks;
    struct release *releases;
};

/* block_new - a block with room for at least n bytes */
static struct block *block_new(size_t n)
{
    size_t size = n > ARENA_BLOCK ? n : ARENA_BLOCK;
    struct block *b = xmalloc(sizeof(*b) + size);
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

/* arena_create - empty arena with one block */
struct arena *arena_create(void)
{
    struct arena *a = xmalloc(sizeof(*a));
    a->blocks = block_new(ARENA_BLOCK);
    a->releases = NULL;
    return a;
}

/* run_releases - call destructors, newest first */
static void run_releases(struct arena *a)
{
    while (a->releases) {
        struct release *r = a->releases;
        a->releases = r->next;
        r->fn(r->arg);
    }
}

/* free_blocks_after - free every block after b */
static void free_blocks_after(struct block *b)
{
    struct block *n = b->next;
    b->next = NULL;
    while (n) {
        struct block *next = n->next;
        free(n);
        n = next;
    }
}

/* arena_reset - release everything, keep the last (first-allocated) block */
void arena_reset(struct arena *a)
{
    run_releases(a);
    struct block *last = a->blocks;
    while (last->next)
        last = last->next;
    struct block *b = a->blocks;
    while (b != last) {
        struct block *next = b->next;
        free(b);
        b = next;
    }
    last->used = 0;
    a->blocks = last;
}

/* arena_destroy - release everything and clear the caller's pointer */
void arena_destroy(struct arena **ap)
{
    if (ap == NULL || *ap == NULL)
        return;
    struct arena *a = *ap;
    run_releases(a);
    free_blocks_after(a->blocks);
    free(a->blocks);
    free(a);
    *ap = NULL;
}

/* arena_alloc - bump-allocate zeroed memory */
void *arena_alloc(struct arena *a, size_t n)
{
    const size_t align = alignof(max_align_t);
    n = (n + align - 1) & ~(align - 1);
    struct block *b = a->blocks;
    if (b->size - b->used < n) {
        b = block_new(n);
        b->next = a->blocks;
        a->blocks = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

/* arena_strndup - bounded string copy */
char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    if (s == NULL)
        return NULL;
    size_t len = strnlen(s, n);
    char *p = arena_alloc(a, len + 1);
    memcpy(p, s, len);
    return p;
}

/* arena_strdup - string copy */
char *arena_strdup(struct arena *a, const char *s)
{
    return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

/* arena_printf - formatted string */
char *arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return arena_strdup(a, "");
    char *p = arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

/* arena_on_release - register a destructor */
void arena_on_release(struct arena *a, void (*fn)(void *), void *arg)
{
    struct release *r = arena_alloc(a, sizeof(*r));
    r->fn = fn;
    r->arg = arg;
    r->next = a->releases;
    a->releases = r;
}

/* arena_grow - room for one more element */
void *arena_grow(struct arena *a, void *v, unsigned n, unsigned *cap, size_t size, unsigned first)
{
    if (n < *cap)
        return v;
    unsigned c = *cap ? *cap * 2 : first;
    void *w = arena_alloc(a, c * size);
    if (n)
        memcpy(w, v, n * size);
    *cap = c;
    return w;
}
