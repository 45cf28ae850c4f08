/* test_sign_config.c - sign = { ... }: keys and table read, defaults,
 * OpenDKIM KeyTable/SigningTable imported, every mistake named with its file
 * and line, and the signing table's first-match rule */
#include "config.h"
#include "sign_table.h"
#include "testing.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

/* setup - a directory with keys rsa.pem (2048), ed.pem, short.pem (1024),
 * tiny.pem (512), open.pem (mode 0644) */
static void setup(void)
{
    static const struct {
        const char *file, *type;
        size_t bits;
        mode_t mode;
    } keys[] = {{"rsa.pem", "RSA", 2048, 0600},
                {"ed.pem", "ED25519", 0, 0600},
                {"short.pem", "RSA", 1024, 0600},
                {"tiny.pem", "RSA", 512, 0600},
                {"open.pem", "ED25519", 0, 0644}};
    char path[128];
    snprintf(dir, sizeof(dir), "/tmp/mxgate-unit-sign-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        EVP_PKEY *k = keys[i].bits ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", keys[i].bits)
                                   : EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        snprintf(path, sizeof(path), "%s/%s", dir, keys[i].file);
        FILE *f = fopen(path, "w");
        CHECK(k && f && PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1);
        fclose(f);
        chmod(path, keys[i].mode);
        EVP_PKEY_free(k);
    }
}

/* teardown - remove the directory */
static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

/* write_file - text into DIR/name */
static const char *write_file(const char *name, const char *text)
{
    static char path[128];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CHECK(f && fputs(text, f) >= 0);
    fclose(f);
    return path;
}

/* load - the configuration text (in DIR/mxgate.conf); NULL with err */
static struct config *load(const char *text, char *err, size_t errlen)
{
    const char *path = write_file("mxgate.conf", text);
    err[0] = '\0';
    return config_load(path, err, errlen);
}

/* error_of - the error for text, with DIR replaced by D */
static const char *error_of(const char *text)
{
    static char err[700], out[700];
    struct config *cfg = load(text, err, sizeof(err));
    if (cfg) {
        config_unref(&cfg);
        return "loaded";
    }
    char *at = strstr(err, dir);
    if (at == NULL)
        return err;
    snprintf(out, sizeof(out), "%.*sD%s", (int)(at - err), err, at + strlen(dir));
    for (char *again; (again = strstr(out, dir));)
        memmove(again + 1, again + strlen(dir), strlen(again + strlen(dir)) + 1), *again = 'D';
    return out;
}

#define KEYS                                                                          \
    "sign = {\n"                                                                      \
    "  keys = ( { name = \"r\"; domain = \"Example.NET\"; selector = \"s1\"; file = " \
    "\"rsa.pem\"; },\n"                                                               \
    "           { name = \"e\"; domain = \"example.net\"; selector = \"s2\"; file = " \
    "\"ed.pem\"; canonicalization = \"simple\"; } );\n"

static void keys_and_table_are_read_with_defaults(void)
{
    char err[512];
    setup();
    struct config *cfg = load(KEYS "  table = ( { from = \"example.net\"; keys = [ \"r\", \"e\" ]; "
                                   "} );\n};\n",
                              err, sizeof(err));
    CHECK_STR(err, "");
    const struct sign_config *sc = cfg->sign;
    CHECK(sc && sc->nkeys == 2 && sc->nrules == 1 && sc->rules[0].nkeys == 2);
    CHECK_STR(sc->keys[0].domain, "example.net");
    CHECK(sc->keys[0].alg == DKIM_ALG_RSA_SHA256 && sc->keys[0].bits == 2048);
    CHECK(sc->keys[1].alg == DKIM_ALG_ED25519_SHA256);
    CHECK(sc->keys[0].hcanon == 1 && sc->keys[0].bcanon == 1); /* relaxed/relaxed */
    CHECK(sc->keys[1].hcanon == 0 && sc->keys[1].bcanon == 0); /* "simple" = simple/simple */
    CHECK(sc->noversign == 1 && strcmp(sc->oversign[0], "From") == 0);
    CHECK(sc->require_safe_keys && sc->by == SIGN_BY_FROM && sc->expire == 0);
    CHECK(sc->rules[0].keys[1] == &sc->keys[1]);
    config_unref(&cfg);
    CHECK(error_of("") != NULL);
    teardown();
}

