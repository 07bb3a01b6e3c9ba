#!/usr/bin/env python3
"""A client process of `tokenledger serve`, for ServeLoadTests (standard library only).

One keep-alive HTTP/1.1 connection (http.client) to each server, JSON in and out; what it did is
printed as one JSON object on standard output when it ends. PORT may name several servers of
one set of books (`8081,8082,8083`: instances over one PostgreSQL database): each request goes
to the next, in turn, so a request and its retry land on different instances. Two modes:

  cycles PORT KEY ACCOUNT WORKER CYCLES SEED
      CYCLES reservations, each settled (for a seeded random output) or voided; refusals are
      counted by code. Prints what was admitted, settled, voided and charged (in nanodollars),
      and the smallest `available_usd` an admitted hold left.

  retrying PORT KEY ACCOUNT WORKER STOP_FILE
      Charges, and reservations settled, until STOP_FILE exists. After a connection error (the
      server was killed) or a 503 it sends the same request again, with the same
      Idempotency-Key, until it is answered: every write it counts as acknowledged was
      answered 200/201. Prints the acknowledged ids with their costs.

Money crosses as decimal strings of dollars; this script adds it as integer nanodollars.
"""

import http.client
import json
import os
import random
import sys
import time

AT = "2026-01-02T00:00:00Z"


def nanos(decimal):
    """ "19.996500000" -> 19996500000 (exact: no float)."""
    negative = decimal.startswith("-")
    whole, _, fraction = decimal.lstrip("-").partition(".")
    value = int(whole) * 1_000_000_000 + int((fraction + "000000000")[:9])
    return -value if negative else value


class Client:
    def __init__(self, ports, key):
        self.ports = [int(port) for port in str(ports).split(",")]
        self.turn = 0
        self.key = key
        self.connections = {}
        self.connection = None

    def send(self, method, path, body=None, idempotency_key=None):
        """(status, headers, decoded JSON body); raises OSError / HTTPException on a broken connection."""
        self.port = self.ports[self.turn % len(self.ports)]
        self.turn += 1
        self.connection = self.connections.get(self.port)
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.connections[self.port] = self.connection
        headers = {"Authorization": "Bearer " + self.key}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        try:
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
            payload = response.read()
        except Exception:
            self.close()
            raise
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        decoded = json.loads(payload) if payload else {}
        return response.status, response, decoded

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connections.pop(self.port, None)
            self.connection = None

    def close_all(self):
        for connection in self.connections.values():
            connection.close()
        self.connections = {}
        self.connection = None


def cycles(port, key, account, worker, count, seed):
    client = Client(port, key)
    rng = random.Random(seed)
    summary = {
        "admitted": 0, "settled": 0, "voided": 0, "charged_nanos": 0, "refused": {},
        "min_available_nanos": None, "unexpected": [],
    }
    for index in range(count):
        reservation = f"{worker}-r-{index}"
        status, _, body = client.send("POST", "/v1/reservations", {
            "account": account, "model": "milli", "input_tokens": 10, "max_output_tokens": 20, "id": reservation, "at": AT,
        })
        if status != 201:
            code = body.get("code", str(status))
            summary["refused"][code] = summary["refused"].get(code, 0) + 1
            if status != 422:
                summary["unexpected"].append(f"reserve {reservation}: {status} {body}")
            continue
        summary["admitted"] += 1
        available = nanos(body["available_usd"])
        if summary["min_available_nanos"] is None or available < summary["min_available_nanos"]:
            summary["min_available_nanos"] = available
        if rng.random() < 0.6:
            status, _, body = client.send("POST", f"/v1/reservations/{reservation}/settle", {
                "input_tokens": 10, "output_tokens": rng.randint(0, 20), "at": AT,
            })
            if status == 200:
                summary["settled"] += 1
                summary["charged_nanos"] += nanos(body["charge"]["cost_usd"])
            else:
                summary["unexpected"].append(f"settle {reservation}: {status} {body}")
        else:
            status, _, body = client.send("POST", f"/v1/reservations/{reservation}/void", {"at": AT})
            if status == 200:
                summary["voided"] += 1
            else:
                summary["unexpected"].append(f"void {reservation}: {status} {body}")
    client.close_all()
    return summary


class Patience(Exception):
    pass


def until_answered(client, summary, method, path, body, idempotency_key):
    """Sends until a response that is not a 503 comes back (the same key each time)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            status, response, decoded = client.send(method, path, body, idempotency_key)
            if status != 503:
                if response.getheader("Idempotent-Replayed") == "true":
                    summary["replayed"] += 1
                return status, decoded
            summary["busy"] += 1
        except (OSError, http.client.HTTPException):
            summary["retries"] += 1
        if time.monotonic() > deadline:
            raise Patience(f"{method} {path} ({idempotency_key}): no answer for 60 s")
        time.sleep(0.01)


def retrying(port, key, account, worker, stop_file):
    client = Client(port, key)
    summary = {"charges": {}, "reservations": {}, "retries": 0, "replayed": 0, "busy": 0, "unexpected": []}
    index = 0
    while not os.path.exists(stop_file):
        if index % 3 == 2:
            reservation = f"{worker}-r-{index}"
            status, body = until_answered(client, summary, "POST", "/v1/reservations", {
                "account": account, "model": "milli", "input_tokens": 10, "max_output_tokens": 5, "at": AT,
            }, reservation)
            if status != 201:
                summary["unexpected"].append(f"reserve {reservation}: {status} {body}")
            else:
                status, body = until_answered(client, summary, "POST", f"/v1/reservations/{reservation}/settle", {
                    "input_tokens": 10, "output_tokens": index % 6, "at": AT,
                }, f"{worker}-s-{index}")
                if status == 200:
                    summary["reservations"][reservation] = nanos(body["charge"]["cost_usd"])
                else:
                    summary["unexpected"].append(f"settle {reservation}: {status} {body}")
        else:
            charge = f"{worker}-c-{index}"
            status, body = until_answered(client, summary, "POST", "/v1/charges", {
                "account": account, "model": "milli", "input_tokens": 1 + index % 10, "output_tokens": 1, "at": AT,
            }, charge)
            if status == 201:
                summary["charges"][charge] = nanos(body["cost_usd"])
            else:
                summary["unexpected"].append(f"charge {charge}: {status} {body}")
        index += 1
    client.close_all()
    return summary


def main(arguments):
    mode = arguments[0]
    if mode == "cycles":
        port, key, account, worker, count, seed = arguments[1:7]
        summary = cycles(port, key, account, worker, int(count), int(seed))
    elif mode == "retrying":
        port, key, account, worker, stop_file = arguments[1:6]
        summary = retrying(port, key, account, worker, stop_file)
    else:
        sys.exit(f"unknown mode {mode}")
    json.dump(summary, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
