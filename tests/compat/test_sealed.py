"""The root of trust, through the `tresor` binary and its operator commands
(contract: tests/compat/README.md, "Sealed servers and operator commands").

* `operator init --seal shamir` prints N shares once and the administrator
  credentials; the server starts sealed: /health is 200, seal-status says
  sealed, every AWS API call (Secrets Manager and KMS) is HTTP 503
  ServiceUnavailable until `operator unseal` has received K valid shares.
* Bad shares (malformed, of another init, duplicate, tampered) are refused
  without revealing anything and without advancing progress.
* `operator seal` (signed) seals again; a restart comes back sealed.
* Every K-subset of N shares unseals.
* `--seal env` takes the root key from TRESOR_SEAL_KEY.
* `operator migrate-seal` turns a stopped file-mode directory into shamir.
* `operator rotate-root` and `operator rewrap` keep every ciphertext readable.

Each test runs its own servers on its own data directories."""

import base64
import json
import hashlib
import itertools
import os
import signal
import stat
import subprocess

import pytest
from botocore.exceptions import ClientError

import smharness as h

pytestmark = pytest.mark.persistent

SEALED_PREFIX = "Tresor is sealed"


class Node:
    """One data directory and the server processes started on it."""

    def __init__(self, binary, tmp_path, name="node"):
        self.binary = binary
        self.workdir = tmp_path
        self.data_dir = tmp_path / name / "data"
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.server = None
        self.ep = None
        self.shares = []
        self.init_out = None
        self.starts = 0

    # -- initialisation ------------------------------------------------------

    def init_shamir(self, shares=3, threshold=2):
        out = h.run_tresor(self.binary, "operator", "init", "--data-dir", self.data_dir,
                           "--seal", "shamir", "--key-shares", shares,
                           "--key-threshold", threshold)
        assert out.returncode == 0, h.describe_run(out)
        self.init_out = out
        self.shares = h.parse_shares(out.stdout)
        assert len(self.shares) == shares, h.describe_run(out)
        self._load_credentials()
        return out

    def _load_credentials(self, url="http://127.0.0.1:1"):
        akid, secret = h.read_admin_credentials(self.data_dir)
        self.ep = h.Endpoint(url, akid, secret)

    # -- processes -------------------------------------------------------------

    def start(self, seal="shamir", env=None, log_level="trace"):
        extra = ["--log-level", log_level]
        if seal is not None:
            extra += ["--seal", seal]
        self.starts += 1
        self.server = h.persistent_server(self.binary, self.data_dir, self.workdir,
                                          extra_args=extra, env=env,
                                          log_name=f"{self.name}-server.log").start()
        # File mode writes admin-credentials on first start; shamir and env
        # modes wrote it at `operator init`.
        self._load_credentials(self.server.endpoint)
        return self.server

    def stop(self):
        code = self.server.stop()
        assert code == 0, f"tresor should exit 0 after SIGTERM (got {code})\n{self.server.log_tail()}"

    def close(self):
        if self.server is not None:
            self.server.kill()

    def restart(self, **kwargs):
        self.stop()
        return self.start(**kwargs)

    # -- use ---------------------------------------------------------------------

    @property
    def url(self):
        return self.server.endpoint

    def sm(self, region=h.DEFAULT_REGION):
        return h.make_client(self.ep, region)

    def kms(self, region=h.DEFAULT_REGION):
        return h.make_client(self.ep, region, service="kms")

    def status(self):
        return h.seal_status(self.url)

    def unseal(self, shares):
        h.unseal_with(self.binary, self.url, shares)

    def operator(self, *args, env=None):
        return h.run_tresor(self.binary, "operator", *args,
                            env=env if env is not None else h.credentials_env(self.ep))

    def log(self) -> bytes:
        return self.server.log_path.read_bytes()


_CHECKED_BINARIES = set()


@pytest.fixture
def operator_commands(persistent_supported):
    """The binary must have the operator commands; refusal tests would pass
    vacuously otherwise."""
    if persistent_supported in _CHECKED_BINARIES:
        return persistent_supported
    for sub in ("init", "unseal", "seal", "migrate-seal", "rotate-root", "rewrap"):
        out = h.run_tresor(persistent_supported, "operator", sub, "--help")
        assert out.returncode == 0, f"`tresor operator {sub}` is missing\n{h.describe_run(out)}"
    out = h.run_tresor(persistent_supported, "server", "--help")
    assert "--seal" in out.stdout, f"`tresor server` has no --seal flag\n{h.describe_run(out)}"
    _CHECKED_BINARIES.add(persistent_supported)
    return persistent_supported


