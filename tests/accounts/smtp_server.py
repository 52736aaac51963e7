"""A real SMTP server for the tests (aiosmtpd): each message received is written as one JSON
file (envelope recipients, To, Subject, the plain text and HTML parts) in the given folder.

    python3 smtp_server.py PORT OUT_DIR [CERT KEY [implicit]]

With CERT and KEY the server offers STARTTLS and refuses mail before it; with `implicit` it
speaks TLS from the first byte instead (`smtp_security = "tls"`). Prints READY once
listening; stops when its standard input closes (or it is killed)."""

import email
import email.policy
import json
import os
import ssl
import sys
import time

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, out):
        self.out = out
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        plain = msg.get_body(("plain",))
        html = msg.get_body(("html",))
        record = {
            "rcpt": list(envelope.rcpt_tos),
            "to": str(msg["To"]),
            "subject": str(msg["Subject"]),
            "content_type": msg.get_content_type(),
            "text": plain.get_content() if plain is not None else None,
            "html": html.get_content() if html is not None else None,
            "tls": session.ssl is not None,
        }
        name = os.path.join(self.out, "%d-%d.json" % (time.time_ns(), self.count))
        with open(name + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(name + ".tmp", name)
        return "250 OK"


def main():
    port, out = int(sys.argv[1]), sys.argv[2]
    kwargs = {}
    if len(sys.argv) > 4:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(sys.argv[3], sys.argv[4])
        if len(sys.argv) > 5 and sys.argv[5] == "implicit":
            kwargs = {"ssl_context": ctx}
        else:
            kwargs = {"tls_context": ctx, "require_starttls": True}
    controller = Controller(Handler(out), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    print("READY", flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
