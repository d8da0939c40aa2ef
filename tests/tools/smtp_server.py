"""A small SMTP server for the mail integration tests (run with Debian's /usr/bin/python3).

Listens on 127.0.0.1:PORT and stores every accepted message in a maildir, as the exact bytes
received: DIR/new/<counter>-<random>.eml plus a sidecar <counter>-<random>.json holding the
envelope and the session's TLS version (null in clear text). With --tls starttls the server offers
(and requires) STARTTLS; with --tls implicit it speaks TLS from the first byte (SMTPS); both use the
PEM --cert and --key. With --xoauth2 the only mechanism is XOAUTH2 (Microsoft 365's SMTP AUTH with
an OAuth token). Prints "READY <port>" once listening; exits cleanly on SIGTERM/SIGINT.
"""
import argparse
import asyncio
import base64
import binascii
import datetime
import functools
import json
import logging
import os
import re
import secrets
import signal
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--maildir", required=True)
    p.add_argument("--reject", help="RCPT TO addresses matching this regex get 550 5.1.1")
    p.add_argument("--tempfail", help="RCPT TO addresses matching this regex get 451 4.3.0")
    p.add_argument("--rcpt-delay-ms", type=int, default=0, help="sleep before answering each RCPT")
    p.add_argument("--data-reply-delay-ms", type=int, default=0,
                   help="sleep after storing a message, before its 250 (the client's at-least-once window)")
    p.add_argument("--auth", help="USER:PASS; when given, AUTH LOGIN/PLAIN is required")
    p.add_argument("--xoauth2", help="USER:TOKENFILE; when given, AUTH XOAUTH2 is required, for USER with a bearer "
                   "token listed in TOKENFILE (one per line, re-read at every AUTH), as Exchange Online does")
    p.add_argument("--hold-file", help="while this file exists, RCPT is not answered (a relay that stalls)")
    p.add_argument("--tls", choices=("starttls", "implicit"), help="STARTTLS required, or TLS from the first byte")
    p.add_argument("--cert", help="PEM certificate for --tls")
    p.add_argument("--key", help="PEM private key for --tls")
    return p.parse_args()


class Handler:
    def __init__(self, args):
        self.maildir = args.maildir
        self.reject = re.compile(args.reject, re.IGNORECASE) if args.reject else None
        self.tempfail = re.compile(args.tempfail, re.IGNORECASE) if args.tempfail else None
        self.delay = max(args.rcpt_delay_ms, 0) / 1000.0
        self.reply_delay = max(args.data_reply_delay_ms, 0) / 1000.0
        self.hold = args.hold_file
        for sub in ("new", "tmp", "cur"):
            os.makedirs(os.path.join(self.maildir, sub), exist_ok=True)
        # Continue numbering after the messages already stored (a restart keeps the order).
        self.counter = 0
        for sub in ("new", "cur"):
            for name in os.listdir(os.path.join(self.maildir, sub)):
                head = name.split("-", 1)[0]
                if head.isdigit():
                    self.counter = max(self.counter, int(head))

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.delay:
            await asyncio.sleep(self.delay)
        # A held session waits before its RCPT is answered, so it can never reach DATA: a test
        # that holds, then kills a client, knows that no message of that client is half-accepted.
        while self.hold and os.path.exists(self.hold):
            await asyncio.sleep(0.02)
        if self.reject and self.reject.search(address):
            return "550 5.1.1 User unknown"
        if self.tempfail and self.tempfail.search(address):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content
        if data is None:
            data = envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        self.counter += 1
        base = f"{self.counter:08d}-{secrets.token_hex(4)}"
        meta = {
            "mailFrom": envelope.mail_from,
            "rcptTos": list(envelope.rcpt_tos),
            "receivedAt": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "tls": tls_version(server.transport),
            "authUser": session.login_data.decode("utf-8") if isinstance(session.login_data, bytes) else session.login_data,
        }
        try:
            # Sidecar first, then the message: a reader that sees the .eml also finds the .json.
            self._write(base + ".json", json.dumps(meta, ensure_ascii=False).encode("utf-8"))
            self._write(base + ".eml", data)
        except OSError as e:
            print(f"store failed: {e}", file=sys.stderr, flush=True)
            return "451 4.3.0 Could not store message"
        if self.reply_delay:
            await asyncio.sleep(self.reply_delay)
        return f"250 2.0.0 OK {base}"

    def _write(self, name, data):
        """Write into tmp/, then rename into new/ so readers never see a partial file."""
        tmp = os.path.join(self.maildir, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, os.path.join(self.maildir, "new", name))


