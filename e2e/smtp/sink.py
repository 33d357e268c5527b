"""A real SMTP server (aiosmtpd) for the email tests, on 127.0.0.1 and a free port.

    python e2e/smtp/sink.py [--security none|starttls|tls] [--cert C --key K] [--auth USER:PASS]
                            [--refuse CODE]

Prints `READY <port>` once listening, then one JSON line per message received:
`{"mail_from", "rcpt_tos", "data", "tls", "login"}` (`tls`: whether the session was encrypted;
`login`: who signed in). With `--security starttls` the server requires STARTTLS before MAIL;
with `tls` it speaks TLS from the first byte. `--auth` requires that login (only over TLS, as
aiosmtpd insists). `--refuse CODE` answers every DATA with that code, to test refusals.
Runs until stdin closes, so a test that dies takes it along.
"""

import argparse
import asyncio
import json
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Sink:
    def __init__(self, refuse):
        self.refuse = refuse

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return f"{self.refuse} 5.7.1 refused by the test server"
        line = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": envelope.content.decode("utf-8", "replace"),
            "tls": server.transport.get_extra_info("ssl_object") is not None,
            "login": session.auth_data.decode() if isinstance(session.auth_data, bytes) else None,
        }
        sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()
        return "250 2.0.0 OK: queued"


def authenticator_for(expected):
    user, _, password = expected.partition(":")

    def check(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)

    return check


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--security", choices=["none", "starttls", "tls"], default="none")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--auth")
    p.add_argument("--refuse", type=int)
    args = p.parse_args()

    context = None
    if args.security != "none":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    def factory():
        kwargs = {
            "hostname": "localhost",
            "ident": "plexward-test-smtp",
        }
        if args.security == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        if args.auth:
            kwargs.update(
                authenticator=authenticator_for(args.auth),
                auth_required=True,
                auth_require_tls=True,
            )
        return SMTP(Sink(args.refuse), **kwargs)

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        factory,
        "127.0.0.1",
        0,
        ssl=context if args.security == "tls" else None,
    )
    port = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"READY {port}\n")
    sys.stdout.flush()
    # Until stdin closes (the test ended or died).
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
