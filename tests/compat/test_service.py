"""`tresor server` under a service manager (packaging/systemd/tresor.service):
the readiness protocol of systemd's Type=notify, and SIGHUP reloading the
TLS certificate without dropping connections.

The service manager is played by a datagram socket the test binds and
names in NOTIFY_SOCKET, as systemd does; the server is the real binary.

* READY=1 arrives once the port accepts connections (a path socket and an
  abstract `@name` alike); STOPPING=1 on SIGTERM, then a clean exit.
* A server that starts sealed is ready too (it is up, waiting for its
  operator) and its STATUS says so until it is unsealed.
* SIGHUP re-reads the certificate and key: open keep-alive connections
  go on with the certificate they negotiated, new ones get the new one;
  a broken replacement is refused and the last good certificate stays.
  RELOADING=1 … READY=1 around each reload tell the test when it is done.
* SIGHUP without TLS changes nothing and does not stop the server."""

import hashlib
import http.client
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import urllib.request

import boto3
import pytest
from botocore.config import Config

import canaries
import smharness as h

pytestmark = pytest.mark.persistent

NOTIFY_TIMEOUT = 30.0


class NotifySocket:
    """The service manager's end: the messages a server sends to
    $NOTIFY_SOCKET, each a dict of its KEY=value lines."""

    def __init__(self, tmp_path, abstract=False):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            name = f"tresor-compat-{os.getpid()}-{secrets.token_hex(6)}"
            self.sock.bind("\0" + name)
            self.address = "@" + name
        else:
            path = tmp_path / "notify.sock"
            self.sock.bind(str(path))
            self.address = str(path)
        self.sock.settimeout(NOTIFY_TIMEOUT)
        self.seen = []

    def env(self, **extra):
        return h.isolated_env(NOTIFY_SOCKET=self.address, **extra)

    def next(self) -> dict:
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise AssertionError(
                f"no notification within {NOTIFY_TIMEOUT}s; seen so far: {self.seen}") from None
        message = dict(line.split("=", 1) for line in data.decode().splitlines() if line)
        self.seen.append(message)
        return message

    def wait_for(self, key, value="1") -> dict:
        """The next message with KEY=value (STATUS-only updates may come first)."""
        while True:
            message = self.next()
            if message.get(key) == value:
                return message

    def close(self):
        self.sock.close()


@pytest.fixture
def notify(tmp_path):
    sockets = []

    def make(abstract=False):
        s = NotifySocket(tmp_path, abstract)
        sockets.append(s)
        return s

    yield make
    for s in sockets:
        s.close()


def health(url, context=None):
    with urllib.request.urlopen(url + "/health", timeout=10, context=context) as r:
        return r.status, r.read()


def spawn(args, env, log_path):
    args = [*args, *h.log_level_args(args)]
    canaries.note_log(log_path)
    log = open(log_path, "wb")
    proc = subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    return proc, log


def stop(proc, log, notify_socket):
    proc.send_signal(signal.SIGTERM)
    stopping = notify_socket.wait_for("STOPPING")
    assert stopping["STATUS"].startswith("Stopping"), stopping
    assert proc.wait(timeout=30) == 0
    log.close()


@pytest.mark.parametrize("abstract", [False, True], ids=["path-socket", "abstract-socket"])
def test_ready_once_listening_and_stopping_on_sigterm(persistent_supported, tmp_path, notify,
                                                      abstract):
    manager = notify(abstract)
    port = h.free_port()
    log_path = tmp_path / "server.log"
    proc, log = spawn([persistent_supported, "server", "--data-dir", str(tmp_path / "data"),
                       "--listen", f"127.0.0.1:{port}"], manager.env(), log_path)
    try:
        ready = manager.next()
        assert ready.get("READY") == "1", manager.seen
        assert ready["STATUS"] == f"Serving http://127.0.0.1:{port}", ready
        # Ready means the port answers now: no retry.
        assert health(f"http://127.0.0.1:{port}") == (
            200, b'{"status":"ok","sealed":false,"audit":"ok"}')

        # SIGHUP without TLS: said so in the log, nothing else changes.
        proc.send_signal(signal.SIGHUP)
        logged = h.poll(lambda: log_path.read_text(), lambda text: "nothing to reload" in text)
        assert "SIGHUP: nothing to reload (TLS is not configured)" in logged
        assert proc.poll() is None
        assert health(f"http://127.0.0.1:{port}")[0] == 200

        stop(proc, log, manager)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_sealed_server_is_ready_and_says_it_waits_for_its_operator(persistent_supported,
                                                                      tmp_path, notify):
    binary, data_dir = persistent_supported, tmp_path / "data"
    out = h.run_tresor(binary, "operator", "init", "--data-dir", data_dir, "--seal", "shamir",
                       "--key-shares", "3", "--key-threshold", "2")
    assert out.returncode == 0, h.describe_run(out)
    shares = h.parse_shares(out.stdout)
    manager = notify()
    port = h.free_port()
    url = f"http://127.0.0.1:{port}"
    proc, log = spawn([binary, "server", "--data-dir", str(data_dir), "--seal", "shamir",
                       "--listen", f"127.0.0.1:{port}"], manager.env(), tmp_path / "server.log")
    try:
        ready = manager.next()
        assert ready.get("READY") == "1", manager.seen
        assert ready["STATUS"] == (
            f"Sealed: serving {url}, waiting for `tresor operator unseal`"), ready
        assert health(url) == (200, b'{"status":"ok","sealed":true}')

        h.unseal_with(binary, url, shares[:2])
        assert manager.wait_for("STATUS", f"Serving {url}")
        stop(proc, log, manager)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def der(pem_path):
    return ssl.PEM_cert_to_DER_cert(pem_path.read_text())