@pytest.fixture
def node_factory(operator_commands, tmp_path):
    nodes = []

    def make(name="node"):
        n = Node(operator_commands, tmp_path, name)
        nodes.append(n)
        return n

    yield make
    for n in nodes:
        n.close()


@pytest.fixture
def node(node_factory):
    return node_factory("node")


def assert_sealed_answer(call):
    """A boto3 call against a sealed server: HTTP 503 ServiceUnavailable."""
    resp = h.expect_error(call, "ServiceUnavailable", status=503)
    assert (resp["Error"].get("Message") or "").startswith(SEALED_PREFIX), resp
    return resp


def assert_serves(node, name, value):
    assert node.sm().get_secret_value(SecretId=name)["SecretString"] == value


def tree_digest(root):
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in h.files_under(root)}


def seed(node):
    """Secrets and KMS material made on an unsealed node; returns what to
    check later."""
    sm, kms = node.sm(), node.kms()
    default_name = h.unique_name("sealed-default")
    sm.create_secret(Name=default_name, SecretString="default-key value")
    key = kms.create_key(Description="sealed-test")["KeyMetadata"]
    cmk_name = h.unique_name("sealed-cmk")
    v1 = sm.create_secret(Name=cmk_name, SecretString="cmk value 1",
                          KmsKeyId=key["KeyId"])["VersionId"]
    sm.put_secret_value(SecretId=cmk_name, SecretString="cmk value 2")
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"kms plaintext",
                       EncryptionContext={"purpose": "seal-test"})["CiphertextBlob"]
    dk = kms.generate_data_key(KeyId=key["KeyId"], KeySpec="AES_256")
    return {"default": default_name, "cmk": cmk_name, "v1": v1, "key": key, "blob": blob,
            "dk": dk}


def check_seed(node, s):
    sm, kms = node.sm(), node.kms()
    assert sm.get_secret_value(SecretId=s["default"])["SecretString"] == "default-key value"
    assert sm.get_secret_value(SecretId=s["cmk"])["SecretString"] == "cmk value 2"
    assert sm.get_secret_value(SecretId=s["cmk"], VersionId=s["v1"])["SecretString"] == "cmk value 1"
    assert kms.decrypt(CiphertextBlob=s["blob"],
                       EncryptionContext={"purpose": "seal-test"})["Plaintext"] == b"kms plaintext"
    assert kms.decrypt(CiphertextBlob=s["dk"]["CiphertextBlob"])["Plaintext"] == s["dk"]["Plaintext"]
    assert kms.describe_key(KeyId=s["key"]["KeyId"])["KeyMetadata"]["KeyState"] == "Enabled"


# ------------------------------------------------------------------- init


def test_init_prints_shares_once_and_the_admin_credentials(node):
    out = node.init_shamir(shares=5, threshold=3)
    assert len(set(node.shares)) == 5, "shares must differ"
    exports = h.parse_exports(out.stdout)
    akid, secret = h.read_admin_credentials(node.data_dir)
    assert exports.get("AWS_ACCESS_KEY_ID") == akid, h.describe_run(out)
    assert exports.get("AWS_SECRET_ACCESS_KEY") == secret, h.describe_run(out)
    mode = stat.S_IMODE(os.stat(node.data_dir / "admin-credentials").st_mode)
    assert mode == 0o600, oct(mode)
    # The root key is not on disk in shamir mode, and neither is any share.
    assert not (node.data_dir / "root.key").exists()
    found = h.leaks(h.data_dir_contents(node.data_dir),
                    {f"share {i}": s.encode() for i, s in enumerate(node.shares, 1)})
    assert not found, f"shares found in the data directory: {found}"
    assert not any(s in out.stderr for s in node.shares), "shares belong on stdout only"


def test_init_refuses_an_existing_data_directory(node):
    node.init_shamir()
    before = tree_digest(node.data_dir)
    out = h.run_tresor(node.binary, "operator", "init", "--data-dir", node.data_dir,
                       "--seal", "shamir", "--key-shares", "3", "--key-threshold", "2")
    assert out.returncode != 0, h.describe_run(out)
    assert h.parse_shares(out.stdout) == [], h.describe_run(out)
    assert tree_digest(node.data_dir) == before


