#!/usr/bin/python3
"""A stand-in for the Nextcloud Talk high-performance signaling server
(strukturag/nextcloud-spreed-signaling), for tests and the offline quick start.

Runs with the upstream image's arguments:  nextcloud-spreed-signaling -config FILE
(also --config FILE, -config=FILE; -version prints a version and exits).

What it does, as the real server does:
  - reads FILE in the server's ini format ([section], key = value, '#'/';' comments);
  - refuses to start (exit 1, the reason on stderr) when
      [sessions] hashkey is missing or not 32 or 64 bytes long,
      [sessions] blockkey is set and not 16, 24 or 32 bytes long,
      [backend] backends names an id without a section holding url/urls and secret
        (and allowall is not true),
      [nats] url holds an entry that is not a nats:// URL,
      [grpc] listen or a [grpc] targets entry is not host:port,
      [turn] servers is set without apikey and secret;
  - waits for NATS before it serves: it tries the [nats] url entries until one answers
    with the NATS INFO greeting (the real server retries its NATS connection at start);
  - serves GET /api/v1/welcome on [http] listen: {"nextcloud-spreed-signaling": "Welcome",
    "version": ...};
  - listens on [grpc] listen (TCP) so its peers can reach it.
It is stricter than the real server (which only warns) on: a missing [http] listen, a
missing [clients] internalsecret, and incomplete backends.

What it adds for tests:
  - GET /nxt/config: the parsed config as JSON, every secret replaced by
    "(redacted, N bytes)", the file's mode, the NATS URLs and gRPC targets with whether
    each answers now (NATS: INFO greeting; gRPC: TCP connect).

What it does NOT model: the signaling protocol itself (WebSocket /spreed, sessions,
rooms, backend requests to Nextcloud and their checksums), the gRPC protocol between
nodes (only TCP reachability), NATS publish/subscribe (only the INFO greeting), TURN
credential generation, the MCU/Janus, HTTPS, etcd, GeoIP, the stats and metrics
endpoints, and config reloads on SIGHUP.
"""

import configparser
import json
import os
import signal
import socket
import stat
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = "nxt-standin-1"
SECRET_KEYS = {"hashkey", "blockkey", "internalsecret", "secret", "apikey", "token_key"}


class ConfigError(Exception):
    pass


def parse_args(argv):
    path = "server.conf"
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in ("-version", "--version"):
            print(VERSION)
            sys.exit(0)
        if arg in ("-config", "--config"):
            if i + 1 >= len(argv):
                raise ConfigError("flag needs an argument: -config")
            path = argv[i + 1]
            i += 2
            continue
        if arg.startswith("-config=") or arg.startswith("--config="):
            path = arg.split("=", 1)[1]
        else:
            raise ConfigError("flag provided but not defined: " + arg)
        i += 1
    return path


def load(path):
    parser = configparser.ConfigParser(interpolation=None, comment_prefixes=("#", ";"),
                                       strict=True)
    parser.optionxform = str
    try:
        with open(path, encoding="utf-8") as f:
            parser.read_file(f)
    except (OSError, configparser.Error) as e:
        raise ConfigError("could not read config %s: %s" % (path, e))
    return {s: dict(parser.items(s)) for s in parser.sections()}


def split_list(value):
    return [v.strip() for v in value.replace(" ", ",").split(",") if v.strip()]


def host_port(value, what):
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError("%s: %r is not host:port" % (what, value))
    return host or "0.0.0.0", int(port)


def check_sessions(conf):
    sessions = conf.get("sessions", {})
    hashkey = sessions.get("hashkey", "")
    if not hashkey:
        raise ConfigError("[sessions] hashkey is missing")
    if len(hashkey) not in (32, 64):
        raise ConfigError("[sessions] hashkey must be 32 or 64 bytes, is %d" % len(hashkey))
    blockkey = sessions.get("blockkey", "")
    if blockkey and len(blockkey) not in (16, 24, 32):
        raise ConfigError("[sessions] blockkey must be 16, 24 or 32 bytes, is %d" % len(blockkey))
    if not conf.get("clients", {}).get("internalsecret"):
        raise ConfigError("[clients] internalsecret is missing")


def check_backends(conf):
    backend = conf.get("backend", {})
    if backend.get("allowall", "false").lower() == "true":
        return
    ids = split_list(backend.get("backends", ""))
    if not ids:
        raise ConfigError("[backend] backends lists no backend (and allowall is not true)")
    for backend_id in ids:
        section = conf.get(backend_id)
        if section is None:
            raise ConfigError("backend %s has no [%s] section" % (backend_id, backend_id))
        urls = split_list(section.get("urls", section.get("url", "")))
        if not urls or not all(u.startswith(("http://", "https://")) for u in urls):
            raise ConfigError("[%s] needs url(s) starting with http:// or https://" % backend_id)
        if not section.get("secret"):
            raise ConfigError("[%s] secret is missing" % backend_id)


