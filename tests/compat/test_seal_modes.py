"""The `static` and `pkcs11` seals through the binary: initialise, serve,
restart, and refuse a wrong key. The PKCS#11 test runs against SoftHSM2
(Debian package `softhsm2`, installed by .ci/run); without it the test is
skipped, unless TRESOR_REQUIRE_SOFTHSM=1 makes its absence a failure."""

import os
import subprocess
from pathlib import Path

import pytest

import smharness as h

pytestmark = pytest.mark.persistent

SOFTHSM_MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")


def serve(binary, data_dir, tmp_path, env, *seal_args):
    port = h.free_port()
    args = [binary, "server", "--data-dir", str(data_dir), "--listen", f"127.0.0.1:{port}", *seal_args]
    server = h.ServerProcess(args, port, tmp_path / "server.log", tmp_path, env=env)
    server.start()
    akid, secret = h.read_admin_credentials(data_dir)
    return server, h.make_client(h.Endpoint(server.endpoint, akid, secret))


def refuses_to_start(binary, data_dir, env, *seal_args):
    out = subprocess.run(
        [binary, "server", "--data-dir", str(data_dir), "--listen", f"127.0.0.1:{h.free_port()}", *seal_args],
        env=env, capture_output=True, text=True, timeout=30,
    )
    assert out.returncode != 0, out
    return out.stderr


def round_trip(binary, data_dir, tmp_path, env, *seal_args):
    server, sm = serve(binary, data_dir, tmp_path, env, *seal_args)
    name = h.unique_name("sealed-mode")
    sm.create_secret(Name=name, SecretString="survives restarts")
    server.stop()
    server, sm = serve(binary, data_dir, tmp_path, env, *seal_args)
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "survives restarts"
    server.stop()


def test_static_seal(persistent_supported, tmp_path):
    binary, data_dir = persistent_supported, tmp_path / "data"
    key_file = tmp_path / "seal.key"
    env = h.isolated_env()
    out = h.run_tresor(binary, "operator", "init", "--data-dir", data_dir, "--seal", "static",
                       "--seal-key-file", key_file, env=env)
    assert out.returncode == 0, h.describe_run(out)
    assert key_file.exists() and (key_file.stat().st_mode & 0o077) == 0
    assert not (data_dir / "seal.key").exists(), "a static seal keeps its key outside the data directory"
    seal = ("--seal", "static", "--seal-key-file", str(key_file))
    round_trip(binary, data_dir, tmp_path, env, *seal)

    other = tmp_path / "other.key"
    other.write_bytes(os.urandom(32))
    os.chmod(other, 0o600)
    err = refuses_to_start(binary, data_dir, env, "--seal", "static", "--seal-key-file", str(other))
    assert "does not unseal" in err, err


@pytest.fixture
def softhsm(tmp_path):
    if not SOFTHSM_MODULE.exists():
        if os.environ.get("TRESOR_REQUIRE_SOFTHSM") == "1":
            pytest.fail(f"{SOFTHSM_MODULE} is missing but TRESOR_REQUIRE_SOFTHSM=1")
        pytest.skip("SoftHSM2 is not installed")
    tokens = tmp_path / "tokens"
    tokens.mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
    env = h.isolated_env(SOFTHSM2_CONF=str(conf), TRESOR_PKCS11_PIN="4321")
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "tresor-ci",
                    "--pin", "4321", "--so-pin", "8765"], env=env, check=True, capture_output=True)
    return env


def test_pkcs11_seal_against_softhsm(persistent_supported, tmp_path, softhsm):
    binary, data_dir = persistent_supported, tmp_path / "data"
    seal = ("--seal", "pkcs11", "--pkcs11-module", str(SOFTHSM_MODULE), "--pkcs11-token-label", "tresor-ci")
    out = h.run_tresor(binary, "operator", "init", "--data-dir", data_dir, *seal, env=softhsm)
    assert out.returncode == 0, h.describe_run(out)
    assert sorted(p.name for p in data_dir.iterdir()) == ["admin-credentials", "tresor.db"], \
        "the root key must be in no file: only the HSM can unwrap it"
    round_trip(binary, data_dir, tmp_path, softhsm, *seal)

    wrong_pin = dict(softhsm, TRESOR_PKCS11_PIN="0000")
    refuses_to_start(binary, data_dir, wrong_pin, *seal)
    no_pin = {k: v for k, v in softhsm.items() if k != "TRESOR_PKCS11_PIN"}
    err = refuses_to_start(binary, data_dir, no_pin, *seal)
    assert "TRESOR_PKCS11_PIN" in err, err