def test_init_refuses_a_file_mode_data_directory(node):
    node.start(seal=None)  # first start in file mode initialises the directory
    node.stop()
    before = tree_digest(node.data_dir)
    out = h.run_tresor(node.binary, "operator", "init", "--data-dir", node.data_dir,
                       "--seal", "shamir", "--key-shares", "3", "--key-threshold", "2")
    assert out.returncode != 0, h.describe_run(out)
    assert h.parse_shares(out.stdout) == []
    assert tree_digest(node.data_dir) == before


@pytest.mark.parametrize("shares,threshold", [(2, 3), (3, 0)])
def test_init_refuses_impossible_share_parameters(node, shares, threshold):
    out = h.run_tresor(node.binary, "operator", "init", "--data-dir", node.data_dir,
                       "--seal", "shamir", "--key-shares", shares, "--key-threshold", threshold)
    assert out.returncode != 0, h.describe_run(out)
    assert "threshold" in out.stderr.lower(), h.describe_run(out)
    assert h.parse_shares(out.stdout) == []
    assert not (node.data_dir / "admin-credentials").exists()


# ----------------------------------------------------------- sealed server


def test_a_sealed_server_is_alive_but_refuses_every_api_call(node):
    node.init_shamir(shares=3, threshold=2)
    node.start()
    status, _, _ = h.http_get(node.url + "/health")
    assert status == 200
    st = node.status()
    assert {k: st.get(k) for k in ("sealed", "type", "threshold", "shares", "progress")} == {
        "sealed": True, "type": "shamir", "threshold": 2, "shares": 3, "progress": 0}, st

    sm, kms = node.sm(), node.kms()
    name = h.unique_name("sealed")
    assert_sealed_answer(lambda: sm.list_secrets())
    assert_sealed_answer(lambda: sm.create_secret(Name=name, SecretString="nope"))
    assert_sealed_answer(lambda: sm.get_secret_value(SecretId=name))
    assert_sealed_answer(lambda: sm.get_random_password())
    assert_sealed_answer(lambda: kms.list_keys())
    assert_sealed_answer(lambda: kms.create_key())
    assert_sealed_answer(lambda: kms.generate_random(NumberOfBytes=16))

    # A sealed server cannot verify signatures (access keys are wrapped under
    # the root key): a bad signature and no signature get the same 503.
    raw = h.RawClient(node.ep)
    for resp in (raw.call("ListSecrets", {}),
                 raw.call("ListSecrets", {}, secret_access_key="wrong-secret"),
                 raw.kms("ListKeys", {}),
                 raw.send(raw.build("ListSecrets", {}))):
        h.assert_raw_error(resp, "ServiceUnavailable", status=503, prefix=SEALED_PREFIX)
        assert "message" in resp.json, resp

    node.unseal(node.shares[:2])
    assert node.status()["sealed"] is False
    # Nothing was created while sealed.
    h.expect_error(lambda: sm.describe_secret(SecretId=name), "ResourceNotFoundException")


def test_unseal_progress_then_serve_and_restart_sealed(node):
    node.init_shamir(shares=3, threshold=2)
    node.start()
    out = h.unseal(node.binary, node.url, node.shares[0])
    assert out.returncode == 0, h.describe_run(out)
    assert "Unseal progress: 1/2" in out.stdout, h.describe_run(out)
    st = node.status()
    assert st["sealed"] is True and st["progress"] == 1, st
    assert_sealed_answer(lambda: node.sm().list_secrets())
    out = h.unseal(node.binary, node.url, node.shares[2])
    assert out.returncode == 0 and "Unsealed." in out.stdout, h.describe_run(out)
    st = node.status()
    assert st["sealed"] is False and st["type"] == "shamir", st

    s = seed(node)
    check_seed(node, s)

    node.restart()
    assert node.status()["sealed"] is True
    assert_sealed_answer(lambda: node.sm().get_secret_value(SecretId=s["default"]))
    node.unseal([node.shares[2], node.shares[1]])
    check_seed(node, s)
    # Neither the log (trace level) nor the data directory holds a share.
    found = h.leaks({"server log": node.log(), **h.data_dir_contents(node.data_dir)},
                    {f"share {i}": x.encode() for i, x in enumerate(node.shares, 1)})
    assert not found, found


