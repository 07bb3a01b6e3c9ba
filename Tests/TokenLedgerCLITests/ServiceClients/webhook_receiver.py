#!/usr/bin/env python3
"""A webhook receiver on loopback, for ServeWebhookTests (standard library only).

    webhook_receiver.py README SECRET LOG BEHAVIOURS

Verifies each post with the README's Python verifier (the first ```python block of its
"Webhooks and events" section), so the documented code is what the tests run. BEHAVIOURS is a
comma-separated list for the first requests, in order of arrival: `500` (answer 500), `hang`
(answer 200 after 3 s: past the server's timeout) or `ok`; every later request is `ok`. Each
request is appended to LOG as one JSON line: its number, behaviour, the body's seq, account and
kind, whether the signature verifies with SECRET and whether it verifies with a wrong secret.
Prints `listening PORT` once it listens.
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def load_verifier(readme_path):
    text = open(readme_path, encoding="utf-8").read()
    section = text.split("### Webhooks and events", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    namespace = {}
    exec(compile(code, "README verifier", "exec"), namespace)
    return namespace["verify_signature"]


def main():
    readme, secret, log_path, behaviours = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    verify = load_verifier(readme)
    plan = [b for b in behaviours.split(",") if b]
    lock = threading.Lock()
    counter = [0]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with lock:
                number = counter[0]
                counter[0] += 1
            behaviour = plan[number] if number < len(plan) else "ok"
            event = json.loads(body)
            header = self.headers.get("TokenLedger-Signature", "")
            entry = {
                "n": number,
                "behaviour": behaviour,
                "seq": event["seq"],
                "account": event["account"],
                "kind": event["kind"],
                "valid": verify(secret, header, body),
                "wrong_secret_valid": verify(secret + "x", header, body),
                "event_header": self.headers.get("TokenLedger-Event"),
            }
            with lock:
                with open(log_path, "a", encoding="utf-8") as log:
                    log.write(json.dumps(entry) + "\n")
            if behaviour == "hang":
                time.sleep(3)
            status = 500 if behaviour == "500" else 200
            try:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:
                pass

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
