"""Verifies the DKIM signature of a stored message with dkimpy (Debian's python3-dkim), an
implementation independent of MimeKit. The public key record is given on the command line and
served to dkimpy instead of DNS. Prints JSON: ok, the DNS name asked for, the signature's tags."""
import json
import sys

import dkim


def main():
    path, record = sys.argv[1], sys.argv[2]
    with open(path, "rb") as f:
        message = f.read()
    asked = []

    def dnsfunc(name, timeout=5):
        asked.append(name.decode() if isinstance(name, bytes) else name)
        return record.encode()

    d = dkim.DKIM(message)
    ok = d.verify(dnsfunc=dnsfunc)
    tags = {}
    if d.signature_fields:
        tags = {k.decode(): v.decode() for k, v in d.signature_fields.items() if k != b"b"}
    print(json.dumps({"ok": bool(ok), "asked": asked, "tags": tags}))


if __name__ == "__main__":
    main()
