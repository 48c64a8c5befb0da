#!/usr/bin/python3
"""nxt's stand-in for the RustFS server, for tests only. It is NOT RustFS.

RustFS is not packaged for Debian and no registry is reachable here, so the RustFSPool
tests run this instead of rustfs/rustfs. It accepts exactly what nxt's RustFSPool
controller gives the real image, and refuses to start on what RustFS would refuse:

  argv       rustfs [server] [VOLUME ...]   (positional volumes, like RUSTFS_VOLUMES)
  RUSTFS_VOLUMES          space/comma separated, with RustFS's {a...b} ellipses
                          ("http://s3-{0...3}:9000/data{0...1}", "/data{0...3}")
  RUSTFS_ADDRESS          [host]:port of the S3 API (default :9000)
  RUSTFS_ACCESS_KEY, RUSTFS_SECRET_KEY (or RUSTFS_ACCESS_KEY_FILE, RUSTFS_SECRET_KEY_FILE)
                          required: no built-in default credentials
  RUSTFS_CONSOLE_ENABLE, RUSTFS_CONSOLE_ADDRESS   the console (a placeholder page)

Start-up checks (exit 1 with the reason):
  - the volumes are all local paths (one node) or all http:// URLs (a distributed pool);
  - in a distributed list, this node's hostname names at least one endpoint;
  - the drives (all endpoints) split into erasure sets of 2..16, or are exactly 1;
  - every local drive path exists and is writable;
  - a drive already formatted (.nxt-standin/format.json) was formatted for the same
    endpoint list: a drive laid out for another pool refuses to start, as RustFS does.

It serves GET /health (200) and, path-style with every request's AWS Signature V4
verified against the keys (403 SignatureDoesNotMatch / InvalidAccessKeyId /
RequestTimeTooSkewed; 400 XAmzContentSHA256Mismatch): ListBuckets, CreateBucket (409
BucketAlreadyOwnedByYou when it exists), HeadBucket, GetBucketVersioning,
PutBucketVersioning, PutObject, GetObject, HeadObject.

Data lives on the drives: bucket records on every local drive
(<drive>/.nxt-standin/buckets/<bucket>.json), each object's bytes on one local drive
chosen by a hash of bucket/key (<drive>/<bucket>/<key>, a sidecar .nxt-meta file with
its ETag and version id).

How the nodes share state: a write a client sends to any node (CreateBucket,
PutBucketVersioning, PutObject) is applied there and then forwarded, re-signed with the
same keys, to every other node of the endpoint list, best effort; reads are answered
from the node's own drives. So a pool whose nodes were all up sees every write on every
node.

It does NOT model: erasure coding or parity (an object is one whole file on one drive
of each node); healing; write quorum (a write succeeds on the receiving node even when
every peer is down, and a peer that was down misses it for good); distributed locking;
multipart uploads; listing objects; object versions beyond the latest (a version id is
returned, older versions are overwritten); deletes of any kind; IAM, policies and the
admin API; TLS; virtual-host-style addressing; streaming (chunked) SigV4 payloads and
presigned URLs; the real console; RustFS's on-disk format (.rustfs.sys).
"""

import datetime
import hashlib
import hmac
import http.client
import http.server
import json
import os
import re
import socket
import socketserver
import sys
import threading
import urllib.parse
import zlib

FORWARDED = "x-nxt-standin-forwarded"
XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"
STATE_DIR = ".nxt-standin"


