#!/usr/bin/env python3
"""Writes the seed inputs of every fuzz target from real stores: the podman fixture store
(scripts/make-fixture-store.sh), the demo layout (assets/demo) and a store written by
cairn-genstore. Usage: seed.py FIXTURE_STORE GENSTORE_ROOT OUT_DIR"""

import base64, hashlib, io, json, os, sys, tarfile

fixture, genroot, out = sys.argv[1], sys.argv[2], sys.argv[3]
demo = os.path.join(os.path.dirname(__file__), "..", "..", "assets", "demo")
SEP = b"\0"


def write(target, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def big_data_name(key):
    if key and all(c in "abcdefghijklmnopqrstuvwxyz0123456789." for c in key):
        return key
    return "=" + base64.b64encode(key.encode()).decode()


roots = [os.path.join(fixture, "root"), os.path.join(fixture, "extra"), genroot]
names = set()
for root in roots:
    files = {
        kind: os.path.join(root, f"vfs-{kind}s", f"{kind}s.json")
        for kind in ("image", "layer", "container")
    }
    raw = {k: read(p) if os.path.exists(p) else b"[]" for k, p in files.items()}
    for kind, byte in (("image", 0), ("layer", 1), ("container", 2)):
        write("cs_records", bytes([byte]) + raw[kind])
    images = json.loads(raw["image"])
    mounts = json.dumps([{"id": l["id"], "count": 1} for l in json.loads(raw["layer"])[:2]])
    write("cs_records", b"\3" + mounts.encode())
    for image in images[:12]:
        names.update(image.get("names") or [])
        pieces = [json.dumps([image]).encode(), raw["layer"], raw["container"], mounts.encode()]
        for key in image.get("big-data-names") or []:
            blob = read(os.path.join(root, "vfs-images", image["id"], big_data_name(key)))
            pieces.append(blob)
            if key.startswith("sha256:"):
                write("image_config", blob)
        if len(raw["layer"]) < 64 << 10:
            write("cs_store", SEP.join(pieces))

# The demo layout: index.json, then its JSON blobs (manifests, indexes, configs).
blobs = {}
for name in sorted(os.listdir(os.path.join(demo, "blobs", "sha256"))):
    blobs[name] = read(os.path.join(demo, "blobs", "sha256", name))
json_blobs = []
for name, data in blobs.items():
    try:
        doc = json.loads(data)
    except ValueError:
        continue
    json_blobs.append(data)
    if "rootfs" in doc:
        write("image_config", data)
index = read(os.path.join(demo, "index.json"))
write("oci_layout", SEP.join([index] + json_blobs))
for entry in json.loads(index)["manifests"]:
    names.add(entry.get("annotations", {}).get("org.opencontainers.image.ref.name", ""))
    one = json.dumps({"schemaVersion": 2, "manifests": [entry]}).encode()
    write("oci_layout", SEP.join([one] + json_blobs))


def tar(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in members:
            if isinstance(data, str):
                info = tarfile.TarInfo(name)
                info.type, info.linkname = tarfile.SYMTYPE, data
                t.addfile(info)
                continue
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


# An oci-archive of the demo (layer blobs cut short: the reader only measures them).
members = [("oci-layout", read(os.path.join(demo, "oci-layout"))), ("index.json", index)]
members += [(f"blobs/sha256/{n}", d if d in json_blobs else d[:32]) for n, d in blobs.items()]
write("archive", tar(members))

# docker-archive forms: the current one, an old one whose layers are links to an earlier copy.
configs = [d for d in json_blobs if b'"rootfs"' in d][:2]
layer = tar([("etc/hostname", b"fuzz\n")])
diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
entries, files = [], []
for i, config in enumerate(configs):
    doc = json.loads(config)
    doc["rootfs"] = {"type": "layers", "diff_ids": [diff_id] * (i + 1)}
    config = json.dumps(doc).encode()
    hexd = hashlib.sha256(config).hexdigest()
    layers = [f"{i}{j}/layer.tar" for j in range(i + 1)]
    entries.append({"Config": f"{hexd}.json", "RepoTags": [f"app{i}:1"], "Layers": layers})
    files.append((f"{hexd}.json", config))
    files += [(name, layer if j == 0 else f"../{i}0/layer.tar") for j, name in enumerate(layers)]
write("archive", tar([("manifest.json", json.dumps(entries).encode())] + files))
write("archive", tar([("manifest.json", json.dumps(entries[:1]).encode())] + files[:2]))

names |= {"alpine", "docker.io/library/alpine:3.19", "localhost:5000/a/b:c@sha256:" + "a" * 64,
          "UPPER/case", "a//b", "app@sha256:" + "0" * 64, "[::1]:5000/x:y"}
for name in sorted(n for n in names if n):
    write("reference", name.encode())