def test_a_share_can_come_on_stdin(node):
    node.init_shamir(shares=2, threshold=2)
    node.start()
    out = h.unseal(node.binary, node.url, node.shares[0], stdin=True)
    assert out.returncode == 0 and "Unseal progress: 1/2" in out.stdout, h.describe_run(out)
    out = h.unseal(node.binary, node.url, node.shares[1], stdin=True)
    assert out.returncode == 0 and "Unsealed." in out.stdout, h.describe_run(out)
    assert node.status()["sealed"] is False


def _corrupt(share: str) -> str:
    """The same share with one character of its body changed to another
    value (not just another case: hex is read case-insensitively, so `a`
    → `A` would be the same share)."""
    i = len(share) // 2
    c = share[i]
    if c in "0123456789abcdefABCDEF":
        repl = format((int(c, 16) + 1) % 16, "x")
    else:
        repl = "B" if c == "A" else "A"
    assert repl.lower() != c.lower()
    return share[:i] + repl + share[i + 1:]


@pytest.mark.parametrize("kind", ["malformed", "empty-ish", "of-another-init", "duplicate"])
def test_bad_shares_are_refused_without_revealing_anything(node_factory, kind):
    node = node_factory("node")
    node.init_shamir(shares=3, threshold=2)
    node.start()
    first = h.unseal(node.binary, node.url, node.shares[0])
    assert first.returncode == 0, h.describe_run(first)

    if kind == "of-another-init":
        other = node_factory("other")
        other.init_shamir(shares=3, threshold=2)
        bad = other.shares[1]
        secret_texts = node.shares + other.shares
    else:
        bad = {"malformed": "this-is-not-a-share", "empty-ish": "x",
               "duplicate": node.shares[0]}[kind]
        secret_texts = list(node.shares)
    out = h.unseal(node.binary, node.url, bad)
    assert out.returncode != 0, h.describe_run(out)
    said = out.stdout + out.stderr
    assert said.strip(), "a refusal must say why"
    # A share text long enough to mean something (not a one-letter probe).
    for text in {t for t in set(secret_texts) | {bad} if len(t) >= 8}:
        assert text not in said, f"the refusal repeats share text:\n{h.describe_run(out)}"
    st = node.status()
    assert st["sealed"] is True and st["progress"] == 1, st
    assert_sealed_answer(lambda: node.sm().list_secrets())
    # The valid share still completes the unseal.
    node.unseal([node.shares[1]])
    assert node.status()["sealed"] is False


def test_a_tampered_share_never_unseals(node):
    node.init_shamir(shares=3, threshold=2)
    node.start()
    assert h.unseal(node.binary, node.url, node.shares[0]).returncode == 0
    tampered = _corrupt(node.shares[1])
    out = h.unseal(node.binary, node.url, tampered)
    # Refused on submission (integrity check), or the combination fails the
    # root-key check (security.md T8): either way a non-zero exit, the server
    # stays sealed, and no share text is echoed.
    assert out.returncode != 0, h.describe_run(out)
    for text in set(node.shares) | {tampered}:
        assert text not in out.stdout + out.stderr, h.describe_run(out)
    st = node.status()
    assert st["sealed"] is True and st["progress"] in (0, 1), st
    assert_sealed_answer(lambda: node.sm().list_secrets())
    remaining = [node.shares[2]] if st["progress"] == 1 else [node.shares[0], node.shares[2]]
    node.unseal(remaining)
    assert node.status()["sealed"] is False


def test_every_two_of_four_shares_unseal(node):
    n, k = 4, 2
    node.init_shamir(shares=n, threshold=k)
    node.start(log_level="info")
    node.unseal(node.shares[:k])
    name = h.unique_name("subsets")
    node.sm().create_secret(Name=name, SecretString="same secret for every subset")
    subsets = list(itertools.combinations(range(n), k))
    assert len(subsets) == 6
    for i, subset in enumerate(subsets):
        node.restart(log_level="info")
        assert node.status()["sealed"] is True, subset
        order = subset if i % 2 == 0 else tuple(reversed(subset))
        # K-1 shares do not unseal.
        out = h.unseal(node.binary, node.url, node.shares[order[0]])
        assert out.returncode == 0 and "Unseal progress: 1/2" in out.stdout, h.describe_run(out)
        assert_sealed_answer(lambda: node.sm().list_secrets())
        out = h.unseal(node.binary, node.url, node.shares[order[1]])
        assert out.returncode == 0 and "Unsealed." in out.stdout, (subset, h.describe_run(out))
        assert_serves(node, name, "same secret for every subset")