static void mistakes_name_file_and_line(void)
{
    setup();
    CHECK_STR(error_of(KEYS "  tabel = ( );\n};\n"),
              "D/mxgate.conf:4: unknown setting \"tabel\" in sign");
    CHECK_STR(error_of(KEYS "};\n"), "D/mxgate.conf:1: sign has no table rows (table = ( ... ) or "
                                     "opendkim_signingtable): nothing would be signed");
    CHECK_STR(error_of(KEYS "  table = ( { from = \"example.net\"; keys = [ \"x\" ]; } );\n};\n"),
              "D/mxgate.conf:4: no key named \"x\" in the key table");
    CHECK_STR(error_of(KEYS "  canonicalization = \"relaxed/loose\";\n};\n"),
              "D/mxgate.conf:4: canonicalization \"relaxed/loose\" is not \"relaxed/relaxed\", "
              "\"relaxed/simple\", \"simple/relaxed\" or \"simple/simple\"");
    CHECK_STR(error_of(KEYS "  sign_by = \"envelope\";\n};\n"),
              "D/mxgate.conf:4: sign_by \"envelope\" is not \"from\" or \"sender\"");
    CHECK_STR(error_of("sign = { keys = ( { name = \"m\"; domain = \"example.net\"; selector = "
                       "\"s\"; file = \"missing.pem\"; } ); };\n"),
              "D/mxgate.conf:1: key \"m\": D/missing.pem: cannot open the key: No such file or "
              "directory");
    CHECK_STR(error_of("sign = { keys = ( { name = \"t\"; domain = \"example.net\"; selector = "
                       "\"s\"; file = \"tiny.pem\"; } ); };\n"),
              "D/mxgate.conf:1: key \"t\": D/tiny.pem: an RSA key of 512 bits; at least 1024 are "
              "needed");
    CHECK_STR(error_of("sign = {\n  keys = ( { name = \"r\"; } );\n};\n"),
              "D/mxgate.conf:2: a sign.keys entry needs name, domain, selector and file");
    teardown();
}

static void unsafe_keys_are_refused_unless_allowed(void)
{
    setup();
#define OPEN_CONF(extra)                                                                    \
    "sign = { keys = ( { name = \"o\"; domain = \"example.net\"; selector = \"s\"; file = " \
    "\"open.pem\"; } );\n  table = ( { from = \"example.net\"; key = \"o\"; } ); " extra " };\n"
    CHECK_STR(error_of(OPEN_CONF("")),
              "D/mxgate.conf:1: key \"o\": D/open.pem: the key is readable "
              "or writable by group or others (mode 0644); chmod 600 it "
              "(or set sign.require_safe_keys = false)");
    CHECK_STR(error_of(OPEN_CONF("require_safe_keys = false;")), "loaded");
    char path[128];
    snprintf(path, sizeof(path), "%s/open.pem", dir);
    chmod(path, 0600);
    CHECK(chown(path, 65534, 65534) == 0); /* nobody */
    CHECK_CONTAINS(error_of(OPEN_CONF("")),
                   "D/open.pem: the key is owned by uid 65534, not by root");
    CHECK_STR(error_of("user = \"nobody\";\n" OPEN_CONF("")), "loaded");
    teardown();
}

