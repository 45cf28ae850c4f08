/* test_config.c - the configuration loader: defaults, and a file:line answer
 * for every kind of mistake */
#include "config.h"
#include "log.h"
#include "testing.h"

#include <unistd.h>

static char path[64];

/* load_text - write text to a temp file and load it; err gets the problem */
static struct config *load_text(const char *text, char *err, size_t errlen)
{
    snprintf(path, sizeof(path), "/tmp/mxgate-unit-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        abort();
    close(fd);
    err[0] = '\0';
    struct config *cfg = config_load(path, err, errlen);
    unlink(path);
    return cfg;
}

/* error_of - the error for a configuration, with the temp path replaced by F */
static const char *error_of(const char *text)
{
    static char err[600], out[600];
    struct config *cfg = load_text(text, err, sizeof(err));
    if (cfg) {
        config_unref(&cfg);
        return "loaded";
    }
    size_t n = strlen(path);
    if (strncmp(err, path, n) == 0)
        snprintf(out, sizeof(out), "F%s", err + n);
    else
        snprintf(out, sizeof(out), "%s", err);
    return out;
}

static void an_empty_file_gives_the_documented_defaults(void)
{
    char err[256];
    struct config *cfg = load_text("", err, sizeof(err));
    CHECK(cfg != NULL);
    if (cfg == NULL)
        return;
    CHECK_STR(cfg->socket, "unix:/run/mxgate/mxgate.sock");
    CHECK(cfg->socket_mode == 0660);
    CHECK(cfg->dns.timeout_ms == 2000 && cfg->dns.budget_ms == 8000);
    CHECK(cfg->delay_reject && cfg->trusted.authenticated);
    CHECK(cfg->trusted.nnetworks == 2);
    CHECK(cfg->rules.count == 0 && cfg->log.level == LOG_LVL_INFO);
    config_unref(&cfg);
    CHECK(cfg == NULL);
}

static void a_full_file_is_read(void)
{
    char err[256];
    struct config *cfg = load_text(
        "socket = \"inet:8891@127.0.0.1\";\nsocket_mode = \"0600\";\n"
        "hostnames = [ \"MX1.Example.NET\" ];\naddresses = [ \"192.0.2.1\", \"2001:db8::1\" ];\n"
        "log = { to = \"stderr\"; level = \"debug\"; };\n"
        "dns = { servers = [ \"127.0.0.1:5353\", \"[::1]:53\" ]; timeout = 0.5; budget = 5; };\n"
        "trusted = { networks = [ \"10.0.0.0/8\" ]; authenticated = false; };\n"
        "checks = { iprev = { }; };\n"
        "rules = ( { if = \"iprev is fail\"; do = \"reject 550 5.7.25 no\"; },\n"
        "          { do = \"accept\"; } );\n",
        err, sizeof(err));
    CHECK(cfg != NULL);
    if (cfg == NULL) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    CHECK_STR(cfg->hostnames[0], "mx1.example.net");
    CHECK(cfg->naddresses == 2 && cfg->dns.nservers == 2);
    CHECK(cfg->dns.timeout_ms == 500 && cfg->dns.budget_ms == 5000);
    CHECK(!cfg->trusted.authenticated && cfg->trusted.nnetworks == 1);
    CHECK(cfg->rules.count == 2 && cfg->rules.rules[1].index == 2);
    CHECK(cfg->rules.used_checks == (1u << CHECK_ID_iprev | 1u << CHECK_ID_dkim)); /* rules, A-R */
    config_unref(&cfg);
}

static void syntax_errors_name_file_and_line(void)
{
    CHECK_CONTAINS(error_of("socket = \"unix:/x\";\n\nsocket_mode = ;\n"), "F:3: ");
}

static void unknown_settings_name_file_and_line(void)
{
    CHECK_STR(error_of("socket = \"unix:/x\";\nsokcet_mode = \"0600\";\n"),
              "F:2: unknown setting \"sokcet_mode\" in the configuration");
    CHECK_STR(error_of("dns = {\n  server = [ \"127.0.0.1\" ];\n};\n"),
              "F:2: unknown setting \"server\" in dns");
    CHECK_STR(error_of("checks = { spam = { }; };\n"), "F:1: unknown check \"spam\"");
}

static void bad_values_name_file_line_and_problem(void)
{
    CHECK_CONTAINS(error_of("\nsocket = \"tcp:25\";\n"), "F:2: socket \"tcp:25\" is not unix:");
    CHECK_CONTAINS(error_of("socket_mode = \"rw\";\n"), "F:1: socket_mode \"rw\" is not an octal");
    CHECK_CONTAINS(error_of("dns = { timeout = 600; };\n"), "F:1: timeout must be between");
    CHECK_CONTAINS(error_of("dns = { servers = [ \"ns.example\" ]; };\n"),
                   "F:1: DNS server \"ns.example\" is not");
    CHECK_CONTAINS(error_of("trusted = { networks = [ \"10.1.2.3/8\" ]; };\n"),
                   "F:1: trusted.networks: \"10.1.2.3/8\": address has bits set");
    CHECK_CONTAINS(error_of("log = { level = \"loud\"; };\n"), "F:1: log level \"loud\"");
    CHECK_CONTAINS(error_of("delay_reject = \"yes\";\n"),
                   "F:1: delay_reject must be true or false");
    CHECK_CONTAINS(error_of("pidfile = \"run/x.pid\";\n"), "F:1: pidfile must be an absolute");
}

static void bad_rules_name_the_rule_and_its_line(void)
{
    CHECK_CONTAINS(error_of("rules = (\n  { if = \"iprev is pass\"; do = \"accept\"; },\n"
                            "  { if = \"iprev is bogus\"; do = \"reject\"; }\n);\n"),
                   "F:3: rule 2: condition \"iprev is bogus\", column 10: check iprev has no "
                   "result \"bogus\"");
    CHECK_CONTAINS(error_of("rules = ( { if = \"iprev is fail\"; } );\n"),
                   "F:1: rule 1 has no do = \"ACTION\"");
    CHECK_CONTAINS(error_of("rules = ( { if = \"iprev is fail\"; do = \"reject 450\"; } );\n"),
                   "F:1: rule 1: \"450\" is not a 5xx reply code");
    CHECK_CONTAINS(error_of("rules = ( { when = \"x\"; do = \"accept\"; } );\n"),
                   "F:1: unknown setting \"when\" in rule 1");
}

static void a_missing_file_says_it_cannot_be_read(void)
{
    char err[256];
    CHECK(config_load("/nonexistent/mxgate.conf", err, sizeof(err)) == NULL);
    CHECK_STR(err, "/nonexistent/mxgate.conf: cannot read the configuration: No such file or "
                   "directory");
}

static void a_snapshot_outlives_its_replacement_while_referenced(void)
{
    char err[256];
    struct config *a = load_text("socket = \"unix:/a\";\n", err, sizeof(err));
    struct config *b = load_text("socket = \"unix:/b\";\n", err, sizeof(err));
    config_install(a);
    struct config *held = config_current();
    config_install(b);
    CHECK_STR(held->socket, "unix:/a");
    struct config *now = config_current();
    CHECK_STR(now->socket, "unix:/b");
    config_unref(&held);
    config_unref(&now);
    config_install(NULL);
}

static void lists_tarpit_and_authserv_id_are_read(void)
{
    char err[256];
    struct config *cfg = load_text(
        "rules = ( { if = \"rcpt in vip\"; do = \"accept\"; } );\n"
        "lists = { vip = [ \"CEO@Example.net\" ]; };\n"
        "tarpit = { delay = 2.5; max_connections = 7; };\nhostnames = [ \"mx1.example.net\" ];\n",
        err, sizeof(err));
    CHECK(cfg != NULL);
    CHECK_STR(lists_find(&cfg->lists, "vip")->patterns[0], "ceo@example.net");
    CHECK(lists_find(&cfg->lists, "exempt_rcpt") != NULL);
    CHECK(cfg->tarpit.delay_ms == 2500 && cfg->tarpit.max_connections == 7);
    CHECK_STR(cfg->authserv_id, "mx1.example.net");
    CHECK(cfg->rules.used_checks & (1u << CHECK_ID_iprev));
    config_unref(&cfg);
}

static void bad_lists_and_tarpit_settings_name_file_and_line(void)
{
    CHECK_STR(error_of("lists = {\n  vip = 3;\n};\n"),
              "F:2: vip must be a list of strings [ \"...\", ... ]");
    CHECK_CONTAINS(error_of("rules = ( { if = \"rcpt in vips\"; do = \"accept\"; } );\n"),
                   "F:1: rule 1: condition \"rcpt in vips\", column 9: unknown list");
    CHECK_CONTAINS(error_of("tarpit = { delay = 90; };\n"), "F:1: delay must be between 1 and 60");
    CHECK_CONTAINS(error_of("authserv_id = \"mx; evil\";\n"),
                   "F:1: authserv_id must be a host name");
    CHECK_CONTAINS(error_of("checks = { iprev = { generic = [ 3 ]; }; };\n"),
                   "F:1: checks.iprev: generic must be a list of non-empty strings");
    CHECK_CONTAINS(error_of("checks = { iprev = { generik = [ ]; }; };\n"),
                   "F:1: checks.iprev: unknown setting \"generik\"");
}

static void a_check_that_reads_another_makes_it_run(void)
{
    char err[256];
    struct config *cfg =
        load_text("rules = ( { if = \"helo is forged\"; do = \"reject\"; } );\n", err, sizeof(err));
    CHECK(cfg != NULL);
    CHECK(cfg->rules.used_checks == ((1u << CHECK_ID_helo) | (1u << CHECK_ID_iprev)));
    config_unref(&cfg);
}

/* shadow_scores_and_macros_are_read - rule settings the loader derives */
static void shadow_scores_and_macros_are_read(void)
{
    char err[400];
    struct config *cfg =
        load_text("shadow = true;\n"
                  "lists = { nets = [ \"192.0.2.0/24\", \"2001:db8::/32\", \"*.example\" ]; };\n"
                  "rules = (\n"
                  "  { if = \"client_addr in nets\"; do = \"score 1\"; },\n"
                  "  { if = \"score >= 1\"; do = \"reject\"; shadow = false; },\n"
                  "  { if = \"dkim is fail\"; do = \"score 2\"; },\n"
                  "  { if = \"score >= 3 and macro {tls_version} is x\"; do = \"reject\"; },\n"
                  "  { if = \"macro j is y or macro {tls_version} is z\"; do = \"log\"; }\n"
                  ");\n",
                  err, sizeof(err));
    CHECK(cfg != NULL);
    if (cfg == NULL) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    const struct rule *r = cfg->rules.rules;
    CHECK(r[0].shadow && !r[1].shadow && r[2].shadow && r[3].shadow);
    CHECK(r[0].stage == STAGE_MAIL && r[1].stage == STAGE_MAIL);
    CHECK(r[2].stage == STAGE_EOM && r[3].stage == STAGE_EOM); /* waits for rule 3's points */
    CHECK(cfg->rules.scores && r[0].count && r[0].count->enforced == 0);
    CHECK_STR(cfg->rules.macros, "{tls_version} j");
    CHECK(lists_find(&cfg->lists, "nets")->ncidrs == 2);
    config_unref(&cfg);
}

#define CONFIG_TESTS(T)                                     \
    T(an_empty_file_gives_the_documented_defaults)          \
    T(a_full_file_is_read)                                  \
    T(syntax_errors_name_file_and_line)                     \
    T(unknown_settings_name_file_and_line)                  \
    T(bad_values_name_file_line_and_problem)                \
    T(bad_rules_name_the_rule_and_its_line)                 \
    T(a_missing_file_says_it_cannot_be_read)                \
    T(a_snapshot_outlives_its_replacement_while_referenced) \
    T(lists_tarpit_and_authserv_id_are_read)                \
    T(bad_lists_and_tarpit_settings_name_file_and_line)     \
    T(a_check_that_reads_another_makes_it_run)              \
    T(shadow_scores_and_macros_are_read)

TEST_MAIN(CONFIG_TESTS)