# ------------------------------------------------------------------- seal


def test_operator_seal_needs_valid_credentials_and_seals_again(node):
    node.init_shamir(shares=3, threshold=2)
    node.start()
    node.unseal(node.shares[:2])
    name = h.unique_name("reseal")
    node.sm().create_secret(Name=name, SecretString="resealable")

    # Refused without credentials and with a wrong secret key: nothing changes.
    out = node.operator("seal", "--endpoint", node.url, env=h.isolated_env())
    assert out.returncode != 0, h.describe_run(out)
    wrong = h.Endpoint(node.url, node.ep.access_key_id, "wrong-" + node.ep.secret_access_key)
    out = node.operator("seal", "--endpoint", node.url, env=h.credentials_env(wrong))
    assert out.returncode != 0, h.describe_run(out)
    assert node.status()["sealed"] is False
    assert_serves(node, name, "resealable")

    out = node.operator("seal", "--endpoint", node.url)
    assert out.returncode == 0, h.describe_run(out)
    st = node.status()
    assert st["sealed"] is True and st["progress"] == 0, st
    assert_sealed_answer(lambda: node.sm().get_secret_value(SecretId=name))
    assert_sealed_answer(lambda: node.kms().list_keys())
    node.unseal(node.shares[1:])
    assert_serves(node, name, "resealable")


# ------------------------------------------------------ seal type mismatch


@pytest.mark.parametrize("seal", [None, "file", "env"])
def test_a_shamir_directory_refuses_another_seal_type(node, seal):
    node.init_shamir(shares=3, threshold=2)
    before = tree_digest(node.data_dir)
    args = [node.binary, "server", "--data-dir", str(node.data_dir),
            "--listen", f"127.0.0.1:{h.free_port()}"]
    if seal is not None:
        args += ["--seal", seal]
    env = h.isolated_env(TRESOR_SEAL_KEY=base64.b64encode(os.urandom(32)).decode())
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    code = h.wait_exit(proc, timeout=30)
    if code is None:
        proc.kill()
        proc.communicate()
        pytest.fail(f"the server started a shamir data directory with --seal {seal}")
    _, err = proc.communicate()
    assert code != 0
    assert "shamir" in err, err
    assert not (node.data_dir / "root.key").exists()
    assert tree_digest(node.data_dir) == before


# --------------------------------------------------------------- env seal


def seal_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_env_seal_round_trip_and_wrong_keys(node):
    key = seal_key()
    out = h.run_tresor(node.binary, "operator", "init", "--data-dir", node.data_dir,
                       "--seal", "env", env=h.isolated_env(TRESOR_SEAL_KEY=key))
    assert out.returncode == 0, h.describe_run(out)
    assert h.parse_shares(out.stdout) == []
    exports = h.parse_exports(out.stdout)
    node._load_credentials()
    assert exports.get("AWS_ACCESS_KEY_ID") == node.ep.access_key_id, h.describe_run(out)

    node.start(seal="env", env=h.isolated_env(TRESOR_SEAL_KEY=key))
    st = node.status()
    assert st["sealed"] is False and st["type"] == "env", st
    s = seed(node)
    node.restart(seal="env", env=h.isolated_env(TRESOR_SEAL_KEY=key))
    check_seed(node, s)
    node.stop()

    for label, bad_env in [
        ("wrong key", h.isolated_env(TRESOR_SEAL_KEY=seal_key())),
        ("no key", h.isolated_env()),
        ("not base64", h.isolated_env(TRESOR_SEAL_KEY="%%% not base64 %%%")),
        ("16 bytes", h.isolated_env(TRESOR_SEAL_KEY=base64.b64encode(os.urandom(16)).decode())),
    ]:
        assert_env_start_refused(node, bad_env, label, s)

    # The right key still opens it, and the key is nowhere on disk or in logs.
    node.start(seal="env", env=h.isolated_env(TRESOR_SEAL_KEY=key))
    check_seed(node, s)
    node.stop()
    found = h.leaks({"server log": node.server.log_path.read_bytes(),
                     **h.data_dir_contents(node.data_dir)},
                    {"TRESOR_SEAL_KEY": base64.b64decode(key), "TRESOR_SEAL_KEY text": key.encode()})
    assert not found, found