def fail(message):
    print(f"rustfs-standin: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def expand(pattern):
    """RustFS ellipses: every {a...b} range multiplies the list."""
    m = re.search(r"\{(\d+)\.\.\.(\d+)\}", pattern)
    if not m:
        return [pattern]
    out = []
    for i in range(int(m.group(1)), int(m.group(2)) + 1):
        for rest in expand(pattern[m.end():]):
            out.append(pattern[: m.start()] + str(i) + rest)
    return out


def read_key(name):
    if os.environ.get(name):
        return os.environ[name]
    path = os.environ.get(name + "_FILE")
    if path:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    fail(f"{name} (or {name}_FILE) is not set: refusing to start without credentials")


def parse_address(text, default_port):
    host, _, port = text.rpartition(":")
    return (host or "0.0.0.0", int(port or default_port))


class Pool:
    """The endpoint list and this node's place in it."""

    def __init__(self, volumes):
        self.endpoints = [e for v in volumes for e in expand(v)]
        if not self.endpoints:
            fail("no volumes: set RUSTFS_VOLUMES or pass them as arguments")
        urls = [e for e in self.endpoints if e.startswith(("http://", "https://"))]
        if urls and len(urls) != len(self.endpoints):
            fail("volumes mix local paths and URLs: " + " ".join(self.endpoints))
        self.distributed = bool(urls)
        self.hostname = socket.gethostname()
        self.peers = []
        if self.distributed:
            parsed = [urllib.parse.urlsplit(u) for u in urls]
            self.local = [p.path for p in parsed if p.hostname == self.hostname]
            if not self.local:
                fail(f"this node's hostname {self.hostname!r} is not in the endpoint list "
                     + " ".join(urls))
            for p in parsed:
                peer = (p.hostname, p.port or 9000)
                if p.hostname != self.hostname and peer not in self.peers:
                    self.peers.append(peer)
        else:
            self.local = list(self.endpoints)
        n = len(self.endpoints)
        if n > 1 and not any(n % size == 0 for size in range(2, 17)):
            fail(f"{n} drives do not split into erasure sets of 2 to 16 drives")
        self.check_drives()

    def check_drives(self):
        for drive in self.local:
            if not os.path.isdir(drive):
                fail(f"drive {drive} does not exist")
            probe = os.path.join(drive, ".nxt-standin-probe")
            try:
                with open(probe, "w", encoding="utf-8") as f:
                    f.write("probe")
                os.remove(probe)
            except OSError as e:
                fail(f"drive {drive} is not writable: {e}")
            record = os.path.join(drive, STATE_DIR, "format.json")
            if os.path.exists(record):
                with open(record, encoding="utf-8") as f:
                    formatted = json.load(f)
                if formatted.get("endpoints") != self.endpoints:
                    fail(f"drive {drive} was formatted for another pool layout "
                         f"({' '.join(formatted.get('endpoints', []))}); refusing to start")
            else:
                os.makedirs(os.path.dirname(record), exist_ok=True)
                with open(record, "w", encoding="utf-8") as f:
                    json.dump({"endpoints": self.endpoints, "drive": drive}, f)


def quote(text):
    return urllib.parse.quote(text, safe="-_.~")


def canonical_query(raw):
    pairs = []
    for part in raw.split("&") if raw else []:
        key, _, value = part.partition("=")
        pairs.append((quote(urllib.parse.unquote(key)), quote(urllib.parse.unquote(value))))
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def canonical_uri(raw_path):
    return "/".join(quote(urllib.parse.unquote(s)) for s in raw_path.split("/"))


def signing_key(secret, date, region, service):
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def signature(secret, method, raw_path, raw_query, headers, signed, amz_date, scope):
    canonical_headers = "".join(
        f"{h}:{' '.join(headers.get(h, '').split())}\n" for h in signed)
    request = "\n".join([method, canonical_uri(raw_path), canonical_query(raw_query),
                         canonical_headers, ";".join(signed),
                         headers.get("x-amz-content-sha256", "UNSIGNED-PAYLOAD")])
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(request.encode()).hexdigest()])
    date, region, service, _ = scope.split("/")
    return hmac.new(signing_key(secret, date, region, service), to_sign.encode(),
                    hashlib.sha256).hexdigest()


