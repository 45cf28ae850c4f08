/* milterc_script.h - milterc's script language: parse a script into steps
 *
 * One command per line. Blank lines and lines starting with '#' (after
 * optional white space) are ignored. Words are separated by spaces or tabs.
 *
 *   macro STAGE NAME VALUE...   define a macro for STAGE (connect helo mail rcpt
 *                               data eoh eom); VALUE is the rest of the line and
 *                               may be empty. It is sent (SMFIC_MACRO) before
 *                               every later command of that stage, as long as
 *                               the filter's macro list for the stage allows it.
 *   unmacro STAGE NAME          forget a macro
 *   connect HOST FAMILY [ADDR PORT]
 *                               FAMILY is 4 or 6 (ADDR and PORT required), unix
 *                               (ADDR is a path, no PORT) or unknown (nothing
 *                               more). Opens a new connection to the filter and
 *                               negotiates options first; an open connection
 *                               is quit (SMFIC_QUIT) before.
 *   helo NAME
 *   mail <ADDR> [ESMTP-ARGS...]
 *   rcpt <ADDR> [ESMTP-ARGS...]
 *   data
 *   header NAME: VALUE          VALUE may be empty; one space after the colon
 *                               is dropped unless SMFIP_HDR_LEADSPC was
 *                               negotiated (milterc -l)
 *   eoh
 *   body TEXT                   append TEXT and CRLF to the body; TEXT starts
 *                               after the one space that follows "body" and may
 *                               be empty
 *   bodyraw N CHAR              append N copies of the byte CHAR (no CRLF);
 *                               CHAR "NUL" is the byte 0
 *   eom                         send what is left of the body, then end of message
 *   abort                       SMFIC_ABORT for the current message
 *   quit                        SMFIC_QUIT, then close the connection
 *   drop                        close the connection without a word
 *   sleep MS                    pause for MS milliseconds
 *
 * Every argument may use the escapes \r \n \t \\ and \xHH (not \x00). "%n" is
 * replaced by the run index (0-based) when the step runs, "%%" by "%".
 *
 * Body bytes go out as SMFIC_BODY chunks of 65535 bytes as soon as that much
 * is buffered; the rest is sent when "eom" comes. A message without body
 * lines sends no chunk. Commands after "connect" need an open connection:
 * after "quit" or "drop", only macro, unmacro, sleep and connect may follow.
 * A message is written in the order an MTA sends it: mail, rcpt..., data,
 * header..., eoh, body..., eom (or abort, quit, drop, connect, mail at any
 * point of it); helo only outside a message. Anything else is a script error.
 *
 * What the MTA logic in milterc_run.c does with the replies is described in
 * README. */
#ifndef MILTERC_SCRIPT_H
#define MILTERC_SCRIPT_H

#include "milterc_proto.h"

#include <stddef.h>

enum script_op {
    OP_NONE = 0,
    OP_MACRO,
    OP_UNMACRO,
    OP_CONNECT,
    OP_HELO,
    OP_MAIL,
    OP_RCPT,
    OP_DATA,
    OP_HEADER,
    OP_EOH,
    OP_BODY,
    OP_BODYRAW,
    OP_EOM,
    OP_ABORT,
    OP_QUIT,
    OP_DROP,
    OP_SLEEP,
    OP_COUNT
};

/* One script line, escapes decoded, "%n" not yet expanded. */
struct script_step {
    enum script_op op;
    int line;
    enum proto_stage stage; /* macro, unmacro */
    char family;            /* connect: SMFIA_INET, SMFIA_INET6, SMFIA_UNIX, SMFIA_UNKNOWN */
    unsigned char ch;       /* bodyraw: the byte */
    unsigned long count;    /* bodyraw: N; sleep: MS; connect: PORT */
    int argc;
    char **argv; /* macro: NAME VALUE; unmacro: NAME; connect: HOST [ADDR];
                  * helo: NAME; mail, rcpt: words; header: NAME VALUE;
                  * body: TEXT */
};

struct script {
    struct script_step *steps;
    size_t n;
    int last_line;
};

/* script_load - parse a file. Returns the script (caller frees with
 * script_free), or NULL with "PATH:LINE: problem" in err. */
struct script *script_load(const char *path, char *err, size_t errlen);

/* script_free - release a script and clear the caller's pointer. */
void script_free(struct script **sp);

/* script_op_name - the command word of an op ("rcpt", "bodyraw", ...). */
const char *script_op_name(enum script_op op);

/* script_expand - a new string (caller frees) with "%n" replaced by index
 * and "%%" by "%". Any thread. */
char *script_expand(const char *text, unsigned long index);

#endif
