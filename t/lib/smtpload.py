#!/usr/bin/python3
# smtpload.py - a bounded SMTP load that records each message's final reply.
#
#   smtpload.py HOST PORT COUNT SESSIONS OUT
# Sends COUNT messages, each with a unique Message-ID <kill-N@example.test>,
# over SESSIONS parallel sessions (a session starts anew after a reply other
# than 2xx after a 0.25 s pause, as an MTA's next delivery attempt would). One
# line per message goes to OUT as soon as its reply is known:
#   N CODE   - CODE the final reply (250, 451, ...) or "err:WHY" (no reply: the
#              connection broke; the message's fate is unknown to the client)
import smtplib
import sys
import threading
import time

host, port, count, sessions, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
lock = threading.Lock()
todo = list(range(count))
log = open(out, "w", buffering=1)


def next_n():
    """next_n - the next message number, or None when all are sent"""
    with lock:
        return todo.pop(0) if todo else None


def record(n, code):
    """record - one message's final reply"""
    with lock:
        log.write("%d %s\n" % (n, code))


def send(s, n):
    """send - one transaction; returns the final reply code"""
    msg = "From: a@example.test\r\nTo: bob@example.net\r\nSubject: kill %d\r\n" \
          "Message-ID: <kill-%d@example.test>\r\n\r\nbody %d\r\n" % (n, n, n)
    try:
        s.sendmail("a@example.test", ["bob@example.net"], msg)
        return "250"
    except smtplib.SMTPRecipientsRefused as e:
        return str(list(e.recipients.values())[0][0])
    except smtplib.SMTPResponseException as e:
        return str(e.smtp_code)


def session():
    """session - send messages until none are left, reconnecting as needed"""
    s = None
    while True:
        n = next_n()
        if n is None:
            break
        try:
            if s is None:
                s = smtplib.SMTP(host, port, "client.example.test", timeout=60)
            code = send(s, n)
            if not code.startswith("2"):
                s.close()
                s = None
                time.sleep(0.25)
        except (OSError, smtplib.SMTPException) as e:
            code, s = "err:" + type(e).__name__, None
        record(n, code)
    if s is not None:
        try:
            s.quit()
        except (OSError, smtplib.SMTPException):
            pass


threads = [threading.Thread(target=session) for _ in range(sessions)]
for t in threads:
    t.start()
for t in threads:
    t.join()