class Store:
    """Buckets and objects on this node's drives."""

    def __init__(self, drives):
        self.drives = drives
        self.lock = threading.Lock()

    def _bucket_record(self, drive, bucket):
        return os.path.join(drive, STATE_DIR, "buckets", bucket + ".json")

    def buckets(self):
        names = set()
        for drive in self.drives:
            folder = os.path.join(drive, STATE_DIR, "buckets")
            if os.path.isdir(folder):
                names.update(n[:-5] for n in os.listdir(folder) if n.endswith(".json"))
        return sorted(names)

    def bucket(self, name):
        for drive in self.drives:
            path = self._bucket_record(drive, name)
            if os.path.exists(path):
                with open(path, encoding="utf-8") as f:
                    return json.load(f)
        return None

    def put_bucket(self, name, record):
        with self.lock:
            for drive in self.drives:
                path = self._bucket_record(drive, name)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path + ".tmp", "w", encoding="utf-8") as f:
                    json.dump(record, f)
                os.replace(path + ".tmp", path)

    def object_path(self, bucket, key):
        parts = key.split("/")
        if any(p in ("", ".", "..") for p in parts) or key.startswith(STATE_DIR):
            return None
        drive = self.drives[zlib.crc32(f"{bucket}/{key}".encode()) % len(self.drives)]
        return os.path.join(drive, bucket, *parts)

    def put_object(self, bucket, key, body, content_type, version_id):
        path = self.object_path(bucket, key)
        meta = {"etag": hashlib.md5(body).hexdigest(), "versionId": version_id,
                "contentType": content_type}
        with self.lock:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path + ".tmp", "wb") as f:
                f.write(body)
            os.replace(path + ".tmp", path)
            with open(path + ".nxt-meta", "w", encoding="utf-8") as f:
                json.dump(meta, f)
        return meta

    def get_object(self, bucket, key):
        path = self.object_path(bucket, key)
        if path is None or not os.path.isfile(path):
            return None, None
        with open(path, "rb") as f:
            body = f.read()
        with open(path + ".nxt-meta", encoding="utf-8") as f:
            return body, json.load(f)


