/* fuzz_config.c - libFuzzer target: the configuration loader on arbitrary
 * file contents (a bad file must give an error, never a crash or a leak) */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/* __lsan_default_suppressions - libconfig 1.5 (Debian 12) loses its string
 * buffers (the lexer's and strbuf's) when a string literal is followed by a
 * syntax error (the input `""`): a few bytes per refused file, in the
 * library, not in mxgate. */
const char *__lsan_default_suppressions(void)
{
    return "leak:strbuf_append\nleak:libconfig_yylex\n";
}

/* fuzz_path - a file of our own for the input, made once per process */
static const char *fuzz_path(void)
{
    static char path[64];
    if (path[0] == '\0') {
        snprintf(path, sizeof(path), "/tmp/fuzz_config.%ld.conf", (long)getpid());
    }
    return path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_path();
    FILE *f = fopen(path, "w");
    if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    char err[1024];
    err[0] = '\0';
    struct config *cfg = config_load(path, err, sizeof(err));
    if (cfg == NULL && err[0] == '\0')
        abort(); /* a refusal always says why */
    config_unref(&cfg);
    unlink(path);
    return 0;
}
