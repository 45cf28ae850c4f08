/* ctl_explain_trace.c - mxgatectl explain's output: each check result with
 * its word and reason, each rule evaluated with its file:line, each
 * decision with the line the daemon logs, each reply, and the edits of an
 * accepted message; the replies again in milterc's form ("rcpt <b@x>:
 * reject 550 5.7.1 ..."), so that a test compares them with golden cases */
#include "explain.h"

#include "mta.h"
#include "registry.h"
#include "rule.h"

#include <string.h>

/* put_escaped - a text on one line, as milterc prints it */
static void put_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '\r' || ch == '\n' || ch == '\t' || ch == '\\')
            fprintf(f, "\\%c", ch == '\r' ? 'r' : ch == '\n' ? 'n' : ch == '\t' ? 't' : '\\');
        else if (ch < 0x20 || ch == 0x7f)
            fprintf(f, "\\x%02x", ch);
        else
            fputc(ch, f);
    }
}

/* changed - whether slot id holds a result not printed yet */
static bool changed(const struct explain *ex, int id)
{
    const struct check_result *r = conn_check_result(ex->c, id);
    if (r == NULL)
        return false;
    return !ex->shown_any[id] || ex->shown[id].word != r->word || ex->shown[id].reason != r->reason;
}

/* explain_checks - the results that finished since the last call */
void explain_checks(struct explain *ex)
{
    for (int id = 0; id < CHECK_COUNT; id++) {
        if (!changed(ex, id))
            continue;
        const struct check_result *r = conn_check_result(ex->c, id);
        fprintf(ex->out, "  check %s: %s", check_table[id]->name, check_word_name(id, r->word));
        for (int w = 0; w < 32; w++)
            if ((ex->c->slots[id].also & (1u << w)) && w != r->word)
                fprintf(ex->out, ", %s", check_word_name(id, w));
        fprintf(ex->out, r->reason ? " (%s)\n" : "\n", r->reason);
        ex->shown[id] = *r;
        ex->shown_any[id] = true;
    }
}

/* explain_pending - checks started that no evaluated rule needed */
void explain_pending(struct explain *ex)
{
    for (int id = 0; id < CHECK_COUNT; id++)
        if (ex->c->slots[id].state == SLOT_STARTED)
            fprintf(ex->out, "  check %s: started, not needed by the rules evaluated\n",
                    check_table[id]->name);
}

/* trace_rule - one rule evaluated: where it is, what it says, whether it held */
static void trace_rule(void *arg, enum stage stage, const struct rule *r, bool matched)
{
    struct explain *ex = arg;
    (void)stage;
    explain_checks(ex);
    fprintf(ex->out, "  rule %d (%s): if %s%s%s do %s%s%s%s%s: %s\n", r->index, r->origin,
            r->cond_text ? "\"" : "", r->cond_text ? r->cond_text : "always",
            r->cond_text ? "\"" : "", action_name(r->action.kind), r->action.code[0] ? " " : "",
            r->action.code, r->action.ecode[0] ? " " : "", r->action.ecode,
            matched ? "MATCHED" : "no match");
    if (matched && r->shadow)
        fprintf(ex->out, "    (in shadow mode: logged and counted, not enforced)\n");
}

/* trace_decision - what the daemon logs for a decision */
static void trace_decision(void *arg, enum stage stage, const struct rule *r, const char *what,
                           const char *reply, const char *line)
{
    struct explain *ex = arg;
    (void)stage;
    explain_checks(ex);
    fprintf(ex->out, "  decision: %s by rule %d (%s): %s\n", what, r->index, r->origin, reply);
    fprintf(ex->out, "  log: %s\n", line);
}

const struct conn_trace explain_trace_ops = {.rule = trace_rule, .decision = trace_decision};

/* put_reply - "continue", "reject 550 5.7.1 text", "tempfail 451 4.7.1 text" */
static void put_reply(FILE *f, const struct reply *rep)
{
    if (rep->kind != ACTION_REJECT && rep->kind != ACTION_DEFER) {
        fputs("continue", f);
        return;
    }
    fprintf(f, "%s %s %s ", rep->kind == ACTION_REJECT ? "reject" : "tempfail", rep->code,
            rep->ecode);
    put_escaped(f, rep->text);
}

/* explain_reply - the reply, here and (if sent) in milterc's form */
void explain_reply(struct explain *ex, const char *label, enum stage stage, const struct reply *rep)
{
    bool unsent = mta_noreply(ex->c->proto, rep->kind, stage);
    explain_checks(ex);
    fputs("  reply: ", ex->out);
    put_reply(ex->out, rep);
    if (unsent)
        fputs(" (not sent: the MTA was told not to wait for this reply)", ex->out);
    else if (ex->c->tarpit_ms)
        fprintf(ex->out, " (sent after the tarpit delay, %u ms)", ex->c->tarpit_ms);
    fputc('\n', ex->out);
    if (unsent)
        return;
    fprintf(ex->rep, "%s: ", label);
    put_reply(ex->rep, rep);
    fputc('\n', ex->rep);
}

/* edit_quarantine - the message would be held */
static void edit_quarantine(void *arg, const struct conn *c, const char *reason)
{
    struct explain *ex = arg;
    (void)c;
    fprintf(ex->out, "  quarantine (the MTA holds the message): %s\n", reason);
    fputs("eom: quarantine ", ex->rep);
    put_escaped(ex->rep, reason);
    fputc('\n', ex->rep);
}

/* edit_remove - a header would be removed */
static void edit_remove(void *arg, const struct conn *c, const char *name, unsigned index)
{
    struct explain *ex = arg;
    (void)c;
    fprintf(ex->out, "  remove header: %s #%u (it claims our authserv-id)\n", name, index);
    fprintf(ex->rep, "eom: chgheader %u %s:\n", index, name);
}

/* edit_insert - a header would be added on top */
static void edit_insert(void *arg, const struct conn *c, const char *name, const char *value)
{
    struct explain *ex = arg;
    (void)c;
    fprintf(ex->out, "  add header: %s: %s\n", name, value);
    fprintf(ex->rep, "eom: insheader 0 %s: ", name);
    put_escaped(ex->rep, value);
    fputc('\n', ex->rep);
}

/* explain_edits - the edits, for session_eom */
struct session_edits explain_edits(struct explain *ex)
{
    return (struct session_edits){
        .quarantine = edit_quarantine, .remove = edit_remove, .insert = edit_insert, .arg = ex};
}