def assert_env_start_refused(node, env, label, s):
    """The server either refuses to start and says why, or runs sealed; it
    never answers with data."""
    port = h.free_port()
    args = [node.binary, "server", "--data-dir", str(node.data_dir), "--listen",
            f"127.0.0.1:{port}", "--seal", "env"]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        code = h.wait_exit(proc, timeout=5)
        if code is not None:
            _, err = proc.communicate()
            assert code != 0, (label, err)
            assert "TRESOR_SEAL_KEY" in err or "seal key" in err.lower(), (label, err)
            return
        # Still running: it must be sealed and refuse every call.
        url = f"http://127.0.0.1:{port}"
        st = h.poll(lambda: _try_status(url), lambda r: r is not None, timeout=20)
        assert st is not None and st.get("sealed") is True, (label, st)
        ep = h.Endpoint(url, node.ep.access_key_id, node.ep.secret_access_key)
        assert_sealed_answer(lambda: h.make_client(ep).get_secret_value(SecretId=s["default"]))
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        proc.communicate()


def _try_status(url):
    try:
        return h.seal_status(url)
    except (OSError, AssertionError, ValueError):
        return None


# -------------------------------------------------------------- migrate-seal


def test_migrate_a_file_mode_directory_to_shamir(node):
    node.start(seal=None)
    s = seed(node)
    creds_before = (node.data_dir / "admin-credentials").read_bytes()
    # File mode keeps the seal key in seal.key (docs/keys.md).
    assert (node.data_dir / "seal.key").exists()
    node.stop()

    out = h.run_tresor(node.binary, "operator", "migrate-seal", "--data-dir", node.data_dir,
                       "--to", "shamir", "--key-shares", "3", "--key-threshold", "2")
    assert out.returncode == 0, h.describe_run(out)
    node.shares = h.parse_shares(out.stdout)
    assert len(node.shares) == 3, h.describe_run(out)
    assert not (node.data_dir / "seal.key").exists(), "the old seal key must be gone"
    assert not (node.data_dir / "root.key").exists()
    assert (node.data_dir / "admin-credentials").read_bytes() == creds_before
    found = h.leaks(h.data_dir_contents(node.data_dir),
                    {f"share {i}": x.encode() for i, x in enumerate(node.shares, 1)})
    assert not found, found

    node.start(seal="shamir")
    assert node.status()["sealed"] is True
    assert_sealed_answer(lambda: node.sm().get_secret_value(SecretId=s["default"]))
    node.unseal([node.shares[0], node.shares[2]])
    check_seed(node, s)
    node.stop()

    # Migrating again (it is shamir now) is refused and changes nothing.
    before = tree_digest(node.data_dir)
    out = h.run_tresor(node.binary, "operator", "migrate-seal", "--data-dir", node.data_dir,
                       "--to", "shamir", "--key-shares", "3", "--key-threshold", "2")
    assert out.returncode != 0, h.describe_run(out)
    assert h.parse_shares(out.stdout) == []
    assert tree_digest(node.data_dir) == before


# ---------------------------------------------------------------- rotate-root


def test_rotate_root_keeps_everything_readable_across_restarts(node):
    node.init_shamir(shares=3, threshold=2)
    node.start()
    node.unseal(node.shares[:2])
    s = seed(node)

    out = node.operator("rotate-root", "--endpoint", node.url, env=h.isolated_env())
    assert out.returncode != 0, "rotate-root must be signed\n" + h.describe_run(out)

    out = node.operator("rotate-root", "--endpoint", node.url)
    assert out.returncode == 0, h.describe_run(out)
    check_seed(node, s)
    after = seed(node)  # new material works too

    # The shares are unchanged by a root rotation.
    node.restart()
    node.unseal(node.shares[1:])
    check_seed(node, s)
    check_seed(node, after)


