"""Dump a MIME message as JSON, parsed independently of the app with Python's email package.

Usage: /usr/bin/python3 mime_dump.py FILE.eml

Prints {"headers", "rawHeaders", "subject", "from", "to", "replyTo", "messageId",
"structure", "parts", "defects"}. Part paths follow IMAP section numbers: the children of a
multipart are 1, 2, ...; nested ones 1.1, 1.2; a single-part message is "1"; the root
multipart container is "0". On any failure prints {"error": "..."} and still exits 0.
"""
import base64
import email.parser
import email.policy
import json
import sys


def clean(value):
    """Turn str with surrogate escapes (undecodable 8-bit bytes) into valid Unicode."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
            return value
        except UnicodeEncodeError:
            return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if isinstance(value, list):
        return [clean(v) for v in value]
    if isinstance(value, dict):
        return {clean(k): clean(v) for k, v in value.items()}
    return value


def safe(fn, default=None):
    try:
        return fn()
    except Exception:  # odd input must never crash the dump
        return default


def addresses(msg, name):
    header = safe(lambda: msg[name])
    result = []
    for addr in safe(lambda: header.addresses, ()) or ():
        result.append({"name": addr.display_name or "", "address": addr.addr_spec or ""})
    if header is not None and not result and str(header).strip():
        result.append({"name": "", "address": str(header).strip()})
    return result


def structure(part):
    if part.is_multipart():
        children = safe(lambda: part.get_payload(), []) or []
        return part.get_content_type() + "{" + ",".join(structure(c) for c in children) + "}"
    return part.get_content_type()


def params(part):
    header = safe(lambda: part["Content-Type"])
    found = safe(lambda: dict(header.params), None) if header is not None else None
    if found is None:  # fall back to the legacy API for headers the policy cannot parse
        found = {k: v for k, v in (safe(lambda: part.get_params()[1:], []) or [])}
    return {str(k).lower(): str(v) for k, v in found.items()}


def leaf(part, path):
    payload = safe(lambda: part.get_payload(decode=True), b"") or b""
    cte = part.get("Content-Transfer-Encoding")
    entry = {
        "path": path,
        "leaf": True,
        "contentType": part.get_content_type(),
        "params": params(part),
        "disposition": safe(part.get_content_disposition),
        "filename": safe(part.get_filename),
        "transferEncoding": str(cte).strip().lower() if cte is not None else None,
        "contentId": safe(lambda: str(part["Content-ID"]).strip() if part["Content-ID"] else None),
        "size": len(payload),
        "base64": base64.b64encode(payload).decode("ascii"),
    }
    if part.get_content_maintype() == "text":
        text = safe(part.get_content)
        if not isinstance(text, str):  # unknown charset and the like: best effort
            charset = safe(part.get_content_charset) or "utf-8"
            text = safe(lambda: payload.decode(charset, "replace")) or payload.decode("utf-8", "replace")
        entry["text"] = text
    return entry


def walk(part, path, parts, defects):
    defects.extend(f"{path}: {type(d).__name__}: {d}" for d in part.defects)
    if part.is_multipart():
        parts.append({"path": path, "leaf": False, "contentType": part.get_content_type(),
                      "params": params(part), "disposition": safe(part.get_content_disposition),
                      "filename": None, "transferEncoding": None})
        children = safe(lambda: part.get_payload(), []) or []
        for i, child in enumerate(children, 1):
            walk(child, str(i) if path == "0" else f"{path}.{i}", parts, defects)
    else:
        parts.append(leaf(part, path))


def dump(file):
    with open(file, "rb") as f:
        data = f.read()
    # parsebytes, not parse(f): parse() reads through a text wrapper with universal newlines,
    # which would turn every CRLF into LF and hide what the app actually sent.
    msg = email.parser.BytesParser(policy=email.policy.default).parsebytes(data)
    headers = []
    for name, value in msg.raw_items():
        headers.append([name, safe(lambda: str(msg.policy.header_fetch_parse(name, value)), value)])
    parts, defects = [], []
    walk(msg, "0" if msg.is_multipart() else "1", parts, defects)
    sender = addresses(msg, "From")
    return {
        "headers": headers,
        "rawHeaders": [[n, v] for n, v in msg.raw_items()],
        "subject": safe(lambda: str(msg["Subject"]) if msg["Subject"] is not None else None),
        "from": sender[0] if sender else None,
        "to": addresses(msg, "To"),
        "cc": addresses(msg, "Cc"),
        "replyTo": addresses(msg, "Reply-To"),
        "messageId": safe(lambda: str(msg["Message-ID"]).strip() if msg["Message-ID"] else None),
        "structure": structure(msg),
        "parts": parts,
        "defects": defects,
    }


def main():
    sys.stdout.reconfigure(encoding="utf-8")
    try:
        result = dump(sys.argv[1])
    except Exception as e:
        result = {"error": f"{type(e).__name__}: {e}"}
    print(json.dumps(clean(result), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
