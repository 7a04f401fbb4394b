#!/usr/bin/env python3
"""Independent check of what a map-site card shows, outside the browser: python3 + `cryptography` only.

usage: verify_card.py --meili URL --key KEY --config CONFIG_JSON [--index organisations] LISTING_ID...

For each listing id: reads its search documents and the signed index's documents (the listing JWS and the keyset
chain of the node it claims) straight from Meilisearch, walks the keyset chain from the root pinned in the site's
config.json (`nodes[].root`), verifies the listing (ES256, r||s converted to DER) and compares every field a card
shows with the signed payload after the indexer's documented transformation (docs/search-documents.md: one document
per location). Prints one line per id, `OK <id> <node> v<seq>` or `FAIL <id> <Rule> <message>`, with the rule names of
web/src/verify.js. Exit 0 when every id verified, 1 otherwise.
"""
import argparse
import json
import os
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from verify_listing import Fail, b64url, b64url_decode, check_header, keyed, strict_json, verify_es256  # noqa: E402
import hashlib  # noqa: E402


class Refused(Exception):
    def __init__(self, rule, message):
        super().__init__(message)
        self.rule = rule


def search(meili, key, index, filter_, limit):
    body = json.dumps({"q": "", "filter": filter_, "limit": limit}).encode()
    req = urllib.request.Request(f"{meili}/indexes/{index}/search", data=body, method="POST",
                                 headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=15) as r:
        return json.loads(r.read())["hits"]


def quote(v):
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'


def keyset_parts(text):
    doc = strict_json(text)
    if set(doc) != {"payload", "signatures"} or not 1 <= len(doc["signatures"]) <= 16:
        raise Refused("Malformed", "keyset is not a JWS general serialization with 1-16 signatures")
    payload = strict_json(b64url_decode(doc["payload"]))
    return doc, payload


def signers(doc, roots):
    valid = set()
    for s in doc["signatures"]:
        kid = check_header(s["protected"], "atlas-keyset")
        if kid in roots and verify_es256(roots[kid], (s["protected"] + "." + doc["payload"]).encode("ascii"), s["signature"]):
            valid.add(kid)
    return valid


def walk_chain(chain, pinned, now):
    """docs/protocol.md §3.2: rule 1 on the first version, rule 2 on each next; only the newest must be unexpired."""
    if not chain:
        raise Refused("Missing", "no keyset chain stored for this node")
    doc, payload = keyset_parts(chain[0])
    roots = keyed(payload["roots"])
    if pinned not in roots:
        raise Refused("PinMismatch", "first keyset does not name the pinned root")
    valid = signers(doc, roots)
    if pinned not in valid:
        raise Refused("PinMismatch", "pinned root did not sign the keyset")
    if len(valid) < payload["threshold"]:
        raise Refused("KeysetThreshold", "threshold of own roots not met")
    for text in chain[1:]:
        doc, candidate = keyset_parts(text)
        if len(signers(doc, roots)) < payload["threshold"]:
            raise Refused("KeysetThreshold", f"version {candidate['version']} not signed by the previous roots")
        if candidate["iss"] != payload["iss"]:
            raise Refused("WrongIssuer", "keyset issuer changed")
        if candidate["version"] != payload["version"] + 1:
            raise Refused("KeysetRollback" if candidate["version"] <= payload["version"] else "KeysetGap", "keyset versions out of order")
        new_roots = keyed(candidate["roots"])
        if len(signers(doc, new_roots)) < candidate["threshold"]:
            raise Refused("KeysetThreshold", "threshold of own roots not met")
        if not set(payload["revoked"]) <= set(candidate["revoked"]):
            raise Refused("Invalid", "a revocation was undone")
        payload, roots = candidate, new_roots
    if payload["exp"] <= now:
        raise Refused("Expired", f"keyset version {payload['version']} has expired")
    signing = keyed(payload["signing"])
    return payload, signing, set(payload["revoked"])


def drop_nulls(v):
    if isinstance(v, list):
        return [drop_nulls(x) for x in v]
    if isinstance(v, dict):
        return {k: drop_nulls(x) for k, x in sorted(v.items()) if x is not None}
    return v