static void opendkim_tables_are_imported(void)
{
    char err[512], kt[600];
    setup();
    snprintf(kt, sizeof(kt),
             "# OpenDKIM KeyTable\nrsa example.net:s1:%s/rsa.pem\n\ned  example.org:s2:%s/ed.pem "
             " # comment\n",
             dir, dir);
    write_file("KeyTable", kt);
    write_file("SigningTable", "example.net rsa\nalice@example.net ed\n");
    write_file("refile", "*@example.org ed\n*@example.org rsa\n*.example.net rsa\n");
    struct config *cfg = load(
        "sign = { opendkim_keytable = \"KeyTable\"; opendkim_signingtable = \"SigningTable\"; };\n",
        err, sizeof(err));
    CHECK_STR(err, "");
    const struct sign_config *sc = cfg->sign;
    CHECK(sc->nkeys == 2 && sc->nrules == 2);
    CHECK_STR(sc->rules[0].from, "alice@example.net"); /* addresses first, as OpenDKIM looks up */
    CHECK_STR(sc->rules[0].keys[0]->name, "ed");
    CHECK_STR(sc->rules[1].origin + strlen(dir), "/SigningTable:1");
    config_unref(&cfg);
    cfg = load("sign = { opendkim_keytable = \"file:KeyTable\"; opendkim_signingtable = "
               "\"refile:refile\"; };\n",
               err, sizeof(err));
    CHECK_STR(err, "");
    sc = cfg->sign;
    CHECK(sc->nrules == 2 && sc->rules[0].nkeys == 2); /* two lines, one pattern: two keys */
    CHECK(sign_table_match(sc, "bob@example.org", "example.org", NULL) == &sc->rules[0]);
    CHECK(sign_table_match(sc, "bob@mx.example.net", "mx.example.net", NULL) == &sc->rules[1]);
    CHECK(sign_table_match(sc, "bob@example.net", "example.net", NULL) == NULL);
    config_unref(&cfg);
    write_file("KeyTable", "rsa example.net:s1\n");
    CHECK_STR(error_of("sign = { opendkim_keytable = \"KeyTable\"; };\n"),
              "D/KeyTable:1: expected \"NAME DOMAIN:SELECTOR:/PATH/TO/KEY\"");
    write_file("SigningTable", "*.example.net rsa\n");
    snprintf(kt, sizeof(kt), "rsa example.net:s1:%s/rsa.pem\n", dir);
    write_file("KeyTable", kt);
    CHECK_STR(error_of("sign = { opendkim_keytable = \"KeyTable\"; opendkim_signingtable = "
                       "\"SigningTable\"; };\n"),
              "D/SigningTable:1: \"*.example.net\": wildcards need \"refile:\"");
    teardown();
}

static void the_first_matching_row_wins(void)
{
    char err[512];
    setup();
    struct config *cfg = load(KEYS "  table = (\n"
                                   "    { from = \"alice@example.net\"; keys = [ \"e\" ]; },\n"
                                   "    { from = \"example.net\"; keys = [ \"r\", \"e\" ]; },\n"
                                   "    { from = \"*.example.net\"; keys = [ \"r\" ]; },\n"
                                   "    { user = \"carol@*\"; keys = [ \"r\" ]; },\n"
                                   "    { from = \"*example.org\"; keys = [ \"e\" ]; }\n"
                                   "  );\n};\n",
                              err, sizeof(err));
    CHECK_STR(err, "");
    const struct sign_config *sc = cfg->sign;
    CHECK(sign_table_match(sc, "alice@example.net", "example.net", NULL) == &sc->rules[0]);
    CHECK(sign_table_match(sc, "bob@example.net", "example.net", NULL) == &sc->rules[1]);
    CHECK(sign_table_match(sc, "bob@lists.example.net", "lists.example.net", NULL) ==
          &sc->rules[2]);
    CHECK(sign_table_match(sc, "bob@example.com", "example.com", NULL) == NULL);
    CHECK(sign_table_match(sc, "bob@example.com", "example.com", "carol@example.com") ==
          &sc->rules[3]);
    CHECK(sign_table_match(sc, "x@badexample.org", "badexample.org", NULL) == &sc->rules[4]);
    CHECK(sign_table_match(sc, "x@example.org.evil", "example.org.evil", NULL) == NULL);
    config_unref(&cfg);
    teardown();
}

static void globs_match_runs_of_characters(void)
{
    CHECK(sign_table_glob("*@example.net", "Alice@Example.NET"));
    CHECK(sign_table_glob("*.example.net", "a.b.example.net"));
    CHECK(!sign_table_glob("*.example.net", "example.net"));
    CHECK(sign_table_glob("a*b*c", "aXXbYYc"));
    CHECK(!sign_table_glob("a*b*c", "aXXbYY"));
    CHECK(sign_table_glob("*", ""));
}

#define SIGN_CONFIG_TESTS(T)                  \
    T(keys_and_table_are_read_with_defaults)  \
    T(mistakes_name_file_and_line)            \
    T(unsafe_keys_are_refused_unless_allowed) \
    T(opendkim_tables_are_imported)           \
    T(the_first_matching_row_wins)            \
    T(globs_match_runs_of_characters)

TEST_MAIN(SIGN_CONFIG_TESTS)
