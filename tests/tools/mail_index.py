"""Index every message stored by smtp_server.py, for tests that count thousands of them.

Usage: /usr/bin/python3 mail_index.py MAILDIR

Prints one JSON array: per stored message (new/ and cur/, in name order) its file name, the
envelope recipients (from the .json sidecar), and, parsed with Python's email package
independently of the app, the decoded Subject, Message-ID and first To address, and whether
the message carries a text/calendar part. One process for all messages: mime_dump.py per
message would take minutes for a flash crowd.
"""
import email.parser
import email.policy
import json
import os
import sys


def main():
    maildir = sys.argv[1]
    parser = email.parser.BytesParser(policy=email.policy.default)
    names = []
    for sub in ("new", "cur"):
        folder = os.path.join(maildir, sub)
        if os.path.isdir(folder):
            names += [(name, os.path.join(folder, name)) for name in os.listdir(folder) if name.endswith(".eml")]
    out = []
    for name, path in sorted(names):
        entry = {"file": name, "rcptTos": [], "subject": "", "messageId": "", "to": "", "calendar": False, "error": None}
        try:
            with open(path[:-4] + ".json", "rb") as f:
                entry["rcptTos"] = json.load(f).get("rcptTos", [])
            with open(path, "rb") as f:
                msg = parser.parse(f)
            entry["subject"] = str(msg.get("Subject", ""))
            entry["messageId"] = str(msg.get("Message-ID", "")).strip()
            to = msg.get("To")
            entry["to"] = to.addresses[0].addr_spec if to is not None and to.addresses else ""
            entry["calendar"] = any(part.get_content_type() == "text/calendar" for part in msg.walk())
        except Exception as e:  # report, never crash: the test names the file
            entry["error"] = f"{type(e).__name__}: {e}"
        out.append(entry)
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