def tls_version(transport):
    """The TLS version of the session ("TLSv1.3"), after STARTTLS or on an SMTPS port; None in clear text."""
    tls = transport.get_extra_info("ssl_object") if transport is not None else None
    return tls.version() if tls is not None else None


def tls_context(args):
    if not args.tls:
        return None
    if not (args.cert and args.key):
        sys.exit("--tls needs --cert and --key")
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(args.cert, args.key)
    return ctx


class Server(SMTP):
    @functools.wraps(SMTP.smtp_AUTH)  # keeps aiosmtpd's syntax/HELP metadata
    async def smtp_AUTH(self, arg):
        # Mechanism names are case-insensitive in practice; System.Net.Mail sends "AUTH login".
        mechanism, _, rest = (arg or "").partition(" ")
        await super().smtp_AUTH(f"{mechanism.upper()} {rest}".strip())


class Authenticator:
    def __init__(self, user, password):
        self.user, self.password = user.encode("utf-8"), password.encode("utf-8")

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == self.user and auth_data.password == self.password)
        return AuthResult(success=ok, handled=False)


class XOAuth2:
    """XOAUTH2 as Exchange Online takes it: one base64 initial response, "user=U^Aauth=Bearer T^A^A"."""

    def __init__(self, spec):
        user, _, self.token_file = spec.partition(":")
        self.user = user.encode("utf-8")

    async def auth_XOAUTH2(self, server, args):
        try:
            fields = dict(f.split(b"=", 1) for f in base64.b64decode(args[1], validate=True).split(b"\x01") if f)
        except (IndexError, ValueError, binascii.Error):
            await server.push("501 5.5.2 Cannot decode the XOAUTH2 response")
            return AuthResult(success=False, handled=True)
        with open(self.token_file, "rb") as f:
            issued = {line.strip() for line in f if line.strip()}
        token = fields.get(b"auth", b"").removeprefix(b"Bearer ")
        if fields.get(b"user") != self.user or token not in issued:
            # Exchange Online's answer to a wrong mailbox or token.
            return AuthResult(success=False, handled=False, message="535 5.7.3 Authentication unsuccessful")
        return AuthResult(success=True, auth_data=LoginPassword(self.user, b""))


async def main():
    args = parse_args()
    handler = Handler(args)
    kwargs = dict(hostname="localhost", enable_SMTPUTF8=True, ident="EventPortal test SMTP")
    if args.auth:
        user, _, password = args.auth.partition(":")
        kwargs.update(authenticator=Authenticator(user, password), auth_required=True,
                      auth_require_tls=False)
    if args.xoauth2:
        # aiosmtpd finds auth_* methods on the handler; only XOAUTH2 is offered, as by Microsoft 365.
        xoauth2 = XOAuth2(args.xoauth2)
        kwargs.update(auth_required=True, auth_require_tls=False, auth_exclude_mechanism=["LOGIN", "PLAIN"])
        handler.auth_XOAUTH2 = xoauth2.auth_XOAUTH2
    ctx = tls_context(args)
    if args.tls == "starttls":
        kwargs.update(tls_context=ctx, require_starttls=True)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Server(handler, **kwargs), "127.0.0.1", args.port,
                                      ssl=ctx if args.tls == "implicit" else None)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"READY {args.port}", flush=True)
    await stop.wait()
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    # AUTH without TLS is deliberate here (loopback test server); keep stderr for real problems.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=UserWarning, module="aiosmtpd")
    asyncio.run(main())