def check(conf):
    """Returns (http address, grpc address or None, NATS URLs, gRPC targets)."""
    if not conf.get("http", {}).get("listen"):
        raise ConfigError("[http] listen is missing")
    http_addr = host_port(conf["http"]["listen"], "[http] listen")
    check_sessions(conf)
    check_backends(conf)
    nats_urls = split_list(conf.get("nats", {}).get("url", "nats://localhost:4222"))
    for url in nats_urls:
        if not url.startswith("nats://"):
            raise ConfigError("[nats] url: %r is not a nats:// URL" % url)
        host_port(url[len("nats://"):], "[nats] url")
    grpc = conf.get("grpc", {})
    grpc_addr = host_port(grpc["listen"], "[grpc] listen") if grpc.get("listen") else None
    targets = split_list(grpc.get("targets", ""))
    for target in targets:
        host_port(target, "[grpc] targets")
    turn = conf.get("turn", {})
    if split_list(turn.get("servers", "")) and not (turn.get("apikey") and turn.get("secret")):
        raise ConfigError("[turn] servers needs apikey and secret")
    return http_addr, grpc_addr, nats_urls, targets


def nats_answers(url, timeout=1.0):
    host, port = host_port(url[len("nats://"):], "nats url")
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.settimeout(timeout)
            return s.recv(5) == b"INFO "
    except OSError:
        return False


def tcp_answers(target, timeout=1.0):
    host, port = host_port(target, "target")
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def redacted(conf):
    out = {}
    for section, values in conf.items():
        out[section] = {
            k: ("(redacted, %d bytes)" % len(v)) if k in SECRET_KEYS else v
            for k, v in values.items()
        }
    return out


class State:
    def __init__(self, path, conf, nats_urls, targets):
        self.path = path
        self.conf = conf
        self.nats_urls = nats_urls
        self.targets = targets

    def report(self):
        mode = stat.S_IMODE(os.stat(self.path).st_mode)
        return {
            "file": self.path,
            "mode": "%04o" % mode,
            "config": redacted(self.conf),
            "nats": {"urls": self.nats_urls,
                     "reachable": {u: nats_answers(u) for u in self.nats_urls}},
            "grpc": {"targets": self.targets,
                     "reachable": {t: tcp_answers(t) for t in self.targets}},
            "version": VERSION,
        }


def make_handler(state):
    class Handler(BaseHTTPRequestHandler):
        server_version = "nextcloud-spreed-signaling/" + VERSION

        def reply(self, code, body):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):  # noqa: N802 (http.server's naming)
            if self.path == "/api/v1/welcome":
                self.reply(200, {"nextcloud-spreed-signaling": "Welcome", "version": VERSION})
            elif self.path == "/nxt/config":
                self.reply(200, state.report())
            else:
                self.reply(404, {"error": "not found"})

        def log_message(self, fmt, *args):
            pass

    return Handler


def serve_grpc(address):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(address)
    listener.listen(16)

    def loop():
        while True:
            conn, _ = listener.accept()
            conn.close()

    threading.Thread(target=loop, daemon=True).start()


def wait_for_nats(urls):
    delay = 0.2
    while not any(nats_answers(u) for u in urls):
        print("Could not connect to NATS at %s, will retry in %.1fs" % (",".join(urls), delay),
              flush=True)
        time.sleep(delay)
        delay = min(delay * 2, 2.0)


def main():
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1):
        signal.signal(sig, lambda *_: sys.exit(0))
    try:
        path = parse_args(sys.argv[1:])
        conf = load(path)
        http_addr, grpc_addr, nats_urls, targets = check(conf)
    except ConfigError as e:
        print("FATAL: %s" % e, file=sys.stderr, flush=True)
        return 1
    print("Starting %s with %s (NATS %s, gRPC targets %s)" %
          (VERSION, path, ",".join(nats_urls), ",".join(targets) or "none"), flush=True)
    if grpc_addr is not None:
        serve_grpc(grpc_addr)
    wait_for_nats(nats_urls)
    server = ThreadingHTTPServer(http_addr, make_handler(State(path, conf, nats_urls, targets)))
    server.daemon_threads = True
    print("Listening on %s:%d" % http_addr, flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
