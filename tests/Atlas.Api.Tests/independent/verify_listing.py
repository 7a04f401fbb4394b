#!/usr/bin/env python3
"""Independent check of an Atlas node, outside .NET: python3 + the `cryptography` package only.

usage: verify_listing.py BASE_URL [--root-kid KID] [--listing-id ID] [--listing-file FILE]

Fetches /.well-known/atlas-node, follows links.keyset, verifies the keyset's signatures with its root
key(s) (pinned with --root-kid if given) and the threshold, then fetches a listing (--listing-id, or the
first entry of the change feed) or reads one from --listing-file, and verifies it with the signing key
named by its kid (ES256: the JWS r||s is converted to DER). Exit 0 when everything verifies, 1 otherwise.
"""
import argparse
import base64
import hashlib
import json
import sys
import time
import urllib.request

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


class Fail(Exception):
    pass


def b64url_decode(s):
    if not isinstance(s, str) or "=" in s:
        raise Fail("not unpadded base64url")
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode("ascii")


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise Fail("duplicate JSON member")
    return dict(pairs)


def strict_json(data):
    return json.loads(data, object_pairs_hook=no_duplicates)


def fetch(url, limit=8 * 1024 * 1024):
    with urllib.request.urlopen(url, timeout=15) as r:
        body = r.read(limit + 1)
    if len(body) > limit:
        raise Fail(f"{url}: response too large")
    return body.decode("utf-8")


def public_key(jwk):
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise Fail("only EC P-256 keys")
    x = int.from_bytes(b64url_decode(jwk["x"]), "big")
    y = int.from_bytes(b64url_decode(jwk["y"]), "big")
    key = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    return key


def kid_of(key):
    spki = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return b64url(hashlib.sha256(spki).digest())


def verify_es256(key, signing_input, signature_b64):
    sig = b64url_decode(signature_b64)
    if len(sig) != 64:
        raise Fail("ES256 signature must be 64 bytes")
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    try:
        key.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False


def check_header(header_b64, typ):
    header = strict_json(b64url_decode(header_b64))
    if list(header.keys()) != ["alg", "typ", "kid"] or header["alg"] != "ES256" or header["typ"] != typ:
        raise Fail(f"header must be exactly {{alg: ES256, typ: {typ}, kid}}, got {header}")
    return header["kid"]


def keyed(entries):
    keys = {}
    for e in entries:
        key = public_key(e["jwk"])
        if kid_of(key) != e["kid"]:
            raise Fail(f"kid {e['kid']} does not match its JWK")
        keys[e["kid"]] = key
    return keys


def verify_keyset(text, node_id, root_kid):
    doc = strict_json(text)
    if set(doc.keys()) != {"payload", "signatures"}:
        raise Fail("keyset is not a JWS general serialization")
    payload = strict_json(b64url_decode(doc["payload"]))
    if payload["iss"] != node_id:
        raise Fail(f"keyset iss {payload['iss']} is not node {node_id}")
    if payload["exp"] <= time.time():
        raise Fail(f"keyset version {payload['version']} has expired")
    roots = keyed(payload["roots"])
    if root_kid is not None and root_kid not in roots:
        raise Fail("pinned root kid not in keyset (walk keyset versions to follow a root rotation)")
    valid = set()
    for s in doc["signatures"]:
        if set(s.keys()) != {"protected", "signature"}:
            raise Fail("unexpected signature members")
        kid = check_header(s["protected"], "atlas-keyset")
        signing_input = (s["protected"] + "." + doc["payload"]).encode("ascii")
        if kid in roots and verify_es256(roots[kid], signing_input, s["signature"]):
            valid.add(kid)
    if len(valid) < payload["threshold"]:
        raise Fail(f"keyset has {len(valid)} valid root signatures, {payload['threshold']} required")
    if root_kid is not None and root_kid not in valid:
        raise Fail("pinned root did not sign the keyset")
    signing = keyed(payload["signing"])
    for kid in payload["revoked"]:
        signing.pop(kid, None)
    return payload, signing


def verify_listing(jws, node_id, signing, expected_id=None):
    parts = jws.strip().split(".")
    if len(parts) != 3:
        raise Fail("listing is not a compact JWS")
    kid = check_header(parts[0], "atlas-listing")
    if kid not in signing:
        raise Fail(f"listing signed by unknown or revoked key {kid}")
    if not verify_es256(signing[kid], (parts[0] + "." + parts[1]).encode("ascii"), parts[2]):
        raise Fail("listing signature does not verify")
    payload = strict_json(b64url_decode(parts[1]))
    if payload["iss"] != node_id:
        raise Fail(f"listing iss {payload['iss']} is not node {node_id}")
    if expected_id is not None and payload["id"] != expected_id:
        raise Fail(f"asked for {expected_id}, got {payload['id']}")
    return payload


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base_url")
    ap.add_argument("--root-kid")
    ap.add_argument("--listing-id")
    ap.add_argument("--listing-file")
    args = ap.parse_args()
    try:
        descriptor = strict_json(fetch(args.base_url.rstrip("/") + "/.well-known/atlas-node"))
        if descriptor.get("protocol") != "atlas/1":
            raise Fail("not an atlas/1 node")
        node_id = descriptor["node_id"]
        links = descriptor["links"]
        keyset, signing = verify_keyset(fetch(links["keyset"]), node_id, args.root_kid)
        if args.listing_file:
            with open(args.listing_file, encoding="ascii") as f:
                jws, expected = f.read(), args.listing_id
        else:
            listing_id = args.listing_id
            if listing_id is None:
                entries = strict_json(fetch(links["changes"] + "?limit=1"))["entries"]
                if not entries:
                    raise Fail("node has no listings")
                listing_id = entries[0]["id"]
            jws, expected = fetch(links["listing"].replace("{id}", listing_id)), listing_id
        payload = verify_listing(jws, node_id, signing, expected)
        print(f"OK {node_id} keyset v{keyset['version']} listing {payload['id']} seq {payload['seq']} ({payload['status']})")
        return 0
    except (Fail, KeyError, ValueError, TypeError, OSError) as e:
        print(f"FAIL {type(e).__name__}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