class Node:
    """What every request handler shares."""

    def __init__(self, pool, access_key, secret_key):
        self.pool = pool
        self.access_key = access_key
        self.secret_key = secret_key
        self.store = Store(pool.local)

    def forward(self, method, raw_path, raw_query, body, extra_headers):
        """Re-sends a client's write to every peer, signed with the pool's keys."""
        for host, port in self.pool.peers:
            headers = dict(extra_headers)
            headers.update({"host": f"{host}:{port}", FORWARDED: "1",
                            "x-amz-content-sha256": hashlib.sha256(body).hexdigest(),
                            "x-amz-date": datetime.datetime.utcnow().strftime("%Y%m%dT%H%M%SZ")})
            signed = sorted(headers)
            scope = f"{headers['x-amz-date'][:8]}/us-east-1/s3/aws4_request"
            sig = signature(self.secret_key, method, raw_path, raw_query, headers, signed,
                            headers["x-amz-date"], scope)
            headers["authorization"] = (
                f"AWS4-HMAC-SHA256 Credential={self.access_key}/{scope}, "
                f"SignedHeaders={';'.join(signed)}, Signature={sig}")
            target = raw_path + (f"?{raw_query}" if raw_query else "")
            try:
                conn = http.client.HTTPConnection(host, port, timeout=3)
                conn.request(method, target, body=body, headers=headers)
                status = conn.getresponse().status
                conn.close()
                if status >= 300:
                    print(f"forward {method} {target} to {host}: HTTP {status}", flush=True)
            except OSError as e:
                print(f"forward {method} {target} to {host}: {e}", flush=True)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "RustFS-standin"
    node = None  # set in main()

    def log_message(self, fmt, *args):  # quiet: one line per write below
        pass

    def reply(self, status, body=b"", headers=None):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if body and "Content-Type" not in (headers or {}):
            self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, status, code, message=""):
        resource = self.path.split("?")[0]
        self.reply(status, f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code>"
                           f"<Message>{message}</Message><Resource>{resource}</Resource></Error>")

    def authorized(self, body):
        """Checks the request's SigV4 signature; answers and returns False when it fails."""
        auth = self.headers.get("Authorization", "")
        m = re.fullmatch(r"AWS4-HMAC-SHA256 Credential=([^/]+)/([^,]+), ?"
                         r"SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})", auth)
        if not m:
            self.error(403, "AccessDenied", "missing or malformed AWS4-HMAC-SHA256 authorization")
            return False
        access, scope, signed, sig = m.groups()
        if access != self.node.access_key:
            self.error(403, "InvalidAccessKeyId", "the access key is not known")
            return False
        amz_date = self.headers.get("X-Amz-Date", "")
        try:
            when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
        except ValueError:
            self.error(403, "AccessDenied", "X-Amz-Date is missing or malformed")
            return False
        if abs((datetime.datetime.utcnow() - when).total_seconds()) > 900:
            self.error(403, "RequestTimeTooSkewed", "more than 15 minutes from the server's time")
            return False
        payload = self.headers.get("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
        if payload != "UNSIGNED-PAYLOAD" and payload != hashlib.sha256(body).hexdigest():
            self.error(400, "XAmzContentSHA256Mismatch", "the body does not match its hash")
            return False
        names = signed.split(";")
        if "host" not in names:
            self.error(403, "AccessDenied", "the host header must be signed")
            return False
        headers = {k.lower(): v for k, v in self.headers.items()}
        raw_path, _, raw_query = self.path.partition("?")
        expected = signature(self.node.secret_key, self.command, raw_path, raw_query, headers,
                             names, amz_date, scope)
        if not hmac.compare_digest(expected, sig):
            self.error(403, "SignatureDoesNotMatch",
                       "the request signature we calculated does not match the signature you "
                       "provided")
            return False
        return True

    def do_HEAD(self):
        self.handle_any()

    def do_GET(self):
        self.handle_any()

    def do_PUT(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def do_DELETE(self):
        self.handle_any()

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        raw_path, _, raw_query = self.path.partition("?")
        if raw_path == "/health" and self.command in ("GET", "HEAD"):
            self.reply(200, json.dumps({"status": "ok", "node": self.node.pool.hostname}),
                       {"Content-Type": "application/json"})
            return
        if not self.authorized(body):
            return
        parts = urllib.parse.unquote(raw_path).lstrip("/").split("/", 1)
        bucket = parts[0]
        key = parts[1] if len(parts) > 1 else ""
        query = urllib.parse.parse_qs(raw_query, keep_blank_values=True)
        if not bucket:
            if self.command == "GET":
                return self.list_buckets()
        elif not key:
            return self.bucket_call(bucket, query, body, raw_path, raw_query)
        else:
            return self.object_call(bucket, key, body, raw_path, raw_query)
        self.error(501, "NotImplemented", "the stand-in does not serve this call")

    def list_buckets(self):
        items = "".join(f"<Bucket><Name>{b}</Name><CreationDate>2026-01-01T00:00:00.000Z"
                        f"</CreationDate></Bucket>" for b in self.node.store.buckets())
        self.reply(200, f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListAllMyBucketsResult "
                        f"xmlns=\"{XMLNS}\"><Owner><ID>rustfs</ID><DisplayName>rustfs"
                        f"</DisplayName></Owner><Buckets>{items}</Buckets>"
                        f"</ListAllMyBucketsResult>")

    def bucket_call(self, bucket, query, body, raw_path, raw_query):
        store = self.node.store
        record = store.bucket(bucket)
        if "versioning" in query:
            if record is None:
                return self.error(404, "NoSuchBucket", "the bucket does not exist")
            if self.command == "GET":
                status = record.get("versioning", "")
                inner = f"<Status>{status}</Status>" if status else ""
                return self.reply(200, f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                                       f"<VersioningConfiguration xmlns=\"{XMLNS}\">{inner}"
                                       f"</VersioningConfiguration>")
            if self.command == "PUT":
                m = re.search(rb"<Status>(Enabled|Suspended)</Status>", body)
                if not m:
                    return self.error(400, "MalformedXML", "Status must be Enabled or Suspended")
                record["versioning"] = m.group(1).decode()
                store.put_bucket(bucket, record)
                print(f"bucket {bucket}: versioning {record['versioning']}", flush=True)
                return self.written(raw_path, raw_query, body, {"content-type": "application/xml"})
        elif self.command == "PUT" and not raw_query:
            if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", bucket):
                return self.error(400, "InvalidBucketName", "not a valid bucket name")
            if record is not None:
                return self.error(409, "BucketAlreadyOwnedByYou", "the bucket exists already")
            store.put_bucket(bucket, {"versioning": ""})
            print(f"bucket {bucket}: created", flush=True)
            return self.written(raw_path, raw_query, body, {})
        elif self.command == "HEAD" and not raw_query:
            return self.reply(200 if record is not None else 404)
        self.error(501, "NotImplemented", "the stand-in does not serve this bucket call")

    def object_call(self, bucket, key, body, raw_path, raw_query):
        store = self.node.store
        record = store.bucket(bucket)
        if record is None:
            return self.error(404, "NoSuchBucket", "the bucket does not exist")
        if store.object_path(bucket, key) is None:
            return self.error(400, "InvalidArgument", "the key is not supported by the stand-in")
        if self.command == "PUT" and not raw_query:
            version = ""
            if record.get("versioning") == "Enabled":
                version = self.headers.get(FORWARDED + "-version") or os.urandom(16).hex()
            meta = store.put_object(bucket, key, body,
                                    self.headers.get("Content-Type", "binary/octet-stream"),
                                    version)
            headers = {"ETag": f"\"{meta['etag']}\""}
            if version:
                headers["x-amz-version-id"] = version
            extra = {FORWARDED + "-version": version} if version else {}
            if self.headers.get(FORWARDED) is None:
                self.node.forward("PUT", raw_path, raw_query, body, extra)
            return self.reply(200, b"", headers)
        if self.command in ("GET", "HEAD") and not raw_query:
            content, meta = store.get_object(bucket, key)
            if content is None:
                return self.error(404, "NoSuchKey", "the object does not exist")
            headers = {"ETag": f"\"{meta['etag']}\"", "Content-Type": meta["contentType"]}
            if meta.get("versionId"):
                headers["x-amz-version-id"] = meta["versionId"]
            return self.reply(200, content, headers)
        self.error(501, "NotImplemented", "the stand-in does not serve this object call")

    def written(self, raw_path, raw_query, body, extra):
        if self.headers.get(FORWARDED) is None:
            self.node.forward(self.command, raw_path, raw_query, body, extra)
        self.reply(200)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class ConsoleHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        body = b"RustFS console (nxt stand-in: a placeholder page)\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main(argv):
    args = argv[1:]
    if args and args[0] == "server":
        args = args[1:]
    volumes = [a for a in args if not a.startswith("-")]
    if not volumes:
        volumes = os.environ.get("RUSTFS_VOLUMES", "").replace(",", " ").split()
    access_key = read_key("RUSTFS_ACCESS_KEY")
    secret_key = read_key("RUSTFS_SECRET_KEY")
    pool = Pool(volumes)
    node = Node(pool, access_key, secret_key)
    Handler.node = node
    address = parse_address(os.environ.get("RUSTFS_ADDRESS", ":9000"), 9000)
    api = Server(address, Handler)
    if os.environ.get("RUSTFS_CONSOLE_ENABLE", "false").lower() == "true":
        console = Server(parse_address(os.environ.get("RUSTFS_CONSOLE_ADDRESS", ":9001"), 9001),
                         ConsoleHandler)
        threading.Thread(target=console.serve_forever, daemon=True).start()
    print(f"rustfs-standin: {pool.hostname} serving {len(pool.local)} of "
          f"{len(pool.endpoints)} drives on {address[0]}:{address[1]} "
          f"({'distributed, ' + str(len(pool.peers)) + ' peers' if pool.distributed else 'single node'})",
          flush=True)
    try:
        api.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    import signal
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    main(sys.argv)