def sealed_root(data_dir):
    """The sealed root key as the store records it."""
    import sqlite3
    db = sqlite3.connect(f"file:{data_dir / 'tresor.db'}?mode=ro", uri=True)
    try:
        (record,) = db.execute("SELECT value FROM meta WHERE key = 'root_seal'").fetchone()
    finally:
        db.close()
    return json.loads(record)


def test_rotate_root_in_file_mode_replaces_the_sealed_root_key(node):
    # docs/keys.md: file mode keeps the seal key in seal.key; the root key is
    # never on disk, only sealed in the store. Rotation replaces the root key
    # (and re-wraps what it protects) under the same seal key.
    node.start(seal=None)
    s = seed(node)
    seal_key = (node.data_dir / "seal.key").read_bytes()
    before = sealed_root(node.data_dir)
    out = node.operator("rotate-root", "--endpoint", node.url)
    assert out.returncode == 0, h.describe_run(out)
    check_seed(node, s)
    node.restart(seal=None)
    check_seed(node, s)
    node.stop()
    after = sealed_root(node.data_dir)
    assert after["kind"] == before["kind"] == "file"
    assert after["wrapped_root"] != before["wrapped_root"], "rotate-root left the root key unchanged"
    assert (node.data_dir / "seal.key").read_bytes() == seal_key
    assert not (node.data_dir / "root.key").exists()

    # The old sealed root no longer opens the directory: the KMS material is
    # wrapped under the new root now. The server refuses to start or reads
    # nothing — never a secret value.
    import sqlite3
    db = sqlite3.connect(node.data_dir / "tresor.db")
    db.execute("UPDATE meta SET value = ? WHERE key = 'root_seal'", (json.dumps(before),))
    db.commit()
    db.close()
    try:
        node.start(seal=None)
    except h.ServerStartError:
        pass
    else:
        try:
            value = node.sm().get_secret_value(SecretId=s["default"]).get("SecretString")
        except ClientError:
            value = None
        assert value is None, "the retired root key still decrypts secrets"
        node.close()
    db = sqlite3.connect(node.data_dir / "tresor.db")
    db.execute("UPDATE meta SET value = ? WHERE key = 'root_seal'", (json.dumps(after),))
    db.commit()
    db.close()
    node.start(seal=None)
    check_seed(node, s)


# -------------------------------------------------------------------- rewrap


def test_rewrap_counts_what_it_rewraps_and_is_idempotent(node):
    node.start(seal=None)
    sm, kms = node.sm(), node.kms()
    key = kms.create_key()["KeyMetadata"]
    name = h.unique_name("rewrap")
    values = ["r1", "r2", "r3"]
    versions = [sm.create_secret(Name=name, SecretString=values[0],
                                 KmsKeyId=key["KeyId"])["VersionId"]]
    for v in values[1:]:
        versions.append(sm.put_secret_value(SecretId=name, SecretString=v)["VersionId"])
    other = h.unique_name("rewrap-default")
    sm.create_secret(Name=other, SecretString="default key, never rotated")

    out = node.operator("rewrap", "--endpoint", node.url, env=h.isolated_env())
    assert out.returncode != 0, "rewrap must be signed\n" + h.describe_run(out)

    kms.rotate_key_on_demand(KeyId=key["KeyId"])
    h.poll(lambda: kms.get_key_rotation_status(KeyId=key["KeyId"]),
           lambda r: "OnDemandRotationStartDate" not in r)
    versions.append(sm.put_secret_value(SecretId=name, SecretString="r4")["VersionId"])
    values.append("r4")

    out = node.operator("rewrap", "--endpoint", node.url)
    assert out.returncode == 0, h.describe_run(out)
    # The three versions written before the rotation; r4 is already newest.
    assert h.first_integer(out.stdout) == 3, h.describe_run(out)
    out = node.operator("rewrap", "--endpoint", node.url)
    assert out.returncode == 0, h.describe_run(out)
    assert h.first_integer(out.stdout) == 0, h.describe_run(out)

    for vid, value in zip(versions, values):
        assert sm.get_secret_value(SecretId=name, VersionId=vid)["SecretString"] == value
    assert sm.get_secret_value(SecretId=other)["SecretString"] == "default key, never rotated"
    node.restart(seal=None)
    for vid, value in zip(versions, values):
        assert node.sm().get_secret_value(SecretId=name, VersionId=vid)["SecretString"] == value
