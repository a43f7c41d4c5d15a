"""OIDC test issuers for the web-identity tests: signing keys (RS256,
ES256) made with `cryptography`, their JWKs, and signed JWTs."""

import base64
import json

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def int_bytes(n: int, length: int = 0) -> bytes:
    return n.to_bytes(length or (n.bit_length() + 7) // 8, "big")


class Signer:
    """One signing key of a test issuer, with its JWK."""

    def __init__(self, kind: str, kid: str):
        self.kind, self.kid = kind, kid
        if kind == "RS256":
            self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pub = self.key.public_key().public_numbers()
            self.jwk = {"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
                        "n": b64u(int_bytes(pub.n)), "e": b64u(int_bytes(pub.e))}
        else:
            self.key = ec.generate_private_key(ec.SECP256R1())
            pub = self.key.public_key().public_numbers()
            self.jwk = {"kty": "EC", "kid": kid, "use": "sig", "alg": "ES256", "crv": "P-256",
                        "x": b64u(int_bytes(pub.x, 32)), "y": b64u(int_bytes(pub.y, 32))}

    def sign(self, data: bytes) -> bytes:
        if self.kind == "RS256":
            return self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        r, s = decode_dss_signature(self.key.sign(data, ec.ECDSA(hashes.SHA256())))
        return int_bytes(r, 32) + int_bytes(s, 32)

    def public_pem(self) -> bytes:
        return self.key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo)


def jwt(signer: Signer, claims: dict, *, header: dict = None, alg: str = None) -> str:
    head = {"alg": alg or signer.kind, "typ": "JWT", "kid": signer.kid}
    head.update(header or {})
    signing_input = f"{b64u(json.dumps(head).encode())}.{b64u(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64u(signer.sign(signing_input.encode()))}"