def fingerprint(der_bytes):
    return hashlib.sha256(der_bytes).hexdigest()


def served_certificate(port, context):
    """The certificate a new TLS connection gets (verified against `context`)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            return fingerprint(tls.getpeercert(binary_form=True))


def install(source_dir, live_dir):
    """Replaces the live certificate and key the way a renewal does:
    each file renamed into place whole."""
    for name in ("cert.pem", "key.pem"):
        tmp = live_dir / f".{name}.new"
        shutil.copyfile(source_dir / name, tmp)
        os.replace(tmp, live_dir / name)


def test_sighup_reloads_the_certificate_without_dropping_connections(persistent_supported,
                                                                     tmp_path, notify):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    live = tmp_path / "tls"
    live.mkdir()
    cert_a, key_a = h.self_signed_certificate(tmp_path / "a")
    cert_b, _ = h.self_signed_certificate(tmp_path / "b")
    install(tmp_path / "a", live)
    fp_a, fp_b = fingerprint(der(cert_a)), fingerprint(der(cert_b))
    assert fp_a != fp_b
    trust_both = ssl.create_default_context(cafile=str(cert_a))
    trust_both.load_verify_locations(cafile=str(cert_b))

    manager = notify()
    akid, secret = "AKIATRESORRELOAD0001", secrets.token_urlsafe(30)[:40]
    server = h.dev_server(persistent_supported, tmp_path, akid, secret,
                          tls=(live / "cert.pem", live / "key.pem"))
    server.env = manager.env()
    server.start()
    log_path = server.log_path

    def reload():
        server.proc.send_signal(signal.SIGHUP)
        manager.wait_for("RELOADING")
        assert manager.wait_for("READY")["STATUS"] == f"Serving https://127.0.0.1:{server.port}"

    try:
        assert manager.wait_for("READY")
        kept = http.client.HTTPSConnection("localhost", server.port, context=trust_both,
                                           timeout=10)
        kept.request("GET", "/health")
        response = kept.getresponse()
        assert response.status == 200 and response.getheader("connection") != "close"
        response.read()
        kept_socket = kept.sock
        assert fingerprint(kept_socket.getpeercert(binary_form=True)) == fp_a

        install(tmp_path / "b", live)
        reload()
        assert "reloaded the TLS certificate and key" in log_path.read_text()

        # (a) The connection opened before the reload still serves, on the
        # same socket and with the certificate it negotiated.
        kept.request("GET", "/health")
        response = kept.getresponse()
        assert response.status == 200, response.read()
        response.read()
        assert kept.sock is kept_socket
        assert fingerprint(kept.sock.getpeercert(binary_form=True)) == fp_a

        # (b) New connections get certificate B; an AWS SDK that trusts
        # only B works.
        assert served_certificate(server.port, trust_both) == fp_b
        sm = boto3.client("secretsmanager", endpoint_url=f"https://localhost:{server.port}",
                          region_name=h.DEFAULT_REGION, aws_access_key_id=akid,
                          aws_secret_access_key=secret, verify=str(cert_b),
                          config=Config(retries={"total_max_attempts": 1}))
        name = h.unique_name("tls-reload")
        sm.create_secret(Name=name, SecretString="after the reload")
        assert sm.get_secret_value(SecretId=name)["SecretString"] == "after the reload"

        # (c) A broken replacement is refused: B stays.
        shutil.copyfile(key_a, live / "key.pem")  # A's key with B's certificate
        reload()
        assert "do not fit together" in log_path.read_text()
        assert served_certificate(server.port, trust_both) == fp_b

        os.remove(live / "cert.pem")
        reload()
        assert log_path.read_text().count("the TLS certificate was not reloaded") == 2
        assert served_certificate(server.port, trust_both) == fp_b
        assert sm.get_secret_value(SecretId=name)["SecretString"] == "after the reload"

        kept.request("GET", "/health")
        response = kept.getresponse()
        assert response.status == 200
        response.read()
        kept.close()
        assert server.proc.poll() is None
    finally:
        code = server.stop()
    assert code == 0
