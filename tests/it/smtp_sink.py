"""An SMTP sink for flightdeck's notification tests, built on aiosmtpd.

Usage: smtp_sink.py MODE OUT CERT KEY   (MODE: starttls | implicit)
Listens on 127.0.0.1 port 0, prints the port on stdout, requires AUTH (user "flightdeck",
password "mail-pass-123") over TLS, and appends one JSON line per message to OUT with the
subject, the text and HTML parts, the login and whether the session was encrypted. Exits when
stdin closes.
"""
import asyncio
import email
import json
import socket
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

MODE, OUT, CERT, KEY = sys.argv[1:5]


class Handler:
    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content)
        parts = {}
        for part in msg.walk():
            if part.get_content_maintype() == "text":
                parts[part.get_content_type()] = part.get_payload(decode=True).decode("utf-8")
        record = {
            "subject": str(email.header.make_header(email.header.decode_header(msg["Subject"]))),
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "text": parts.get("text/plain", ""),
            "html": parts.get("text/html", ""),
            "login": session.auth_data,
            "tls": server.transport.get_extra_info("ssl_object") is not None,
        }
        with open(OUT, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        return "250 2.0.0 accepted"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"flightdeck" and auth_data.password == b"mail-pass-123"
    if not ok:
        # handled=False: aiosmtpd answers 535 itself (with the default handled=True it says nothing).
        return AuthResult(success=False, handled=False)
    return AuthResult(success=True, auth_data=auth_data.login.decode())


async def main():
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(CERT, KEY)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)

    def factory():
        return SMTP(
            Handler(),
            hostname="localhost",
            tls_context=ctx if MODE == "starttls" else None,
            require_starttls=MODE == "starttls",
            authenticator=authenticator,
            auth_required=True,
            # Implicit TLS is invisible to aiosmtpd's STARTTLS bookkeeping; the socket is TLS already.
            auth_require_tls=MODE == "starttls",
        )

    loop = asyncio.get_running_loop()
    await loop.create_server(factory, sock=sock, ssl=ctx if MODE == "implicit" else None)
    print(sock.getsockname()[1], flush=True)
    await loop.run_in_executor(None, sys.stdin.read)


asyncio.run(main())