def expected_docs(p, h, kid):
    o = p["org"]
    physical = [l for l in o["locations"] if l["kind"] == "physical"]
    common = {
        "listing_id": p["id"], "node": p["iss"], "name": o["name"], "description": o["description"], "focus": o["focus"],
        "languages": o["languages"], "online": any(l["kind"] == "online" for l in o["locations"]), "website": o["website"],
        "cities": list(dict.fromkeys(l["city"] for l in physical)), "countries": list(dict.fromkeys(l["country"] for l in physical)),
        "contacts": [{k: c[k] for k in ("kind", "value", "label", "press")} for c in o["contacts"]],
        "channels": [{k: c[k] for k in ("kind", "url")} for c in o["channels"]],
        "relationships": [{k: r[k] for k in ("type", "target")} for r in o["relationships"]],
        "org_status": o["status"], "scope": o["scope"], "last_confirmed": o["last_confirmed"], "review_by": o["review_by"],
        "provenance": {"node": p["iss"], "seq": p["seq"], "hash": h, "kid": kid}, "updated_at": p["iat"],
    }
    out = {}
    for n, l in enumerate(o["locations"]):
        geo = {"lat": l["lat"], "lng": l["lon"]} if l["lat"] is not None and l["lon"] is not None else None
        place = {k: l[k] for k in ("kind", "city", "country", "precision", "address", "service_area")}
        out[f"{p['id']}_{n}"] = dict(common, city=l["city"], country=l["country"], place=place, _geo=geo)
    return out


def shown(doc, field):
    v = doc.get(field)
    if field == "relationships" and isinstance(v, list):
        v = [{"type": r.get("type"), "target": r.get("target")} for r in v]
    if field == "provenance" and isinstance(v, dict):
        v = {k: v.get(k) for k in ("node", "seq", "hash", "kid")}
    return v


def check(listing_id, docs, signed, keysets, pins, now):
    if signed is None or not isinstance(signed.get("jws"), str):
        raise Refused("Missing", "no signed listing stored")
    parts = signed["jws"].split(".")
    if len(parts) != 3:
        raise Refused("Malformed", "listing is not a compact JWS")
    try:
        claimed = strict_json(b64url_decode(parts[1])).get("iss")
    except (Fail, ValueError):
        raise Refused("Malformed", "payload is not JSON")
    pin = pins.get(claimed)
    if pin is None:
        raise Refused("PinMismatch", f"node {claimed!r} is not pinned by the site")
    payload, signing, revoked = walk_chain((keysets.get(claimed) or {}).get("keysets") or [], pin, now)
    if payload["iss"] != claimed:
        raise Refused("WrongIssuer", "keyset is for another node")
    try:
        kid = check_header(parts[0], "atlas-listing")
    except Fail as e:
        raise Refused("BadHeader", str(e))
    if kid in revoked:
        raise Refused("RevokedKey", "listing signed by a revoked key")
    if kid not in signing:
        raise Refused("UnknownKey", "listing signed by a key that is not the node's")
    if not verify_es256(signing[kid], (parts[0] + "." + parts[1]).encode("ascii"), parts[2]):
        raise Refused("BadSignature", "listing signature does not verify")
    p = strict_json(b64url_decode(parts[1]))
    if p["iss"] != payload["iss"]:
        raise Refused("WrongIssuer", "listing issuer is not the keyset's")
    if p["id"] != listing_id:
        raise Refused("WrongObject", f"signed bytes are listing {p['id']}")
    if p["status"] != "active":
        raise Refused("FieldMismatch", "the signed listing is withdrawn")
    h = b64url(hashlib.sha256((parts[0] + "." + parts[1]).encode("ascii")).digest())
    expected = expected_docs(p, h, kid)
    by_id = {d["doc_id"]: d for d in docs}
    if sorted(by_id) != sorted(expected) or len(by_id) != len(docs):
        raise Refused("FieldMismatch", f"places: documents {sorted(by_id)} vs signed {sorted(expected)}")
    for doc_id, e in expected.items():
        for field, value in e.items():
            if drop_nulls(shown(by_id[doc_id], field)) != drop_nulls(value):
                raise Refused("FieldMismatch", f"{field} of {doc_id} differs from the signed listing")
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--meili", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--index", default="organisations")
    ap.add_argument("ids", nargs="+")
    args = ap.parse_args()
    with open(args.config, encoding="utf-8") as f:
        config = json.load(f)
    pins = {n["id"]: n["root"] for n in config.get("nodes", []) if n.get("id") and n.get("root")}
    signed_index = args.index + "-signed"
    keysets = {d["node"]: d for d in search(args.meili, args.key, signed_index, 'kind = "keyset"', 1000)}
    now = int(time.time())
    all_ok = True
    for listing_id in args.ids:
        try:
            docs = search(args.meili, args.key, args.index, f"listing_id = {quote(listing_id)}", 200)
            found = search(args.meili, args.key, signed_index, f"signed_id = {quote(listing_id)}", 1)
            p = check(listing_id, docs, found[0] if found else None, keysets, pins, now)
            print(f"OK {listing_id} {p['iss']} v{p['seq']}")
        except Refused as e:
            all_ok = False
            print(f"FAIL {listing_id} {e.rule} {e}")
        except (Fail, KeyError, ValueError, TypeError) as e:
            all_ok = False
            print(f"FAIL {listing_id} Malformed {type(e).__name__}: {e}")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
